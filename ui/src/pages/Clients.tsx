/**
 * The clients list (/clients, search by name) and the client page (/clients/:id), which answers
 * «Всё ли в порядке у клиента?»: a verdict with its reasons, then per installation the freshness of
 * each data channel, versions, OperUp age, licences, 30-day availability, the 24-hour check timeline
 * and open alerts; per online access the remainders, the last read and availability.
 */
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { apiGet, ENDPOINTS, type ClientOut, type ClientOverviewOut, type EmergencyRow } from '../api';
import { useVariables } from '../components/DashboardFrame';
import { Icon } from '../components/icons';
import { StatusBox } from '../components/Panel';
import { TablePanel, type Column } from '../components/TablePanel';
import { t, tx, type Key } from '../i18n';
import { fmtDate, fmtDateTime, fmtDuration, fmtNum, fmtPct, fmtTime } from '../lib/format';
import { DAY, HOUR } from '../lib/time';
import { canAdmin, useMe } from '../auth';
import { ClientLink, docsColor, docsPctColor } from './BillingStats';
import { ReportLinks } from './Renewal';
import { ReportUploadButton } from './ReportUpload';

export function ClientsPage() {
  const [query, setQuery] = useState('');
  const clients = useQuery({
    queryKey: ['clients'],
    queryFn: ({ signal }) => apiGet<ClientOut[]>('/api/clients', undefined, signal),
  });
  const vars = useVariables();
  const managerName = useMemo(
    () => new Map((vars.data?.managers ?? []).map((m) => [m.id, m.name])),
    [vars.data],
  );
  useEffect(() => {
    document.title = `${t('cl.title')} · SMART`;
  }, []);
  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    const list = clients.data ?? [];
    return q
      ? list.filter((c) => c.shortName.toLowerCase().includes(q) || c.legalName?.toLowerCase().includes(q))
      : list;
  }, [clients.data, query]);

  const hosts = useMemo(() => {
    const m = new Map<number, string[]>();
    for (const i of vars.data?.installations ?? []) m.set(i.clientId, [...(m.get(i.clientId) ?? []), i.host]);
    return m;
  }, [vars.data]);
  const accesses = useMemo(() => {
    const m = new Map<number, string[]>();
    for (const o of vars.data?.onlineAccesses ?? [])
      m.set(o.clientId, [...(m.get(o.clientId) ?? []), o.login]);
    return m;
  }, [vars.data]);
  const anyLegal = rows.some((c) => c.legalName);

  const columns: Column<ClientOut>[] = [
    {
      key: 'short',
      title: t('cl.col.short'),
      value: (c) => c.shortName,
      render: (c) => <ClientLink id={c.id} name={c.shortName} />,
    },
    ...(anyLegal ? [{ key: 'legal', title: t('cl.col.legal'), value: (c: ClientOut) => c.legalName }] : []),
    {
      key: 'installations',
      title: t('cl.col.installations'),
      value: (c) => (hosts.get(c.id) ?? []).join(', '),
    },
    {
      key: 'online',
      title: t('cl.col.online'),
      value: (c) => (accesses.get(c.id) ?? []).join(', '),
    },
    {
      key: 'managers',
      title: t('cl.col.managers'),
      value: (c) => c.managerIds.map((id) => managerName.get(id) ?? `#${id}`).join(', '),
    },
    {
      key: 'renewalReport',
      title: tx('Отчёт для ЛПР', 'Decision-maker report'),
      value: () => null,
      render: (c) => <ReportLinks clientId={c.id} year={new Date().getFullYear()} bare />,
      filter: false,
    },
  ];

  return (
    <div className="page">
      <div className="dash-head">
        <h1 className="dash-title">{t('cl.title')}</h1>
        <div className="dash-controls">
          <label className="search-box">
            <Icon name="search" size={14} />
            <span className="sr-only">{t('cl.search')}</span>
            <input
              type="search"
              placeholder={t('cl.search')}
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              autoFocus
            />
          </label>
        </div>
      </div>
      <div className="grid">
        <TablePanel
          id="clients"
          title={t('cl.count', { n: rows.length })}
          rows={rows}
          columns={columns}
          rowKey={(c) => c.id}
          rowLink={(c) => `/clients/${c.id}`}
          pageSize={25}
          initialSort={{ key: 'short', dir: 'asc' }}
          csvName="clients.csv"
          emptyText={t('cl.empty')}
          status={{ loading: clients.isLoading, error: clients.error, onRetry: () => void clients.refetch() }}
        />
      </div>
    </div>
  );
}

