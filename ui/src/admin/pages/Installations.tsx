/**
 * Installations: polled by URL or pushed by an agent (or closed: uploaded by hand). Address and port,
 * probe settings (interval, behind a proxy, smartlogin user and a write-only password: an empty field
 * keeps the stored one), the License manager address, collection settings and the managers told.
 * Each installation has its agent upload tokens (created here and shown once, listed and revoked by
 * whoever may change the installation) and a page with what an agent needs (the scripts themselves
 * come with a later release).
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { apiGet, apiSend } from '../../api';
import { StatusBox } from '../../components/Panel';
import { TablePanel, type Column } from '../../components/TablePanel';
import { fmtDateTime } from '../../lib/format';
import {
  ActionButton,
  byId,
  CheckField,
  CheckList,
  ConfirmDialog,
  FormDialog,
  intOrNull,
  linksFromValues,
  linksText,
  managerEmailOptions,
  Notice,
  PageHead,
  RowButton,
  SecretOnce,
  SelectField,
  TextField,
  useAdmin,
  useClients,
  useForm,
  useInstallations,
  useInvalidate,
  useManagers,
  useToast,
  valuesFromLinks,
} from '../common';
import { L, OFFSETS, offsetName, tx } from '../texts';
import type { CreatedToken, Installation, InstallationKind, UploadToken } from '../types';

export function kindName(k: InstallationKind): string {
  switch (k) {
    case 'polled':
      return tx('опрос по адресу', 'polled');
    case 'agent':
      return tx('агент', 'agent');
    default:
      return tx('закрытый контур', 'closed');
  }
}

export function addressText(i: Installation): string {
  if (!i.address) return '';
  return `${i.protocol ? `${i.protocol}://` : ''}${i.address}${i.port ? `:${i.port}` : ''}`;
}

export function Installations() {
  const admin = useAdmin();
  const installations = useInstallations();
  const clients = useClients();
  const managers = useManagers();
  const clientMap = useMemo(() => byId(clients.data), [clients.data]);
  const managerMap = useMemo(() => byId(managers.data), [managers.data]);
  const [edit, setEdit] = useState<Installation | 'new' | null>(null);
  const [tokens, setTokens] = useState<Installation | null>(null);
  const [del, setDel] = useState<Installation | null>(null);
  const [toast, showToast] = useToast();
  const invalidate = useInvalidate();
  const why = admin.canWrite ? null : L.readOnlyRole();
  const clientName = (id: number) => clientMap.get(id)?.shortName ?? `#${id}`;

  const columns: Column<Installation>[] = [
    {
      key: 'client',
      title: L.client(),
      value: (i) => clientName(i.clientId),
      render: (i) => (
        <Link to={`/clients/${i.clientId}`} className="cell-link">
          {clientName(i.clientId)}
        </Link>
      ),
    },
    { key: 'kind', title: L.kind(), value: (i) => kindName(i.kind) },
    {
      key: 'source',
      title: tx('Источник / адрес ПК', 'Source / ПК address'),
      value: (i) => i.sourceKey,
      csv: (i) => [i.sourceKey, addressText(i)].filter(Boolean).join(' '),
      render: (i) => (
        <span className="source-cell">
          <span className="mono" data-testid="installation-source">
            {i.sourceKey}
          </span>
          {i.kind !== 'polled' && i.address && <small className="muted">{addressText(i)}</small>}
        </span>
      ),
    },
    {
      key: 'probe',
      title: tx('Проверки', 'Probes'),
      value: (i) =>
        i.probeEnabled ? tx('каждые {s} с', 'every {s} s', { s: i.probeIntervalS }) : tx('выкл.', 'off'),
    },
    {
      key: 'smartlogin',
      title: 'smartlogin',
      value: (i) =>
        i.smartloginUser
          ? `${i.smartloginUser} (${i.smartloginPasswordSet ? L.passwordSet() : L.passwordNotSet()})`
          : '',
    },
    {
      key: 'licman',
      title: 'Licman',
      value: (i) => (i.licmanAddress ? `${i.licmanAddress}${i.licmanPort ? `:${i.licmanPort}` : ''}` : ''),
    },
    { key: 'managers', title: L.managers(), value: (i) => linksText(i.managers, managerMap) },
    {
      key: 'actions',
      title: L.actions(),
      filter: false,
      value: () => null,
      csv: () => '',
      render: (i) => (
        <span className="cell-actions">
          <RowButton
            icon="edit"
            label={`${L.edit()}: ${i.sourceKey}`}
            why={why}
            onClick={() => setEdit(i)}
            testid="installation-edit"
          />
          <RowButton
            icon="key"
            label={tx('Токены агента: {s}', 'Agent tokens: {s}', { s: i.sourceKey })}
            onClick={() => setTokens(i)}
            testid="installation-tokens"
          />
          <RowButton
            icon="trash"
            danger
            label={`${L.remove()}: ${i.sourceKey}`}
            why={why}
            onClick={() => setDel(i)}
            testid="installation-delete"
          />
        </span>
      ),
    },
  ];

  return (
    <div className="page">
      <PageHead
        title={tx('Инсталляции', 'Installations')}
        description={tx(
          'Системы клиентов: опрашиваемые SMART по адресу или присылающие отчёты агентом. Пароль smartlogin хранится зашифрованным и никогда не показывается.',
          "Clients' systems: polled by SMART at an address, or sending reports through an agent. The smartlogin password is stored encrypted and never shown.",
        )}
        actions={
          <ActionButton
            className="btn btn-primary"
            why={why}
            onClick={() => setEdit('new')}
            testid="installation-create"
          >
            {tx('Новая инсталляция', 'New installation')}
          </ActionButton>
        }
      />
      <div className="grid">
        <TablePanel
          id="admin-installations"
          title={tx('Инсталляции: {n}', 'Installations: {n}', { n: installations.data?.length ?? 0 })}
          rows={installations.data ?? []}
          columns={columns}
          rowKey={(i) => i.id}
          status={{
            loading: installations.isLoading,
            error: installations.error,
            onRetry: () => void installations.refetch(),
          }}
          csvName="installations.csv"
          initialSort={{ key: 'client', dir: 'asc' }}
          pageSize={25}
        />
      </div>
      {edit && (
        <InstallationDialog
          installation={edit === 'new' ? null : edit}
          onClose={() => setEdit(null)}
          onDone={(i) => {
            void invalidate('installations', 'clients');
            showToast(L.saved(i.sourceKey));
          }}
        />
      )}
      {tokens && <AgentTokensDialog installation={tokens} onClose={() => setTokens(null)} />}
      {del && (
        <ConfirmDialog
          title={L.confirmDelete(del.sourceKey)}
          confirmLabel={L.remove()}
          onClose={() => setDel(null)}
          action={async () => {
            await apiSend('DELETE', `/api/installations/${del.id}`);
            await invalidate('installations');
            showToast(L.deleted(del.sourceKey));
          }}
        >
          <p>
            {tx(
              'Проверки и сбор отчётов этой инсталляции прекратятся; отчёты агента под этим именем станут «незарегистрированными». {u}',
              'Its probes and report collection stop; agent reports under this name become “unregistered”. {u}',
              { u: L.cannotUndo() },
            )}
          </p>
        </ConfirmDialog>
      )}
      {toast}
    </div>
  );
}

const FIELDS = [
  'clientId',
  'kind',
  'sourceName',
  'address',
  'port',
  'protocol',
  'probeEnabled',
  'probeIntervalS',
  'behindProxy',
  'smartloginUser',
  'smartloginPassword',
  'licmanAddress',
  'licmanPort',
  'collectIntervalS',
  'asrpPeriodS',
  'utcOffsetMin',
  'managers',
];

function InstallationDialog({
  installation: inst,
  onClose,
  onDone,
}: {
  installation: Installation | null;
  onClose(): void;
  onDone(i: Installation): void;
}) {
  const clients = useClients();
  const managers = useManagers();
  const f = useForm(
    {
      clientId: inst ? String(inst.clientId) : '',
      kind: (inst?.kind ?? 'agent') as InstallationKind,
      sourceName: '',
      address: inst?.address ?? '',
      port: inst?.port ? String(inst.port) : '',
      protocol: inst?.protocol ?? 'https',
      probeEnabled: inst?.probeEnabled ?? true,
      probeIntervalS: String(inst?.probeIntervalS ?? 60),
      behindProxy: inst?.behindProxy ?? false,
      smartloginUser: inst?.smartloginUser ?? '',
      smartloginPassword: '',
      clearPassword: false,
      licmanAddress: inst?.licmanAddress ?? '',
      licmanPort: inst?.licmanPort ? String(inst.licmanPort) : '',
      collectIntervalS: String(inst?.collectIntervalS ?? 3600),
      asrpPeriodS: String(inst?.asrpPeriodS ?? 604800),
      utcOffsetMin: String(inst?.utcOffsetMin ?? 180),
      managers: valuesFromLinks(inst?.managers ?? []),
    },
    FIELDS,
    inst ? 'address' : 'sourceName',
  );
  const v = f.values;
  const num = (s: string) => intOrNull(s);
  const clientErrors = (): Record<string, string> => {
    const e: Record<string, string> = {};
    if (!inst && !v.clientId) e.clientId = tx('Выберите клиента', 'Choose a client');
    if (v.kind === 'polled' && !v.address.trim())
      e.address = tx('Для опроса нужен адрес', 'A polled installation needs an address');
    const ints: [keyof typeof v, number, number][] = [
      ['port', 1, 65535],
      ['licmanPort', 1, 65535],
      ['probeIntervalS', 15, 3600],
      ['collectIntervalS', 60, 7 * 86400],
      ['asrpPeriodS', 3600, 90 * 86400],
    ];
    for (const [k, min, max] of ints) {
      const n = num(String(v[k]));
      if (n === null) continue;
      if (Number.isNaN(n) || n < min || n > max)
        e[k] = tx('Целое число от {a} до {b}', 'A whole number from {a} to {b}', { a: min, b: max });
    }
    if (v.smartloginUser.trim() && !/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(v.smartloginUser.trim()))
      e.smartloginUser = tx(
        'Латинская буква, затем буквы или цифры',
        'A Latin letter, then letters or digits',
      );
    return e;
  };
  const save = () =>
    f.submit(async () => {
      const body: Record<string, unknown> = {
        address: v.address.trim() || null,
        port: num(v.port),
        protocol: v.address.trim() ? v.protocol : null,
        probeEnabled: v.probeEnabled,
        probeIntervalS: num(v.probeIntervalS) ?? 60,
        behindProxy: v.behindProxy,
        smartloginUser: v.smartloginUser.trim() || null,
        licmanAddress: v.licmanAddress.trim() || null,
        licmanPort: num(v.licmanPort),
        collectIntervalS: num(v.collectIntervalS) ?? 3600,
        asrpPeriodS: num(v.asrpPeriodS) ?? 604800,
        utcOffsetMin: Number(v.utcOffsetMin),
        managers: linksFromValues(v.managers),
      };
      // Write-only: empty keeps the stored password, "clear" removes it.
      if (v.clearPassword) body.smartloginPassword = null;
      else if (v.smartloginPassword) body.smartloginPassword = v.smartloginPassword;
      let out: Installation;
      if (inst) out = await apiSend<Installation>('PATCH', `/api/installations/${inst.id}`, body);
      else {
        if (v.kind !== 'polled' && v.sourceName.trim()) body.sourceName = v.sourceName.trim();
        if (v.kind !== 'polled' && !body.address) delete body.protocol;
        out = await apiSend<Installation>('POST', '/api/installations', {
          clientId: Number(v.clientId),
          kind: v.kind,
          ...body,
        });
      }
      onDone(out);
      onClose();
    }, clientErrors());
  const client = clients.data?.find((c) => String(c.id) === v.clientId);
  return (
    <FormDialog
      title={
        inst
          ? tx('Инсталляция {s}', 'Installation {s}', { s: inst.sourceKey })
          : tx('Новая инсталляция', 'New installation')
      }
      onClose={onClose}
      onSubmit={() => void save()}
      busy={f.busy}
      error={f.errors.general}
      submitLabel={inst ? L.save() : L.create()}
      testid="installation-dialog"
      wide
    >
      <div className="field-row">
        {inst ? (
          <TextField
            label={L.client()}
            readOnly
            value={clients.data?.find((c) => c.id === inst.clientId)?.shortName ?? `#${inst.clientId}`}
            onChange={() => undefined}
            hint={tx('Клиент и тип не меняются', 'The client and kind cannot change')}
          />
        ) : (
          <SelectField
            label={L.client()}
            value={v.clientId}
            onChange={(x) => f.set('clientId', x)}
            options={(clients.data ?? [])
              .map((c) => ({ value: String(c.id), label: c.shortName }))
              .sort((a, b) => a.label.localeCompare(b.label, 'ru'))}
            placeholder={L.choose()}
            error={f.errors.fields.clientId}
            required
            testid="installation-client"
          />
        )}
        <SelectField
          label={L.kind()}
          value={v.kind}
          onChange={(x) => f.set('kind', x as InstallationKind)}
          options={(['agent', 'polled', 'closed'] as const).map((k) => ({ value: k, label: kindName(k) }))}
          disabled={!!inst}
          error={f.errors.fields.kind}
          testid="installation-kind"
        />
      </div>
      {!inst && v.kind !== 'polled' && (
        <TextField
          label={tx(
            'Имя источника (имя клиента в скрипте агента)',
            'Source name (the client name in the agent script)',
          )}
          value={v.sourceName}
          onChange={(x) => f.set('sourceName', x)}
          error={f.errors.fields.sourceName}
          placeholder={client?.shortName ?? ''}
          hint={tx(
            'Пусто — краткое имя клиента. Латинские буквы, цифры и - _ . ( ) [ ] ^ ~: имя становится именем файла.',
            "Empty: the client's short name. Latin letters, digits and - _ . ( ) [ ] ^ ~: it becomes a file name.",
          )}
          testid="installation-source-name"
        />
      )}
      <fieldset className="group">
        <legend>{tx('Адрес ПК', 'The ПК address')}</legend>
        <div className="field-row field-row-3">
          <TextField
            label={tx('Адрес (хост)', 'Address (host)')}
            value={v.address}
            onChange={(x) => f.set('address', x)}
            error={f.errors.fields.address}
            required={v.kind === 'polled'}
            placeholder="12345.te-cloud.ru"
            hint={
              v.kind === 'polled'
                ? undefined
                : tx('Необязательно: нужен для сетевых проверок.', 'Optional: needed for network probes.')
            }
            testid="installation-address"
          />
          <TextField
            label={tx('Порт', 'Port')}
            value={v.port}
            onChange={(x) => f.set('port', x)}
            error={f.errors.fields.port}
            inputMode="numeric"
            placeholder={v.protocol === 'https' ? '443' : '80'}
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
      </fieldset>
      <fieldset className="group">
        <legend>{tx('Проверки', 'Probes')}</legend>
        <div className="field-row">
          <CheckField
            label={tx('Проверять доступность', 'Probe availability')}
            checked={v.probeEnabled}
            onChange={(x) => f.set('probeEnabled', x)}
            error={f.errors.fields.probeEnabled}
          />
          <CheckField
            label={tx('За обратным прокси', 'Behind a reverse proxy')}
            checked={v.behindProxy}
            onChange={(x) => f.set('behindProxy', x)}
            error={f.errors.fields.behindProxy}
            hint={tx(
              'Ошибки шлюза 502/504 — это проверка прокси',
              'Gateway errors 502/504 are the proxy check',
            )}
          />
        </div>
        <div className="field-row field-row-3">
          <TextField
            label={tx('Интервал, с', 'Interval, s')}
            value={v.probeIntervalS}
            onChange={(x) => f.set('probeIntervalS', x)}
            error={f.errors.fields.probeIntervalS}
            inputMode="numeric"
            hint="15 … 3600"
          />
          <TextField
            label={tx('Пользователь smartlogin', 'smartlogin user')}
            value={v.smartloginUser}
            onChange={(x) => f.set('smartloginUser', x)}
            error={f.errors.fields.smartloginUser}
            autoComplete="off"
          />
          <TextField
            label={tx('Пароль smartlogin', 'smartlogin password')}
            type="password"
            value={v.smartloginPassword}
            onChange={(x) => {
              f.set('smartloginPassword', x);
              if (x) f.set('clearPassword', false);
            }}
            error={f.errors.fields.smartloginPassword}
            placeholder={inst?.smartloginPasswordSet ? '••••••••' : ''}
            hint={
              inst
                ? `${inst.smartloginPasswordSet ? L.passwordSet() : L.passwordNotSet()}; ${L.passwordKeep()}`
                : tx('хранится зашифрованным, не показывается', 'stored encrypted, never shown')
            }
            testid="installation-password"
          />
        </div>
        {inst?.smartloginPasswordSet && (
          <CheckField
            label={tx('Удалить сохранённый пароль smartlogin', 'Remove the stored smartlogin password')}
            checked={v.clearPassword}
            onChange={(x) => {
              f.set('clearPassword', x);
              if (x) f.set('smartloginPassword', '');
            }}
          />
        )}
      </fieldset>
      <fieldset className="group">
        <legend>{tx('Менеджер лицензий (Licman)', 'License manager (Licman)')}</legend>
        <div className="field-row field-row-3">
          <TextField
            label={tx('Адрес', 'Address')}
            value={v.licmanAddress}
            onChange={(x) => f.set('licmanAddress', x)}
            error={f.errors.fields.licmanAddress}
            hint={tx(
              'Проверяется по ICMP и TCP; пусто — не проверять.',
              'Probed by ICMP and TCP; empty for none.',
            )}
          />
          <TextField
            label={tx('Порт', 'Port')}
            value={v.licmanPort}
            onChange={(x) => f.set('licmanPort', x)}
            error={f.errors.fields.licmanPort}
            inputMode="numeric"
          />
        </div>
      </fieldset>
      <fieldset className="group">
        <legend>{tx('Сбор отчётов', 'Report collection')}</legend>
        <div className="field-row field-row-3">
          <TextField
            label={tx('Интервал сбора, с', 'Collection interval, s')}
            value={v.collectIntervalS}
            onChange={(x) => f.set('collectIntervalS', x)}
            error={f.errors.fields.collectIntervalS}
            inputMode="numeric"
            hint="60 … 604800"
          />
          <TextField
            label={tx('Период ASRP, с', 'ASRP period, s')}
            value={v.asrpPeriodS}
            onChange={(x) => f.set('asrpPeriodS', x)}
            error={f.errors.fields.asrpPeriodS}
            inputMode="numeric"
          />
          <SelectField
            label={tx('Часовой пояс', 'Time zone')}
            value={v.utcOffsetMin}
            onChange={(x) => f.set('utcOffsetMin', x)}
            options={OFFSETS.map((o) => ({ value: String(o), label: offsetName(o) }))}
            error={f.errors.fields.utcOffsetMin}
          />
        </div>
      </fieldset>
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

/**
 * The installation's own upload tokens: create (shown once), list and revoke. The server lists only
 * this installation's tokens, for the roles that may change it (a head included).
 */
