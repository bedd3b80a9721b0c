/**
 * «kAssist. Аналитика» (spec installations §3.12): how many links kAssist processed per day and per
 * installation, from the link statistics of the sysinfo reports (`kassist_links_daily`, one row per
 * installation and local day of the ПК, the newest report's numbers).
 *
 * - four daily bar panels (unique links when added, links without matches, all links added, verified
 *   active links), one series per installation; the ПК's local day D is drawn on the axis day D;
 * - two tables: per client, the sum over the days drawn of unique links and of verified active links;
 * - where the statistics start: the sysinfo carries them only since May 2024, and an installation has
 *   none before its first report with kAssist, so a range before that is "no data", not "no use".
 *
 * Reads: one grouped sum per installation over the range (the table's key, installation_id + day), two
 * index seeks per installation for its first and last day, then the days of the drawn installations
 * only (`limit` per panel, the largest sum over the range first).
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { ROLLUP_OFFSET_MIN } from '../metrics/rollup.js';
import type { Actor } from '../tenancy/scope.js';
import { DEFAULT_SERIES_LIMIT, type Aligned } from './contract.js';
import {
  KASSIST_DEFAULT_RANGE_MS,
  KASSIST_PANELS,
  KASSIST_TABLES,
  type KassistClientSum,
  type KassistOut,
  type KassistPanel,
  type KassistQuery,
  type KassistTable,
} from './contract-kassist.js';
import { bucketStarts, resolveRange } from './range.js';
import { chunks, rank } from './series-read.js';
import { visibleInstallations, type InstallationSubject } from './subjects.js';

const DAY = 86_400_000;
const OFFSET_MS = ROLLUP_OFFSET_MIN * 60_000;

/** Calendar date (`YYYY-MM-DD`) of an instant on the dashboards' axis (Moscow). */
function axisDate(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 10);
}

type Sums = Record<KassistPanel, number>;

export async function kassistAnalytics(
  ctx: AppContext,
  actor: Actor,
  q: KassistQuery,
  now: number,
): Promise<KassistOut> {
  const range = resolveRange(q, now, KASSIST_DEFAULT_RANGE_MS);
  const limit = q.limit ?? DEFAULT_SERIES_LIMIT;
  const starts = bucketStarts(range, DAY, ROLLUP_OFFSET_MIN);
  const days = starts.map(axisDate);
  const lo = days[0]!;
  const hi = axisDate(range.to);

  const subjects = await visibleInstallations(ctx, actor, q);
  const ids = subjects.map((s) => s.id);
  const [sums, spans] = await Promise.all([rangeSums(ctx, ids, lo, hi), dataSpans(ctx, ids)]);

  const byId = new Map(subjects.map((s) => [s.id, s]));
  const withData = subjects.filter((s) => sums.has(s.id));
  const panels = {} as Record<KassistPanel, Aligned>;
  const kept = new Map<KassistPanel, InstallationSubject[]>();
  for (const p of KASSIST_PANELS) {
    const entries = withData.map((s) => ({ id: s.id, label: s.host, value: sums.get(s.id)![p] }));
    rank(entries);
    kept.set(
      p,
      entries.slice(0, limit).map((e) => byId.get(e.id)!),
    );
    panels[p] = { step: DAY, timestamps: starts, series: [], total: entries.length };
  }

  const drawn = new Set<number>();
  for (const list of kept.values()) for (const s of list) drawn.add(s.id);
  const daily = await dailyRows(ctx, [...drawn], lo, hi);
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  for (const p of KASSIST_PANELS) {
    panels[p].series = kept.get(p)!.map((s) => {
      const values = new Array<number | null>(starts.length).fill(null);
      for (const r of daily.get(s.id) ?? []) {
        const i = dayIndex.get(r.day);
        if (i !== undefined) values[i] = r[p];
      }
      return { key: `i:${s.id}`, label: s.host, installationId: s.id, clientId: s.clientId, values };
    });
  }

  const tables = {} as Record<KassistTable, KassistClientSum[]>;
  for (const t of KASSIST_TABLES) tables[t] = clientSums(withData, sums, t);

  let firstDay: string | null = null;
  let lastDay: string | null = null;
  let startingInRange = 0;
  for (const [id, span] of spans) {
    if (firstDay === null || span.first < firstDay) firstDay = span.first;
    if (lastDay === null || span.last > lastDay) lastDay = span.last;
    if (sums.has(id) && span.first > lo) startingInRange += 1;
  }
  return {
    from: range.from,
    to: range.to,
    panels,
    tables,
    coverage: {
      firstDay,
      lastDay,
      installations: withData.length,
      without: subjects.length - withData.length,
      startingInRange,
    },
  };
}

