/**
 * A time-series panel on uPlot, with Grafana's conventions:
 * - a legend table (name and the panel's statistics: min, max, mean, last, last non-zero); a header
 *   click sorts desc → asc → off (kept in the URL as sort-<panel> when it differs from the panel's
 *   default); a row click shows only that series, a second click all of them, Shift+click adds a
 *   series (the choice is kept in the URL as iso-<panel>);
 * - threshold bands and lines, a logarithmic scale, gaps drawn as gaps (nulls are never bridged);
 * - lines, steps, points or bars; a tooltip with the local time and the values under the cursor;
 * - dragging across the chart sets the dashboard's time range.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Aligned } from '../api';
import { t, tx } from '../i18n';
import { absolute, DAY } from '../lib/time';
import { useDashboard } from '../lib/dashboard';
import { fmtCompact, fmtDate, fmtDateTime, fmtNum, fmtTime } from '../lib/format';
import { Panel, type PanelSpan } from './Panel';

export type LegendCol = 'min' | 'max' | 'mean' | 'last' | 'lastNonZero' | 'current' | 'sum';
export type Draw = 'line' | 'step' | 'points' | 'bars';

export interface Band {
  from?: number;
  to?: number;
  color: 'red' | 'yellow' | 'green';
}

export interface ThresholdLine {
  value: number;
  color: 'red' | 'yellow' | 'green';
  label?: string;
}

export const PALETTE = [
  '#73bf69',
  '#f2cc0c',
  '#8ab8ff',
  '#ff780a',
  '#f2495c',
  '#5794f2',
  '#b877d9',
  '#fade2a',
  '#37a2a6',
  '#c4162a',
  '#96d98d',
  '#ffb357',
  '#ca95e5',
  '#ffa6b0',
  '#1f60c4',
  '#56a64b',
  '#e0b400',
  '#8f3bb8',
  '#fa6400',
  '#a352cc',
];

const BAND_FILL: Record<Band['color'], string> = {
  red: 'rgba(242, 73, 92, 0.09)',
  yellow: 'rgba(250, 222, 42, 0.08)',
  green: 'rgba(115, 191, 105, 0.08)',
};
const LINE_COLOR: Record<Band['color'], string> = { red: '#f2495c', yellow: '#fade2a', green: '#73bf69' };

interface Stats {
  min: number | null;
  max: number | null;
  mean: number | null;
  last: number | null;
  lastNonZero: number | null;
  sum: number | null;
}

export function seriesStats(values: readonly (number | null)[]): Stats {
  let min: number | null = null;
  let max: number | null = null;
  let sum = 0;
  let n = 0;
  let last: number | null = null;
  let lastNonZero: number | null = null;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    min = min === null ? v : Math.min(min, v);
    max = max === null ? v : Math.max(max, v);
    sum += v;
    n += 1;
    last = v;
    if (v !== 0) lastNonZero = v;
  }
  return { min, max, mean: n ? sum / n : null, last, lastNonZero, sum: n ? sum : null };
}

const statOf = (s: Stats, c: LegendCol) => (c === 'current' ? s.last : s[c]);

export type LegendSort = { col: LegendCol; dir: 'asc' | 'desc' } | null;

/** A legend sort from its URL form (`last-desc`, `off`); null/unknown → the panel's default. */
export function parseLegendSort(raw: string | null, cols: LegendCol[], fallback: LegendSort): LegendSort {
  if (raw === 'off') return null;
  const m = raw ? /^(\w+)-(asc|desc)$/.exec(raw) : null;
  const col = m?.[1] as LegendCol | undefined;
  if (!m || !col || !cols.includes(col)) return fallback;
  return { col, dir: m[2] as 'asc' | 'desc' };
}

/** The URL form of a legend sort; null when it is the default (no parameter needed). */
export function legendSortParam(sort: LegendSort, fallback: LegendSort): string | null {
  if (sort?.col === fallback?.col && sort?.dir === fallback?.dir) return null;
  return sort ? `${sort.col}-${sort.dir}` : 'off';
}

