/**
 * What «Данные для пролонгации» and «Биллинг Онлайн. Данные для пролонгации» share: the year selector and
 * the server's page of clients, a pair of rows per figure (its monthly values, then their change against
 * the month before), the client and month columns, the «Отчёт для ЛПР» links and the table with its pager.
 * Each page keeps only its own figures and how a value cell looks.
 */
import type { ReactNode } from 'react';
import type { Change } from '../../../src/renewal/contract';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { TablePanel, type CellColor, type Column } from '../components/TablePanel';
import { tx } from '../i18n';
import type { DashboardState } from '../lib/dashboard';
import { fmtNum } from '../lib/format';
import { ClientLink } from './BillingStats';
import './Renewal.css';

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

/** A figure's two row titles, each as [русский, English]: its values and their change. */
export interface FigureTitles {
  value: readonly [string, string];
  change: readonly [string, string];
}

/** A table row: the figure's values (`change` false) or their change against the month before. */
export interface RenewalRow {
  key: string;
  first: boolean;
  clientId: number;
  client: string;
  managers: string;
  title: string;
  change: boolean;
  changes: Change[];
}

/**
 * The figure's two rows: the value row (the client's first if `first`) and the change row after it.
 * `common` is what both rows carry.
 */
export function rowPair<X extends object>(
  key: string,
  first: boolean,
  titles: FigureTitles,
  common: Omit<RenewalRow, 'key' | 'first' | 'title' | 'change'> & X,
): (RenewalRow & X)[] {
  return [
    { ...common, key, first, title: tx(...titles.value), change: false },
    { ...common, key: `${key}:chg`, first: false, title: tx(...titles.change), change: true },
  ];
}

/** The client, its managers and the report links, on the client's first row only. */
export function clientColumn<R extends RenewalRow>(year: number): Column<R> {
  return {
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
  };
}

/**
 * The twelve month columns: on a value row the month's value (`renderValue` shows one that is known),
 * on a change row its change.
 */
export function monthColumns<R extends RenewalRow>(
  valuesOf: (r: R) => (number | null)[],
  renderValue: (r: R, v: number, i: number) => ReactNode,
  color?: (r: R, i: number) => CellColor,
): Column<R>[] {
  return monthTitles().map((m, i) => ({
    key: `m${i}`,
    title: m,
    numeric: true,
    digits: 0,
    filter: false,
    value: (r) =>
      r.change ? (typeof r.changes[i] === 'number' ? (r.changes[i] as number) : null) : valuesOf(r)[i]!,
    color: color && ((_, r) => color(r, i)),
    render: (r) => {
      if (r.change) return <ChangeCell c={r.changes[i]!} />;
      const v = valuesOf(r)[i];
      if (v === null || v === undefined)
        return <span className="renewal-nd">{tx('нет данных', 'no data')}</span>;
      return renderValue(r, v, i);
    },
    csv: (r) => (r.change ? changeCsv(r.changes[i]!) : valuesOf(r)[i] === null ? '' : String(valuesOf(r)[i])),
  }));
}

interface ClientsPage {
  total: number;
  offset: number;
  limit: number;
}

/** The page's year, the server's page of clients for it and the panel's status. */
export interface RenewalView<T extends ClientsPage = ClientsPage> {
  state: DashboardState;
  year: number;
  select: ReactNode;
  data: T | undefined;
  fetching: boolean;
  status: { loading: boolean; error: unknown; onRetry: () => void };
}

export function useRenewalData<T extends ClientsPage>(state: DashboardState, path: string): RenewalView<T> {
  const { year, select } = useYear(state);
  const offset = Number(state.extra('offset')) || 0;
  const q = useDashQuery<T>(state, path, { year, offset, limit: PAGE });
  const data = q.data;
  const status = {
    loading: q.isLoading && !data,
    error: data ? null : q.error,
    onRetry: () => void q.refetch(),
  };
  return { state, year, select, data, status, fetching: q.isFetching };
}

/** The dashboard: the year selector, the table of the page's clients and the pager below it. */
export function RenewalTable<R extends RenewalRow>({
  view,
  id,
  title,
  description,
  rows,
  columns,
  csvName,
  emptyText,
}: {
  view: RenewalView;
  id: string;
  title: string;
  description: string;
  rows: R[];
  columns: Column<R>[];
  csvName: string;
  emptyText: string;
}) {
  const { state, data } = view;
  return (
    <DashboardFrame state={state} fetching={view.fetching} extraVars={view.select}>
      <TablePanel
        id={id}
        title={title}
        description={description}
        rows={rows}
        columns={columns}
        rowKey={(r) => r.key}
        rowClass={(r) => (r.change ? 'renewal-change-row' : r.first ? 'renewal-first-row' : '')}
        pageSize={Math.max(rows.length, 10)}
        csvName={csvName}
        emptyText={emptyText}
        status={view.status}
        footer={
          data && <ClientPager state={state} total={data.total} offset={data.offset} limit={data.limit} />
        }
      />
    </DashboardFrame>
  );
}
