/**
 * «Для менеджеров» (spec online-managers §4.7): every installation of the manager at once, sixteen panels
 * from one request: the client table (9 rows a page, involvement and licence-end colours), empty
 * searches, OperUp ages, activity (log2) and involvement with the spec's bands, licences in use, the
 * per-user panels, refused logons (table per day, chart per hour), idle accounts and user cards.
 *
 * The range opens on the month so far (Moscow): activity, involvement and the per-user counters restart
 * on the 1st, and the table sums whatever range is chosen, so a range across a month boundary adds two
 * months up (the notes say so). «С начала месяца» brings that range back.
 */
import { useMemo } from 'react';
import { Link } from 'react-router-dom';
import type {
  ClientParamsRow,
  EmptySearchRow,
  ForManagersOut,
  ManagerAligned,
  RefusedDayRow,
} from '../../../src/dashboards/contract-managers';
import { ENDPOINTS } from '../api';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { TablePanel, type CellColor, type Column } from '../components/TablePanel';
import { TextVariable } from '../components/TextVariable';
import { TimeSeriesPanel, type Band, type Draw, type LegendCol } from '../components/TimeSeriesPanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtDateTime, fmtNum } from '../lib/format';
import { joinManagers, tableStatus } from './analytics-common';
import { ClientLink } from './BillingStats';

const MSK = 3 * 3_600_000;

/** Midnight (Moscow, the dashboards' calendar) of the 1st of the current month, in ms. */
export function monthStartMs(now = Date.now()): number {
  const d = new Date(now + MSK);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - MSK;
}

const BASE: Omit<DashboardDef, 'defaultFrom'> = {
  id: 'for-managers',
  titleKey: 'dash.forManagers',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client', 'host', 'domain'],
};

// ---------------------------------------------------------------- thresholds (spec §3.2, §4.7, §8)

/** KodeksUserAInvolvementIsLow fires below 60 on the 20th; above 150 the seats are shared far beyond the licence. */
export function involvementColor(v: number | string | null): CellColor {
  if (typeof v !== 'number') return 'red';
  if (v < 60) return 'red';
  if (v < 80) return 'yellow';
  if (v <= 150) return 'green';
  return 'red';
}

/** KodeksUserActivityIsLow fires below 20 points on the 20th. */
export function activityColor(v: number | string | null): CellColor {
  return typeof v === 'number' && v < 20 ? 'red' : null;
}

/** The licence-expiry alerts: 7 days (and 2) critical, 90 days a reminder. */
export function licenceColor(v: number | string | null): CellColor {
  if (typeof v !== 'number') return null;
  if (v < 7) return 'red';
  if (v < 90) return 'yellow';
  return 'green';
}

/** «2,5 нед.» as the spec's «2.5 week»; under two weeks in days; «истекла» when past. */
export function licenceText(days: number | null): string {
  if (days === null) return '';
  if (days < 0) return tx('истекла', 'expired');
  if (days < 14) return tx('{n} дн.', '{n} d', { n: fmtNum(Math.floor(days), 0) });
  return tx('{n} нед.', '{n} wk', { n: fmtNum(Math.round((days / 7) * 10) / 10, 1) });
}

const INVOLVEMENT_BANDS: Band[] = [
  { to: 60, color: 'red' },
  { from: 60, to: 80, color: 'yellow' },
  { from: 80, to: 150, color: 'green' },
  { from: 150, color: 'red' },
];
const ACTIVITY_BANDS: Band[] = [{ to: 20, color: 'red' }];
const OPERUP_BANDS: Band[] = [
  { to: 72, color: 'green' },
  { from: 72, color: 'red' },
];
/** The Standard's graded bands (0–10 … 90–100) in three colours: below 50 red, to 80 amber, then green. */
const CARDS_BANDS: Band[] = [
  { to: 50, color: 'red' },
  { from: 50, to: 80, color: 'yellow' },
  { from: 80, color: 'green' },
];

const typeShort = (t: string) => (t === 'intelligent' ? 'i' : t === 'attribute' ? 'a' : t);

