/**
 * The rules of one ПК installation: pure functions of its facts and the time (docs of each condition:
 * the catalogue). Every condition carries the catalogue's primary name; the engine adds the dealer,
 * client and subject labels, timing and inhibition.
 */
import { STATE_PREFIX } from '../../metrics/checks.js';
import {
  REQUESTS_LOOKBACK_DAYS,
  type CheckFact,
  type Condition,
  type InstallationFacts,
  type ParamsOf,
} from '../types.js';
import { DAY_MS, HOUR_MS, formatLocalDate, formatLocalDateTime, localMonth, localParts } from './calendar.js';
import { analyseDbError, dbErrorMeaning, type DbErrorClass } from './db-errors.js';
import { MAX_EMPTY_SEARCHES, cut, joinBounded, newestPerKey, paramOf, round1, searchKey } from './util.js';

type Facts = InstallationFacts;

/** Probe check → alert. `limit` is not here: it feeds KodeksLimitsUsers together with sysinfo. */
const PROBE_ALERTS: Readonly<Record<string, { name: string; title: string }>> = {
  icmp: { name: 'KodeksIcmp', title: 'ПК не отвечает на ping' },
  tcp: { name: 'KodeksTcpStatus', title: 'Порт ПК не принимает соединения' },
  http200: { name: 'KodeksHttp200Status', title: 'Главная страница ПК не отвечает 200' },
  auth: { name: 'KodeksAuthNotWork', title: 'Не удаётся войти в ПК под smartlogin' },
  warning: { name: 'KodeksWarning', title: 'На странице ПК аварийное сообщение' },
  key: { name: 'KodeksOnlineSensLockCheck', title: 'ПК сообщает, что ключ SenseLock не найден' },
  proxy: { name: 'KodeksBehindProxyDown', title: 'Обратный прокси перед ПК не работает' },
  licman_icmp: { name: 'LicmanIcmp', title: 'Менеджер лицензий не отвечает на ping' },
  licman_tcp: { name: 'LicmanTcpStatus', title: 'Порт менеджера лицензий закрыт' },
};

const DB_ERROR_ALERTS: Readonly<Record<DbErrorClass, string>> = {
  NoCode: 'KodeksDBerrorsNoCode',
  Code2007: 'KodeksDBerrorsCode2007',
  CodeXXX: 'KodeksDBerrorsCodeXXX',
};

const LICENCE_BANDS = [
  'KodeksLicenseExpiring2day',
  'KodeksLicenseExpiring7day',
  'KodeksLicenseExpiring90day',
];

/** The status channel is collected every 15 minutes (smartstatus / sysmon pull). */
export const STATUS_INTERVAL_S = 900;
/** Texts stay readable in a message and in Telegram. */
const TEXT_MAX = 600;

/** Every name these rules can produce (for RULE_NAMES and the coverage test). */
export const INSTALLATION_ALERT_NAMES: readonly string[] = [
  ...Object.values(PROBE_ALERTS).map((p) => p.name),
  'KodeksMaintenance',
  'KodeksMaintenanceToLong',
  'KodeksNeedSupport',
  'KodeksLimitsUsers',
  'KodeksXmlSensLockStatus',
  'KodeksOfflineSensLockCheck',
  'KodeksSppStatus',
  ...Object.values(DB_ERROR_ALERTS),
  'KodeksDBOperUpToOld',
  'KodeksDBLicensesZero',
  ...LICENCE_BANDS,
  'KodeksUnsupportedButUsed',
  'KodeksDetectOverUserError',
  'KodeksNewUser',
  'KodeksSearchIsEmpty',
  'KodeksSearchError',
  'KodeksUserActivityIsLow',
  'KodeksUserAInvolvementIsLow',
  'SmartXMLfileIsToOld',
  'SmartAgentSilent',
];

const failed = (f: Facts, check: string): CheckFact | undefined =>
  f.checks.find((c) => c.check === check && c.outcome === 'failed');

