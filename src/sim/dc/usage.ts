/**
 * Ground truth of a simulated distribution-centre (ДЦ) online access: accounts, their monthly billing
 * limits and the units their (simulated) users consume. Usage is a pure function of
 * (seed, account, time), so any past moment can be regenerated. docs/simulator-dc.md.
 */
import { hash32, Rng, unit } from '../kodeks/prng.js';

export const KINDS = ['docs', 'search', 'print', 'export'] as const;
export type Kind = (typeof KINDS)[number];
/** Russian labels as the ДЦ profile page shows them. */
export const KIND_LABELS: Record<Kind, string> = {
  docs: 'Документы',
  search: 'Поиск',
  print: 'Печать',
  export: 'Выгрузка',
};

export const PROFILES = ['regular', 'sharer', 'idle', 'episodic'] as const;
export type UsageProfile = (typeof PROFILES)[number];

export type Limits = Record<Kind, number>;

export interface AccountSpec {
  login?: string;
  password?: string;
  /** The catalog under the host, without slashes (`kodeks01`). */
  folder?: string;
  profile?: UsageProfile;
  /** The account's time zone as a fixed UTC offset in minutes (Moscow = 180). */
  utcOffsetMin?: number;
  limits?: Partial<Limits>;
  /** Episodic accounts: active one month in every 3 (default) or 6. */
  episodePeriodMonths?: EpisodePeriod;
}

export type EpisodePeriod = 3 | 6;

export interface Account {
  seed: number;
  login: string;
  password: string;
  folder: string;
  profile: UsageProfile;
  utcOffsetMin: number;
  limits: Limits;
  /** Optional so hand-made accounts stay valid: absent = 3 (quarterly). */
  episodePeriodMonths?: EpisodePeriod;
}

export interface Counter {
  limit: number;
  used: number;
  remaining: number;
}

export interface Usage {
  /** Billing month in the account's time zone, `YYYY-MM`. */
  month: string;
  docs: Counter;
  search: Counter;
  print: Counter;
  export: Counter;
}

const MIN_MS = 60_000;
/** Working hours of the simulated users, local time: usage grows linearly between them. */
const WORK_START_H = 9;
const WORK_HOURS = 9;

const DOC_LIMITS = [300, 350, 400] as const;
const SEARCH_LIMITS = [3000, 3500, 4000, 5000] as const;
const OTHER_LIMITS = [3000, 4000, 5000] as const;
const OFFSETS = [180, 180, 180, 120, 240, 300, 420, 600] as const;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Fills the gaps of a spec deterministically from (seed, index). */
export function resolveAccount(seed: number, index: number, spec: AccountSpec = {}): Account {
  const r = new Rng(seed, 'dc-account', index);
  const n = pad(index + 1);
  const profile =
    spec.profile ??
    r.weighted<UsageProfile>([
      ['regular', 50],
      ['sharer', 15],
      ['idle', 20],
      ['episodic', 15],
    ]);
  return {
    seed,
    login: spec.login ?? `user${n}`,
    password: spec.password ?? `pw-${hash32(seed, 'pw', index).toString(36)}`,
    folder: spec.folder ?? `kodeks${n}`,
    profile,
    utcOffsetMin: spec.utcOffsetMin ?? r.pick(OFFSETS),
    limits: {
      docs: spec.limits?.docs ?? r.pick(DOC_LIMITS),
      search: spec.limits?.search ?? r.pick(SEARCH_LIMITS),
      print: spec.limits?.print ?? r.pick(OTHER_LIMITS),
      export: spec.limits?.export ?? r.pick(OTHER_LIMITS),
    },
    ...(spec.episodePeriodMonths ? { episodePeriodMonths: spec.episodePeriodMonths } : {}),
  };
}

