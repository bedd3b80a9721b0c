/**
 * A dashboard's state, all of it in the URL so that a link reproduces the view:
 *
 *   from=now-90d&to=now            the range (relative, or absolute ms)
 *   var-manager=3&var-manager=5    variables (repeated for several values; absent = «Все»)
 *   refresh=1m                     auto-refresh
 *   kiosk=full|title|min           kiosk mode
 *   viewPanel=usedLicences         one panel full screen
 *   iso-usedLicences=i:1,i:4       legend isolation of a panel (the series shown)
 *   sort-remaining-docs=last-desc  legend sort of a panel (`off`: unsorted; absent: the panel's own)
 *   collapsed=problems             collapsed rows of the dashboard (absent: all open)
 *
 * Missing range and refresh parameters are written into the URL with the dashboard's defaults on the
 * first render, so the address bar always shows the full state.
 */
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { Key } from '../i18n';
import { isRelative, isTimeExpr, resolveRange, type RawRange } from './time';

export type VarName =
  'unit' | 'manager' | 'client' | 'host' | 'domain' | 'checktype' | 'server' | 'name' | 'priority';

export type Kiosk = 'full' | 'title' | 'min';

export interface DashboardDef {
  /** URL slug: /d/<id>. */
  id: string;
  titleKey: Key;
  defaultFrom: string;
  /** '' = off. */
  defaultRefresh: string;
  variables: VarName[];
}

export const REFRESH_CHOICES: { value: string; ms: number }[] = [
  { value: '', ms: 0 },
  { value: '5s', ms: 5_000 },
  { value: '10s', ms: 10_000 },
  { value: '30s', ms: 30_000 },
  { value: '1m', ms: 60_000 },
  { value: '5m', ms: 300_000 },
  { value: '15m', ms: 900_000 },
  { value: '30m', ms: 1_800_000 },
  { value: '1h', ms: 3_600_000 },
  { value: '2h', ms: 7_200_000 },
  { value: '1d', ms: 86_400_000 },
];

export function refreshMs(value: string): number {
  return REFRESH_CHOICES.find((c) => c.value === value)?.ms ?? 0;
}

/** The API parameter each standard variable maps to. */
export const VAR_PARAM: Partial<Record<VarName, string>> = {
  unit: 'unitId',
  manager: 'managerId',
  client: 'clientId',
  host: 'installationId',
  domain: 'domain',
  checktype: 'checktype',
  server: 'server',
  name: 'name',
  priority: 'priority',
};

export interface DashboardState {
  def: DashboardDef;
  raw: RawRange;
  /** The range resolved at the last refresh (relative ranges move with each refresh). */
  range: { from: number; to: number };
  setRange(r: RawRange): void;
  vars: Record<VarName, string[]>;
  setVar(name: VarName, values: string[]): void;
  refresh: string;
  setRefresh(value: string): void;
  kiosk: Kiosk | null;
  setKiosk(k: Kiosk | null): void;
  viewPanel: string | null;
  setViewPanel(id: string | null): void;
  isolated(panel: string): string[];
  setIsolated(panel: string, keys: string[]): void;
  /** A panel's legend sort as the URL has it: `col-asc`, `col-desc`, `off`, or null (the default). */
  legendSort(panel: string): string | null;
  /** null drops the parameter: the panel's default sort applies. */
  setLegendSort(panel: string, value: string | null): void;
  /** Whether a row of panels is collapsed (rows are open unless the URL says otherwise). */
  collapsed(row: string): boolean;
  setCollapsed(row: string, collapsed: boolean): void;
  /** Increments on every refresh (auto or by hand). */
  tick: number;
  refreshNow(): void;
  /** Variables as API query parameters (only the dashboard's own; `skip` leaves some out). */
  params(skip?: VarName[]): Record<string, string[]>;
  /** A URL search param other than the standard ones (page-specific state, e.g. `state=all`). */
  extra(name: string): string | null;
  setExtra(name: string, value: string | null): void;
}

const ALL_VARS: VarName[] = [
  'unit',
  'manager',
  'client',
  'host',
  'domain',
  'checktype',
  'server',
  'name',
  'priority',
];

