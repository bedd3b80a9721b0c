/**
 * «kAssist. Аналитика» (spec dashboards-installations §3.12): how many links kAssist processed per day
 * and installation — four daily bar charts on a log2 axis (legend Name / Max / Last) — and per client
 * over the range (two tables, Клиент / Сумма, the largest first). A note says where the statistics
 * start: the sysinfo carries them only since May 2024, and an installation has none before its first
 * report with kAssist, so an empty stretch before that is "no data", not "no use".
 */
import type {
  KassistClientSum,
  KassistOut,
  KassistPanel,
  KassistTable,
} from '../../../src/dashboards/contract-kassist';
import { ENDPOINTS } from '../api';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { TablePanel, type Column } from '../components/TablePanel';
import { TimeSeriesPanel } from '../components/TimeSeriesPanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtNum } from '../lib/format';
import { TextPanel } from './analytics-common';
import { ClientLink } from './BillingStats';

export const DEF: DashboardDef = {
  id: 'kassist-analytics',
  titleKey: 'dash.kassistAnalytics',
  defaultFrom: 'now-30d',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client'],
};

/** The spec's titles, verbatim, and what each bar counts. */
const PANELS: { id: KassistPanel; title: string; titleEn: string; en: string; ru: string }[] = [
  {
    id: 'uniqueAdded',
    title: 'Количество уникальных ссылок при добавлении за сутки',
    titleEn: 'Unique links when added, per day',
    ru: 'Сколько разных ссылок добавил kAssist за сутки, по установкам.',
    en: 'Distinct links kAssist added per day, per installation.',
  },
  {
    id: 'noMatch',
    title: 'Количество ссылок по которым не было найдено совпадений за сутки',
    titleEn: 'Links with no matches found, per day',
    ru: 'Ссылки, для которых kAssist не нашёл совпадений в базе, за сутки.',
    en: 'Links kAssist found no match for, per day.',
  },
  {
    id: 'added',
    title: 'Количество всех ссылок добавленных за сутки',
    titleEn: 'All links added, per day',
    ru: 'Все ссылки, добавленные kAssist за сутки (с повторами).',
    en: 'All links kAssist added per day (repeats included).',
  },
  {
    id: 'activeVerified',
    title: 'Количество проверенных активных ссылок за сутки',
    titleEn: 'Verified active links, per day',
    ru: 'Ссылки, которые kAssist проверил и признал действующими, за сутки.',
    en: 'Links kAssist verified as active, per day.',
  },
];

const TABLES: { id: KassistTable; title: string; titleEn: string }[] = [
  {
    id: 'uniqueAdded',
    title: 'Количество уникальных ссылок при добавлении за интервал',
    titleEn: 'Unique links when added, over the range',
  },
  {
    id: 'activeVerified',
    title: 'Кол-во проверенных активных ссылок за интервал',
    titleEn: 'Verified active links, over the range',
  },
];

/** `YYYY-MM-DD` → `DD.MM.YYYY`. */
const day = (d: string) => `${d.slice(8, 10)}.${d.slice(5, 7)}.${d.slice(0, 4)}`;

