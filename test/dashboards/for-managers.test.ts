/**
 * «Для менеджеров» over data written by the real ingest path: sysinfo reports of simulated ПК (three
 * installations of dealer A in two time zones, one of dealer B; daily for two months, then every three
 * hours across the March/April boundary) go through the parser and the store, and every panel must equal
 * what the parsed reports say, computed here from the snapshots alone: the client table, involvement and
 * activity, the per-user panels, idle accounts, OperUp ages, licences, cards, refused logons and empty
 * searches; with `limit`, the user variables, scopes, and over HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FOR_MANAGERS_PANELS,
  ForManagersOut,
  type ForManagersPanel,
  type ForManagersQuery,
  type ManagerAligned,
} from '../../src/dashboards/contract-managers.js';
import { readContext } from '../../src/context.js';
import { forManagers } from '../../src/dashboards/for-managers.js';
import { RECENT_TTL_MS } from '../../src/dashboards/period-cache.js';
import { bucketStarts, chooseStep } from '../../src/dashboards/range.js';
import { visibleInstallations } from '../../src/dashboards/subjects.js';
import { UNDEFINED_DOMAIN, type Snapshot } from '../../src/ingest/parse/snapshot.js';
import { addRefusals, rebuildRefusedDaily, rebuildRefusedMonthly } from '../../src/ingest/refused-daily.js';
import type { Installation } from '../../src/inventory/installations.js';
import { makeProfile, generateSysinfoXmlString, type ClientProfile } from '../../src/sim/kodeks/index.js';
import type { Actor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, Client, loginAs, startTestServer, type TestServer } from '../http/harness.js';
import { ingestSysinfo } from './report-seed.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MSK = 180 * MIN;
/** Daily reports (20:00 UTC) from January 28, then every six hours from March 28 to April 2, 18:00. */
const DAILY_FROM = Date.UTC(2026, 0, 28, 20);
const HOURLY_FROM = Date.UTC(2026, 2, 28, 0);
const NOW = Date.UTC(2026, 3, 3, 0);

const axisDate = (ms: number) => new Date(ms + MSK).toISOString().slice(0, 10);
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const localDay = (ms: number, off: number) => new Date(ms + off * MIN).toISOString().slice(0, 10);
const monthStart = (d: string) => `${d.slice(0, 8)}01`;
const mskMidnight = (d: string) => Date.parse(`${d}T00:00:00Z`) - MSK;
const round1 = (v: number) => Math.round(v * 10) / 10;
const round2 = (v: number) => Math.round(v * 100) / 100;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const dayNumber = (ms: number) => Math.floor(ms / DAY);
const daysBetween = (lo: string, hi: string) => {
  const out: string[] = [];
  for (let d = lo; d <= hi; d = addDays(d, 1)) out.push(d);
  return out;
};
/** Reports that carry a day of searches and no event journal (SMART skips it anyway): fast to ingest. */
const LIGHT = { eventLogDays: 0, searchLogHours: 26 };
const CARD = ['fullname', 'phone', 'email', 'position', 'department'] as const;

/** A Moscow client with a user who stops coming 62–80 days before NOW (idle 60 days in the window), and kAssist users. */
function richProfile(from: number): ClientProfile {
  for (let seed = from; ; seed += 1) {
    const p = makeProfile({
      seed,
      users: 16,
      seats: 6,
      utcOffsetMin: 180,
      ...LIGHT,
      epochMs: NOW - 300 * DAY,
    });
    const dormant = p.users.some(
      (u) =>
        u.dormantFromDay !== null &&
        u.dormantFromDay >= dayNumber(NOW) - 80 &&
        u.dormantFromDay <= dayNumber(NOW) - 62 &&
        u.registeredAt < NOW - 120 * DAY,
    );
    if (dormant && p.users.some((u) => u.kassistUser)) return p;
  }
}

type Usage = Snapshot['usage'][number];

/** What the stored reports of one installation say, computed from the parsed snapshots alone. */
class Model {
  readonly recs: { at: number; snap: Snapshot }[] = [];
  constructor(
    readonly id: number,
    readonly off: number,
  ) {}

  private cache: {
    final: Map<string, Map<string, Usage>>;
    searches: Map<string, Snapshot['searches'][number]>;
    reported: Set<string>;
    users: Map<string, Snapshot['users'][number]>;
    lastSeen: Map<string, number>;
    refused: Map<string, Snapshot['refusedLogons'][number]>;
  } | null = null;

  get data() {
    if (this.cache) return this.cache;
    const c = {
      final: new Map<string, Map<string, Usage>>(),
      searches: new Map<string, Snapshot['searches'][number]>(),
      reported: new Set<string>(),
      users: new Map<string, Snapshot['users'][number]>(),
      lastSeen: new Map<string, number>(),
      refused: new Map<string, Snapshot['refusedLogons'][number]>(),
    };
    for (const r of this.recs) {
      c.reported.add(localDay(r.at, this.off));
      for (const u of r.snap.users) {
        c.users.set(u.login, u);
        c.lastSeen.set(u.login, r.at);
      }
      for (const u of r.snap.usage) {
        const m = c.final.get(u.day) ?? new Map<string, Usage>();
        m.set(u.login, u);
        c.final.set(u.day, m);
      }
      for (const x of r.snap.searches) {
        const k = `${x.at}|${x.login}|${x.query}`;
        if (!c.searches.has(k)) c.searches.set(k, x);
      }
      for (const x of r.snap.refusedLogons) c.refused.set(`${x.login}|${x.at}`, x);
    }
    this.cache = c;
    return c;
  }

  private memo = new Map<string, number>();

  usage(day: string): Usage[] {
    return [...(this.data.final.get(day)?.values() ?? [])];
  }
  private perDay: Map<string, number> | null = null;
  searchesOn(day: string): number {
    if (!this.perDay) {
      this.perDay = new Map();
      for (const x of this.data.searches.values()) {
        const d = localDay(x.at, this.off);
        this.perDay.set(d, (this.perDay.get(d) ?? 0) + 1);
      }
    }
    return this.perDay.get(day) ?? 0;
  }
  acts(day: string): number {
    const k = `a|${day}`;
    let v = this.memo.get(k);
    if (v === undefined) {
      v =
        this.usage(day).reduce((acc, u) => acc + u.docsCounted + u.services + u.saved + u.printed, 0) +
        this.searchesOn(day);
      this.memo.set(k, v);
    }
    return v;
  }
  reportedOn(day: string): boolean {
    return this.data.reported.has(day);
  }
  /** Logins with DB requests on a day of [lo, hi]. */
  activeIn(lo: string, hi: string): Set<string> {
    const out = new Set<string>();
    for (const d of daysBetween(lo, hi))
      for (const u of this.usage(d)) if (u.dbRequests > 0) out.add(u.login);
    return out;
  }
  lastActive(login: string, hi: string): string | null {
    let best: string | null = null;
    for (const [d, m] of this.data.final)
      if (d <= hi && (m.get(login)?.dbRequests ?? 0) > 0 && (best === null || d > best)) best = d;
    return best;
  }
  /** The newest report at or before `to`. */
  newestBy(to: number): { at: number; snap: Snapshot } | undefined {
    return this.recs.filter((r) => r.at <= to).at(-1);
  }
  newest(): Snapshot {
    return this.recs.at(-1)!.snap;
  }
  /** Accounts counted on a local day: listed, not blocked, registered by its end. */
  eligible(day: string): Snapshot['users'][number][] {
    const end = Date.parse(`${addDays(day, 1)}T00:00:00Z`) - this.off * MIN - 1;
    return [...this.data.users.values()].filter(
      (u) => !u.blocked && (u.registeredAt === null || u.registeredAt <= end),
    );
  }
  userSum(login: string, lo: string, hi: string, f: (u: Usage) => number): number {
    let sum = 0;
    for (const d of daysBetween(lo, hi)) {
      const u = this.data.final.get(d)?.get(login);
      if (u) sum += f(u);
    }
    return sum;
  }
  /** Logins that have usage rows (the candidates of the per-user panels). */
  usageLogins(): string[] {
    const out = new Set<string>();
    for (const m of this.data.final.values()) for (const l of m.keys()) out.add(l);
    return [...out];
  }
}

