/**
 * «Карточки пользователей» (spec installations §3.4): how completely the users' cards are filled (the
 * «Процент заполненных карточек заходивших в систему пользователей» of spec 066, coloured by the
 * Standard's bands), the cards themselves (empty fields shown as such, the completeness of each card
 * coloured; «только незаполненные» narrows them on the server) and «Топ20 самых активных
 * пользователей» of the range (default: the last 24 hours), each linking to that user's searches.
 */
import { Link } from 'react-router-dom';
import type { TopUserRow, UserCardRow, UserCardsOut } from '../../../src/dashboards/contract-users';
import { ENDPOINTS } from '../api';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { Panel } from '../components/Panel';
import { StatTiles, type StatColor } from '../components/StatTiles';
import { TablePanel, type CellColor, type Column } from '../components/TablePanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtDateTime, fmtNum, fmtPct } from '../lib/format';
import { joinManagers, Missing, OffsetPager, tableStatus } from './analytics-common';
import { ClientLink } from './BillingStats';

export const DEF: DashboardDef = {
  id: 'user-cards',
  titleKey: 'dash.userCards',
  defaultFrom: 'now-24h',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client', 'host', 'domain'],
};

/** Cards a server page carries (the API's maximum); the table pages them 21 at a time. */
const PAGE = 1000;

/**
 * The Standard's bands for card completeness (spec 066 panel 16: red up to 50%, amber 50–80%, green
 * from 80%).
 */
export function completenessColor(pct: number | null): CellColor {
  if (pct === null) return null;
  if (pct < 50) return 'red';
  if (pct < 80) return 'yellow';
  return 'green';
}

const statColor = (pct: number | null): StatColor => completenessColor(pct) ?? 'grey';

type CardField = 'fullname' | 'phone' | 'email' | 'position' | 'department';