function AgentTokensDialog({ installation: inst, onClose }: { installation: Installation; onClose(): void }) {
  const admin = useAdmin();
  const tokens = useQuery({
    queryKey: ['admin', 'upload-tokens', 'installation', inst.id],
    queryFn: ({ signal }) =>
      apiGet<UploadToken[]>(`/api/installations/${inst.id}/agent-tokens`, undefined, signal),
    enabled: admin.canWrite,
  });
  const mine = tokens.data ?? [];
  const [label, setLabel] = useState('');
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [revoke, setRevoke] = useState<UploadToken | null>(null);
  const invalidate = useInvalidate();
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const c = await apiSend<CreatedToken>('POST', `/api/installations/${inst.id}/agent-tokens`, { label });
      setCreated(c);
      setLabel('');
      await invalidate('upload-tokens');
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <FormDialog
        title={tx('Агент инсталляции {s}', 'Agent of {s}', { s: inst.sourceKey })}
        onClose={onClose}
        onSubmit={() => void create()}
        busy={busy}
        error={error}
        submitLabel={tx('Создать токен', 'Create a token')}
        submitDisabled={!admin.canWrite}
        testid="agent-tokens-dialog"
        wide
      >
        <p className="muted">
          {tx(
            'Токен инсталляции позволяет загружать отчёты только под её именем ({s}) и отзывается отдельно от общего токена дилера.',
            "An installation token uploads only under its name ({s}) and is revoked separately from the dealer's shared token.",
            { s: inst.sourceKey },
          )}{' '}
          <Link
            to={`/admin/installations/${inst.id}/agent`}
            data-testid="agent-script-link"
            onClick={onClose}
          >
            {tx('Скрипты агента и параметры подключения →', 'Agent scripts and connection settings →')}
          </Link>
        </p>
        {created && (
          <SecretOnce
            value={created.token}
            label={tx('Новый токен «{l}»', 'New token “{l}”', { l: created.info.label })}
          />
        )}
        <TextField
          label={tx('Метка нового токена', "The new token's label")}
          value={label}
          onChange={setLabel}
          placeholder={`agent ${inst.sourceKey}`}
          maxLength={100}
        />
        {admin.canWrite ? (
          <StatusBox
            status={{
              loading: tokens.isLoading,
              error: tokens.error,
              empty: mine.length === 0,
              emptyText: tx('У инсталляции нет своих токенов.', 'The installation has no tokens of its own.'),
            }}
          >
            <table className="attempts" aria-label={tx('Токены инсталляции', "The installation's tokens")}>
              <thead>
                <tr>
                  <th>{tx('Метка', 'Label')}</th>
                  <th>{tx('Префикс', 'Prefix')}</th>
                  <th>{L.created()}</th>
                  <th>{tx('Использован', 'Last used')}</th>
                  <th>{L.state()}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {mine.map((x) => (
                  <tr key={x.id} data-testid="agent-token-row">
                    <td>{x.label}</td>
                    <td className="mono">{x.prefix}…</td>
                    <td>{fmtDateTime(x.createdAt)}</td>
                    <td>{x.lastUsedAt ? fmtDateTime(x.lastUsedAt) : tx('никогда', 'never')}</td>
                    <td>
                      {x.revokedAt ? (
                        <span className="tag tag-bad">{tx('отозван', 'revoked')}</span>
                      ) : (
                        <span className="tag tag-ok">{tx('действует', 'valid')}</span>
                      )}
                    </td>
                    <td>
                      {!x.revokedAt && (
                        <button
                          type="button"
                          className="btn btn-small"
                          onClick={() => setRevoke(x)}
                          data-testid="agent-token-revoke"
                        >
                          {L.revoke()}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </StatusBox>
        ) : (
          <Notice>
            {tx(
              'Токены видят и отзывают те, кто может изменять инсталляцию.',
              'Tokens are listed and revoked by those who may change the installation.',
            )}
          </Notice>
        )}
      </FormDialog>
      {revoke && (
        <ConfirmDialog
          title={tx('Отозвать токен «{l}»?', 'Revoke the token “{l}”?', { l: revoke.label })}
          confirmLabel={L.revoke()}
          onClose={() => setRevoke(null)}
          action={async () => {
            await apiSend('DELETE', `/api/upload-tokens/${revoke.id}`);
            await invalidate('upload-tokens');
          }}
        >
          <p>
            {tx(
              'Агент с этим токеном больше не сможет загружать отчёты.',
              'An agent using this token can no longer upload.',
            )}
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

/** What an agent of this installation needs; the scripts themselves are built by a later release. */
export function AgentPage() {
  const { id } = useParams();
  const admin = useAdmin();
  const inst = useQuery({
    queryKey: ['admin', 'installation', id],
    queryFn: ({ signal }) => apiGet<Installation>(`/api/installations/${id}`, undefined, signal),
  });
  const dealerCode = admin.me.dealer?.code ?? '';
  return (
    <div className="page">
      <PageHead
        title={tx('Агент инсталляции', 'Installation agent')}
        actions={
          <Link className="btn" to="/admin/installations">
            ← {tx('Инсталляции', 'Installations')}
          </Link>
        }
      />
      <StatusBox status={{ loading: inst.isLoading, error: inst.error, empty: false, emptyText: '' }}>
        {inst.data && (
          <div className="placeholder-box" data-testid="agent-placeholder">
            <Notice kind="warn">
              {tx(
                'Готовые скрипты агента (smartupload / smartstatus) для скачивания появятся в следующем выпуске SMART. Пока настройте существующие скрипты по параметрам ниже.',
                'Ready-made agent scripts (smartupload / smartstatus) to download come with the next SMART release. Until then, set up the existing scripts with the settings below.',
              )}
            </Notice>
            <dl className="facts">
              <dt>{tx('Адрес сервера', 'Server address')}</dt>
              <dd className="mono">{window.location.origin}/upload</dd>
              <dt>{tx('Заголовок dealer', 'Header dealer')}</dt>
              <dd className="mono">{dealerCode || '—'}</dd>
              <dt>{tx('Имя клиента в скрипте', 'Client name in the script')}</dt>
              <dd className="mono">{inst.data.sourceKey}</dd>
              <dt>{tx('Файлы', 'Files')}</dt>
              <dd className="mono">
                {inst.data.sourceKey}.zip, {inst.data.sourceKey}.status
              </dd>
              <dt>{tx('Интервал сбора', 'Collection interval')}</dt>
              <dd>{tx('{s} с', '{s} s', { s: inst.data.collectIntervalS })}</dd>
              <dt>{tx('Токен', 'Token')}</dt>
              <dd>
                {tx(
                  'создайте токен инсталляции в списке инсталляций (кнопка с ключом) или используйте общий токен дилера',
                  "create an installation token in the installations list (the key button) or use the dealer's shared token",
                )}
              </dd>
            </dl>
          </div>
        )}
      </StatusBox>
    </div>
  );
}
