/**
 * «Время выполнения поисковых запросов» (spec dashboards-online-managers §4.10): the searches that ran
 * longer than «Порог времени поиска» — points per installation catalog on a log2 axis of seconds
 * (legend Min / Max, by Max), and the table «Запросы» (the longest first, read a page at a time) — with
 * the analysis the spec prescribes made visible: how many queries are over the threshold against under
 * it, which users make the most of them, and what those queries look like next to all of them (length,
 * words, separators, long dashes, empty searches). Variables: Клиент, Статус поиска, Порог времени
 * поиска, Каталог (the last three in the URL as `status`, `threshold`, `catalog`).
 */
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import type { SearchTimeOut, SearchTimeRow, SlowUser } from '../../../src/dashboards/contract-search-time';
import { apiGet, ENDPOINTS, type Params } from '../api';
import { DashboardFrame } from '../components/DashboardFrame';
import { MultiSelect } from '../components/MultiSelect';
import { StatTiles, type StatColor } from '../components/StatTiles';
import { TablePanel, type Column } from '../components/TablePanel';
import { TimeSeriesPanel } from '../components/TimeSeriesPanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef, type DashboardState } from '../lib/dashboard';
import { fmtDateTime, fmtNum, fmtPct } from '../lib/format';
import { ClientLink } from './BillingStats';
import { Panel } from '../components/Panel';

export const DEF: DashboardDef = {
  id: 'search-time',
  titleKey: 'dash.searchTime',
  defaultFrom: 'now-24h',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client', 'host'],
};

/** The server's default: the spec's analysis counts the queries over 10 s. */
const DEFAULT_THRESHOLD = 10;
const THRESHOLDS = [1, 2, 3, 5, 7, 10, 15, 20, 30, 60, 120];
const PAGE = 100;
const STATUSES = ['success', 'empty'];

const statusText = (s: string) =>
  s === 'success' ? tx('Успех', 'Success') : s === 'empty' ? tx('Пустой', 'Empty') : s;
/** A duration in seconds with one decimal, as the legend shows it. */
const seconds = (ms: number) => `${fmtNum(ms / 1000, 1)} ${tx('с', 's')}`;

function useFilters(state: DashboardState) {
  const list = (name: string) => (state.extra(name) ?? '').split(',').filter(Boolean);
  const raw = Number(state.extra('threshold'));
  const threshold = Number.isInteger(raw) && raw >= 1 && raw <= 600 ? raw : DEFAULT_THRESHOLD;
  return {
    threshold,
    setThreshold: (v: number) => state.setExtra('threshold', v === DEFAULT_THRESHOLD ? null : String(v)),
    status: list('status'),
    setStatus: (v: string[]) => state.setExtra('status', v.length ? v.join(',') : null),
    catalog: list('catalog'),
    setCatalog: (v: string[]) => state.setExtra('catalog', v.length ? v.join(',') : null),
  };
}