export interface TimeSeriesPanelProps {
  id: string;
  title: string;
  description?: string;
  data: Aligned | undefined;
  loading: boolean;
  error: unknown;
  onRetry?: () => void;
  /** What the empty state says is missing. */
  emptyText: string;
  legend: LegendCol[];
  legendSort?: { col: LegendCol; dir: 'asc' | 'desc' };
  draw?: Draw;
  fill?: boolean;
  log?: boolean;
  /** The log scale's base: 10 (default) or 2 (powers of two, as Grafana's log2 axis). */
  logBase?: 2 | 10;
  unit?: '%' | '';
  decimals?: number;
  /** The bottom of the axis: a number, or 'auto' (just below the data); default 0 or the data's minimum. */
  yMin?: number | 'auto';
  yMax?: number;
  bands?: Band[];
  lines?: ThresholdLine[];
  span?: PanelSpan;
  height?: number;
  /**
   * Zeros are not drawn (the legend keeps them): on a log scale of counts, «no errors in this report»
   * should leave the chart empty rather than sit on the bottom decade as if it were 1.
   */
  dropZeros?: boolean;
  /** A stable colour per series key (default: by position). */
  colorOf?: (key: string, index: number) => string;
  note?: string;
}

/** The most series the API draws in one panel (RangeQuery.limit's maximum). */
const SERIES_LIMIT_MAX = 2000;

export function TimeSeriesPanel(props: TimeSeriesPanelProps) {
  const { data, loading, error } = props;
  const dash = useDashboard();
  const empty =
    !data || data.series.length === 0 || data.series.every((s) => s.values.every((v) => v === null));
  // The server draws the worst 50 by default; `limit` in the URL asks for all of them (up to its cap).
  const limited = dash?.extra('limit') ?? null;
  const cut = data !== undefined && data !== null && data.total > data.series.length;
  const shownNote =
    cut || limited ? (
      <>
        {cut ? t('panel.seriesShown', { n: data.series.length, m: data.total }) : null}{' '}
        {dash && (
          <button
            type="button"
            className="link-button"
            onClick={() => dash.setExtra('limit', limited ? null : String(SERIES_LIMIT_MAX))}
          >
            {limited ? t('panel.showWorst') : t('panel.showAll')}
          </button>
        )}
      </>
    ) : (
      props.note
    );
  return (
    <Panel
      id={props.id}
      title={props.title}
      description={props.description}
      span={props.span}
      height={props.height ?? 340}
      note={shownNote}
      status={{
        loading: loading && !data,
        error: !data ? error : null,
        empty,
        emptyText: props.emptyText,
        onRetry: props.onRetry,
      }}
    >
      {data && <Chart {...props} data={data} isolated={dash?.isolated(props.id) ?? []} />}
    </Panel>
  );
}

