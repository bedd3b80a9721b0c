/**
 * The daily health computation of one dealer: for every client, the usage profile from the last 12
 * complete months, the score of the reference month, the signals against the previous stored day,
 * written in batches as the day's rows of `client_health_daily` (a re-run of the same day replaces
 * them).
 */
import type { AppContext } from '../context.js';
import { zonedParts } from '../alerts/suppression.js';
import { withTx } from '../db/tx.js';
import { addMonths, loadDealerClients, type ClientData, type ObjectMonth } from './load.js';
import {
  ACTIVE_DOCS_PCT,
  detectProfile,
  isEpisodic,
  monthIndex,
  quietMonth,
  type MonthFact,
  type ProfileResult,
} from './profile.js';
import {
  bandOf,
  bandRank,
  measuresOf,
  NORMS,
  scoreOf,
  type Band,
  type ClientFigures,
  type MeasureValues,
} from './score.js';
import { loadHealthSettings, type HealthSettings } from './settings.js';

const HOUR = 3_600_000;
const HISTORY_MONTHS = 12;
const BATCH = 100;

export const SIGNAL_KINDS = ['band-change', 'early-exhaustion', 'upsell', 'churn', 'profile-change'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

export interface Signal {
  kind: SignalKind;
  /** What it is about, in plain Russian (the managers' language, as alert texts). */
  text: string;
  from?: string;
  to?: string;
  months?: number;
  of?: number;
}

export interface ClientHealth {
  clientId: number;
  score: number | null;
  band: Band;
  measures: MeasureValues;
  figures: ClientFigures & { referenceMonth: string };
  profile: ProfileResult;
  /** Months the document limit ran out before the 20th among the last M (current month included). */
  earlyExhaustion: number;
  quiet: { quiet: boolean; nextActive: string } | null;
  signals: Signal[];
}

/** Local day and month of an instant in a zone. */
export function localDate(now: number, tz: string): { day: string; month: string } {
  const p = zonedParts(now, tz);
  const month = `${p.y}-${String(p.mo).padStart(2, '0')}`;
  return { day: `${month}-${String(p.d).padStart(2, '0')}`, month };
}

const hasData = (o: ObjectMonth) => o.docsPct !== undefined || o.points !== undefined;
const isActive = (o: ObjectMonth) =>
  (o.docsPct ?? 0) >= ACTIVE_DOCS_PCT || (o.points ?? 0) >= NORMS.activityPoints;

export function monthFacts(c: ClientData, months: readonly string[]): MonthFact[] {
  return months.map((month) => {
    const objs = [...(c.months.get(month)?.values() ?? [])];
    const withData = objs.filter(hasData);
    return {
      month,
      active: withData.length === 0 ? null : withData.some(isActive),
      earlyExhausted: objs.some((o) => o.earlyExhausted === true),
    };
  });
}

const maxOf = (xs: (number | null | undefined)[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === 'number');
  return v.length ? Math.max(...v) : null;
};

interface Previous {
  band: string;
  profile: string;
}

/** One client's health (pure apart from its inputs). */
export function clientHealth(
  c: ClientData,
  now: number,
  currentMonth: string,
  settings: Pick<HealthSettings, 'exhaustN' | 'exhaustM'>,
  prev: Previous | undefined,
): ClientHealth {
  const history = Array.from({ length: HISTORY_MONTHS }, (_, k) =>
    addMonths(currentMonth, k - HISTORY_MONTHS),
  );
  const profile = detectProfile(monthFacts(c, history));
  // The reference month: the last complete one; an episodic client is judged on its last working month.
  let ref = addMonths(currentMonth, -1);
  const p = profile.detail.periodMonths;
  const phase = profile.detail.phase;
  if (isEpisodic(profile.profile) && p !== undefined && phase !== undefined) {
    while (monthIndex(ref) % p !== phase) ref = addMonths(ref, -1);
  }
  const objs = [...(c.months.get(ref)?.values() ?? [])];
  const window = Array.from({ length: settings.exhaustM }, (_, k) =>
    addMonths(currentMonth, k - settings.exhaustM + 1),
  );
  const facts = monthFacts(c, window);
  const early = facts.filter((f) => f.earlyExhausted).length;
  const refused = window.filter((m) => refusedIn(c, m)).length;
  const figures: ClientFigures & { referenceMonth: string } = {
    referenceMonth: ref,
    onlineDocsPct: maxOf(objs.map((o) => o.docsPct)),
    installationPoints: maxOf(objs.map((o) => o.points)),
    involvementPct: maxOf(objs.map((o) => o.involvementPct)),
    docLimitPct: maxOf(objs.map((o) => o.docsPct)),
    searches: c.searches30,
    emptySearches: c.empty30,
    exhaustedMonths: window.filter((m, i) => facts[i]!.earlyExhausted || refusedIn(c, m)).length,
    monthsWithData: facts.filter((f) => f.active !== null || f.earlyExhausted).length,
    openCritical: c.openCritical,
    openOther: c.openOther,
    dataAgeHours: c.lastDataAt === null ? null : Math.max(0, (now - c.lastDataAt) / HOUR),
    hasObjects: c.objects > 0,
  };
  const measures = measuresOf(figures);
  const score = scoreOf(measures);
  const band = bandOf(score);
  const quiet = quietMonth(profile.detail, currentMonth);

  const signals: Signal[] = [];
  if (prev && prev.band !== band && prev.band !== 'nodata' && band !== 'nodata') {
    signals.push({ kind: 'band-change', from: prev.band, to: band, text: `Оценка: ${prev.band} → ${band}` });
  }
  if (early >= settings.exhaustN) {
    signals.push({
      kind: 'early-exhaustion',
      months: early,
      of: settings.exhaustM,
      text: `Лимит документов исчерпан до 20-го числа в ${early} из последних ${settings.exhaustM} мес.`,
    });
  }
  if (profile.profile === 'sharing' || early >= settings.exhaustN || refused > 0) {
    const why =
      refused > 0
        ? `отказы во входе из-за нехватки лицензий в ${refused} мес.`
        : 'лимиты заканчиваются в начале месяца — доступом пользуются несколько человек';
    signals.push({ kind: 'upsell', text: `Допродажа: ${why}` });
  }
  const worse = prev !== undefined && bandRank(band) > bandRank(prev.band) && prev.band !== 'nodata';
  if ((band === 'risk' || band === 'critical') && worse) {
    signals.push({ kind: 'churn', text: `Риск ухода: оценка упала до ${band}` });
  } else if (prev && profile.profile === 'idle' && prev.profile !== 'idle' && prev.profile !== 'new') {
    signals.push({ kind: 'churn', text: 'Риск ухода: клиент перестал пользоваться системой' });
  }
  if (prev && prev.profile !== profile.profile && prev.profile !== 'new' && profile.profile !== 'new') {
    signals.push({
      kind: 'profile-change',
      from: prev.profile,
      to: profile.profile,
      text: `Профиль: ${prev.profile} → ${profile.profile}`,
    });
  }
  return {
    clientId: c.id,
    score,
    band,
    measures,
    figures,
    profile,
    earlyExhaustion: early,
    quiet,
    signals,
  };
}

function refusedIn(c: ClientData, month: string): boolean {
  return [...(c.months.get(month)?.values() ?? [])].some((o) => (o.refusedDays ?? 0) > 0);
}

export interface DealerHealthRun {
  day: string;
  clients: number;
  results: ClientHealth[];
}

/** Computes and stores the day's health of every client of the dealer. */
export async function computeDealerHealth(
  ctx: AppContext,
  dealerId: number,
  now = ctx.clock.now(),
  settings?: HealthSettings,
): Promise<DealerHealthRun> {
  const s = settings ?? (await loadHealthSettings(ctx, dealerId));
  const { day, month } = localDate(now, s.timeZone);
  const from = addMonths(month, -HISTORY_MONTHS);
  const clients = await loadDealerClients(ctx, dealerId, from, day);
  const prevDay = await ctx.db
    .selectFrom('client_health_daily')
    .select((eb) => eb.fn.max('day').as('day'))
    .where('dealer_id', '=', dealerId)
    .where('day', '<', day)
    .executeTakeFirst();
  const prev = new Map<number, Previous>();
  if (prevDay?.day) {
    const rows = await ctx.db
      .selectFrom('client_health_daily')
      .select(['client_id', 'band', 'profile'])
      .where('dealer_id', '=', dealerId)
      .where('day', '=', prevDay.day)
      .execute();
    for (const r of rows) prev.set(r.client_id, { band: r.band, profile: r.profile });
  }
  const results = clients.map((c) => clientHealth(c, now, month, s, prev.get(c.id)));
  const rows = results.map((r) => ({
    client_id: r.clientId,
    day,
    dealer_id: dealerId,
    score: r.score,
    band: r.band,
    measures: JSON.stringify({ ...r.measures, figures: r.figures }),
    profile: r.profile.profile,
    profile_detail: JSON.stringify({ ...r.profile.detail, ...(r.quiet ? { quietNow: r.quiet } : {}) }),
    early_exhaustion: r.earlyExhaustion,
    signals: JSON.stringify(r.signals),
    computed_at: now,
  }));
  await withTx(ctx, async (db) => {
    for (let i = 0; i < rows.length; i += BATCH) {
      await db
        .insertInto('client_health_daily')
        .values(rows.slice(i, i + BATCH))
        .onConflict((oc) =>
          oc.columns(['client_id', 'day']).doUpdateSet((eb) => ({
            score: eb.ref('excluded.score'),
            band: eb.ref('excluded.band'),
            measures: eb.ref('excluded.measures'),
            profile: eb.ref('excluded.profile'),
            profile_detail: eb.ref('excluded.profile_detail'),
            early_exhaustion: eb.ref('excluded.early_exhaustion'),
            signals: eb.ref('excluded.signals'),
            computed_at: eb.ref('excluded.computed_at'),
          })),
        )
        .execute();
    }
  });
  return { day, clients: results.length, results };
}
