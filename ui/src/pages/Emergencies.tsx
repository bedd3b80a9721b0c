/**
 * «Текущие аварийные ситуации» (spec §3.10): open alerts per priority, and the emergencies table with
 * column filters, runbook links and client links. Per row: «Подтвердить» (acknowledge with a comment)
 * and «Заглушить» (a silence of this alert on this object for a while). `state=all` shows the history.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  ApiError,
  apiSend,
  ENDPOINTS,
  type EmergenciesOut,
  type EmergencyRow,
  type SilenceOut,
} from '../api';
import { canAck, canSilence, useMe } from '../auth';
import { DashboardFrame, PRIORITIES, useDashQuery } from '../components/DashboardFrame';
import { Dialog } from '../components/Dialog';
import { Icon } from '../components/icons';
import { Panel } from '../components/Panel';
import { TablePanel, type Column } from '../components/TablePanel';
import { t, type Key } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtDateTime, fmtNum } from '../lib/format';
import { HOUR, DAY } from '../lib/time';
import { ClientLink } from './BillingStats';

export const EMERGENCIES: DashboardDef = {
  id: 'emergencies',
  titleKey: 'dash.emergencies',
  defaultFrom: 'now-30d',
  defaultRefresh: '1m',
  variables: ['unit', 'manager', 'client', 'name', 'priority'],
};

const DURATIONS: { key: Key; ms: number }[] = [
  { key: 'em.dur.1h', ms: HOUR },
  { key: 'em.dur.2h', ms: 2 * HOUR },
  { key: 'em.dur.4h', ms: 4 * HOUR },
  { key: 'em.dur.8h', ms: 8 * HOUR },
  { key: 'em.dur.1d', ms: DAY },
  { key: 'em.dur.3d', ms: 3 * DAY },
  { key: 'em.dur.7d', ms: 7 * DAY },
];

/** The labels a silence from a row matches: the object the alert is about. */
export function silenceMatchers(r: EmergencyRow): { alerts: string[]; labels?: Record<string, string> } {
  if (r.installationId !== null)
    return { alerts: [r.name], labels: { installation: String(r.installationId) } };
  if (r.onlineAccessId !== null) return { alerts: [r.name], labels: { online: String(r.onlineAccessId) } };
  return { alerts: [r.name] };
}

function stateText(r: EmergencyRow): string {
  const k = `em.state.${r.state}` as Key;
  return ['pending', 'firing', 'resolved'].includes(r.state) ? t(k) : r.state;
}

