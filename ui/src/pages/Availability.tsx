/**
 * «Доступность серверов» (spec §3.13): rolling 30-day availability of the ПК interface and port, and
 * «Доступность серверов. Онлайн» (spec online §4.4): per client access (the client variable applies
 * to this panel only) and per DC server (the server variable applies to that one only).
 */
import { ENDPOINTS, type AvailabilityOnlineOut, type AvailabilityOut } from '../api';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { TimeSeriesPanel } from '../components/TimeSeriesPanel';
import { t } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';

export const AVAILABILITY: DashboardDef = {
  id: 'availability',
  titleKey: 'dash.availability',
  defaultFrom: 'now-30d',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client', 'host'],
};

export function AvailabilityPage() {
  const state = useDashboardState(AVAILABILITY);
  const q = useDashQuery<AvailabilityOut>(state, ENDPOINTS.availability);
  const common = {
    loading: q.isLoading,
    error: q.error,
    onRetry: () => void q.refetch(),
    legend: ['last' as const],
    legendSort: { col: 'last' as const, dir: 'asc' as const },
    unit: '%' as const,
    decimals: 2,
    yMin: 'auto' as const,
    yMax: 100,
    emptyText: t('panel.noDataRange', { what: t('av.empty') }),
    span: 'full' as const,
    height: 380,
  };
  return (
    <DashboardFrame state={state} fetching={q.isFetching}>
      <TimeSeriesPanel
        {...common}
        id="interface"
        title={t('av.interface')}
        description={t('av.interface.d')}
        data={q.data?.interface}
      />
      <TimeSeriesPanel
        {...common}
        id="port"
        title={t('av.port')}
        description={t('av.port.d')}
        data={q.data?.port}
      />
    </DashboardFrame>
  );
}

export const AVAILABILITY_ONLINE: DashboardDef = {
  id: 'availability-online',
  titleKey: 'dash.availabilityOnline',
  defaultFrom: 'now-24h',
  defaultRefresh: '1m',
  variables: ['unit', 'manager', 'client', 'server'],
};

export function AvailabilityOnlinePage() {
  const state = useDashboardState(AVAILABILITY_ONLINE);
  const q = useDashQuery<AvailabilityOnlineOut>(state, ENDPOINTS.availabilityOnline);
  const common = {
    loading: q.isLoading,
    error: q.error,
    onRetry: () => void q.refetch(),
    legend: ['last' as const],
    legendSort: { col: 'last' as const, dir: 'asc' as const },
    unit: '%' as const,
    decimals: 2,
    yMax: 100,
    emptyText: t('panel.noDataRange', { what: t('avo.empty') }),
    span: 'full' as const,
    height: 380,
  };
  return (
    <DashboardFrame
      state={state}
      fetching={q.isFetching}
      varNotes={{
        client: t('var.appliesTo', { panel: t('avo.clients') }),
        server: t('var.appliesTo', { panel: t('avo.servers') }),
      }}
    >
      <TimeSeriesPanel
        {...common}
        id="clients"
        title={t('avo.clients')}
        description={t('avo.clients.d')}
        data={q.data?.clients}
      />
      <TimeSeriesPanel
        {...common}
        id="servers"
        yMin="auto"
        title={t('avo.servers')}
        description={t('avo.servers.d')}
        data={q.data?.servers}
      />
    </DashboardFrame>
  );
}