const codeAndDetail = (c: CheckFact): string => [c.code, c.detail].filter((x) => x).join(', ');

function probeChecks(f: Facts): Condition[] {
  const out: Condition[] = [];
  for (const c of f.checks) {
    const a = PROBE_ALERTS[c.check];
    if (!a || c.outcome !== 'failed') continue;
    const why = codeAndDetail(c);
    out.push({ name: a.name, text: why ? `${a.title}: ${why}` : a.title, since: c.since });
  }
  return out;
}

function availability(f: Facts, now: number, params: ParamsOf): Condition[] {
  const out: Condition[] = [];
  const off = f.utcOffsetMin;
  const maint = failed(f, `${STATE_PREFIX}maintenance`);
  if (maint || f.statusMetrics.maintenance === 1) {
    out.push({
      name: 'KodeksMaintenance',
      text: maint
        ? `ПК в режиме обслуживания с ${formatLocalDateTime(maint.since, off)}`
        : 'ПК в режиме обслуживания (по данным СМАРТ.Статус)',
      ...(maint ? { since: maint.since } : {}),
    });
  }
  if (maint) {
    const maxHours = paramOf(params, 'KodeksMaintenanceToLong', 'maxHours');
    const hours = (now - maint.since) / HOUR_MS;
    if (hours > maxHours) {
      out.push({
        name: 'KodeksMaintenanceToLong',
        text: `ПК в режиме обслуживания с ${formatLocalDateTime(maint.since, off)}, ${round1(hours)} ч подряд`,
        value: round1(hours),
        // The condition holds from the moment maintenance passed the limit, not from its start.
        since: maint.since + maxHours * HOUR_MS,
      });
    }
  }
  const service = failed(f, `${STATE_PREFIX}needs_service`);
  if (service || f.statusMetrics.needsService === 1) {
    out.push({
      name: 'KodeksNeedSupport',
      text: service
        ? `На главной странице ПК «Требуется обслуживание» с ${formatLocalDateTime(service.since, off)}`
        : 'ПК сообщает «Требуется обслуживание» (по данным СМАРТ.Статус)',
      ...(service ? { since: service.since } : {}),
    });
  }
  const limit = failed(f, 'limit');
  const seats = f.state?.seats ?? null;
  const inUse = f.state?.licencesInUse ?? null;
  const full = seats !== null && seats > 0 && inUse !== null && inUse >= seats;
  if (limit || full) {
    const parts: string[] = [];
    if (limit) parts.push('ПК сообщает «Кончились лицензии»');
    if (full) parts.push(`по sysinfo занято ${inUse} из ${seats} рабочих мест`);
    out.push({
      name: 'KodeksLimitsUsers',
      text: parts.join('; '),
      ...(full ? { value: inUse } : {}),
      ...(limit ? { since: limit.since } : {}),
    });
  }
  return out;
}

function senselockAndServices(f: Facts): Condition[] {
  const out: Condition[] = [];
  const s = f.state;
  if (s && s.reportAt !== null && s.senselockStatus !== 'ok') {
    const details = [
      s.senselockCode !== null ? `код ${s.senselockCode}` : null,
      s.senselockMessage ? cut(s.senselockMessage, 200) : null,
    ].filter((x): x is string => x !== null);
    const head =
      s.senselockStatus === null
        ? 'В sysinfo нет статуса ключа SenseLock'
        : `Ключ SenseLock по sysinfo: ${s.senselockStatus}`;
    out.push({
      name: 'KodeksXmlSensLockStatus',
      text: details.length ? `${head} (${details.join(', ')})` : head,
    });
  }
  if (f.statusMetrics.senselockKeyOk === 0) {
    out.push({
      name: 'KodeksOfflineSensLockCheck',
      text: 'СМАРТ.Статус: ключ SenseLock не найден (kserver_senselock_key_ok 0)',
    });
  }
  if (f.statusMetrics.sppUp === 0) {
    out.push({ name: 'KodeksSppStatus', text: 'СМАРТ.Статус: СПП не работает (kserver_spp_up 0)' });
  }
  return out;
}

