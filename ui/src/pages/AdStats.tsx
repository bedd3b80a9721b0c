/**
 * «Статистика в разрезе MS Active Directory» (spec installations §3.9): per AD domain (department) of
 * the users, month-to-date counters summed over the chosen installations (step lines that drop to zero
 * on the 1st), the DB requests and the licence contribution per domain the text promises, and the
 * «Как пользоваться» text. A domain keeps one colour in every panel; «НеОпределён» is grey.
 */
import type { AdStatsOut, AdStatsPanel } from '../../../src/dashboards/contract-search';
import { ENDPOINTS } from '../api';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { TablePanel, type Column } from '../components/TablePanel';
import { TimeSeriesPanel } from '../components/TimeSeriesPanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtPct } from '../lib/format';
import { tableStatus, TextPanel } from './analytics-common';

export const DEF: DashboardDef = {
  id: 'ad-stats',
  titleKey: 'dash.adStats',
  // Two months, so that both month-to-date resets of the spec's screenshots show.
  defaultFrom: 'now-60d',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client', 'host', 'domain'],
};

/** Users without an AD group. */
export const UNDEFINED_DOMAIN = 'НеОпределён';
const GREY = '#8e90a0';
/** Distinct hues for departments, red last (it reads as «bad»); «НеОпределён» is grey. */
const DOMAIN_COLORS = [
  '#73bf69',
  '#5794f2',
  '#ff780a',
  '#b877d9',
  '#f2cc0c',
  '#37a2a6',
  '#ffa6b0',
  '#96d98d',
  '#1f60c4',
  '#ca95e5',
  '#ffb357',
  '#f2495c',
];

interface PanelSpec {
  id: AdStatsPanel;
  title: () => string;
  description: () => string;
}

const PANELS: PanelSpec[] = [
  {
    id: 'docsLicensed',
    title: () =>
      tx('Запрошенных документов покрытых лицензией', 'Requested documents covered by the licence'),
    description: () =>
      tx(
        'Открытые документы, на которые распространяется лицензия, с начала месяца, по доменам.',
        'Opened documents the licence covers, month to date, per domain.',
      ),
  },
  {
    id: 'docsFree',
    title: () => tx('Запрошенных бесплатных документов', 'Requested free documents'),
    description: () =>
      tx(
        'Открытые документы свободного доступа с начала месяца, по доменам.',
        'Opened free-access documents, month to date, per domain.',
      ),
  },
  {
    id: 'printed',
    title: () => tx('Распечатанных документов', 'Printed documents'),
    description: () => tx('Печать из ПК с начала месяца, по доменам.', 'Printed, month to date, per domain.'),
  },
  {
    id: 'saved',
    title: () => tx('Сохранённых документов', 'Saved documents'),
    description: () =>
      tx('Сохранённые документы с начала месяца, по доменам.', 'Saved, month to date, per domain.'),
  },
  {
    id: 'activity',
    title: () =>
      tx(
        'Активность пользователей в текущем месяце по доменам',
        'User activity in the current month by domain',
      ),
    description: () =>
      tx(
        'Баллы активности с начала месяца: учитываемые документы плюс поиски. Какие отделы пользуются системой активнее всего и какие требуют дообучения.',
        'Activity points month to date: counted documents plus searches. Which departments use the system most, which need training.',
      ),
  },
  {
    id: 'dbRequests',
    title: () => tx('Запросы к БД', 'DB requests'),
    description: () =>
      tx(
        'Запросы к базам данных с начала месяца, по доменам (панель, обещанная описанием дашборда).',
        'DB requests month to date, per domain (the panel the dashboard text promises).',
      ),
  },
];

type LicenceRow = AdStatsOut['licences'][number] & { share: number | null };

