import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  availabilityGrid,
  onlineAvailabilityDashboard,
  serverAvailability,
} from '../../src/dashboards/availability.js';
import type { AvailabilityOnlineOut, AvailabilityOut, RangeQuery } from '../../src/dashboards/contract.js';
import { createInstallation, type Installation } from '../../src/inventory/installations.js';
import { createOnlineAccess, type OnlineAccess } from '../../src/inventory/online.js';
import type { CheckObservation } from '../../src/metrics/checks.js';
import { probeRecorder } from '../../src/probes/service.js';
import { cliActor, type Actor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type TestServer } from '../http/harness.js';

/**
 * «Доступность серверов» and «… Онлайн» from real CheckRecorder counts: a known pattern of failed
 * days, the exact trailing-30-day percentages at the window's edges, the variables (and which panel
 * each applies to), and scope: another dealer, a manager, a branch viewer.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const op = cliActor('test');

/** Percent of ok over the days (d-29 … d), two decimals; the reference the prefix sums must equal. */
function reference(days: Map<number, { ok: number; total: number }>, d: number): number | null {
  let ok = 0;
  let total = 0;
  for (let k = d - 29; k <= d; k++) {
    const v = days.get(k);
    if (v) {
      ok += v.ok;
      total += v.total;
    }
  }
  return total === 0 ? null : Math.round((ok / total) * 10000) / 100;
}

