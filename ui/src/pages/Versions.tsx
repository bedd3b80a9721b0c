/**
 * «Контроль версий ПК, Kassist и других» (spec installations §3.5): every version of the ПК and its
 * modules seen in the range (default 30 days, as the first table's title says), the newest versions
 * per installation with colours that answer «is it recent enough?», the installations per current
 * version (update planning), and the «Информация» text panel. Variables: Клиент, Менеджер (+ the unit
 * and host), and the page's own «Тип» (component types).
 */
import type {
  VersionStatsRow,
  VersionsOut,
  VersionUsedRow,
} from '../../../src/dashboards/contract-db-health';
import { ENDPOINTS } from '../api';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { MultiSelect } from '../components/MultiSelect';
import { TablePanel, type CellColor, type Column } from '../components/TablePanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtDate, fmtDateTime } from '../lib/format';
import { DAY } from '../lib/time';
import { joinManagers, Missing, tableStatus, TextPanel, useListParam } from './analytics-common';
import { ClientLink } from './BillingStats';
import { installationRows } from './tiles-common';

export const DEF: DashboardDef = {
  id: 'versions',
  titleKey: 'dash.versions',
  defaultFrom: 'now-30d',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client', 'host'],
};

/** The component types the reports name (`ksrv` is the ПК itself). */
const TYPES = ['ksrv', 'sysinfo', 'kassist', 'sysmon'];
/** The ПК that has the monitoring subsystem (/sysmon/metrics, smartstatus), spec §7. */
export const PK_MIN_SYSMON = '6.4.5.127';
/** sysinfo modules up to this one have no /sysinfo/metrics (spec §7: «более чем 2.0.6.7»). */
export const SYSINFO_NO_METRICS = '2.0.6.7';

