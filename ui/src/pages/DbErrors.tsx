/**
 * «Ошибки БД». Placeholder until the page is built.
 */
import { DashboardFrame } from '../components/DashboardFrame';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';

export const DEF: DashboardDef = {
  id: 'db-errors',
  titleKey: 'dash.dbErrors',
  defaultFrom: 'now-30d',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client'],
};

export function DbErrorsPage() {
  const state = useDashboardState(DEF);
  return (
    <DashboardFrame state={state} fetching={false}>
      {null}
    </DashboardFrame>
  );
}
