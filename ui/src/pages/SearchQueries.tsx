/**
 * «Поисковые запросы» (spec installations §3.8): searches and empty searches per day (with the share of
 * empty ones), the log «Поисковые запросы» and «Пустой поиск», both newest first and read a page at a
 * time through the endpoint's keyset cursor («Показать ещё» asks for the next, older page; nothing is
 * loaded beyond it). The spec's variables — ЮрЛицо (the client), Менеджер, Пользователь, Источник
 * запросов, Каталог, Статус поиска, ТипПоиска — and a query substring narrow the log on the server and
 * stay in the URL; a login in the table is a shortcut to «Пользователь».
 */
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import type { SearchQueriesOut, SearchRow } from '../../../src/dashboards/contract-search';
import { apiGet, ENDPOINTS, type Aligned, type Params } from '../api';
import { DashboardFrame } from '../components/DashboardFrame';
import { MultiSelect } from '../components/MultiSelect';
import { TablePanel, type CellColor, type Column } from '../components/TablePanel';
import { TextVariable } from '../components/TextVariable';
import { TimeSeriesPanel } from '../components/TimeSeriesPanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef, type DashboardState } from '../lib/dashboard';
import { fmtDateTime, fmtNum, fmtPct } from '../lib/format';
import { joinManagers, useListParam } from './analytics-common';
import { ClientLink } from './BillingStats';

export const DEF: DashboardDef = {
  id: 'search-queries',
  titleKey: 'dash.searchQueries',
  defaultFrom: 'now-30d',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client', 'host'],
};

/** Rows per page of the log (the endpoint's default). */
export const PAGE = 100;

export function statusText(s: string): string {
  switch (s) {
    case 'success':
      return tx('Успех', 'Success');
    case 'empty':
      return tx('Пустой', 'Empty');
    case 'error':
      return tx('Ошибка', 'Error');
    case 'unknown':
      return tx('Неизвестно', 'Unknown');
    default:
      return s;
  }
}

export function typeText(s: string): string {
  switch (s) {
    case 'intelligent':
      return tx('Интеллектуальный', 'Intelligent');
    case 'attribute':
      return tx('Атрибутный', 'Attribute');
    case 'other':
      return tx('Другой', 'Other');
    default:
      return s;
  }
}

/** «Пустой» on red as in the spec's screenshot; a search the engine failed on, yellow. */
export function statusColor(s: string): CellColor {
  if (s === 'empty') return 'red';
  if (s === 'error') return 'yellow';
  return null;
}

const STATUSES = ['success', 'empty', 'error', 'unknown'];
const TYPES = ['intelligent', 'attribute', 'other'];
const SOURCES = ['ksrv', 'kassist'];

/** The log's filters as the URL keeps them (`status=empty`, `user=ivanov,petrov`, `text=гост`). */
function useFilters(state: DashboardState) {
  const [status, setStatus] = useListParam(state, 'status');
  const [type, setType] = useListParam(state, 'type');
  const [source, setSource] = useListParam(state, 'source');
  const [catalog, setCatalog] = useListParam(state, 'catalog');
  const [user, setUser] = useListParam(state, 'user');
  const text = state.extra('text') ?? '';
  return {
    status,
    setStatus,
    type,
    setType,
    source,
    setSource,
    catalog,
    setCatalog,
    user,
    setUser,
    text,
    setText: (v: string) => state.setExtra('text', v || null),
  };
}

