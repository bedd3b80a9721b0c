/**
 * «Данные для пролонгации» (064): per client and calendar year, the installations' documents requested,
 * saved and printed, logons refused for lack of licences and activity per month, each with its change
 * against the month before; and per client the «Отчёт для ЛПР» links (XLSX, print-ready HTML). The year
 * and the page of clients are kept in the URL. What it shares with «Биллинг Онлайн. Данные для
 * пролонгации» is in renewal-common.tsx.
 */
import type { InstallationMetric, RenewalOut } from '../../../src/renewal/contract';
import type { Column } from '../components/TablePanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtNum } from '../lib/format';
import { ENDPOINTS } from '../api';
import {
  clientColumn,
  monthColumns,
  RenewalTable,
  rowPair,
  useRenewalData,
  type FigureTitles,
  type RenewalRow,
} from './renewal-common';

// The client page shows the report links too.
export { ReportLinks } from './renewal-common';

export const DEF: DashboardDef = {
  id: 'renewal',
  titleKey: 'dash.renewal',
  defaultFrom: 'now-1y',
  defaultRefresh: '',
  variables: ['unit', 'manager', 'client'],
};

const TITLES: Record<InstallationMetric, FigureTitles> = {
  docsRequested: {
    value: ['Количество запрошенных из БД документов', 'Documents requested from the DB'],
    change: ['% изменения документов к предыдущему месяцу', '% change of documents'],
  },
  docsSaved: {
    value: ['Количество сохранённых документов', 'Documents saved'],
    change: ['% изменения сохранённых документов', '% change of saved documents'],
  },
  docsPrinted: {
    value: ['Количество распечатанных', 'Documents printed'],
    change: ['% изменения количества распечатанных', '% change of printed'],
  },
  refused: {
    value: [
      'Количество отвергнутых попыток подключения из-за окончания свободных лицензий',
      'Logons refused for lack of free licences',
    ],
    change: ['% Отвергнутых попыток к предыдущему', '% change of refused logons'],
  },
  activity: {
    value: [
      'Активность пользователей - поисковые запросы интеллектуального поиска + открытые документы',
      'User activity: intelligent searches + opened documents',
    ],
    change: ['% изменения активности к предыдущему месяцу', '% change of activity'],
  },
};

interface Row extends RenewalRow {
  values: (number | null)[];
}

export function RenewalPage() {
  const view = useRenewalData<RenewalOut>(useDashboardState(DEF), ENDPOINTS.renewal);
  const year = view.year;

  const rows: Row[] = [];
  for (const c of view.data?.clients ?? []) {
    const managers = c.managers.join(', ');
    c.rows.forEach((r, i) => {
      const common = {
        clientId: c.clientId,
        client: c.client,
        managers,
        values: r.values,
        changes: r.changes,
      };
      rows.push(...rowPair(`${c.clientId}:${r.metric}`, i === 0, TITLES[r.metric], common));
    });
  }
  const columns: Column<Row>[] = [
    clientColumn<Row>(year),
    { key: 'metric', title: tx('Показатель', 'Figure'), value: (r) => r.title, width: 280 },
    ...monthColumns<Row>(
      (r) => r.values,
      (_, v) => fmtNum(v, 0),
    ),
  ];

  return (
    <RenewalTable
      view={view}
      id="renewal"
      title={tx('Данные для пролонгации за {y} год', 'Renewal data for {y}', { y: year })}
      description={tx(
        'По каждому клиенту — суммы по его установкам за каждый месяц года (только отчёты sysinfo: нет отчётов — «нет данных») и изменение к предыдущему месяцу: (текущий − предыдущий) ÷ предыдущий × 100; ∞ — в предыдущем месяце был 0; январь сравнивается с декабрём прошлого года. «Отчёт для ЛПР» — готовый отчёт клиенту за год.',
        'Per client, the sums over its installations for each month of the year (sysinfo reports only: no reports, «no data») and the change against the month before: (current − previous) ÷ previous × 100; ∞ when the month before was 0; January is compared with December of the year before. «Report for the decision maker» is the client’s ready report for the year.',
      )}
      rows={rows}
      columns={columns}
      csvName={`renewal-${year}.csv`}
      emptyText={tx('Нет клиентов с установками', 'No clients with installations')}
    />
  );
}