export function UserCardsPage() {
  const state = useDashboardState(DEF);
  const incompleteOnly = state.extra('incomplete') === '1';
  const offset = Math.max(0, Number(state.extra('offset')) || 0);
  const q = useDashQuery<UserCardsOut>(state, ENDPOINTS.userCards, {
    limit: PAGE,
    offset,
    incompleteOnly: incompleteOnly ? 'true' : undefined,
  });
  const status = tableStatus(q);
  const c = q.data?.completeness;
  const shown = (v: number | null | undefined, pct = false) =>
    !q.data ? '…' : v === null || v === undefined ? '—' : pct ? fmtPct(v) : fmtNum(v);

  const field = (key: CardField, title: string): Column<UserCardRow> => ({
    key,
    title,
    value: (r) => r[key],
    render: (r) => r[key] ?? <Missing />,
    className: 'cell-long',
  });

  const cardColumns: Column<UserCardRow>[] = [
    { key: 'host', title: 'host', value: (r) => r.host, titleOf: (r) => r.client },
    {
      key: 'name',
      title: 'name',
      value: (r) => r.login,
      render: (r) => (
        <>
          {r.login}
          {r.blocked && (
            <span className="tag tag-muted" style={{ marginLeft: 6 }}>
              {tx('заблокирован', 'blocked')}
            </span>
          )}
        </>
      ),
    },
    {
      key: 'completeness',
      title: tx('Заполнено, %', 'Filled, %'),
      value: (r) => r.completeness,
      numeric: true,
      digits: 0,
      color: (v) => completenessColor(typeof v === 'number' ? v : null),
      mean: true,
      titleOf: (r) => tx('{n} из 5 полей', '{n} of 5 fields', { n: r.filled }),
    },
    field('fullname', 'fullname'),
    field('phone', 'phone'),
    field('email', 'email'),
    field('position', 'position'),
    field('department', 'department'),
    { key: 'manager', title: 'manager', value: (r) => joinManagers(r.managers) },
    { key: 'domain', title: tx('Домен', 'Domain'), value: (r) => r.domain },
    {
      key: 'lastActivity',
      title: tx('Последняя активность', 'Last activity'),
      value: (r) => r.lastActivityAt,
      render: (r) => (r.lastActivityAt === null ? tx('не заходил', 'never') : fmtDateTime(r.lastActivityAt)),
      csv: (r) => fmtDateTime(r.lastActivityAt),
      filter: false,
    },
  ];

  const searchLink = (r: TopUserRow) =>
    `/d/search-queries?var-host=${r.installationId}&user=${encodeURIComponent(r.login)}&from=${state.raw.from}&to=${state.raw.to}`;

  const topColumns: Column<TopUserRow>[] = [
    { key: 'dealer', title: 'dealername', value: (r) => r.dealer },
    { key: 'domain', title: 'domain', value: (r) => r.domain },
    {
      key: 'host',
      title: 'host',
      value: (r) => r.host,
      render: (r) => <ClientLink id={r.clientId} name={r.host} />,
    },
    { key: 'manager', title: 'manager', value: (r) => joinManagers(r.managers) },
    {
      key: 'name',
      title: 'name',
      value: (r) => r.login,
      render: (r) => (
        <Link
          to={searchLink(r)}
          className="cell-link"
          tabIndex={-1}
          title={tx('Поисковые запросы пользователя', "The user's searches")}
        >
          {r.login}
        </Link>
      ),
    },
    {
      key: 'activity',
      title: tx('Активность', 'Activity'),
      value: (r) => r.activity,
      numeric: true,
      digits: 0,
      titleOf: (r) =>
        tx('поисков: {s}, документов: {d}', 'searches: {s}, documents: {d}', {
          s: r.searches,
          d: r.documents,
        }),
    },
    {
      key: 'searches',
      title: tx('Поиски', 'Searches'),
      value: (r) => r.searches,
      numeric: true,
      digits: 0,
    },
    {
      key: 'documents',
      title: tx('Документы', 'Documents'),
      value: (r) => r.documents,
      numeric: true,
      digits: 0,
    },
  ];

  return (
    <DashboardFrame state={state} fetching={q.isFetching}>
      <Panel
        id="completeness"
        title={tx(
          'Процент заполненных карточек заходивших в систему пользователей',
          'Share of filled cards of users who have logged in',
        )}
        description={tx(
          'По пользователям, которые хотя бы раз входили в систему и не заблокированы. Карточка заполнена, когда заполнены все пять полей: ФИО, телефон, e-mail, должность, подразделение. Пороги по Стандарту обслуживания: красный — ниже 50%, жёлтый — 50–80%, зелёный — от 80%.',
          'Over the users who have logged in at least once and are not blocked. A card is complete when all five fields are filled. Bands: red below 50%, yellow 50–80%, green from 80%.',
        )}
        span="full"
        height="auto"
      >
        <StatTiles
          label={tx('Заполненность карточек', 'Card completeness')}
          tiles={[
            {
              key: 'completePct',
              label: tx('Заполненных карточек', 'Complete cards'),
              value: shown(c?.completePct, true),
              color: statColor(c?.completePct ?? null),
              sub: c
                ? tx('{n} из {m}', '{n} of {m}', { n: fmtNum(c.completeCards), m: fmtNum(c.users) })
                : undefined,
            },
            {
              key: 'fieldsPct',
              label: tx('Заполненных полей', 'Filled fields'),
              value: shown(c?.fieldsPct, true),
              color: statColor(c?.fieldsPct ?? null),
            },
            {
              key: 'users',
              label: tx('Заходивших пользователей', 'Users who logged in'),
              value: shown(c?.users),
              color: 'blue',
            },
            {
              key: 'incomplete',
              label: tx('Незаполненных карточек', 'Incomplete cards'),
              value: shown(c ? c.users - c.completeCards : undefined),
              color: c && c.users > c.completeCards ? 'yellow' : 'green',
              sub: incompleteOnly
                ? tx('в таблице только они — показать все', 'only these are listed: show all')
                : tx('показать в таблице только их', 'list only these'),
              hint: tx(
                'Заходивших и не заблокированных пользователей, у которых заполнены не все пять полей. Щелчок оставляет в таблице только незаполненные карточки (всех пользователей).',
                'Users who logged in and are not blocked whose cards miss a field. A click lists only incomplete cards (of all users).',
              ),
              onClick: () => {
                state.setExtra('offset', null);
                state.setExtra('incomplete', incompleteOnly ? null : '1');
              },
              pressed: incompleteOnly,
            },
          ]}
        />
      </Panel>
      <TablePanel
        id="cards"
        title={tx('Карточки пользователей', 'User cards')}
        description={tx(
          'Карточки пользователей ПК из последнего отчёта sysinfo; пустая ячейка — незаполненное поле. Состояние на сейчас: интервал времени к этой таблице не применяется. Данные карточек видны и в запросах СПП.',
          'The users\u2019 cards from the newest sysinfo; an empty cell is an unfilled field. The state now: the time range does not apply to this table.',
        )}
        rows={q.data?.cards.rows ?? []}
        columns={cardColumns}
        rowKey={(r) => `${r.installationId}|${r.login}`}
        pageSize={21}
        initialSort={{ key: 'name', dir: 'asc' }}
        csvName="user-cards.csv"
        emptyText={
          incompleteOnly
            ? tx('Все карточки заполнены', 'Every card is complete')
            : tx('Нет пользователей в отчётах sysinfo', 'No users in the sysinfo reports')
        }
        status={status}
        footer={
          q.data && (
            <OffsetPager
              label={tx('Страницы карточек', 'Card pages')}
              offset={q.data.cards.offset}
              limit={PAGE}
              shown={q.data.cards.rows.length}
              total={q.data.cards.total}
              onOffset={(o) => state.setExtra('offset', o ? String(o) : null)}
            />
          )
        }
      />
      <TablePanel
        id="top"
        title={tx('Топ20 самых активных пользователей', 'Top 20 most active users')}
        description={tx(
          'Активность за выбранный интервал: интеллектуальные поиски плюс учитываемые документы. Кого поощрить и на чьём примере популяризировать систему. Имя ведёт к поисковым запросам пользователя.',
          'Activity over the range: intelligent searches plus counted documents. The name opens the user\u2019s searches.',
        )}
        rows={q.data?.top ?? []}
        columns={topColumns}
        rowKey={(r) => `${r.installationId}|${r.login}`}
        rowLink={searchLink}
        pageSize={20}
        initialSort={{ key: 'activity', dir: 'desc' }}
        csvName="top-users.csv"
        emptyText={tx('За выбранный интервал активности пользователей нет', 'No user activity in the range')}
        status={status}
      />
    </DashboardFrame>
  );
}
