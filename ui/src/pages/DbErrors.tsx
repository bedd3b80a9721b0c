/**
 * «Ошибки БД» (spec installations §3.6): the number of DB volumes with an error per sysinfo report, as
 * points on a logarithmic axis, one series per installation (the store keeps no history per error
 * text); above it, the installations whose newest report raises each paired alert (KodeksDBerrors*), a
 * tile a filter; below, the newest report's errors per (installation, code, text) with the alert each
 * raises and a link to its description.
 */
import type { DbErrorRow, DbErrorsOut } from '../../../src/dashboards/contract-db-health';
import { ENDPOINTS } from '../api';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { Icon } from '../components/icons';
import type { StatTile } from '../components/StatTiles';
import { TablePanel, type Column } from '../components/TablePanel';
import { TimeSeriesPanel } from '../components/TimeSeriesPanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
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
  id: 'db-errors',
  titleKey: 'dash.dbErrors',
  defaultFrom: 'now-30d',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client', 'host'],
};

/** The paired alerts in the order of the catalogue, and «informational» (no alert) last. */
const ALERTS = ['KodeksDBerrorsNoCode', 'KodeksDBerrorsCode2007', 'KodeksDBerrorsCodeXXX'] as const;
const INFO = 'info';

function alertHint(a: (typeof ALERTS)[number]): string {
  switch (a) {
    case 'KodeksDBerrorsNoCode':
      return tx(
        'Ошибки БД, код которых СМАРТ не смог определить (прежнее имя алерта — KodeksDBerrorsCode1)',
        'DB errors whose code SMART could not determine (formerly KodeksDBerrorsCode1)',
      );
    case 'KodeksDBerrorsCode2007':
      return tx(
        'Ошибка БД 2007 — нет прав на использование данной БД',
        'DB error 2007: no right to use the DB',
      );
    default:
      return tx('Разнообразные ошибки с БД ПК', 'Various errors with the DBs');
  }
}

