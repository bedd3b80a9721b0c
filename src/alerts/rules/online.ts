/**
 * The rules of one online access (a login to a Kodeks online service with monthly limits). Pure
 * functions of its facts and the time; calendar rules use the access's zone (R-ALR-06).
 */
import type { Condition, OnlineFacts, OnlineLimitFact, ParamsOf } from '../types.js';
import {
  HOUR_MS,
  formatLocalDate,
  lastLocalDayOfMonth,
  localDayNumber,
  localMonth,
  localParts,
  workingDaysBetween,
} from './calendar.js';
import { MAX_EMPTY_SEARCHES, cut, newestPerKey, paramOf, round1, searchKey } from './util.js';

type LimitKind = 'docs' | 'print' | 'search' | 'export';

/** Limit kind → the word in the alert names and the Russian title (as in the catalogue). */
const BILLING: readonly { kind: LimitKind; word: string; title: string }[] = [
  { kind: 'docs', word: 'Docs', title: 'открытию документов' },
  { kind: 'print', word: 'Print', title: 'печати' },
  { kind: 'search', word: 'Search', title: 'поиску' },
  { kind: 'export', word: 'Upload', title: 'выгрузке' },
];

/** Highest window first: the applicable one is the highest reached. */
const ACTIVITY_WINDOWS = [
  'OnlineUserActivityIsLow30',
  'OnlineUserActivityIsLow20',
  'OnlineUserActivityIsLow10',
];

export const ONLINE_ALERT_NAMES: readonly string[] = [
  ...BILLING.flatMap((b) => ['Zero', '50', '150'].map((l) => `OnlineBilling${b.word}Left${l}`)),
  'OnlineLoginFailed',
  ...ACTIVITY_WINDOWS,
  'OnlineAccessUnused',
  'KodeksSearchIsEmpty',
];

/** The billing band of one remainder: exclusive, the most severe that holds; null when none. */
export function billingBand(
  word: string,
  l: OnlineLimitFact,
  params: ParamsOf,
): { name: string; remaining: number } | null {
  if (l.limit === null || l.limit <= 0 || l.remaining === null) return null;
  const r = l.remaining;
  if (r <= 0) return { name: `OnlineBilling${word}LeftZero`, remaining: r };
  if (r < paramOf(params, `OnlineBilling${word}Left50`, 'threshold'))
    return { name: `OnlineBilling${word}Left50`, remaining: r };
  if (r < paramOf(params, `OnlineBilling${word}Left150`, 'threshold'))
    return { name: `OnlineBilling${word}Left150`, remaining: r };
  return null;
}

function billing(f: OnlineFacts, params: ParamsOf): Condition[] {
  const s = f.state;
  // Remainders are judged only once the poller has read them.
  if (!s || s.readAt === null) return [];
  const out: Condition[] = [];
  for (const b of BILLING) {
    const l = s[b.kind];
    const band = billingBand(b.word, l, params);
    if (!band) continue;
    out.push({
      name: band.name,
      labels: { kind: b.kind },
      text:
        band.remaining <= 0
          ? `Лимит по ${b.title} исчерпан (лимит ${l.limit})`
          : `Лимит по ${b.title}: осталось ${band.remaining} из ${l.limit}`,
      value: band.remaining,
    });
  }
  return out;
}

function loginFailed(f: OnlineFacts): Condition[] {
  const s = f.state;
  if (!s || s.error !== 'LoginPasswordError') return [];
  const msg = s.errorMessage ? `: ${cut(s.errorMessage, 200)}` : '';
  return [
    {
      name: 'OnlineLoginFailed',
      text: `Вход под ${f.login} отклонён${msg}`,
      ...(s.errorSince !== null ? { since: s.errorSince } : {}),
    },
  ];
}

/**
 * From the 10th, 20th and 30th of the month (the last day of a shorter month counts as the 30th), in the
 * access's zone: documents used below the window's share of the limit. Only the highest window reached
 * is judged, so one access carries at most one of the three alerts.
 */
function monthlyActivity(f: OnlineFacts, now: number, params: ParamsOf): Condition[] {
  const s = f.state;
  const off = f.utcOffsetMin;
  if (!s || s.month === null || s.month !== localMonth(now, off)) return [];
  const { limit, remaining } = s.docs;
  if (limit === null || limit <= 0 || remaining === null) return [];
  const day = localParts(now, off).day;
  const lastDay = lastLocalDayOfMonth(now, off);
  const name = ACTIVITY_WINDOWS.find((n) => day >= Math.min(paramOf(params, n, 'fromDay'), lastDay));
  if (!name) return [];
  const minPercent = paramOf(params, name, 'minPercent');
  const used = (Math.max(0, limit - remaining) / limit) * 100;
  if (used >= minPercent) return [];
  return [
    {
      name,
      text: `За ${s.month} открыто ${Math.max(0, limit - remaining)} документов из ${limit} (${round1(used)}%, порог ${minPercent}%)`,
      value: round1(used),
    },
  ];
}

/** Mon–Fri local days strictly between the day of the last use and today (lesson L10). */
export function unusedWorkingDays(f: OnlineFacts, now: number): number {
  const ref = f.lastUsedAt ?? f.createdAt;
  return workingDaysBetween(localDayNumber(ref, f.utcOffsetMin), localDayNumber(now, f.utcOffsetMin));
}

function unused(f: OnlineFacts, now: number, params: ParamsOf): Condition[] {
  const n = unusedWorkingDays(f, now);
  if (n < paramOf(params, 'OnlineAccessUnused', 'workingDays')) return [];
  const since =
    f.lastUsedAt !== null
      ? `последнее использование ${formatLocalDate(f.lastUsedAt, f.utcOffsetMin)}`
      : `не использовался с подключения ${formatLocalDate(f.createdAt, f.utcOffsetMin)}`;
  return [
    {
      name: 'OnlineAccessUnused',
      text: `Онлайн-доступ ${f.login} не используется ${n} рабочих дней: ${since}`,
      value: n,
    },
  ];
}

function emptySearches(f: OnlineFacts, now: number, params: ParamsOf): Condition[] {
  // The search log is read nightly, so a search can reach SMART up to a day late.
  const from = now - (paramOf(params, 'KodeksSearchIsEmpty', 'windowHours') + 24) * HOUR_MS;
  const recent = f.emptySearches.filter((s) => s.at >= from);
  const keyOf = (s: { user: string; query: string }): string => searchKey(s.user, s.query);
  const times = new Map<string, number>();
  for (const s of recent) times.set(keyOf(s), (times.get(keyOf(s)) ?? 0) + 1);
  return newestPerKey(recent, keyOf, MAX_EMPTY_SEARCHES).map((s) => {
    const n = times.get(keyOf(s)) ?? 1;
    return {
      name: 'KodeksSearchIsEmpty',
      key: keyOf(s),
      labels: { user: s.user, query: cut(s.query, 200), catalog: f.folder },
      text: `${s.user} искал «${cut(s.query, 200)}» в ${f.folder}: ничего не найдено${n > 1 ? ` (${n} раз)` : ''}`,
      value: n,
    };
  });
}

/** Every condition that holds for one online access now. */
export function evaluateOnline(f: OnlineFacts, now: number, params: ParamsOf): Condition[] {
  return [
    ...billing(f, params),
    ...loginFailed(f),
    ...monthlyActivity(f, now, params),
    ...unused(f, now, params),
    ...emptySearches(f, now, params),
  ];
}