export function EmergenciesPage() {
  const state = useDashboardState(EMERGENCIES);
  const history = state.extra('state') === 'all';
  const q = useDashQuery<EmergenciesOut>(state, ENDPOINTS.emergencies, {
    state: history ? 'all' : 'open',
    limit: 2000,
  });
  const me = useMe().data;
  const qc = useQueryClient();
  const [ackRow, setAckRow] = useState<EmergencyRow | null>(null);
  const [silenceRow, setSilenceRow] = useState<EmergencyRow | null>(null);
  const [toast, setToast] = useState<string | null>(null);
  const done = (text: string) => {
    setToast(text);
    window.setTimeout(() => setToast(null), 5000);
    void qc.invalidateQueries({ queryKey: ['dash', ENDPOINTS.emergencies] });
    void qc.invalidateQueries({ queryKey: ['overview'] });
  };

  const names = q.data?.names ?? [];
  const open = q.data?.openByPriority ?? {};
  const mayAck = canAck(me?.role);
  const maySilence = canSilence(me?.role);

  const columns: Column<EmergencyRow>[] = [
    {
      key: 'client',
      title: t('em.col.client'),
      value: (r) => r.client,
      render: (r) => <ClientLink id={r.clientId} name={r.client} />,
    },
    { key: 'manager', title: t('em.col.manager'), value: (r) => r.managers.join(', ') },
    {
      key: 'priority',
      title: t('em.col.priority'),
      value: (r) => r.priority,
      render: (r) => <span className={`prio prio-${r.priority}`}>{r.priority}</span>,
      width: 64,
    },
    {
      key: 'importance',
      title: t('em.col.importance'),
      value: (r) => r.importance,
      render: (r) => <span className={`importance importance-${r.importance}`}>{r.importance}</span>,
    },
    {
      key: 'name',
      title: t('em.col.name'),
      value: (r) => r.name,
      render: (r) => (
        <a
          href={r.runbook}
          target="_blank"
          rel="noreferrer"
          className="cell-link"
          tabIndex={-1}
          title={t('em.runbook', { name: r.name })}
        >
          <Icon name="book" size={13} /> {r.name}
        </a>
      ),
    },
    {
      key: 'text',
      title: t('em.col.text'),
      value: (r) => r.text,
      className: 'cell-long',
      titleOf: (r) => r.text,
    },
    {
      key: 'since',
      title: t('em.col.since'),
      value: (r) => r.firedAt ?? r.firstSeenAt,
      render: (r) => fmtDateTime(r.firedAt ?? r.firstSeenAt),
      csv: (r) => fmtDateTime(r.firedAt ?? r.firstSeenAt),
      filter: false,
    },
    {
      key: 'state',
      title: t('em.col.state'),
      value: (r) =>
        [
          stateText(r),
          r.suppressed ? t('em.suppressed') : '',
          r.acknowledgedBy ? t('em.acked', { who: r.acknowledgedBy }) : '',
        ]
          .filter(Boolean)
          .join(', '),
      render: (r) => (
        <span className="state-cell">
          <span className={`state state-${r.state}`}>{stateText(r)}</span>
          {r.suppressed && (
            <span className="tag tag-muted" title={r.suppressedBy ?? undefined} data-suppressed="true">
              <Icon name="bellOff" size={12} /> {t('em.suppressed')}
            </span>
          )}
          {r.acknowledgedAt !== null && (
            <span className="tag tag-ok" title={fmtDateTime(r.acknowledgedAt)}>
              <Icon name="check" size={12} /> {t('em.acked', { who: r.acknowledgedBy ?? '' })}
            </span>
          )}
        </span>
      ),
    },
    {
      key: 'actions',
      title: t('em.col.actions'),
      value: () => null,
      filter: false,
      csv: () => '',
      render: (r) =>
        r.state === 'resolved' ? null : (
          <span className="row-actions">
            <button
              type="button"
              className="btn btn-small"
              disabled={!mayAck || r.acknowledgedAt !== null}
              title={mayAck ? t('em.ack') : t('em.noRights')}
              onClick={() => setAckRow(r)}
              aria-label={`${t('em.ack')}: ${r.name} ${r.client ?? ''}`}
            >
              <Icon name="check" size={14} />
            </button>
            <button
              type="button"
              className="btn btn-small"
              disabled={!maySilence}
              title={maySilence ? t('em.silence') : t('em.noRights')}
              onClick={() => setSilenceRow(r)}
              aria-label={`${t('em.silence')}: ${r.name} ${r.client ?? ''}`}
            >
              <Icon name="bellOff" size={14} />
            </button>
          </span>
        ),
    },
    { key: 'host', title: t('em.col.host'), value: (r) => r.host },
    { key: 'clientname', title: t('em.col.clientname'), value: (r) => r.clientname },
    { key: 'regnum', title: t('em.col.regnum'), value: (r) => r.regnum },
    { key: 'catalog', title: t('em.col.catalog'), value: (r) => r.catalog },
    { key: 'url', title: t('em.col.url'), value: (r) => r.url },
    { key: 'user', title: t('em.col.user'), value: (r) => r.user },
    { key: 'filename', title: t('em.col.filename'), value: (r) => r.filename, className: 'cell-long' },
  ];

  const stateToggle = (
    <div className="segmented" role="radiogroup" aria-label={t('em.state')}>
      {[
        { v: null, label: t('em.stateOpen') },
        { v: 'all', label: t('em.stateAll') },
      ].map((o) => (
        <button
          key={o.label}
          type="button"
          role="radio"
          aria-checked={(o.v === 'all') === history}
          className={(o.v === 'all') === history ? 'active' : ''}
          onClick={() => state.setExtra('state', o.v)}
        >
          {o.label}
        </button>
      ))}
    </div>
  );

  return (
    <DashboardFrame
      state={state}
      fetching={q.isFetching}
      toolbarExtra={stateToggle}
      extraOptions={{ name: names.map((n) => ({ value: n, label: n })) }}
    >
      <Panel id="counters" title={t('em.counters')} span="full" height="auto">
        <div className="counters">
          {PRIORITIES.map((p) => {
            const n = open[p] ?? 0;
            const active = state.vars.priority.includes(p);
            return (
              <button
                key={p}
                type="button"
                className={`counter prio-bg-${p}${n === 0 ? ' zero' : ''}${active ? ' active' : ''}`}
                aria-pressed={active}
                onClick={() => state.setVar('priority', active ? [] : [p])}
                data-priority={p}
              >
                <span className="counter-label">{p}</span>
                <span className="counter-value">{q.data ? fmtNum(n) : '…'}</span>
              </button>
            );
          })}
        </div>
      </Panel>
      <TablePanel
        id="emergencies"
        title={t('em.table')}
        rows={q.data?.rows ?? []}
        columns={columns}
        rowKey={(r) => r.id}
        rowLink={(r) => (r.clientId !== null ? `/clients/${r.clientId}` : undefined)}
        pageSize={25}
        initialSort={{ key: 'priority', dir: 'asc' }}
        csvName="emergencies.csv"
        emptyText={history ? t('em.empty') : t('em.emptyOpen')}
        rowClass={(r) => (r.suppressed ? 'row-muted' : r.state === 'resolved' ? 'row-resolved' : '')}
        note={
          q.data && q.data.total > q.data.rows.length
            ? t('panel.seriesShown', { n: q.data.rows.length, m: q.data.total })
            : undefined
        }
        status={{
          loading: q.isLoading && !q.data,
          error: q.data ? null : q.error,
          onRetry: () => void q.refetch(),
        }}
      />
      {ackRow && (
        <AckDialog
          row={ackRow}
          onClose={() => setAckRow(null)}
          onDone={() => {
            setAckRow(null);
            done(t('em.ackDone'));
          }}
        />
      )}
      {silenceRow && (
        <SilenceDialog
          row={silenceRow}
          onClose={() => setSilenceRow(null)}
          onDone={(s) => {
            setSilenceRow(null);
            done(t('em.silenceDone', { until: fmtDateTime(s.endsAt) }));
          }}
        />
      )}
      {toast && (
        <div className="toast" role="status" aria-live="polite">
          <Icon name="check" /> {toast}
        </div>
      )}
    </DashboardFrame>
  );
}

