/**
 * «Подключённые пользователи». Placeholder until the page is built.
 */
import { DashboardFrame } from '../components/DashboardFrame';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';

export const DEF: DashboardDef = {
  id: 'connected-users',
  titleKey: 'dash.connectedUsers',
  defaultFrom: 'now-30d',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client'],
};

export function ConnectedUsersPage() {
  const state = useDashboardState(DEF);
  return (
    <DashboardFrame state={state} fetching={false}>
      {null}
    </DashboardFrame>
  );
}