export function KassistAnalyticsPage() {
  const state = useDashboardState(DEF);
  const q = useDashQuery<KassistOut>(state, ENDPOINTS.kassistAnalytics);
  const cov = q.data?.coverage;
  const columns: Column<KassistClientSum>[] = [
    {
      key: 'client',
      title: tx('Клиент', 'Client'),
      value: (r) => r.client,
      render: (r) => <ClientLink id={r.clientId} name={r.client} />,
    },
    { key: 'sum', title: tx('Сумма', 'Total'), value: (r) => r.sum, numeric: true, digits: 0 },
  ];
  const empty = tx(
    'Нет статистики kAssist за интервал: у выбранных установок нет kAssist или отчёты с ней ещё не приходили',
    'No kAssist statistics in the range: the installations have no kAssist, or no report with it yet',
  );

  return (
    <DashboardFrame state={state} fetching={q.isFetching}>
      <TextPanel id="coverage" title={tx('Откуда данные', 'Where the data come from')}>
        <p>
          {tx(
            'Статистику ссылок kAssist ПК передаёт в отчётах sysinfo только с мая 2024 года; у установки её нет до первого отчёта с kAssist. Пустые дни до этого — отсутствие данных, а не работы.',
            'The ПК reports kAssist link statistics in its sysinfo only since May 2024, and an installation has none before its first report with kAssist: empty days before that mean no data, not no use.',
          )}
        </p>
        {cov && (
          <p data-coverage={cov.firstDay ?? ''}>
            {cov.firstDay && cov.lastDay
              ? tx(
                  'Данные есть с {first} по {last}. За интервал: установок со статистикой — {n}, без неё — {m}.',
                  'Data from {first} to {last}. In the range: {n} installations with statistics, {m} without.',
                  { first: day(cov.firstDay), last: day(cov.lastDay), n: cov.installations, m: cov.without },
                )
              : tx(
                  'У выбранных установок статистики kAssist нет ни за один день.',
                  'The chosen installations have no kAssist statistics for any day.',
                )}
            {cov.firstDay && Date.parse(`${cov.firstDay}T00:00:00+03:00`) > state.range.from && (
              <strong>
                {' '}
                {tx(
                  'Интервал начинается раньше первых данных ({first}): дни до этой даты пусты.',
                  'The range starts before the first data ({first}): the days before it are empty.',
                  { first: day(cov.firstDay) },
                )}
              </strong>
            )}
            {cov.startingInRange > 0 &&
              ` ${tx(
                'У {n} установок данные начинаются внутри интервала.',
                'For {n} installations the data start within the range.',
                { n: cov.startingInRange },
              )}`}
          </p>
        )}
      </TextPanel>
      {PANELS.map((p) => (
        <TimeSeriesPanel
          key={p.id}
          id={p.id}
          title={tx(p.title, p.titleEn)}
          description={tx(
            '{what} Логарифмическая шкала (log2). Легенда: максимум за интервал и последнее значение.',
            '{what} Logarithmic scale (log2). Legend: the range maximum and the last value.',
            { what: tx(p.ru, p.en) },
          )}
          data={q.data?.panels[p.id]}
          loading={q.isLoading}
          error={q.error}
          onRetry={() => void q.refetch()}
          emptyText={empty}
          legend={['max', 'last']}
          legendSort={{ col: 'max', dir: 'desc' }}
          draw="bars"
          log
          logBase={2}
          dropZeros
          decimals={0}
          span="half"
        />
      ))}
      {TABLES.map((t) => {
        const rows = q.data?.tables[t.id] ?? [];
        return (
          <TablePanel
            key={t.id}
            id={`table-${t.id}`}
            title={tx(t.title, t.titleEn)}
            description={tx(
              'Сумма за выбранный интервал по установкам клиента; больше — выше.',
              "The sum over the range across the client's installations; the largest first.",
            )}
            rows={rows}
            columns={columns}
            rowKey={(r) => r.clientId}
            rowLink={(r) => `/clients/${r.clientId}`}
            pageSize={15}
            initialSort={{ key: 'sum', dir: 'desc' }}
            csvName={`kassist-${t.id}.csv`}
            span="half"
            emptyText={empty}
            note={
              rows.length
                ? tx('Клиентов: {n}, всего {sum}', '{n} clients, {sum} in total', {
                    n: rows.length,
                    sum: fmtNum(rows.reduce((x, r) => x + r.sum, 0)),
                  })
                : undefined
            }
            status={{
              loading: q.isLoading && !q.data,
              error: q.data ? null : q.error,
              onRetry: () => void q.refetch(),
            }}
          />
        );
      })}
    </DashboardFrame>
  );
}
