/**
 * A dashboard page: the title row with the time picker, refresh and kiosk controls, the variables bar,
 * and the panel grid (or one panel in View mode). Esc leaves View mode, then kiosk mode.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { apiGet, ENDPOINTS, type Params, type VariablesOut } from '../api';
import { t } from '../i18n';
import {
  DashboardContext,
  REFRESH_CHOICES,
  type DashboardState,
  type Kiosk,
  type VarName,
} from '../lib/dashboard';
import { Icon } from './icons';
import { MultiSelect, type Option } from './MultiSelect';
import { Menu } from './Popover';
import { TimePicker } from './TimePicker';

export const CHECK_TYPES = ['tcp', 'http200', 'auth', 'maintenance', 'warning', 'key', 'limit'];
export const PRIORITIES = ['K1', 'K2', 'K3', 'K4', 'K5'];

/** A dashboard query: re-fetched when the range, the variables or the refresh tick change. */
export function useDashQuery<T>(
  state: DashboardState,
  path: string,
  extra: Params = {},
  skip: VarName[] = [],
) {
  const limit = state.extra('limit');
  const params: Params = {
    from: state.range.from,
    to: state.range.to,
    ...state.params(skip),
    ...(limit ? { limit } : {}),
    ...extra,
  };
  return useQuery({
    queryKey: ['dash', path, params],
    queryFn: ({ signal }) => apiGet<T>(path, params, signal),
    placeholderData: keepPreviousData,
    retry: 1,
  });
}

function refreshLabel(v: string): string {
  return v ? v : t('tb.refreshOff');
}

export function DashboardFrame({
  state,
  children,
  extraOptions = {},
  varNotes = {},
  toolbarExtra,
  extraVars,
  fetching,
}: {
  state: DashboardState;
  children: ReactNode;
  /** Options of per-dashboard variables that do not come from /api/dashboards/variables. */
  extraOptions?: Partial<Record<VarName, Option[]>>;
  /** A hint per variable (e.g. the panel it applies to). */
  varNotes?: Partial<Record<VarName, string>>;
  toolbarExtra?: ReactNode;
  /** The page's own filters, shown in the variables bar after the standard variables. */
  extraVars?: ReactNode;
  /** Some query of the page is fetching (the refresh button spins). */
  fetching?: boolean;
}) {
  const { kiosk, viewPanel } = state;
  const title = t(state.def.titleKey);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    document.title = `${title} · SMART`;
  }, [title]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      const el = document.activeElement as HTMLElement | null;
      if (el?.closest('[role="dialog"], [role="menu"], [role="listbox"]')) return;
      if (state.viewPanel) state.setViewPanel(null);
      else if (state.kiosk) state.setKiosk(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [state]);

  const kioskItems: { k: Kiosk; label: string }[] = [
    { k: 'full', label: t('tb.kioskFull') },
    { k: 'title', label: t('tb.kioskTitle') },
    { k: 'min', label: t('tb.kioskMin') },
  ];

  const share = async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      window.prompt(t('tb.share'), window.location.href);
    }
  };

  const controls = (
    <div className="dash-controls">
      {toolbarExtra}
      <TimePicker raw={state.raw} onChange={state.setRange} />
      <div className="refresh-group" role="group" aria-label={t('tb.refreshEvery')}>
        <button
          type="button"
          className="btn btn-icon"
          onClick={state.refreshNow}
          aria-label={t('tb.refresh')}
          title={t('tb.refresh')}
        >
          <span className={fetching ? 'spin' : undefined}>
            <Icon name="refresh" />
          </span>
        </button>
        <Menu
          label={`${t('tb.refreshEvery')}: ${refreshLabel(state.refresh)}`}
          align="right"
          buttonContent={
            <>
              <span className="refresh-value">{refreshLabel(state.refresh)}</span>
              <Icon name="down" size={14} />
            </>
          }
          items={REFRESH_CHOICES.map((c) => ({
            label: refreshLabel(c.value),
            checked: state.refresh === c.value,
            onSelect: () => state.setRefresh(c.value),
          }))}
        />
      </div>
      <Menu
        label={t('tb.kiosk')}
        align="right"
        buttonContent={<Icon name="monitor" />}
        items={kioskItems.map((k) => ({
          label: k.label,
          checked: kiosk === k.k,
          onSelect: () => state.setKiosk(k.k),
        }))}
      />
      <button
        type="button"
        className="btn btn-icon"
        onClick={() => void share()}
        aria-label={t('tb.share')}
        title={copied ? t('tb.copied') : t('tb.share')}
      >
        <Icon name={copied ? 'check' : 'link'} />
      </button>
    </div>
  );

  return (
    <DashboardContext.Provider value={state}>
      <div className={`dashboard${viewPanel ? ' view-mode' : ''}`} data-dashboard={state.def.id}>
        {kiosk !== 'full' && (
          <div className="dash-head">
            <h1 className="dash-title">{title}</h1>
            {kiosk !== 'title' && controls}
          </div>
        )}
        {(kiosk === null || kiosk === 'min') && (
          <VariablesBar state={state} extraOptions={extraOptions} varNotes={varNotes} extra={extraVars} />
        )}
        {kiosk && (
          <button
            type="button"
            className="btn kiosk-exit"
            onClick={() => state.setKiosk(null)}
            aria-label={t('tb.kioskExit')}
            title={t('tb.kioskExit')}
          >
            <Icon name="x" />
          </button>
        )}
        <div className="grid">{children}</div>
      </div>
    </DashboardContext.Provider>
  );
}

