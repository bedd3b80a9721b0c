/**
 * A table panel: sortable headers (asc → desc → off), a filter row (text, or for numbers a condition
 * `<50`, `>=10`, `50..150`), paging with a page size per panel, footer means over the filtered rows,
 * cell colour rules, CSV export of the filtered rows (UTF-8 with BOM and `;`, as Excel opens it in a
 * Russian locale), and keyboard navigation: rows are focusable, arrows move, Enter opens the row's link.
 */
import { useMemo, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { t } from '../i18n';
import { fmtNum } from '../lib/format';
import { Icon } from './icons';
import { Panel, type PanelSpan, type PanelStatus } from './Panel';

export type CellColor = 'red' | 'yellow' | 'green' | 'blue' | 'grey' | null;

export interface Column<R> {
  key: string;
  title: string;
  /** The value sorted, filtered, exported and (unless `render`) shown. */
  value: (row: R) => string | number | null;
  render?: (row: R) => ReactNode;
  numeric?: boolean;
  digits?: number;
  color?: (value: string | number | null, row: R) => CellColor;
  /** Footer: the mean of the column over the filtered rows. */
  mean?: boolean;
  filter?: boolean;
  /** Full text on hover (long cells are cut with an ellipsis). */
  titleOf?: (row: R) => string;
  width?: number | string;
  className?: string;
  /** Export text, when it differs from `value`. */
  csv?: (row: R) => string;
  /** The key sorted on, when it differs from `value` (e.g. versions in numeric order). */
  sortValue?: (row: R) => string | number | null;
}

interface Sort {
  key: string;
  dir: 'asc' | 'desc';
}

/** A numeric filter condition, or null when the text is not one. */
export function numericFilter(text: string): ((v: number) => boolean) | null {
  const s = text.replace(/\s/g, '').replace(',', '.');
  let m = /^(<=|>=|<|>|=)(-?\d+(?:\.\d+)?)$/.exec(s);
  if (m) {
    const n = Number(m[2]);
    switch (m[1]) {
      case '<':
        return (v) => v < n;
      case '<=':
        return (v) => v <= n;
      case '>':
        return (v) => v > n;
      case '>=':
        return (v) => v >= n;
      default:
        return (v) => v === n;
    }
  }
  m = /^(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)$/.exec(s);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    return (v) => v >= a && v <= b;
  }
  return null;
}

function cellText<R>(c: Column<R>, row: R): string {
  const v = c.value(row);
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return fmtNum(v, c.digits ?? 'auto');
  return v;
}