export function DbErrorsPage() {
  const state = useDashboardState(DEF);
  const q = useDashQuery<DbErrorsOut>(state, ENDPOINTS.dbErrors);
  const current = q.data?.current ?? [];
  const { chosen, pick, shown } = useTileFilter(state, 'alert', q.data !== undefined);

  // Installations per paired alert in their newest report (one installation may raise several).
  const installationsOf = (a: string | null) =>
    new Set(current.filter((r) => (r.alert ?? INFO) === a).map((r) => r.installationId)).size;
  const withErrors = new Set(current.filter((r) => r.alert !== null).map((r) => r.installationId)).size;
  const tiles: StatTile[] = [
    {
      key: 'all',
      label: tx('Установок с ошибками БД сейчас', 'Installations with DB errors now'),
      value: shown(withErrors),
      color: withErrors > 0 ? 'red' : 'green',
      hint: tx(
        'По последнему отчёту sysinfo каждой установки; информационные сообщения не считаются',
        "By each installation's newest sysinfo; informational messages are not counted",
      ),
      onClick: () => pick(null),
      pressed: chosen === null,
    },
    ...ALERTS.map((a): StatTile => {
      const n = installationsOf(a);
      return {
        key: a,
        label: a,
        value: shown(n),
        color: n > 0 ? 'red' : 'green',
        hint: alertHint(a),
        onClick: () => pick(a),
        pressed: chosen === a,
      };
    }),
    {
      key: INFO,
      label: tx('Информационные (без алерта)', 'Informational (no alert)'),
      value: shown(installationsOf(INFO)),
      color: 'blue',
      hint: tx(
        'Сообщения вроде «Том базы данных уже подключен»: алерт не поднимается',
        'Messages such as «the volume is already attached»: no alert is raised',
      ),
      onClick: () => pick(INFO),
      pressed: chosen === INFO,
    },
  ];

  const rows = chosen ? current.filter((r) => (r.alert ?? INFO) === chosen) : current;

  const columns: Column<DbErrorRow>[] = [
    clientColumn(),
    hostColumn(),
    {
      key: 'code',
      title: tx('Код', 'Code'),
      value: (r) => r.code,
      numeric: true,
      digits: 0,
      width: 60,
    },
    {
      key: 'text',
      title: tx('Ошибка', 'Error'),
      value: (r) => r.text,
      className: 'cell-wrap',
    },
    {
      key: 'volumes',
      title: tx('Томов', 'Volumes'),
      value: (r) => r.volumes,
      numeric: true,
      digits: 0,
      color: (_v, r) => (r.alert ? 'red' : null),
      width: 70,
    },
    {
      key: 'volumeNames',
      title: tx('Тома', 'Volume names'),
      value: (r) => r.volumeNames.join(', '),
      className: 'cell-long',
    },
    {
      key: 'alert',
      title: tx('Алерт', 'Alert'),
      value: (r) => r.alert ?? tx('нет (информационная)', 'none (informational)'),
      render: (r) =>
        r.alert ? (
          <a
            href={`/docs/errors/${r.alert}.md`}
            target="_blank"
            rel="noreferrer"
            className="cell-link"
            tabIndex={-1}
            title={alertHint(r.alert)}
          >
            <Icon name="book" size={13} /> {r.alert}
          </a>
        ) : (
          <span className="muted">{tx('нет (информационная)', 'none (informational)')}</span>
        ),
    },
    managerColumn(),
    timeColumn('reportAt', tx('Отчёт sysinfo', 'sysinfo report'), (r) => r.reportAt),
  ];

  return (
    <DashboardFrame state={state} fetching={q.isFetching}>
      <TilesPanel
        id="alerts"
        title={tx('Парные алерты по последним отчётам', 'Paired alerts in the newest reports')}
        description={tx(
          'Сколько установок поднимает каждый алерт по ошибкам БД в последнем отчёте sysinfo. При массовой однотипной ошибке приходит вариант …Count. Щелчок по плитке оставляет в таблице только эти ошибки.',
          'How many installations raise each DB-error alert in their newest sysinfo. A mass error of one kind sends the …Count variant. A click on a tile narrows the table to those errors.',
        )}
        label={tx('Парные алерты', 'Paired alerts')}
        tiles={tiles}
      />
      <TimeSeriesPanel
        id="errors"
        title={tx('Количество ошибок с файлами базы данных', 'Errors with database files')}
        description={tx(
          'Сколько томов (баз) с ошибкой было в каждом отчёте sysinfo установки; в интервале — наибольшее. Шкала логарифмическая; отчёт без ошибок (0) не рисуется, но виден в легенде. Показаны только установки, у которых в выбранном интервале были ошибки.',
          'How many DB volumes had an error in each sysinfo report of the installation (the highest in the bucket). Logarithmic scale; a report without errors (0) is not drawn but shows in the legend. Only installations with errors in the range are listed.',
        )}
        data={q.data?.errors}
        loading={q.isLoading}
        error={q.error}
        onRetry={() => void q.refetch()}
        emptyText={tx(
          'За выбранный интервал ни в одном отчёте sysinfo нет ошибок с файлами БД',
          'No sysinfo report of the range has errors with DB files',
        )}
        legend={['last', 'max']}
        legendSort={{ col: 'last', dir: 'desc' }}
        draw="points"
        log
        dropZeros
        decimals={0}
        span="full"
        height={380}
      />
      <TablePanel
        id="current"
        title={tx('Ошибки БД в последнем отчёте sysinfo', 'DB errors in the newest sysinfo report')}
        description={tx(
          'По каждой установке — ошибки её последнего отчёта: код, текст, сколько томов затронуто и какой алерт поднимается (ссылка ведёт на описание алерта).',
          "Each installation's newest report: code, text, how many volumes it affects and the alert it raises (the link opens the alert's description).",
        )}
        rows={rows}
        columns={columns}
        rowKey={(r) => `${r.installationId}|${r.code ?? ''}|${r.text}`}
        rowLink={(r) => `/clients/${r.clientId}`}
        pageSize={20}
        initialSort={{ key: 'volumes', dir: 'desc' }}
        csvName="db-errors.csv"
        emptyText={
          chosen
            ? tx('В последних отчётах нет таких ошибок', 'No such errors in the newest reports')
            : tx('В последних отчётах sysinfo ошибок БД нет', 'No DB errors in the newest sysinfo reports')
        }
        status={tableStatus(q)}
      />
    </DashboardFrame>
  );
}
