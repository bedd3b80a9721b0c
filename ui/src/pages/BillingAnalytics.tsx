/**
 * «Биллинг Онлайн. Аналитика» (spec online-managers §4.2): the average % of the document limit used per
 * manager and over all clients (sawtooth curves that reset on the 1st), the clients under monitoring,
 * and the month figures (each month's top of the tooth). Two modes, as the spec has them: with Клиент =
 * «Все», the 15% norm line (red below, green above); with one or more clients (or logins) chosen, the
 * engagement bands red < 15, green 15–75, amber 75–90, red ≥ 90. Default range 6 months.
 */
import { useMemo } from 'react';
import type { Option } from '../components/MultiSelect';
import { MultiSelect } from '../components/MultiSelect';
import { ENDPOINTS } from '../api';
import type { BillingAnalyticsOut, MonthRow } from '../../../src/dashboards/contract-billing-analytics';
import { DashboardFrame, useDashQuery, useVariables } from '../components/DashboardFrame';
import { TablePanel, type CellColor, type Column } from '../components/TablePanel';
import { TimeSeriesPanel, type Band, type ThresholdLine } from '../components/TimeSeriesPanel';
import { locale, tx } from '../i18n';
import { useDashboardState, type DashboardDef, type DashboardState } from '../lib/dashboard';

export const BILLING_ANALYTICS: DashboardDef = {
  id: 'billing-analytics',
  titleKey: 'dash.billingAnalytics',
  defaultFrom: 'now-6M',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client'],
};

/** The Стандарт сопровождения norm, and the client mode's band edges (spec §4.2.1). */
const NORM = 15;
const HIGH = 75;
const SHARED = 90;

type Mode = BillingAnalyticsOut['mode'];

export function bandsOf(mode: Mode): Band[] {
  if (mode === 'all')
    return [
      { to: NORM, color: 'red' },
      { from: NORM, color: 'green' },
    ];
  return [
    { to: NORM, color: 'red' },
    { from: NORM, to: HIGH, color: 'green' },
    { from: HIGH, to: SHARED, color: 'yellow' },
    { from: SHARED, color: 'red' },
  ];
}

/** The colour of a % in the mode's bands (lower bounds inclusive). */
export function pctColor(mode: Mode, v: number | string | null): CellColor {
  if (typeof v !== 'number') return null;
  if (v < NORM) return 'red';
  if (mode === 'all' || v < HIGH) return 'green';
  return v < SHARED ? 'yellow' : 'red';
}

/** A list kept in one URL parameter, comma-separated (`login=12,15`). */
export function useListParam(state: DashboardState, name: string): [string[], (v: string[]) => void] {
  const raw = state.extra(name);
  const values = useMemo(() => (raw ? raw.split(',').filter(Boolean) : []), [raw]);
  return [values, (v) => state.setExtra(name, v.length ? v.join(',') : null)];
}

function monthTitle(month: string): string {
  const d = new Date(`${month}-01T00:00:00Z`);
  return d.toLocaleDateString(locale(), { month: 'short', year: 'numeric', timeZone: 'UTC' });
}

