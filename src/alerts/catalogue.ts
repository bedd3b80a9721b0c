/**
 * Every alert SMART raises (spec: system-requirements.md §3.3), under the existing service's exact
 * names: distributors' mail filters match them. Typos of the original are the names; corrected
 * spellings are aliases (R-ALR-09). Priorities the spec states are kept; the others are decided here
 * and explained in docs/alerts.md.
 */

export const PRIORITIES = ['K1', 'K2', 'K3', 'K4', 'K5'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const IMPORTANCES = ['info', 'critical'] as const;
export type Importance = (typeof IMPORTANCES)[number];
/**
 * Routing class (spec §2.5): `high` goes to the high-priority mailbox and the Telegram chats,
 * `analytics` to the analytics mailbox, `normal` only to the managers' e-mail. Managers get every class.
 */
export const ALERT_CLASSES = ['high', 'normal', 'analytics'] as const;
export type AlertClass = (typeof ALERT_CLASSES)[number];
export const ALERT_CATEGORIES = [
  'db',
  'network',
  'availability',
  'senselock',
  'licence',
  'licman',
  'users',
  'online',
  'collection',
  'other',
  'delivery',
] as const;
export type AlertCategory = (typeof ALERT_CATEGORIES)[number];
export type AlertSource = 'sysinfo' | 'status' | 'probe' | 'online' | 'ingest' | 'engine' | 'delivery';
export type AlertSubject = 'installation' | 'online' | 'dealer';

export interface AlertDef {
  name: string;
  aliases: string[];
  category: AlertCategory;
  sources: AlertSource[];
  /** What one instance is about. Count siblings and delivery failures are per dealer. */
  subjects: AlertSubject[];
  priority: Priority;
  importance: Importance;
  class: AlertClass;
  /** True when the spec states priority and importance (the others are our decision). */
  stated: boolean;
  /** The human text of messages, in Russian. */
  summary: string;
  /** The condition, for docs/alerts.md. */
  condition: string;
  /** Pending time before firing (flap protection). */
  forMs: number;
  /** Hysteresis: a firing alert resolves only after its condition has been clear this long. */
  keepFiringForMs: number;
  /** For a `…Count` sibling: the alert it counts. */
  countOf?: string;
  /** For an alert with a Count sibling: more than this many firing instances in a dealer fire it. */
  countThreshold?: number;
  /** Overrides the priority's repeat interval (monthly alerts repeat weekly, R-ALR-08). */
  repeatIntervalMs?: number;
  /** Tunable thresholds, overridable per dealer (alert settings). */
  params?: Record<string, number>;
  /** Alerts of the same subject that, while firing (or pending, for maintenance), suppress this one. */
  inhibitedBy?: string[];
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Probe results: two failed rounds before firing, three clear minutes before resolving. */
const PROBE_TIMING = { forMs: 90_000, keepFiringForMs: 3 * MIN };
/** Report data arrives hourly: act on the first report, resolve on the first good one. */
const REPORT_TIMING = { forMs: 0, keepFiringForMs: 0 };
/** What depends on the ПК answering at all. */
const UNREACHABLE = ['KodeksTcpStatus', 'KodeksBehindProxyDown'];
/** Page and login checks mean nothing while the ПК is in maintenance (R-ALR-10). */
const PAGE_CHECK_INHIBITORS = [...UNREACHABLE, 'KodeksMaintenance'];

type Def = Omit<AlertDef, 'aliases' | 'stated' | 'forMs' | 'keepFiringForMs'> &
  Partial<Pick<AlertDef, 'aliases' | 'stated' | 'forMs' | 'keepFiringForMs'>>;

function def(d: Def): AlertDef {
  return { aliases: [], stated: false, ...REPORT_TIMING, ...d };
}

function count(
  base: string,
  d: Omit<Def, 'name' | 'countOf' | 'subjects' | 'condition' | 'sources'>,
): AlertDef {
  return def({
    name: `${base}Count`,
    countOf: base,
    subjects: ['dealer'],
    sources: ['engine'],
    condition: `more than the threshold of ${base} instances fire in one dealer at once`,
    ...d,
  });
}

const BILLING_KINDS = [
  { kind: 'docs', word: 'Docs', title: 'открытию документов' },
  { kind: 'print', word: 'Print', title: 'печати' },
  { kind: 'search', word: 'Search', title: 'поиску' },
  { kind: 'export', word: 'Upload', title: 'выгрузке' },
] as const;

function billing(): AlertDef[] {
  const out: AlertDef[] = [];
  for (const k of BILLING_KINDS) {
    const alias = (level: string) => (k.word === 'Search' ? [`OnlineBillingSearch${level}`] : []);
    out.push(
      def({
        name: `OnlineBilling${k.word}Left150`,
        aliases: alias('150'),
        category: 'online',
        sources: ['online'],
        subjects: ['online'],
        priority: 'K5',
        importance: 'info',
        class: 'normal',
        summary: `Биллинг по ${k.title}: осталось меньше 150 единиц`,
        condition: `remaining ${k.kind} units < 150 (and ≥ 50)`,
        params: { threshold: 150 },
      }),
      def({
        name: `OnlineBilling${k.word}Left50`,
        aliases: alias('50'),
        category: 'online',
        sources: ['online'],
        subjects: ['online'],
        priority: 'K4',
        importance: 'critical',
        class: 'high',
        stated: k.word === 'Docs',
        summary: `Биллинг по ${k.title}: осталось меньше 50 единиц`,
        condition: `remaining ${k.kind} units < 50 (and > 0)`,
        params: { threshold: 50 },
      }),
      def({
        name: `OnlineBilling${k.word}LeftZero`,
        aliases: alias('Zero'),
        category: 'online',
        sources: ['online'],
        subjects: ['online'],
        priority: 'K3',
        importance: 'critical',
        class: 'high',
        summary: `Биллинг по ${k.title} исчерпан`,
        condition: `remaining ${k.kind} units = 0 with a non-zero limit`,
      }),
    );
  }
  return out;
}

export const CATALOGUE: readonly AlertDef[] = [
  // DB & operup (sysinfo)
  def({
    name: 'KodeksDBerrorsNoCode',
    aliases: ['KodeksDBerrorsCode1', 'KodeksDBerrorsNOCode'],
    category: 'db',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K3',
    importance: 'critical',
    class: 'high',
    summary: 'Есть ошибки БД, код ошибки определить не удалось',
    condition: 'a DB volume error in sysinfo whose code SMART cannot recognise',
    countThreshold: 10,
  }),
  count('KodeksDBerrorsNoCode', {
    aliases: ['KodeksDBerrorsCode1Count', 'KodeksDBerrorsNOCodeCount'],
    category: 'db',
    priority: 'K2',
    importance: 'critical',
    class: 'high',
    summary: 'Много однотипных ошибок БД без кода',
  }),
  def({
    name: 'KodeksDBerrorsCode2007',
    category: 'db',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K2',
    importance: 'critical',
    class: 'high',
    summary: 'Ошибка БД 2007 — нет прав на использование данной БД',
    condition: 'a DB volume reports error 2007 (or its alias 4103)',
    countThreshold: 10,
  }),
  count('KodeksDBerrorsCode2007', {
    category: 'db',
    priority: 'K1',
    importance: 'critical',
    class: 'high',
    summary: 'Ошибка 2007 на многих БД',
  }),
  def({
    name: 'KodeksDBerrorsCodeXXX',
    category: 'db',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K3',
    importance: 'critical',
    class: 'high',
    summary: 'Ошибки БД ПК',
    condition:
      'a DB volume reports a recognised error other than 2007 whose class is not informational (603, 610, 793, 794 and "already connected" are not alerted)',
    countThreshold: 10,
  }),
  count('KodeksDBerrorsCodeXXX', {
    category: 'db',
    priority: 'K2',
    importance: 'critical',
    class: 'high',
    summary: 'Много однотипных ошибок БД',
  }),
  def({
    name: 'KodeksDBOperUpToOld',
    aliases: ['KodeksDBOperUpTooOld'],
    category: 'db',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K5',
    importance: 'info',
    class: 'normal',
    stated: true,
    summary: 'Файлы OperUp старше 3 дней',
    condition: 'the newest operup file is older than maxAgeDays (3) days',
    params: { maxAgeDays: 3 },
    countThreshold: 10,
  }),
  count('KodeksDBOperUpToOld', {
    aliases: ['KodeksDBOperUpTooOldCount'],
    category: 'db',
    priority: 'K1',
    importance: 'critical',
    class: 'high',
    stated: true,
    summary: 'Файлы OperUp старше 3 дней на многих установках',
  }),
  def({
    name: 'KodeksDBLicensesZero',
    category: 'licence',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K4',
    importance: 'info',
    class: 'normal',
    summary: 'В sysinfo нет блока со сроком действия лицензии по каждой БД',
    condition: 'the report lists DB volumes but no licence validity for some of their DBs',
  }),
  // Network (probes)
  def({
    name: 'KodeksBehindProxyDown',
    category: 'network',
    sources: ['probe'],
    subjects: ['installation'],
    priority: 'K2',
    importance: 'critical',
    class: 'high',
    summary: 'Не работает обратный прокси перед ПК',
    condition: 'the reverse-proxy check fails (the proxy answers 502/504 or its own error page)',
    ...PROBE_TIMING,
  }),
  def({
    name: 'KodeksHttp200Status',
    category: 'network',
    sources: ['probe'],
    subjects: ['installation'],
    priority: 'K2',
    importance: 'critical',
    class: 'high',
    summary: 'ПК не отвечает HTTP 200',
    condition: 'the main page does not answer 200 (maintenance excepted)',
    inhibitedBy: PAGE_CHECK_INHIBITORS,
    countThreshold: 10,
    ...PROBE_TIMING,
  }),
  count('KodeksHttp200Status', {
    category: 'network',
    priority: 'K1',
    importance: 'critical',
    class: 'high',
    summary: 'Многие ПК не отвечают HTTP 200',
  }),
  def({
    name: 'KodeksIcmp',
    category: 'network',
    sources: ['probe'],
    subjects: ['installation'],
    priority: 'K4',
    importance: 'info',
    class: 'normal',
    summary: 'ПК не отвечает на ping (ICMP)',
    condition: 'ICMP echo fails (not judged when ping is not permitted)',
    countThreshold: 10,
    ...PROBE_TIMING,
  }),
  count('KodeksIcmp', {
    category: 'network',
    priority: 'K3',
    importance: 'critical',
    class: 'high',
    summary: 'Многие ПК не отвечают на ping',
  }),
  def({
    name: 'KodeksTcpStatus',
    category: 'network',
    sources: ['probe'],
    subjects: ['installation'],
    priority: 'K2',
    importance: 'critical',
    class: 'high',
    summary: 'Порт-монитор ПК не принимает соединения',
    condition: 'the TCP connection to the ПК port fails',
    inhibitedBy: ['KodeksBehindProxyDown'],
    countThreshold: 10,
    ...PROBE_TIMING,
  }),
  count('KodeksTcpStatus', {
    category: 'network',
    priority: 'K1',
    importance: 'critical',
    class: 'high',
    summary: 'Порт-монитор не отвечает на многих ПК',
  }),
  // ПК availability
  def({
    name: 'KodeksMaintenance',
    aliases: ['KodeksMaintance'],
    category: 'availability',
    sources: ['probe', 'status'],
    subjects: ['installation'],
    priority: 'K4',
    importance: 'info',
    class: 'normal',
    summary: 'ПК в режиме технического обслуживания',
    condition: 'the main page shows maintenance (HTTP 503) or sysmon reports kserver_maintenance 1',
    countThreshold: 30,
    forMs: 5 * MIN,
    keepFiringForMs: 2 * MIN,
  }),
  count('KodeksMaintenance', {
    category: 'availability',
    priority: 'K3',
    importance: 'critical',
    class: 'high',
    summary: 'Много ПК одновременно в режиме обслуживания',
  }),
  def({
    name: 'KodeksNeedSupport',
    category: 'availability',
    sources: ['probe', 'status'],
    subjects: ['installation'],
    priority: 'K3',
    importance: 'critical',
    class: 'high',
    summary: 'На главной странице ПК сообщение «Требуется обслуживание»',
    condition:
      'the main page carries the "service needed" message, or sysmon reports kserver_needs_service 1',
    inhibitedBy: UNREACHABLE,
    ...PROBE_TIMING,
  }),
  def({
    name: 'KodeksMaintenanceToLong',
    aliases: ['KodeksMaintenanceTooLong'],
    category: 'availability',
    sources: ['probe', 'status'],
    subjects: ['installation'],
    priority: 'K2',
    importance: 'critical',
    class: 'high',
    summary: 'ПК в режиме обслуживания больше 3 часов подряд',
    condition: 'maintenance has lasted longer than maxHours (3) without a break',
    params: { maxHours: 3 },
    countThreshold: 30,
  }),
  count('KodeksMaintenanceToLong', {
    aliases: ['KodeksMaintenanceTooLongCount'],
    category: 'availability',
    priority: 'K1',
    importance: 'critical',
    class: 'high',
    summary: 'Много ПК в режиме обслуживания больше 3 часов',
  }),
  // Licence manager
  def({
    name: 'LicmanIcmp',
    category: 'licman',
    sources: ['probe'],
    subjects: ['installation'],
    priority: 'K4',
    importance: 'info',
    class: 'normal',
    summary: 'Менеджер лицензий не отвечает на ping',
    condition: 'ICMP echo to the Licman address fails',
    ...PROBE_TIMING,
  }),
  def({
    name: 'LicmanTcpStatus',
    category: 'licman',
    sources: ['probe'],
    subjects: ['installation'],
    priority: 'K3',
    importance: 'critical',
    class: 'high',
    summary: 'Порт менеджера лицензий закрыт',
    condition: 'the TCP connection to the Licman port fails',
    ...PROBE_TIMING,
  }),
  // SenseLock
  def({
    name: 'KodeksOfflineSensLockCheck',
    category: 'senselock',
    sources: ['status'],
    subjects: ['installation'],
    priority: 'K1',
    importance: 'critical',
    class: 'high',
    summary: 'Ключ SenseLock недоступен (по данным СМАРТ.Статус)',
    condition: 'the newest smartstatus/sysmon metrics say kserver_senselock_key_ok 0',
  }),
  def({
    name: 'KodeksOnlineSensLockCheck',
    category: 'senselock',
    sources: ['probe'],
    subjects: ['installation'],
    priority: 'K1',
    importance: 'critical',
    class: 'high',
    summary: 'ПК не сообщает, что ключ SenseLock активен',
    condition: 'the signed-in page shows "key not found" (the key check fails)',
    inhibitedBy: PAGE_CHECK_INHIBITORS,
    ...PROBE_TIMING,
  }),
  def({
    name: 'KodeksXmlSensLockStatus',
    category: 'senselock',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K1',
    importance: 'critical',
    class: 'high',
    summary: 'По информации xml sysinfo ключ SensLock не работает',
    condition: 'the newest sysinfo has no SenseLock status or a status other than ok',
  }),
  // Licence and seats
  def({
    name: 'KodeksDetectOverUserError',
    category: 'licence',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K4',
    importance: 'info',
    class: 'normal',
    summary: 'Пользователю отказано во входе: нет свободных рабочих мест',
    condition: 'a refused logon ("no free workplaces") within the last windowHours (1) hours',
    params: { windowHours: 1 },
  }),
  def({
    name: 'KodeksLicenseExpiring2day',
    category: 'licence',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K3',
    importance: 'critical',
    class: 'high',
    summary: 'Лицензия истекает в течение 2 дней',
    condition: 'the earliest licence expiry is within 2 days (or past)',
    params: { days: 2 },
  }),
  def({
    name: 'KodeksLicenseExpiring7day',
    category: 'licence',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K5',
    importance: 'critical',
    class: 'normal',
    stated: true,
    summary: 'Лицензия истекает в течение 7 дней',
    condition: 'the earliest licence expiry is within 7 days (and more than 2)',
    params: { days: 7 },
  }),
  def({
    name: 'KodeksLicenseExpiring90day',
    category: 'licence',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K5',
    importance: 'info',
    class: 'normal',
    stated: true,
    summary: 'Лицензия истекает в течение 90 дней',
    condition: 'the earliest licence expiry is within 90 days (and more than 7)',
    params: { days: 90 },
    repeatIntervalMs: 7 * DAY,
  }),
  def({
    name: 'KodeksLimitsUsers',
    category: 'licence',
    sources: ['probe', 'sysinfo'],
    subjects: ['installation'],
    priority: 'K3',
    importance: 'critical',
    class: 'high',
    summary: 'Не осталось свободных рабочих мест по лицензии',
    condition: 'the limit check fails (page says licences exhausted) or sysinfo licences in use ≥ seats',
    inhibitedBy: PAGE_CHECK_INHIBITORS,
  }),
  def({
    name: 'KodeksUnsupportedButUsed',
    category: 'licence',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K5',
    importance: 'info',
    class: 'analytics',
    summary: 'Сопровождение закончилось, но установкой пользуются',
    condition: 'every licence has expired, yet users made DB requests within the last windowDays (7) days',
    params: { windowDays: 7 },
    repeatIntervalMs: 7 * DAY,
  }),
  // Users
  def({
    name: 'KodeksNewUser',
    category: 'users',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K5',
    importance: 'info',
    class: 'analytics',
    summary: 'В ПК зарегистрирован новый пользователь',
    condition: 'a user registered within the last windowHours (24) hours (one instance per user)',
    params: { windowHours: 24 },
  }),
  def({
    name: 'KodeksSearchIsEmpty',
    aliases: ['KodeksSearchEmpty'],
    category: 'users',
    sources: ['sysinfo', 'online'],
    subjects: ['installation', 'online'],
    priority: 'K5',
    importance: 'info',
    class: 'analytics',
    summary: 'В БД нет того, что искал пользователь',
    condition:
      'a search that found nothing within the last windowHours (24) hours, on an installation or an online access (one instance per query and user)',
    params: { windowHours: 24 },
  }),
  def({
    name: 'KodeksSearchError',
    category: 'users',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K3',
    importance: 'critical',
    class: 'high',
    summary: 'Поиск ПК не обрабатывает запросы пользователей',
    condition: 'searches with status error within the last windowHours (2) hours',
    params: { windowHours: 2 },
  }),
  def({
    name: 'KodeksUserActivityIsLow',
    category: 'users',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K5',
    importance: 'info',
    class: 'analytics',
    summary: 'Активность пользователей ниже 20 пунктов',
    condition:
      'from the fromDay (20th) of the month, in the installation’s time zone: intelligent searches + opened documents this month < minPoints (20)',
    params: { minPoints: 20, fromDay: 20 },
    repeatIntervalMs: 7 * DAY,
  }),
  def({
    name: 'KodeksUserAInvolvementIsLow',
    aliases: ['KodeksUserInvolvementIsLow'],
    category: 'users',
    sources: ['sysinfo'],
    subjects: ['installation'],
    priority: 'K5',
    importance: 'info',
    class: 'analytics',
    summary: 'Вовлечённость пользователей ниже 60%',
    condition:
      'from the fromDay (20th) of the month: users with DB requests this month ÷ (seats ÷ 100) < minPercent (60)',
    params: { minPercent: 60, fromDay: 20 },
    repeatIntervalMs: 7 * DAY,
  }),
  // Other ПК checks
  def({
    name: 'KodeksAuthNotWork',
    category: 'other',
    sources: ['probe'],
    subjects: ['installation'],
    priority: 'K2',
    importance: 'critical',
    class: 'high',
    summary: 'Пользователи не могут пройти авторизацию в ПК',
    condition: 'the smartlogin sign-in fails',
    inhibitedBy: PAGE_CHECK_INHIBITORS,
    ...PROBE_TIMING,
  }),
  def({
    name: 'KodeksSppStatus',
    category: 'other',
    sources: ['status'],
    subjects: ['installation'],
    priority: 'K4',
    importance: 'info',
    class: 'normal',
    summary: 'СПП не работает',
    condition: 'the newest smartstatus/sysmon metrics say kserver_spp_up 0',
  }),
  def({
    name: 'KodeksWarning',
    category: 'other',
    sources: ['probe'],
    subjects: ['installation'],
    priority: 'K3',
    importance: 'critical',
    class: 'high',
    summary: 'На установке есть аварийное состояние',
    condition: 'the warning check fails (an error notice on the signed-in page)',
    inhibitedBy: PAGE_CHECK_INHIBITORS,
    ...PROBE_TIMING,
  }),
  // Collection
  def({
    name: 'SmartXMLfileIsToOld',
    aliases: ['SmartXMLfileIsTooOld', 'XMLfieldsToOld'],
    category: 'collection',
    sources: ['ingest'],
    subjects: ['installation'],
    priority: 'K3',
    importance: 'critical',
    class: 'high',
    summary: 'СМАРТ не получает свежих данных sysinfo',
    condition:
      'per channel (sysinfo, status): no usable report for missedIntervals (3) collection intervals (hourly sysinfo, 15-minute status)',
    params: { missedIntervals: 3 },
    inhibitedBy: ['SmartAgentSilent'],
  }),
  def({
    name: 'SmartAgentSilent',
    category: 'collection',
    sources: ['ingest'],
    subjects: ['installation'],
    priority: 'K2',
    importance: 'critical',
    class: 'high',
    summary: 'Агент установки перестал присылать отчёты',
    condition:
      'an agent that had been uploading sent nothing for missedIntervals (2) of its intervals (hours, not days: lesson L1)',
    params: { missedIntervals: 2 },
  }),
  // Online accesses
  ...billing(),
  def({
    name: 'OnlineLoginFailed',
    category: 'online',
    sources: ['online'],
    subjects: ['online'],
    priority: 'K3',
    importance: 'critical',
    class: 'high',
    summary: 'Не удаётся авторизоваться в онлайн-доступе',
    condition: 'the poller’s login is refused (LoginPasswordError)',
  }),
  ...(
    [
      ['10', 3],
      ['20', 10],
      ['30', 15],
    ] as const
  ).map(([day, pct]) =>
    def({
      name: `OnlineUserActivityIsLow${day}`,
      category: 'online',
      sources: ['online'],
      subjects: ['online'],
      priority: 'K5',
      importance: 'info',
      class: 'analytics',
      summary: `К ${day}-му числу использовано меньше ${pct}% лимита документов`,
      condition: `from the ${day}th of the month (the last day of a shorter month counts as the 30th), in the access’s time zone: documents used < ${pct}% of the limit`,
      params: { fromDay: Number(day), minPercent: pct },
      repeatIntervalMs: 7 * DAY,
    }),
  ),
  def({
    name: 'OnlineAccessUnused',
    category: 'online',
    sources: ['online'],
    subjects: ['online'],
    priority: 'K4',
    importance: 'info',
    class: 'normal',
    summary: 'Онлайн-доступом не пользуются несколько рабочих дней',
    condition:
      'no units spent and no searches for workingDays (5) working days (Mon–Fri in the access’s zone), lesson L10',
    params: { workingDays: 5 },
    repeatIntervalMs: 7 * DAY,
  }),
  // Delivery
  def({
    name: 'SmartNotificationFailed',
    category: 'delivery',
    sources: ['delivery'],
    subjects: ['dealer'],
    priority: 'K2',
    importance: 'critical',
    class: 'high',
    summary: 'Уведомления СМАРТ не доставляются',
    condition:
      'a channel answered with a permanent error (bot blocked, chat not found, mailbox rejected) or a message could not be delivered for maxHours (24) hours',
    params: { maxHours: 24 },
  }),
];

const BY_NAME = new Map<string, AlertDef>();
for (const d of CATALOGUE) {
  BY_NAME.set(d.name, d);
  for (const a of d.aliases) BY_NAME.set(a, d);
}

/** The definition of a name or an alias. */
export function alertDef(name: string): AlertDef | undefined {
  return BY_NAME.get(name);
}

export function requireAlertDef(name: string): AlertDef {
  const d = BY_NAME.get(name);
  if (!d) throw new Error(`unknown alert ${name}`);
  return d;
}

/** The Count sibling of an alert, if it has one. */
export function countSiblingOf(name: string): AlertDef | undefined {
  const primary = BY_NAME.get(name)?.name ?? name;
  return BY_NAME.get(`${primary}Count`);
}

/** Every name and alias (the runbook URLs answer for all of them). */
export function allAlertNames(): string[] {
  return [...BY_NAME.keys()];
}

/** Priority timings of grouping (Alertmanager's group_wait, group_interval, repeat_interval). */
export interface GroupTimings {
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

export const DEFAULT_TIMINGS: Record<Priority, GroupTimings> = {
  K1: { groupWaitMs: 1_000, groupIntervalMs: MIN, repeatIntervalMs: 4 * HOUR },
  K2: { groupWaitMs: 1_000, groupIntervalMs: 2 * MIN, repeatIntervalMs: 4 * HOUR },
  K3: { groupWaitMs: 10_000, groupIntervalMs: 5 * MIN, repeatIntervalMs: 12 * HOUR },
  K4: { groupWaitMs: 30_000, groupIntervalMs: 5 * MIN, repeatIntervalMs: DAY },
  K5: { groupWaitMs: 30_000, groupIntervalMs: 10 * MIN, repeatIntervalMs: DAY },
};