describe.each(DB_KINDS)('availability dashboards (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  /** A polled installation of c1 (m1's client, branch 1), probed only the last three days. */
  let q: Installation;
  let o3: OnlineAccess;
  let now: number;
  let today: number;
  /** Day index d (0 … 39) → start of that UTC day; day 39 is today. */
  const dayStart = (d: number) => today - (39 - d) * DAY;
  /** The pattern of a.i2's interface: per day index, ok and counted total. */
  const http = new Map<number, { ok: number; total: number }>();
  const tcp = new Map<number, { ok: number; total: number }>();

  beforeAll(async () => {
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'av');
    b = await buildDealerWorld(ctx, 'bv');
    now = ctx.clock.now(); // 2026-11-01 09:00 UTC
    today = Math.floor(now / DAY) * DAY;
    q = await createInstallation(ctx, op, {
      clientId: a.c1.id,
      kind: 'polled',
      address: 'q-alpha.te-cloud.ru',
      managers: [{ managerId: a.m1.id, email: 'ivanov@av.example' }],
    });
    o3 = await createOnlineAccess(ctx, op, {
      clientId: a.c1.id,
      login: 'third',
      password: 'pw-third',
      host: 'lab4.kodeks.ru',
      folder: 'kodeks03',
    });

    const rec = probeRecorder(ctx);
    const inst = (w: DealerWorld, id: number) => ({
      kind: 'installation' as const,
      id,
      dealerId: w.dealer.id,
    });
    const onl = (w: DealerWorld, id: number) => ({ kind: 'online' as const, id, dealerId: w.dealer.id });
    for (let d = 0; d < 40; d++) {
      const obs: CheckObservation[] = [];
      // a.i2: ten probes a day. Interface: 5 fail on day 5, 3 on day 35; on day 36 two in maintenance
      // (unavailable) and one not judged (not counted). Port: the whole of day 38 fails.
      let hOk = 0;
      let hTotal = 0;
      let tOk = 0;
      for (let i = 0; i < 10; i++) {
        const at = dayStart(d) + i * HOUR;
        let outcome: CheckObservation['outcome'] = 'ok';
        if ((d === 5 && i < 5) || (d === 35 && i < 3)) outcome = 'failed';
        if (d === 36 && i < 2) outcome = 'suppressed';
        if (d === 36 && i === 2) outcome = 'unknown';
        if (outcome !== 'unknown') hTotal += 1;
        if (outcome === 'ok') hOk += 1;
        const tcpOutcome = d === 38 ? 'failed' : 'ok';
        if (tcpOutcome === 'ok') tOk += 1;
        obs.push({ subject: inst(a, a.i2.id), check: 'http200', outcome, at });
        obs.push({ subject: inst(a, a.i2.id), check: 'tcp', outcome: tcpOutcome, at });
        // Dealer B's installation: always failing, so a leak would show.
        obs.push({ subject: inst(b, b.i2.id), check: 'http200', outcome: 'failed', at });
        // q: only the last three days, always up (interface only).
        if (d >= 37) obs.push({ subject: inst(a, q.id), check: 'http200', outcome: 'ok', at });
      }
      http.set(d, { ok: hOk, total: hTotal });
      tcp.set(d, { ok: tOk, total: 10 });
      // Online accesses: hourly reads on days 37 … 39 (today up to 09:00).
      if (d >= 37) {
        const hours = d === 39 ? 10 : 24;
        for (let h = 0; h < hours; h++) {
          const at = dayStart(d) + h * HOUR;
          obs.push({ subject: onl(a, a.o1.id), check: 'login', outcome: 'ok', at });
          obs.push({
            subject: onl(a, a.o2.id),
            check: 'login',
            outcome: d === 38 && h < 4 ? 'failed' : 'ok',
            at,
          });
          obs.push({ subject: onl(a, o3.id), check: 'login', outcome: d === 39 ? 'failed' : 'ok', at });
          obs.push({ subject: onl(b, b.o1.id), check: 'login', outcome: 'failed', at });
        }
      }
      rec.add(obs);
      await rec.flush();
    }
  });
  afterAll(async () => {
    await s?.close();
  });

  const last10 = { from: () => today - 9 * DAY, to: () => now };

  it('each point is the trailing 30 days of the interface and the port, exact at the edges', async () => {
    const out = await serverAvailability(
      s.t.ctx,
      op,
      { from: last10.from(), to: last10.to(), dealerId: a.dealer.id },
      now,
    );
    expect(out.interface.step).toBe(DAY);
    expect(out.interface.timestamps).toEqual(Array.from({ length: 10 }, (_, k) => dayStart(30 + k)));
    const i2 = out.interface.series.find((x) => x.key === `i:${a.i2.id}`)!;
    expect(i2).toMatchObject({
      label: 'av-beta.te-cloud.ru',
      installationId: a.i2.id,
      clientId: a.c2.id,
    });
    // Days 30 … 34 still hold day 5 (5 failed of 300); day 35 drops it and adds 3 failed; day 36 adds two
    // maintenance probes and one not counted.
    expect(i2.values).toEqual([98.33, 98.33, 98.33, 98.33, 98.33, 99, 98.33, 98.33, 98.33, 98.33]);
    expect(i2.values).toEqual(Array.from({ length: 10 }, (_, k) => reference(http, 30 + k)));
    expect(reference(http, 36)).toBe(Math.round((294 / 299) * 10000) / 100);
    const port = out.port.series.find((x) => x.key === `i:${a.i2.id}`)!;
    expect(port.values).toEqual([100, 100, 100, 100, 100, 100, 100, 100, 96.67, 96.67]);
    expect(port.values).toEqual(Array.from({ length: 10 }, (_, k) => reference(tcp, 30 + k)));
    // q was probed only on days 37 … 39: nothing before, 100 after; never on the port.
    const qs = out.interface.series.find((x) => x.key === `i:${q.id}`)!;
    expect(qs.values).toEqual([null, null, null, null, null, null, null, 100, 100, 100]);
    expect(out.port.series.map((x) => x.key)).toEqual([`i:${a.i2.id}`]);
    // Agent and closed installations are never probed: no series. Worst last value first.
    expect(out.interface.series.map((x) => x.key)).toEqual([`i:${a.i2.id}`, `i:${q.id}`]);
    expect(out.interface.total).toBe(2);
  });

  it('the default range is the last 30 days; a 40-day-old failure leaves the window exactly', async () => {
    const out = await serverAvailability(s.t.ctx, a.actors.admin, {}, now);
    expect(out).toMatchObject({ from: now - 30 * DAY, to: now });
    const i2 = out.interface.series.find((x) => x.key === `i:${a.i2.id}`)!;
    // Points from day 9 (the bucket holding `from`) to 39.
    expect(out.interface.timestamps[0]).toBe(dayStart(9));
    expect(i2.values).toEqual(Array.from({ length: 31 }, (_, k) => reference(http, 9 + k)));
    // Day 34's window is days 5 … 34 (holds day 5), day 35's is 6 … 35.
    expect(i2.values[34 - 9]).toBe(98.33);
    expect(reference(http, 34)).toBe(Math.round((295 / 300) * 10000) / 100);
  });

  it('limit keeps the worst series and reports the total; variables narrow', async () => {
    const ctx = s.t.ctx;
    const admin = a.actors.admin;
    const limited = await serverAvailability(ctx, admin, { limit: 1 }, now);
    expect(limited.interface.series.map((x) => x.key)).toEqual([`i:${a.i2.id}`]);
    expect(limited.interface.total).toBe(2);
    const keys = async (v: RangeQuery) =>
      (await serverAvailability(ctx, admin, v, now)).interface.series.map((x) => x.key).sort();
    expect(await keys({ clientId: [a.c1.id] })).toEqual([`i:${q.id}`]);
    expect(await keys({ managerId: [a.m2.id] })).toEqual([`i:${a.i2.id}`]);
    expect(await keys({ unitId: [a.branch1.id] })).toEqual([`i:${q.id}`]);
    expect(await keys({ installationId: [a.i2.id] })).toEqual([`i:${a.i2.id}`]);
    // A variable never widens: another dealer's installation matches nothing.
    expect(await keys({ installationId: [b.i2.id] })).toEqual([]);
  });

  it('scope: another dealer, a manager and a branch viewer see only their installations', async () => {
    const ctx = s.t.ctx;
    const keys = async (actor: Actor) =>
      (await serverAvailability(ctx, actor, {}, now)).interface.series.map((x) => x.key).sort();
    expect(await keys(b.actors.admin)).toEqual([`i:${b.i2.id}`]);
    expect(await keys(a.actors.manager1)).toEqual([`i:${q.id}`]);
    expect(await keys(a.actors.viewer2)).toEqual([`i:${a.i2.id}`]);
    expect(await keys(a.actors.head1)).toEqual([`i:${q.id}`]);
    expect(await keys(op)).toEqual([`i:${a.i2.id}`, `i:${b.i2.id}`, `i:${q.id}`].sort());
  });

  it('online: per access and per DC server, hourly over the default 24 hours', async () => {
    const out = await onlineAvailabilityDashboard(s.t.ctx, a.actors.admin, {}, now);
    expect(out).toMatchObject({ from: now - DAY, to: now });
    expect(out.clients.step).toBe(HOUR);
    expect(out.clients.timestamps).toEqual(Array.from({ length: 25 }, (_, k) => now - DAY + k * HOUR));
    // The first 15 points (09:00 … 23:00 yesterday) show yesterday's window, the rest today's so far.
    const split = (y: number, t: number) => [
      ...new Array<number>(15).fill(y),
      ...new Array<number>(10).fill(t),
    ];
    const byKey = Object.fromEntries(out.clients.series.map((x) => [x.key, x]));
    expect(byKey[`o:${a.o1.id}`]!.values).toEqual(new Array(25).fill(100));
    // o2: 4 of 48 failed by the end of yesterday; 4 of 58 with today's 10.
    expect(byKey[`o:${a.o2.id}`]!.values).toEqual(split(91.67, 93.1));
    expect(byKey[`o:${o3.id}`]!.values).toEqual(split(100, 82.76));
    expect(byKey[`o:${a.o2.id}`]!.label).toBe('betaav / user2av');
    // Worst now first.
    expect(out.clients.series.map((x) => x.key)).toEqual([`o:${o3.id}`, `o:${a.o2.id}`, `o:${a.o1.id}`]);
    // nps2.cntd.ru = o1 + o2 (dealer B's accesses on the same host never count here).
    expect(out.servers.series.map((x) => [x.key, x.label])).toEqual([
      ['s:lab4.kodeks.ru', 'lab4.kodeks.ru'],
      ['s:nps2.cntd.ru', 'nps2.cntd.ru'],
    ]);
    expect(out.servers.series[1]!.values).toEqual(split(95.83, 96.55));
    expect(out.servers.series[0]!.values).toEqual(split(100, 82.76));
  });

  it('online: clientId narrows the first panel only, server the second only; daily for long ranges', async () => {
    const ctx = s.t.ctx;
    const admin = a.actors.admin;
    const byClient = await onlineAvailabilityDashboard(ctx, admin, { clientId: [a.c1.id] }, now);
    expect(byClient.clients.series.map((x) => x.key).sort()).toEqual([`o:${a.o1.id}`, `o:${o3.id}`].sort());
    expect(byClient.servers.series.map((x) => x.key)).toEqual(['s:lab4.kodeks.ru', 's:nps2.cntd.ru']);
    const byServer = await onlineAvailabilityDashboard(ctx, admin, { server: ['LAB4.kodeks.ru'] }, now);
    expect(byServer.servers.series.map((x) => x.key)).toEqual(['s:lab4.kodeks.ru']);
    expect(byServer.clients.series).toHaveLength(3);
    const month = await onlineAvailabilityDashboard(ctx, admin, { from: now - 30 * DAY, to: now }, now);
    expect(month.clients.step).toBe(DAY);
    const o2 = month.clients.series.find((x) => x.key === `o:${a.o2.id}`)!;
    expect(o2.values.slice(-3)).toEqual([100, 91.67, 93.1]);
    expect(o2.values.slice(0, -3).every((v) => v === null)).toBe(true);
    // Scope: B sees only its access (always failing), a manager only their client's accesses.
    const bOut = await onlineAvailabilityDashboard(ctx, b.actors.admin, {}, now);
    expect(bOut.clients.series.map((x) => x.key)).toEqual([`o:${b.o1.id}`]);
    expect(bOut.servers.series.map((x) => [x.key, x.values.at(-1)])).toEqual([['s:nps2.cntd.ru', 0]]);
    const m1 = await onlineAvailabilityDashboard(ctx, a.actors.manager1, {}, now);
    expect(m1.clients.series.map((x) => x.key).sort()).toEqual([`o:${a.o1.id}`, `o:${o3.id}`].sort());
    // The server panel of a manager covers only their accesses: o1 alone on nps2.
    expect(m1.servers.series.find((x) => x.key === 's:nps2.cntd.ru')!.values.at(-1)).toBe(100);
  });

  it('the grid: a day per point from three days on, finer below, nothing after now', () => {
    const g = availabilityGrid({ from: now - 2 * DAY, to: now + 2 * HOUR }, now);
    expect(g.step).toBe(HOUR);
    expect(g.days.at(-1)).toBeNull();
    expect(g.days.at(-3)).toBe(today);
    expect(availabilityGrid({ from: now - 3 * DAY, to: now }, now).step).toBe(DAY);
  });

  it('over HTTP: the same answers, scoped, and validation names the field', async () => {
    const admin = await loginAs(s.url, 'admin.av', TEST_PASSWORD);
    const from = last10.from();
    const r = await admin.get(`/api/dashboards/availability?from=${from}&to=${now}`);
    expect(r.status).toBe(200);
    expect(body<AvailabilityOut>(r)).toEqual(
      await serverAvailability(s.t.ctx, a.actors.admin, { from, to: now }, now),
    );
    const other = await loginAs(s.url, 'admin.bv', TEST_PASSWORD);
    const rb = await other.get('/api/dashboards/availability');
    expect(rb.status).toBe(200);
    expect(rb.text).not.toContain('av-beta');
    expect(body<AvailabilityOut>(rb).interface.series.map((x) => x.key)).toEqual([`i:${b.i2.id}`]);
    const ro = await admin.get(`/api/dashboards/availability-online?clientId=${a.c1.id}&server=nps2.cntd.ru`);
    expect(ro.status).toBe(200);
    const online = body<AvailabilityOnlineOut>(ro);
    expect(online.clients.series.map((x) => x.key).sort()).toEqual([`o:${a.o1.id}`, `o:${o3.id}`].sort());
    expect(online.servers.series.map((x) => x.key)).toEqual(['s:nps2.cntd.ru']);
    const rbo = await other.get('/api/dashboards/availability-online');
    expect(rbo.text).not.toContain('user1av');
    expect(rbo.text).not.toContain('lab4');

    const bad = await admin.get('/api/dashboards/availability?from=yesterday&installationId=1,x');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('querystring.from');
    expect(bad.text).toContain('querystring.installationId');
    const backwards = await admin.get(`/api/dashboards/availability-online?from=${now}&to=${now - DAY}`);
    expect(backwards.status).toBe(400);
    expect(body<{ message: string }>(backwards).message).toContain('from');
    const tooMany = await admin.get('/api/dashboards/availability?limit=0');
    expect(tooMany.status).toBe(400);
    expect(tooMany.text).toContain('querystring.limit');
  });

  // Last: it adds a dealer whose installations the operator would otherwise not see in the tests above.
  it('ranks before reading: the same series as ranking everything, a server gone quiet included', async () => {
    const ctx = s.t.ctx;
    const c = await buildDealerWorld(ctx, 'cv');
    const polled = async (address: string) =>
      createInstallation(ctx, op, { clientId: c.c1.id, kind: 'polled', address });
    // gone: half its checks failed, on days 0 … 4 only; steady: 9 of 10 every day; fresh: always up.
    const gone = await polled('gone.example');
    const steady = await polled('steady.example');
    const fresh = await polled('fresh.example');
    const rec = probeRecorder(ctx);
    for (let d = 0; d < 40; d++) {
      const obs: CheckObservation[] = [];
      for (let i = 0; i < 10; i++) {
        const at = dayStart(d) + i * HOUR;
        const subject = (id: number) => ({ kind: 'installation' as const, id, dealerId: c.dealer.id });
        if (d < 5)
          obs.push({ subject: subject(gone.id), check: 'tcp', outcome: i < 5 ? 'failed' : 'ok', at });
        obs.push({ subject: subject(steady.id), check: 'tcp', outcome: i === 0 ? 'failed' : 'ok', at });
        obs.push({ subject: subject(fresh.id), check: 'tcp', outcome: 'ok', at });
      }
      rec.add(obs);
      await rec.flush();
    }
    const range = { from: dayStart(0), to: now };
    const all = await serverAvailability(ctx, c.actors.admin, { ...range, limit: 10 }, now);
    const lastOf = (k: string) =>
      all.port.series
        .find((x) => x.key === k)!
        .values.filter((v) => v !== null)
        .at(-1);
    // gone's last point is day 34 (its window still holds day 4): 50 %, the worst of the three.
    expect(lastOf(`i:${gone.id}`)).toBe(50);
    expect(all.port.series.map((x) => x.key)).toEqual([`i:${gone.id}`, `i:${steady.id}`, `i:${fresh.id}`]);
    expect(all.port.total).toBe(3);
    for (const limit of [1, 2]) {
      const cut = await serverAvailability(ctx, c.actors.admin, { ...range, limit }, now);
      expect(cut.port.series).toEqual(all.port.series.slice(0, limit));
      expect(cut.port.total).toBe(3);
    }
    // The default 30 days: gone's early points still see days 0 … 4, so it ranks by its day-34 value.
    const month = await serverAvailability(ctx, c.actors.admin, { limit: 1 }, now);
    expect(month.port.series.map((x) => x.key)).toEqual([`i:${gone.id}`]);
    expect(month.port.series[0]!.values.filter((v) => v !== null).at(-1)).toBe(50);
    expect(month.port.total).toBe(3);
    // A range wholly after its last window: no series at all.
    const late = await serverAvailability(
      ctx,
      c.actors.admin,
      { from: dayStart(35), to: now, limit: 5 },
      now,
    );
    expect(late.port.series.map((x) => x.key)).toEqual([`i:${steady.id}`, `i:${fresh.id}`]);
    expect(late.port.total).toBe(2);
  });
});