export function useDashboardState(def: DashboardDef): DashboardState {
  const [sp, setSp] = useSearchParams();
  const [tick, setTick] = useState(0);

  const fromParam = sp.get('from');
  const toParam = sp.get('to');
  const raw: RawRange = useMemo(
    () =>
      isTimeExpr(fromParam) && isTimeExpr(toParam)
        ? { from: fromParam, to: toParam }
        : { from: def.defaultFrom, to: 'now' },
    [fromParam, toParam, def.defaultFrom],
  );
  const refresh = sp.get('refresh') ?? def.defaultRefresh;

  // Write the defaults into the URL once, so the address always carries the state.
  useEffect(() => {
    if (isTimeExpr(fromParam) && isTimeExpr(toParam) && sp.has('refresh')) return;
    setSp(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (!isTimeExpr(fromParam) || !isTimeExpr(toParam)) {
          next.set('from', def.defaultFrom);
          next.set('to', 'now');
        }
        if (!next.has('refresh')) next.set('refresh', def.defaultRefresh || 'off');
        return next;
      },
      { replace: true },
    );
  }, [fromParam, toParam, sp, setSp, def.defaultFrom, def.defaultRefresh]);

  const refreshValue = refresh === 'off' ? '' : refresh;
  const every = refreshMs(refreshValue);
  // A refresh moves a relative range to the new "now" (new query keys, so new requests); an absolute
  // range keeps its keys, so its queries are invalidated instead.
  const qc = useQueryClient();
  const relative = isRelative(raw);
  const bump = useCallback(() => {
    setTick((n) => n + 1);
    if (!relative) void qc.invalidateQueries({ queryKey: ['dash'] });
  }, [qc, relative]);
  useEffect(() => {
    if (!every) return;
    const h = window.setInterval(bump, every);
    return () => window.clearInterval(h);
  }, [every, bump]);

  // "now" is taken when the range or the tick changes, so the query keys stay put in between.
  const range = useMemo(() => {
    const now = Date.now();
    void tick;
    return resolveRange(raw, now);
  }, [raw, tick]);

  const update = useCallback(
    (fn: (p: URLSearchParams) => void, replace = false) =>
      setSp(
        (prev) => {
          const next = new URLSearchParams(prev);
          fn(next);
          return next;
        },
        { replace },
      ),
    [setSp],
  );

  const spString = sp.toString();
  const vars = useMemo(() => {
    const p = new URLSearchParams(spString);
    const out = {} as Record<VarName, string[]>;
    for (const v of ALL_VARS) out[v] = p.getAll(`var-${v}`).filter(Boolean);
    return out;
  }, [spString]);

  const collapsedRows = (sp.get('collapsed') ?? '').split(',').filter(Boolean);

  return {
    def,
    raw,
    range,
    setRange: (r) =>
      update((p) => {
        p.set('from', r.from);
        p.set('to', r.to);
      }),
    vars,
    setVar: (name, values) =>
      update((p) => {
        p.delete(`var-${name}`);
        for (const v of values) p.append(`var-${name}`, v);
      }),
    refresh: refreshValue,
    setRefresh: (value) => update((p) => p.set('refresh', value || 'off')),
    kiosk: ((k) => (k === 'full' || k === 'title' || k === 'min' ? k : null))(sp.get('kiosk')),
    setKiosk: (k) => update((p) => (k ? p.set('kiosk', k) : p.delete('kiosk'))),
    viewPanel: sp.get('viewPanel'),
    setViewPanel: (id) => update((p) => (id ? p.set('viewPanel', id) : p.delete('viewPanel'))),
    isolated: (panel) => (sp.get(`iso-${panel}`) ?? '').split(',').filter(Boolean),
    setIsolated: (panel, keys) =>
      update((p) => (keys.length ? p.set(`iso-${panel}`, keys.join(',')) : p.delete(`iso-${panel}`)), true),
    legendSort: (panel) => sp.get(`sort-${panel}`),
    // Legend sorting and rows, like the legend selection, replace the history entry instead of adding one.
    setLegendSort: (panel, value) =>
      update((p) => (value ? p.set(`sort-${panel}`, value) : p.delete(`sort-${panel}`)), true),
    collapsed: (row) => collapsedRows.includes(row),
    setCollapsed: (row, collapsed) =>
      update((p) => {
        const rows = (p.get('collapsed') ?? '').split(',').filter((r) => r && r !== row);
        if (collapsed) rows.push(row);
        if (rows.length) p.set('collapsed', rows.join(','));
        else p.delete('collapsed');
      }, true),
    tick,
    refreshNow: bump,
    params: (skip = []) => {
      const out: Record<string, string[]> = {};
      for (const v of def.variables) {
        const param = VAR_PARAM[v];
        if (!param || skip.includes(v) || vars[v].length === 0) continue;
        out[param] = vars[v];
      }
      return out;
    },
    extra: (name) => sp.get(name),
    setExtra: (name, value) => update((p) => (value === null ? p.delete(name) : p.set(name, value))),
  };
}

export const DashboardContext = createContext<DashboardState | null>(null);

/** The dashboard a panel belongs to (null outside dashboards, e.g. on the client page). */
export function useDashboard(): DashboardState | null {
  return useContext(DashboardContext);
}