function csvCell(s: string): string {
  return /[";\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rows as CSV text: `;`-separated, decimal commas in Russian, a BOM for Excel. */
export function toCsv<R>(columns: Column<R>[], rows: R[], decimalComma = true): string {
  const lines = [columns.map((c) => csvCell(c.title)).join(';')];
  for (const r of rows) {
    lines.push(
      columns
        .map((c) => {
          if (c.csv) return csvCell(c.csv(r));
          const v = c.value(r);
          if (v === null || v === undefined) return '';
          if (typeof v === 'number') return decimalComma ? String(v).replace('.', ',') : String(v);
          return csvCell(v);
        })
        .join(';'),
    );
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

export function downloadCsv(name: string, text: string): void {
  const blob = new Blob([text], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function TablePanel<R>({
  id,
  title,
  description,
  rows,
  columns,
  rowKey,
  rowLink,
  pageSize = 20,
  initialSort,
  csvName,
  span = 'full',
  status,
  emptyText,
  rowClass,
  note,
  height = 'auto',
  tools,
  footer,
}: {
  id: string;
  title: string;
  description?: string;
  rows: R[];
  columns: Column<R>[];
  rowKey: (r: R) => string | number;
  rowLink?: (r: R) => string | undefined;
  pageSize?: number;
  initialSort?: Sort;
  csvName?: string;
  span?: PanelSpan;
  status?: Omit<PanelStatus, 'empty' | 'emptyText'>;
  emptyText?: string;
  rowClass?: (r: R) => string;
  note?: ReactNode;
  height?: number | 'auto';
  tools?: ReactNode;
  /** Below the table and its pager (e.g. «показать ещё» of a server-paged list). */
  footer?: ReactNode;
}) {
  const navigate = useNavigate();
  const [sort, setSort] = useState<Sort | null>(initialSort ?? null);
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [page, setPage] = useState(0);

  const filtered = useMemo(() => {
    const active = columns
      .filter((c) => c.filter !== false && filters[c.key]?.trim())
      .map((c) => {
        const text = filters[c.key]!.trim();
        const num = c.numeric ? numericFilter(text) : null;
        const needle = text.toLowerCase();
        return (r: R) => {
          if (num) {
            const v = c.value(r);
            return typeof v === 'number' && num(v);
          }
          return cellText(c, r).toLowerCase().includes(needle);
        };
      });
    return active.length ? rows.filter((r) => active.every((f) => f(r))) : rows;
  }, [rows, columns, filters]);

  const sorted = useMemo(() => {
    if (!sort) return filtered;
    const col = columns.find((c) => c.key === sort.key);
    if (!col) return filtered;
    const sign = sort.dir === 'asc' ? 1 : -1;
    return [...filtered].sort((a, b) => {
      const key = col.sortValue ?? col.value;
      const va = key(a);
      const vb = key(b);
      if (va === null || va === '') return vb === null || vb === '' ? 0 : 1;
      if (vb === null || vb === '') return -1;
      if (typeof va === 'number' && typeof vb === 'number') return (va - vb) * sign;
      return String(va).localeCompare(String(vb), 'ru') * sign;
    });
  }, [filtered, sort, columns]);

  const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
  const current = Math.min(page, pages - 1);
  const visible = sorted.slice(current * pageSize, current * pageSize + pageSize);
  const means = useMemo(() => {
    const out: Record<string, number | null> = {};
    for (const c of columns) {
      if (!c.mean) continue;
      let sum = 0;
      let n = 0;
      for (const r of filtered) {
        const v = c.value(r);
        if (typeof v === 'number') {
          sum += v;
          n += 1;
        }
      }
      out[c.key] = n ? sum / n : null;
    }
    return out;
  }, [filtered, columns]);
  const hasFooter = columns.some((c) => c.mean);
  const anyFilter = Object.values(filters).some((v) => v.trim());

  const cycle = (key: string) => {
    setPage(0);
    if (!sort || sort.key !== key) setSort({ key, dir: 'asc' });
    else if (sort.dir === 'asc') setSort({ key, dir: 'desc' });
    else setSort(null);
  };

  const onRowKey = (e: React.KeyboardEvent<HTMLTableRowElement>, r: R) => {
    const row = e.currentTarget;
    if (e.target !== row) return;
    if (e.key === 'Enter') {
      const link = rowLink?.(r);
      if (link) {
        e.preventDefault();
        if (link.startsWith('/')) navigate(link);
        else window.open(link, '_blank', 'noopener');
      }
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (
        e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling
      ) as HTMLElement | null;
      next?.focus();
    } else if (e.key === 'PageDown' && current < pages - 1) {
      e.preventDefault();
      setPage(current + 1);
    } else if (e.key === 'PageUp' && current > 0) {
      e.preventDefault();
      setPage(current - 1);
    }
  };

  const csvButton = csvName ? (
    <button
      type="button"
      className="btn btn-small btn-ghost"
      title={t('table.csvHint')}
      aria-label={`${t('table.csvHint')}: ${title}`}
      onClick={() => downloadCsv(csvName, toCsv(columns, sorted))}
      disabled={sorted.length === 0}
    >
      <Icon name="download" size={14} />
      {t('table.csv')}
    </button>
  ) : null;

  const panelStatus: PanelStatus | undefined = status
    ? { ...status, empty: false, emptyText: '' }
    : undefined;

  return (
    <Panel
      id={id}
      title={title}
      description={description}
      span={span}
      height={height}
      note={note}
      status={panelStatus}
      tools={
        <>
          {tools}
          {csvButton}
        </>
      }
    >
      <div className="table-wrap">
        <table className="data-table" aria-label={title} aria-rowcount={sorted.length + 1}>
          <thead>
            <tr>
              {columns.map((c) => (
                <th
                  key={c.key}
                  scope="col"
                  className={c.numeric ? 'num' : undefined}
                  style={c.width ? { width: c.width } : undefined}
                  aria-sort={sort?.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                >
                  <button
                    type="button"
                    className="th-sort"
                    title={t('table.sortHint')}
                    onClick={() => cycle(c.key)}
                  >
                    {c.title}
                    <span className="sort-mark" aria-hidden="true">
                      {sort?.key === c.key ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
            {rows.length > 0 && (
              <tr className="filter-row">
                {columns.map((c) => (
                  <td key={c.key}>
                    {c.filter !== false && (
                      <input
                        type="search"
                        className="filter-input"
                        aria-label={t('table.filter', { col: c.title })}
                        placeholder="…"
                        title={t('table.filterHint')}
                        value={filters[c.key] ?? ''}
                        onChange={(e) => {
                          setPage(0);
                          setFilters((f) => ({ ...f, [c.key]: e.target.value }));
                        }}
                      />
                    )}
                  </td>
                ))}
              </tr>
            )}
          </thead>
          <tbody>
            {visible.map((r) => {
              const link = rowLink?.(r);
              return (
                <tr
                  key={rowKey(r)}
                  data-key={rowKey(r)}
                  tabIndex={0}
                  className={`${link ? 'linked ' : ''}${rowClass?.(r) ?? ''}`}
                  onKeyDown={(e) => onRowKey(e, r)}
                  onDoubleClick={() =>
                    link && (link.startsWith('/') ? navigate(link) : window.open(link, '_blank'))
                  }
                >
                  {columns.map((c) => {
                    const v = c.value(r);
                    const color = c.color?.(v, r);
                    return (
                      <td
                        key={c.key}
                        className={`${c.numeric ? 'num' : ''}${color ? ` cell-${color}` : ''} ${c.className ?? ''}`}
                        title={c.titleOf?.(r) ?? (typeof v === 'string' && v.length > 24 ? v : undefined)}
                      >
                        {c.render ? c.render(r) : cellText(c, r)}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
            {visible.length === 0 && (
              <tr className="empty-row">
                <td colSpan={columns.length}>
                  {anyFilter ? (
                    <>
                      {t('table.emptyFiltered')}{' '}
                      <button type="button" className="btn-link" onClick={() => setFilters({})}>
                        {t('table.clearFilters')}
                      </button>
                    </>
                  ) : (
                    (emptyText ?? t('table.empty'))
                  )}
                </td>
              </tr>
            )}
          </tbody>
          {hasFooter && sorted.length > 0 && (
            <tfoot>
              <tr>
                {columns.map((c, i) => (
                  <td key={c.key} className={c.numeric ? 'num' : undefined}>
                    {i === 0 ? t('table.mean') : c.mean ? fmtNum(means[c.key] ?? null, c.digits ?? 1) : ''}
                  </td>
                ))}
              </tr>
            </tfoot>
          )}
        </table>
      </div>
      {sorted.length > pageSize && (
        <nav className="pager" aria-label={title}>
          <button
            type="button"
            className="btn btn-icon btn-small"
            aria-label={t('table.prev')}
            disabled={current === 0}
            onClick={() => setPage(current - 1)}
          >
            <Icon name="left" size={14} />
          </button>
          <span aria-live="polite">
            {t('table.rows', {
              from: current * pageSize + 1,
              to: Math.min(sorted.length, (current + 1) * pageSize),
              total: sorted.length,
            })}
          </span>
          <button
            type="button"
            className="btn btn-icon btn-small"
            aria-label={t('table.next')}
            disabled={current >= pages - 1}
            onClick={() => setPage(current + 1)}
          >
            <Icon name="right" size={14} />
          </button>
        </nav>
      )}
      {footer}
    </Panel>
  );
}
