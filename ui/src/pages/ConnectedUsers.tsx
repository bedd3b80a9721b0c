/**
 * «Подключённые пользователи» (spec installations §3.7): «Пользователи занимающие лицензии на момент
 * получения sysinfo» — the licence-holding sessions of each installation's newest report with all five
 * columns of the spec (login, «Время на сервере», IP, browser, domain). A login holding licences from
 * more than one computer or browser is flagged in red (a seat deficit, or shared credentials — spec
 * §3.7's business rules); a tile shows how many and narrows the list to them on the server.
 */
import type { ConnectedUserRow, ConnectedUsersOut } from '../../../src/dashboards/contract-users';
import { ENDPOINTS } from '../api';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { Panel } from '../components/Panel';
import { StatTiles } from '../components/StatTiles';
import { TablePanel, type Column } from '../components/TablePanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtDateTime, fmtNum } from '../lib/format';
import { OffsetPager, tableStatus } from './analytics-common';
import { ClientLink } from './BillingStats';

export const DEF: DashboardDef = {
  id: 'connected-users',
  titleKey: 'dash.connectedUsers',
  defaultFrom: 'now-24h',
  defaultRefresh: '5m',
  variables: ['unit', 'manager', 'client', 'host', 'domain'],
};

/** Sessions a server page carries (the API's maximum); the table pages them 25 at a time. */
const PAGE = 1000;

/** A session and its place in the server's order (two sessions may look the same). */
type Row = ConnectedUserRow & { seq: number };