/** Versions in numeric order (`6.4.4.194` < `6.4.5.15`), as the server sorts them. */
export function compareVersions(a: string, b: string): number {
  const pa = a
    .split(/[^0-9]+/)
    .filter(Boolean)
    .map(Number);
  const pb = b
    .split(/[^0-9]+/)
    .filter(Boolean)
    .map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A text key that sorts like `compareVersions` (numbers zero-padded). */
export function versionKey(v: string | null): string | null {
  return v === null ? null : v.replace(/\d+/g, (d) => d.padStart(8, '0'));
}

function newestOf(values: (string | null)[]): string | null {
  let best: string | null = null;
  for (const v of values) if (v !== null && (best === null || compareVersions(v, best) > 0)) best = v;
  return best;
}

/**
 * The ПК's colour: red below 6.4.5.127 (no monitoring subsystem: update), yellow older than the newest
 * ПК among the installations shown, green the newest.
 */
export function pkColor(v: string | null, newest: string | null): CellColor {
  if (v === null) return null;
  if (compareVersions(v, PK_MIN_SYSMON) < 0) return 'red';
  return newest !== null && compareVersions(v, newest) < 0 ? 'yellow' : 'green';
}

/** The sysinfo module's colour: red up to 2.0.6.7 (no metrics endpoint), yellow not the newest, green. */
export function sysinfoColor(v: string | null, newest: string | null): CellColor {
  if (v === null) return null;
  if (compareVersions(v, SYSINFO_NO_METRICS) <= 0) return 'red';
  return newest !== null && compareVersions(v, newest) < 0 ? 'yellow' : 'green';
}

export function VersionsPage() {
  const state = useDashboardState(DEF);
  const [types, setTypes] = useListParam(state, 'type');
  const q = useDashQuery<VersionsOut>(state, ENDPOINTS.versions, { type: types });
  const status = tableStatus(q);
  const stats = q.data?.stats ?? [];
  const newestPk = newestOf(stats.map((r) => r.pkVersionShort));
  const newestSysinfo = newestOf(stats.map((r) => r.sysinfoVersion));
  const componentTypes = [...new Set(stats.flatMap((r) => Object.keys(r.components)))].sort();
  const span = state.range.to - state.range.from;
  const thirtyDays = Math.abs(span - 30 * DAY) < DAY;

  const typeOptions = [...new Set([...TYPES, ...(q.data?.counts ?? []).map((c) => c.type)])].map((v) => ({
    value: v,
    label: v === 'ksrv' ? tx('ksrv (ПК)', 'ksrv (the server)') : v,
  }));

  const usedColumns: Column<VersionUsedRow>[] = [
    {
      key: 'client',
      title: tx('Клиент', 'Client'),
      value: (r) => r.clientName ?? r.client,
      render: (r) => <ClientLink id={r.clientId} name={r.clientName ?? r.client} />,
      titleOf: (r) => `${r.clientName ?? ''} (${r.client})`,
      className: 'cell-long',
    },
    { key: 'type', title: tx('Тип', 'Type'), value: (r) => r.type, width: 80 },
    {
      key: 'version',
      title: tx('Версия ПО', 'Version'),
      value: (r) => r.version,
      sortValue: (r) => versionKey(r.version),
      titleOf: (r) => r.fullVersion ?? r.version,
    },
    { key: 'address', title: tx('Адрес', 'Address'), value: (r) => r.address ?? r.host },
    { key: 'manager', title: tx('Менеджер', 'Manager'), value: (r) => joinManagers(r.managers) },
    {
      key: 'current',
      title: tx('Сейчас', 'Now'),
      value: (r) => (r.current ? tx('используется', 'in use') : tx('заменена', 'replaced')),
      color: (_v, r) => (r.current ? null : 'yellow'),
      width: 100,
    },
    {
      key: 'lastSeen',
      title: tx('Последний отчёт с версией', 'Last report with it'),
      value: (r) => r.lastSeenAt,
      render: (r) => fmtDateTime(r.lastSeenAt),
      csv: (r) => fmtDateTime(r.lastSeenAt),
      filter: false,
    },
  ];

  const statsColumns: Column<VersionStatsRow>[] = [
    {
      key: 'client',
      title: tx('Клиент', 'Client'),
      value: (r) => r.clientName ?? r.client,
      render: (r) => <ClientLink id={r.clientId} name={r.clientName ?? r.client} />,
      titleOf: (r) => `${r.clientName ?? ''} (${r.client})`,
      className: 'cell-long',
    },
    {
      key: 'pk',
      title: tx('Версия ПК', 'Server version'),
      value: (r) => r.pkVersion ?? r.pkVersionShort,
      sortValue: (r) => versionKey(r.pkVersionShort),
      color: (_v, r) => pkColor(r.pkVersionShort, newestPk),
      titleOf: (r) =>
        pkColor(r.pkVersionShort, newestPk) === 'red'
          ? tx('Ниже {min}: нет подсистемы мониторинга (sysmon)', 'Below {min}: no monitoring subsystem', {
              min: PK_MIN_SYSMON,
            })
          : (r.pkVersion ?? ''),
    },
    {
      key: 'sysinfo',
      title: tx('Вер. SysInfo', 'SysInfo ver.'),
      value: (r) => r.sysinfoVersion,
      sortValue: (r) => versionKey(r.sysinfoVersion),
      color: (v) => sysinfoColor(typeof v === 'string' ? v : null, newestSysinfo),
    },
    ...componentTypes.map((type): Column<VersionStatsRow> => ({
      key: `c-${type}`,
      title: type,
      value: (r) => r.components[type] ?? null,
      sortValue: (r) => versionKey(r.components[type] ?? null),
      render: (r) => r.components[type] ?? <Missing />,
    })),
    { key: 'address', title: tx('адрес', 'address'), value: (r) => r.address ?? r.host },
    { key: 'manager', title: tx('Менеджер', 'Manager'), value: (r) => joinManagers(r.managers) },
    {
      key: 'reportAt',
      title: tx('Отчёт sysinfo', 'sysinfo report'),
      value: (r) => r.reportAt,
      render: (r) => fmtDateTime(r.reportAt),
      csv: (r) => fmtDateTime(r.reportAt),
      filter: false,
    },
  ];

  type CountRow = VersionsOut['counts'][number];
  const countColumns: Column<CountRow>[] = [
    { key: 'type', title: tx('Тип', 'Type'), value: (r) => r.type },
    {
      key: 'version',
      title: tx('Версия', 'Version'),
      value: (r) => r.version,
      sortValue: (r) => versionKey(r.version),
      color: (_v, r) =>
        r.type === 'ksrv'
          ? pkColor(r.version, newestPk)
          : r.type === 'sysinfo'
            ? sysinfoColor(r.version, newestSysinfo)
            : null,
    },
    {
      key: 'installations',
      title: tx('Установок', 'Installations'),
      value: (r) => r.installations,
      numeric: true,
      digits: 0,
    },
  ];

  return (
    <DashboardFrame
      state={state}
      fetching={q.isFetching}
      extraVars={
        <MultiSelect
          label={tx('Тип', 'Type')}
          title={tx('Типы компонентов: ksrv — сам ПК, sysinfo, kassist, sysmon', 'Component types')}
          options={typeOptions}
          value={types}
          onChange={setTypes}
        />
      }
    >
      <TextPanel id="info" title={tx('Информация', 'About')}>
        <p>
          {tx(
            'Версии ПК и его компонентов по всем установкам — без захода в «админку» и без чтения sysinfo. Сортировка по клиенту, менеджеру или версии — щелчком по заголовку столбца; CSV — кнопкой на таблице.',
            'Versions of the server and its components on every installation, without opening the admin pages or the sysinfo files. Sort by client, manager or version with a click on a column header; CSV from the table.',
          )}
        </p>
        <p className="muted">
          {tx(
            'Цвета версии ПК: зелёный — новейшая среди показанных установок, жёлтый — старее её, красный — ниже {pk} (нет подсистемы мониторинга sysmon). Вер. SysInfo: красный — {si} и ниже (нет /sysinfo/metrics).',
            'Server version colours: green the newest among the installations shown, yellow older, red below {pk} (no sysmon monitoring subsystem). SysInfo: red at {si} or older (no /sysinfo/metrics).',
            { pk: PK_MIN_SYSMON, si: SYSINFO_NO_METRICS },
          )}
        </p>
      </TextPanel>
      <TablePanel
        id="used"
        title={tx(
          'Используемые в компании версии ПО за последние 30 дней',
          'Software versions used in the company over the last 30 days',
        )}
        description={tx(
          'Каждая версия ПК и модулей, которую присылала установка в выбранном интервале: текущая или уже заменённая (жёлтым) — видно, кто обновился и кто нет.',
          'Every version of the server and modules an installation reported in the range: current, or already replaced (yellow).',
        )}
        note={
          thirtyDays
            ? undefined
            : tx('за интервал {from} – {to}', 'for {from} – {to}', {
                from: fmtDate(state.range.from),
                to: fmtDate(state.range.to),
              })
        }
        rows={q.data?.used ?? []}
        columns={usedColumns}
        rowKey={(r) => `${r.installationId}|${r.type}|${r.version}`}
        rowLink={(r) => `/clients/${r.clientId}`}
        rowClass={(r) => (r.current ? '' : 'row-muted')}
        pageSize={17}
        csvName="versions-used.csv"
        emptyText={tx(
          'За выбранный интервал нет отчётов с версиями',
          'No reports with versions in the range',
        )}
        status={status}
      />
      <TablePanel
        id="stats"
        title={tx('Статистика', 'Statistics')}
        description={tx(
          'По каждой установке — версии из её последнего отчёта sysinfo: полная строка версии ПК (с патчем), модуль SysInfo и остальные компоненты.',
          'Per installation, the versions of its newest sysinfo: the full server version (with the patch), the SysInfo module and the other components.',
        )}
        rows={stats}
        columns={statsColumns}
        {...installationRows}
        pageSize={20}
        csvName="versions-stats.csv"
        emptyText={tx('Нет установок с отчётами sysinfo', 'No installations with sysinfo reports')}
        status={status}
        span="twothirds"
      />
      <TablePanel
        id="counts"
        title={tx('Установок по текущим версиям', 'Installations per current version')}
        description={tx(
          'Сколько установок работает на каждой версии сейчас — для планирования обновлений.',
          'How many installations run each version now, for planning updates.',
        )}
        rows={q.data?.counts ?? []}
        columns={countColumns}
        rowKey={(r) => `${r.type}|${r.version}`}
        pageSize={20}
        csvName="versions-counts.csv"
        emptyText={tx('Нет данных о версиях', 'No version data')}
        status={status}
        span="third"
      />
    </DashboardFrame>
  );
}