/** `n` generated accounts, or the given specs completed. Logins must be unique. */
export function makeAccounts(seed: number, accounts: AccountSpec[] | number): Account[] {
  const specs = typeof accounts === 'number' ? Array.from({ length: accounts }, () => ({})) : accounts;
  const out = specs.map((s, i) => resolveAccount(seed, i, s));
  const seen = new Set<string>();
  for (const a of out) {
    if (seen.has(a.login)) throw new Error(`duplicate login ${a.login}`);
    seen.add(a.login);
  }
  return out;
}

/** Local calendar position of `atMs` in the account's time zone. */
export interface LocalTime {
  year: number;
  /** 0-based. */
  month: number;
  /** 0-based day of month. */
  day: number;
  daysInMonth: number;
  /** Share of the working day elapsed, 0..1. */
  workFrac: number;
}

export function localTime(utcOffsetMin: number, atMs: number): LocalTime {
  const d = new Date(atMs + utcOffsetMin * MIN_MS);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const hours =
    d.getUTCHours() + d.getUTCMinutes() / 60 + d.getUTCSeconds() / 3600 + d.getUTCMilliseconds() / 3_600_000;
  return {
    year,
    month,
    day: d.getUTCDate() - 1,
    daysInMonth: new Date(Date.UTC(year, month + 1, 0)).getUTCDate(),
    workFrac: Math.min(1, Math.max(0, (hours - WORK_START_H) / WORK_HOURS)),
  };
}

/** UTC ms of local midnight starting `day` (0-based) of the month. */
export function localDayStart(utcOffsetMin: number, year: number, month: number, day: number): number {
  return Date.UTC(year, month, day + 1) - utcOffsetMin * MIN_MS;
}

export function isActiveEpisode(a: Account, year: number, month: number): boolean {
  const p = a.episodePeriodMonths ?? 3;
  return (year * 12 + month) % p === hash32(a.seed, a.login, 'phase') % p;
}

/** How a month goes for one account: per-day weights and the target units per kind. */
interface MonthPlan {
  weights: number[];
  total: number;
  /** Day-weight prefix sums: prefix[d] = sum of weights before day d. */
  prefix: number[];
  target: Limits;
}

const FRACTIONS: Record<'regular' | 'sharer' | 'idle' | 'active', Record<Kind, [number, number]>> = {
  regular: { docs: [0.3, 0.9], search: [0.1, 0.6], print: [0.02, 0.2], export: [0.02, 0.2] },
  // Sharers hand their login to several people: more demand than the tariff allows.
  sharer: { docs: [1.2, 1.8], search: [1.1, 1.5], print: [0.3, 0.8], export: [0.5, 1.2] },
  idle: { docs: [0, 0.03], search: [0, 0.01], print: [0, 0.005], export: [0, 0.005] },
  active: { docs: [0.6, 1.0], search: [0.3, 0.8], print: [0.05, 0.3], export: [0.05, 0.3] },
};

function monthPlan(a: Account, year: number, month: number): MonthPlan {
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const kind = a.profile === 'episodic' ? (isActiveEpisode(a, year, month) ? 'active' : 'idle') : a.profile;
  const r = new Rng(a.seed, a.login, 'month', year, month);
  // Sharers work every day until the units run out within the first 6–12 days.
  const sharerDays = r.int(6, 12);
  const weights: number[] = [];
  for (let d = 0; d < daysInMonth; d++) {
    const dow = new Date(Date.UTC(year, month, d + 1)).getUTCDay();
    const u = unit(a.seed, a.login, 'day', year, month, d);
    if (kind === 'sharer') weights.push(d < sharerDays ? 0.7 + 0.6 * u : 0);
    else weights.push(dow === 0 || dow === 6 ? 0.1 * u : 0.5 + u);
  }
  const prefix: number[] = [0];
  for (const w of weights) prefix.push(prefix[prefix.length - 1]! + w);
  const target = {} as Limits;
  for (const k of KINDS) {
    const [lo, hi] = FRACTIONS[kind][k];
    target[k] = a.limits[k] * (lo + (hi - lo) * r.next());
  }
  return { weights, total: prefix[prefix.length - 1]!, prefix, target };
}

