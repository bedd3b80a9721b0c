/**
 * «Биллинг Онлайн. Данные для пролонгации» (081): per client, online access and calendar year, the
 * month's last remainder of each limit (red at 0, with the day it ran out), and the units used with their
 * change against the month before. A table per login: each login has its own limits. The «Отчёт для
 * ЛПР» links sit on the client's first row.
 */
import type { OnlineRowKind, RenewalOnlineOut } from '../../../src/renewal/contract';
import { ENDPOINTS } from '../api';
import type { Column } from '../components/TablePanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtNum } from '../lib/format';
import {
  clientColumn,
  monthColumns,
  RenewalTable,
  rowPair,
  useRenewalData,
  type FigureTitles,
  type RenewalRow,
} from './renewal-common';

export const DEF: DashboardDef = {
  id: 'renewal-online',
  titleKey: 'dash.renewalOnline',
  defaultFrom: 'now-1y',
  defaultRefresh: '',
  variables: ['unit', 'manager', 'client'],
};

// Per limit: the remainder row, then the units used with their change.
const TITLES: Record<OnlineRowKind, FigureTitles> = {
  docs: {
    value: ['Остаток биллинга документов', 'Documents left'],
    change: ['Документов использовано, изменение', 'Documents used, change'],
  },
  search: {
    value: ['Остаток поиска', 'Searches left'],
    change: ['Поисков использовано, изменение', 'Searches used, change'],
  },
  print: {
    value: ['Остаток печати', 'Prints left'],
    change: ['Печати использовано, изменение', 'Prints used, change'],
  },
  export: {
    value: ['Остаток выгрузки', 'Downloads left'],
    change: ['Выгрузки использовано, изменение', 'Downloads used, change'],
  },
};

interface Row extends RenewalRow {
  login: string;
  remaining: (number | null)[];
  exhaustedDay: (number | null)[];
}

export function RenewalOnlinePage() {
  const view = useRenewalData<RenewalOnlineOut>(useDashboardState(DEF), ENDPOINTS.renewalOnline);
  const year = view.year;

  const rows: Row[] = [];
  for (const c of view.data?.clients ?? []) {
    let first = true;
    for (const a of c.accesses) {
      for (const r of a.rows) {
        const common = {
          clientId: c.clientId,
          client: c.client,
          managers: c.managers.join(', '),
          login: a.login,
          remaining: r.remaining,
          exhaustedDay: r.exhaustedDay,
          changes: r.changes,
        };
        rows.push(...rowPair(`${a.id}:${r.kind}`, first, TITLES[r.kind], common));
        first = false;
      }
    }
  }
  const columns: Column<Row>[] = [
    clientColumn<Row>(year),
    { key: 'login', title: tx('Логин', 'Login'), value: (r) => r.login, width: 110 },
    { key: 'metric', title: tx('Показатель', 'Figure'), value: (r) => r.title, width: 220 },
    ...monthColumns<Row>(
      (r) => r.remaining,
      (r, v, i) => {
        const d = r.exhaustedDay[i];
        return (
          <span title={d ? tx('остаток стал 0 {d}-го числа', 'ran out on day {d}', { d }) : undefined}>
            {fmtNum(v, 0)}
            {d ? <small className="renewal-day"> ({tx('с {d}-го', 'from {d}', { d })})</small> : null}
          </span>
        );
      },
      (r, i) => (!r.change && r.remaining[i] === 0 ? 'red' : null),
    ),
  ];

  return (
    <RenewalTable
      view={view}
      id="renewal-online"
      title={tx('Биллинг Онлайн. Данные для пролонгации за {y} год', 'Online billing: renewal data for {y}', {
        y: year,
      })}
      description={tx(
        'По каждому онлайн-доступу клиента — остаток каждого лимита на конец месяца (0 — лимит исчерпан; в скобках — день, когда остаток стал 0) и изменение использованного к предыдущему месяцу. Ранние исчерпания месяц за месяцем — повод предложить ещё один логин или сетевую версию.',
        'Per online access of the client, each limit’s remainder at the month’s end (0: exhausted; in brackets, the day it ran out) and the change of the units used against the month before. Early exhaustion month after month is a reason to offer another login or the network version.',
      )}
      rows={rows}
      columns={columns}
      csvName={`renewal-online-${year}.csv`}
      emptyText={tx('Нет клиентов с онлайн-доступами', 'No clients with online accesses')}
    />
  );
}