export function ConnectedUsersPage() {
  const state = useDashboardState(DEF);
  const multipleOnly = state.extra('multiple') === '1';
  const offset = Math.max(0, Number(state.extra('offset')) || 0);
  const q = useDashQuery<ConnectedUsersOut>(state, ENDPOINTS.connectedUsers, {
    limit: PAGE,
    offset,
    multipleOnly: multipleOnly ? 'true' : undefined,
  });
  const d = q.data;
  const rows: Row[] = (d?.rows ?? []).map((r, i) => ({ ...r, seq: (d?.offset ?? 0) + i }));
  const shown = (v: number | undefined) => (d && v !== undefined ? fmtNum(v) : '…');
  const multipleHint = (r: ConnectedUserRow) =>
    tx(
      'Логин занимает лицензии с {n} разных компьютеров или браузеров ({s} сессий): нехватка рабочих мест или передача учётной записи',
      'The login holds licences from {n} computers or browsers ({s} sessions): a seat deficit or shared credentials',
      { n: r.loginPlaces, s: r.loginSessions },
    );

  const columns: Column<Row>[] = [
    {
      key: 'login',
      title: tx('Логин', 'Login'),
      value: (r) => r.login,
      render: (r) => (
        <>
          {r.login}
          {r.multiple && (
            <span className="flag" data-multiple="true" title={multipleHint(r)}>
              {tx('с {n} мест', 'from {n} places', { n: r.loginPlaces })}
            </span>
          )}
        </>
      ),
      color: (_v, r) => (r.multiple ? 'red' : null),
      titleOf: (r) => (r.multiple ? multipleHint(r) : r.login),
    },
    {
      key: 'logonAt',
      title: tx('Время на сервере', 'Server time'),
      value: (r) => r.logonAt,
      render: (r) => fmtDateTime(r.logonAt),
      csv: (r) => fmtDateTime(r.logonAt),
      filter: false,
    },
    {
      key: 'ip',
      title: 'IP',
      value: (r) => r.ip,
      color: (_v, r) => (r.multiple ? 'red' : null),
    },
    {
      key: 'browser',
      title: tx('Браузер', 'Browser'),
      value: (r) => r.browser,
      color: (_v, r) => (r.multiple ? 'red' : null),
      className: 'cell-long',
    },
    { key: 'domain', title: tx('Домен', 'Domain'), value: (r) => r.domain },
    {
      key: 'client',
      title: tx('Клиент', 'Client'),
      value: (r) => r.client,
      render: (r) => <ClientLink id={r.clientId} name={r.client} />,
    },
    { key: 'host', title: 'host', value: (r) => r.host },
    {
      key: 'places',
      title: tx('Мест входа', 'Places'),
      value: (r) => r.loginPlaces,
      numeric: true,
      digits: 0,
      color: (v) => (typeof v === 'number' && v > 1 ? 'red' : null),
      titleOf: (r) => tx('сессий логина: {s}', 'sessions of the login: {s}', { s: r.loginSessions }),
    },
    {
      key: 'reportAt',
      title: tx('Отчёт sysinfo', 'sysinfo report'),
      value: (r) => r.reportAt,
      render: (r) => fmtDateTime(r.reportAt),
      csv: (r) => fmtDateTime(r.reportAt),
      filter: false,
    },
  ];

  return (
    <DashboardFrame state={state} fetching={q.isFetching}>
      <Panel
        id="summary"
        title={tx('Занятые лицензии сейчас', 'Licences held now')}
        description={tx(
          'По последнему отчёту sysinfo каждой установки (истории сессий нет): интервал времени не применяется. Щелчок по красной плитке оставляет только логины, вошедшие с нескольких мест.',
          "By each installation's newest sysinfo (no history of sessions is kept): the time range does not apply. A click on the red tile keeps only the logins connected from several places.",
        )}
        span="full"
        height="auto"
      >
        <StatTiles
          label={tx('Занятые лицензии', 'Licences held')}
          tiles={[
            {
              key: 'sessions',
              label: multipleOnly
                ? tx('Сессий с нескольких мест', 'Sessions from several places')
                : tx('Сессий, занимающих лицензию', 'Sessions holding a licence'),
              value: shown(d?.total),
              color: 'blue',
            },
            {
              key: 'installations',
              label: tx('Установок с сессиями', 'Installations with sessions'),
              value: shown(d?.installations),
              color: 'blue',
            },
            {
              key: 'multiple',
              label: tx('Логинов с нескольких мест', 'Logins from several places'),
              value: shown(d?.multipleLogins),
              color: d && d.multipleLogins > 0 ? 'red' : 'green',
              hint: tx(
                'Один логин занимает лицензии с разных компьютеров или браузеров. При стабильной нехватке лицензий — повод обсудить докупку рабочих мест; разные IP — возможная утечка учётных данных.',
                'One login holds licences from different computers or browsers: a reason to discuss more workplaces, or leaked credentials.',
              ),
              onClick: () => {
                state.setExtra('offset', null);
                state.setExtra('multiple', multipleOnly ? null : '1');
              },
              pressed: multipleOnly,
            },
          ]}
        />
      </Panel>
      <TablePanel
        id="sessions"
        title={tx(
          'Пользователи занимающие лицензии на момент получения sysinfo',
          'Users holding licences when the sysinfo was taken',
        )}
        description={tx(
          'Кто был подключён к ПК и занимал лицензию в момент последнего отчёта sysinfo — видно и на закрытом контуре, без удалённого доступа. «Время на сервере» — время входа, зарегистрированное ПК. Логин с нескольких мест выделен красным.',
          'Who was connected and held a licence when the newest sysinfo was taken. «Server time» is the logon time the server registered. A login from several places is red.',
        )}
        rows={rows}
        columns={columns}
        rowKey={(r) => r.seq}
        rowLink={(r) => `/clients/${r.clientId}`}
        pageSize={25}
        initialSort={{ key: 'login', dir: 'asc' }}
        csvName="connected-users.csv"
        emptyText={
          multipleOnly
            ? tx(
                'Ни один логин не занимает лицензии с нескольких мест',
                'No login holds licences from several places',
              )
            : tx(
                'В последних отчётах sysinfo нет сессий, занимающих лицензии (например, ночью никто не работает)',
                'The newest sysinfo reports list no licence-holding sessions (e.g. nobody works at night)',
              )
        }
        status={tableStatus(q)}
        footer={
          d && (
            <OffsetPager
              label={tx('Страницы сессий', 'Session pages')}
              offset={d.offset}
              limit={PAGE}
              shown={d.rows.length}
              total={d.total}
              onOffset={(o) => state.setExtra('offset', o ? String(o) : null)}
            />
          )
        }
      />
    </DashboardFrame>
  );
}