/** One instance per class; its value is the number of distinct volumes affected (R-ALR-13). */
function dbErrors(f: Facts): Condition[] {
  interface Hit {
    label: string;
    codes: Set<string>;
    notes: string[];
  }
  const byClass = new Map<DbErrorClass, Map<string, Hit>>();
  const codesOf = new Map<DbErrorClass, Set<number>>();
  for (const e of f.volumeErrors) {
    const v = analyseDbError(e);
    if (!v.class) continue;
    const volKey = e.volume ?? e.path ?? e.catalog ?? '';
    const vols = byClass.get(v.class) ?? new Map<string, Hit>();
    byClass.set(v.class, vols);
    let hit = vols.get(volKey);
    if (!hit) {
      const name = e.volume ?? 'без имени';
      hit = { label: e.path ? `Том ${name} (${e.path})` : `Том ${name}`, codes: new Set(), notes: [] };
      vols.set(volKey, hit);
    }
    if (v.code !== null) {
      const codes = codesOf.get(v.class) ?? new Set<number>();
      codesOf.set(v.class, codes);
      codes.add(v.code);
      const shown = v.rawCode !== null && v.rawCode !== v.code ? `${v.code} (${v.rawCode})` : String(v.code);
      if (!hit.codes.has(shown)) {
        hit.codes.add(shown);
        const meaning = dbErrorMeaning(v.code, e.text);
        hit.notes.push(meaning ? `ошибка ${shown} — ${meaning}` : `ошибка ${shown}`);
      }
    } else if (hit.notes.length < 2) {
      hit.notes.push(`ошибка без кода: «${cut(e.text, 120)}»`);
    }
  }
  const out: Condition[] = [];
  for (const cls of ['Code2007', 'NoCode', 'CodeXXX'] as const) {
    const vols = byClass.get(cls);
    if (!vols) continue;
    const codes = [...(codesOf.get(cls) ?? [])].sort((a, b) => a - b);
    out.push({
      name: DB_ERROR_ALERTS[cls],
      text: joinBounded(
        [...vols.values()].map((h) => `${h.label}: ${h.notes.join(', ')}`),
        TEXT_MAX,
      ),
      value: vols.size,
      ...(codes.length ? { labels: { codes: codes.join(',') } } : {}),
    });
  }
  return out;
}

function operups(f: Facts, now: number, params: ParamsOf): Condition[] {
  let newest: { path: string; modifiedAt: number } | null = null;
  for (const o of f.operups) {
    if (o.modifiedAt === null) continue;
    if (!newest || o.modifiedAt > newest.modifiedAt) newest = { path: o.path, modifiedAt: o.modifiedAt };
  }
  if (!newest) return [];
  const maxAgeDays = paramOf(params, 'KodeksDBOperUpToOld', 'maxAgeDays');
  const ageDays = (now - newest.modifiedAt) / DAY_MS;
  if (ageDays <= maxAgeDays) return [];
  return [
    {
      name: 'KodeksDBOperUpToOld',
      text: `Самый свежий файл OperUp ${newest.path} изменён ${formatLocalDateTime(newest.modifiedAt, f.utcOffsetMin)} (${round1(ageDays)} дн. назад)`,
      value: round1(ageDays),
      filename: newest.path,
    },
  ];
}

/**
 * The DB a volume belongs to. The ПК names volumes `<db>_<number>` and keeps them in `…\Db\<db>\`
 * (sysinfo model and simulator), and a licence names its DB (`db="kodeks6"`): either may match.
 */
export function volumeDbCandidates(v: { name: string; path: string | null }): string[] {
  const base = v.name.replace(/\.vol$/i, '');
  const out = [base.replace(/_\d+$/, '').toLowerCase()];
  const dir = v.path?.split(/[\\/]/).slice(-2, -1)[0];
  if (dir) out.push(dir.toLowerCase());
  return out;
}