/** Units of `kind` used since the 1st at local position `t`. */
function usedAt(a: Account, plan: MonthPlan, kind: Kind, t: LocalTime): number {
  if (plan.total <= 0) return 0;
  const f = (plan.prefix[t.day]! + plan.weights[t.day]! * t.workFrac) / plan.total;
  return Math.min(a.limits[kind], Math.floor(plan.target[kind] * f + 1e-9));
}

/** Ground truth: the four counters of `a` at `atMs` (no units consumed through HTTP included). */
export function usageAt(a: Account, atMs: number): Usage {
  const t = localTime(a.utcOffsetMin, atMs);
  const plan = monthPlan(a, t.year, t.month);
  const out = { month: `${t.year}-${pad(t.month + 1)}` } as Usage;
  for (const k of KINDS) {
    const used = usedAt(a, plan, k, t);
    out[k] = { limit: a.limits[k], used, remaining: a.limits[k] - used };
  }
  return out;
}

export interface SearchLogEntry {
  /** Local time with offset, `YYYY-MM-DDTHH:MM:SS+03:00`. */
  time: string;
  user: string;
  query: string;
  type: string;
  status: 'success' | 'empty';
}

const QUERIES = [
  'трудовой договор',
  'НДС 20%',
  'ГОСТ Р 21.101-2020',
  'СП 42.13330',
  'пожарная безопасность',
  'охрана труда инструкция',
  'налоговый вычет',
  'ФЗ-44 закупки',
  'СНиП 2.01.07-85',
  'договор подряда',
  'отпуск по уходу за ребенком',
  'ТР ТС 010/2011',
  'электронная подпись',
  'банкротство физических лиц',
  'СанПиН 2.4.3648-20',
] as const;
const SEARCH_TYPES = ['Интеллектуальный', 'Атрибутный', 'По реквизитам'] as const;

function offsetText(min: number): string {
  const s = min < 0 ? '-' : '+';
  const m = Math.abs(min);
  return `${s}${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

/** `YYYY-MM-DD` → [year, month0, day0], or null when malformed. */
export function parseDate(date: string): [number, number, number] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3]) - 1];
  const probe = new Date(Date.UTC(y, mo, d + 1));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo || probe.getUTCDate() !== d + 1) return null;
  return [y, mo, d];
}

/**
 * The searches of one local day, one entry per search unit counted that day, so the number of entries
 * equals the day's growth of the Поиск counter. Entries after `untilMs` are not yet known.
 */
export function searchLog(a: Account, date: string, untilMs = Infinity): SearchLogEntry[] {
  const p = parseDate(date);
  if (!p) throw new Error(`bad date ${date}`);
  const [year, month, day] = p;
  const plan = monthPlan(a, year, month);
  const daysInMonth = plan.weights.length;
  const at = (workFrac: number): LocalTime => ({ year, month, day, daysInMonth, workFrac });
  const from = usedAt(a, plan, 'search', at(0));
  const to = usedAt(a, plan, 'search', at(1));
  const dayStart = localDayStart(a.utcOffsetMin, year, month, day);
  const w = plan.weights[day]!;
  const out: SearchLogEntry[] = [];
  for (let k = from + 1; k <= to; k++) {
    // The moment the counter reaches k: target * (prefix + w * g) / total = k.
    const g =
      w > 0 ? Math.min(1, Math.max(0, ((k * plan.total) / plan.target.search - plan.prefix[day]!) / w)) : 0;
    const ms = dayStart + Math.ceil(((WORK_START_H + g * WORK_HOURS) * 3_600_000) / 1000) * 1000;
    if (ms > untilMs) break;
    const r = new Rng(a.seed, a.login, 'search', year, month, day, k);
    const local = new Date(ms + a.utcOffsetMin * MIN_MS).toISOString().slice(0, 19);
    out.push({
      time: `${local}${offsetText(a.utcOffsetMin)}`,
      user: a.login,
      query: r.pick(QUERIES),
      type: r.pick(SEARCH_TYPES),
      status: r.chance(0.12) ? 'empty' : 'success',
    });
  }
  return out;
}
