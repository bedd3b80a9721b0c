/**
 * «Данные для пролонгации» (064): per client and calendar year, the installations' documents requested,
 * saved and printed, logons refused for lack of licences and activity per month, each with its change
 * against the month before; and per client the «Отчёт для ЛПР» links (XLSX, print-ready HTML). The year
 * and the page of clients are kept in the URL. The shared bits (year selector, change cell, report
 * links, pager) are used by «Биллинг Онлайн. Данные для пролонгации» too.
 */
import type { ReactNode } from 'react';
import type { Change, InstallationMetric, RenewalOut } from '../../../src/renewal/contract';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { TablePanel, type Column } from '../components/TablePanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef, type DashboardState } from '../lib/dashboard';
import { fmtNum } from '../lib/format';
import { ENDPOINTS } from '../api';
import { ClientLink } from './BillingStats';
import './Renewal.css';

export const DEF: DashboardDef = {
  id: 'renewal',
  titleKey: 'dash.renewal',
  defaultFrom: 'now-1y',
  defaultRefresh: '',
  variables: ['unit', 'manager', 'client'],
};

export const PAGE = 50;

export function monthTitles(): string[] {
  return [
    tx('Январь', 'January'),
    tx('Февраль', 'February'),
    tx('Март', 'March'),
    tx('Апрель', 'April'),
    tx('Май', 'May'),
    tx('Июнь', 'June'),
    tx('Июль', 'July'),
    tx('Август', 'August'),
    tx('Сентябрь', 'September'),
    tx('Октябрь', 'October'),
    tx('Ноябрь', 'November'),
    tx('Декабрь', 'December'),
  ];
}

/** The year in the URL, else the current one (Moscow, as the server counts). */
export function useYear(state: DashboardState): { year: number; select: ReactNode } {
  const now = new Date(Date.now() + 3 * 3_600_000).getUTCFullYear();
  const wanted = Number(state.extra('year'));
  const year = Number.isInteger(wanted) && wanted >= now - 5 && wanted <= now ? wanted : now;
  const select = (
    <div className="variable">
      <label className="variable-label" htmlFor="renewal-year">
        {tx('Год', 'Year')}
      </label>
      <select
        id="renewal-year"
        className="variable-value"
        value={year}
        onChange={(e) => {
          const y = Number(e.target.value);
          state.setExtra('year', y === now ? null : String(y));
          state.setExtra('offset', null);
        }}
      >
        {[now, now - 1, now - 2].map((y) => (
          <option key={y} value={y}>
            {y}
          </option>
        ))}
      </select>
    </div>
  );
  return { year, select };
}

export function ChangeCell({ c }: { c: Change }) {
  if (c === null) return <span className="renewal-nd">—</span>;
  if (c === 'inf')
    return (
      <span title={tx('в предыдущем месяце был 0', 'the month before was 0')} className="renewal-up">
        ∞
      </span>
    );
  const cls = c > 0 ? 'renewal-up' : c < 0 ? 'renewal-down' : '';
  return <span className={cls}>{`${c > 0 ? '+' : ''}${fmtNum(c, 1)} %`}</span>;
}

export const changeCsv = (c: Change) => (c === null ? '' : c === 'inf' ? '∞' : String(c).replace('.', ','));

/** «Отчёт для ЛПР»: the client's report for the year, as a workbook and as a print-ready page. */
export function ReportLinks({ clientId, year, bare }: { clientId: number; year: number; bare?: boolean }) {
  const base = `/api/clients/${clientId}/renewal-report`;
  return (
    <span className="renewal-report">
      {!bare && `${tx('Отчёт для ЛПР', 'Report for the decision maker')}: `}
      <a href={`${base}.xlsx?year=${year}`} download>
        XLSX
      </a>{' '}
      <a href={`${base}.html?year=${year}`} target="_blank" rel="noreferrer">
        HTML
      </a>
    </span>
  );
}

/** Previous / next page of clients (the server pages them). */
export function ClientPager({
  state,
  total,
  offset,
  limit,
}: {
  state: DashboardState;
  total: number;
  offset: number;
  limit: number;
}) {
  if (total <= limit) return null;
  const go = (o: number) => state.setExtra('offset', o > 0 ? String(o) : null);
  return (
    <div className="renewal-pager">
      <button
        type="button"
        className="btn btn-small"
        disabled={offset === 0}
        onClick={() => go(Math.max(0, offset - limit))}
      >
        {tx('← Предыдущие', '← Previous')}
      </button>
      <span>
        {tx('Клиенты {a}–{b} из {n}', 'Clients {a}–{b} of {n}', {
          a: offset + 1,
          b: Math.min(total, offset + limit),
          n: total,
        })}
      </span>
      <button
        type="button"
        className="btn btn-small"
        disabled={offset + limit >= total}
        onClick={() => go(offset + limit)}
      >
        {tx('Следующие →', 'Next →')}
      </button>
    </div>
  );
}