/** One log (newest first), a page per request; `fetchNextPage` follows the previous page's cursor. */
function useSearchLog(state: DashboardState, params: Params) {
  const all: Params = {
    from: state.range.from,
    to: state.range.to,
    ...state.params(),
    ...params,
    limit: PAGE,
  };
  return useInfiniteQuery({
    queryKey: ['dash', ENDPOINTS.searchQueries, all],
    queryFn: ({ pageParam, signal }) =>
      apiGet<SearchQueriesOut>(ENDPOINTS.searchQueries, { ...all, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    retry: 1,
  });
}

type Log = ReturnType<typeof useSearchLog>;

function LoadMore({ log, rows }: { log: Log; rows: number }) {
  if (!log.data) return null;
  return (
    <div className="load-more" data-loaded={rows}>
      <span aria-live="polite">
        {log.hasNextPage
          ? tx('Загружено строк: {n} (новые сверху)', '{n} rows loaded (newest first)', { n: fmtNum(rows) })
          : tx('Загружено строк: {n} — это все за интервал', '{n} rows loaded: all of the range', {
              n: fmtNum(rows),
            })}
      </span>
      {log.hasNextPage && (
        <button
          type="button"
          className="btn btn-small"
          disabled={log.isFetchingNextPage}
          onClick={() => void log.fetchNextPage()}
        >
          {log.isFetchingNextPage
            ? tx('Загрузка…', 'Loading…')
            : tx('Показать ещё {n}', 'Show {n} more', { n: PAGE })}
        </button>
      )}
    </div>
  );
}

function logStatus(log: Log) {
  return {
    loading: log.isLoading && !log.data,
    error: log.data ? null : log.error,
    onRetry: () => void log.refetch(),
  };
}

export function SearchQueriesPage() {
  const state = useDashboardState(DEF);
  const f = useFilters(state);
  const filters: Params = {
    type: f.type,
    source: f.source,
    catalog: f.catalog,
    user: f.user,
    text: f.text || undefined,
  };
  const log = useSearchLog(state, { ...filters, status: f.status });
  const empty = useSearchLog(state, { ...filters, status: 'empty' });
  const rows = log.data?.pages.flatMap((p) => p.rows) ?? [];
  const emptyRows = empty.data?.pages.flatMap((p) => p.rows) ?? [];

  const perDayRaw = log.data?.pages[0]?.perDay;
  const perDay: Aligned | undefined = perDayRaw && {
    ...perDayRaw,
    series: perDayRaw.series.map((s) => ({
      ...s,
      label: s.key === 'empty' ? tx('Пустой поиск', 'Empty searches') : tx('Все поиски', 'All searches'),
    })),
  };
  const sum = (key: string) =>
    (perDayRaw?.series.find((s) => s.key === key)?.values ?? []).reduce<number>((a, v) => a + (v ?? 0), 0);
  const totalSearches = sum('searches');
  const emptyShare = totalSearches > 0 ? (sum('empty') / totalSearches) * 100 : null;

  const userCell = (r: SearchRow) => (
    <button
      type="button"
      className="link-button"
      tabIndex={-1}
      title={tx('Только запросы этого пользователя', 'Only this user\u2019s searches')}
      onClick={() => f.setUser([r.login])}
    >
      {r.login}
    </button>
  );

  const time: Column<SearchRow> = {
    key: 'at',
    title: tx('Время', 'Time'),
    value: (r) => r.at,
    render: (r) => fmtDateTime(r.at),
    csv: (r) => fmtDateTime(r.at, true),
    filter: false,
  };
  const statusCol: Column<SearchRow> = {
    key: 'status',
    title: tx('Статус', 'Status'),
    value: (r) => statusText(r.status),
    color: (_v, r) => statusColor(r.status),
  };

  const columns: Column<SearchRow>[] = [
    time,
    {
      key: 'clientname',
      title: tx('ЮрЛицо', 'Legal entity'),
      value: (r) => r.clientname,
      className: 'cell-long',
    },
    { key: 'login', title: tx('Пользователь', 'User'), value: (r) => r.login, render: userCell },
    { key: 'query', title: tx('Запрос', 'Query'), value: (r) => r.query, className: 'cell-long' },
    { key: 'catalog', title: tx('Каталог', 'Catalog'), value: (r) => r.catalog },
    { key: 'type', title: tx('Тип поиска', 'Search type'), value: (r) => typeText(r.type) },
    { key: 'source', title: 'ПК\\КА', value: (r) => r.source },
    statusCol,
    {
      key: 'client',
      title: tx('Клиент', 'Client'),
      value: (r) => r.client,
      render: (r) => <ClientLink id={r.clientId} name={r.client} />,
    },
    { key: 'host', title: 'host', value: (r) => r.host },
  ];

  const emptyColumns: Column<SearchRow>[] = [
    { ...time, title: 'Time' },
    { key: 'host', title: 'host', value: (r) => r.host },
    { key: 'manager', title: 'manager', value: (r) => joinManagers(r.managers) },
    { key: 'login', title: tx('Пользователь', 'User'), value: (r) => r.login, render: userCell },
    statusCol,
    { key: 'query', title: tx('Запрос', 'Query'), value: (r) => r.query, className: 'cell-long' },
    { key: 'type', title: 'searchtype', value: (r) => typeText(r.type) },
  ];

  const rowKey = (r: SearchRow) => `${r.at}|${r.installationId}|${r.login}|${r.query}`;

  const extraVars = (
    <>
      <TextVariable
        label={tx('Пользователь', 'User')}
        value={f.user.join(', ')}
        onChange={(v) =>
          f.setUser(
            v
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean),
          )
        }
        placeholder={tx('логин, логин…', 'login, login…')}
        title={tx('Логины через запятую (точное совпадение)', 'Logins, comma-separated (exact)')}
      />
      <MultiSelect
        label={tx('Источник запросов', 'Source')}
        title={tx('ksrv — запросы из самого ПК, kassist — из kAssist', 'ksrv: the server itself; kassist')}
        options={SOURCES.map((s) => ({ value: s, label: s }))}
        value={f.source}
        onChange={f.setSource}
      />
      <TextVariable
        label={tx('Каталог', 'Catalog')}
        value={f.catalog.join(', ')}
        onChange={(v) =>
          f.setCatalog(
            v
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean),
          )
        }
        placeholder="/docs"
        title={tx('Каталоги через запятую, например /docs', 'Catalogs, comma-separated, e.g. /docs')}
      />
      <MultiSelect
        label={tx('Статус поиска', 'Search status')}
        options={STATUSES.map((s) => ({ value: s, label: statusText(s) }))}
        value={f.status}
        onChange={f.setStatus}
      />
      <MultiSelect
        label={tx('ТипПоиска', 'Search type')}
        options={TYPES.map((s) => ({ value: s, label: typeText(s) }))}
        value={f.type}
        onChange={f.setType}
      />
      <TextVariable
        label={tx('Запрос', 'Query')}
        value={f.text}
        onChange={f.setText}
        placeholder={tx('текст запроса…', 'query text…')}
        title={tx(
          'Запросы, содержащие этот текст (с учётом регистра)',
          'Queries containing this text (case-sensitive)',
        )}
      />
    </>
  );

  return (
    <DashboardFrame state={state} fetching={log.isFetching || empty.isFetching} extraVars={extraVars}>
      <TimeSeriesPanel
        id="perDay"
        title={tx('Поисковые запросы и пустые поиски по дням', 'Searches and empty searches per day')}
        description={tx(
          'Все поиски и пустые поиски (ничего не найдено) за каждые сутки по выбранным установкам. Много пустых — плохо подобран комплект или пользователей не обучили. Фильтры журнала (статус, тип, пользователь…) к графику не применяются.',
          'All searches and empty ones per day over the chosen installations. Many empty searches: a poorly chosen kit or untrained users. The log filters do not apply to this chart.',
        )}
        data={perDay}
        loading={log.isLoading}
        error={log.error}
        onRetry={() => void log.refetch()}
        emptyText={tx('За выбранный интервал поисков нет', 'No searches in the range')}
        legend={['sum', 'max', 'mean']}
        draw="bars"
        decimals={0}
        colorOf={(key) => (key === 'empty' ? '#f2495c' : '#5794f2')}
        note={emptyShare === null ? undefined : tx('пустых: {p}', 'empty: {p}', { p: fmtPct(emptyShare) })}
        span="full"
        height={300}
      />
      <TablePanel
        id="log"
        title={tx('Поисковые запросы', 'Search queries')}
        description={tx(
          'Все поисковые запросы пользователей — успешные и неуспешные, новые сверху. Строки загружаются порциями по {n}: «Показать ещё» добавляет следующие (более старые). Щелчок по логину оставляет запросы только этого пользователя.',
          'Every search, successful or not, newest first, {n} rows at a time: «Show more» adds the next (older) ones. A click on a login keeps only that user\u2019s searches.',
          { n: PAGE },
        )}
        rows={rows}
        columns={columns}
        rowKey={rowKey}
        rowLink={(r) => `/clients/${r.clientId}`}
        pageSize={100_000}
        height={560}
        csvName="search-queries.csv"
        emptyText={tx('Нет запросов под выбранные фильтры', 'No searches match the filters')}
        status={logStatus(log)}
        footer={<LoadMore log={log} rows={rows.length} />}
      />
      <TablePanel
        id="empty"
        title={tx('Пустой поиск', 'Empty search')}
        description={tx(
          'Поиски, которые ничего не нашли (алерт KodeksSearchIsEmpty): какие документы ищут, а в комплекте их нет — аргумент при пролонгации и повод для обучения.',
          'Searches that found nothing (KodeksSearchIsEmpty): documents people look for that the kit lacks — an argument at prolongation and a reason to train.',
        )}
        rows={emptyRows}
        columns={emptyColumns}
        rowKey={rowKey}
        rowLink={(r) => `/clients/${r.clientId}`}
        pageSize={100_000}
        height={480}
        csvName="empty-searches.csv"
        emptyText={tx('Пустых поисков нет', 'No empty searches')}
        status={logStatus(empty)}
        footer={<LoadMore log={empty} rows={emptyRows.length} />}
      />
    </DashboardFrame>
  );
}
