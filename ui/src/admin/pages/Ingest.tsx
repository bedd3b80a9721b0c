/**
 * Ingestion health: the report ledger (quarantined reports by default, with the parser's reason and
 * message) and the sources agents upload under that match no installation, each with «Прикрепить к
 * клиенту»: an agent installation of that name is created for the chosen client and its waiting
 * reports are processed.
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { apiGet, apiSend } from '../../api';
import { TablePanel, type Column } from '../../components/TablePanel';
import { fmtDateTime } from '../../lib/format';
import {
  byId,
  FormDialog,
  Notice,
  PageHead,
  SelectField,
  useAdmin,
  useClients,
  useForm,
  useInstallations,
  useInvalidate,
  useToast,
} from '../common';
import { L, tx } from '../texts';
import type { Report, UnregisteredSource } from '../types';

const STATUSES = ['quarantined', 'unregistered', 'received', 'processing', 'processed', ''] as const;

function statusName(s: string): string {
  switch (s) {
    case 'quarantined':
      return tx('в карантине', 'quarantined');
    case 'unregistered':
      return tx('незарегистрирован', 'unregistered');
    case 'received':
      return tx('получен', 'received');
    case 'processing':
      return tx('обрабатывается', 'processing');
    case 'processed':
      return tx('обработан', 'processed');
    default:
      return tx('все', 'all');
  }
}

function sizeText(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

export function Ingest() {
  const admin = useAdmin();
  const [status, setStatus] = useState<string>('quarantined');
  const [limit, setLimit] = useState('200');
  const reports = useQuery({
    queryKey: ['admin', 'reports', status, limit],
    queryFn: ({ signal }) =>
      apiGet<Report[]>('/api/ingest/reports', { status: status || undefined, limit }, signal),
  });
  const unregistered = useQuery({
    queryKey: ['admin', 'unregistered'],
    queryFn: ({ signal }) => apiGet<UnregisteredSource[]>('/api/ingest/unregistered', undefined, signal),
    enabled: admin.isDealerAdmin,
  });
  const installations = useInstallations();
  const instMap = useMemo(() => byId(installations.data), [installations.data]);
  const [attach, setAttach] = useState<UnregisteredSource | null>(null);
  const [toast, showToast] = useToast();
  const invalidate = useInvalidate();

  const reportColumns: Column<Report>[] = [
    {
      key: 'received',
      title: tx('Получен', 'Received'),
      value: (r) => r.receivedAt,
      render: (r) => fmtDateTime(r.receivedAt, true),
      csv: (r) => fmtDateTime(r.receivedAt, true),
    },
    {
      key: 'source',
      title: tx('Источник', 'Source'),
      value: (r) => r.sourceName,
      render: (r) => <span className="mono">{r.sourceName}</span>,
    },
    {
      key: 'inst',
      title: tx('Инсталляция', 'Installation'),
      value: (r) =>
        r.installationId ? (instMap.get(r.installationId)?.sourceKey ?? `#${r.installationId}`) : '',
    },
    { key: 'file', title: tx('Файл', 'File'), value: (r) => r.fileName },
    { key: 'channel', title: tx('Канал', 'Channel'), value: (r) => r.channel },
    { key: 'via', title: tx('Путь', 'Via'), value: (r) => r.via },
    {
      key: 'size',
      title: tx('Размер', 'Size'),
      numeric: true,
      value: (r) => r.sizeBytes,
      render: (r) => sizeText(r.sizeBytes),
    },
    {
      key: 'status',
      title: L.state(),
      value: (r) => statusName(r.status),
      render: (r) => (
        <span
          className={`tag ${r.status === 'quarantined' ? 'tag-bad' : r.status === 'processed' ? 'tag-ok' : r.status === 'unregistered' ? 'tag-warn' : ''}`}
        >
          {statusName(r.status)}
        </span>
      ),
    },
    {
      key: 'reason',
      title: tx('Причина', 'Reason'),
      value: (r) => r.errorReason,
      render: (r) =>
        r.errorReason ? (
          <span className="err-text mono" data-testid="report-reason">
            {r.errorReason}
          </span>
        ) : (
          ''
        ),
    },
    {
      key: 'message',
      title: tx('Сообщение', 'Message'),
      value: (r) => r.errorMessage,
      className: 'cell-wrap',
    },
  ];

  const unregColumns: Column<UnregisteredSource>[] = [
    {
      key: 'name',
      title: tx('Имя источника', 'Source name'),
      value: (u) => u.sourceName,
      render: (u) => (
        <span className="mono" data-testid="unregistered-name">
          {u.sourceName}
        </span>
      ),
    },
    { key: 'reports', title: tx('Отчётов ждёт', 'Reports waiting'), numeric: true, value: (u) => u.reports },
    {
      key: 'first',
      title: tx('Первый', 'First'),
      value: (u) => u.firstReceivedAt,
      render: (u) => fmtDateTime(u.firstReceivedAt),
      csv: (u) => fmtDateTime(u.firstReceivedAt),
    },
    {
      key: 'last',
      title: tx('Последний', 'Last'),
      value: (u) => u.lastReceivedAt,
      render: (u) => fmtDateTime(u.lastReceivedAt),
      csv: (u) => fmtDateTime(u.lastReceivedAt),
    },
    {
      key: 'actions',
      title: L.actions(),
      filter: false,
      value: () => null,
      csv: () => '',
      render: (u) => (
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setAttach(u)}
          data-testid="unregistered-attach"
        >
          {tx('Прикрепить к клиенту', 'Attach to a client')}
        </button>
      ),
    },
  ];

  return (
    <div className="page">
      <PageHead
        title={tx('Состояние приёма отчётов', 'Ingestion health')}
        description={tx(
          'Отчёты, которые SMART не смог разобрать, попадают в карантин с причиной. Отчёты агентов под именем, которого нет среди инсталляций, хранятся и ждут, пока имя прикрепят к клиенту.',
          'Reports SMART could not parse are quarantined with the reason. Agent reports under a name that matches no installation are kept until the name is attached to a client.',
        )}
      />
      <h2 className="admin-section-title">{tx('Незарегистрированные источники', 'Unregistered sources')}</h2>
      {admin.isDealerAdmin ? (
        <div className="grid">
          <TablePanel
            id="unregistered"
            title={tx('Источники без инсталляции: {n}', 'Sources without an installation: {n}', {
              n: unregistered.data?.length ?? 0,
            })}
            rows={unregistered.data ?? []}
            columns={unregColumns}
            rowKey={(u) => `${u.dealerId}:${u.sourceName}`}
            status={{
              loading: unregistered.isLoading,
              error: unregistered.error,
              onRetry: () => void unregistered.refetch(),
            }}
            emptyText={tx(
              'Все агенты загружают под известными именами.',
              'Every agent uploads under a known name.',
            )}
            csvName="unregistered-sources.csv"
            pageSize={15}
          />
        </div>
      ) : (
        <Notice>{L.onlyDealerAdmin()}</Notice>
      )}

      <h2 className="admin-section-title">{tx('Журнал отчётов', 'Report ledger')}</h2>
      <div className="admin-toolbar">
        <SelectField
          label={L.state()}
          value={status}
          onChange={setStatus}
          options={STATUSES.map((s) => ({ value: s, label: statusName(s) }))}
          testid="reports-status"
        />
        <SelectField
          label={tx('Сколько последних', 'How many latest')}
          value={limit}
          onChange={setLimit}
          options={['100', '200', '500', '1000'].map((x) => ({ value: x, label: x }))}
        />
      </div>
      <div className="grid">
        <TablePanel
          id="reports"
          title={tx('Отчёты ({s}): {n}', 'Reports ({s}): {n}', {
            s: statusName(status),
            n: reports.data?.length ?? 0,
          })}
          rows={reports.data ?? []}
          columns={reportColumns}
          rowKey={(r) => r.id}
          rowClass={(r) => (r.status === 'quarantined' ? 'row-error' : '')}
          status={{ loading: reports.isLoading, error: reports.error, onRetry: () => void reports.refetch() }}
          emptyText={
            status === 'quarantined'
              ? tx(
                  'Карантин пуст: все отчёты разобраны.',
                  'The quarantine is empty: every report was parsed.',
                )
              : tx('Отчётов нет.', 'No reports.')
          }
          csvName="reports.csv"
          pageSize={25}
        />
      </div>
      {attach && (
        <AttachDialog
          source={attach}
          onClose={() => setAttach(null)}
          onDone={(n) => {
            void invalidate();
            showToast(
              tx(
                'Источник {s} прикреплён; отчётов к обработке: {n}',
                'Source {s} attached; reports to process: {n}',
                { s: attach.sourceName, n },
              ),
            );
          }}
        />
      )}
      {toast}
    </div>
  );
}

function AttachDialog({
  source,
  onClose,
  onDone,
}: {
  source: UnregisteredSource;
  onClose(): void;
  onDone(reports: number): void;
}) {
  const clients = useClients();
  const f = useForm({ clientId: '' }, ['clientId', 'sourceName']);
  const save = () =>
    f.submit(
      async (v) => {
        const r = await apiSend<{ installationId: number; reports: number }>(
          'POST',
          '/api/ingest/unregistered/attach',
          {
            sourceName: source.sourceName,
            clientId: Number(v.clientId),
          },
        );
        onDone(r.reports);
        onClose();
      },
      f.values.clientId ? undefined : { clientId: tx('Выберите клиента', 'Choose a client') },
    );
  const suggested = (clients.data ?? []).find(
    (c) => c.shortName.toLowerCase() === source.sourceName.toLowerCase(),
  );
  return (
    <FormDialog
      title={tx('Прикрепить «{s}» к клиенту', 'Attach “{s}” to a client', { s: source.sourceName })}
      onClose={onClose}
      onSubmit={() => void save()}
      busy={f.busy}
      error={f.errors.general ?? f.errors.fields.sourceName}
      submitLabel={tx('Прикрепить', 'Attach')}
      testid="attach-dialog"
    >
      <p className="muted">
        {tx(
          'Для клиента будет создана инсталляция-агент с именем источника {s}; {n} ожидающих отчётов будут обработаны.',
          'An agent installation named {s} is created for the client; {n} waiting reports are processed.',
          { s: source.sourceName, n: source.reports },
        )}
      </p>
      <SelectField
        label={L.client()}
        value={f.values.clientId}
        onChange={(x) => f.set('clientId', x)}
        options={(clients.data ?? [])
          .map((c) => ({ value: String(c.id), label: c.shortName }))
          .sort((a, b) => a.label.localeCompare(b.label, 'ru'))}
        placeholder={L.choose()}
        error={f.errors.fields.clientId}
        required
        hint={
          suggested
            ? tx('Похоже на клиента «{c}».', 'Looks like the client “{c}”.', { c: suggested.shortName })
            : undefined
        }
        testid="attach-client"
      />
    </FormDialog>
  );
}