function metricTitle(m: InstallationMetric): { value: string; change: string } {
  switch (m) {
    case 'docsRequested':
      return {
        value: tx('Количество запрошенных из БД документов', 'Documents requested from the DB'),
        change: tx('% изменения документов к предыдущему месяцу', '% change of documents'),
      };
    case 'docsSaved':
      return {
        value: tx('Количество сохранённых документов', 'Documents saved'),
        change: tx('% изменения сохранённых документов', '% change of saved documents'),
      };
    case 'docsPrinted':
      return {
        value: tx('Количество распечатанных', 'Documents printed'),
        change: tx('% изменения количества распечатанных', '% change of printed'),
      };
    case 'refused':
      return {
        value: tx(
          'Количество отвергнутых попыток подключения из-за окончания свободных лицензий',
          'Logons refused for lack of free licences',
        ),
        change: tx('% Отвергнутых попыток к предыдущему', '% change of refused logons'),
      };
    case 'activity':
      return {
        value: tx(
          'Активность пользователей - поисковые запросы интеллектуального поиска + открытые документы',
          'User activity: intelligent searches + opened documents',
        ),
        change: tx('% изменения активности к предыдущему месяцу', '% change of activity'),
      };
  }
}

interface Row {
  key: string;
  first: boolean;
  clientId: number;
  client: string;
  managers: string;
  title: string;
  change: boolean;
  values: (number | null)[];
  changes: Change[];
}

export function RenewalPage() {
  const state = useDashboardState(DEF);
  const { year, select } = useYear(state);
  const offset = Number(state.extra('offset')) || 0;
  const q = useDashQuery<RenewalOut>(state, ENDPOINTS.renewal, { year, offset, limit: PAGE });
  const data = q.data;
  const status = {
    loading: q.isLoading && !data,
    error: data ? null : q.error,
    onRetry: () => void q.refetch(),
  };

  const rows: Row[] = [];
  for (const c of data?.clients ?? []) {
    c.rows.forEach((r, i) => {
      const t = metricTitle(r.metric);
      const common = { clientId: c.clientId, client: c.client, managers: c.managers.join(', ') };
      rows.push({
        ...common,
        key: `${c.clientId}:${r.metric}`,
        first: i === 0,
        title: t.value,
        change: false,
        values: r.values,
        changes: r.changes,
      });
      rows.push({
        ...common,
        key: `${c.clientId}:${r.metric}:chg`,
        first: false,
        title: t.change,
        change: true,
        values: r.values,
        changes: r.changes,
      });
    });
  }
  const months = monthTitles();
  const columns: Column<Row>[] = [
    {
      key: 'client',
      title: tx('Клиент | менеджер', 'Client | manager'),
      value: (r) => r.client,
      render: (r) =>
        r.first ? (
          <div className="renewal-client">
            <ClientLink id={r.clientId} name={r.client} />
            {r.managers && <span className="renewal-manager"> | {r.managers}</span>}
            <ReportLinks clientId={r.clientId} year={year} />
          </div>
        ) : null,
      width: 220,
    },
    { key: 'metric', title: tx('Показатель', 'Figure'), value: (r) => r.title, width: 280 },
    ...months.map((m, i): Column<Row> => ({
      key: `m${i}`,
      title: m,
      numeric: true,
      digits: 0,
      filter: false,
      value: (r) =>
        r.change ? (typeof r.changes[i] === 'number' ? (r.changes[i] as number) : null) : r.values[i]!,
      render: (r) =>
        r.change ? (
          <ChangeCell c={r.changes[i]!} />
        ) : r.values[i] === null ? (
          <span className="renewal-nd">{tx('нет данных', 'no data')}</span>
        ) : (
          fmtNum(r.values[i], 0)
        ),
      csv: (r) => (r.change ? changeCsv(r.changes[i]!) : r.values[i] === null ? '' : String(r.values[i])),
    })),
  ];

  return (
    <DashboardFrame state={state} fetching={q.isFetching} extraVars={select}>
      <TablePanel
        id="renewal"
        title={tx('Данные для пролонгации за {y} год', 'Renewal data for {y}', { y: year })}
        description={tx(
          'По каждому клиенту — суммы по его установкам за каждый месяц года (только отчёты sysinfo: нет отчётов — «нет данных») и изменение к предыдущему месяцу: (текущий − предыдущий) ÷ предыдущий × 100; ∞ — в предыдущем месяце был 0; январь сравнивается с декабрём прошлого года. «Отчёт для ЛПР» — готовый отчёт клиенту за год.',
          'Per client, the sums over its installations for each month of the year (sysinfo reports only: no reports, «no data») and the change against the month before: (current − previous) ÷ previous × 100; ∞ when the month before was 0; January is compared with December of the year before. «Report for the decision maker» is the client’s ready report for the year.',
        )}
        rows={rows}
        columns={columns}
        rowKey={(r) => r.key}
        rowClass={(r) => (r.change ? 'renewal-change-row' : r.first ? 'renewal-first-row' : '')}
        pageSize={Math.max(rows.length, 10)}
        csvName={`renewal-${year}.csv`}
        emptyText={tx('Нет клиентов с установками', 'No clients with installations')}
        status={status}
        footer={
          data && <ClientPager state={state} total={data.total} offset={data.offset} limit={data.limit} />
        }
      />
    </DashboardFrame>
  );
}
