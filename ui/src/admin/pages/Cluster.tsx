/**
 * «Кластер» (operator only): the `smart serve` nodes sharing this database (GET /api/cluster) with their
 * state, figures and what each holds now, and the periodic work by kind, so a dead node, a node that
 * stopped taking work or a growing backlog shows at a glance. Refreshed every 5 s.
 */
import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { ClusterJobKindOut, ClusterNodeOut, ClusterOut } from '../../../../src/cluster/status';
import { apiGet } from '../../api';
import { StatTiles, type StatTile } from '../../components/StatTiles';
import { TablePanel, type Column } from '../../components/TablePanel';
import { errorText } from '../../components/Panel';
import { fmtDateTime, fmtDuration, fmtNum, fmtPct } from '../../lib/format';
import { Notice, PageHead, queryStatus, useAdmin } from '../common';
import { L, tx } from '../texts';

type ClusterState = z.output<typeof ClusterOut>;
type ClusterNode = z.output<typeof ClusterNodeOut>;
type JobKind = z.output<typeof ClusterJobKindOut>;

const REFRESH_MS = 5_000;
/** Due work older than this means the nodes do not keep up (a probe's interval is a minute or more). */
const BEHIND_MS = 60_000;

function stateName(s: ClusterNode['state']): string {
  switch (s) {
    case 'alive':
      return tx('работает', 'alive');
    case 'stopped':
      return tx('остановлен', 'stopped');
    default:
      return tx('не отвечает', 'dead');
  }
}

const STATE_TAG: Record<ClusterNode['state'], string> = {
  alive: 'tag-ok',
  stopped: 'tag-muted',
  dead: 'tag-bad',
};

function kindName(kind: string): string {
  switch (kind) {
    case 'probe':
      return tx('проверки доступности', 'availability probes');
    case 'pull_sysinfo':
      return tx('сбор SYSINFO', 'SYSINFO pulls');
    case 'pull_status':
      return tx('сбор статуса', 'status pulls');
    case 'online_profile':
      return tx('опрос онлайн-доступов', 'online access reads');
    case 'online_search_log':
      return tx('журнал поиска онлайн', 'online search log');
    case 'alert_eval':
      return tx('вычисление алертов', 'alert evaluation');
    case 'client_health':
      return tx('здоровье клиентов', 'client health');
    case 'asrp_upload':
      return tx('выгрузка АСРП', 'ASRP upload');
    case 'retention':
      return tx('очистка старых данных', 'retention');
    default:
      return '';
  }
}