describe.each(DB_KINDS)('Для менеджеров (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let tmp: string;
  let seq = 0;
  const models = new Map<number, Model>();
  const hosts = new Map<number, string>();
  const clients = new Map<number, { clientId: number; client: string }>();
  const profiles = new Map<number, ClientProfile>();

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-fm-'));
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'fma');
    b = await buildDealerWorld(ctx, 'fmb');
    const plan: [DealerWorld, Installation, ClientProfile, (at: number) => boolean][] = [
      // Moscow; no report on March 30 (Moscow) in the three-hourly part: a gap.
      [a, a.i1, richProfile(500), (at) => axisDate(at) !== '2026-03-30'],
      // UTC+7: its local days and months start 4 hours before Moscow's.
      [
        a,
        a.i2,
        makeProfile({ seed: 77, users: 10, seats: 4, utcOffsetMin: 420, ...LIGHT, epochMs: NOW - 300 * DAY }),
        () => true,
      ],
      // One report a day throughout.
      [
        a,
        a.i3,
        makeProfile({ seed: 303, users: 5, seats: 3, utcOffsetMin: 180, ...LIGHT }),
        (at) => at < HOURLY_FROM || new Date(at).getUTCHours() === 18,
      ],
      [b, b.i1, makeProfile({ seed: 404, users: 6, seats: 3, utcOffsetMin: 180, ...LIGHT }), () => true],
    ];
    const times: number[] = [];
    for (let t = DAILY_FROM; t < HOURLY_FROM; t += DAY) times.push(t);
    for (let t = HOURLY_FROM; t < NOW; t += 6 * HOUR) times.push(t);
    for (const [, inst, p] of plan) {
      profiles.set(inst.id, p);
      models.set(inst.id, new Model(inst.id, p.utcOffsetMin));
      await ctx.db
        .updateTable('installations')
        .set({ utc_offset_min: p.utcOffsetMin })
        .where('id', '=', inst.id)
        .execute();
    }
    for (const at of times) {
      for (const [w, inst, p, when] of plan) {
        if (!when(at)) continue;
        seq += 1;
        const { snap } = await ingestSysinfo(s.t, {
          dealerId: w.dealer.id,
          installationId: inst.id,
          sourceName: p.shortName,
          xml: generateSysinfoXmlString(p, at),
          utcOffsetMin: p.utcOffsetMin,
          receivedAt: at + MIN,
          sha256: `sha-fm-${kind}-${seq}`,
          dir: tmp,
          fileName: `r${seq}.xml`,
        });
        models.get(inst.id)!.recs.push({ at: snap.producedAt!, snap });
      }
    }
    for (const w of [a, b])
      for (const i of await visibleInstallations(ctx, w.actors.admin, {})) {
        hosts.set(i.id, i.host);
        clients.set(i.id, { clientId: i.clientId, client: i.client });
      }
  }, 600_000);

  afterAll(async () => {
    await s?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  // Every answer as the route writes it (as built: src/http/routes/common.ts) must be one the schema
  // accepts whole, with nothing it would strip.
  const run = async (actor: Actor, q: Partial<ForManagersQuery>, now = NOW) => {
    const out = await forManagers(readContext(s.runtime.ctx), actor, q as ForManagersQuery, now);
    const written = JSON.parse(JSON.stringify(out)) as unknown;
    expect(ForManagersOut.parse(written)).toEqual(written);
    return out;
  };
  const aIds = () => [a.i1.id, a.i2.id, a.i3.id];

  // ------------------------------------------------------------------ the oracle

  interface Q {
    from: number;
    to: number;
    limit?: number;
    domain?: string[];
    login?: string[];
  }

  const nextMonth = (m: string) => addDays(`${m}-28`, 7).slice(0, 7);
  const lastOfMonth = (m: string) => addDays(`${nextMonth(m)}-01`, -1);
  const prevMonth = (m: string) => addDays(`${m}-01`, -1).slice(0, 7);

  /** Days, or from 200 days on a point per month (at its 1st, Moscow). */
  const dayBuckets = (q: Q) => {
    const toDay = axisDate(q.to);
    const fromDay = axisDate(q.from);
    const monthly = q.to - q.from >= 200 * DAY;
    const months: string[] = [];
    if (monthly) for (let m = fromDay.slice(0, 7); m <= toDay.slice(0, 7); m = nextMonth(m)) months.push(m);
    const starts = monthly
      ? months.map((m) => mskMidnight(`${m}-01`))
      : bucketStarts({ from: q.from, to: q.to }, DAY, 180);
    const days = monthly ? [] : starts.map((st) => [axisDate(st)].filter((d) => d <= toDay));
    return { monthly, months, starts, days, toDay, fromDay };
  };

  /** Rank like the dashboard: by value (then label in code-unit order, then id). */
  const ranked = <T extends { value: number; label: string; id: number }>(xs: T[], asc: boolean) =>
    xs.sort((x, y) => (asc ? x.value - y.value : y.value - x.value) || cmp(x.label, y.label) || x.id - y.id);

  const lastReported = (m: Model, days: string[]) => days.filter((d) => m.reportedOn(d)).at(-1);

  const expectedDayPanels = (ids: number[], q: Q) => {
    const { starts, days, toDay, fromDay, monthly, months } = dayBuckets(q);
    const limit = q.limit ?? 50;
    // Monthly points: null for a month without a report, else the month's value at its end.
    const reportedIn = (m: Model, month: string) =>
      daysBetween(`${month}-01`, [lastOfMonth(month), toDay].sort()[0]!).some((d) => m.reportedOn(d));
    const perMonth = (m: Model, f: (month: string) => number | null) =>
      months.map((month) => (reportedIn(m, month) ? f(month) : null));
    const monthDays = (month: string) => daysBetween(`${month}-01`, lastOfMonth(month));
    const endOf = (month: string) => [lastOfMonth(month), toDay].sort()[0]!;
    const reporting = ids.filter((id) =>
      daysBetween(fromDay, toDay).some((d) => models.get(id)!.reportedOn(d)),
    );
    const seats = (id: number) => models.get(id)!.newestBy(q.to)!.snap.licensing.seats!;
    const mtdActs = (m: Model, d: string) =>
      daysBetween(monthStart(d), d).reduce((acc, x) => acc + m.acts(x), 0);

    const activity = ranked(
      reporting.map((id) => ({ id, label: hosts.get(id)!, value: mtdActs(models.get(id)!, toDay) })),
      true,
    );
    const activitySeries = activity.slice(0, limit).map((e) => {
      const m = models.get(e.id)!;
      if (monthly)
        return [
          `i:${e.id}`,
          perMonth(m, (mo) => monthDays(mo).reduce((acc, d) => acc + m.acts(d), 0)),
        ] as const;
      return [
        `i:${e.id}`,
        days.map((ds) => {
          const d = lastReported(m, ds);
          return d === undefined ? null : mtdActs(m, d);
        }),
      ] as const;
    });

    const involvementOf = (m: Model, d: string, id: number) =>
      m.activeIn(monthStart(d), d).size / (seats(id) / 100);
    const involvement = ranked(
      reporting.map((id) => ({
        id,
        label: hosts.get(id)!,
        value: involvementOf(models.get(id)!, toDay, id),
      })),
      true,
    );
    const involvementSeries = involvement.slice(0, limit).map((e) => {
      const m = models.get(e.id)!;
      if (monthly)
        return [
          `i:${e.id}`,
          perMonth(m, (mo) => round1(m.activeIn(`${mo}-01`, lastOfMonth(mo)).size / (seats(e.id) / 100))),
        ] as const;
      return [
        `i:${e.id}`,
        days.map((ds) => {
          const d = lastReported(m, ds);
          return d === undefined ? null : round1(involvementOf(m, d, e.id));
        }),
      ] as const;
    });

    const idleOn = (m: Model, d: string, window: number) => {
      const active = m.activeIn(addDays(d, -(window - 1)), d);
      return m.eligible(d).filter((u) => !active.has(u.login));
    };
    const zero = ranked(
      reporting.map((id) => ({
        id,
        label: hosts.get(id)!,
        value: idleOn(models.get(id)!, toDay, 30).length / (seats(id) / 100),
      })),
      false,
    );
    const zeroSeries = zero.slice(0, Math.ceil(limit / 3)).flatMap((e) => {
      const m = models.get(e.id)!;
      if (monthly) {
        const idleM = (mo: string) => {
          const active = m.activeIn(`${mo}-01`, lastOfMonth(mo));
          return m.eligible(endOf(mo)).filter((u) => !active.has(u.login)).length;
        };
        return [
          [`i:${e.id}:pct`, perMonth(m, (mo) => round1(idleM(mo) / (seats(e.id) / 100)))],
          [`i:${e.id}:idle`, perMonth(m, idleM)],
          [`i:${e.id}:users`, perMonth(m, (mo) => m.eligible(endOf(mo)).length)],
        ] as const;
      }
      const at = days.map((ds) => lastReported(m, ds));
      return [
        [
          `i:${e.id}:pct`,
          at.map((d) => (d === undefined ? null : round1(idleOn(m, d, 30).length / (seats(e.id) / 100)))),
        ],
        [`i:${e.id}:idle`, at.map((d) => (d === undefined ? null : idleOn(m, d, 30).length))],
        [`i:${e.id}:users`, at.map((d) => (d === undefined ? null : m.eligible(d).length))],
      ] as const;
    });

    const inFilter = (m: Model, login: string) =>
      (!q.login || q.login.includes(login)) &&
      (!q.domain || q.domain.includes(m.data.users.get(login)?.domain ?? UNDEFINED_DOMAIN));
    const idle60 = reporting
      .flatMap((id) => {
        const m = models.get(id)!;
        return idleOn(m, toDay, 60)
          .filter((u) => inFilter(m, u.login))
          .map((u) => ({ id, m, login: u.login, last: m.lastActive(u.login, toDay) }));
      })
      .sort((x, y) => cmp(x.last ?? '', y.last ?? '') || cmp(x.login, y.login) || x.id - y.id);
    const idle60Series = idle60.slice(0, limit).map(
      (e) =>
        [
          `a:${e.id}:${e.login}`,
          monthly
            ? perMonth(e.m, (mo) =>
                e.m.eligible(endOf(mo)).some((u) => u.login === e.login) &&
                !e.m.activeIn(`${mo}-01`, lastOfMonth(mo)).has(e.login) &&
                !e.m.activeIn(`${prevMonth(mo)}-01`, lastOfMonth(prevMonth(mo))).has(e.login)
                  ? 0
                  : null,
              )
            : days.map((ds) => {
                const d = lastReported(e.m, ds);
                return d !== undefined && idleOn(e.m, d, 60).some((u) => u.login === e.login) ? 0 : null;
              }),
        ] as const,
    );

    // Per-user panels: candidates are the listed accounts with usage, of the installations reporting.
    void fromDay;
    const userPanel = (
      field: (u: Usage) => number,
      kindOf: 'mtd' | 'day' | 'trailing30',
    ): { total: number; series: (readonly [string, (number | null)[]])[] } => {
      // Ranked by the month to date at the range's last day (kAssist: this month and the last, the months
      // its 30 days touch); `total` counts the accounts with such activity in those months (whole).
      const lo = kindOf === 'trailing30' ? monthStart(addDays(monthStart(toDay), -1)) : monthStart(toDay);
      const monthEnd = addDays(`${monthStart(addDays(monthStart(toDay), 31)).slice(0, 7)}-01`, -1);
      const all = reporting.flatMap((id) => {
        const m = models.get(id)!;
        return m
          .usageLogins()
          .filter((l) => m.data.users.has(l) && inFilter(m, l))
          .map((login) => ({
            id,
            m,
            login,
            value: m.userSum(login, lo, toDay, field),
            bound: m.userSum(login, monthStart(lo), monthEnd, field),
          }));
      });
      const positive = all
        .filter((x) => x.value > 0)
        .sort((x, y) => y.value - x.value || cmp(x.login, y.login) || x.id - y.id);
      return {
        total: all.filter((x) => x.bound > 0).length,
        series: positive.slice(0, limit).map(
          (x) =>
            [
              `u:${x.id}:${x.login}`,
              monthly
                ? perMonth(x.m, (mo) => x.m.userSum(x.login, `${mo}-01`, lastOfMonth(mo), field))
                : days.map((ds) => {
                    if (kindOf === 'day') {
                      const known = ds.filter((d) => x.m.reportedOn(d) || x.m.acts(d) > 0);
                      return known.length
                        ? known.reduce((acc, d) => acc + x.m.userSum(x.login, d, d, field), 0)
                        : null;
                    }
                    const d = lastReported(x.m, ds);
                    if (d === undefined) return null;
                    return x.m.userSum(x.login, kindOf === 'mtd' ? monthStart(d) : addDays(d, -29), d, field);
                  }),
            ] as const,
        ),
      };
    };

    return {
      starts,
      activity: { total: activity.length, series: activitySeries },
      involvement: { total: involvement.length, series: involvementSeries },
      zeroQueries30: { total: zero.length * 3, series: zeroSeries },
      zeroQueries60: { total: idle60.length, series: idle60Series },
      billingDocs: userPanel((u) => u.docsCounted + u.services, 'mtd'),
      dbQueries: userPanel((u) => u.dbRequests, 'day'),
      prints: userPanel((u) => u.printed, 'mtd'),
      savedDocs: userPanel((u) => u.saved, 'day'),
      kassist30: userPanel((u) => u.kassistRequests, 'trailing30'),
    };
  };

  const DAY_PANELS = [
    'activity',
    'involvement',
    'zeroQueries30',
    'zeroQueries60',
    'billingDocs',
    'dbQueries',
    'prints',
    'savedDocs',
    'kassist30',
  ] as const;

  /**
   * Runs `check` with extra refusals of one login stored as a report stores them (the log, its daily and
   * monthly rows), then removes them again.
   */
  const withRefusals = async (
    inst: Installation,
    utcOffsetMin: number,
    added: { at: number; login: string; reason: string | null }[],
    check: () => Promise<void>,
  ) => {
    const db = s.t.ctx.db;
    await db
      .insertInto('refused_logons')
      .values(added.map((x) => ({ installation_id: inst.id, ...x })))
      .execute();
    await addRefusals(db, inst.id, added, utcOffsetMin);
    try {
      await check();
    } finally {
      const logins = [...new Set(added.map((x) => x.login))];
      await db.deleteFrom('refused_logons').where('login', 'in', logins).execute();
      await db.deleteFrom('refused_logons_daily').where('login', 'in', logins).execute();
      await rebuildRefusedMonthly(db, { installationIds: [inst.id] });
    }
  };
  /** The refused table's rows without the client columns, as the oracle gives them. */
  const refusedRows = (o: ForManagersOut) =>
    o.refusedTable!.rows.map((r) => ({
      day: r.day,
      installationId: r.installationId,
      login: r.login,
      count: r.count,
    }));
  const shape = (p: ManagerAligned | undefined) => ({
    total: p!.total,
    series: p!.series.map((x) => [x.key, x.values] as const),
  });

  const expectedTable = (ids: number[], q: Q) => {
    const toDay = axisDate(q.to);
    const fromDay = axisDate(q.from);
    return ids
      .map((id) => {
        const m = models.get(id)!;
        const known = daysBetween(fromDay, toDay).some((d) => m.reportedOn(d));
        const seats = m.newestBy(q.to)!.snap.licensing.seats!;
        // From 200 days on the table counts whole months, as the monthly points do.
        const monthly = q.to - q.from >= 200 * DAY;
        const first = monthly ? monthStart(fromDay) : fromDay;
        const users = known ? m.activeIn(first, monthly ? lastOfMonth(toDay.slice(0, 7)) : toDay).size : null;
        const ends = Math.min(...m.newest().licences.map((l) => l.expiresAt!));
        return {
          installationId: id,
          clientId: clients.get(id)!.clientId,
          client: clients.get(id)!.client,
          host: hosts.get(id)!,
          regnum: m.newest().client.regnum,
          licenceEndsAt: ends,
          licenceDaysLeft: round1((ends - NOW) / DAY),
          involvementPct: users === null ? null : round1(users / (seats / 100)),
          usersWithRequests: users,
          activity: known ? daysBetween(first, toDay).reduce((acc, d) => acc + m.acts(d), 0) : null,
          seats,
          reportAt: m.recs.at(-1)!.at,
        };
      })
      .sort((x, y) => x.licenceEndsAt - y.licenceEndsAt || cmp(x.client, y.client));
  };

  const checkDayPanels = (out: ForManagersOut, ids: number[], q: Q) => {
    const want = expectedDayPanels(ids, q);
    for (const p of DAY_PANELS) {
      expect(out[p]!.timestamps, p).toEqual(want.starts);
      expect(shape(out[p]), p).toEqual({
        total: want[p].total,
        series: want[p].series.map(([k, v]) => [k, v]),
      });
    }
    return want;
  };

  // ------------------------------------------------------------------ tests

  it('defaults to the month so far; every day panel and the table equal the reports', async () => {
    const out = await run(a.actors.admin, {});
    expect(out.from).toBe(mskMidnight('2026-04-01'));
    expect(out.to).toBe(NOW);
    for (const p of FOR_MANAGERS_PANELS) expect(out[p], p).toBeDefined();
    const q = { from: out.from, to: NOW };
    checkDayPanels(out, aIds(), q);
    expect(out.clients!.map(({ managers: _x, ...r }) => r)).toEqual(expectedTable(aIds(), q));
    const byId = new Map(out.clients!.map((r) => [r.installationId, r]));
    expect(byId.get(a.i1.id)!.managers).toEqual([a.m1.name]);
    expect(byId.get(a.i2.id)!.managers).toEqual([a.m2.name]);
    expect(byId.get(a.i3.id)!.managers).toEqual([]);
  });

  it('March as a whole month, and a range across the month boundary (the table sums both months)', async () => {
    const march = { from: mskMidnight('2026-03-01'), to: mskMidnight('2026-04-01') - 1 };
    const m = await run(a.actors.admin, march);
    const want = checkDayPanels(m, aIds(), march);
    expect(m.clients!.map(({ managers: _x, ...r }) => r)).toEqual(expectedTable(aIds(), march));
    // Not vacuous: a month of data with involvement above 100 % (16 users on 6 seats) and idle accounts.
    const i1 = m.involvement!.series.find((x) => x.installationId === a.i1.id)!;
    expect(Math.max(...i1.values.map((v) => v ?? 0))).toBeGreaterThan(100);
    expect(m.clients!.find((r) => r.installationId === a.i1.id)!.involvementPct).toBeGreaterThan(100);
    expect(want.zeroQueries60.total).toBeGreaterThan(0);
    expect(want.kassist30.total).toBeGreaterThan(0);
    // the gap: no report on March 30 for installation 1
    const at30 = m.activity!.timestamps.indexOf(mskMidnight('2026-03-30'));
    expect(m.activity!.series.find((x) => x.installationId === a.i1.id)!.values[at30]).toBeNull();

    // A range in the past that ends inside a month: the monthly rollups bound, the daily rows decide.
    const mid = { from: mskMidnight('2026-03-10'), to: mskMidnight('2026-03-20') + 12 * HOUR };
    const mm = await run(a.actors.admin, mid);
    checkDayPanels(mm, aIds(), mid);
    expect(mm.clients!.map(({ managers: _x, ...r }) => r)).toEqual(expectedTable(aIds(), mid));

    const across = { from: mskMidnight('2026-03-20'), to: NOW };
    const x = await run(a.actors.admin, across);
    checkDayPanels(x, aIds(), across);
    const table = expectedTable(aIds(), across);
    expect(x.clients!.map(({ managers: _y, ...r }) => r)).toEqual(table);
    // The series restart on April 1; the table does not.
    const act = x.activity!.series.find((s2) => s2.installationId === a.i1.id)!;
    const apr1 = x.activity!.timestamps.indexOf(mskMidnight('2026-04-01'));
    const mar31 = x.activity!.timestamps.indexOf(mskMidnight('2026-03-31'));
    expect(act.values[apr1]!).toBeLessThan(act.values[mar31]!);
    const april = act.values.filter((v) => v !== null).at(-1)!;
    expect(table.find((r) => r.installationId === a.i1.id)!.activity).toBeGreaterThan(april);
  });

  it('from 200 days on, a point per month from the monthly rollups; the rankings stay those of the range end', async () => {
    const q = { from: NOW - 300 * DAY, to: NOW };
    const out = await run(a.actors.admin, q);
    expect(out.clients!.map(({ managers: _x, ...r }) => r)).toEqual(expectedTable(aIds(), q));
    expect(out.activity!.step).toBe(30 * DAY);
    // A point per month, at its 1st (Moscow): June 2025 to April 2026.
    expect(out.activity!.timestamps).toEqual(
      [
        '2025-06',
        '2025-07',
        '2025-08',
        '2025-09',
        '2025-10',
        '2025-11',
        '2025-12',
        '2026-01',
        '2026-02',
        '2026-03',
        '2026-04',
      ].map((m) => mskMidnight(`${m}-01`)),
    );
    checkDayPanels(out, aIds(), q);
    // With one series per panel the per-user and idle panels draw accounts of installations the
    // involvement and zero-query panels did not keep: their months are read account by account.
    const one = { ...q, limit: 1 };
    checkDayPanels(await run(a.actors.admin, one), aIds(), one);
  }, 120_000);

  it("the table's closed months are kept: a late report's actions show when the slot expires", async () => {
    const q = { from: NOW - 300 * DAY, to: NOW, panels: ['clients'] as ForManagersPanel[] };
    const activity = async (now: number) =>
      (await run(a.actors.admin, q, now)).clients!.find((c) => c.installationId === a.i1.id)!.activity;
    const before = await activity(NOW);
    expect(before).toBe(expectedTable(aIds(), q).find((c) => c.installationId === a.i1.id)!.activity);
    // February's rollup as a late report would leave it: 7 more searches by one account.
    const row = await s.t.ctx.db
      .selectFrom('user_usage_monthly')
      .select(['login', 'searches'])
      .where('installation_id', '=', a.i1.id)
      .where('month', '=', '2026-02')
      .executeTakeFirstOrThrow();
    const setSearches = (n: number) =>
      s.t.ctx.db
        .updateTable('user_usage_monthly')
        .set({ searches: n })
        .where('installation_id', '=', a.i1.id)
        .where('month', '=', '2026-02')
        .where('login', '=', row.login)
        .execute();
    await setSearches(Number(row.searches) + 7);
    try {
      // March closed two days ago: the months are kept for 10 minutes, then read again.
      expect(await activity(NOW)).toBe(before);
      expect(await activity(NOW + RECENT_TTL_MS)).toBe(before! + 7);
    } finally {
      await setSearches(Number(row.searches));
    }
    expect(await activity(NOW + 2 * RECENT_TTL_MS)).toBe(before);
  });

  it("the table's days of this month before today are kept: today's actions show at once, yesterday's when the slot expires", async () => {
    const q = { panels: ['clients'] as ForManagersPanel[] };
    const activity = async (now: number) =>
      (await run(a.actors.admin, q, now)).clients!.find((c) => c.installationId === a.i1.id)!.activity;
    const before = await activity(NOW);
    expect(before).toBe(
      expectedTable(aIds(), { from: mskMidnight('2026-04-01'), to: NOW }).find(
        (c) => c.installationId === a.i1.id,
      )!.activity,
    );
    const db = s.t.ctx.db;
    const today = axisDate(NOW);
    const yesterday = axisDate(NOW - DAY);
    const rowOf = (day: string) =>
      db
        .selectFrom('installation_usage_daily')
        .selectAll()
        .where('installation_id', '=', a.i1.id)
        .where('day', '=', day)
        .executeTakeFirst();
    const kept = await rowOf(yesterday);
    expect(kept).toBeDefined();
    expect(await rowOf(today)).toBeUndefined();
    const setSearches = (n: number) =>
      db
        .updateTable('installation_usage_daily')
        .set({ searches: n })
        .where('installation_id', '=', a.i1.id)
        .where('day', '=', yesterday)
        .execute();
    // Today's row, as the day's first report would write it: 5 actions.
    await db
      .insertInto('installation_usage_daily')
      .values({ ...kept!, day: today, searches: 5, docs_counted: 0, services: 0, saved: 0, printed: 0 })
      .execute();
    try {
      expect(await activity(NOW)).toBe(before! + 5);
      // Yesterday's row as a late report would leave it: read again when the slot expires (10 minutes).
      await setSearches(Number(kept!.searches) + 7);
      expect(await activity(NOW)).toBe(before! + 5);
      expect(await activity(NOW + RECENT_TTL_MS)).toBe(before! + 12);
    } finally {
      await setSearches(Number(kept!.searches));
      await db
        .deleteFrom('installation_usage_daily')
        .where('installation_id', '=', a.i1.id)
        .where('day', '=', today)
        .execute();
    }
    expect(await activity(NOW + 2 * RECENT_TTL_MS)).toBe(before);
  });

  it('limit keeps the worst installations and the busiest users; the zero-query panel keeps a third', async () => {
    const q = { from: mskMidnight('2026-03-01'), to: NOW, limit: 2 };
    const out = await run(a.actors.admin, q);
    const want = checkDayPanels(out, aIds(), q);
    expect(out.activity!.series).toHaveLength(2);
    expect(out.activity!.total).toBe(3);
    expect(out.zeroQueries30!.series).toHaveLength(3);
    expect(want.dbQueries.total).toBeGreaterThan(2);
    expect(out.dbQueries!.series).toHaveLength(2);
    // A range ending inside a past month: the monthly bounds exceed the sums, so the ranking reads
    // candidates' days and asks SQL for further ranks.
    for (const n of [1, 3]) {
      const mid = { from: mskMidnight('2026-03-10'), to: mskMidnight('2026-03-16') + 12 * HOUR, limit: n };
      checkDayPanels(await run(a.actors.admin, mid), aIds(), mid);
    }
  });

  it('the domain and login variables narrow the per-user panels and the user tables', async () => {
    const p1 = profiles.get(a.i1.id)!;
    const domain = p1.users.map((u) => u.domain).find((d) => d !== UNDEFINED_DOMAIN)!;
    const q = { from: mskMidnight('2026-03-01'), to: NOW, domain: [domain] };
    const out = await run(a.actors.admin, q);
    checkDayPanels(out, aIds(), q);
    const users = new Set(p1.users.filter((u) => u.domain === domain).map((u) => u.login));
    for (const x of out.billingDocs!.series.filter((y) => y.installationId === a.i1.id))
      expect(users.has(x.login!)).toBe(true);
    const login = out.dbQueries!.series[0]!.login!;
    const one = { from: q.from, to: NOW, login: [login] };
    const byLogin = await run(a.actors.admin, one);
    checkDayPanels(byLogin, aIds(), one);
    for (const x of byLogin.emptySearches!.rows) expect(x.login).toBe(login);
    for (const x of byLogin.refusedTable!.rows) expect(x.login).toBe(login);
  });

  it('OperUp file ages, licences in use and cards equal the reports, hourly on a short range', async () => {
    for (const q of [
      { from: Date.UTC(2026, 3, 1, 0), to: Date.UTC(2026, 3, 2, 0) },
      { from: mskMidnight('2026-03-01'), to: NOW },
    ]) {
      const out = await run(a.actors.admin, q);
      const short = q.to - q.from <= 8 * DAY;
      const step = chooseStep(q, 200, short ? HOUR : DAY);
      const starts = bucketStarts(q, step, 180);
      const inBucket = (id: number, i: number) =>
        models.get(id)!.recs.filter((r) => r.at >= starts[i]! && r.at < starts[i]! + step && r.at <= q.to);
      // licences in use: the maximum of each bucket; ranked by the maximum of the range's last 30 days
      const lastDay = mskMidnight(axisDate(q.to - 1));
      const since = mskMidnight(axisDate(Math.max(q.from, q.to - 30 * DAY)));
      const lic = ranked(
        aIds()
          .map((id) => ({
            id,
            label: hosts.get(id)!,
            values: models
              .get(id)!
              .recs.filter((r) => r.at >= since && r.at < lastDay + DAY)
              .map((r) => r.snap.licensing.inUse!),
          }))
          .filter((e) => e.values.length > 0)
          .map((e) => ({ ...e, value: Math.max(...e.values) })),
        false,
      );
      expect(lic).toHaveLength(3);
      expect(out.maxLicences!.step).toBe(step);
      expect(shape(out.maxLicences)).toEqual({
        total: 3,
        series: lic.map((e) => [
          `i:${e.id}`,
          starts.map((_, i) => {
            const rs = inBucket(e.id, i);
            return rs.length ? Math.max(...rs.map((r) => r.snap.licensing.inUse!)) : null;
          }),
        ]),
      });
      // cards: the newest value of each bucket; ranked by the newest in the range, lowest first
      const pct = (snap: Snapshot) => {
        const us = snap.users.filter((u) => !u.blocked && u.lastActivityAt !== null);
        return (us.filter((u) => CARD.every((f) => (u[f] ?? '').trim() !== '')).length / us.length) * 100;
      };
      const cards = ranked(
        aIds().map((id) => ({ id, label: hosts.get(id)!, value: pct(models.get(id)!.newestBy(q.to)!.snap) })),
        true,
      );
      expect(shape(out.cardsFilled)).toEqual({
        total: 3,
        series: cards.map((e) => [
          `i:${e.id}`,
          starts.map((_, i) => {
            const rs = inBucket(e.id, i);
            return rs.length ? round2(pct(rs.at(-1)!.snap)) : null;
          }),
        ]),
      });
      // OperUp: hours since each file changed, the largest of each bucket; the oldest file first
      const oStep = chooseStep(q, 300, short ? HOUR : DAY);
      const oStarts = bucketStarts(q, oStep, 180);
      const files = aIds().flatMap((id) => {
        const newest = models.get(id)!.newestBy(q.to)!;
        return newest.snap.operups.map((o) => ({
          id,
          path: o.path,
          label: `${hosts.get(id)!} ${o.path}`,
          value: (newest.at - o.modifiedAt!) / 1000,
        }));
      });
      ranked(files, false);
      expect(out.operupAge!.step).toBe(oStep);
      expect(shape(out.operupAge)).toEqual({
        total: files.length,
        series: files.slice(0, 50).map((f) => [
          `f:${f.id}:${f.path}`,
          oStarts.map((st) => {
            const ages = models
              .get(f.id)!
              .recs.filter((r) => r.at >= st && r.at < st + oStep && r.at <= q.to)
              .flatMap((r) =>
                r.snap.operups.filter((o) => o.path === f.path).map((o) => (r.at - o.modifiedAt!) / 1000),
              );
            return ages.length ? round2(Math.max(...ages) / 3600) : null;
          }),
        ]),
      });
      // With fewer series than files: the same head, the same count (ties at the limit:
      // for-managers-operup.test.ts).
      for (const limit of [1, 2, 4]) {
        const few = await run(a.actors.admin, { ...q, limit, panels: ['operupAge'] });
        expect(few.operupAge!.total).toBe(files.length);
        expect(few.operupAge!.series.map((x) => x.key)).toEqual(
          files.slice(0, limit).map((f) => `f:${f.id}:${f.path}`),
        );
      }
      // nightly updates: a normal installation stays well under three days
      expect(Math.max(...out.operupAge!.series.flatMap((x) => x.values.map((v) => v ?? 0)))).toBeLessThan(72);
    }
  });

  /** The refused-logon panels computed from the reports: per day and login; accounts per hour, ranked. */
  const expectedRefused = (q: Q) => {
    const rows = aIds().flatMap((id) => {
      const m = models.get(id)!;
      const per = new Map<string, number>();
      for (const r of m.data.refused.values()) {
        if (r.at < q.from || r.at > q.to) continue;
        const k = `${localDay(r.at, m.off)}|${r.login}`;
        per.set(k, (per.get(k) ?? 0) + 1);
      }
      return [...per].map(([k, count]) => {
        const [day, login] = k.split('|') as [string, string];
        return { day, installationId: id, login, count };
      });
    });
    rows.sort(
      (x, y) =>
        cmp(y.day, x.day) ||
        y.count - x.count ||
        cmp(x.login, y.login) ||
        x.installationId - y.installationId,
    );
    const step = chooseStep(q, 800, HOUR);
    const starts = bucketStarts(q, step, 180);
    // A bar is the busiest hour inside it (an hour, up to a month): distinct logins refused in that hour.
    const per = ranked(
      aIds()
        .map((id) => {
          const refused = [...models.get(id)!.data.refused.values()].filter(
            (r) => r.at >= starts[0]! && r.at <= q.to,
          );
          const values = starts.map((st) => {
            let peak = 0;
            for (let h = st; h < st + step; h += HOUR)
              peak = Math.max(
                peak,
                new Set(refused.filter((r) => r.at >= h && r.at < h + HOUR).map((r) => r.login)).size,
              );
            return peak;
          });
          return { id, label: hosts.get(id)!, value: refused.length, values };
        })
        .filter((e) => e.value > 0),
      false,
    );
    return { rows, step, starts, per };
  };

  it("licences in use rank by the last 30 days: today's maximum read anew, the days before kept until their slot expires", async () => {
    const q = { from: mskMidnight('2026-03-01'), to: NOW, panels: ['maxLicences'] as ForManagersPanel[] };
    const order = async (now: number) =>
      (await run(a.actors.admin, q, now)).maxLicences!.series.map((x) => x.key);
    const before = await order(NOW);
    expect(before.length).toBeGreaterThan(1);
    // The last installation's daily maximum set above every other one, on one day.
    const last = Number(before.at(-1)!.slice(2));
    const { id: seriesId } = await s.t.ctx.db
      .selectFrom('series')
      .select('id')
      .where('installation_id', '=', last)
      .where('metric', '=', 'sysinfo_licences_in_use')
      .executeTakeFirstOrThrow();
    // The day's row gets a maximum of 9999 (added when there is none) and is put back after `check`.
    const raised = async (day: number, check: () => Promise<void>) => {
      const db = s.t.ctx.db;
      const dayRow = <T extends { where: (c: 'series_id' | 'day', op: '=', v: number) => T }>(q: T) =>
        q.where('series_id', '=', seriesId).where('day', '=', day);
      const row = await dayRow(db.selectFrom('samples_daily').select('max')).executeTakeFirst();
      const setMax = (max: number) => dayRow(db.updateTable('samples_daily').set({ max })).execute();
      if (row) await setMax(9999);
      else
        await db
          .insertInto('samples_daily')
          .values({
            series_id: seriesId,
            day,
            min: 9999,
            max: 9999,
            last: 9999,
            last_ts: day,
            sum: 9999,
            count: 1,
          })
          .execute();
      try {
        await check();
      } finally {
        if (row) await setMax(row.max);
        else await dayRow(db.deleteFrom('samples_daily')).execute();
      }
    };
    const today = mskMidnight(axisDate(NOW));
    await raised(today, async () => {
      expect((await order(NOW))[0]).toBe(`i:${last}`);
    });
    expect(await order(NOW)).toEqual(before);
    // Two days ago: kept, so it shows once the slot expires (10 minutes: the days closed lately).
    await raised(today - 2 * DAY, async () => {
      expect(await order(NOW)).toEqual(before);
      expect((await order(NOW + RECENT_TTL_MS))[0]).toBe(`i:${last}`);
    });
    expect(await order(NOW + 2 * RECENT_TTL_MS)).toEqual(before);
  });

  it('refused logons: per day and login in the table, accounts per hour in the chart', async () => {
    const q = { from: mskMidnight('2026-03-01'), to: NOW };
    const out = await run(a.actors.admin, q);
    const { rows, step, starts, per } = expectedRefused(q);
    expect(rows.length).toBeGreaterThan(0);
    expect(out.refusedTable!.total).toBe(rows.length);
    expect(refusedRows(out)).toEqual(rows.slice(0, 200));
    const r0 = out.refusedTable!.rows[0]!;
    expect(r0.client).toBe(clients.get(r0.installationId)!.client);

    expect(step).toBe(HOUR);
    expect(shape(out.refusedPerHour)).toEqual({
      total: per.length,
      series: per.map((e) => [`i:${e.id}`, e.values]),
    });

    // A refusal for another reason counts in the chart, not in the table: on the range's last day (from
    // the log, at once), on a day inside the range and on its first day, which the range covers from
    // midnight (Moscow): those two from the daily rows, kept as the store keeps them, and as closed
    // days kept per database too, so they show when the slot expires (10 minutes: days closed lately).
    const inside = Date.UTC(2026, 3, 2, 10, 7);
    const lastDay = Date.UTC(2026, 3, 2, 22, 30);
    const firstDay = Date.UTC(2026, 1, 28, 21, 20);
    const wrong = [inside, lastDay, firstDay].map((at) => ({
      at,
      login: 'wrong-pw',
      reason: 'Неверный пароль',
    }));
    const hours = [Date.UTC(2026, 3, 2, 22), Date.UTC(2026, 3, 2, 10), Date.UTC(2026, 1, 28, 21)];
    const before = out.refusedPerHour!.series.find((x) => x.installationId === a.i3.id)?.values;
    const i3Hours = (o: ForManagersOut) => {
      const i3 = o.refusedPerHour!.series.find((x) => x.installationId === a.i3.id)!;
      return hours.map((hour) => i3.values[starts.indexOf(hour)]! - (before?.[starts.indexOf(hour)] ?? 0));
    };
    await withRefusals(a.i3, 180, wrong, async () => {
      const panels: ForManagersPanel[] = ['refusedTable', 'refusedPerHour'];
      const again = await run(a.actors.admin, { ...q, panels });
      expect(again.refusedTable).toEqual(out.refusedTable);
      expect(i3Hours(again)).toEqual([1, 0, 0]);
      expect(again.clients).toBeUndefined();
      const later = await run(a.actors.admin, { ...q, panels }, NOW + RECENT_TTL_MS);
      expect(later.refusedTable).toEqual(out.refusedTable);
      expect(i3Hours(later)).toEqual([1, 1, 1]);
    });
  });

  it('refused logons over more than a month: the daily rows inside, the log at the ends, the same numbers', async () => {
    // Ends mid-day, in different local days for the +3 and +7 installations.
    const q = { from: Date.UTC(2026, 1, 3, 7, 13), to: Date.UTC(2026, 3, 2, 15, 41) };
    const { rows, step, per } = expectedRefused(q);
    expect(step).toBeGreaterThan(HOUR);
    expect(rows.length).toBeGreaterThan(30);
    // March is whole (counted from the monthly rows); the 30th row lies in it, so the table reads that
    // month by day to find where its 30 rows end.
    expect(rows[29]!.day.slice(0, 7)).toBe('2026-03');
    for (const n of [5, 30, 1000]) {
      const out = await run(a.actors.admin, { ...q, rows: n, panels: ['refusedTable', 'refusedPerHour'] });
      expect(out.refusedTable!.total).toBe(rows.length);
      expect(refusedRows(out)).toEqual(rows.slice(0, n));
      expect(shape(out.refusedPerHour)).toEqual({
        total: per.length,
        series: per.map((e) => [`i:${e.id}`, e.values]),
      });
    }
    // Whole Moscow days at both ends (from midnight to a day's last millisecond): the Moscow
    // installations read both end days from their daily rows, the +7 one from the log; the same numbers.
    const whole = { from: mskMidnight('2026-02-10'), to: mskMidnight('2026-03-20') - 1 };
    const w = expectedRefused(whole);
    expect(w.rows.length).toBeGreaterThan(0);
    const wholeOut = await run(a.actors.admin, {
      ...whole,
      rows: 1000,
      panels: ['refusedTable', 'refusedPerHour'],
    });
    expect(wholeOut.refusedTable!.total).toBe(w.rows.length);
    expect(refusedRows(wholeOut)).toEqual(w.rows);
    expect(shape(wholeOut.refusedPerHour)).toEqual({
      total: w.per.length,
      series: w.per.map((e) => [`i:${e.id}`, e.values]),
    });
    // The rows kept on the write path are the ones rebuilt from the log.
    const kept = await s.t.ctx.db
      .selectFrom('refused_logons_daily')
      .selectAll()
      .orderBy('installation_id')
      .orderBy('day')
      .orderBy('login')
      .execute();
    await rebuildRefusedDaily(s.t.ctx.db, s.t.ctx.dbKind);
    const rebuilt = await s.t.ctx.db
      .selectFrom('refused_logons_daily')
      .selectAll()
      .orderBy('installation_id')
      .orderBy('day')
      .orderBy('login')
      .execute();
    expect(kept.length).toBeGreaterThan(0);
    expect(rebuilt).toEqual(kept);
    // And the monthly sums kept beside them (migration 0017) are those of the daily rows.
    const monthly = () =>
      s.t.ctx.db
        .selectFrom('refused_logons_monthly')
        .selectAll()
        .orderBy('installation_id')
        .orderBy('month')
        .execute()
        .then((r) =>
          r.map((x) => ({ ...x, refusals: Number(x.refusals), licence_days: Number(x.licence_days) })),
        );
    const keptMonthly = await monthly();
    await rebuildRefusedMonthly(s.t.ctx.db);
    expect(keptMonthly.length).toBeGreaterThan(1);
    expect(keptMonthly.some((m) => m.licence_days > 0 && m.licence_days < m.refusals)).toBe(true);
    expect(await monthly()).toEqual(keptMonthly);
  });

  it('refused logons of a whole month are kept: hour by hour the same, a late one shows when the slot expires', async () => {
    // March whole for every offset, short enough for a bar per hour: the whole month's hours are kept.
    const q = { from: Date.UTC(2026, 1, 28, 12), to: Date.UTC(2026, 3, 1, 0) };
    const panels: ForManagersPanel[] = ['refusedTable', 'refusedPerHour'];
    const { rows, step, starts, per } = expectedRefused(q);
    expect(step).toBe(HOUR);
    expect(per.length).toBeGreaterThan(0);
    const answer = (o: ForManagersOut) => ({
      total: o.refusedTable!.total,
      rows: refusedRows(o),
      chart: shape(o.refusedPerHour),
    });
    const first = answer(await run(a.actors.admin, { ...q, rows: 1000, panels }));
    expect(first).toEqual({
      total: rows.length,
      rows,
      chart: { total: per.length, series: per.map((e) => [`i:${e.id}`, e.values]) },
    });

    // A report arriving late with a refusal in the kept month: the counts and the chart are the kept
    // ones until the slot expires (10 minutes for a month closed days ago), then it shows there too
    // (the table's rows are read by day, so it may appear among them at once).
    const late = [{ at: Date.UTC(2026, 2, 15, 9, 10), login: 'late-login', reason: null }];
    await withRefusals(a.i1, 180, late, async () => {
      const kept = answer(await run(a.actors.admin, { ...q, rows: 1000, panels }));
      expect({ total: kept.total, chart: kept.chart }).toEqual({ total: first.total, chart: first.chart });
      const later = answer(await run(a.actors.admin, { ...q, rows: 1000, panels }, NOW + RECENT_TTL_MS));
      expect(later.total).toBe(first.total + 1);
      expect(later.rows).toContainEqual({
        day: '2026-03-15',
        installationId: a.i1.id,
        login: 'late-login',
        count: 1,
      });
      const hour = starts.indexOf(Date.UTC(2026, 2, 15, 9));
      const values = (o: typeof first) => o.chart.series.find(([k]) => k === `i:${a.i1.id}`)?.[1] as number[];
      expect(values(later)[hour]).toBe((values(first)?.[hour] ?? 0) + 1);
    });
  });

  it('empty searches: the newest first, only empty ones, within the range', async () => {
    const q = { from: mskMidnight('2026-03-25'), to: NOW, rows: 30 };
    const out = await run(a.actors.admin, q);
    const all = aIds().flatMap((id) =>
      [...models.get(id)!.data.searches.values()]
        .filter((x) => x.status === 'empty' && x.at >= q.from && x.at <= q.to)
        .map((x) => ({ at: x.at, installationId: id, login: x.login, query: x.query })),
    );
    all.sort(
      (x, y) =>
        y.at - x.at || y.installationId - x.installationId || cmp(y.login, x.login) || cmp(y.query, x.query),
    );
    expect(all.length).toBeGreaterThan(30);
    const rows = out.emptySearches!.rows;
    expect(
      rows.map((r) => ({ at: r.at, installationId: r.installationId, login: r.login, query: r.query })),
    ).toEqual(all.slice(0, 30));
    expect(out.emptySearches!.more).toBe(true);
    const r0 = rows.find((r) => r.installationId === a.i1.id)!;
    expect(r0).toMatchObject({
      host: hosts.get(a.i1.id),
      client: clients.get(a.i1.id)!.client,
      managers: [a.m1.name],
    });
    expect(['intelligent', 'attribute']).toContain(r0.type);
    // All of them when the rows allow: exactly the range's empty searches.
    const every = await run(a.actors.admin, { ...q, rows: 1000, panels: ['emptySearches'] });
    expect(every.emptySearches!.rows).toHaveLength(all.length);
    expect(every.emptySearches!.more).toBe(false);
  });

  it("scopes: a manager sees only their clients; another dealer's installations are absent", async () => {
    const q = { from: mskMidnight('2026-03-01'), to: NOW };
    const keys = (o: ForManagersOut) =>
      new Set([
        ...(o.clients ?? []).map((r) => r.installationId),
        ...DAY_PANELS.flatMap((p) => o[p]!.series.map((x) => x.installationId!)),
        ...(['operupAge', 'maxLicences', 'cardsFilled', 'refusedPerHour'] as const).flatMap((p) =>
          o[p]!.series.map((x) => x.installationId!),
        ),
        ...o.refusedTable!.rows.map((r) => r.installationId),
        ...o.emptySearches!.rows.map((r) => r.installationId),
      ]);
    const mine = await run(a.actors.manager1, q);
    expect(keys(mine)).toEqual(new Set([a.i1.id]));
    checkDayPanels(mine, [a.i1.id], q);
    const ofB = await run(b.actors.admin, q);
    // The table lists every installation in scope, with or without reports; the panels those with data.
    expect(ofB.clients!.map((r) => r.installationId).sort()).toEqual([b.i1.id, b.i2.id, b.i3.id].sort());
    expect(ofB.clients!.find((r) => r.installationId === b.i2.id)).toMatchObject({
      activity: null,
      involvementPct: null,
      seats: null,
      reportAt: null,
    });
    expect(keys({ ...ofB, clients: [] })).toEqual(new Set([b.i1.id]));
    checkDayPanels(ofB, [b.i1.id], q);
    const named = await run(b.actors.admin, { ...q, installationId: [a.i1.id, a.i2.id] });
    expect(keys(named).size).toBe(0);
    expect(named.clients).toEqual([]);
    const other = await run(a.actors.manager1, { ...q, installationId: [a.i2.id] });
    expect(keys(other).size).toBe(0);
    const byClient = await run(a.actors.admin, { ...q, clientId: [a.c2.id] });
    expect(keys(byClient)).toEqual(new Set([a.i2.id]));
  });

  it('answers over HTTP with the same panels, only in scope, and names invalid fields', async () => {
    const q = { from: mskMidnight('2026-03-01'), to: NOW };
    const url = `/api/dashboards/for-managers?from=${q.from}&to=${q.to}`;
    s.t.clock.t = NOW;
    const admin = await loginAs(s.url, a.users.admin.login, TEST_PASSWORD);
    const r = await admin.get(url);
    expect(r.status).toBe(200);
    expect(body<ForManagersOut>(r)).toEqual(JSON.parse(JSON.stringify(await run(a.actors.admin, q))));
    const some = body<ForManagersOut>(await admin.get(`${url}&panels=clients,activity`));
    expect(Object.keys(some).sort()).toEqual(['activity', 'clients', 'from', 'to']);

    const manager = await loginAs(s.url, a.users.manager1.login, TEST_PASSWORD);
    const rm = body<ForManagersOut>(await manager.get(`${url}&installationId=${a.i2.id}`));
    expect(rm.clients).toEqual([]);
    const other = await loginAs(s.url, b.users.admin.login, TEST_PASSWORD);
    const rb = body<ForManagersOut>(await other.get(url));
    expect(rb.clients!.map((x) => x.installationId).sort()).toEqual([b.i1.id, b.i2.id, b.i3.id].sort());
    expect(rb.activity!.series.map((x) => x.installationId)).toEqual([b.i1.id]);

    for (const [bad, field] of [
      ['from=yesterday', 'querystring.from'],
      ['panels=clients,nonsense', 'querystring.panels'],
      ['rows=0', 'querystring.rows'],
      ['limit=0', 'querystring.limit'],
    ] as const) {
      const e = await admin.get(`/api/dashboards/for-managers?${bad}`);
      expect(e.status, bad).toBe(400);
      expect(body<{ message: string }>(e).message, bad).toContain(field);
    }
    const reversed = await admin.get(`/api/dashboards/for-managers?from=${NOW}&to=${NOW - DAY}`);
    expect(reversed.status).toBe(400);
    expect(body<{ message: string }>(reversed).message).toMatch(/querystring\.from: must be before to/);
    expect((await new Client(s.url).get(url)).status).toBe(401);
  });
});
