/**
 * Online accesses (logins to a distribution centre's online system): client, login, host, catalogue,
 * protocol, time zone, managers. The password is write-only: SMART stores it encrypted to read the
 * remainders, never returns it, and an empty field in the form keeps the stored one.
 */
import { useMemo } from 'react';
import { Link } from 'react-router-dom';
import { apiSend } from '../../api';
import { TablePanel, type Column } from '../../components/TablePanel';
import {
  actionsColumn,
  ActionButton,
  byId,
  CheckList,
  CrudDialogs,
  EditDeleteButtons,
  FormDialog,
  linksFromValues,
  linksText,
  managerEmailOptions,
  PageHead,
  queryStatus,
  SelectField,
  TextField,
  useAdmin,
  useClients,
  useCrud,
  useForm,
  useManagers,
  useOnlineAccesses,
  valuesFromLinks,
} from '../common';
import { L, OFFSETS, offsetName, tx } from '../texts';
import type { OnlineAccess } from '../types';

export function OnlineAccesses() {
  const admin = useAdmin();
  const online = useOnlineAccesses();
  const clients = useClients();
  const managers = useManagers();
  const clientMap = useMemo(() => byId(clients.data), [clients.data]);
  const managerMap = useMemo(() => byId(managers.data), [managers.data]);
  const crud = useCrud<OnlineAccess>({
    label: (a) => `${a.login}@${a.host}/${a.folder}`,
    refresh: ['online', 'clients'],
  });
  const why = admin.canWrite ? null : L.readOnlyRole();

  const columns: Column<OnlineAccess>[] = [
    {
      key: 'client',
      title: L.client(),
      value: (a) => clientMap.get(a.clientId)?.shortName ?? `#${a.clientId}`,
      render: (a) => (
        <Link to={`/clients/${a.clientId}`} className="cell-link">
          {clientMap.get(a.clientId)?.shortName ?? `#${a.clientId}`}
        </Link>
      ),
    },
    {
      key: 'login',
      title: tx('Логин', 'Login'),
      value: (a) => a.login,
      render: (a) => <span data-testid="online-login">{a.login}</span>,
    },
    { key: 'url', title: tx('Адрес', 'Address'), value: (a) => `${a.protocol}://${a.host}` },
    { key: 'folder', title: tx('Каталог', 'Catalogue'), value: (a) => a.folder },
    { key: 'tz', title: tx('Пояс', 'Zone'), value: (a) => offsetName(a.utcOffsetMin) },
    {
      key: 'password',
      title: tx('Пароль', 'Password'),
      value: (a) => (a.passwordSet ? L.passwordSet() : L.passwordNotSet()),
      render: (a) =>
        a.passwordSet ? (
          <span className="tag tag-ok">{L.passwordSet()}</span>
        ) : (
          <span className="tag tag-bad">{L.passwordNotSet()}</span>
        ),
    },
    { key: 'managers', title: L.managers(), value: (a) => linksText(a.managers, managerMap) },
    actionsColumn((a) => <EditDeleteButtons crud={crud} item={a} why={why} testid="online" />),
  ];

  return (
    <div className="page">
      <PageHead
        title={tx('Онлайн-доступы', 'Online accesses')}
        description={tx(
          'Учётные записи клиентов в онлайн-версии: SMART читает по ним остатки и журнал поиска. Пароли хранятся зашифрованными и не показываются.',
          "Clients' accounts in the online system: SMART reads the remainders and the search log with them. Passwords are stored encrypted and never shown.",
        )}
        actions={
          <ActionButton className="btn btn-primary" why={why} onClick={crud.create} testid="online-create">
            {tx('Новый онлайн-доступ', 'New online access')}
          </ActionButton>
        }
      />
      <div className="grid">
        <TablePanel
          id="admin-online"
          title={tx('Онлайн-доступы: {n}', 'Online accesses: {n}', { n: online.data?.length ?? 0 })}
          rows={online.data ?? []}
          columns={columns}
          rowKey={(a) => a.id}
          status={queryStatus(online)}
          csvName="online-accesses.csv"
          initialSort={{ key: 'client', dir: 'asc' }}
          pageSize={25}
        />
      </div>
      <CrudDialogs
        crud={crud}
        editor={({ item, ...p }) => <OnlineDialog access={item} {...p} />}
        deletePath={(a) => `/api/online-accesses/${a.id}`}
        refreshOnDelete={['online']}
      />
    </div>
  );
}

const FIELDS = ['clientId', 'login', 'password', 'host', 'folder', 'protocol', 'utcOffsetMin', 'managers'];

