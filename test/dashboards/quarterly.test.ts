/**
 * «Квартальная аналитика» over data written by the real write paths: month-end sysinfo reports of
 * simulated ПК through the parser and the store (each carries the month's usage, search log and
 * refused logons), online readings through the poller's storeProfile, probe results through the
 * CheckRecorder, alert instances as the engine stores them. The fleet is built so that its clients
 * land in every class and move between 2026-Q3 and 2026-Q4 (the clock is in the middle of Q4); every
 * class, count, sum and change must equal what an oracle computes from the parsed reports, the
 * readings and the observations with the documented rules. Then scope, variables, HTTP and the cache.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertDef } from '../../src/alerts/catalogue.js';
import {
  QUARTERLY_NORMS,
  USAGE_CLASSES,
  type QuarterlyOut,
  type QuarterlyQuery,
  type UsageClass,
} from '../../src/dashboards/contract-quarterly.js';
import { quarterlyDashboard } from '../../src/dashboards/quarterly.js';
import type { Snapshot } from '../../src/ingest/parse/snapshot.js';
import { createClient, type Client } from '../../src/inventory/clients.js';
import type { Installation } from '../../src/inventory/installations.js';
import { createOnlineAccess, type OnlineAccess } from '../../src/inventory/online.js';
import type { CheckObservation } from '../../src/metrics/checks.js';
import { storeProfile } from '../../src/online/poller.js';
import type { OnlineProfile } from '../../src/online/types.js';
import { probeRecorder } from '../../src/probes/service.js';
import { generateSysinfoXmlString, makeProfile, type ClientProfile } from '../../src/sim/kodeks/index.js';
import { cliActor, type Actor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type TestServer } from '../http/harness.js';
import { ingestSysinfo } from './report-seed.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MSK = 180 * MIN;
const op = cliActor('test');

/** 2026-11-15 12:00 Moscow: 2026-Q4 is in progress, its 15th day of November. */
const NOW = Date.UTC(2026, 10, 15, 9);

/** The oracle's quarters: Moscow bounds for instants, local dates for days, UTC dates for the probes. */
interface Q {
  key: string;
  firstDay: string;
  nextFirstDay: string;
  months: string[];
}
const Q2: Q = {
  key: '2026-Q2',
  firstDay: '2026-04-01',
  nextFirstDay: '2026-07-01',
  months: ['2026-04', '2026-05', '2026-06'],
};
const Q3: Q = {
  key: '2026-Q3',
  firstDay: '2026-07-01',
  nextFirstDay: '2026-10-01',
  months: ['2026-07', '2026-08', '2026-09'],
};
const Q4: Q = {
  key: '2026-Q4',
  firstDay: '2026-10-01',
  nextFirstDay: '2027-01-01',
  months: ['2026-10', '2026-11', '2026-12'],
};
const startMsk = (q: Q) => Date.parse(`${q.firstDay}T00:00:00Z`) - MSK;
const endMsk = (q: Q) => Date.parse(`${q.nextFirstDay}T00:00:00Z`) - MSK;
const inQ = (q: Q, day: string) => day >= q.firstDay && day < q.nextFirstDay;
const localDay = (ms: number, off: number) => new Date(ms + off * MIN).toISOString().slice(0, 10);
const round1 = (v: number) => Math.round(v * 10) / 10;
const round2 = (v: number) => Math.round(v * 100) / 100;
/** A local wall-clock time of a zone as an instant. */
const localAt = (iso: string, off: number) => Date.parse(`${iso}Z`) - off * MIN;

const RANK = Object.fromEntries(USAGE_CLASSES.map((c, i) => [c, i])) as Record<UsageClass, number>;
const highest = (cs: UsageClass[]) => cs.reduce<UsageClass>((b, c) => (RANK[c] > RANK[b] ? c : b), 'noData');

interface InstPlan {
  inst: () => Installation;
  client: () => Client;
  /** The profile in force for reports in each quarter (none: no reports then). */
  byQuarter: Partial<Record<string, ClientProfile>>;
  snaps: Snapshot[];
}

interface AccessPlan {
  access: () => OnlineAccess;
  client: () => Client;
  /** Readings: [instant, month, documents limit, documents left, searches spent]. */
  readings: [number, string, number, number, number][];
}

