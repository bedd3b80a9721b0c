/**
 * «Время внутри файла SYSINFO» ([T 105], spec installations §9.2): from which date SMART holds each
 * installation's newest sysinfo — the time inside the file, its age, when it arrived and was processed,
 * the collection interval, and whether it is too old (the SmartXMLfileIsToOld rule). Tiles count the
 * installations on time, late, too old and never reported; a tile narrows the table. The state is
 * «now»: the time range does not apply.
 */
import type { SysinfoTimeOut, SysinfoTimeRow } from '../../../src/dashboards/contract-db-health';
import { ENDPOINTS } from '../api';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import type { StatTile } from '../components/StatTiles';
import { TablePanel, type CellColor, type Column } from '../components/TablePanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtDateTime, fmtDuration } from '../lib/format';
import { tableStatus } from './analytics-common';
import {
  clientColumn,
  hostColumn,
  managerColumn,
  TilesPanel,
  timeColumn,
  useTileFilter,
} from './tiles-common';

export const DEF: DashboardDef = {
  id: 'sysinfo-time',
  titleKey: 'dash.sysinfoTime',
  defaultFrom: 'now-24h',
  defaultRefresh: '5m',
  variables: ['unit', 'manager', 'client', 'host'],
};

/** A report later than this many intervals (but not yet too old) is «late». */
export const LATE_INTERVALS = 1.5;

export type Freshness = 'never' | 'stale' | 'late' | 'ok' | 'manual';

export function freshness(r: SysinfoTimeRow): Freshness {
  if (r.reportAt === null) return 'never';
  if (r.stale) return 'stale';
  if (r.expectedMs === null) return 'manual';
  return (r.ageMs ?? 0) > LATE_INTERVALS * r.expectedMs ? 'late' : 'ok';
}

const COLOR: Record<Freshness, CellColor> = {
  never: 'red',
  stale: 'red',
  late: 'yellow',
  ok: 'green',
  manual: null,
};