/** Per client, the sum of one column over its installations with statistics; the largest first. */
function clientSums(
  withData: readonly InstallationSubject[],
  sums: ReadonlyMap<number, Sums>,
  column: KassistTable,
): KassistClientSum[] {
  const byClient = new Map<number, KassistClientSum>();
  for (const s of withData) {
    const row = byClient.get(s.clientId) ?? {
      clientId: s.clientId,
      client: s.client,
      sum: 0,
      installations: 0,
    };
    row.sum += sums.get(s.id)![column];
    row.installations += 1;
    byClient.set(s.clientId, row);
  }
  return [...byClient.values()].sort(
    (a, b) =>
      b.sum - a.sum || (a.client < b.client ? -1 : a.client > b.client ? 1 : 0) || a.clientId - b.clientId,
  );
}

/** Per installation with rows in [lo, hi], the sums of the four counters (grouped in SQL). */
async function rangeSums(
  ctx: AppContext,
  ids: readonly number[],
  lo: string,
  hi: string,
): Promise<Map<number, Sums>> {
  const out = new Map<number, Sums>();
  if (ids.length === 0) return out;
  const parts = await Promise.all(
    chunks(ids).map((chunk) =>
      sql<{ installation_id: number; u: number; n: number; a: number; v: number }>`
          select installation_id, sum(unique_added) as u, sum(no_match) as n, sum(added) as a,
            sum(active_verified) as v
          from kassist_links_daily
          where installation_id in (${sql.join(chunk)}) and day >= ${lo} and day <= ${hi}
          group by installation_id`.execute(ctx.db),
    ),
  );
  for (const r of parts.flatMap((p) => p.rows))
    out.set(Number(r.installation_id), {
      uniqueAdded: Number(r.u),
      noMatch: Number(r.n),
      added: Number(r.a),
      activeVerified: Number(r.v),
    });
  return out;
}

/** Each installation's first and last day with statistics (two index seeks each; absent: none). */
async function dataSpans(
  ctx: AppContext,
  ids: readonly number[],
): Promise<Map<number, { first: string; last: string }>> {
  const out = new Map<number, { first: string; last: string }>();
  if (ids.length === 0) return out;
  const parts = await Promise.all(
    chunks(ids).map((chunk) =>
      sql<{ id: number; first: string | null; last: string | null }>`
          select i.id,
            (select min(k.day) from kassist_links_daily k where k.installation_id = i.id) as first,
            (select max(k.day) from kassist_links_daily k where k.installation_id = i.id) as last
          from installations i
          where i.id in (${sql.join(chunk)})`.execute(ctx.db),
    ),
  );
  for (const r of parts.flatMap((p) => p.rows))
    if (r.first !== null && r.last !== null) out.set(Number(r.id), { first: r.first, last: r.last });
  return out;
}

type DayRow = Sums & { day: string };

/** The days in [lo, hi] of the installations drawn. */
async function dailyRows(
  ctx: AppContext,
  ids: readonly number[],
  lo: string,
  hi: string,
): Promise<Map<number, DayRow[]>> {
  const out = new Map<number, DayRow[]>();
  if (ids.length === 0) return out;
  const parts = await Promise.all(
    chunks(ids).map((chunk) =>
      ctx.db
        .selectFrom('kassist_links_daily')
        .select(['installation_id', 'day', 'unique_added', 'no_match', 'added', 'active_verified'])
        .where('installation_id', 'in', chunk)
        .where('day', '>=', lo)
        .where('day', '<=', hi)
        .execute(),
    ),
  );
  for (const r of parts.flat()) {
    const id = Number(r.installation_id);
    const list = out.get(id) ?? [];
    list.push({
      day: r.day,
      uniqueAdded: Number(r.unique_added),
      noMatch: Number(r.no_match),
      added: Number(r.added),
      activeVerified: Number(r.active_verified),
    });
    out.set(id, list);
  }
  return out;
}