function licencesCoverVolumes(f: Facts): Condition[] {
  if (!f.state || f.volumes.length === 0) return [];
  const dbs = new Set(f.licences.flatMap((l) => (l.db ? [l.db.trim().toLowerCase()] : [])));
  // Licences listed without any DB name cannot be matched: only an empty list is judged then.
  if (f.licences.length > 0 && dbs.size === 0) return [];
  const uncovered = new Map<string, number>();
  for (const v of f.volumes) {
    const cands = volumeDbCandidates(v);
    if (cands.some((c) => dbs.has(c))) continue;
    const db = cands[0]!;
    uncovered.set(db, (uncovered.get(db) ?? 0) + 1);
  }
  if (uncovered.size === 0) return [];
  const list = [...uncovered].sort(([a], [b]) => a.localeCompare(b));
  const head = f.licences.length === 0 ? 'В sysinfo нет лицензий' : 'Нет срока действия лицензии для БД';
  return [
    {
      name: 'KodeksDBLicensesZero',
      text: `${head}: ${joinBounded(
        list.map(([db, n]) => `${db} (томов: ${n})`),
        TEXT_MAX,
        ', ',
      )}`,
      value: uncovered.size,
      labels: { db: cut(list.map(([db]) => db).join(','), 200) },
    },
  ];
}

function licenceExpiry(f: Facts, now: number, params: ParamsOf): Condition[] {
  let earliest: (Facts['licences'][number] & { expiresAt: number }) | null = null;
  for (const l of f.licences) {
    const at = l.expiresAt;
    if (at !== null && (!earliest || at < earliest.expiresAt)) earliest = { ...l, expiresAt: at };
  }
  if (!earliest) return [];
  const daysLeft = (earliest.expiresAt - now) / DAY_MS;
  // Exclusive bands: the narrowest that holds.
  const name = LICENCE_BANDS.find((n) => daysLeft <= paramOf(params, n, 'days'));
  if (!name) return [];
  const what = [earliest.name ?? earliest.product, earliest.db ? `БД ${earliest.db}` : null]
    .filter((x) => x)
    .join(', ');
  // expiresAt is the midnight after the last valid local day; people know the licence by that day.
  const lastDay = formatLocalDate(earliest.expiresAt - 1, f.utcOffsetMin);
  const when =
    daysLeft <= 0 ? `истекла ${lastDay}` : `действует по ${lastDay}, осталось ${round1(daysLeft)} дн.`;
  return [{ name, text: what ? `Лицензия «${what}» ${when}` : `Лицензия ${when}`, value: round1(daysLeft) }];
}

function unsupportedButUsed(f: Facts, now: number, params: ParamsOf): Condition[] {
  if (f.licences.length === 0) return [];
  if (!f.licences.every((l) => l.expiresAt !== null && l.expiresAt < now)) return [];
  // The facts keep a month of days; a longer window counts what they have.
  const windowDays = Math.min(
    paramOf(params, 'KodeksUnsupportedButUsed', 'windowDays'),
    REQUESTS_LOOKBACK_DAYS,
  );
  const from = formatIsoLocalDay(now - windowDays * DAY_MS, f.utcOffsetMin);
  const requests = f.usage.requestsByDay.filter((d) => d.day > from).reduce((n, d) => n + d.requests, 0);
  if (requests <= 0) return [];
  const last = Math.max(...f.licences.map((l) => l.expiresAt ?? 0));
  return [
    {
      name: 'KodeksUnsupportedButUsed',
      text: `Все лицензии истекли (последняя — ${formatLocalDate(last - 1, f.utcOffsetMin)}), а за последние ${windowDays} дн. к БД обращались ${requests} раз`,
      value: requests,
    },
  ];
}

/** `YYYY-MM-DD` of the local day of an instant (the format of user_usage_daily.day). */
function formatIsoLocalDay(at: number, utcOffsetMin: number): string {
  return new Date(at + utcOffsetMin * 60_000).toISOString().slice(0, 10);
}