function AckDialog({ row, onClose, onDone }: { row: EmergencyRow; onClose(): void; onDone(): void }) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await apiSend('POST', `/api/alerts/${row.id}/ack`, comment.trim() ? { comment: comment.trim() } : {});
      onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={t('em.ackTitle')}
      onClose={onClose}
      onSubmit={() => void submit()}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {t('em.ack')}
          </button>
        </>
      }
    >
      <RowSummary row={row} />
      <label className="field">
        <span>{t('em.ackComment')}</span>
        <textarea rows={3} value={comment} onChange={(e) => setComment(e.target.value)} autoFocus />
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}

function RowSummary({ row }: { row: EmergencyRow }) {
  return (
    <dl className="summary">
      <dt>{t('em.silenceAlert')}</dt>
      <dd>
        <span className={`prio prio-${row.priority}`}>{row.priority}</span> {row.name}
      </dd>
      <dt>{t('em.silenceObject')}</dt>
      <dd>{[row.client, row.host ?? row.url, row.user].filter(Boolean).join(' · ') || '—'}</dd>
      {row.text && (
        <>
          <dt>{t('em.col.text')}</dt>
          <dd className="summary-text">{row.text}</dd>
        </>
      )}
    </dl>
  );
}

function SilenceDialog({
  row,
  onClose,
  onDone,
}: {
  row: EmergencyRow;
  onClose(): void;
  onDone(s: SilenceOut): void;
}) {
  const [duration, setDuration] = useState(2 * HOUR);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const matchers = silenceMatchers(row);
  const until = Date.now() + duration;
  const submit = async () => {
    if (!comment.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const s = await apiSend<SilenceOut>('POST', '/api/silences', {
        matchers,
        endsAt: Date.now() + duration,
        comment: comment.trim(),
      });
      onDone(s);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={t('em.silenceTitle')}
      onClose={onClose}
      onSubmit={() => void submit()}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || !comment.trim()}>
            <Icon name="bellOff" size={14} />
            {t('em.silence')}
          </button>
        </>
      }
    >
      <RowSummary row={row} />
      <fieldset className="field">
        <legend>{t('em.silenceWhat')}</legend>
        <code className="matchers">
          alertname = {row.name}
          {Object.entries(matchers.labels ?? {}).map(([k, v]) => (
            <span key={k}>
              <br />
              {k} = {v}
            </span>
          ))}
        </code>
      </fieldset>
      <label className="field">
        <span>{t('em.silenceDuration')}</span>
        <select value={duration} onChange={(e) => setDuration(Number(e.target.value))}>
          {DURATIONS.map((d) => (
            <option key={d.key} value={d.ms}>
              {t(d.key)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('em.silenceComment')}</span>
        <textarea
          rows={3}
          required
          value={comment}
          placeholder={t('em.silenceCommentPh')}
          onChange={(e) => setComment(e.target.value)}
          autoFocus
        />
      </label>
      <p className="hint">{t('em.silenceNote', { until: fmtDateTime(until) })}</p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