type Fresh = 'ok' | 'warn' | 'bad' | 'none';

/** Green within 1.5× the expected interval, yellow within 3×, red beyond; grey when never. */
export function freshness(lastAt: number | null, expectedMs: number | null, now: number): Fresh {
  if (lastAt === null) return 'none';
  const age = now - lastAt;
  const expected = expectedMs ?? HOUR;
  if (age <= expected * 1.5) return 'ok';
  if (age <= expected * 3) return 'warn';
  return 'bad';
}

function Age({ at, now }: { at: number | null; now: number }) {
  if (at === null) return <>{t('common.never')}</>;
  return <span title={fmtDateTime(at)}>{t('common.ago', { age: fmtDuration(now - at) })}</span>;
}

const VERDICT_ICON = { ok: 'check', warning: 'alert', critical: 'alert', unknown: 'info' } as const;

export function ClientPage() {
  const { id } = useParams();
  const q = useQuery({
    queryKey: ['overview', id],
    queryFn: ({ signal }) => apiGet<ClientOverviewOut>(ENDPOINTS.clientOverview(id ?? ''), undefined, signal),
    refetchInterval: 60_000,
  });
  const d = q.data;
  useEffect(() => {
    document.title = `${d?.client.shortName ?? t('cl.title')} · SMART`;
  }, [d?.client.shortName]);
  const now = q.dataUpdatedAt || Date.now();

  return (
    <div className="page client-page">
      <nav className="breadcrumb" aria-label="breadcrumb">
        <Link to="/clients">
          <Icon name="left" size={14} /> {t('cp.back')}
        </Link>
      </nav>
      <StatusBox
        status={{
          loading: q.isLoading,
          error: q.error,
          empty: false,
          emptyText: '',
          onRetry: () => void q.refetch(),
        }}
      >
        {d && (
          <>
            <header className="client-head">
              <div>
                <h1 className="dash-title">{d.client.shortName}</h1>
                {d.client.name && <p className="muted">{d.client.name}</p>}
              </div>
              <div className="client-managers">
                <span className="muted">{t('cp.managers')}:</span>{' '}
                {d.managers.length === 0
                  ? '—'
                  : d.managers.map((m, i) => (
                      <span key={m.id}>
                        {i > 0 && ', '}
                        <strong>{m.name}</strong>
                        {m.emails[0] && (
                          <>
                            {' '}
                            <a href={`mailto:${m.emails[0]}`} className="muted">
                              {m.emails[0]}
                            </a>
                          </>
                        )}
                      </span>
                    ))}
                <div className="client-renewal-report">
                  <ReportLinks clientId={d.client.id} year={new Date().getFullYear()} />
                </div>
              </div>
            </header>
            <section
              className={`verdict verdict-${d.verdict}`}
              aria-labelledby="verdict-q"
              data-verdict={d.verdict}
            >
              <Icon name={VERDICT_ICON[d.verdict]} size={28} />
              <div>
                <h2 id="verdict-q">{t('cp.question')}</h2>
                <p className="verdict-answer">{t(`cp.verdict.${d.verdict}`)}</p>
                {d.reasons.length > 0 && (
                  <ul className="verdict-reasons">
                    {d.reasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                )}
              </div>
            </section>

            <h2 className="section-title">
              {t('cp.installations')} <span className="badge">{d.installations.length}</span>
            </h2>
            {d.installations.length === 0 ? (
              <p className="muted empty-note">{t('cp.noInstallations')}</p>
            ) : (
              <div className="cards">
                {d.installations.map((i) => (
                  <InstallationCard key={i.id} inst={i} now={now} />
                ))}
              </div>
            )}

            <h2 className="section-title">
              {t('cp.onlineAccesses')} <span className="badge">{d.onlineAccesses.length}</span>
            </h2>
            {d.onlineAccesses.length === 0 ? (
              <p className="muted empty-note">{t('cp.noOnline')}</p>
            ) : (
              <div className="cards">
                {d.onlineAccesses.map((o) => (
                  <OnlineCard key={o.id} acc={o} now={now} />
                ))}
              </div>
            )}

            <div className="grid">
              <OpenAlerts rows={d.openAlerts} />
            </div>
          </>
        )}
      </StatusBox>
    </div>
  );
}

type Inst = ClientOverviewOut['installations'][number];
type Online = ClientOverviewOut['onlineAccesses'][number];

function kindText(kind: string): string {
  return ['polled', 'agent', 'manual'].includes(kind) ? t(`cp.kind.${kind}` as Key) : kind;
}

function licenceClass(expiresAt: number | null, now: number): string {
  if (expiresAt === null) return '';
  const left = expiresAt - now;
  if (left < 7 * DAY) return 'text-red';
  if (left < 90 * DAY) return 'text-yellow';
  return 'text-green';
}

function availClass(v: number | null): string {
  if (v === null) return '';
  if (v >= 99) return 'text-green';
  if (v >= 95) return 'text-yellow';
  return 'text-red';
}

/** Loaded when first opened: the issue-8 agent script generator. */
const AgentScriptDialog = lazy(() => import('./AgentScriptDialog'));

function InstallationCard({ inst, now }: { inst: Inst; now: number }) {
  const me = useMe().data;
  const [scriptOpen, setScriptOpen] = useState(false);
  return (
    <article className="card" aria-labelledby={`inst-${inst.id}`} data-installation={inst.id}>
      <header className="card-head">
        <h3 id={`inst-${inst.id}`}>{inst.host}</h3>
        <span className="tag">{kindText(inst.kind)}</span>
        {inst.openAlerts > 0 ? (
          <span className="tag tag-bad">{t('cp.openAlertsN', { n: inst.openAlerts })}</span>
        ) : null}
        {inst.kind === 'agent' && canAdmin(me?.role) && (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setScriptOpen(true)}
            data-testid="agent-script-open"
          >
            <Icon name="download" size={14} /> {tx('Скрипт агента', 'Agent script')}
          </button>
        )}
        {canAdmin(me?.role) && <ReportUploadButton installationId={inst.id} />}
      </header>
      {scriptOpen && (
        <Suspense fallback={null}>
          <AgentScriptDialog installationId={inst.id} host={inst.host} onClose={() => setScriptOpen(false)} />
        </Suspense>
      )}
      <div className="card-section">
        <h4>{t('cp.channels')}</h4>
        <ul className="channels">
          {inst.channels.map((c) => {
            const f = freshness(c.lastAt, c.expectedMs, now);
            return (
              <li key={c.channel} className={`fresh fresh-${f}`}>
                <span className="dot" aria-hidden="true" />
                <span className="channel-name">{t(`cp.channel.${c.channel}`)}</span>
                <span className="channel-age">
                  <Age at={c.lastAt} now={now} />
                </span>
                {c.expectedMs !== null && (
                  <span className="sr-only">
                    {t('cp.channelExpected', { age: fmtDuration(c.expectedMs) })}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      </div>
      <dl className="facts">
        <dt>{t('cp.versionPk')}</dt>
        <dd>{inst.pkVersion ?? '—'}</dd>
        <dt>{t('cp.versionSysinfo')}</dt>
        <dd>{inst.sysinfoVersion ?? '—'}</dd>
        <dt>{t('cp.regnum')}</dt>
        <dd>{inst.regnum ?? '—'}</dd>
        {inst.clientname && (
          <>
            <dt>{t('cp.legalName')}</dt>
            <dd>{inst.clientname}</dd>
          </>
        )}
        <dt>{t('cp.seats')}</dt>
        <dd>
          {fmtNum(inst.licencesInUse)} / {fmtNum(inst.seats)}
        </dd>
        <dt>{t('cp.operup')}</dt>
        <dd className={inst.operupAgeDays !== null && inst.operupAgeDays > 3 ? 'text-red' : undefined}>
          {inst.operupAgeDays === null ? '—' : t('cp.operupDays', { n: fmtNum(inst.operupAgeDays, 1) })}
        </dd>
        <dt>{t('cp.availability')}</dt>
        <dd>
          <span className={availClass(inst.availability30d.http200)}>
            {t('cp.avInterface')} {fmtPct(inst.availability30d.http200, 2)}
          </span>
          {' · '}
          <span className={availClass(inst.availability30d.tcp)}>
            {t('cp.avPort')} {fmtPct(inst.availability30d.tcp, 2)}
          </span>
        </dd>
      </dl>
      {inst.licences.length > 0 && (
        <div className="card-section">
          <h4>{t('cp.licences')}</h4>
          <ul className="licences">
            {inst.licences.map((l) => (
              <li key={l.name}>
                <span className="licence-name">{l.name}</span>
                <span className={licenceClass(l.expiresAt, now)}>
                  {l.expiresAt === null
                    ? t('cp.licenceNoEnd')
                    : l.expiresAt < now
                      ? t('cp.licenceExpired', { date: fmtDate(l.expiresAt) })
                      : t('cp.licenceExpires', { date: fmtDate(l.expiresAt) })}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {inst.timeline.length > 0 && (
        <div className="card-section">
          <h4>{t('cp.timeline')}</h4>
          <Timeline rows={inst.timeline} now={now} />
        </div>
      )}
    </article>
  );
}

function Timeline({ rows, now }: { rows: Inst['timeline']; now: number }) {
  const start = now - 24 * HOUR;
  const span = 24 * HOUR;
  return (
    <div className="timeline">
      {rows.map((r) => (
        <div key={r.check} className="timeline-row">
          <span className="timeline-label">{r.check}</span>
          <div className="timeline-bar" role="img" aria-label={`${r.check}: ${timelineText(r.segments)}`}>
            {r.segments.map((s, i) => {
              const from = Math.max(s.from, start);
              const to = Math.min(s.to, now);
              if (to <= from) return null;
              return (
                <span
                  key={i}
                  className={`seg seg-${s.outcome}`}
                  style={{
                    left: `${((from - start) / span) * 100}%`,
                    width: `${((to - from) / span) * 100}%`,
                  }}
                  title={`${fmtTime(s.from)}–${fmtTime(s.to)}: ${t(`cp.outcome.${s.outcome}`)}`}
                />
              );
            })}
          </div>
        </div>
      ))}
      <div className="timeline-axis" aria-hidden="true">
        <span>{fmtTime(start)}</span>
        <span>{fmtTime(start + span / 2)}</span>
        <span>{fmtTime(now)}</span>
      </div>
    </div>
  );
}

function timelineText(segs: Inst['timeline'][number]['segments']): string {
  const bad = segs.filter((s) => s.outcome === 'failed');
  if (bad.length === 0) return t('cp.outcome.ok');
  return bad.map((s) => `${t('cp.outcome.failed')} ${fmtTime(s.from)}–${fmtTime(s.to)}`).join('; ');
}

function OnlineCard({ acc, now }: { acc: Online; now: number }) {
  const pollClass = acc.ok === null ? 'fresh-none' : acc.ok ? 'fresh-ok' : 'fresh-bad';
  return (
    <article className="card" aria-labelledby={`oa-${acc.id}`} data-online={acc.id}>
      <header className="card-head">
        <h3 id={`oa-${acc.id}`}>{acc.login}</h3>
        <span className="muted">
          {acc.host}/{acc.catalog}
        </span>
        {acc.openAlerts > 0 && (
          <span className="tag tag-bad">{t('cp.openAlertsN', { n: acc.openAlerts })}</span>
        )}
      </header>
      <ul className="channels">
        <li className={`fresh ${pollClass}`}>
          <span className="dot" aria-hidden="true" />
          <span className="channel-name">{t('cp.lastPoll')}</span>
          <span className="channel-age">
            <Age at={acc.lastPollAt} now={now} />
            {acc.ok === false && ` · ${t('cp.pollFailed')}`}
          </span>
        </li>
      </ul>
      {acc.error && <p className="card-error">{acc.error}</p>}
      <dl className="facts">
        <dt>{t('cp.docs')}</dt>
        <dd className={docsColor(acc.docsRemaining) ? `text-${docsColor(acc.docsRemaining)}` : undefined}>
          {fmtNum(acc.docsRemaining, 0)}
        </dd>
        <dt>{t('cp.docsPct')}</dt>
        <dd className={docsPctColor(acc.docsUsedPct) ? 'text-red' : undefined}>{fmtPct(acc.docsUsedPct)}</dd>
        <dt>{t('cp.search')}</dt>
        <dd>{fmtNum(acc.searchRemaining, 0)}</dd>
        <dt>{t('cp.availability')}</dt>
        <dd className={availClass(acc.availability30d)}>{fmtPct(acc.availability30d, 2)}</dd>
        <dt>{t('cp.lastUsed')}</dt>
        <dd>{acc.lastUsedAt === null ? '—' : fmtDateTime(acc.lastUsedAt)}</dd>
      </dl>
    </article>
  );
}

function OpenAlerts({ rows }: { rows: EmergencyRow[] }) {
  const columns: Column<EmergencyRow>[] = [
    {
      key: 'priority',
      title: t('em.col.priority'),
      value: (r) => r.priority,
      render: (r) => <span className={`prio prio-${r.priority}`}>{r.priority}</span>,
      width: 64,
    },
    {
      key: 'name',
      title: t('em.col.name'),
      value: (r) => r.name,
      render: (r) => (
        <a href={r.runbook} target="_blank" rel="noreferrer" className="cell-link" tabIndex={-1}>
          <Icon name="book" size={13} /> {r.name}
        </a>
      ),
    },
    {
      key: 'importance',
      title: t('em.col.importance'),
      value: (r) => r.importance,
      render: (r) => <span className={`importance importance-${r.importance}`}>{r.importance}</span>,
    },
    { key: 'host', title: t('em.col.host'), value: (r) => r.host ?? r.url },
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
      filter: false,
    },
    {
      key: 'state',
      title: t('em.col.state'),
      value: (r) => (r.suppressed ? t('em.suppressed') : r.state),
      render: (r) =>
        r.suppressed ? (
          <span className="tag tag-muted">
            <Icon name="bellOff" size={12} /> {t('em.suppressed')}
          </span>
        ) : (
          <span className={`state state-${r.state}`}>{t(`em.state.${r.state}` as Key)}</span>
        ),
    },
  ];
  return (
    <TablePanel
      id="client-alerts"
      title={t('cp.openAlerts')}
      rows={rows}
      columns={columns}
      rowKey={(r) => r.id}
      rowLink={(r) => r.runbook}
      pageSize={10}
      initialSort={{ key: 'priority', dir: 'asc' }}
      emptyText={t('cp.noAlerts')}
    />
  );
}
