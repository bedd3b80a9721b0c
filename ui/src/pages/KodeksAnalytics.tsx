/**
 * «Kodeks аналитика», the home dashboard (spec dashboards-installations §3.2): eleven panels from the
 * sysinfo reports, one series per installation, default range 90 days, refresh 1h.
 */
import { ENDPOINTS, type KodeksAnalyticsOut, type KodeksAnalyticsPanel } from '../api';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import type { PanelSpan } from '../components/Panel';
import { TimeSeriesPanel, type Draw, type LegendCol } from '../components/TimeSeriesPanel';
import { t, type Key } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';

export const KODEKS_ANALYTICS: DashboardDef = {
  id: 'kodeks-analytics',
  titleKey: 'dash.kodeksAnalytics',
  defaultFrom: 'now-90d',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client', 'host', 'domain'],
};

interface PanelSpec {
  id: KodeksAnalyticsPanel;
  legend: LegendCol[];
  draw?: Draw;
  fill?: boolean;
  span?: PanelSpan;
  sort?: { col: LegendCol; dir: 'asc' | 'desc' };
}

/** In the order of the spec, with each panel's legend columns. */
const PANELS: PanelSpec[] = [
  {
    id: 'usedLicences',
    legend: ['min', 'max', 'current'],
    fill: true,
    sort: { col: 'current', dir: 'desc' },
  },
  { id: 'licenceHeadroom', legend: ['min', 'max', 'current'] },
  {
    id: 'failedSearches',
    legend: ['mean', 'lastNonZero', 'max'],
    draw: 'bars',
    sort: { col: 'max', dir: 'desc' },
  },
  { id: 'kassistRequests', legend: ['lastNonZero'], draw: 'step' },
  { id: 'inactive60d', legend: ['min', 'max', 'current'], draw: 'step' },
  { id: 'dbRequests', legend: ['max', 'current'] },
  { id: 'countedDocs', legend: ['max', 'current'] },
  { id: 'savedDocs', legend: ['max', 'current'] },
  { id: 'docOrService', legend: ['max', 'current'] },
  { id: 'printedDocs', legend: ['max', 'current'] },
  { id: 'regLicences', legend: ['max', 'current'], draw: 'step', fill: true },
];

export function KodeksAnalyticsPage() {
  const state = useDashboardState(KODEKS_ANALYTICS);
  const q = useDashQuery<KodeksAnalyticsOut>(state, ENDPOINTS.kodeksAnalytics);
  return (
    <DashboardFrame state={state} fetching={q.isFetching}>
      {PANELS.map((p, i) => (
        <TimeSeriesPanel
          key={p.id}
          id={p.id}
          title={t(`ka.${p.id}` as Key)}
          description={t(`ka.${p.id}.d` as Key)}
          data={q.data?.panels[p.id]}
          loading={q.isLoading}
          error={q.error}
          onRetry={() => void q.refetch()}
          emptyText={t('panel.noDataRange', { what: t('ka.empty') })}
          legend={p.legend}
          legendSort={p.sort}
          draw={p.draw}
          fill={p.fill}
          span={p.span ?? (i === PANELS.length - 1 ? 'full' : 'half')}
        />
      ))}
    </DashboardFrame>
  );
}
