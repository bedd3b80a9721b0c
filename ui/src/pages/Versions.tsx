/**
 * «Контроль версий ПК, Kassist, СП». Placeholder until the page is built.
 */
import { DashboardFrame } from '../components/DashboardFrame';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';

export const DEF: DashboardDef = {
  id: 'versions',
  titleKey: 'dash.versions',
  defaultFrom: 'now-30d',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client'],
};

export function VersionsPage() {
  const state = useDashboardState(DEF);
  return (
    <DashboardFrame state={state} fetching={false}>
      {null}
    </DashboardFrame>
  );
}