/** The whole answer with the table's first page; «Показать ещё» follows the cursor for more rows. */
function useSearchTime(state: DashboardState, params: Params) {
  const limit = state.extra('limit');
  const all: Params = {
    from: state.range.from,
    to: state.range.to,
    ...state.params(),
    ...(limit ? { limit } : {}),
    ...params,
    pageSize: PAGE,
  };
  return useInfiniteQuery({
    queryKey: ['dash', ENDPOINTS.searchTime, all],
    queryFn: ({ pageParam, signal }) =>
      apiGet<SearchTimeOut>(ENDPOINTS.searchTime, { ...all, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    retry: 1,
  });
}

/** The share of long queries: up to 1% is normal, up to 5% worth a look, more a reason to act. */
function shareColor(share: number | null): StatColor {
  if (share === null) return 'grey';
  return share <= 0.01 ? 'green' : share <= 0.05 ? 'yellow' : 'red';
}

export function SearchTimePage() {
  const state = useDashboardState(DEF);
  const f = useFilters(state);
  const q = useSearchTime(state, {
    threshold: f.threshold,
    status: f.status,
    catalog: f.catalog,
  });
  const first = q.data?.pages[0];
  const rows = q.data?.pages.flatMap((p) => p.rows) ?? [];
  const status = {
    loading: q.isLoading && !q.data,
    error: q.data ? null : q.error,
    onRetry: () => void q.refetch(),
  };
  const n = `${f.threshold}s`;

  const vars = (
    <>
      <MultiSelect
        label={tx('Статус поиска', 'Search status')}
        options={STATUSES.map((s) => ({ value: s, label: statusText(s) }))}
        value={f.status}
        onChange={f.setStatus}
      />
      <div className="variable">
        <label className="variable-label" htmlFor="search-time-threshold">
          {tx('Порог времени поиска', 'Search time threshold')}
        </label>
        <select
          id="search-time-threshold"
          className="variable-value"
          value={f.threshold}
          onChange={(e) => f.setThreshold(Number(e.target.value))}
        >
          {[...new Set([...THRESHOLDS, f.threshold])]
            .sort((x, y) => x - y)
            .map((v) => (
              <option key={v} value={v}>
                {v}s
              </option>
            ))}
        </select>
      </div>
      <MultiSelect
        label={tx('Каталог', 'Catalog')}
        options={(first?.catalogs ?? f.catalog).map((c) => ({ value: c, label: c }))}
        value={f.catalog}
        onChange={f.setCatalog}
      />
    </>
  );

  const counts = first?.counts;
  const share = counts && counts.all > 0 ? counts.over / counts.all : null;
  const partial = first && !first.analysed.complete;

  const rowColumns: Column<SearchTimeRow>[] = [
    {
      key: 'at',
      title: tx('Time', 'Time'),
      value: (r) => r.at,
      render: (r) => fmtDateTime(r.at, true),
      csv: (r) => fmtDateTime(r.at, true),
      filter: false,
      width: 150,
    },
    {
      key: 'duration',
      title: tx('Длительность', 'Duration'),
      value: (r) => r.durationMs,
      render: (r) => seconds(r.durationMs),
      csv: (r) => String(r.durationMs / 1000),
      numeric: true,
      color: (v) => (typeof v === 'number' && v >= 10_000 ? 'red' : 'yellow'),
      width: 110,
    },
    { key: 'catalog', title: tx('Каталог', 'Catalog'), value: (r) => r.catalog },
    {
      key: 'host',
      title: tx('Клиент', 'Client'),
      value: (r) => r.host,
      titleOf: (r) => r.client,
    },
    { key: 'login', title: tx('Логин', 'Login'), value: (r) => r.login },
    {
      key: 'query',
      title: tx('Запрос', 'Query'),
      value: (r) => r.query,
      className: 'cell-long',
      titleOf: (r) => r.query,
    },
    { key: 'status', title: tx('Статус', 'Status'), value: (r) => statusText(r.status), width: 80 },
  ];

  const userColumns: Column<SlowUser>[] = [
    {
      key: 'client',
      title: tx('Клиент', 'Client'),
      value: (r) => r.client,
      render: (r) => <ClientLink id={r.clientId} name={r.client} />,
    },
    { key: 'host', title: tx('Установка', 'Installation'), value: (r) => r.host },
    { key: 'login', title: tx('Логин', 'Login'), value: (r) => r.login },
    {
      key: 'slow',
      title: tx('Долгих запросов', 'Long queries'),
      value: (r) => r.slow,
      numeric: true,
      digits: 0,
    },
    {
      key: 'share',
      title: tx('Доля от всех долгих', 'Share of all long'),
      value: (r) => r.share * 100,
      render: (r) => fmtPct(r.share * 100),
      numeric: true,
    },
    {
      key: 'max',
      title: tx('Макс.', 'Max'),
      value: (r) => r.maxMs,
      render: (r) => seconds(r.maxMs),
      numeric: true,
    },
    {
      key: 'avg',
      title: tx('Средн.', 'Mean'),
      value: (r) => r.avgMs,
      render: (r) => seconds(r.avgMs),
      numeric: true,
    },
  ];

  const tr = first?.traits;
  const part = (k: number) => (tr && tr.slow.queries ? ` (${fmtPct((k / tr.slow.queries) * 100, 0)})` : '');
  const traitRows: { key: string; label: string; slow: string; all: string }[] = tr
    ? [
        {
          key: 'length',
          label: tx('Средняя длина, символов', 'Mean length, characters'),
          slow: fmtNum(tr.slow.avgLength),
          all: fmtNum(tr.all.avgLength),
        },
        {
          key: 'words',
          label: tx('Слов в среднем', 'Mean words'),
          slow: fmtNum(tr.slow.avgWords),
          all: fmtNum(tr.all.avgWords),
        },
        {
          key: 'separators',
          label: tx('Разделителей в среднем (. , : ; / - — _)', 'Mean separators (. , : ; / - — _)'),
          slow: fmtNum(tr.slow.avgSeparators),
          all: '—',
        },
        {
          key: 'longText',
          label: tx('Длинный текст (6 слов и больше)', 'Long text (6 words or more)'),
          slow: `${fmtNum(tr.slow.longText)}${part(tr.slow.longText)}`,
          all: '—',
        },
        {
          key: 'manySeparators',
          label: tx('Много разделителей (4 и больше)', 'Many separators (4 or more)'),
          slow: `${fmtNum(tr.slow.manySeparators)}${part(tr.slow.manySeparators)}`,
          all: '—',
        },
        {
          key: 'longDash',
          label: tx('Длинное тире вместо дефиса', 'Long dash instead of a hyphen'),
          slow: `${fmtNum(tr.slow.longDash)}${part(tr.slow.longDash)}`,
          all: '—',
        },
        {
          key: 'empty',
          label: tx('Пустой поиск', 'Empty search'),
          slow: `${fmtNum(tr.slow.empty)}${part(tr.slow.empty)}`,
          all: '—',
        },
      ]
    : [];

  return (
    <DashboardFrame state={state} fetching={q.isFetching} extraVars={vars}>
      <Panel
        id="ratio"
        title={tx('Долгие и быстрые запросы', 'Long and fast queries')}
        description={tx(
          'Сколько запросов дольше порога и сколько быстрее. Доля долгих до 1% — норма, до 5% — стоит посмотреть, больше — разбираться с пользователями и установкой.',
          'How many queries ran longer than the threshold and how many faster. Up to 1% long is normal, up to 5% worth a look, more calls for work with the users and the installation.',
        )}
        span="full"
        height="auto"
        status={{ ...status, empty: false, emptyText: '' }}
        note={
          partial && first
            ? tx(
                'Проанализированы запросы с {from}: в интервале больше запросов, чем SMART читает за раз. Выберите клиента или сократите интервал.',
                'Queries from {from} analysed: the range holds more than SMART reads at once. Choose a client or shorten the range.',
                { from: fmtDateTime(first.analysed.from) },
              )
            : undefined
        }
      >
        {counts && (
          <StatTiles
            label={tx('Долгие и быстрые запросы', 'Long and fast queries')}
            tiles={[
              { key: 'all', label: tx('Всего запросов', 'All queries'), value: fmtNum(counts.all) },
              {
                key: 'over',
                label: tx('Дольше {n}', 'Longer than {n}', { n }),
                value: fmtNum(counts.over),
                color: shareColor(share),
                sub: share === null ? undefined : fmtPct(share * 100, 2),
              },
              {
                key: 'under',
                label: tx('Не дольше {n}', 'Up to {n}', { n }),
                value: fmtNum(counts.under),
                color: 'green',
              },
              {
                key: 'ratio',
                label: tx('Быстрых на один долгий', 'Fast per long one'),
                value: counts.over > 0 ? fmtNum(counts.under / counts.over, 1) : '—',
                hint: tx(
                  'Отношение запросов не дольше порога к запросам дольше порога',
                  'Queries up to the threshold per query over it',
                ),
              },
            ]}
          />
        )}
      </Panel>
      <TimeSeriesPanel
        id="slow"
        title={tx('Поисковые запросы длительностью более {n}', 'Searches longer than {n}', { n })}
        description={tx(
          'Каждая точка — самый долгий запрос каталога установки в её интервале времени, в секундах (логарифмическая шкала). Легенда: минимум и максимум, по максимуму.',
          "Each point is the longest query of an installation's catalog in its time slot, in seconds (log scale). Legend: min and max, sorted by max.",
        )}
        data={first?.slow}
        loading={q.isLoading}
        error={q.error}
        onRetry={() => void q.refetch()}
        emptyText={tx('Нет запросов дольше {n} за интервал', 'No query longer than {n} in the range', { n })}
        legend={['min', 'max']}
        legendSort={{ col: 'max', dir: 'desc' }}
        draw="points"
        log
        logBase={2}
        decimals={1}
        span="full"
      />
      <TablePanel
        id="queries"
        title={tx('Запросы', 'Queries')}
        description={tx(
          'Запросы дольше порога, самые долгие сверху: какой именно запрос пользователя выполнялся так долго.',
          "Queries over the threshold, the longest first: which user's query took so long.",
        )}
        rows={rows}
        columns={rowColumns}
        rowKey={(r) => `${r.installationId}|${r.at}|${r.login}|${r.query}`}
        rowLink={(r) => `/clients/${r.clientId}`}
        pageSize={25}
        initialSort={{ key: 'duration', dir: 'desc' }}
        csvName="search-time.csv"
        span="full"
        emptyText={tx('Нет запросов дольше {n} за интервал', 'No query longer than {n} in the range', { n })}
        status={status}
        footer={
          q.data ? (
            <div className="load-more" data-loaded={rows.length}>
              <span aria-live="polite">
                {tx('Загружено {n} из {m}', '{n} of {m} loaded', {
                  n: fmtNum(rows.length),
                  m: fmtNum(counts?.over ?? rows.length),
                })}
              </span>
              {q.hasNextPage && (
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={q.isFetchingNextPage}
                  onClick={() => void q.fetchNextPage()}
                >
                  {q.isFetchingNextPage
                    ? tx('Загрузка…', 'Loading…')
                    : tx('Показать ещё {n}', 'Show {n} more', { n: PAGE })}
                </button>
              )}
            </div>
          ) : undefined
        }
      />
      <TablePanel
        id="users"
        title={tx('Кто чаще ждёт', 'Who waits most')}
        description={tx(
          'Пользователи с наибольшим числом запросов дольше порога: кого учить работе со строкой поиска (не вставлять длинные тексты, не заменять дефис тире).',
          'Users with the most queries over the threshold: whom to teach the search bar (no pasted long texts, no dash for a hyphen).',
        )}
        rows={first?.users ?? []}
        columns={userColumns}
        rowKey={(r) => `${r.installationId}|${r.login}`}
        rowLink={(r) => `/clients/${r.clientId}`}
        initialSort={{ key: 'slow', dir: 'desc' }}
        csvName="search-time-users.csv"
        span="half"
        emptyText={tx('Нет запросов дольше {n} за интервал', 'No query longer than {n} in the range', { n })}
        status={status}
      />
      <TablePanel
        id="traits"
        title={tx('Из чего состоят долгие запросы', 'What the long queries are made of')}
        description={tx(
          'Известные причины запросов дольше 10 с: длинный текст, много точек и разделителей, длинное тире вместо дефиса, пустой поиск — и лишь в последнюю очередь ресурсы сервера.',
          'Known causes of queries over 10 s: a long text, many dots and separators, a long dash for a hyphen, an empty search — and only last the server resources.',
        )}
        rows={traitRows}
        columns={[
          { key: 'label', title: tx('Признак', 'Trait'), value: (r) => r.label, filter: false },
          {
            key: 'slow',
            title: tx('Долгие запросы', 'Long queries'),
            value: (r) => r.slow,
            filter: false,
          },
          { key: 'all', title: tx('Все запросы', 'All queries'), value: (r) => r.all, filter: false },
        ]}
        rowKey={(r) => r.key}
        span="half"
        emptyText={tx('Нет запросов за интервал', 'No queries in the range')}
        status={status}
      />
    </DashboardFrame>
  );
}
