/**
 * «Поисковые запросы. Онлайн.» (spec online-managers §4.3): the online accesses' search log (Время,
 * Пользователь, Запрос, Каталог, Тип поиска, Клиент, Менеджер, Успех — green «успех», red «пустой»),
 * newest first, 19 rows a page, more loaded from the server on demand (keyset cursor), and the empty
 * searches per day. Variables as the spec lists them: ЮрЛицо, Менеджер, Пользователь, Источник
 * запросов (the DC server), Каталог, Статус поиска, ТипПоиска. Default range a week (the log arrives
 * nightly).
 */
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { apiGet, ENDPOINTS, type Params } from '../api';
import type { OnlineSearchOut, OnlineSearchRow } from '../../../src/dashboards/contract-online-search';
import { DashboardFrame, useVariables } from '../components/DashboardFrame';
import { MultiSelect, type Option } from '../components/MultiSelect';
import { TablePanel, type Column } from '../components/TablePanel';
import { TimeSeriesPanel } from '../components/TimeSeriesPanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtDateTime } from '../lib/format';
import { ClientLink } from './BillingStats';
import { useListParam } from './BillingAnalytics';

export const ONLINE_SEARCH: DashboardDef = {
  id: 'online-search-queries',
  titleKey: 'dash.onlineSearch',
  defaultFrom: 'now-7d',
  defaultRefresh: '1h',
  // ЮрЛицо and Менеджер are drawn by the page, in the spec's order and words.
  variables: ['unit'],
};

/** Rows a server page brings; the table shows 19 of them at a time, as the existing service. */
const SERVER_PAGE = 100;
const TABLE_PAGE = 19;

const opts = (values: readonly string[]): Option[] => values.map((v) => ({ value: v, label: v }));

export function statusText(status: string): string {
  if (status === 'success') return tx('успех', 'success');
  if (status === 'empty') return tx('пустой', 'empty');
  return status;
}

