/**
 * «Биллинг Онлайн. Данные для пролонгации» (081): per client, online access and calendar year, the
 * month's last remainder of each limit (red at 0, with the day it ran out), and the units used with their
 * change against the month before. A table per login: each login has its own limits. The «Отчёт для
 * ЛПР» links sit on the client's first row.
 */
import type { OnlineRowKind, RenewalOnlineOut } from '../../../src/renewal/contract';
import { ENDPOINTS } from '../api';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { TablePanel, type Column } from '../components/TablePanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtNum } from '../lib/format';
import { ClientLink } from './BillingStats';
import { ChangeCell, changeCsv, ClientPager, monthTitles, PAGE, ReportLinks, useYear } from './Renewal';
import type { Change } from '../../../src/renewal/contract';

export const DEF: DashboardDef = {
  id: 'renewal-online',
  titleKey: 'dash.renewalOnline',
  defaultFrom: 'now-1y',
  defaultRefresh: '',
  variables: ['unit', 'manager', 'client'],
};

function kindTitle(k: OnlineRowKind): { remaining: string; used: string } {
  switch (k) {
    case 'docs':
      return {
        remaining: tx('Остаток биллинга документов', 'Documents left'),
        used: tx('Документов использовано, изменение', 'Documents used, change'),
      };
    case 'search':
      return {
        remaining: tx('Остаток поиска', 'Searches left'),
        used: tx('Поисков использовано, изменение', 'Searches used, change'),
      };
    case 'print':
      return {
        remaining: tx('Остаток печати', 'Prints left'),
        used: tx('Печати использовано, изменение', 'Prints used, change'),
      };
    case 'export':
      return {
        remaining: tx('Остаток выгрузки', 'Downloads left'),
        used: tx('Выгрузки использовано, изменение', 'Downloads used, change'),
      };
  }
}

interface Row {
  key: string;
  first: boolean;
  clientId: number;
  client: string;
  managers: string;
  login: string;
  title: string;
  change: boolean;
  remaining: (number | null)[];
  exhaustedDay: (number | null)[];
  changes: Change[];
}

export function RenewalOnlinePage() {
  const state = useDashboardState(DEF);
  const { year, select } = useYear(state);
  const offset = Number(state.extra('offset')) || 0;
  const q = useDashQuery<RenewalOnlineOut>(state, ENDPOINTS.renewalOnline, { year, offset, limit: PAGE });
  const data = q.data;
  const status = {
    loading: q.isLoading && !data,
    error: data ? null : q.error,
    onRetry: () => void q.refetch(),
  };

  const rows: Row[] = [];
  for (const c of data?.clients ?? []) {
    let first = true;
    for (const a of c.accesses) {
      for (const r of a.rows) {
        const t = kindTitle(r.kind);
        const common = {
          clientId: c.clientId,
          client: c.client,
          managers: c.managers.join(', '),
          login: a.login,
          remaining: r.remaining,
          exhaustedDay: r.exhaustedDay,
          changes: r.changes,
        };
        rows.push({ ...common, key: `${a.id}:${r.kind}`, first, title: t.remaining, change: false });
        rows.push({ ...common, key: `${a.id}:${r.kind}:chg`, first: false, title: t.used, change: true });
        first = false;
      }
    }
  }
  const columns: Column<Row>[] = [
    {
      key: 'client',
      title: tx('Клиент | менеджер', 'Client | manager'),
      value: (r) => r.client,
      render: (r) =>
        r.first ? (
          <div className="renewal-client">
            <ClientLink id={r.clientId} name={r.client} />
            {r.managers && <span className="renewal-manager"> | {r.managers}</span>}
            <ReportLinks clientId={r.clientId} year={year} />
          </div>
        ) : null,
      width: 220,
    },
    { key: 'login', title: tx('Логин', 'Login'), value: (r) => r.login, width: 110 },
    { key: 'metric', title: tx('Показатель', 'Figure'), value: (r) => r.title, width: 220 },
    ...monthTitles().map((m, i): Column<Row> => ({
      key: `m${i}`,
      title: m,
      numeric: true,
      digits: 0,
      filter: false,
      value: (r) =>
        r.change ? (typeof r.changes[i] === 'number' ? (r.changes[i] as number) : null) : r.remaining[i]!,
      color: (_, r) => (!r.change && r.remaining[i] === 0 ? 'red' : null),
      render: (r) => {
        if (r.change) return <ChangeCell c={r.changes[i]!} />;
        const v = r.remaining[i];
        if (v === null || v === undefined)
          return <span className="renewal-nd">{tx('нет данных', 'no data')}</span>;
        const d = r.exhaustedDay[i];
        return (
          <span title={d ? tx('остаток стал 0 {d}-го числа', 'ran out on day {d}', { d }) : undefined}>
            {fmtNum(v, 0)}
            {d ? <small className="renewal-day"> ({tx('с {d}-го', 'from {d}', { d })})</small> : null}
          </span>
        );
      },
      csv: (r) =>
        r.change ? changeCsv(r.changes[i]!) : r.remaining[i] === null ? '' : String(r.remaining[i]),
    })),
  ];

  return (
    <DashboardFrame state={state} fetching={q.isFetching} extraVars={select}>
      <TablePanel
        id="renewal-online"
        title={tx(
          'Биллинг Онлайн. Данные для пролонгации за {y} год',
          'Online billing: renewal data for {y}',
          {
            y: year,
          },
        )}
        description={tx(
          'По каждому онлайн-доступу клиента — остаток каждого лимита на конец месяца (0 — лимит исчерпан; в скобках — день, когда остаток стал 0) и изменение использованного к предыдущему месяцу. Ранние исчерпания месяц за месяцем — повод предложить ещё один логин или сетевую версию.',
          'Per online access of the client, each limit’s remainder at the month’s end (0: exhausted; in brackets, the day it ran out) and the change of the units used against the month before. Early exhaustion month after month is a reason to offer another login or the network version.',
        )}
        rows={rows}
        columns={columns}
        rowKey={(r) => r.key}
        rowClass={(r) => (r.change ? 'renewal-change-row' : r.first ? 'renewal-first-row' : '')}
        pageSize={Math.max(rows.length, 10)}
        csvName={`renewal-online-${year}.csv`}
        emptyText={tx('Нет клиентов с онлайн-доступами', 'No clients with online accesses')}
        status={status}
        footer={
          data && <ClientPager state={state} total={data.total} offset={data.offset} limit={data.limit} />
        }
      />
    </DashboardFrame>
  );
}