// ---------------------------------------------------------------- the time-series panels

type SeriesPanel =
  | 'operupAge'
  | 'activity'
  | 'involvement'
  | 'maxLicences'
  | 'billingDocs'
  | 'dbQueries'
  | 'prints'
  | 'savedDocs'
  | 'refusedPerHour'
  | 'zeroQueries30'
  | 'kassist30'
  | 'zeroQueries60'
  | 'cardsFilled';

/** How a panel's legend reads: its columns, the one it is sorted by, and the digits shown. */
interface LegendSpec {
  legend: LegendCol[];
  sort?: { col: LegendCol; dir: 'asc' | 'desc' };
  decimals: number;
}

interface SeriesSpec extends LegendSpec {
  /** The spec's title, the same in both languages. */
  title: string;
  /** The description, Russian and English. */
  ru: string;
  en: string;
  draw?: Draw;
  log?: boolean;
  unit?: '%';
  bands?: Band[];
  yMin?: number;
  yMax?: number;
  note?: string;
}

const sortedBy = (
  legend: LegendCol[],
  col: LegendCol,
  dir: 'asc' | 'desc',
  decimals: number,
): LegendSpec => ({
  legend,
  sort: { col, dir },
  decimals,
});

const MONTH_NOTE = () =>
  tx(
    'Счётчик с 1-го числа месяца; на интервале в несколько месяцев — «пила» со сбросом 1-го.',
    'Counted from the 1st; over several months a sawtooth restarting on each 1st.',
  );

/** A per-user counter that restarts on the 1st: its max and current value, the largest first. */
const MONTH_COUNTER = () => ({ ...sortedBy(['max', 'current'], 'current', 'desc', 0), note: MONTH_NOTE() });
/** Per-user counts the server keeps per day, as bars: the max and the sum over the range. */
const DAILY_BARS = { ...sortedBy(['max', 'sum'], 'sum', 'desc', 0), draw: 'bars' } as const;