function freshnessText(f: Freshness): string {
  switch (f) {
    case 'never':
      return tx('ни разу не присылала', 'never reported');
    case 'stale':
      return tx('устарел (SmartXMLfileIsToOld)', 'too old (SmartXMLfileIsToOld)');
    case 'late':
      return tx('опаздывает', 'late');
    case 'manual':
      return tx('загружается вручную', 'uploaded by hand');
    default:
      return tx('вовремя', 'on time');
  }
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function kindText(kind: string): string {
  if (kind === 'polled') return tx('опрос по адресу', 'polled by URL');
  if (kind === 'agent') return 'smartupload';
  if (kind === 'closed') return tx('закрытый контур', 'closed contour');
  return kind;
}

export function SysinfoTimePage() {
  const state = useDashboardState(DEF);
  const q = useDashQuery<SysinfoTimeOut>(state, ENDPOINTS.sysinfoTime);
  const all = q.data?.rows ?? [];
  const { chosen, pick, shown } = useTileFilter(state, 'show', q.data !== undefined);
  const count = (f: Freshness) => all.filter((r) => freshness(r) === f).length;

  const tiles: StatTile[] = [
    {
      key: 'all',
      label: tx('Установок', 'Installations'),
      value: shown(all.length),
      color: 'blue',
      onClick: () => pick(null),
      pressed: chosen === null,
    },
    ...(['ok', 'late', 'stale', 'never', 'manual'] as const).map((f): StatTile => {
      const n = count(f);
      return {
        key: f,
        label: capitalized(freshnessText(f)),
        value: shown(n),
        color: f === 'manual' ? 'grey' : n === 0 ? (f === 'ok' ? 'grey' : 'green') : (COLOR[f] ?? 'grey'),
        hint:
          f === 'late'
            ? tx(
                'Последнему отчёту больше {k} интервалов сбора, но алерт ещё не сработал',
                'The newest report is older than {k} collection intervals, the alert has not fired yet',
                { k: String(LATE_INTERVALS).replace('.', ',') },
              )
            : f === 'stale'
              ? tx(
                  'Отчёт старше, чем допускает SmartXMLfileIsToOld: на графиках провал',
                  'Older than SmartXMLfileIsToOld allows: the charts have a gap',
                )
              : undefined,
        onClick: () => pick(f),
        pressed: chosen === f,
      };
    }),
  ];

  const rows = chosen ? all.filter((r) => freshness(r) === chosen) : all;

  const columns: Column<SysinfoTimeRow>[] = [
    clientColumn(),
    hostColumn(),
    { key: 'kind', title: tx('Сбор', 'Collection'), value: (r) => kindText(r.kind) },
    {
      key: 'reportAt',
      title: tx('Время внутри файла', 'Time inside the file'),
      value: (r) => r.reportAt,
      render: (r) => (r.reportAt === null ? tx('никогда', 'never') : fmtDateTime(r.reportAt)),
      csv: (r) => fmtDateTime(r.reportAt),
      color: (_v, r) => COLOR[freshness(r)],
      filter: false,
    },
    {
      key: 'age',
      title: tx('Возраст', 'Age'),
      value: (r) => r.ageMs,
      render: (r) => (r.ageMs === null ? '—' : fmtDuration(r.ageMs)),
      csv: (r) => (r.ageMs === null ? '' : String(Math.round(r.ageMs / 60_000))),
      color: (_v, r) => COLOR[freshness(r)],
      titleOf: (r) => freshnessText(freshness(r)),
      numeric: true,
      filter: false,
    },
    {
      key: 'state',
      title: tx('Состояние', 'State'),
      value: (r) => freshnessText(freshness(r)),
      color: (_v, r) => COLOR[freshness(r)],
    },
    {
      key: 'expected',
      title: tx('Интервал сбора', 'Interval'),
      value: (r) => r.expectedMs,
      render: (r) => (r.expectedMs === null ? tx('вручную', 'by hand') : fmtDuration(r.expectedMs)),
      csv: (r) => (r.expectedMs === null ? '' : String(Math.round(r.expectedMs / 60_000))),
      numeric: true,
      filter: false,
    },
    timeColumn('received', tx('Получен', 'Received'), (r) => r.receivedAt),
    timeColumn('processed', tx('Обработан', 'Processed'), (r) => r.processedAt),
    {
      key: 'error',
      title: tx('Последняя ошибка сбора', 'Last collection error'),
      value: (r) => r.lastError,
      color: (v) => (v ? 'red' : null),
      className: 'cell-long',
    },
    managerColumn(),
  ];

  return (
    <DashboardFrame state={state} fetching={q.isFetching}>
      <TilesPanel
        id="summary"
        title={tx('Свежесть отчётов sysinfo', 'Freshness of the sysinfo reports')}
        description={tx(
          'Состояние на сейчас, интервал времени не применяется. Щелчок по плитке оставляет в таблице только эти установки.',
          'The state now; the time range does not apply. A click on a tile narrows the table.',
        )}
        label={tx('Свежесть отчётов', 'Freshness')}
        tiles={tiles}
      />
      <TablePanel
        id="rows"
        title={tx('Время внутри файла SYSINFO', 'Time inside the SYSINFO file')}
        description={tx(
          'От какой даты в СМАРТе последний SYSINFO каждой установки: время внутри файла (часы установки, приведённые к UTC), сколько ему, когда он пришёл и обработан. Сначала самые старые; установки, не приславшие ни одного отчёта, — вверху.',
          'From which date SMART holds the newest SYSINFO of each installation: the time inside the file, its age, when it arrived and was processed. Oldest first; installations that never reported at the top.',
        )}
        rows={rows}
        columns={columns}
        rowKey={(r) => r.installationId}
        rowLink={(r) => `/clients/${r.clientId}`}
        pageSize={25}
        csvName="sysinfo-time.csv"
        emptyText={
          chosen
            ? tx('Нет таких установок', 'No such installations')
            : tx('Нет установок под контролем', 'No installations under control')
        }
        status={tableStatus(q)}
      />
    </DashboardFrame>
  );
}
