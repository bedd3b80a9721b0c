/**
 * Clients: short and legal name, unit, managers; counts of installations and online accesses.
 * Deleting a client deletes its installations and online accesses (the server does it in one go).
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
  PageHead,
  queryStatus,
  SelectField,
  TextField,
  unitLabel,
  unitOptions,
  useAdmin,
  useClients,
  useCrud,
  useDealerParam,
  useForm,
  useInstallations,
  useManagers,
  useOnlineAccesses,
  useUnits,
} from '../common';
import { L, tx } from '../texts';
import type { Client } from '../types';

export function ClientsAdmin() {
  const admin = useAdmin();
  const clients = useClients();
  const units = useUnits();
  const managers = useManagers();
  const installations = useInstallations();
  const online = useOnlineAccesses();
  const unitMap = useMemo(() => byId(units.data), [units.data]);
  const managerMap = useMemo(() => byId(managers.data), [managers.data]);
  const counts = useMemo(() => {
    const inst = new Map<number, number>();
    const onl = new Map<number, number>();
    for (const i of installations.data ?? []) inst.set(i.clientId, (inst.get(i.clientId) ?? 0) + 1);
    for (const o of online.data ?? []) onl.set(o.clientId, (onl.get(o.clientId) ?? 0) + 1);
    return { inst, onl };
  }, [installations.data, online.data]);
  const crud = useCrud<Client>({ label: (c) => c.shortName, refresh: ['clients'] });
  const why = admin.canWrite ? null : L.readOnlyRole();

  const columns: Column<Client>[] = [
    {
      key: 'short',
      title: tx('Краткое имя', 'Short name'),
      value: (c) => c.shortName,
      render: (c) => (
        <Link to={`/clients/${c.id}`} className="cell-link" data-testid="client-name">
          {c.shortName}
        </Link>
      ),
    },
    { key: 'legal', title: tx('Юридическое имя', 'Legal name'), value: (c) => c.legalName },
    { key: 'unit', title: L.unit(), value: (c) => unitLabel(unitMap, c.unitId) },
    {
      key: 'managers',
      title: L.managers(),
      value: (c) => c.managerIds.map((id) => managerMap.get(id)?.name ?? `#${id}`).join(', '),
    },
    {
      key: 'inst',
      title: tx('Инсталляций', 'Installations'),
      numeric: true,
      value: (c) => counts.inst.get(c.id) ?? 0,
    },
    { key: 'online', title: tx('Онлайн', 'Online'), numeric: true, value: (c) => counts.onl.get(c.id) ?? 0 },
    actionsColumn((c) => <EditDeleteButtons crud={crud} item={c} why={why} testid="client" />),
  ];

  return (
    <div className="page">
      <PageHead
        title={tx('Клиенты', 'Clients')}
        description={tx(
          'Организации, у которых стоят системы Кодекс/Техэксперт. Инсталляции и онлайн-доступы принадлежат клиенту.',
          'Organisations that run Kodeks/Techexpert. Installations and online accesses belong to a client.',
        )}
        actions={
          <ActionButton className="btn btn-primary" why={why} onClick={crud.create} testid="client-create">
            {tx('Новый клиент', 'New client')}
          </ActionButton>
        }
      />
      <div className="grid">
        <TablePanel
          id="admin-clients"
          title={tx('Клиенты: {n}', 'Clients: {n}', { n: clients.data?.length ?? 0 })}
          rows={clients.data ?? []}
          columns={columns}
          rowKey={(c) => c.id}
          rowLink={(c) => `/clients/${c.id}`}
          status={queryStatus(clients)}
          csvName="clients.csv"
          initialSort={{ key: 'short', dir: 'asc' }}
          pageSize={25}
        />
      </div>
      <CrudDialogs
        crud={crud}
        editor={({ item, ...p }) => <ClientDialog client={item} {...p} />}
        deletePath={(c) => `/api/clients/${c.id}`}
        refreshOnDelete="all"
        deleteBody={(c) => (
          <p>
            {tx(
              'Вместе с клиентом удаляются его инсталляции ({i}) и онлайн-доступы ({o}). {u}',
              "The client's installations ({i}) and online accesses ({o}) are deleted with it. {u}",
              { i: counts.inst.get(c.id) ?? 0, o: counts.onl.get(c.id) ?? 0, u: L.cannotUndo() },
            )}
          </p>
        )}
      />
    </div>
  );
}

function ClientDialog({
  client,
  onClose,
  onDone,
}: {
  client: Client | null;
  onClose(): void;
  onDone(c: Client): void;
}) {
  const admin = useAdmin();
  const dp = useDealerParam();
  const units = useUnits();
  const managers = useManagers();
  const f = useForm(
    {
      shortName: client?.shortName ?? '',
      legalName: client?.legalName ?? '',
      unitId: client?.unitId ? String(client.unitId) : '',
      managerIds: (client?.managerIds ?? []).map(String),
    },
    ['shortName', 'legalName', 'unitId', 'managerIds'],
    'shortName',
  );
  const v = f.values;
  const save = () =>
    f.submit(
      async () => {
        const body = {
          shortName: v.shortName.trim(),
          legalName: v.legalName.trim() || null,
          unitId: v.unitId ? Number(v.unitId) : null,
          managerIds: v.managerIds.map(Number),
        };
        const out = client
          ? await apiSend<Client>('PATCH', `/api/clients/${client.id}`, body)
          : await apiSend<Client>('POST', '/api/clients', { ...dp, ...body });
        onDone(out);
        onClose();
      },
      v.shortName.trim() ? undefined : { shortName: tx('Введите краткое имя', 'Enter a short name') },
    );
  return (
    <FormDialog
      title={
        client ? tx('Клиент {n}', 'Client {n}', { n: client.shortName }) : tx('Новый клиент', 'New client')
      }
      onClose={onClose}
      onSubmit={() => void save()}
      busy={f.busy}
      error={f.errors.general}
      submitLabel={client ? L.save() : L.create()}
      testid="client-dialog"
    >
      <TextField
        label={tx('Краткое имя', 'Short name')}
        value={v.shortName}
        onChange={(x) => f.set('shortName', x)}
        error={f.errors.fields.shortName}
        required
        autoFocus
        hint={tx(
          'Уникально у дилера; для агента — имя, под которым он загружает отчёты.',
          'Unique within the dealer; for an agent, the name it uploads under.',
        )}
        testid="client-short-input"
      />
      <TextField
        label={tx('Юридическое имя', 'Legal name')}
        value={v.legalName}
        onChange={(x) => f.set('legalName', x)}
        error={f.errors.fields.legalName}
        maxLength={500}
      />
      <SelectField
        label={L.unit()}
        value={v.unitId}
        onChange={(x) => f.set('unitId', x)}
        options={unitOptions(units.data)}
        placeholder={admin.ownUnitId ? tx('— ваше подразделение —', '— your unit —') : L.noUnit()}
        error={f.errors.fields.unitId}
      />
      <CheckList
        legend={L.managers()}
        options={(managers.data ?? []).map((m) => ({ value: String(m.id), label: m.name }))}
        value={v.managerIds}
        onChange={(x) => f.set('managerIds', x)}
        error={f.errors.fields.managerIds}
        columns={2}
      />
    </FormDialog>
  );
}
