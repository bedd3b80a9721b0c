/**
 * «Поисковые запросы. Онлайн.». Placeholder until the page is built.
 */
import { DashboardFrame } from '../components/DashboardFrame';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';

export const DEF: DashboardDef = {
  id: 'online-search-queries',
  titleKey: 'dash.onlineSearch',
  defaultFrom: 'now-30d',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client'],
};

export function OnlineSearchPage() {
  const state = useDashboardState(DEF);
  return (
    <DashboardFrame state={state} fetching={false}>
      {null}
    </DashboardFrame>
  );
}