const SERIES = (): Record<SeriesPanel, SeriesSpec> => ({
  operupAge: {
    title: 'Сколько часов назад обновились файлы в OperUp',
    ru: 'Возраст каждого файла OperUp в часах (наибольший за интервал точки). Норма — «пила» в зелёной зоне: обновление в течение текущих суток. Красная зона — 3 дня и старше (алерт KodeksDBOperUpToOld); то же бывает, когда перестали приходить sysinfo.',
    en: 'The age of each OperUp file in hours (the largest per point). A sawtooth in the green zone is normal. Red from 3 days (KodeksDBOperUpToOld); also when sysinfo stopped arriving.',
    ...sortedBy(['last'], 'last', 'desc', 1),
    bands: OPERUP_BANDS,
  },
  activity: {
    title: 'Активность пользователей в текущем месяце',
    ru: 'Сумма действий пользователей с 1-го числа: поиски, открытые документы (и переходы по ссылкам), сервисы, сохранения и печать. Ниже 20 пунктов к 20-му числу — алерт KodeksUserActivityIsLow. Шкала log2; показаны установки с наименьшей активностью.',
    en: 'Users’ actions since the 1st: searches, documents opened (links followed), services, saves and prints. Below 20 points by the 20th: KodeksUserActivityIsLow. Log2 scale; the least active installations first.',
    ...sortedBy(['last'], 'last', 'asc', 0),
    log: true,
    bands: ACTIVITY_BANDS,
    note: MONTH_NOTE(),
  },
  involvement: {
    title: 'Процент реальной вовлеченности в текущем месяце',
    ru: 'Пользователи с запросами к БД с 1-го числа ÷ (рабочих мест в рег-файле ÷ 100). Ниже 60 % к 20-му числу — алерт KodeksUserAInvolvementIsLow. Больше 100 % — мест меньше, чем работающих пользователей (место освобождается через 24 часа); выше 150 % — красная зона: пора продавать места.',
    en: 'Users with DB requests since the 1st ÷ (seats in the reg file ÷ 100). Below 60 % by the 20th: KodeksUserAInvolvementIsLow. Over 100 %: fewer seats than working users (a seat frees 24 h after logon); over 150 % red: time to sell seats.',
    ...sortedBy(['max', 'last'], 'last', 'asc', 1),
    unit: '%',
    bands: INVOLVEMENT_BANDS,
    note: MONTH_NOTE(),
  },
  maxLicences: {
    title: 'Максимальное число занятых лицензий на инсталляции',
    ru: 'Наибольшее число занятых лицензий за точку. На интервалах больше суток может превышать рег: место держится 24 часа после входа. Максимум регулярно ≥ рега — продажа мест; лицензии регулярно не заняты — ищите новых пользователей и отделы.',
    en: 'The most licences in use per point. Over a day it can exceed the reg: a seat is held 24 h after logon. Max ≥ reg regularly: sell seats; seats regularly unused: find new users.',
    ...sortedBy(['min', 'max', 'current'], 'max', 'desc', 0),
  },
  billingDocs: {
    title: 'billingDocs',
    ru: 'Открытые документы и использованные сервисы по пользователям, с 1-го числа месяца. Самые и наименее активные — кого похвалить, кого мотивировать.',
    en: 'Documents opened plus services used, per user, since the 1st. The most and least active users.',
    ...MONTH_COUNTER(),
  },
  dbQueries: {
    title: 'Запросы к БД за час',
    ru: 'Запросы к БД по пользователям. ПК считает их по суткам, поэтому столбец — запросы за сутки (на длинных интервалах — за неделю).',
    en: 'DB queries per user. The server counts them per day, so a bar is a day (a week on long ranges).',
    ...DAILY_BARS,
  },
  prints: {
    title: 'Print statistic',
    ru: 'Документы, отправленные на печать прямо из ПК, по пользователям, с 1-го числа месяца.',
    en: 'Documents printed from the server’s shell, per user, since the 1st.',
    ...MONTH_COUNTER(),
  },
  savedDocs: {
    title: 'Сохранено документов за 1 час',
    ru: 'Сохранённые (выгруженные) документы по пользователям. ПК считает по суткам: столбец — за сутки (на длинных интервалах — за неделю).',
    en: 'Documents saved (exported) per user. Counted per day by the server: a bar is a day (a week on long ranges).',
    ...DAILY_BARS,
  },
  refusedPerHour: {
    title: 'Количество пользователей не смогли подключиться за 1 час',
    ru: 'Сколько учётных записей не смогли войти за час по любой причине (нет свободных мест, ошибка авторизации). Обоснование, сколько мест докупить и кому. Алерт KodeksLimitsUsers.',
    en: 'Accounts refused a logon per hour, any reason. How many seats to add and for whom. Alert KodeksLimitsUsers.',
    ...sortedBy(['sum', 'max'], 'sum', 'desc', 0),
    draw: 'bars',
  },
  zeroQueries30: {
    title: 'Ноль запросов к БД за 30 дней статистика',
    ru: '«% не пользуются» — учётные записи без запросов к БД за 30 дней ÷ (мест ÷ 100), меньше — лучше, бывает больше 100; «не пользуются» — сколько таких; «Всего пользователей» — зарегистрированные учётные записи. Смотрите на интервале в месяц.',
    en: '“% not using”: accounts without DB queries in 30 days ÷ (seats ÷ 100), lower is better, can exceed 100; “not using”: how many; “total users”: registered accounts. Use a one-month range.',
    ...sortedBy(['current'], 'current', 'desc', 1),
  },
  kassist30: {
    title: 'Работа Kassist за последние 30 дней',
    ru: 'Запросы к БД через kAssist за 30 дней по каждому пользователю. Пользуются ли kAssist (в том числе новые пользователи)?',
    en: 'DB queries through kAssist over 30 days, per user. Is kAssist used (by new users too)?',
    ...sortedBy(['last'], 'last', 'desc', 0),
  },
  zeroQueries60: {
    title: 'Ноль запросов к БД за 60 дней',
    ru: 'Линия на нуле — учётная запись без запросов к БД 60 дней. Пропадает, когда пользователь снова обратится к БД. Причины падения активности, кого переобучить. Первыми — дольше всех не работающие.',
    en: 'A line at zero: an account without DB queries for 60 days. It ends when the user queries again. Causes of falling activity, whom to retrain. The longest idle first.',
    legend: [],
    decimals: 0,
    yMin: -1,
    yMax: 1,
  },
  cardsFilled: {
    title: 'Процент заполненных карточек заходивших в систему пользователей',
    ru: 'Доля полностью заполненных карточек (ФИО, телефон, e-mail, должность, подразделение) среди пользователей, заходивших в систему. Данные карточек уходят в запросы СПП; пороги — по Стандарту обслуживания.',
    en: 'Share of complete cards (name, phone, e-mail, position, department) among users who logged in. Cards go into СПП requests; thresholds per the service Standard.',
    ...sortedBy(['min', 'last'], 'last', 'asc', 1),
    unit: '%',
    yMin: 0,
    yMax: 100,
    bands: CARDS_BANDS,
  },
});

