/**
 * Usage profiles from a client's monthly history (the seed-004 case: some clients use the system once
 * a quarter or once every six months, and calling them in between only annoys them). Pure.
 *
 * A month is *active* when any object of the client worked in it: an online access used at least
 * ACTIVE_DOCS_PCT of its document limit, or an installation reached the activity norm. The last
 * complete months are read (the month in progress is not judged); the order of the tests:
 * 1. fewer than MIN_MONTHS with data → `new`;
 * 2. the document limit ran out before the 20th in at least half of the months (and at least
 *    MIN_SHARING of them) → `sharing` (one login used by several people: an upsell);
 * 3. no active month → `idle`;
 * 4. the active months follow a period of 3 or 6 months (active exactly in one month of each period,
 *    at least two of them, predicted right in ≥ MIN_FIT of the months) → `episodic-quarterly` or
 *    `episodic-half-yearly`, with the phase, so the quiet months are known in advance;
 * 5. active in ≥ 75 % of the months → `regular`; in ≤ 15 % → `idle`; otherwise `irregular`.
 */

export const PROFILES = [
  'regular',
  'episodic-quarterly',
  'episodic-half-yearly',
  'idle',
  'sharing',
  'irregular',
  'new',
] as const;
export type Profile = (typeof PROFILES)[number];

export const ACTIVE_DOCS_PCT = 10;
export const MIN_MONTHS = 6;
export const MIN_SHARING = 3;
export const MIN_FIT = 0.85;
const PERIODS = [3, 6] as const;

export interface MonthFact {
  /** YYYY-MM */
  month: string;
  /** null: no data for this month (not reported, not read). */
  active: boolean | null;
  /** The document limit ran out before the 20th. */
  earlyExhausted: boolean;
}

export interface ProfileDetail {
  monthsWithData: number;
  activeMonths: string[];
  earlyExhaustedMonths: string[];
  /** For episodic profiles: the period in months, the phase (month index mod period), the fit. */
  periodMonths?: number;
  phase?: number;
  fit?: number;
}

export interface ProfileResult {
  profile: Profile;
  detail: ProfileDetail;
}

/** y*12 + month0: the index the phase is counted on. */
export function monthIndex(month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return y * 12 + (m - 1);
}

export function monthOfIndex(i: number): string {
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

export function detectProfile(history: readonly MonthFact[]): ProfileResult {
  const known = history.filter((h) => h.active !== null);
  const detail: ProfileDetail = {
    monthsWithData: known.length,
    activeMonths: known.filter((h) => h.active).map((h) => h.month),
    earlyExhaustedMonths: known.filter((h) => h.earlyExhausted).map((h) => h.month),
  };
  const n = known.length;
  if (n < MIN_MONTHS) return { profile: 'new', detail };
  const early = detail.earlyExhaustedMonths.length;
  if (early >= MIN_SHARING && early * 2 >= n) return { profile: 'sharing', detail };
  const active = detail.activeMonths.length;
  if (active === 0) return { profile: 'idle', detail };

  let best: { p: number; phase: number; fit: number } | null = null;
  for (const p of PERIODS) {
    for (let phase = 0; phase < p; phase++) {
      let hits = 0;
      let activeInPhase = 0;
      for (const h of known) {
        const inPhase = monthIndex(h.month) % p === phase;
        if (inPhase === h.active) hits++;
        if (inPhase && h.active) activeInPhase++;
      }
      const fit = hits / n;
      if (activeInPhase >= 2 && fit >= MIN_FIT && (!best || fit > best.fit)) best = { p, phase, fit };
    }
  }
  if (best) {
    return {
      profile: best.p === 3 ? 'episodic-quarterly' : 'episodic-half-yearly',
      detail: { ...detail, periodMonths: best.p, phase: best.phase, fit: Math.round(best.fit * 100) / 100 },
    };
  }
  if (active / n >= 0.75) return { profile: 'regular', detail };
  if (active / n <= 0.15) return { profile: 'idle', detail };
  return { profile: 'irregular', detail };
}

export function isEpisodic(p: string): boolean {
  return p === 'episodic-quarterly' || p === 'episodic-half-yearly';
}

/**
 * Whether `month` is an expected quiet month of an episodic client (null = not episodic), and the
 * next month it is expected to work.
 */
export function quietMonth(
  detail: Pick<ProfileDetail, 'periodMonths' | 'phase'>,
  month: string,
): { quiet: boolean; nextActive: string } | null {
  const p = detail.periodMonths;
  const phase = detail.phase;
  if (p === undefined || phase === undefined) return null;
  const i = monthIndex(month);
  let next = i;
  while (next % p !== phase) next++;
  return { quiet: i % p !== phase, nextActive: monthOfIndex(next) };
}