const VAR_LABEL: Record<VarName, Parameters<typeof t>[0]> = {
  unit: 'var.unit',
  manager: 'var.manager',
  client: 'var.client',
  host: 'var.host',
  domain: 'var.domain',
  checktype: 'var.checktype',
  server: 'var.server',
  name: 'var.name',
  priority: 'var.priority',
};

/** Descendants of the chosen units, the units themselves included. */
function unitSubtree(units: VariablesOut['units'], chosen: number[]): Set<number> {
  const out = new Set(chosen);
  let grew = true;
  while (grew) {
    grew = false;
    for (const u of units) {
      if (u.parentId !== null && out.has(u.parentId) && !out.has(u.id)) {
        out.add(u.id);
        grew = true;
      }
    }
  }
  return out;
}

function unitPath(units: VariablesOut['units'], id: number): string {
  const byId = new Map(units.map((u) => [u.id, u]));
  const parts: string[] = [];
  let cur = byId.get(id);
  while (cur) {
    parts.unshift(cur.name);
    cur = cur.parentId === null ? undefined : byId.get(cur.parentId);
  }
  return parts.join(' / ');
}

/** GET /api/dashboards/variables: the variables' options within the caller's scope. */
export function useVariables(params: Params = {}, enabled = true) {
  return useQuery({
    queryKey: ['variables', params],
    queryFn: ({ signal }) => apiGet<VariablesOut>(ENDPOINTS.variables, params, signal),
    staleTime: 60_000,
    placeholderData: keepPreviousData,
    enabled,
  });
}

function VariablesBar({
  state,
  extraOptions,
  varNotes,
  extra,
}: {
  state: DashboardState;
  extraOptions: Partial<Record<VarName, Option[]>>;
  varNotes: Partial<Record<VarName, string>>;
  extra?: ReactNode;
}) {
  const { vars } = state;
  const base = useVariables();
  // Clients, hosts and domains narrowed by the unit and manager chosen above them.
  const narrowParams: Params = { unitId: vars.unit, managerId: vars.manager };
  const narrowed = useVariables(narrowParams, vars.unit.length > 0 || vars.manager.length > 0);
  const b = base.data;
  const n = vars.unit.length || vars.manager.length ? (narrowed.data ?? b) : b;

  const options = useMemo(() => {
    const out: Partial<Record<VarName, Option[]>> = {};
    if (b) {
      out.unit = b.units.map((u) => ({ value: String(u.id), label: unitPath(b.units, u.id) }));
      const units = vars.unit.length ? unitSubtree(b.units, vars.unit.map(Number)) : null;
      out.manager = b.managers
        .filter((m) => !units || (m.unitId !== null && units.has(m.unitId)))
        .map((m) => ({ value: String(m.id), label: m.name }));
      out.server = b.dcServers.map((s) => ({ value: s, label: s }));
    }
    if (n) {
      out.client = n.clients.map((c) => ({
        value: String(c.id),
        label: c.shortName,
        hint: c.name ?? undefined,
      }));
      const clients = vars.client.length ? new Set(vars.client.map(Number)) : null;
      const clientName = new Map(n.clients.map((c) => [c.id, c.shortName]));
      out.host = n.installations
        .filter((i) => !clients || clients.has(i.clientId))
        .map((i) => ({ value: String(i.id), label: i.host, hint: clientName.get(i.clientId) }));
      out.domain = n.domains.map((d) => ({ value: d, label: d }));
    }
    out.checktype = CHECK_TYPES.map((c) => ({ value: c, label: c }));
    out.priority = PRIORITIES.map((p) => ({ value: p, label: p }));
    return { ...out, ...extraOptions };
  }, [b, n, vars.unit, vars.client, extraOptions]);

  return (
    <div className="variables" role="toolbar" aria-label={t('tb.variables')}>
      {state.def.variables.map((v) => {
        const opts = options[v] ?? [];
        // A variable with nothing to choose (e.g. units for a manager) is left out unless set by a link.
        if (opts.length <= 1 && vars[v].length === 0 && v === 'unit') return null;
        return (
          <MultiSelect
            key={v}
            label={t(VAR_LABEL[v])}
            title={varNotes[v]}
            options={opts}
            value={vars[v]}
            loading={base.isLoading}
            onChange={(values) => state.setVar(v, values)}
          />
        );
      })}
      {extra}
    </div>
  );
}