describe.each(DB_KINDS)('Квартальная аналитика (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let tmp: string;
  let seq = 0;
  let c4: Client;
  let c5: Client;
  let c6: Client;
  let o4: OnlineAccess;
  let o5: OnlineAccess;
  const observations: CheckObservation[] = [];
  const incidents: {
    name: string;
    subject: 'installation' | 'online' | 'dealer';
    clientId: number | null;
    firedAt: number | null;
    dealerId: number;
  }[] = [];
  const onlineLog: { accessId: number; day: string; status: 'empty' | 'success' }[] = [];

  // Month ends (23:30 local) at which each ПК sends its report; each carries the month to date.
  const REPORT_DAYS: Record<string, string[]> = {
    '2026-Q3': ['2026-07-31', '2026-08-31', '2026-09-30'],
    '2026-Q4': ['2026-10-31', '2026-11-14'],
  };

  const P = (seed: number, users: number, seats: number, off: number) =>
    makeProfile({ seed, users, seats, utcOffsetMin: off, searchLogHours: 30 * 24, eventLogDays: 1 });

  const insts: InstPlan[] = [
    // c1 (Ivanov): nine users on ten seats, then three: normal → low. UTC+7, so local days matter.
    {
      inst: () => a.i1,
      client: () => a.c1,
      byQuarter: { '2026-Q3': P(7101, 9, 10, 420), '2026-Q4': P(7102, 3, 10, 420) },
      snaps: [],
    },
    // c2 (Petrov): twelve users on three seats (refused logons), then nobody: exhausting → unused.
    {
      inst: () => a.i2,
      client: () => a.c2,
      byQuarter: { '2026-Q3': P(7201, 12, 3, 180), '2026-Q4': P(7202, 0, 3, 180) },
      snaps: [],
    },
    // c3 (no manager): nothing in Q3, six users on fifty seats in Q4: no data → low.
    { inst: () => a.i3, client: () => a.c3, byQuarter: { '2026-Q4': P(7301, 6, 50, 180) }, snaps: [] },
  ];

  let accessPlans: AccessPlan[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-quarterly-'));
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'qa');
    b = await buildDealerWorld(ctx, 'qb');
    c4 = await createClient(ctx, op, {
      dealerId: a.dealer.id,
      unitId: a.branch1dept.id,
      shortName: 'deltaqa',
      managerIds: [a.m1.id],
    });
    c5 = await createClient(ctx, op, {
      dealerId: a.dealer.id,
      unitId: a.branch2.id,
      shortName: 'epsilonqa',
      managerIds: [a.m2.id],
    });
    c6 = await createClient(ctx, op, {
      dealerId: a.dealer.id,
      unitId: a.branch2.id,
      shortName: 'zetaqa',
      managerIds: [a.m2.id],
    });
    const access = (client: Client, login: string, manager: number, email: string) =>
      createOnlineAccess(ctx, op, {
        clientId: client.id,
        login,
        password: `pw-${login}`,
        host: 'nps2.cntd.ru',
        folder: login,
        managers: [{ managerId: manager, email }],
      });
    o4 = await access(c4, 'deltaonline', a.m1.id, 'ivanov@qa.example');
    o5 = await access(c5, 'epsilononline', a.m2.id, 'petrov@qa.example');

    // ---- sysinfo reports through the real ingest
    for (const plan of insts) {
      const off = Object.values(plan.byQuarter)[0]!.utcOffsetMin;
      await ctx.db
        .updateTable('installations')
        .set({ utc_offset_min: off })
        .where('id', '=', plan.inst().id)
        .execute();
    }
    for (const [qk, days] of Object.entries(REPORT_DAYS)) {
      for (const day of days) {
        for (const plan of insts) {
          const p = plan.byQuarter[qk];
          if (!p) continue;
          const at = localAt(`${day}T23:30:00`, p.utcOffsetMin);
          seq += 1;
          const { snap } = await ingestSysinfo(s.t, {
            dealerId: a.dealer.id,
            installationId: plan.inst().id,
            sourceName: p.shortName,
            xml: generateSysinfoXmlString(p, at),
            utcOffsetMin: p.utcOffsetMin,
            receivedAt: at + MIN,
            sha256: `sha-q-${kind}-${seq}`,
            dir: tmp,
            fileName: `r${seq}.xml`,
          });
          plan.snaps.push(snap);
        }
      }
    }
    // Dealer B's installation reports too (a leak would show in A's numbers).
    const pb = P(7401, 5, 2, 180);
    seq += 1;
    await ingestSysinfo(s.t, {
      dealerId: b.dealer.id,
      installationId: b.i1.id,
      sourceName: pb.shortName,
      xml: generateSysinfoXmlString(pb, localAt('2026-10-31T23:30:00', 180)),
      utcOffsetMin: 180,
      receivedAt: localAt('2026-10-31T23:31:00', 180),
      sha256: `sha-q-${kind}-${seq}`,
      dir: tmp,
      fileName: `r${seq}.xml`,
    });

    // ---- online readings through the poller's write path
    accessPlans = [
      {
        // c4 (Ivanov): 40 % of the documents a month, then 5 % and 2 % by mid-November: normal → low.
        access: () => o4,
        client: () => c4,
        readings: [
          [Date.UTC(2026, 6, 31, 17), '2026-07', 400, 240, 100],
          [Date.UTC(2026, 7, 31, 17), '2026-08', 400, 280, 50],
          [Date.UTC(2026, 8, 30, 17), '2026-09', 400, 200, 70],
          [Date.UTC(2026, 9, 31, 17), '2026-10', 400, 380, 20],
          [Date.UTC(2026, 10, 15, 8), '2026-11', 400, 392, 5],
        ],
      },
      {
        // c5 (Petrov): the documents ran out in August, then half and a third: exhausting → normal.
        access: () => o5,
        client: () => c5,
        readings: [
          [Date.UTC(2026, 6, 31, 17), '2026-07', 300, 150, 10],
          [Date.UTC(2026, 7, 20, 17), '2026-08', 300, 40, 10],
          [Date.UTC(2026, 7, 31, 17), '2026-08', 300, 0, 15],
          [Date.UTC(2026, 8, 30, 17), '2026-09', 300, 210, 0],
          [Date.UTC(2026, 9, 31, 17), '2026-10', 300, 150, 30],
          [Date.UTC(2026, 10, 15, 8), '2026-11', 300, 200, 30],
        ],
      },
    ];
    const prof = (month: string, limit: number, left: number, searches: number): OnlineProfile => ({
      month,
      docs: { limit, remaining: left, used: limit - left },
      search: { limit: 3000, remaining: 3000 - searches, used: searches },
      print: { limit: 3000, remaining: 3000, used: 0 },
      export: { limit: 3000, remaining: 3000, used: 0 },
    });
    for (const ap of accessPlans) {
      for (const [at, month, limit, left, searches] of ap.readings) {
        await storeProfile(
          ctx,
          { accessId: ap.access().id, dealerId: a.dealer.id, utcOffsetMin: 180 },
          prof(month, limit, left, searches),
          at,
        );
      }
    }
    await storeProfile(
      ctx,
      { accessId: b.o1.id, dealerId: b.dealer.id, utcOffsetMin: 180 },
      prof('2026-10', 400, 0, 1),
      Date.UTC(2026, 9, 31, 17),
    );

    // ---- the online search log, as the nightly read stores it
    const logRows: [number, string, 'empty' | 'success', number][] = [
      [o4.id, '2026-08-03', 'empty', 3],
      [o4.id, '2026-08-04', 'success', 2],
      [o4.id, '2026-09-30', 'empty', 1],
      [o4.id, '2026-10-01', 'empty', 1],
      [o5.id, '2026-11-10', 'empty', 2],
      [b.o1.id, '2026-11-10', 'empty', 7],
    ];
    for (const [accessId, day, status, n] of logRows) {
      for (let k = 0; k < n; k++) {
        await ctx.db
          .insertInto('online_search_log')
          .values({
            online_access_id: accessId,
            dealer_id: accessId === b.o1.id ? b.dealer.id : a.dealer.id,
            day,
            at: Date.parse(`${day}T10:00:00Z`) + k * MIN,
            user_name: 'user',
            query: `query ${k}`,
            type: 'intelligent',
            status,
          })
          .execute();
        if (accessId !== b.o1.id) onlineLog.push({ accessId, day, status });
      }
    }

    // ---- probes through the CheckRecorder
    const inst = (w: DealerWorld, id: number) => ({
      kind: 'installation' as const,
      id,
      dealerId: w.dealer.id,
    });
    const onl = (w: DealerWorld, id: number) => ({ kind: 'online' as const, id, dealerId: w.dealer.id });
    const push = (o: CheckObservation) => observations.push(o);
    for (let h = 0; h < 24; h++) {
      const at = Date.UTC(2026, 7, 10, h);
      push({ subject: inst(a, a.i2.id), check: 'http200', outcome: h < 6 ? 'failed' : 'ok', at });
      push({ subject: inst(a, a.i2.id), check: 'tcp', outcome: 'failed', at }); // not the downtime check
      push({ subject: inst(b, b.i2.id), check: 'http200', outcome: 'failed', at });
      push({
        subject: onl(a, o5.id),
        check: 'login',
        outcome: h === 3 ? 'failed' : 'ok',
        at: Date.UTC(2026, 8, 5, h),
      });
    }
    for (let h = 0; h < 12; h++) {
      const outcome: CheckObservation['outcome'] =
        h < 3 ? 'failed' : h === 3 ? 'suppressed' : h === 4 ? 'unknown' : 'ok';
      push({ subject: inst(a, a.i2.id), check: 'http200', outcome, at: Date.UTC(2026, 10, 3, h) });
    }
    // Today (UTC), up to now: 9 hours elapsed.
    for (let h = 0; h < 9; h++) {
      push({
        subject: inst(a, a.i2.id),
        check: 'http200',
        outcome: h < 2 ? 'failed' : 'ok',
        at: Date.UTC(2026, 10, 15, h),
      });
      push({
        subject: onl(a, o4.id),
        check: 'login',
        outcome: h === 8 ? 'failed' : 'ok',
        at: Date.UTC(2026, 10, 15, h),
      });
    }
    const rec = probeRecorder(ctx);
    rec.add(observations);
    await rec.flush();

    // ---- alert instances, as the engine stores them
    const alert = async (
      w: DealerWorld,
      name: string,
      subject: ['installation' | 'online' | 'dealer', number],
      clientId: number | null,
      firedAt: number | null,
    ) => {
      seq += 1;
      const pendingAt = firedAt ?? Date.UTC(2026, 10, 14);
      await ctx.db
        .insertInto('alert_instances')
        .values({
          dealer_id: w.dealer.id,
          name,
          fingerprint: `${subject[0]}:${subject[1]}:${seq}`,
          subject_kind: subject[0],
          subject_id: subject[1],
          client_id: clientId,
          unit_id: null,
          labels: JSON.stringify({ alertname: name }),
          text: name,
          value: null,
          filename: null,
          state: firedAt === null ? 'pending' : 'resolved',
          active_since: pendingAt,
          pending_at: pendingAt,
          fired_at: firedAt,
          resolved_at: firedAt === null ? null : firedAt + HOUR,
          clear_since: null,
          last_eval_at: firedAt ?? pendingAt,
          inhibited_by: null,
          acked_at: null,
          acked_by: null,
        })
        .execute();
      if (w === a) incidents.push({ name, subject: subject[0], clientId, firedAt, dealerId: w.dealer.id });
    };
    await alert(a, 'KodeksTcpStatus', ['installation', a.i2.id], a.c2.id, Date.UTC(2026, 7, 10, 0, 5));
    await alert(a, 'KodeksHttp200Status', ['installation', a.i2.id], a.c2.id, Date.UTC(2026, 7, 10, 0, 7));
    await alert(a, 'KodeksXmlSensLockStatus', ['installation', a.i1.id], a.c1.id, Date.UTC(2026, 10, 2, 6));
    await alert(a, 'OnlineLoginFailed', ['online', o5.id], c5.id, Date.UTC(2026, 8, 5, 3)); // not K1/K2
    await alert(a, 'KodeksDBerrorsCodeXXX', ['installation', a.i3.id], a.c3.id, Date.UTC(2026, 10, 5)); // K3
    await alert(a, 'KodeksTcpStatusCount', ['dealer', a.dealer.id], null, Date.UTC(2026, 10, 6)); // dealer-level
    await alert(a, 'KodeksTcpStatus', ['installation', a.i1.id], a.c1.id, null); // pending, never fired
    // The quarter boundary is Moscow's: 22:00 on 30 September is Q3, 00:30 on 1 October is Q4.
    await alert(a, 'KodeksTcpStatus', ['installation', a.i1.id], a.c1.id, Date.UTC(2026, 8, 30, 19));
    await alert(a, 'KodeksTcpStatus', ['installation', a.i1.id], a.c1.id, Date.UTC(2026, 8, 30, 21, 30));
    await alert(a, 'KodeksAuthNotWork', ['installation', a.i3.id], a.c3.id, Date.UTC(2026, 5, 10)); // Q2
    await alert(b, 'KodeksTcpStatus', ['installation', b.i2.id], b.c2.id, Date.UTC(2026, 10, 2));
    s.t.clock.t = NOW;
  }, 600_000);
  afterAll(async () => {
    await s?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  // ------------------------------------------------------------------ the oracle

  interface Figures {
    class: UsageClass;
    activityPerMonth: number | null;
    involvementPct: number | null;
    docsUsedPct: number | null;
    daysAtLicenceLimit: number;
    refusedLogons: number;
    docsExhaustedMonths: number;
    emptySearches: number;
    incidents: number;
    downtimeHours: number;
  }

  /** An installation's quarter from its parsed reports: null when it did not report then. */
  const instQuarter = (plan: InstPlan, q: Q) => {
    const off = plan.snaps[0]?.utcOffsetMin ?? 180;
    const usage = new Map<string, Map<string, Snapshot['usage'][number]>>();
    const searches = new Map<string, { day: string; status: string }>();
    const refused = new Set<string>();
    const reportDays = new Set<string>();
    const fullMskDays = new Set<string>();
    for (const snap of plan.snaps) {
      reportDays.add(localDay(snap.producedAt!, off));
      const l = snap.licensing;
      if (l.seats !== null && l.inUse !== null && l.seats - l.inUse <= 0)
        fullMskDays.add(localDay(snap.producedAt!, 180));
      for (const u of snap.usage) {
        const m = usage.get(u.day) ?? new Map();
        m.set(u.login, u);
        usage.set(u.day, m);
      }
      for (const x of snap.searches) {
        const k = `${x.at}|${x.login}|${x.query}`;
        if (!searches.has(k)) searches.set(k, { day: localDay(x.at, off), status: x.status });
      }
      for (const r of snap.refusedLogons)
        if (r.at >= startMsk(q) && r.at < endMsk(q)) refused.add(`${r.login}|${r.at}`);
    }
    const days = new Set<string>();
    for (const d of reportDays) if (inQ(q, d)) days.add(d);
    for (const d of usage.keys()) if (inQ(q, d)) days.add(d);
    for (const x of searches.values()) if (inQ(q, x.day)) days.add(x.day);
    if (days.size === 0) return null;
    const first = [...days].sort()[0]!;
    let docs = 0;
    let db = 0;
    let peak = 0;
    for (const [day, m] of usage) {
      if (!inQ(q, day)) continue;
      const list = [...m.values()];
      docs += list.reduce((acc, u) => acc + u.docsCounted, 0);
      db += list.reduce((acc, u) => acc + u.dbRequests, 0);
      peak = Math.max(peak, list.filter((u) => u.dbRequests > 0).length);
    }
    const qs = [...searches.values()].filter((x) => inQ(q, x.day));
    const activity = docs + qs.length;
    const seats = plan.snaps.at(-1)!.licensing.seats!;
    // Days from the first with data to the quarter's end or the end of today (Moscow).
    const end = Math.min(
      Date.parse(`${q.nextFirstDay}T00:00:00Z`),
      Date.parse(`${localDay(NOW, 180)}T00:00:00Z`) + DAY,
    );
    const covered = Math.round((end - Date.parse(`${first}T00:00:00Z`)) / DAY);
    const activityPerMonth = (activity / covered) * (365.25 / 12);
    const involvement = (peak / seats) * 100;
    const atLimit = [...fullMskDays].filter((d) => inQ(q, d)).length;
    let cls: UsageClass;
    if (atLimit > 0 || refused.size > 0) cls = 'exhausting';
    else if (db + activity === 0) cls = 'unused';
    else if (
      activityPerMonth < QUARTERLY_NORMS.activityPerMonth ||
      involvement < QUARTERLY_NORMS.involvementPct
    )
      cls = 'low';
    else cls = 'normal';
    return {
      cls,
      activityPerMonth,
      involvement,
      atLimit,
      refused: refused.size,
      empty: qs.filter((x) => x.status === 'empty').length,
    };
  };

  /** An online access's quarter from its readings: the last reading of each month counts. */
  const accessQuarter = (ap: AccessPlan, q: Q) => {
    const last = new Map<string, [number, number, number]>();
    for (const [, month, limit, left, searches] of ap.readings)
      if (q.months.includes(month)) last.set(month, [limit, left, searches]);
    if (last.size === 0) return null;
    let used = 0;
    let pct = 0;
    let weights = 0;
    let exhausted = 0;
    for (const [month, [limit, left, searches]] of last) {
      used += limit - left + searches;
      pct += ((limit - left) / limit) * 100;
      // November is half over at NOW (15 of 30 days).
      weights += month === '2026-11' ? 15 / 30 : 1;
      if (left === 0) exhausted += 1;
    }
    const docsPct = pct / weights;
    const cls: UsageClass =
      exhausted > 0
        ? 'exhausting'
        : used === 0
          ? 'unused'
          : docsPct < QUARTERLY_NORMS.docsUsedPct
            ? 'low'
            : 'normal';
    return { cls, docsPct, exhausted };
  };

  /** Downtime hours of a subject's check in the quarter, from the observations (UTC days). */
  const downtime = (kindOf: string, id: number, check: string, q: Q) => {
    const byDay = new Map<string, { ok: number; total: number }>();
    for (const o of observations) {
      if (o.subject.kind !== kindOf || o.subject.id !== id || o.check !== check || o.outcome === 'unknown')
        continue;
      const day = new Date(o.at).toISOString().slice(0, 10);
      const c = byDay.get(day) ?? { ok: 0, total: 0 };
      c.total += 1;
      if (o.outcome === 'ok') c.ok += 1;
      byDay.set(day, c);
    }
    let hours = 0;
    const today = new Date(NOW).toISOString().slice(0, 10);
    for (const [day, c] of byDay) {
      if (!inQ(q, day)) continue;
      const span = day === today ? (NOW - Date.parse(`${today}T00:00:00Z`)) / HOUR : 24;
      hours += ((c.total - c.ok) / c.total) * span;
    }
    return hours;
  };

  const clientsOfA = () => [a.c1, a.c2, a.c3, c4, c5, c6];

  const oracle = (client: Client, q: Q): Figures => {
    const classes: UsageClass[] = [];
    const acts: number[] = [];
    const invs: number[] = [];
    const pcts: number[] = [];
    let atLimit = 0;
    let refused = 0;
    let exhausted = 0;
    let empty = 0;
    let down = 0;
    for (const plan of insts.filter((p) => p.client().id === client.id)) {
      const f = instQuarter(plan, q);
      if (f) {
        classes.push(f.cls);
        acts.push(f.activityPerMonth);
        invs.push(f.involvement);
        atLimit += f.atLimit;
        refused += f.refused;
        empty += f.empty;
      }
      down += downtime('installation', plan.inst().id, 'http200', q);
    }
    for (const ap of accessPlans.filter((p) => p.client().id === client.id)) {
      const f = accessQuarter(ap, q);
      if (f) {
        classes.push(f.cls);
        pcts.push(f.docsPct);
        exhausted += f.exhausted;
      }
      empty += onlineLog.filter(
        (r) => r.accessId === ap.access().id && r.status === 'empty' && inQ(q, r.day),
      ).length;
      down += downtime('online', ap.access().id, 'login', q);
    }
    const n = incidents.filter((x) => {
      const p = alertDef(x.name)!.priority;
      return (
        x.clientId === client.id &&
        x.subject !== 'dealer' &&
        (p === 'K1' || p === 'K2') &&
        x.firedAt !== null &&
        x.firedAt >= startMsk(q) &&
        x.firedAt < endMsk(q)
      );
    }).length;
    return {
      class: highest(classes),
      activityPerMonth: acts.length ? round1(acts.reduce((x, y) => x + y, 0)) : null,
      involvementPct: invs.length ? round1(Math.max(...invs)) : null,
      docsUsedPct: pcts.length ? round1(Math.max(...pcts)) : null,
      daysAtLicenceLimit: atLimit,
      refusedLogons: refused,
      docsExhaustedMonths: exhausted,
      emptySearches: empty,
      incidents: n,
      downtimeHours: round2(down),
    };
  };

  const change = (value: number, prev: number, prevHasData: boolean) =>
    !prevHasData
      ? { value, prev: null, delta: null, pct: null }
      : {
          value,
          prev,
          delta: round2(value - prev),
          pct: prev === 0 ? null : round1(((value - prev) / prev) * 100),
        };

  const portfolioOracle = (clients: Client[], q: Q, prev: Q) => {
    const cur = clients.map((c) => oracle(c, q));
    const before = clients.map((c) => oracle(c, prev));
    const prevHasData = before.some((f) => f.class !== 'noData');
    const count = (fs: Figures[], c: UsageClass) => fs.filter((f) => f.class === c).length;
    const sum = (fs: Figures[], k: 'emptySearches' | 'incidents' | 'downtimeHours') =>
      round2(fs.reduce((x, f) => x + f[k], 0));
    return {
      quarter: q.key,
      clients: clients.length,
      withData: cur.filter((f) => f.class !== 'noData').length,
      classes: Object.fromEntries(
        USAGE_CLASSES.map((c) => [c, change(count(cur, c), count(before, c), prevHasData)]),
      ),
      emptySearches: change(sum(cur, 'emptySearches'), sum(before, 'emptySearches'), prevHasData),
      incidents: change(sum(cur, 'incidents'), sum(before, 'incidents'), prevHasData),
      downtimeHours: change(sum(cur, 'downtimeHours'), sum(before, 'downtimeHours'), prevHasData),
    };
  };

  const run = (actor: Actor, q: Partial<QuarterlyQuery> = {}) =>
    quarterlyDashboard(s.t.ctx, actor, { quarters: 2, ...q } as QuarterlyQuery, NOW);

  // ------------------------------------------------------------------ tests

  it('the fleet lands in every class and moves between the quarters, as built', () => {
    const classes = (q: Q) => Object.fromEntries(clientsOfA().map((c) => [c.shortName, oracle(c, q).class]));
    expect(classes(Q3)).toEqual({
      alphaqa: 'normal',
      betaqa: 'exhausting',
      gammaqa: 'noData',
      deltaqa: 'normal',
      epsilonqa: 'exhausting',
      zetaqa: 'noData',
    });
    expect(classes(Q4)).toEqual({
      alphaqa: 'low',
      betaqa: 'unused',
      gammaqa: 'low',
      deltaqa: 'low',
      epsilonqa: 'normal',
      zetaqa: 'noData',
    });
    // The figures behind them are not trivially zero.
    expect(oracle(a.c1, Q3).activityPerMonth!).toBeGreaterThan(QUARTERLY_NORMS.activityPerMonth);
    expect(oracle(a.c2, Q3).refusedLogons).toBeGreaterThan(0);
    expect(oracle(a.c2, Q4).emptySearches + oracle(a.c1, Q3).emptySearches).toBeGreaterThan(0);
  });

  it('quarters: the current one and the one before, partial and elapsed days', async () => {
    const out = await run(a.actors.admin);
    expect(out.quarters).toEqual([
      { key: '2026-Q3', from: startMsk(Q3), to: endMsk(Q3), partial: false, elapsedDays: 92, days: 92 },
      { key: '2026-Q4', from: startMsk(Q4), to: endMsk(Q4), partial: true, elapsedDays: 46, days: 92 },
    ]);
    expect(out.quarter).toBe('2026-Q4');
    expect(out.norms).toEqual(QUARTERLY_NORMS);
    const four = await run(a.actors.admin, { quarters: undefined });
    expect(four.quarters.map((x) => x.key)).toEqual(['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4']);
    // A quarter given by `to` ends the list.
    const earlier = await run(a.actors.admin, { to: Date.UTC(2026, 7, 1) });
    expect(earlier.quarters.map((x) => x.key)).toEqual(['2026-Q2', '2026-Q3']);
    expect(earlier.quarters.every((x) => x.key !== '2026-Q3' || x.partial === false)).toBe(true);
    // Across the new year, and by the Moscow calendar: 00:30 on 1 January in Moscow is already Q1.
    const wrap = await run(a.actors.admin, { quarters: 3, to: Date.UTC(2025, 11, 31, 21, 30) });
    expect(wrap.quarters.map((x) => [x.key, x.from])).toEqual([
      ['2025-Q3', Date.UTC(2025, 6, 1) - MSK],
      ['2025-Q4', Date.UTC(2025, 9, 1) - MSK],
      ['2026-Q1', Date.UTC(2026, 0, 1) - MSK],
    ]);
    const lastDayOfYear = await run(a.actors.admin, { quarters: 1, to: Date.UTC(2025, 11, 31, 20, 30) });
    expect(lastDayOfYear.quarters.map((x) => x.key)).toEqual(['2025-Q4']);
  });

  it('all clients: class counts, empty searches, incidents and downtime with the change against the quarter before', async () => {
    const out = await run(a.actors.admin);
    const all = clientsOfA();
    expect(out.total).toEqual([portfolioOracle(all, Q3, Q2), portfolioOracle(all, Q4, Q3)]);
    // Q2 had no data at all: no change for Q3; Q4 against Q3 is computed.
    expect(out.total[0]!.classes.normal.delta).toBeNull();
    expect(out.total[1]!.classes.low).toMatchObject({ value: 3, prev: 0, delta: 3, pct: null });
    expect(out.total[1]!.classes.normal).toMatchObject({ value: 1, prev: 2, delta: -1, pct: -50 });
    expect(out.total[1]!.incidents.value).toBeGreaterThan(0);
    expect(out.total[0]!.downtimeHours.value).toBeGreaterThan(0);
  });

  it('per manager: each manager’s clients, the clients without one last', async () => {
    const out = await run(a.actors.admin);
    expect(out.managers.map((m) => [m.managerId, m.manager, m.unitId])).toEqual([
      [a.m1.id, 'Ivanov qa', a.branch1dept.id],
      [a.m2.id, 'Petrov qa', a.branch2.id],
      [null, '', null],
    ]);
    const portfolios = [[a.c1, c4], [a.c2, c5, c6], [a.c3]];
    out.managers.forEach((m, i) => {
      expect(m.quarters).toEqual([
        portfolioOracle(portfolios[i]!, Q3, Q2),
        portfolioOracle(portfolios[i]!, Q4, Q3),
      ]);
    });
  });

  it('the clients of the selected quarter: class then and before, and their figures', async () => {
    const expectList = (out: QuarterlyOut, q: Q, prev: Q) => {
      const rows = clientsOfA()
        .map((c) => {
          const f = oracle(c, q);
          return {
            clientId: c.id,
            client: c.shortName,
            managers:
              c.id === a.c3.id ? [] : [c.id === a.c1.id || c.id === c4.id ? 'Ivanov qa' : 'Petrov qa'],
            ...f,
            prevClass: oracle(c, prev).class,
            installations: insts.filter((p) => p.client().id === c.id).length,
            onlineAccesses: [a.o1, a.o2, o4, o5].filter((o) => o.clientId === c.id).length,
          };
        })
        .sort((x, y) => RANK[x.class] - RANK[y.class] || x.client.localeCompare(y.client));
      expect(out.clients).toEqual(
        rows.map((r) => ({
          clientId: r.clientId,
          client: r.client,
          managers: r.managers,
          class: r.class,
          prevClass: r.prevClass,
          installations: r.installations,
          onlineAccesses: r.onlineAccesses,
          activityPerMonth: r.activityPerMonth,
          involvementPct: r.involvementPct,
          docsUsedPct: r.docsUsedPct,
          daysAtLicenceLimit: r.daysAtLicenceLimit,
          refusedLogons: r.refusedLogons,
          docsExhaustedMonths: r.docsExhaustedMonths,
          emptySearches: r.emptySearches,
          incidents: r.incidents,
          downtimeHours: r.downtimeHours,
        })),
      );
    };
    expectList(await run(a.actors.admin), Q4, Q3);
    const q3 = await run(a.actors.admin, { quarter: '2026-Q3' });
    expect(q3.quarter).toBe('2026-Q3');
    expectList(q3, Q3, Q2);
    // Who moved from normal to low: the head's question.
    const moved = (await run(a.actors.admin)).clients.filter(
      (c) => c.prevClass === 'normal' && c.class === 'low',
    );
    expect(moved.map((c) => c.client).sort()).toEqual(['alphaqa', 'deltaqa']);
  });

  it('scope: a manager sees his clients and his row only; a branch viewer his branch', async () => {
    const m1 = await run(a.actors.manager1);
    expect(m1.clients.map((c) => c.client).sort()).toEqual(['alphaqa', 'deltaqa']);
    expect(m1.managers.map((m) => m.managerId)).toEqual([a.m1.id]);
    expect(m1.total).toEqual([portfolioOracle([a.c1, c4], Q3, Q2), portfolioOracle([a.c1, c4], Q4, Q3)]);
    expect(JSON.stringify(m1)).not.toContain('Petrov');
    const v2 = await run(a.actors.viewer2);
    expect(v2.clients.map((c) => c.client).sort()).toEqual(['betaqa', 'epsilonqa', 'zetaqa']);
    expect(v2.total[1]).toEqual(portfolioOracle([a.c2, c5, c6], Q4, Q3));
    // Variables narrow within the scope.
    const byManager = await run(a.actors.admin, { managerId: [a.m2.id] });
    expect(byManager.managers.map((m) => m.managerId)).toEqual([a.m2.id]);
    expect(byManager.clients.map((c) => c.client).sort()).toEqual(['betaqa', 'epsilonqa', 'zetaqa']);
    const byUnit = await run(a.actors.admin, { unitId: [a.branch1.id] });
    expect(byUnit.clients.map((c) => c.client).sort()).toEqual(['alphaqa', 'deltaqa']);
    const byClient = await run(a.actors.admin, { clientId: [c5.id] });
    expect(byClient.total[1]).toEqual(portfolioOracle([c5], Q4, Q3));
    // The manager variable cannot widen a manager's scope.
    const wider = await run(a.actors.manager1, { managerId: [a.m2.id] });
    expect(wider.clients).toEqual([]);
  });

  it('cross-tenant: another dealer sees none of these clients, ids or numbers', async () => {
    const other = await run(b.actors.admin);
    expect(other.clients.map((c) => c.client).sort()).toEqual(['alphaqb', 'betaqb', 'gammaqb']);
    for (const mark of ['alphaqa', 'deltaqa', 'Ivanov qa', 'Petrov qa'])
      expect(JSON.stringify(other)).not.toContain(mark);
    // B's own data counts for B: its installation reported in Q4, its access ran out of documents.
    const bq4 = other.clients.find((c) => c.client === 'alphaqb')!;
    expect(bq4.class).toBe('exhausting');
    expect(other.total[1]!.incidents.value).toBe(1);
    // A's ids through B's variables match nothing.
    const probe = await run(b.actors.admin, { clientId: [a.c1.id, c4.id], managerId: [a.m1.id] });
    expect(probe.clients).toEqual([]);
    expect(probe.managers).toEqual([]);
    expect(probe.total.every((t) => t.clients === 0)).toBe(true);
  });

  it('over HTTP: the same answer, scoped; bad input is a 400 naming the field', async () => {
    const admin = await loginAs(s.url, 'admin.qa', TEST_PASSWORD);
    const r = await admin.get(
      `/api/dashboards/quarterly?quarters=2&quarter=2026-Q3&managerId=${a.m1.id},${a.m2.id}`,
    );
    expect(r.status).toBe(200);
    expect(body<QuarterlyOut>(r)).toEqual(
      await run(a.actors.admin, { quarters: 2, quarter: '2026-Q3', managerId: [a.m1.id, a.m2.id] }),
    );
    const byDefault = body<QuarterlyOut>(await admin.get('/api/dashboards/quarterly'));
    expect(byDefault.quarters.map((x) => x.key)).toEqual(['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4']);
    const other = await loginAs(s.url, 'manager1.qb', TEST_PASSWORD);
    const rb = await other.get('/api/dashboards/quarterly');
    expect(rb.status).toBe(200);
    expect(rb.text).not.toContain('alphaqa');
    for (const [query, field] of [
      ['quarters=9', 'querystring.quarters'],
      ['quarters=0', 'querystring.quarters'],
      ['quarter=2026-Q5', 'querystring.quarter'],
      ['quarter=2024-Q1', 'quarter'],
      ['to=yesterday', 'querystring.to'],
      ['managerId=m1', 'querystring.managerId'],
    ] as const) {
      const bad = await admin.get(`/api/dashboards/quarterly?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.text, query).toContain(field);
    }
    const anon = await fetch(`${s.url}/api/dashboards/quarterly`);
    expect(anon.status).toBe(401);
  });

  it('figures are kept a few minutes: a new incident shows once they expire', async () => {
    const before = await run(a.actors.admin);
    await s.t.ctx.db
      .insertInto('alert_instances')
      .values({
        dealer_id: a.dealer.id,
        name: 'KodeksTcpStatus',
        fingerprint: 'late',
        subject_kind: 'installation',
        subject_id: a.i2.id,
        client_id: a.c2.id,
        unit_id: null,
        labels: '{}',
        text: '',
        value: null,
        filename: null,
        state: 'firing',
        active_since: NOW - HOUR,
        pending_at: NOW - HOUR,
        fired_at: NOW - HOUR,
        resolved_at: null,
        clear_since: null,
        last_eval_at: NOW,
        inhibited_by: null,
        acked_at: null,
        acked_by: null,
      })
      .execute();
    const cached = await run(a.actors.admin);
    expect(cached.total[1]!.incidents.value).toBe(before.total[1]!.incidents.value);
    const later = await quarterlyDashboard(s.t.ctx, a.actors.admin, { quarters: 2 }, NOW + 6 * MIN);
    expect(later.total[1]!.incidents.value).toBe(before.total[1]!.incidents.value + 1);
  });
});