export function OnlineSearchPage() {
  const state = useDashboardState(ONLINE_SEARCH);
  const { vars } = state;
  const [users, setUsers] = useListParam(state, 'user');
  const [sources, setSources] = useListParam(state, 'source');
  const [catalogs, setCatalogs] = useListParam(state, 'catalog');
  const [statuses, setStatuses] = useListParam(state, 'status');
  const [types, setTypes] = useListParam(state, 'type');

  const params: Params = {
    from: state.range.from,
    to: state.range.to,
    unitId: vars.unit,
    managerId: vars.manager,
    clientId: vars.client,
    user: users,
    server: sources,
    catalog: catalogs,
    status: statuses,
    type: types,
    limit: SERVER_PAGE,
  };
  const q = useInfiniteQuery({
    queryKey: ['dash', ENDPOINTS.onlineSearch, params],
    queryFn: ({ pageParam, signal }) =>
      apiGet<OnlineSearchOut>(ENDPOINTS.onlineSearch, { ...params, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    retry: 1,
  });
  const first = q.data?.pages[0];
  const rows = useMemo(() => q.data?.pages.flatMap((p) => p.rows) ?? [], [q.data]);

  // ЮрЛицо narrowed by the unit and manager chosen; Менеджер by the unit (the variables' chain).
  const unitOnly: Params = vars.unit.length ? { unitId: vars.unit } : {};
  const forManagers = useVariables(unitOnly);
  const forClients = useVariables(vars.manager.length ? { ...unitOnly, managerId: vars.manager } : unitOnly);
  const managerOptions = (forManagers.data?.managers ?? []).map((m) => ({
    value: String(m.id),
    label: m.name,
  }));
  const clientOptions = (forClients.data?.clients ?? []).map((c) => ({
    value: String(c.id),
    label: c.shortName,
    hint: c.name ?? undefined,
  }));
  const o = first?.options;
  const statusOptions: Option[] = [
    { value: 'success', label: tx('Успех', 'Success') },
    { value: 'empty', label: tx('Пустой', 'Empty') },
  ];

  const columns: Column<OnlineSearchRow>[] = [
    {
      key: 'at',
      title: tx('Время', 'Time'),
      value: (r) => r.at,
      render: (r) => fmtDateTime(r.at, true),
      csv: (r) => fmtDateTime(r.at, true),
      filter: false,
      width: 150,
    },
    { key: 'user', title: tx('Пользователь', 'User'), value: (r) => r.user, filter: false },
    {
      key: 'query',
      title: tx('Запрос', 'Query'),
      value: (r) => r.query,
      className: 'cell-long',
      titleOf: (r) => r.query,
      filter: false,
    },
    {
      key: 'catalog',
      title: tx('Каталог', 'Catalog'),
      value: (r) => r.catalog,
      titleOf: (r) => `${r.host}/${r.catalog}`,
      filter: false,
    },
    { key: 'type', title: tx('Тип поиска', 'Search type'), value: (r) => r.type, filter: false },
    {
      key: 'client',
      title: tx('Клиент', 'Client'),
      value: (r) => r.client,
      render: (r) => <ClientLink id={r.clientId} name={r.client} />,
      filter: false,
    },
    {
      key: 'manager',
      title: tx('Менеджер', 'Manager'),
      value: (r) => r.managers.join(', '),
      filter: false,
    },
    {
      key: 'status',
      title: tx('Успех', 'Success'),
      value: (r) => statusText(r.status),
      color: (_v, r) => (r.status === 'success' ? 'green' : r.status === 'empty' ? 'red' : null),
      filter: false,
      width: 90,
    },
  ];

  const emptyText = tx(
    'Нет поисковых запросов онлайн-доступов за выбранный период (журнал поступает раз в сутки, ночью)',
    'No online searches in the selected range (the log arrives once a day, at night)',
  );
  const loaded = rows.length;
  const more = q.hasNextPage;

  return (
    <DashboardFrame
      state={state}
      fetching={q.isFetching}
      extraVars={
        <>
          <MultiSelect
            label={tx('ЮрЛицо', 'Legal entity')}
            options={clientOptions}
            value={vars.client}
            loading={forClients.isLoading}
            onChange={(v) => state.setVar('client', v)}
          />
          <MultiSelect
            label={tx('Менеджер', 'Manager')}
            options={managerOptions}
            value={vars.manager}
            loading={forManagers.isLoading}
            onChange={(v) => state.setVar('manager', v)}
          />
          <MultiSelect
            label={tx('Пользователь', 'User')}
            options={opts(o?.users ?? users)}
            value={users}
            onChange={setUsers}
          />
          <MultiSelect
            label={tx('Источник запросов', 'Query source')}
            title={tx('Сервер ДЦ онлайн-доступа', 'The online access’s DC server')}
            options={opts(o?.servers ?? sources)}
            value={sources}
            onChange={setSources}
          />
          <MultiSelect
            label={tx('Каталог', 'Catalog')}
            options={opts(o?.catalogs ?? catalogs)}
            value={catalogs}
            onChange={setCatalogs}
          />
          <MultiSelect
            label={tx('Статус поиска', 'Search status')}
            options={statusOptions}
            value={statuses}
            onChange={setStatuses}
          />
          <MultiSelect
            label={tx('ТипПоиска', 'Search type')}
            options={opts(o?.types ?? types)}
            value={types}
            onChange={setTypes}
          />
        </>
      }
    >
      <TablePanel
        // Another filter or range is another log: back to its first page.
        key={JSON.stringify([
          state.raw,
          vars.unit,
          vars.manager,
          vars.client,
          users,
          sources,
          catalogs,
          statuses,
          types,
        ])}
        id="queries"
        title={tx('Поисковые запросы', 'Search queries')}
        description={tx(
          'Все поисковые запросы пользователей онлайн-доступов, новые сверху. «пустой» — поисковая система ничего не нашла, «успех» — что-то нашла. Журнал СМАРТ получает от ДЦ раз в сутки, ночью. Пустые запросы клиента за период — инфоповод для продажи или замены комплектов (ЮрЛицо + Статус поиска = Пустой); успешные — оценка качества внедрённых комплектов; фильтр по менеджерам — контроль их работы.',
          'Every search of the online accesses’ users, newest first. «empty»: the search engine found nothing; «success»: it found something. SMART gets the log from the DC once a day, at night. A client’s empty searches are a reason to offer or replace kits (Legal entity + Search status = Empty); successful ones show how well the kits serve; the Manager filter compares managers.',
        )}
        rows={rows}
        columns={columns}
        rowKey={(r) => r.id}
        rowLink={(r) => `/clients/${r.clientId}`}
        pageSize={TABLE_PAGE}
        csvName="online-search-queries.csv"
        emptyText={emptyText}
        note={
          loaded > 0
            ? more
              ? tx('Загружено {n} последних запросов', 'The latest {n} searches loaded', { n: loaded })
              : tx('Все запросы периода: {n}', 'Every search of the range: {n}', { n: loaded })
            : undefined
        }
        tools={
          more ? (
            <button
              type="button"
              className="btn btn-small"
              disabled={q.isFetchingNextPage}
              onClick={() => void q.fetchNextPage()}
            >
              {tx('Загрузить ещё {n}', 'Load {n} more', { n: SERVER_PAGE })}
            </button>
          ) : null
        }
        status={{
          loading: q.isLoading && !q.data,
          error: q.data ? null : q.error,
          onRetry: () => void q.refetch(),
        }}
      />
      <TimeSeriesPanel
        id="emptyPerDay"
        title={tx('Пустые поиски по дням', 'Empty searches per day')}
        description={tx(
          'Сколько поисков за день ничего не нашли («Пустой поиск»), на фоне всех поисков дня. Учитывает все фильтры, кроме статуса поиска. День — местный день онлайн-доступа; последний день появляется после ночной загрузки журнала.',
          'How many searches of each day found nothing (Empty), against all searches of the day. Every filter applies except the search status. A day is the access’s local day; the last day appears after the nightly load of the log.',
        )}
        data={
          first?.perDay
            ? {
                ...first.perDay,
                series: first.perDay.series.map((s) => ({
                  ...s,
                  label:
                    s.key === 'empty' ? tx('Пустой поиск', 'Empty search') : tx('Все поиски', 'All searches'),
                })),
              }
            : undefined
        }
        loading={q.isLoading}
        error={q.error}
        onRetry={() => void q.refetch()}
        emptyText={emptyText}
        legend={['mean', 'max', 'last']}
        legendSort={{ col: 'max', dir: 'asc' }}
        draw="bars"
        decimals={0}
        yMin={0}
        colorOf={(key) => (key === 'empty' ? '#f2495c' : '#8ab8ff')}
        span="full"
        height={280}
      />
    </DashboardFrame>
  );
}
