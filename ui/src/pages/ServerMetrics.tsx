/**
 * «Kodeks server metrics» (spec §3.1): abnormal states as points (0, or the HTTP status), the online
 * check statuses as 0/1 steps, and the low-disk panel (telegraf; usually empty, and it says why).
 */
import { ENDPOINTS, type ServerMetricsOut } from '../api';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { TimeSeriesPanel } from '../components/TimeSeriesPanel';
import { t } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';

export const SERVER_METRICS: DashboardDef = {
  id: 'server-metrics',
  titleKey: 'dash.serverMetrics',
  defaultFrom: 'now-7d',
  defaultRefresh: '1m',
  variables: ['unit', 'manager', 'client', 'host', 'checktype'],
};

export function ServerMetricsPage() {
  const state = useDashboardState(SERVER_METRICS);
  const q = useDashQuery<ServerMetricsOut>(state, ENDPOINTS.serverMetrics);
  const common = { loading: q.isLoading, error: q.error, onRetry: () => void q.refetch() };
  return (
    <DashboardFrame state={state} fetching={q.isFetching}>
      <TimeSeriesPanel
        {...common}
        id="abnormal"
        title={t('sm.abnormal')}
        description={t('sm.abnormal.d')}
        data={q.data?.abnormal}
        emptyText={t('panel.noDataRange', { what: t('sm.empty') })}
        legend={['current', 'max']}
        legendSort={{ col: 'current', dir: 'desc' }}
        draw="points"
        decimals={0}
        yMin={0}
        span="full"
        height={380}
      />
      <TimeSeriesPanel
        {...common}
        id="checks"
        title={t('sm.checks')}
        description={t('sm.checks.d')}
        data={q.data?.checks}
        emptyText={t('panel.noDataRange', { what: t('sm.empty') })}
        legend={['last']}
        legendSort={{ col: 'last', dir: 'asc' }}
        draw="step"
        decimals={0}
        yMin={0}
        yMax={1.1}
        span="twothirds"
        height={420}
      />
      <TimeSeriesPanel
        {...common}
        id="lowDisk"
        title={t('sm.lowDisk')}
        description={t('sm.lowDisk.d')}
        data={q.data?.lowDisk}
        emptyText={t('sm.lowDisk.empty')}
        legend={['min', 'last']}
        span="third"
        height={420}
      />
    </DashboardFrame>
  );
}