function users(f: Facts, now: number, params: ParamsOf): Condition[] {
  const out: Condition[] = [];
  const refusedFrom = now - paramOf(params, 'KodeksDetectOverUserError', 'windowHours') * HOUR_MS;
  const refused = f.refusedLogons.filter((r) => r.at >= refusedFrom);
  if (refused.length > 0) {
    const logins = [...new Set(refused.map((r) => r.login))];
    out.push({
      name: 'KodeksDetectOverUserError',
      text: `Отказано во входе (нет свободных рабочих мест): ${joinBounded(logins, TEXT_MAX, ', ')}`,
      value: refused.length,
    });
  }
  const newFrom = now - paramOf(params, 'KodeksNewUser', 'windowHours') * HOUR_MS;
  for (const u of f.newUsers) {
    if (u.registeredAt < newFrom) continue;
    out.push({
      name: 'KodeksNewUser',
      key: `${u.login}@${u.domain}`,
      labels: { user: u.login, domain: u.domain },
      text: `Зарегистрирован пользователь ${u.login} (${u.domain}) ${formatLocalDateTime(u.registeredAt, f.utcOffsetMin)}`,
      since: u.registeredAt,
    });
  }
  return out;
}

function searches(f: Facts, now: number, params: ParamsOf): Condition[] {
  const out: Condition[] = [];
  const emptyFrom = now - paramOf(params, 'KodeksSearchIsEmpty', 'windowHours') * HOUR_MS;
  const empty = f.searches.filter((s) => s.status === 'empty' && s.at >= emptyFrom);
  const keyOf = (s: { login: string; query: string }): string => searchKey(s.login, s.query);
  const times = new Map<string, number>();
  for (const s of empty) times.set(keyOf(s), (times.get(keyOf(s)) ?? 0) + 1);
  for (const s of newestPerKey(empty, keyOf, MAX_EMPTY_SEARCHES)) {
    const n = times.get(keyOf(s)) ?? 1;
    out.push({
      name: 'KodeksSearchIsEmpty',
      key: keyOf(s),
      labels: { user: s.login, query: cut(s.query, 200), ...(s.catalog ? { catalog: s.catalog } : {}) },
      text: `${s.login} искал «${cut(s.query, 200)}»${s.catalog ? ` в ${s.catalog}` : ''}: ничего не найдено${n > 1 ? ` (${n} раз)` : ''}`,
      value: n,
    });
  }
  const errFrom = now - paramOf(params, 'KodeksSearchError', 'windowHours') * HOUR_MS;
  const errors = f.searches
    .filter((s) => s.status === 'error' && s.at >= errFrom)
    .sort((a, b) => b.at - a.at);
  if (errors.length > 0) {
    out.push({
      name: 'KodeksSearchError',
      text: `Поиск завершился ошибкой ${errors.length} раз, последние: ${joinBounded(
        errors.slice(0, 5).map((s) => `${s.login}: «${cut(s.query, 80)}»`),
        TEXT_MAX,
      )}`,
      value: errors.length,
    });
  }
  return out;
}

/** Monthly figures are judged from fromDay on, in the installation's zone, on this month's usage only. */
function monthly(f: Facts, now: number, params: ParamsOf): Condition[] {
  if (!f.state) return [];
  const off = f.utcOffsetMin;
  if (f.usage.month !== localMonth(now, off)) return [];
  const day = localParts(now, off).day;
  const out: Condition[] = [];
  if (day >= paramOf(params, 'KodeksUserActivityIsLow', 'fromDay')) {
    const minPoints = paramOf(params, 'KodeksUserActivityIsLow', 'minPoints');
    if (f.usage.activityPoints < minPoints) {
      out.push({
        name: 'KodeksUserActivityIsLow',
        text: `Активность пользователей за ${f.usage.month}: ${f.usage.activityPoints} пунктов (порог ${minPoints})`,
        value: f.usage.activityPoints,
      });
    }
  }
  const seats = f.state.seats;
  if (seats && seats > 0 && day >= paramOf(params, 'KodeksUserAInvolvementIsLow', 'fromDay')) {
    const minPercent = paramOf(params, 'KodeksUserAInvolvementIsLow', 'minPercent');
    const involvement = f.usage.usersWithRequests / (seats / 100);
    if (involvement < minPercent) {
      out.push({
        name: 'KodeksUserAInvolvementIsLow',
        text: `Вовлечённость за ${f.usage.month}: ${round1(involvement)}% (${f.usage.usersWithRequests} пользователей с запросами на ${seats} рабочих мест, порог ${minPercent}%)`,
        value: round1(involvement),
      });
    }
  }
  return out;
}