export function AdStatsPage() {
  const state = useDashboardState(DEF);
  const q = useDashQuery<AdStatsOut>(state, ENDPOINTS.adStats);
  const d = q.data;

  // One colour per domain across the panels: by the domain's place among all of them, alphabetically.
  const domains = [
    ...new Set([
      ...Object.values(d?.panels ?? {}).flatMap((p) => p.series.map((s) => s.label)),
      ...(d?.licences ?? []).map((l) => l.domain),
    ]),
  ]
    .filter((x) => x !== UNDEFINED_DOMAIN)
    .sort((a, b) => a.localeCompare(b, 'ru'));
  const colorOfDomain = (domain: string) =>
    domain === UNDEFINED_DOMAIN
      ? GREY
      : DOMAIN_COLORS[Math.max(0, domains.indexOf(domain)) % DOMAIN_COLORS.length]!;
  const colorOf = (key: string) => colorOfDomain(key.replace(/^d:/, ''));

  const inUse = (d?.licences ?? []).reduce((a, l) => a + l.inUse, 0);
  const licences: LicenceRow[] = (d?.licences ?? []).map((l) => ({
    ...l,
    share: inUse > 0 ? (l.inUse / inUse) * 100 : null,
  }));
  const licenceColumns: Column<LicenceRow>[] = [
    {
      key: 'domain',
      title: tx('Домен', 'Domain'),
      value: (r) => r.domain,
      render: (r) => (
        <>
          <span className="swatch" style={{ background: colorOfDomain(r.domain) }} aria-hidden="true" />{' '}
          {r.domain}
        </>
      ),
    },
    {
      key: 'inUse',
      title: tx('Занято лицензий', 'Licences in use'),
      value: (r) => r.inUse,
      numeric: true,
      digits: 0,
    },
    {
      key: 'share',
      title: tx('Доля, %', 'Share, %'),
      value: (r) => r.share,
      render: (r) => fmtPct(r.share),
      numeric: true,
      digits: 1,
    },
  ];

  const oneClient = state.vars.client.length === 1 || state.vars.host.length === 1;

  return (
    <DashboardFrame state={state} fetching={q.isFetching}>
      <TextPanel id="howto" title={tx('Как пользоваться', 'How to use')} span="twothirds">
        <p>
          {tx(
            'Статистика использования в разрезе MS Active Directory.',
            'Usage statistics by MS Active Directory group.',
          )}
        </p>
        <ol>
          <li>
            {tx('В фильтре «Клиент» выберите ОДНОГО клиента.', 'Choose ONE client in the «Client» filter.')}
          </li>
          <li>
            {tx(
              'В фильтре «Домен» выберите интересующие группы пользователей.',
              'Choose the user groups of interest in the «Domain» filter.',
            )}
          </li>
        </ol>
        <p>
          {tx(
            'Позволяет определить, какие отделы у клиента наиболее активно пользуются системой, отследить тенденции активности, определить региональные отделы, которые требуют дообучения. Данные есть только у установок, развёрнутых на оборудовании клиента: установки в Техэксперт.Облаке показывают общую картину по предприятию.',
            'Shows which departments of the client use the system most, the trends, and the regional departments that need training. Only installations on the client\u2019s own hardware have the data; cloud installations show the enterprise as a whole.',
          )}
        </p>
        {!oneClient && (
          <p className="text-yellow" data-hint="one-client">
            {tx(
              'Сейчас клиент не выбран: значения доменов суммируются по всем показанным установкам.',
              'No single client is chosen: the domains are summed over every installation shown.',
            )}
          </p>
        )}
      </TextPanel>
      <TablePanel
        id="licences"
        title={tx('Вклад доменов в занятые лицензии', 'Domains\u2019 share of the licences in use')}
        description={tx(
          'Сколько лицензий занимают пользователи каждого домена сейчас (по последним отчётам sysinfo): аргумент в переговорах, когда у отделов раздельные бюджеты. Интервал времени не применяется.',
          'Licences held by each domain\u2019s users now (newest sysinfo reports). The time range does not apply.',
        )}
        rows={licences}
        columns={licenceColumns}
        rowKey={(r) => r.domain}
        pageSize={10}
        initialSort={{ key: 'inUse', dir: 'desc' }}
        csvName="ad-licences.csv"
        emptyText={tx(
          'Сейчас лицензии не заняты: в последних отчётах sysinfo нет сессий',
          'No licences are in use now: the newest sysinfo reports list no sessions',
        )}
        status={tableStatus(q)}
        span="third"
      />
      {PANELS.map((p) => (
        <TimeSeriesPanel
          key={p.id}
          id={p.id}
          title={p.title()}
          description={p.description()}
          data={d?.panels[p.id]}
          loading={q.isLoading}
          error={q.error}
          onRetry={() => void q.refetch()}
          emptyText={tx(
            'За выбранный интервал нет данных по доменам (нет отчётов sysinfo с пользователями)',
            'No per-domain data in the range (no sysinfo reports with users)',
          )}
          legend={['last', 'max']}
          legendSort={{ col: 'last', dir: 'desc' }}
          draw="step"
          decimals={0}
          colorOf={colorOf}
          span="half"
        />
      ))}
    </DashboardFrame>
  );
}