/** «Ноль запросов … 30 дней»: the three series of an installation under their spec names. */
function zeroLabels(data: ManagerAligned | undefined): ManagerAligned | undefined {
  if (!data) return data;
  const name = {
    pct: tx('% не пользуются', '% not using'),
    idle: tx('не пользуются', 'not using'),
    users: tx('Всего пользователей', 'Total users'),
  };
  return {
    ...data,
    series: data.series.map((s) => (s.measure ? { ...s, label: `${s.host ?? ''} ${name[s.measure]}` } : s)),
  };
}

export function ForManagersPage() {
  const def = useMemo<DashboardDef>(() => ({ ...BASE, defaultFrom: String(monthStartMs()) }), []);
  const state = useDashboardState(def);
  const login = state.extra('login') ?? '';
  const q = useDashQuery<ForManagersOut>(state, ENDPOINTS.forManagers, login ? { login } : {});
  const d = q.data;
  const common = { loading: q.isLoading, error: q.error, onRetry: () => void q.refetch() };
  const emptyText = tx('За выбранный интервал нет данных sysinfo', 'No sysinfo data in the range');

  const clientColumns: Column<ClientParamsRow>[] = [
    {
      key: 'client',
      title: 'Клиент',
      value: (r) => r.client,
      render: (r) => <ClientLink id={r.clientId} name={r.client} />,
    },
    {
      key: 'ends',
      title: 'Окончание',
      value: (r) => r.licenceDaysLeft,
      numeric: true,
      render: (r) => licenceText(r.licenceDaysLeft),
      csv: (r) => (r.licenceDaysLeft === null ? '' : String(r.licenceDaysLeft).replace('.', ',')),
      titleOf: (r) => (r.licenceEndsAt === null ? '' : fmtDateTime(r.licenceEndsAt)),
      color: licenceColor,
    },
    {
      key: 'involvement',
      title: 'Вовлеч. %',
      value: (r) => r.involvementPct,
      numeric: true,
      digits: 1,
      color: involvementColor,
      mean: true,
      titleOf: (r) =>
        r.usersWithRequests === null
          ? tx('нет отчётов за интервал', 'no reports in the range')
          : tx('{n} пользователей с запросами на {s} мест', '{n} users with requests on {s} seats', {
              n: r.usersWithRequests,
              s: r.seats ?? '—',
            }),
    },
    {
      key: 'activity',
      title: 'Активность',
      value: (r) => r.activity,
      numeric: true,
      digits: 0,
      color: activityColor,
      mean: true,
    },
    { key: 'seats', title: 'Кол-во', value: (r) => r.seats, numeric: true, digits: 0 },
    { key: 'regnum', title: 'Номер рега', value: (r) => r.regnum },
    { key: 'manager', title: 'Менеджер', value: (r) => joinManagers(r.managers) },
    { key: 'host', title: 'Адрес', value: (r) => r.host },
  ];

  const emptyColumns: Column<EmptySearchRow>[] = [
    {
      key: 'at',
      title: 'Time',
      value: (r) => r.at,
      render: (r) => fmtDateTime(r.at, true),
      csv: (r) => fmtDateTime(r.at, true),
      filter: false,
    },
    { key: 'host', title: 'host', value: (r) => r.host, titleOf: (r) => r.client },
    { key: 'manager', title: 'manager', value: (r) => joinManagers(r.managers) },
    { key: 'name', title: 'name', value: (r) => r.login },
    { key: 'query', title: 'query', value: (r) => r.query, className: 'cell-long', titleOf: (r) => r.query },
    { key: 'type', title: 'searchtype', value: (r) => typeShort(r.type), titleOf: (r) => r.catalog ?? '' },
  ];

  const refusedColumns: Column<RefusedDayRow>[] = [
    { key: 'day', title: 'День', value: (r) => r.day },
    {
      key: 'client',
      title: 'Клиент',
      value: (r) => r.client,
      render: (r) => <ClientLink id={r.clientId} name={r.client} />,
      titleOf: (r) => r.host,
    },
    { key: 'login', title: 'Логин', value: (r) => r.login },
    { key: 'count', title: 'Количество за день', value: (r) => r.count, numeric: true, digits: 0 },
  ];

  const series = SERIES();
  const panel = (id: SeriesPanel) => {
    const p = series[id];
    const data = id === 'zeroQueries30' ? zeroLabels(d?.[id]) : d?.[id];
    return (
      <TimeSeriesPanel
        {...common}
        key={id}
        id={id}
        title={p.title}
        description={tx(p.ru, p.en)}
        data={data}
        emptyText={emptyText}
        legend={p.legend}
        legendSort={p.sort}
        draw={p.draw}
        log={p.log}
        logBase={p.log ? 2 : undefined}
        dropZeros={p.log}
        yMin={p.yMin}
        yMax={p.yMax}
        unit={p.unit}
        decimals={p.decimals}
        bands={p.bands}
        note={p.note}
        span="half"
      />
    );
  };

  const monthStart = monthStartMs();
  const isMonthToDate = state.raw.to === 'now' && Number(state.raw.from) === monthStart;
  const toolbar = isMonthToDate ? null : (
    <button
      type="button"
      className="btn btn-small"
      onClick={() => state.setRange({ from: String(monthStart), to: 'now' })}
      title={tx(
        'Интервал с 1-го числа текущего месяца до сейчас: значения дашборда копятся в пределах месяца',
        'From the 1st of this month until now: the values accumulate within the month',
      )}
    >
      {tx('С начала месяца', 'Month to date')}
    </button>
  );

  const crossesMonth =
    state.range.to - state.range.from > 0 &&
    new Date(state.range.from + MSK).getUTCMonth() !== new Date(state.range.to - 1 + MSK).getUTCMonth();

  return (
    <DashboardFrame
      state={state}
      fetching={q.isFetching}
      toolbarExtra={toolbar}
      extraVars={
        <TextVariable
          label={tx('Логин пользователя', 'User login')}
          value={login}
          onChange={(v) => state.setExtra('login', v || null)}
          placeholder={tx('логин, логин…', 'login, login…')}
          title={tx(
            'Логины через запятую (точное совпадение): сужают панели по пользователям и таблицы',
            'Logins, comma-separated (exact): narrow the per-user panels and the tables',
          )}
        />
      }
    >
      <TablePanel
        id="clients"
        title="Параметры клиентов"
        description={tx(
          'Все установки сразу. Окончание — до конца самой ранней лицензии (красный — меньше 7 дней, жёлтый — меньше 90). Вовлеч. % — пользователи с запросами к БД за интервал ÷ (мест ÷ 100): красный < 60, жёлтый 60–80, зелёный 80–150, красный > 150 (мест явно не хватает). Активность — действия пользователей за интервал, красный < 20. Кол-во — мест в рег-файле.',
          'Every installation at once. Ends: until the earliest licence ends (red under 7 days, yellow under 90). Involvement: users with DB requests in the range ÷ (seats ÷ 100): red < 60, yellow 60–80, green 80–150, red > 150 (clearly too few seats). Activity: users’ actions in the range, red < 20. Count: seats in the reg file.',
        )}
        rows={d?.clients ?? []}
        columns={clientColumns}
        rowKey={(r) => r.installationId}
        rowLink={(r) => `/clients/${r.clientId}`}
        pageSize={9}
        initialSort={{ key: 'ends', dir: 'asc' }}
        csvName="for-managers-clients.csv"
        emptyText={tx('Нет установок в выбранных переменных', 'No installations for the chosen variables')}
        status={tableStatus(q)}
        note={
          crossesMonth
            ? tx(
                'Интервал захватывает несколько месяцев: вовлечённость и активность суммируются за все — для оценки берите «С начала месяца», целый месяц или целые недели.',
                'The range spans several months: involvement and activity add them up; use month to date, a whole month or whole weeks.',
              )
            : tx(
                'Значения копятся за выбранный интервал; интервал через границу месяцев их суммирует.',
                'Values accumulate over the range; a range across months adds them up.',
              )
        }
      />
      <TablePanel
        id="emptySearches"
        title="Детектирование, что ничего не нашлось"
        description={tx(
          'Каждый поиск (интеллектуальный — i, атрибутный — a), по которому ПК ничего не нашёл, новые сверху. Подходит ли комплект под задачи клиента? Повод для допродажи или обучения (алерт KodeksSearchIsEmpty).',
          'Every search (intelligent i, attribute a) that found nothing, newest first. Does the kit fit the client’s needs? A lead for an upsell or training (alert KodeksSearchIsEmpty).',
        )}
        rows={d?.emptySearches?.rows ?? []}
        columns={emptyColumns}
        rowKey={(r) => `${r.at}|${r.installationId}|${r.login}|${r.query}`}
        pageSize={9}
        csvName="for-managers-empty-searches.csv"
        emptyText={tx('Пустых поисков за интервал нет', 'No empty searches in the range')}
        status={tableStatus(q)}
        note={
          d?.emptySearches?.more
            ? tx('Показаны последние {n}.', 'The newest {n} shown.', { n: d.emptySearches.rows.length })
            : undefined
        }
        footer={
          <p className="load-more">
            <Link to={`/d/search-queries?from=${state.range.from}&to=${state.range.to}&status=empty`}>
              {tx('Подробнее — «Поисковые запросы»', 'More in «Поисковые запросы»')}
            </Link>
          </p>
        }
      />
      {panel('operupAge')}
      {panel('activity')}
      {panel('involvement')}
      {panel('maxLicences')}
      {panel('billingDocs')}
      {panel('dbQueries')}
      {panel('prints')}
      {panel('savedDocs')}
      <TablePanel
        id="refusedTable"
        title="Пользователи и количество раз которые не смогли подключиться из-за использования всех лицензий в течение 1 дня"
        description={tx(
          'Кто, где и сколько раз за день не смог войти, потому что все места были заняты (алерт KodeksDetectOverUserError). Новые пользователи и обоснование докупки мест — приложите к отчёту ЛПР.',
          'Who could not log in because all seats were taken, where and how many times a day (alert KodeksDetectOverUserError). New users, and the case for more seats in the report to the decision maker.',
        )}
        rows={d?.refusedTable?.rows ?? []}
        columns={refusedColumns}
        rowKey={(r) => `${r.day}|${r.installationId}|${r.login}`}
        pageSize={9}
        initialSort={{ key: 'day', dir: 'desc' }}
        csvName="for-managers-refused.csv"
        emptyText={tx('За интервал отказов во входе нет', 'No refused logons in the range')}
        status={tableStatus(q)}
        span="half"
        note={
          d?.refusedTable && d.refusedTable.total > d.refusedTable.rows.length
            ? tx('Показаны {n} из {m}.', '{n} of {m} shown.', {
                n: d.refusedTable.rows.length,
                m: d.refusedTable.total,
              })
            : undefined
        }
      />
      {panel('refusedPerHour')}
      {panel('zeroQueries30')}
      {panel('kassist30')}
      {panel('zeroQueries60')}
      {panel('cardsFilled')}
    </DashboardFrame>
  );
}
