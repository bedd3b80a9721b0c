/**
 * Managers: the people alerts are addressed to (name, e-mails, Telegram chat, unit). Clients,
 * installations and online accesses link to them; the CSV import creates them as well.
 */
import { useMemo } from 'react';
import { apiSend } from '../../api';
import { TablePanel, type Column } from '../../components/TablePanel';
import {
  actionsColumn,
  ActionButton,
  byId,
  CrudDialogs,
  EditDeleteButtons,
  FormDialog,
  PageHead,
  queryStatus,
  SelectField,
  TextAreaField,
  TextField,
  unitLabel,
  unitOptions,
  useAdmin,
  useClients,
  useCrud,
  useDealerParam,
  useForm,
  useManagers,
  useUnits,
} from '../common';
import { L, tx } from '../texts';
import type { Manager } from '../types';

export function Managers() {
  const admin = useAdmin();
  const managers = useManagers();
  const units = useUnits();
  const clients = useClients();
  const unitMap = useMemo(() => byId(units.data), [units.data]);
  const clientCount = useMemo(() => {
    const m = new Map<number, number>();
    for (const c of clients.data ?? []) for (const id of c.managerIds) m.set(id, (m.get(id) ?? 0) + 1);
    return m;
  }, [clients.data]);
  const crud = useCrud<Manager>({ label: (m) => m.name, refresh: ['managers'] });
  const why = admin.canWrite ? null : L.readOnlyRole();

  const columns: Column<Manager>[] = [
    {
      key: 'name',
      title: L.name(),
      value: (m) => m.name,
      render: (m) => <span data-testid="manager-name">{m.name}</span>,
    },
    { key: 'emails', title: 'E-mail', value: (m) => m.emails.join(', ') },
    { key: 'tg', title: 'Telegram', value: (m) => m.telegramChatId },
    { key: 'unit', title: L.unit(), value: (m) => unitLabel(unitMap, m.unitId) },
    { key: 'clients', title: L.clients(), numeric: true, value: (m) => clientCount.get(m.id) ?? 0 },
    actionsColumn((m) => <EditDeleteButtons crud={crud} item={m} why={why} testid="manager" />),
  ];

  return (
    <div className="page">
      <PageHead
        title={tx('Менеджеры', 'Managers')}
        description={tx(
          'Менеджеры получают письма об авариях своих клиентов. Их e-mail указываются в managers.csv и online.csv; импорт создаёт недостающих.',
          "Managers get the e-mails about their clients' alerts. Their addresses come from managers.csv and online.csv; the import creates missing ones.",
        )}
        actions={
          <ActionButton className="btn btn-primary" why={why} onClick={crud.create} testid="manager-create">
            {tx('Новый менеджер', 'New manager')}
          </ActionButton>
        }
      />
      <div className="grid">
        <TablePanel
          id="managers"
          title={tx('Менеджеры: {n}', 'Managers: {n}', { n: managers.data?.length ?? 0 })}
          rows={managers.data ?? []}
          columns={columns}
          rowKey={(m) => m.id}
          status={queryStatus(managers)}
          csvName="managers-list.csv"
          initialSort={{ key: 'name', dir: 'asc' }}
          pageSize={25}
        />
      </div>
      <CrudDialogs
        crud={crud}
        editor={({ item, ...p }) => <ManagerDialog manager={item} {...p} />}
        deletePath={(m) => `/api/managers/${m.id}`}
        refreshOnDelete="all"
        deleteBody={() => (
          <p>
            {tx(
              'Менеджер перестанет получать письма; его связи с клиентами, инсталляциями и онлайн-доступами будут удалены.',
              'The manager stops getting e-mails; their links to clients, installations and online accesses are removed.',
            )}
          </p>
        )}
      />
    </div>
  );
}

function ManagerDialog({
  manager,
  onClose,
  onDone,
}: {
  manager: Manager | null;
  onClose(): void;
  onDone(m: Manager): void;
}) {
  const admin = useAdmin();
  const dp = useDealerParam();
  const units = useUnits();
  const f = useForm(
    {
      name: manager?.name ?? '',
      emails: (manager?.emails ?? []).join('\n'),
      telegramChatId: manager?.telegramChatId ?? '',
      unitId: manager?.unitId ? String(manager.unitId) : '',
    },
    ['name', 'emails', 'telegramChatId', 'unitId'],
    'name',
  );
  const v = f.values;
  const emails = v.emails
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const clientErrors = (): Record<string, string> => {
    const e: Record<string, string> = {};
    if (!v.name.trim()) e.name = tx('Введите имя', 'Enter a name');
    const bad = emails.filter((x) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(x));
    if (bad.length)
      e.emails = tx('Не похоже на e-mail: {x}', 'Not an e-mail address: {x}', { x: bad.join(', ') });
    if (v.telegramChatId.trim() && !/^-?\d{1,20}$|^@[A-Za-z0-9_]{5,64}$/.test(v.telegramChatId.trim()))
      e.telegramChatId = tx(
        'Числовой id чата (-1001234567890) или @канал',
        'A numeric chat id (-1001234567890) or an @channel',
      );
    return e;
  };
  const save = () =>
    f.submit(async () => {
      const body = {
        name: v.name.trim(),
        emails,
        telegramChatId: v.telegramChatId.trim() || null,
        unitId: v.unitId ? Number(v.unitId) : null,
      };
      const out = manager
        ? await apiSend<Manager>('PATCH', `/api/managers/${manager.id}`, body)
        : await apiSend<Manager>('POST', '/api/managers', { ...dp, ...body });
      onDone(out);
      onClose();
    }, clientErrors());
  return (
    <FormDialog
      title={
        manager ? tx('Менеджер {n}', 'Manager {n}', { n: manager.name }) : tx('Новый менеджер', 'New manager')
      }
      onClose={onClose}
      onSubmit={() => void save()}
      busy={f.busy}
      error={f.errors.general}
      submitLabel={manager ? L.save() : L.create()}
      testid="manager-dialog"
    >
      <TextField
        label={tx('Имя', 'Name')}
        value={v.name}
        onChange={(x) => f.set('name', x)}
        error={f.errors.fields.name}
        required
        autoFocus
        maxLength={200}
        testid="manager-name-input"
      />
      <TextAreaField
        label="E-mail"
        value={v.emails}
        onChange={(x) => f.set('emails', x)}
        error={f.errors.fields.emails}
        hint={tx('По одному адресу в строке (до 20).', 'One address a line (up to 20).')}
        testid="manager-emails-input"
      />
      <TextField
        label={tx('Telegram-чат', 'Telegram chat')}
        value={v.telegramChatId}
        onChange={(x) => f.set('telegramChatId', x)}
        error={f.errors.fields.telegramChatId}
        placeholder="-1001234567890"
        hint={tx(
          'Числовой id чата или @канал; пусто — нет.',
          'A numeric chat id or an @channel; empty for none.',
        )}
      />
      <SelectField
        label={L.unit()}
        value={v.unitId}
        onChange={(x) => f.set('unitId', x)}
        options={unitOptions(units.data)}
        placeholder={admin.ownUnitId ? tx('— ваше подразделение —', '— your unit —') : L.noUnit()}
        error={f.errors.fields.unitId}
      />
    </FormDialog>
  );
}
