/**
 * The delivery log: every message SMART sent or tried to send (newest first), filtered by status,
 * kind and alert on the server, with a message's detail: what was sent and every delivery attempt.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { apiGet } from '../../api';
import { Dialog } from '../../components/Dialog';
import { StatusBox } from '../../components/Panel';
import { TablePanel, type Column } from '../../components/TablePanel';
import { fmtDateTime } from '../../lib/format';
import { PageHead, RowButton, SelectField, useCatalogue, useDealerParam } from '../common';
import { L, tx } from '../texts';
import type { Notification, NotificationDetail } from '../types';
import { kindLabel } from './Routing';

const PAGE = 200;

function statusName(s: string): string {
  return s === 'sent'
    ? tx('отправлено', 'sent')
    : s === 'failed'
      ? tx('ошибка', 'failed')
      : s === 'queued'
        ? tx('в очереди', 'queued')
        : tx('все', 'all');
}

export function DeliveryLog() {
  const dp = useDealerParam();
  const catalogue = useCatalogue();
  const [status, setStatus] = useState('');
  const [kind, setKind] = useState('');
  const [alertName, setAlertName] = useState('');
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<number | null>(null);
  const params = {
    ...dp,
    status: status || undefined,
    kind: kind || undefined,
    alertName: alertName || undefined,
    limit: PAGE,
    offset,
  };
  const log = useQuery({
    queryKey: ['admin', 'notifications', params],
    queryFn: ({ signal }) =>
      apiGet<{ total: number; items: Notification[] }>('/api/notifications', params, signal),
  });
  const total = log.data?.total ?? 0;

  const columns: Column<Notification>[] = [
    {
      key: 'created',
      title: tx('Создано', 'Created'),
      value: (n) => n.createdAt,
      render: (n) => fmtDateTime(n.createdAt, true),
      csv: (n) => fmtDateTime(n.createdAt, true),
    },
    {
      key: 'status',
      title: L.state(),
      value: (n) => statusName(n.status),
      render: (n) => (
        <span
          className={`tag ${n.status === 'failed' ? 'tag-bad' : n.status === 'sent' ? 'tag-ok' : 'tag-warn'}`}
        >
          {statusName(n.status)}
        </span>
      ),
    },
    { key: 'kind', title: L.kind(), value: (n) => kindLabel(n.kind) },
    {
      key: 'target',
      title: tx('Кому', 'To'),
      value: (n) => n.target,
      render: (n) => <span className="mono">{n.target}</span>,
    },
    {
      key: 'channel',
      title: tx('Канал', 'Channel'),
      value: (n) => n.channelName ?? tx('менеджер', 'manager'),
    },
    { key: 'alert', title: tx('Авария', 'Alert'), value: (n) => n.alertName },
    { key: 'subject', title: tx('Тема', 'Subject'), value: (n) => n.subject, className: 'cell-long' },
    { key: 'count', title: tx('Объектов', 'Objects'), numeric: true, value: (n) => n.instanceCount },
    { key: 'attempts', title: tx('Попыток', 'Attempts'), numeric: true, value: (n) => n.attempts },
    {
      key: 'sent',
      title: tx('Отправлено', 'Sent'),
      value: (n) => n.sentAt,
      render: (n) => (n.sentAt ? fmtDateTime(n.sentAt, true) : ''),
      csv: (n) => (n.sentAt ? fmtDateTime(n.sentAt, true) : ''),
    },
    {
      key: 'error',
      title: tx('Ошибка', 'Error'),
      value: (n) => n.lastError,
      render: (n) => (n.lastError ? <span className="err-text">{n.lastError}</span> : ''),
    },
    {
      key: 'open',
      title: '',
      filter: false,
      value: () => null,
      csv: () => '',
      render: (n) => (
        <RowButton
          icon="eye"
          label={`${tx('Подробнее', 'Details')}: ${n.subject}`}
          onClick={() => setOpen(n.id)}
          testid="notification-open"
        />
      ),
    },
  ];

  const filter = (set: (v: string) => void) => (v: string) => {
    set(v);
    setOffset(0);
  };

  return (
    <div className="page">
      <PageHead
        title={tx('Журнал отправки', 'Delivery log')}
        description={tx(
          'Каждое письмо, сообщение Telegram и вызов webhook: кому, о какой аварии, удалось ли и с какой попытки. Временные ошибки повторяются до суток.',
          'Every e-mail, Telegram message and webhook call: to whom, about which alert, whether it went through and after how many attempts. Temporary errors are retried for up to a day.',
        )}
      />
      <div className="admin-toolbar">
        <SelectField
          label={L.state()}
          value={status}
          onChange={filter(setStatus)}
          options={['', 'queued', 'sent', 'failed'].map((s) => ({ value: s, label: statusName(s) }))}
          testid="log-status"
        />
        <SelectField
          label={L.kind()}
          value={kind}
          onChange={filter(setKind)}
          options={[
            { value: '', label: tx('все', 'all') },
            ...['email', 'telegram', 'webhook'].map((k) => ({ value: k, label: kindLabel(k) })),
          ]}
          testid="log-kind"
        />
        <SelectField
          label={tx('Авария', 'Alert')}
          value={alertName}
          onChange={filter(setAlertName)}
          options={[
            { value: '', label: tx('все', 'all') },
            ...(catalogue.data?.alerts ?? [])
              .map((a) => ({ value: a.name, label: a.name }))
              .sort((a, b) => a.value.localeCompare(b.value)),
          ]}
          testid="log-alert"
        />
      </div>
      <div className="grid">
        <TablePanel
          id="notifications"
          title={tx('Сообщения {a}–{b} из {n}', 'Messages {a}–{b} of {n}', {
            a: total ? offset + 1 : 0,
            b: Math.min(total, offset + PAGE),
            n: total,
          })}
          rows={log.data?.items ?? []}
          columns={columns}
          rowKey={(n) => n.id}
          rowClass={(n) => (n.status === 'failed' ? 'row-error' : '')}
          status={{ loading: log.isLoading, error: log.error, onRetry: () => void log.refetch() }}
          emptyText={tx('Сообщений нет.', 'No messages.')}
          csvName="delivery-log.csv"
          pageSize={25}
          tools={
            total > PAGE ? (
              <>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={offset === 0}
                  onClick={() => setOffset(Math.max(0, offset - PAGE))}
                >
                  {tx('← Новее', '← Newer')}
                </button>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={offset + PAGE >= total}
                  onClick={() => setOffset(offset + PAGE)}
                >
                  {tx('Старее →', 'Older →')}
                </button>
              </>
            ) : undefined
          }
        />
      </div>
      {open !== null && <MessageDialog id={open} onClose={() => setOpen(null)} />}
    </div>
  );
}

function MessageDialog({ id, onClose }: { id: number; onClose(): void }) {
  const msg = useQuery({
    queryKey: ['admin', 'notification', id],
    queryFn: ({ signal }) => apiGet<NotificationDetail>(`/api/notifications/${id}`, undefined, signal),
  });
  const m = msg.data;
  return (
    <Dialog
      title={m?.subject ?? tx('Сообщение', 'Message')}
      onClose={onClose}
      onSubmit={onClose}
      footer={
        <button type="submit" className="btn btn-primary">
          {L.close()}
        </button>
      }
    >
      <div className="admin-dialog admin-wide" data-testid="notification-dialog">
        <StatusBox status={{ loading: msg.isLoading, error: msg.error, empty: false, emptyText: '' }}>
          {m && (
            <>
              <dl className="summary">
                <dt>{L.state()}</dt>
                <dd>{statusName(m.status)}</dd>
                <dt>{tx('Кому', 'To')}</dt>
                <dd className="mono">
                  {kindLabel(m.kind)}: {m.target}
                  {m.channelName ? ` (${m.channelName})` : ''}
                </dd>
                <dt>{tx('Авария', 'Alert')}</dt>
                <dd>
                  {m.alertName} · {m.reason} · {tx('объектов: {n}', 'objects: {n}', { n: m.instanceCount })}
                </dd>
                <dt>{tx('Создано', 'Created')}</dt>
                <dd>{fmtDateTime(m.createdAt, true)}</dd>
                <dt>{tx('Отправлено', 'Sent')}</dt>
                <dd>{m.sentAt ? fmtDateTime(m.sentAt, true) : '—'}</dd>
                {m.lastError && (
                  <>
                    <dt>{tx('Ошибка', 'Error')}</dt>
                    <dd className="err-text">{m.lastError}</dd>
                  </>
                )}
              </dl>
              <h3 className="admin-section-title">{tx('Текст', 'Body')}</h3>
              <pre className="message-body">{m.body}</pre>
              <h3 className="admin-section-title">
                {tx('Попытки доставки', 'Delivery attempts')}{' '}
                <span className="badge">{m.attemptLog.length}</span>
              </h3>
              {m.attemptLog.length ? (
                <table className="attempts" data-testid="attempt-log">
                  <thead>
                    <tr>
                      <th>{tx('Время', 'Time')}</th>
                      <th>{tx('Узел', 'Node')}</th>
                      <th>{tx('Итог', 'Outcome')}</th>
                      <th>{tx('Код', 'Code')}</th>
                      <th>{tx('Ошибка', 'Error')}</th>
                      <th>{tx('Повтор через', 'Retry after')}</th>
                      <th>{tx('Длительность', 'Duration')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {m.attemptLog.map((a, i) => (
                      <tr key={i}>
                        <td>{fmtDateTime(a.at, true)}</td>
                        <td className="mono">{a.nodeId}</td>
                        <td>
                          {a.ok ? (
                            <span className="tag tag-ok">{tx('доставлено', 'delivered')}</span>
                          ) : (
                            <span className="tag tag-bad">
                              {a.permanent ? tx('отказ', 'rejected') : tx('ошибка, повтор', 'error, retry')}
                            </span>
                          )}
                        </td>
                        <td>{a.code ?? ''}</td>
                        <td className="err-text">{a.error ?? ''}</td>
                        <td>{a.retryAfterMs !== null ? `${Math.round(a.retryAfterMs / 1000)} s` : ''}</td>
                        <td>{a.durationMs} ms</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p className="muted">{tx('Попыток ещё не было.', 'No attempts yet.')}</p>
              )}
            </>
          )}
        </StatusBox>
      </div>
    </Dialog>
  );
}