function OnlineDialog({
  access: a,
  onClose,
  onDone,
}: {
  access: OnlineAccess | null;
  onClose(): void;
  onDone(a: OnlineAccess): void;
}) {
  const clients = useClients();
  const managers = useManagers();
  const f = useForm(
    {
      clientId: a ? String(a.clientId) : '',
      login: a?.login ?? '',
      password: '',
      host: a?.host ?? '',
      folder: a?.folder ?? '',
      protocol: a?.protocol ?? 'https',
      utcOffsetMin: String(a?.utcOffsetMin ?? 180),
      managers: valuesFromLinks(a?.managers ?? []),
    },
    FIELDS,
    'login',
  );
  const v = f.values;
  const clientErrors = (): Record<string, string> => {
    const e: Record<string, string> = {};
    if (!v.clientId) e.clientId = tx('Выберите клиента', 'Choose a client');
    if (!v.login.trim() || /\s/.test(v.login.trim()))
      e.login = tx('Логин без пробелов', 'A login without spaces');
    if (!a && !v.password) e.password = tx('Введите пароль', 'Enter the password');
    if (!v.host.trim()) e.host = tx('Введите адрес сервера', "Enter the server's host");
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(v.folder.trim()))
      e.folder = tx(
        'Только имя каталога, без «/» (например, kodeks01)',
        'The catalogue name only, without “/” (e.g. kodeks01)',
      );
    return e;
  };
  const save = () =>
    f.submit(async () => {
      const body: Record<string, unknown> = {
        clientId: Number(v.clientId),
        login: v.login.trim(),
        host: v.host.trim(),
        folder: v.folder.trim(),
        protocol: v.protocol,
        utcOffsetMin: Number(v.utcOffsetMin),
        managers: linksFromValues(v.managers),
      };
      // Write-only: an empty field keeps the stored password.
      if (v.password) body.password = v.password;
      const out = a
        ? await apiSend<OnlineAccess>('PATCH', `/api/online-accesses/${a.id}`, body)
        : await apiSend<OnlineAccess>('POST', '/api/online-accesses', body);
      onDone(out);
      onClose();
    }, clientErrors());
  return (
    <FormDialog
      title={
        a
          ? tx('Онлайн-доступ {l}', 'Online access {l}', { l: a.login })
          : tx('Новый онлайн-доступ', 'New online access')
      }
      onClose={onClose}
      onSubmit={() => void save()}
      busy={f.busy}
      error={f.errors.general}
      submitLabel={a ? L.save() : L.create()}
      testid="online-dialog"
      wide
    >
      <SelectField
        label={L.client()}
        value={v.clientId}
        onChange={(x) => f.set('clientId', x)}
        options={(clients.data ?? [])
          .map((c) => ({ value: String(c.id), label: c.shortName }))
          .sort((x, y) => x.label.localeCompare(y.label, 'ru'))}
        placeholder={L.choose()}
        error={f.errors.fields.clientId}
        required
        hint={
          a
            ? tx(
                'Можно перенести доступ к другому клиенту дилера.',
                "The access can move to another of the dealer's clients.",
              )
            : undefined
        }
        testid="online-client"
      />
      <div className="field-row">
        <TextField
          label={tx('Логин', 'Login')}
          value={v.login}
          onChange={(x) => f.set('login', x)}
          error={f.errors.fields.login}
          required
          autoComplete="off"
          testid="online-login-input"
        />
        <TextField
          label={tx('Пароль', 'Password')}
          type="password"
          value={v.password}
          onChange={(x) => f.set('password', x)}
          error={f.errors.fields.password}
          required={!a}
          placeholder={a?.passwordSet ? '••••••••' : ''}
          hint={
            a
              ? `${a.passwordSet ? L.passwordSet() : L.passwordNotSet()}; ${L.passwordKeep()}`
              : tx('хранится зашифрованным, не показывается', 'stored encrypted, never shown')
          }
          testid="online-password-input"
        />
      </div>
      <div className="field-row field-row-3">
        <TextField
          label={tx('Сервер (хост)', 'Server (host)')}
          value={v.host}
          onChange={(x) => f.set('host', x)}
          error={f.errors.fields.host}
          required
          placeholder="nps2.cntd.ru"
        />
        <TextField
          label={tx('Каталог', 'Catalogue')}
          value={v.folder}
          onChange={(x) => f.set('folder', x)}
          error={f.errors.fields.folder}
          required
          placeholder="kodeks01"
        />
        <SelectField
          label={tx('Протокол', 'Protocol')}
          value={v.protocol}
          onChange={(x) => f.set('protocol', x as 'http' | 'https')}
          options={[
            { value: 'https', label: 'https' },
            { value: 'http', label: 'http' },
          ]}
          error={f.errors.fields.protocol}
        />
      </div>
      <SelectField
        label={tx('Часовой пояс (начало расчётного месяца)', 'Time zone (start of the billing month)')}
        value={v.utcOffsetMin}
        onChange={(x) => f.set('utcOffsetMin', x)}
        options={OFFSETS.map((o) => ({
          value: String(o),
          label: `${offsetName(o)}${o === 180 ? tx(' (Москва)', ' (Moscow)') : ''}`,
        }))}
        error={f.errors.fields.utcOffsetMin}
      />
      <CheckList
        legend={tx('Менеджеры, которым приходят письма', 'Managers who get the e-mails')}
        options={managerEmailOptions(managers.data)}
        value={v.managers}
        onChange={(x) => f.set('managers', x)}
        error={f.errors.fields.managers}
        columns={2}
      />
    </FormDialog>
  );
}
