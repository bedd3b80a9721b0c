/**
 * «kAssist. Аналитика». Placeholder until the page is built.
 */
import { DashboardFrame } from '../components/DashboardFrame';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';

export const DEF: DashboardDef = {
  id: 'kassist-analytics',
  titleKey: 'dash.kassistAnalytics',
  defaultFrom: 'now-30d',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client'],
};

export function KassistAnalyticsPage() {
  const state = useDashboardState(DEF);
  return (
    <DashboardFrame state={state} fetching={false}>
      {null}
    </DashboardFrame>
  );
}