/** A number from the node's free-form stats, or null when it did not report one. */
function statNum(n: ClusterNode, key: string): number | null {
  const v = n.stats[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function mib(bytes: number | null): string {
  return bytes === null ? L.none() : `${fmtNum(bytes / 1024 / 1024, 0)} MiB`;
}

function heldJobs(n: ClusterNode): { text: string; total: number } {
  const entries = Object.entries(n.holds.jobs).sort(([a], [b]) => a.localeCompare(b));
  return {
    text: entries.map(([k, c]) => `${k} ${c}`).join(', '),
    total: entries.reduce((s, [, c]) => s + c, 0),
  };
}

function StateCell({ node }: { node: ClusterNode }) {
  return (
    <span className="cluster-state">
      <span
        className={`tag ${STATE_TAG[node.state]}`}
        data-testid="cluster-node-state"
        data-state={node.state}
      >
        {stateName(node.state)}
      </span>
      <small className="muted">
        {tx('запущен {at}', 'started {at}', { at: fmtDateTime(node.startedAt) })}
      </small>
      {node.state === 'dead' && (
        <small className="err-text" data-testid="cluster-node-takeover">
          {node.takenOverBy
            ? tx('работу забрал {node} в {at}', 'taken over by {node} at {at}', {
                node: node.takenOverBy,
                at: fmtDateTime(node.takenOverAt, true),
              })
            : tx('работу ещё никто не забрал', 'not taken over yet')}
        </small>
      )}
    </span>
  );
}

/** What the node holds now: leased jobs by kind, notification groups and messages, its spool's reports. */
function HoldsCell({ node }: { node: ClusterNode }) {
  const jobs = heldJobs(node);
  const h = node.holds;
  return (
    <span className="cluster-holds">
      <span data-testid="cluster-node-jobs">
        {tx('задания', 'jobs')}: <span className="mono">{jobs.total ? jobs.text : L.none()}</span>
      </span>
      <span
        title={tx('групп оповещений / сообщений', 'notification groups / messages')}
        data-testid="cluster-node-messages"
      >
        {tx('сообщения', 'messages')}: {fmtNum(h.notifyGroups, 0)} / {fmtNum(h.notifications, 0)}
      </span>
      <span title={tx('ждут / обрабатываются', 'waiting / processing')} data-testid="cluster-node-reports">
        {tx('отчёты', 'reports')}: {fmtNum(h.reportsWaiting, 0)} / {fmtNum(h.reportsProcessing, 0)}
      </span>
    </span>
  );
}

function holdsText(n: ClusterNode): string {
  const h = n.holds;
  return `${heldJobs(n).text}; ${h.notifyGroups}/${h.notifications}; ${h.reportsWaiting}/${h.reportsProcessing}`;
}

function nodeColumns(deadAfterMs: number): Column<ClusterNode>[] {
  return [
    {
      key: 'node',
      title: tx('Узел', 'Node'),
      value: (n) => n.nodeId,
      render: (n) => (
        <span className="source-cell">
          <span className="mono" data-testid="cluster-node-id">
            {n.nodeId}
          </span>
          {n.url && <small className="muted">{n.url}</small>}
        </span>
      ),
    },
    {
      key: 'state',
      title: L.state(),
      value: (n) => stateName(n.state),
      sortValue: (n) => n.state,
      render: (n) => <StateCell node={n} />,
      csv: (n) =>
        n.state === 'dead' && n.takenOverBy
          ? `${stateName(n.state)} (${n.takenOverBy} ${fmtDateTime(n.takenOverAt, true)})`
          : stateName(n.state),
    },
    {
      key: 'host',
      title: tx('Хост · PID, версия', 'Host · PID, version'),
      value: (n) => `${n.host} · ${n.pid}`,
      csv: (n) => `${n.host} · ${n.pid} · ${n.version}`,
      render: (n) => (
        <span className="source-cell">
          <span className="mono">{`${n.host} · ${n.pid}`}</span>
          <small className="muted">{tx('версия {v}', 'version {v}', { v: n.version })}</small>
        </span>
      ),
    },
    {
      key: 'roles',
      title: tx('Роли', 'Roles'),
      value: (n) => n.roles.join(', '),
      render: (n) => (
        <span className="chips cluster-roles" data-testid="cluster-node-roles">
          {n.roles.map((r) => (
            <span key={r} className="tag tag-blue">
              {r}
            </span>
          ))}
        </span>
      ),
    },
    {
      key: 'heartbeat',
      title: tx('Пульс', 'Heartbeat'),
      numeric: true,
      filter: false,
      value: (n) => n.heartbeatAgeMs,
      render: (n) => (
        <span title={fmtDateTime(n.heartbeatAt, true)}>
          {tx('{age} назад', '{age} ago', { age: fmtDuration(n.heartbeatAgeMs) })}
        </span>
      ),
      csv: (n) => String(Math.round(n.heartbeatAgeMs / 1000)),
      // Past the dead-after limit red; past half of it (several missed beats) yellow.
      color: (_, n) =>
        n.state === 'stopped'
          ? null
          : n.heartbeatAgeMs > deadAfterMs
            ? 'red'
            : n.heartbeatAgeMs > deadAfterMs / 2
              ? 'yellow'
              : null,
    },
    {
      key: 'rss',
      title: tx('RSS', 'RSS'),
      numeric: true,
      filter: false,
      value: (n) => statNum(n, 'rssBytes'),
      render: (n) => mib(statNum(n, 'rssBytes')),
      titleOf: (n) => tx('куча JS: {h}', 'JS heap: {h}', { h: mib(statNum(n, 'heapUsedBytes')) }),
    },
    {
      key: 'loop',
      title: tx('Цикл p99, мс', 'Loop p99, ms'),
      numeric: true,
      filter: false,
      value: (n) => statNum(n, 'eventLoopDelayP99Ms'),
      color: (v) => (typeof v === 'number' ? (v > 500 ? 'red' : v > 100 ? 'yellow' : null) : null),
    },
    {
      key: 'cpu',
      title: tx('CPU', 'CPU'),
      numeric: true,
      filter: false,
      value: (n) => {
        const c = statNum(n, 'cpuShare');
        return c === null ? null : c * 100;
      },
      render: (n) => {
        const c = statNum(n, 'cpuShare');
        return c === null ? L.none() : fmtPct(c * 100);
      },
    },
    {
      key: 'holds',
      title: tx('Держит сейчас', 'Holds now'),
      filter: false,
      value: (n) =>
        heldJobs(n).total + n.holds.notifications + n.holds.reportsWaiting + n.holds.reportsProcessing,
      render: (n) => <HoldsCell node={n} />,
      csv: holdsText,
    },
  ];
}

const jobColumns: Column<JobKind>[] = [
  {
    key: 'kind',
    title: L.kind(),
    value: (k) => k.kind,
    render: (k) => (
      <span className="source-cell">
        <span className="mono" data-testid="cluster-job-kind">
          {k.kind}
        </span>
        {kindName(k.kind) && <small className="muted">{kindName(k.kind)}</small>}
      </span>
    ),
  },
  { key: 'jobs', title: tx('Заданий', 'Jobs'), numeric: true, value: (k) => k.jobs },
  { key: 'leased', title: tx('Выполняются', 'Leased'), numeric: true, value: (k) => k.leased },
  {
    key: 'waiting',
    title: tx('Ждут', 'Waiting'),
    numeric: true,
    value: (k) => k.waiting,
    color: (v, k) => (typeof v === 'number' && v > 0 && k.oldestWaitingMs > BEHIND_MS ? 'yellow' : null),
  },
  {
    key: 'oldest',
    title: tx('Старейшее ждёт', 'Oldest waiting for'),
    numeric: true,
    value: (k) => k.oldestWaitingMs,
    render: (k) => (k.oldestWaitingMs > 0 ? fmtDuration(k.oldestWaitingMs) : L.none()),
    csv: (k) => String(Math.round(k.oldestWaitingMs / 1000)),
    color: (v) =>
      typeof v === 'number' && v > BEHIND_MS * 5 ? 'red' : v && Number(v) > BEHIND_MS ? 'yellow' : null,
  },
  {
    key: 'failed',
    title: tx('Сбой в последнем запуске', 'Failed last run'),
    numeric: true,
    value: (k) => k.failedLastRun,
    color: (v) => (typeof v === 'number' && v > 0 ? 'red' : null),
  },
  {
    key: 'missed',
    title: tx('Пропущено слотов', 'Missed slots'),
    numeric: true,
    value: (k) => k.missedSlots,
    color: (v) => (typeof v === 'number' && v > 0 ? 'yellow' : null),
  },
];

function summaryTiles(c: ClusterState): StatTile[] {
  const count = (s: ClusterNode['state']) => c.nodes.filter((n) => n.state === s).length;
  const waiting = c.jobs.reduce((s, k) => s + k.waiting, 0);
  const oldest = Math.max(0, ...c.jobs.map((k) => k.oldestWaitingMs));
  return [
    {
      key: 'alive',
      label: tx('Работают', 'Alive'),
      value: fmtNum(count('alive'), 0),
      sub: tx('из {n} узлов', 'of {n} nodes', { n: c.nodes.length }),
      color: count('alive') > 0 ? 'green' : 'red',
    },
    {
      key: 'dead',
      label: tx('Не отвечают', 'Dead'),
      value: fmtNum(count('dead'), 0),
      color: count('dead') > 0 ? 'red' : 'grey',
      hint: tx(
        'Узел молчит дольше {s} с и не был остановлен штатно.',
        'Silent for more than {s} s and not stopped cleanly.',
        { s: Math.round(c.deadAfterMs / 1000) },
      ),
    },
    {
      key: 'waiting',
      label: tx('Заданий ждут', 'Jobs waiting'),
      value: fmtNum(waiting, 0),
      sub: oldest > 0 ? tx('старейшее {d}', 'oldest {d}', { d: fmtDuration(oldest) }) : undefined,
      color: oldest > BEHIND_MS ? 'yellow' : 'grey',
    },
    {
      key: 'queued',
      label: tx('Сообщений в очереди', 'Messages queued'),
      value: fmtNum(c.notificationsQueued, 0),
      color: 'grey',
    },
  ];
}

export function Cluster() {
  const admin = useAdmin();
  const q = useQuery({
    queryKey: ['admin', 'cluster'],
    queryFn: ({ signal }) => apiGet<ClusterState>('/api/cluster', undefined, signal),
    // Only the operator may read it: the server refuses everyone else.
    enabled: admin.isOperator,
    refetchInterval: REFRESH_MS,
    // A failed refresh shows at the next one, not after the default three retries.
    retry: 1,
  });
  const title = tx('Кластер', 'Cluster');
  if (!admin.isOperator)
    return (
      <div className="page">
        <PageHead title={title} />
        <Notice>
          <span data-testid="cluster-operator-only">
            {tx('Состояние кластера видит только оператор.', 'Only the operator sees the cluster state.')}
          </span>
        </Notice>
      </div>
    );

  const c = q.data;
  const behind = (c?.jobs ?? []).filter((k) => k.waiting > 0 && k.oldestWaitingMs > BEHIND_MS);
  return (
    <div className="page" data-testid="cluster-page">
      <PageHead
        title={title}
        description={tx(
          'Узлы smart serve, работающие с одной базой PostgreSQL: их состояние, нагрузка и то, что каждый держит сейчас, и периодическая работа по видам. Обновляется каждые 5 с.',
          'The smart serve nodes sharing one PostgreSQL database: their state, load and what each holds now, and the periodic work by kind. Refreshed every 5 s.',
        )}
        actions={
          q.dataUpdatedAt > 0 && (
            <span className="muted" data-testid="cluster-updated">
              {tx('обновлено {t}', 'updated {t}', { t: fmtDateTime(q.dataUpdatedAt, true) })}
            </span>
          )
        }
      />
      {/* A failed refresh keeps the last answer on screen and says how old it is. */}
      {c && q.error && (
        <Notice kind="error">
          <span data-testid="cluster-refresh-error">
            {tx(
              'Не удалось обновить: {m}. Показано состояние на {t}.',
              'Could not refresh: {m}. Showing the state of {t}.',
              {
                m: errorText(q.error),
                t: fmtDateTime(q.dataUpdatedAt, true),
              },
            )}
          </span>
        </Notice>
      )}
      {c && (
        <div className="cluster-tiles">
          <StatTiles tiles={summaryTiles(c)} label={title} />
        </div>
      )}
      {c && c.nodes.length <= 1 && (
        <Notice>
          <span data-testid="cluster-single">
            {c.nodes.length === 0
              ? tx(
                  'Ни один узел ещё не записал пульс: узел появляется здесь, когда запущен smart serve.',
                  'No node has written a heartbeat yet: a node appears here once smart serve runs.',
                )
              : tx(
                  'Работает один узел. Несколько узлов smart serve делят одну базу PostgreSQL; с SQLite работает только один.',
                  'One node runs. Several smart serve nodes share one PostgreSQL database; with SQLite only one runs.',
                )}
          </span>
        </Notice>
      )}

      <h2 className="admin-section-title">{tx('Узлы', 'Nodes')}</h2>
      <div className="grid">
        <TablePanel
          id="cluster-nodes"
          title={tx('Узлов: {n}', 'Nodes: {n}', { n: c?.nodes.length ?? 0 })}
          description={tx(
            'Пульс: сколько назад узел последний раз отметился (каждые 5 с). RSS: память процесса. Цикл p99: задержка цикла событий Node.js, 99-й перцентиль за последний интервал. CPU: доля одного ядра с запуска. Держит сейчас: взятые задания по видам, группы оповещений / сообщения в отправке, отчёты в спуле узла (ждут / обрабатываются).',
            'Heartbeat: how long ago the node last checked in (every 5 s). RSS: the process memory. Loop p99: the Node.js event-loop delay, 99th percentile over the last interval. CPU: share of one core since start. Holds now: leased jobs by kind, notification groups / messages being sent, reports in the node’s spool (waiting / processing).',
          )}
          rows={c?.nodes ?? []}
          columns={nodeColumns(c?.deadAfterMs ?? 30_000)}
          rowKey={(n) => n.nodeId}
          rowClass={(n) => (n.state === 'dead' ? 'row-error' : n.state === 'stopped' ? 'row-off' : '')}
          status={{ ...queryStatus(q), error: c ? null : q.error }}
          emptyText={tx('Узлов нет.', 'No nodes.')}
          csvName="cluster-nodes.csv"
          pageSize={50}
        />
      </div>

      <h2 className="admin-section-title">{tx('Периодическая работа', 'Periodic work')}</h2>
      {behind.length > 0 ? (
        <Notice kind="warn">
          <span data-testid="cluster-behind">
            {tx(
              'Узлы не успевают: задания {k} ждут дольше минуты. Добавьте узел или проверьте, не перегружены ли работающие.',
              'The nodes do not keep up: jobs of {k} wait for more than a minute. Add a node or check whether the running ones are overloaded.',
              { k: behind.map((k) => k.kind).join(', ') },
            )}
          </span>
        </Notice>
      ) : (
        <p className="admin-desc cluster-hint">
          {tx(
            '«Ждут» — задания, срок которых наступил, но ни один узел их ещё не взял. Если это число растёт от обновления к обновлению, узлы не успевают: добавьте узел.',
            '“Waiting” are jobs that are due and that no node has taken yet. If it grows from one refresh to the next, the nodes do not keep up: add a node.',
          )}
        </p>
      )}
      <div className="grid">
        <TablePanel
          id="cluster-jobs"
          title={tx('Задания по видам: {n}', 'Jobs by kind: {n}', { n: c?.jobs.length ?? 0 })}
          rows={c?.jobs ?? []}
          columns={jobColumns}
          rowKey={(k) => k.kind}
          status={{ ...queryStatus(q), error: c ? null : q.error }}
          emptyText={tx('Периодических заданий нет.', 'No periodic jobs.')}
          csvName="cluster-jobs.csv"
          pageSize={50}
        />
      </div>
    </div>
  );
}