export function BillingAnalyticsPage() {
  const state = useDashboardState(BILLING_ANALYTICS);
  const [logins, setLogins] = useListParam(state, 'login');
  const q = useDashQuery<BillingAnalyticsOut>(state, ENDPOINTS.billingAnalytics, {
    onlineAccessId: logins,
  });
  // «Логин»: the accesses of the clients (and managers) chosen above it.
  const vars = useVariables({
    unitId: state.vars.unit,
    managerId: state.vars.manager,
    clientId: state.vars.client,
  });
  const loginOptions: Option[] = useMemo(() => {
    const v = vars.data;
    if (!v) return [];
    const clientName = new Map(v.clients.map((c) => [c.id, c.shortName]));
    return v.onlineAccesses.map((a) => ({
      value: String(a.id),
      label: a.login,
      hint: clientName.get(a.clientId) ?? `${a.host}/${a.catalog}`,
    }));
  }, [vars.data]);

  const mode: Mode = q.data?.mode ?? (state.vars.client.length || logins.length ? 'clients' : 'all');
  const bands = bandsOf(mode);
  // The norm line; in the client mode also the band edges, which keep the whole 0–100% in view.
  const lines: ThresholdLine[] = [
    { value: NORM, color: 'green', label: tx('Норма 15%', 'Norm 15%') },
    ...(mode === 'clients'
      ? [
          { value: HIGH, color: 'yellow' as const, label: '75%' },
          { value: SHARED, color: 'red' as const, label: '90%' },
        ]
      : []),
  ];
  const common = { loading: q.isLoading, error: q.error, onRetry: () => void q.refetch() };
  const emptyText = tx(
    'Нет показаний онлайн-доступов за выбранный период',
    'No online access readings in the selected range',
  );
  const modeNote =
    mode === 'all'
      ? tx('Все клиенты: норма 15%', 'All clients: the 15% norm')
      : tx('Выбранные клиенты: пороги 15 / 75 / 90%', 'Chosen clients: thresholds 15 / 75 / 90%');

  const data = q.data;
  const relabel = <T extends { series: { key: string; label: string }[] }>(
    d: T | undefined,
    labels: Record<string, string>,
  ): T | undefined => d && { ...d, series: d.series.map((s) => ({ ...s, label: labels[s.key] ?? s.label })) };

  const months = data?.months ?? [];
  const monthColumns: Column<MonthRow>[] = [
    {
      key: 'label',
      title: tx('Менеджер', 'Manager'),
      value: (r) => (r.key === 'all' ? tx('Все клиенты', 'All clients') : r.label),
      className: 'cell-wrap',
    },
    ...months.map((m, i): Column<MonthRow> => ({
      key: m,
      title: monthTitle(m),
      value: (r) => r.values[i] ?? null,
      numeric: true,
      digits: 1,
      color: (v) => pctColor(mode, v),
      titleOf: (r) => tx('Доступов в расчёте: {n}', 'Accesses averaged: {n}', { n: r.accesses[i] ?? 0 }),
      filter: false,
    })),
  ];

  return (
    <DashboardFrame
      state={state}
      fetching={q.isFetching}
      extraVars={
        <MultiSelect
          label={tx('Логин', 'Login')}
          options={loginOptions}
          value={logins}
          loading={vars.isLoading}
          onChange={setLogins}
        />
      }
    >
      <TimeSeriesPanel
        {...common}
        id="byManager"
        title={tx(
          'Средний процент использования лимита документов по всем клиентам менеджера',
          'Average % of the document limit used, per manager',
        )}
        description={tx(
          'Для каждого менеджера — среднее по онлайн-доступам его клиентов значение «% исп. док» (доля месячного лимита документов, израсходованная с 1-го числа). Кривая растёт в течение месяца и сбрасывается 1-го числа. Клиент = «Все»: перейти 15% в течение месяца — норма Стандарта сопровождения, косвенно говорит о хорошей результативности менеджера (ниже — красная зона). Выбраны клиенты: < 15% — низкая вовлечённость, нужна работа с пользователем; 15–75% — хорошая; 75–90% — высокая, возможно, доступом пользуются несколько человек: проверить и предложить дополнительные доступы; ≥ 90% — тем более. На коротких периодах точка в час, от 10 дней — точка в день (наибольший процент дня).',
          'For each manager, the mean over his clients’ online accesses of the % of the monthly document limit used since the 1st. It grows through the month and resets on the 1st. Client = All: passing 15% within the month is the support standard’s norm, an indirect sign of the manager’s good work (below: red). Clients chosen: < 15% low engagement, work with the user; 15–75% good; 75–90% high, perhaps several people share the access: check and offer more accesses; ≥ 90% all the more. Hourly points on short ranges, a point per day (its highest %) from 10 days on.',
        )}
        data={data?.byManager}
        emptyText={emptyText}
        legend={['last', 'max']}
        legendSort={{ col: 'last', dir: 'asc' }}
        unit="%"
        decimals={1}
        yMin={0}
        yMax={mode === 'clients' ? 100 : undefined}
        bands={bands}
        lines={lines}
        note={modeNote}
        span="full"
      />
      <TimeSeriesPanel
        {...common}
        id="all"
        title={tx(
          'Средний процент использования лимита документов по всем клиентам',
          'Average % of the document limit used, all clients',
        )}
        description={tx(
          'То же без разбивки по менеджерам: среднее «% исп. док» по всем онлайн-доступам в выборке. Отвечает на вопрос о качестве внедрения онлайн-доступов в целом.',
          'The same without the split by manager: the mean % of the document limit used over every online access in view. How well online accesses are taken up overall.',
        )}
        data={relabel(data?.all, { all: tx('Процент', 'Percent') })}
        emptyText={emptyText}
        legend={['last', 'max']}
        unit="%"
        decimals={1}
        yMin={0}
        yMax={mode === 'clients' ? 100 : undefined}
        bands={bands}
        lines={lines}
        fill
        span="half"
      />
      <TimeSeriesPanel
        {...common}
        id="monitored"
        title={tx(
          'Общее количество клиентов с онлайн-доступами на мониторинге',
          'Clients with online accesses under monitoring',
        )}
        description={tx(
          'Сколько клиентов (и их онлайн-доступов) СМАРТ прочитал в каждой точке. Провалы — доступы, показания которых не удалось получить дольше двух часов (см. «Проблемы с получением статистики» на дашборде «Биллинг Онлайн. Статистика»). Фильтр «Менеджер» показывает динамику по менеджеру.',
          'How many clients (and their online accesses) SMART read at each point. Dips are accesses whose readings failed for more than two hours (see the problems table of «Online billing. Statistics»). The Manager variable shows one manager’s trend.',
        )}
        data={relabel(data?.monitored, {
          clients: tx('Всего клиентов', 'Total clients'),
          accesses: tx('Онлайн-доступов', 'Online accesses'),
        })}
        emptyText={emptyText}
        legend={['min', 'max', 'last']}
        decimals={0}
        yMin={0}
        draw="step"
        span="half"
      />
      <TablePanel
        id="months"
        title={tx(
          'Итог месяца: средний процент использования лимита документов',
          'Month result: average % of the document limit used',
        )}
        description={tx(
          '«Среднее значение за каждый месяц»: для каждого календарного месяца — среднее по онлайн-доступам их последнего показания месяца, то есть вершина «зуба» на графиках выше. Текущий месяц — на сегодня. Цвета — те же пороги, что на графиках.',
          '“The average for each month”: per calendar month, the mean over the online accesses of their last reading of the month, the top of each tooth above. The current month is month to date. Colours follow the charts’ thresholds.',
        )}
        rows={data?.monthRows ?? []}
        columns={monthColumns}
        rowKey={(r) => r.key}
        pageSize={25}
        csvName="billing-analytics-months.csv"
        emptyText={emptyText}
        status={{
          loading: q.isLoading && !data,
          error: data ? null : q.error,
          onRetry: () => void q.refetch(),
        }}
      />
    </DashboardFrame>
  );
}