const CHANNEL_TITLES = { sysinfo: 'sysinfo', status: 'СМАРТ.Статус' } as const;

function intervalMs(f: Facts, channel: 'sysinfo' | 'status'): number {
  if (channel === 'status') return STATUS_INTERVAL_S * 1000;
  // A missing or broken setting must not make every report look late: hourly, as the agents run.
  return (f.collectIntervalS > 0 ? f.collectIntervalS : 3600) * 1000;
}

function collection(f: Facts, now: number, params: ParamsOf): Condition[] {
  if (f.collection === 'closed') return [];
  const out: Condition[] = [];
  const off = f.utcOffsetMin;
  const missed = paramOf(params, 'SmartXMLfileIsToOld', 'missedIntervals');
  for (const channel of ['sysinfo', 'status'] as const) {
    const c = f.channels.find((x) => x.channel === channel);
    // A status channel that never received anything is not set up; a sysinfo channel always is (L1).
    if (channel === 'status' && (!c || (c.lastReceivedAt === null && c.lastDataAt === null))) continue;
    const ref = c?.lastDataAt ?? f.createdAt;
    const age = now - ref;
    if (age <= missed * intervalMs(f, channel)) continue;
    const hours = round1(age / HOUR_MS);
    const since = c?.lastDataAt
      ? `последние данные ${formatLocalDateTime(c.lastDataAt, off)} (${hours} ч назад)`
      : `данных не было с регистрации ${formatLocalDateTime(f.createdAt, off)} (${hours} ч)`;
    const err = c?.lastErrorReason ? `; последняя ошибка: ${cut(c.lastErrorReason, 200)}` : '';
    out.push({
      name: 'SmartXMLfileIsToOld',
      key: channel,
      labels: { channel },
      text: `Нет свежих данных ${CHANNEL_TITLES[channel]}: ${since}${err}`,
      value: hours,
    });
  }
  if (f.collection === 'agent') {
    const silentAfter = paramOf(params, 'SmartAgentSilent', 'missedIntervals');
    for (const c of f.channels) {
      if (c.lastReceivedAt === null) continue;
      const age = now - c.lastReceivedAt;
      if (age <= silentAfter * intervalMs(f, c.channel)) continue;
      const hours = round1(age / HOUR_MS);
      out.push({
        name: 'SmartAgentSilent',
        key: c.channel,
        labels: { channel: c.channel },
        text: `Агент ${CHANNEL_TITLES[c.channel]} ничего не присылал с ${formatLocalDateTime(c.lastReceivedAt, off)} (${hours} ч)`,
        value: hours,
      });
    }
  }
  return out;
}

/** Every condition that holds for one installation now. */
export function evaluateInstallation(f: InstallationFacts, now: number, params: ParamsOf): Condition[] {
  return [
    ...probeChecks(f),
    ...availability(f, now, params),
    ...senselockAndServices(f),
    ...dbErrors(f),
    ...operups(f, now, params),
    ...licencesCoverVolumes(f),
    ...licenceExpiry(f, now, params),
    ...unsupportedButUsed(f, now, params),
    ...users(f, now, params),
    ...searches(f, now, params),
    ...monthly(f, now, params),
    ...collection(f, now, params),
  ];
}