function Chart(props: TimeSeriesPanelProps & { data: Aligned; isolated: string[] }) {
  const { data, legend, id } = props;
  const dash = useDashboard();
  const [localIso, setLocalIso] = useState<string[]>([]);
  const isolated = dash ? props.isolated : localIso;
  const setIsolated = (keys: string[]) => (dash ? dash.setIsolated(id, keys) : setLocalIso(keys));
  const isoSet = useMemo(() => new Set(isolated), [isolated]);
  const visible = (key: string) => isoSet.size === 0 || isoSet.has(key);

  const colors = useMemo(
    () => data.series.map((s, i) => props.colorOf?.(s.key, i) ?? PALETTE[i % PALETTE.length]!),
    [data.series, props.colorOf],
  );
  const stats = useMemo(() => data.series.map((s) => seriesStats(s.values)), [data.series]);

  // On a dashboard the sort lives in the URL (sort-<panel>); elsewhere (the client page) in the state.
  const defaultSort = props.legendSort ?? null;
  const [localSort, setLocalSort] = useState<LegendSort>(defaultSort);
  const sortParam = dash?.legendSort(id) ?? null;
  const defCol = defaultSort?.col;
  const defDir = defaultSort?.dir;
  const legendKey = legend.join(',');
  const urlSort = useMemo(
    () =>
      parseLegendSort(
        sortParam,
        legendKey.split(',') as LegendCol[],
        defCol && defDir ? { col: defCol, dir: defDir } : null,
      ),
    [sortParam, legendKey, defCol, defDir],
  );
  const sort = dash ? urlSort : localSort;
  const setSort = (next: LegendSort) =>
    dash ? dash.setLegendSort(id, legendSortParam(next, defaultSort)) : setLocalSort(next);
  const order = useMemo(() => {
    const idx = data.series.map((_, i) => i);
    if (!sort) return idx;
    const sign = sort.dir === 'asc' ? 1 : -1;
    return idx.sort((a, b) => {
      const va = statOf(stats[a]!, sort.col);
      const vb = statOf(stats[b]!, sort.col);
      if (va === null && vb === null) return 0;
      if (va === null) return 1;
      if (vb === null) return -1;
      return (va - vb) * sign;
    });
  }, [data.series, stats, sort]);

  const onRow = (key: string, shift: boolean) => {
    if (shift) {
      if (isoSet.size === 0) setIsolated([key]);
      else if (isoSet.has(key)) setIsolated(isolated.filter((k) => k !== key));
      else setIsolated([...isolated, key]);
    } else if (isoSet.size === 1 && isoSet.has(key)) setIsolated([]);
    else setIsolated([key]);
  };

  const cycleSort = (col: LegendCol) => {
    if (!sort || sort.col !== col) setSort({ col, dir: 'desc' });
    else if (sort.dir === 'desc') setSort({ col, dir: 'asc' });
    else setSort(null);
  };

  const fmt = (v: number | null) =>
    v === null ? '—' : `${fmtNum(v, props.decimals ?? 'auto')}${props.unit === '%' ? '%' : ''}`;

  return (
    <div
      className="ts"
      data-series={data.series.length}
      data-from={data.timestamps[0]}
      data-to={data.timestamps[data.timestamps.length - 1]}
      data-step={data.step}
    >
      <Plot {...props} colors={colors} isolated={isolated} />
      <div className="legend" role="region" aria-label={`${props.title}: ${t('legend.name')}`}>
        <table className="legend-table">
          <thead>
            <tr>
              <th scope="col" className="legend-name">
                <span title={t('legend.hint')}>{t('legend.name')}</span>
              </th>
              {legend.map((c) => (
                <th
                  key={c}
                  scope="col"
                  className="num"
                  aria-sort={sort?.col === c ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                >
                  <button
                    type="button"
                    className="th-sort"
                    title={t('legend.sortHint')}
                    onClick={() => cycleSort(c)}
                  >
                    {c === 'sum' ? tx('Сумма', 'Total') : t(`legend.${c}`)}
                    <span className="sort-mark" aria-hidden="true">
                      {sort?.col === c ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {order.map((i) => {
              const s = data.series[i]!;
              const on = visible(s.key);
              return (
                <tr
                  key={s.key}
                  tabIndex={0}
                  className={`legend-row${on ? '' : ' off'}`}
                  aria-selected={isoSet.has(s.key)}
                  title={t('legend.hint')}
                  data-key={s.key}
                  onClick={(e) => onRow(s.key, e.shiftKey)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' || e.key === ' ') {
                      e.preventDefault();
                      onRow(s.key, e.shiftKey);
                    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                      e.preventDefault();
                      const row = e.currentTarget;
                      const next = (
                        e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling
                      ) as HTMLElement | null;
                      next?.focus();
                    }
                  }}
                >
                  <td className="legend-name">
                    <span className="swatch" style={{ background: colors[i] }} aria-hidden="true" />
                    <span className="legend-label">{s.label}</span>
                  </td>
                  {legend.map((c) => (
                    <td key={c} className="num">
                      {fmt(statOf(stats[i]!, c))}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** The canvas; rebuilt when the series change, updated in place otherwise. */
function Plot(props: TimeSeriesPanelProps & { data: Aligned; colors: string[]; isolated: string[] }) {
  const wrapRef = useRef<HTMLDivElement | null>(null);
  const plotRef = useRef<uPlot | null>(null);
  const dash = useDashboard();
  const zoomRef = useRef<(from: number, to: number) => void>(() => {});
  zoomRef.current = (from, to) => dash?.setRange(absolute(from, to));
  const {
    data,
    colors,
    log,
    draw = 'line',
    fill,
    unit,
    decimals,
    bands,
    lines,
    yMin,
    yMax,
    dropZeros,
    logBase = 10,
  } = props;

  // Log scales cannot show 0: zeros and negatives sit on the bottom decade (the legend keeps the truth).
  const aligned = useMemo<uPlot.AlignedData>(() => {
    const xs = data.timestamps;
    const series = dropZeros
      ? data.series.map((s) => s.values.map((v) => (v === 0 ? null : v)))
      : data.series.map((s) => s.values);
    if (!log) return [xs, ...series] as uPlot.AlignedData;
    let minPos = Infinity;
    for (const vs of series) for (const v of vs) if (v !== null && v > 0 && v < minPos) minPos = v;
    const floor =
      typeof yMin === 'number' && yMin > 0
        ? yMin
        : Number.isFinite(minPos)
          ? Math.pow(logBase, Math.floor(Math.log(minPos) / Math.log(logBase) + 1e-9))
          : 1;
    return [
      xs,
      ...series.map((vs) => vs.map((v) => (v === null ? null : v <= 0 ? floor : v))),
    ] as uPlot.AlignedData;
  }, [data, log, yMin, dropZeros, logBase]);

  const structure = `${data.series.map((s) => s.key).join('|')}#${colors.join(',')}#${draw}${fill}${log}${logBase}${unit}${yMin}${yMax}${JSON.stringify(bands)}${JSON.stringify(lines)}`;
  const valueFmt = (v: number | null) =>
    v === null || v === undefined ? '—' : `${fmtNum(v, decimals ?? 'auto')}${unit === '%' ? '%' : ''}`;
  const valueFmtRef = useRef(valueFmt);
  valueFmtRef.current = valueFmt;
  const rawRef = useRef(data);
  rawRef.current = data;

  useEffect(() => {
    const wrap = wrapRef.current;
    if (!wrap) return;
    const width = Math.max(100, wrap.clientWidth);
    const height = Math.max(80, wrap.clientHeight);
    const tooltip = document.createElement('div');
    tooltip.className = 'chart-tooltip';
    tooltip.setAttribute('role', 'tooltip');
    const pathsFor = (): uPlot.Series.PathBuilder | undefined => {
      if (draw === 'step') return uPlot.paths.stepped!({ align: 1 });
      if (draw === 'bars') return uPlot.paths.bars!({ size: [0.7, 40, 1] });
      if (draw === 'points') return () => null;
      return undefined;
    };
    const series: uPlot.Series[] = [
      {},
      ...data.series.map((s, i) => ({
        label: s.label,
        stroke: colors[i],
        width: draw === 'points' ? 0 : 1.5,
        fill: fill || draw === 'bars' ? `${colors[i]}${draw === 'bars' ? '99' : '1f'}` : undefined,
        spanGaps: false,
        paths: pathsFor(),
        points:
          draw === 'points'
            ? { show: true, size: 6, width: 1, fill: colors[i], stroke: colors[i] }
            : { show: (u: uPlot, si: number) => showPoints(u, si) },
        value: (_u: uPlot, v: number | null) => valueFmtRef.current(v),
      })),
    ];
    const yValues = (_u: uPlot, splits: number[]) =>
      splits.map((v) => (v === null ? '' : unit === '%' ? `${fmtNum(v, v % 1 ? 2 : 0)}%` : fmtCompact(v)));
    const opts: uPlot.Options = {
      width,
      height,
      ms: 1,
      series,
      legend: { show: false },
      padding: [10, 28, 0, 4],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        points: { size: 7 },
        focus: { prox: 16 },
      },
      focus: { alpha: 0.35 },
      scales: {
        x: { time: true },
        y: log
          ? {
              distr: 3,
              log: logBase,
              ...(typeof yMin === 'number' && yMin > 0
                ? {
                    range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [
                      yMin,
                      Math.pow(
                        logBase,
                        Math.ceil(Math.log(Math.max(max, yMin * logBase)) / Math.log(logBase) - 1e-9),
                      ),
                    ],
                  }
                : {}),
            }
          : {
              range: (_u, min, max) => {
                const pad = Math.max((max - min) * 0.1, Math.abs(max) * 0.001, 0.01);
                const lo = yMin === 'auto' ? Math.max(0, min - pad) : (yMin ?? Math.min(0, min));
                let hi = max <= lo ? lo + 1 : max + (max - lo) * 0.08;
                // A ceiling (100%) gets a little headroom, so a line along it stays visible.
                if (yMax !== undefined) hi = Math.min(hi, yMax) + (Math.min(hi, yMax) - lo) * 0.04;
                if (lines) for (const l of lines) hi = Math.max(hi, l.value * 1.15);
                return [lo, hi];
              },
            },
      },
      axes: [
        {
          stroke: '#9fa7b3',
          grid: { stroke: 'rgba(204, 204, 220, 0.07)', width: 1 },
          ticks: { stroke: 'rgba(204, 204, 220, 0.12)', width: 1, size: 4 },
          font: '11px Inter, system-ui, sans-serif',
          size: 34,
          values: (_u, splits, _ax, _space, incr) => xLabels(splits, incr),
        },
        {
          stroke: '#9fa7b3',
          grid: {
            stroke: 'rgba(204, 204, 220, 0.07)',
            width: 1,
            ...(log ? { filter: powersOf(logBase) } : {}),
          },
          ticks: { show: false },
          font: '11px Inter, system-ui, sans-serif',
          size: 52,
          values: yValues,
          // A log axis: labels at the powers of its base only (1, 10, 100, … or 1, 2, 4, …).
          ...(log ? { filter: powersOf(logBase) } : {}),
        },
      ],
      hooks: {
        drawClear: [(u) => drawBands(u, bands ?? [])],
        draw: [(u) => drawLines(u, lines ?? [])],
        setSelect: [
          (u) => {
            if (u.select.width > 4) {
              const f = u.posToVal(u.select.left, 'x');
              const to = u.posToVal(u.select.left + u.select.width, 'x');
              zoomRef.current(f, to);
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        setCursor: [(u) => updateTooltip(u, tooltip, rawRef.current, colors, valueFmtRef.current)],
      },
    };
    const u = new uPlot(opts, aligned, wrap);
    u.over.appendChild(tooltip);
    u.over.addEventListener('mouseleave', () => (tooltip.style.display = 'none'));
    plotRef.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(100, wrap.clientWidth);
      const h = Math.max(80, wrap.clientHeight);
      if (w !== u.width || h !== u.height) u.setSize({ width: w, height: h });
    });
    ro.observe(wrap);
    return () => {
      ro.disconnect();
      u.destroy();
      plotRef.current = null;
    };
    // Rebuilt only when the structure changes; new values of the same series go through setData below.
  }, [structure]);

  useEffect(() => {
    plotRef.current?.setData(aligned);
  }, [aligned]);

  useEffect(() => {
    const u = plotRef.current;
    if (!u) return;
    const iso = new Set(props.isolated);
    u.batch(() => {
      data.series.forEach((s, i) => {
        const show = iso.size === 0 || iso.has(s.key);
        if (u.series[i + 1]?.show !== show) u.setSeries(i + 1, { show });
      });
    });
  }, [props.isolated, data.series, structure]);

  return (
    <div
      className="plot"
      ref={wrapRef}
      role="img"
      aria-label={`${props.title}. ${t('chart.zoomHint')}${log ? `; ${t('chart.log')}` : ''}`}
    />
  );
}

/** Keeps the powers of `base` of a log axis's splits (the rest become null: no line, no label). */
function powersOf(base: number) {
  return (_u: uPlot, splits: number[]): (number | null)[] =>
    splits.map((v) => {
      const e = Math.log(v) / Math.log(base);
      return Math.abs(e - Math.round(e)) < 1e-9 ? v : null;
    });
}

/** Points on lines only where a value stands alone between gaps (else it would be invisible). */
function showPoints(u: uPlot, si: number): boolean {
  const ys = u.data[si] as (number | null)[] | undefined;
  if (!ys) return false;
  let nonNull = 0;
  for (const v of ys) if (v !== null) nonNull += 1;
  return nonNull > 0 && nonNull <= 3;
}

function xLabels(splits: number[], incr: number): string[] {
  let prevDay = '';
  return splits.map((ms) => {
    if (ms === null) return '';
    const day = fmtDate(ms);
    if (incr >= DAY) return day.slice(0, 5);
    const time = incr < 60_000 ? fmtDateTime(ms, true).slice(11) : fmtTime(ms);
    const label = day !== prevDay ? `${time}\n${day.slice(0, 5)}` : time;
    prevDay = day;
    return label;
  });
}

function drawBands(u: uPlot, bands: Band[]): void {
  if (!bands.length) return;
  const { ctx } = u;
  const { left, width, top, height } = u.bbox;
  const yScale = u.scales.y;
  if (yScale?.min === undefined || yScale.max === undefined) return;
  ctx.save();
  for (const b of bands) {
    const lo = Math.max(b.from ?? yScale.min, yScale.min);
    const hi = Math.min(b.to ?? yScale.max, yScale.max);
    if (hi <= lo) continue;
    const y1 = u.valToPos(hi, 'y', true);
    const y0 = u.valToPos(lo, 'y', true);
    ctx.fillStyle = BAND_FILL[b.color];
    ctx.fillRect(left, Math.max(top, y1), width, Math.min(top + height, y0) - Math.max(top, y1));
  }
  ctx.restore();
}

function drawLines(u: uPlot, lines: ThresholdLine[]): void {
  if (!lines.length) return;
  const { ctx } = u;
  const { left, width } = u.bbox;
  const dpr = window.devicePixelRatio || 1;
  ctx.save();
  for (const l of lines) {
    const y = Math.round(u.valToPos(l.value, 'y', true));
    ctx.strokeStyle = LINE_COLOR[l.color];
    ctx.lineWidth = 1.5 * dpr;
    ctx.setLineDash([6 * dpr, 4 * dpr]);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    if (l.label) {
      ctx.setLineDash([]);
      ctx.fillStyle = LINE_COLOR[l.color];
      ctx.font = `${11 * dpr}px Inter, system-ui, sans-serif`;
      ctx.textAlign = 'right';
      ctx.fillText(l.label, left + width - 4 * dpr, y - 4 * dpr);
    }
  }
  ctx.restore();
}

const MAX_TOOLTIP_ROWS = 12;

function updateTooltip(
  u: uPlot,
  el: HTMLDivElement,
  data: Aligned,
  colors: string[],
  fmt: (v: number | null) => string,
): void {
  const idx = u.cursor.idx;
  if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
    el.style.display = 'none';
    return;
  }
  const rows: { label: string; value: number; color: string }[] = [];
  data.series.forEach((s, i) => {
    const v = s.values[idx];
    if (v === null || v === undefined || !u.series[i + 1]?.show) return;
    rows.push({ label: s.label, value: v, color: colors[i]! });
  });
  if (rows.length === 0) {
    el.style.display = 'none';
    return;
  }
  rows.sort((a, b) => b.value - a.value);
  el.replaceChildren();
  const head = document.createElement('div');
  head.className = 'tt-time';
  const ts = data.timestamps[idx]!;
  head.textContent = data.step >= DAY ? fmtDate(ts) : fmtDateTime(ts);
  el.appendChild(head);
  for (const r of rows.slice(0, MAX_TOOLTIP_ROWS)) {
    const row = document.createElement('div');
    row.className = 'tt-row';
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = r.color;
    const name = document.createElement('span');
    name.className = 'tt-name';
    name.textContent = r.label;
    const val = document.createElement('span');
    val.className = 'tt-val';
    val.textContent = fmt(r.value);
    row.append(sw, name, val);
    el.appendChild(row);
  }
  if (rows.length > MAX_TOOLTIP_ROWS) {
    const more = document.createElement('div');
    more.className = 'tt-more';
    more.textContent = `+ ${rows.length - MAX_TOOLTIP_ROWS}`;
    el.appendChild(more);
  }
  el.style.display = 'block';
  const left = u.cursor.left;
  const top = u.cursor.top ?? 0;
  const w = el.offsetWidth;
  const h = el.offsetHeight;
  const overW = u.over.clientWidth;
  const overH = u.over.clientHeight;
  el.style.left = `${left + 14 + w > overW ? Math.max(0, left - w - 14) : left + 14}px`;
  el.style.top = `${Math.max(0, Math.min(top + 10, overH - h))}px`;
}
