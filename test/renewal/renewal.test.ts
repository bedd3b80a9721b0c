/**
 * «Данные для пролонгации», «Биллинг Онлайн. Данные для пролонгации» and the ЛПР report over data
 * written by the real write paths: month-end sysinfo reports of simulated ПК through the parser and the
 * store, online readings through the poller's storeProfile, the nightly search log with its day counts,
 * probe results through the CheckRecorder. Every cell must equal what an oracle computes from the
 * parsed reports and the readings; then the XLSX is read back, the HTML checked (tables, conclusions,
 * escaping), and another dealer's or manager's user gets 404 / nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/ingest/parse/snapshot.js';
import { createClient, type Client as InvClient } from '../../src/inventory/clients.js';
import { createOnlineAccess, type OnlineAccess } from '../../src/inventory/online.js';
import type { CheckObservation } from '../../src/metrics/checks.js';
import { storeProfile } from '../../src/online/poller.js';
import { storeDayCounts } from '../../src/online/search-daily.js';
import type { OnlineProfile } from '../../src/online/types.js';
import { probeRecorder } from '../../src/probes/service.js';
import { RULES } from '../../src/renewal/conclusions.js';
import type { Change, InstallationMetric, RenewalOnlineOut, RenewalOut } from '../../src/renewal/contract.js';
import { generateSysinfoXmlString, makeProfile, type ClientProfile } from '../../src/sim/kodeks/index.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { ingestSysinfo } from '../dashboards/report-seed.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type Client, type TestServer } from '../http/harness.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const MSK = 180 * MIN;
const op = cliActor('test');
const YEAR = 2026;
/** 2026-11-15 12:00 Moscow. */
const NOW = Date.UTC(2026, 10, 15, 9);
const MONTHS = Array.from({ length: 12 }, (_, i) => `${YEAR}-${String(i + 1).padStart(2, '0')}`);
const localAt = (iso: string, off: number) => Date.parse(`${iso}Z`) - off * MIN;
const localDay = (ms: number, off: number) => new Date(ms + off * MIN).toISOString().slice(0, 10);

/** The change the spec's numbers show: (cur − prev) / prev × 100, ∞ from 0, nothing from 0/0 or no data. */
function expectedChange(prev: number | null, cur: number | null): Change {
  if (prev === null || cur === null) return null;
  if (prev === 0 && cur === 0) return null;
  if (prev === 0) return 'inf';
  return Math.round(((cur - prev) / prev) * 1000) / 10;
}

interface InstPlan {
  inst: () => { id: number };
  client: () => InvClient;
  profile: ClientProfile;
  /** Local days (23:30) a month-end report is sent on. */
  days: string[];
  snaps: Snapshot[];
}

/** Readings of an online access: [instant, billing month, documents left]; limit 300, other kinds full. */
type Reading = [number, string, number];

describe.each(DB_KINDS)('renewal (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let tmp: string;
  let hostile: InvClient;
  let hostileAccess: OnlineAccess;
  let seq = 0;
  const observations: CheckObservation[] = [];
  const plans: InstPlan[] = [];
  const readings = new Map<number, Reading[]>();
  const DOC_LIMIT = 300;
  const HOSTILE = '<script>alert("x")</script> & Ко';

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-renewal-'));
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'ra');
    b = await buildDealerWorld(ctx, 'rb');
    hostile = await createClient(ctx, op, {
      dealerId: a.dealer.id,
      unitId: a.branch1dept.id,
      shortName: HOSTILE,
      managerIds: [a.m1.id],
    });
    hostileAccess = await createOnlineAccess(ctx, op, {
      clientId: hostile.id,
      login: 'hostile',
      password: 'pw-hostile',
      host: 'nps2.cntd.ru',
      folder: 'kodeks03',
    });

    const P = (seed: number, users: number, seats: number, off: number) =>
      makeProfile({ seed, users, seats, utcOffsetMin: off, searchLogHours: 32 * 24, eventLogDays: 0 });
    // c1: four users on twenty seats (UTC+7: local months matter); no report in March.
    plans.push({
      inst: () => a.i1,
      client: () => a.c1,
      profile: P(8101, 4, 20, 420),
      days: ['2025-12-31', '2026-01-31', '2026-02-28', '2026-04-30', '2026-05-31'],
      snaps: [],
    });
    // c2: twelve users on three seats: refused logons every month.
    plans.push({
      inst: () => a.i2,
      client: () => a.c2,
      profile: P(8201, 12, 3, 180),
      days: ['2026-01-31', '2026-02-28', '2026-03-31'],
      snaps: [],
    });
    // Dealer B reports too: a leak would show in A's numbers.
    plans.push({
      inst: () => b.i1,
      client: () => b.c1,
      profile: P(8301, 6, 2, 180),
      days: ['2026-01-31'],
      snaps: [],
    });
    for (const plan of plans) {
      await ctx.db
        .updateTable('installations')
        .set({ utc_offset_min: plan.profile.utcOffsetMin })
        .where('id', '=', plan.inst().id)
        .execute();
      const dealerId = plan.client().dealerId;
      for (const day of plan.days) {
        const at = localAt(`${day}T23:30:00`, plan.profile.utcOffsetMin);
        seq += 1;
        const { snap } = await ingestSysinfo(s.t, {
          dealerId,
          installationId: plan.inst().id,
          sourceName: plan.profile.shortName,
          xml: generateSysinfoXmlString(plan.profile, at),
          utcOffsetMin: plan.profile.utcOffsetMin,
          receivedAt: at + MIN,
          sha256: `sha-r-${kind}-${seq}`,
          dir: tmp,
          fileName: `r${seq}.xml`,
        });
        plan.snaps.push(snap);
      }
    }

    // Online: o1 (c1) runs out of documents before the 20th in February and March, at the month's
    // end in April; o2 (c2) uses a little. December 2025 gives January its change.
    const mo = (m: number, d: number, h = 9) => Date.UTC(2026, m - 1, d, h);
    readings.set(a.o1.id, [
      [Date.UTC(2025, 11, 31, 17), '2025-12', 100],
      [mo(1, 10), '2026-01', 250],
      [mo(1, 31, 17), '2026-01', 150],
      [mo(2, 5), '2026-02', 120],
      [mo(2, 12), '2026-02', 0],
      [mo(2, 27, 17), '2026-02', 0],
      [mo(3, 8), '2026-03', 30],
      [mo(3, 17), '2026-03', 0],
      [mo(3, 31, 17), '2026-03', 0],
      [mo(4, 25), '2026-04', 10],
      [mo(4, 30, 17), '2026-04', 0],
      [mo(5, 31, 17), '2026-05', 300],
    ]);
    readings.set(a.o2.id, [
      [mo(1, 31, 17), '2026-01', 280],
      [mo(2, 27, 17), '2026-02', 270],
    ]);
    readings.set(b.o1.id, [[mo(1, 31, 17), '2026-01', 0]]);
    readings.set(hostileAccess.id, [[mo(6, 30, 17), '2026-06', 299]]);
    const prof = (month: string, left: number): OnlineProfile => ({
      month,
      docs: { limit: DOC_LIMIT, remaining: left, used: DOC_LIMIT - left },
      search: { limit: 3000, remaining: 2900, used: 100 },
      print: { limit: 3000, remaining: 3000, used: 0 },
      export: { limit: 3000, remaining: 3000, used: 0 },
    });
    for (const [accessId, list] of readings) {
      const dealerId = accessId === b.o1.id ? b.dealer.id : a.dealer.id;
      for (const [at, month, left] of list)
        await storeProfile(ctx, { accessId, dealerId, utcOffsetMin: 180 }, prof(month, left), at);
    }

    // The nightly online search log of the hostile client's access, with its day counts.
    const log: [string, string, 'empty' | 'success', number][] = [
      ['2026-06-10', 'пожарная безопасность', 'empty', 4],
      ['2026-06-11', '<b>СНиП</b> & "ГОСТ"', 'empty', 2],
      ['2026-06-11', 'налоговый кодекс', 'success', 3],
    ];
    const byDay = new Map<string, { status: string }[]>();
    for (const [day, query, status, n] of log) {
      for (let k = 0; k < n; k++) {
        await ctx.db
          .insertInto('online_search_log')
          .values({
            online_access_id: hostileAccess.id,
            dealer_id: a.dealer.id,
            day,
            at: Date.parse(`${day}T10:00:00Z`) + k * MIN,
            user_name: 'user',
            query,
            type: 'intelligent',
            status,
          })
          .execute();
        byDay.set(day, [...(byDay.get(day) ?? []), { status }]);
      }
    }
    for (const [day, rows] of byDay) await storeDayCounts(ctx.db, hostileAccess.id, day, rows);

    // Probes of c2's ПК: 6 of 24 checks failed on 10 February, all fine on 11 March.
    for (let h = 0; h < 24; h++) {
      const subject = { kind: 'installation' as const, id: a.i2.id, dealerId: a.dealer.id };
      observations.push({ subject, check: 'http200', outcome: h < 6 ? 'failed' : 'ok', at: mo(2, 10, h) });
      observations.push({ subject, check: 'http200', outcome: 'ok', at: mo(3, 11, h) });
    }
    const rec = probeRecorder(ctx);
    rec.add(observations);
    await rec.flush();
    s.t.clock.t = NOW;
  }, 600_000);

  afterAll(async () => {
    await s?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  // ------------------------------------------------------------------ the oracle

  /** An installation's months from its parsed reports (absent: no report and no usage that month). */
  function instMonths(plan: InstPlan): Map<string, Record<InstallationMetric, number>> {
    const off = plan.profile.utcOffsetMin;
    const usage = new Map<string, Snapshot['usage'][number]>();
    const searches = new Map<string, { month: string; type: string }>();
    const refused = new Map<string, string>();
    const present = new Set<string>();
    for (const snap of plan.snaps) {
      present.add(localDay(snap.producedAt!, off).slice(0, 7));
      for (const u of snap.usage) usage.set(`${u.day}|${u.login}`, u);
      for (const x of snap.searches)
        searches.set(`${x.at}|${x.login}|${x.query}`, {
          month: localDay(x.at, off).slice(0, 7),
          type: x.type,
        });
      for (const r of snap.refusedLogons) refused.set(`${r.login}|${r.at}`, localDay(r.at, off).slice(0, 7));
    }
    const out = new Map<string, Record<InstallationMetric, number>>();
    const at = (m: string) => {
      let e = out.get(m);
      if (!e) {
        e = { docsRequested: 0, docsSaved: 0, docsPrinted: 0, refused: 0, activity: 0 };
        out.set(m, e);
      }
      return e;
    };
    for (const u of usage.values())
      if (u.docsCounted + u.dbRequests + u.saved + u.printed > 0) present.add(u.day.slice(0, 7));
    for (const m of present) at(m);
    for (const u of usage.values()) {
      const e = at(u.day.slice(0, 7));
      e.docsRequested += u.docsCounted;
      e.docsSaved += u.saved;
      e.docsPrinted += u.printed;
      e.activity += u.docsCounted;
    }
    // Searches and refusals the log carries back into a month that was never reported do not count.
    for (const x of searches.values()) {
      const e = out.get(x.month);
      if (e && x.type === 'intelligent') e.activity += 1;
    }
    for (const m of refused.values()) {
      const e = out.get(m);
      if (e) e.refused += 1;
    }
    return out;
  }

  const planOf = (id: number) => plans.find((p) => p.inst().id === id)!;

  it('the installations table equals the oracle, month by month, with the change', async () => {
    const out = await (
      await import('../../src/renewal/tables.js')
    ).renewalDashboard(s.t.ctx, a.actors.admin, { year: YEAR }, NOW);
    expect(out.months).toEqual(MONTHS);
    // Every client of A with an installation, by name; none of B's.
    expect(out.clients.map((c) => c.clientId).sort()).toEqual([a.c1.id, a.c2.id, a.c3.id].sort());
    for (const id of [a.i1.id, a.i2.id]) {
      const plan = planOf(id);
      const months = instMonths(plan);
      const row = out.clients.find((c) => c.clientId === plan.client().id)!;
      for (const metric of ['docsRequested', 'docsSaved', 'docsPrinted', 'refused', 'activity'] as const) {
        const r = row.rows.find((x) => x.metric === metric)!;
        const want = MONTHS.map((m) => months.get(m)?.[metric] ?? null);
        expect(r.values, `${metric} of ${plan.profile.shortName}`).toEqual(want);
        const dec = months.get(`${YEAR - 1}-12`)?.[metric] ?? null;
        expect(r.changes).toEqual(want.map((v, i) => expectedChange(i === 0 ? dec : want[i - 1]!, v)));
      }
    }
    // c1 did not report in March: no data, and April's change is unknown.
    const c1 = out.clients.find((c) => c.clientId === a.c1.id)!.rows[0]!;
    expect(c1.values[0]).toBeGreaterThan(0);
    expect(c1.values[2]).toBeNull();
    expect(c1.changes[3]).toBeNull();
    // c2 was refused logons (twelve users on three seats) and the data is not trivially zero.
    const refused = out.clients
      .find((c) => c.clientId === a.c2.id)!
      .rows.find((r) => r.metric === 'refused')!;
    expect(refused.values.slice(0, 3).every((v) => v !== null && v > 0)).toBe(true);
    // c3 has no reports at all.
    const c3 = out.clients.find((c) => c.clientId === a.c3.id)!;
    expect(c3.rows.every((r) => r.values.every((v) => v === null))).toBe(true);
  });

  it('the online table: the month’s last remainder, units used, the change and the day it ran out', async () => {
    const { renewalOnlineDashboard } = await import('../../src/renewal/tables.js');
    const out = await renewalOnlineDashboard(s.t.ctx, a.actors.admin, { year: YEAR }, NOW);
    expect(out.clients.map((c) => c.clientId).sort()).toEqual([a.c1.id, a.c2.id, hostile.id].sort());
    for (const access of [a.o1, a.o2]) {
      const list = readings.get(access.id)!;
      const last = new Map<string, number>();
      const zero = new Map<string, number>();
      for (const [at, month, left] of list) {
        last.set(month, left);
        const d = new Date(at + MSK);
        if (left === 0 && !zero.has(month)) zero.set(month, d.getUTCDate());
      }
      const client = out.clients.find((c) => c.accesses.some((x) => x.id === access.id))!;
      const docs = client.accesses.find((x) => x.id === access.id)!.rows.find((r) => r.kind === 'docs')!;
      const remaining = MONTHS.map((m) => last.get(m) ?? null);
      const used = remaining.map((v) => (v === null ? null : DOC_LIMIT - v));
      const dec = last.has(`${YEAR - 1}-12`) ? DOC_LIMIT - last.get(`${YEAR - 1}-12`)! : null;
      expect(docs.remaining).toEqual(remaining);
      expect(docs.limits).toEqual(remaining.map((v) => (v === null ? null : DOC_LIMIT)));
      expect(docs.used).toEqual(used);
      expect(docs.changes).toEqual(used.map((v, i) => expectedChange(i === 0 ? dec : used[i - 1]!, v)));
      expect(docs.exhaustedDay).toEqual(MONTHS.map((m) => zero.get(m) ?? null));
    }
    // o1: 12 February and 17 March (before the 20th), 30 April (not).
    const o1 = out.clients.find((c) => c.clientId === a.c1.id)!.accesses.find((x) => x.id === a.o1.id)!;
    expect(o1.rows[0]!.exhaustedDay.slice(0, 4)).toEqual([null, 12, 17, 30]);
  });

  it('scope and variables: a manager sees his clients only, another dealer none of A’s', async () => {
    const { renewalDashboard, renewalOnlineDashboard } = await import('../../src/renewal/tables.js');
    const mine = await renewalDashboard(s.t.ctx, a.actors.manager1, { year: YEAR }, NOW);
    expect(mine.clients.map((c) => c.clientId)).toEqual([a.c1.id]);
    const online = await renewalOnlineDashboard(s.t.ctx, a.actors.manager1, { year: YEAR }, NOW);
    expect(online.clients.map((c) => c.clientId).sort()).toEqual([a.c1.id, hostile.id].sort());
    const other = await renewalDashboard(s.t.ctx, b.actors.admin, { year: YEAR, clientId: [a.c1.id] }, NOW);
    expect(other.clients).toEqual([]);
    const byManager = await renewalDashboard(
      s.t.ctx,
      a.actors.admin,
      { year: YEAR, managerId: [a.m2.id] },
      NOW,
    );
    expect(byManager.clients.map((c) => c.clientId)).toEqual([a.c2.id]);
    const paged = await renewalDashboard(s.t.ctx, a.actors.admin, { year: YEAR, offset: 1, limit: 1 }, NOW);
    expect(paged.total).toBe(3);
    expect(paged.clients).toHaveLength(1);
  });

  // ------------------------------------------------------------------ HTTP

  let admin: Client;
  let manager1: Client;
  let otherAdmin: Client;
  beforeAll(async () => {
    admin = await loginAs(s.url, a.users.admin.login, TEST_PASSWORD);
    manager1 = await loginAs(s.url, a.users.manager1.login, TEST_PASSWORD);
    otherAdmin = await loginAs(s.url, b.users.admin.login, TEST_PASSWORD);
  });

  const download = async (c: Client, url: string) => {
    const r = await fetch(s.url + url, { headers: { cookie: c.auth.cookie! } });
    return {
      status: r.status,
      type: r.headers.get('content-type') ?? '',
      disposition: r.headers.get('content-disposition') ?? '',
      buf: Buffer.from(await r.arrayBuffer()),
    };
  };

  it('serves both dashboards over HTTP; a bad year is a 400 naming the field', async () => {
    const r = await admin.get(`/api/dashboards/renewal?year=${YEAR}&clientId=${a.c2.id}`);
    expect(r.status).toBe(200);
    expect(body<RenewalOut>(r).clients.map((c) => c.clientId)).toEqual([a.c2.id]);
    const o = await manager1.get(`/api/dashboards/renewal-online?year=${YEAR}`);
    expect(o.status).toBe(200);
    expect(body<RenewalOnlineOut>(o).clients.map((c) => c.clientId)).not.toContain(a.c2.id);
    const bad = await admin.get('/api/dashboards/renewal?year=20x6');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('year');
    const far = await admin.get(`/api/clients/${a.c1.id}/renewal-report.html?year=1900`);
    expect(far.status).toBe(400);
    expect(far.text).toContain('year');
  });

  it('the endpoints are in the OpenAPI document', async () => {
    const doc = body<{ paths: Record<string, unknown> }>(await admin.get('/api/docs/json'));
    for (const p of [
      '/api/dashboards/renewal',
      '/api/dashboards/renewal-online',
      '/api/clients/{id}/renewal-report.xlsx',
      '/api/clients/{id}/renewal-report.html',
    ])
      expect(doc.paths[p], p).toBeDefined();
  });

  it('the XLSX reads back with the expected sheets and numbers', async () => {
    const r = await download(admin, `/api/clients/${a.c2.id}/renewal-report.xlsx?year=${YEAR}`);
    expect(r.status).toBe(200);
    expect(r.type).toContain('spreadsheetml');
    expect(r.disposition).toContain(
      `filename*=UTF-8''renewal-${encodeURIComponent(a.c2.shortName)}-${YEAR}.xlsx`,
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.buf as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Сводка',
      'По месяцам',
      'Онлайн',
      'Доступность',
      'Пустые запросы',
      'Выводы',
    ]);
    const months = instMonths(planOf(a.i2.id));
    const sheet = wb.getWorksheet('По месяцам')!;
    const rowOf = (title: string) => {
      let found: ExcelJS.Row | undefined;
      sheet.eachRow((row) => {
        if (!found && row.getCell(1).value === title) found = row;
      });
      return found!;
    };
    const docs = rowOf('Количество запрошенных из БД документов');
    const want = MONTHS.map((m) => months.get(m)?.docsRequested ?? null);
    const got = MONTHS.map((_, i) => docs.getCell(i + 2).value ?? null);
    expect(got).toEqual(want);
    expect(typeof docs.getCell(2).value).toBe('number');
    expect(docs.getCell(14).value).toBe(want.reduce<number>((x, v) => x + (v ?? 0), 0));
    const refused = rowOf('Количество отвергнутых попыток подключения из-за окончания свободных лицензий');
    expect(refused.getCell(2).value).toBe(months.get('2026-01')!.refused);
    // Availability of February: 18 of 24 checks succeeded; March all.
    const avail = wb.getWorksheet('Доступность')!.getRow(2);
    expect(avail.getCell(3).value).toBe(75);
    expect(avail.getCell(4).value).toBe(100);
    expect(avail.getCell(14).value).toBe(Math.round((42 / 48) * 10000) / 100);
    // The conclusions name the seat shortage.
    const concl: string[] = [];
    wb.getWorksheet('Выводы')!.eachRow((row) => concl.push(String(row.getCell(1).value)));
    expect(concl).toContain('Не хватает рабочих мест');
  });

  it('the HTML report holds the tables and the conclusions the rules give', async () => {
    const r = await download(admin, `/api/clients/${a.c1.id}/renewal-report.html?year=${YEAR}`);
    expect(r.status).toBe(200);
    expect(r.type).toContain('text/html');
    const html = r.buf.toString('utf8');
    expect(html).toContain('Количество запрошенных из БД документов');
    expect(html).toContain('Остаток биллинга документов');
    expect(html).toContain('<svg');
    expect(html).toContain('@media print');
    expect(html).not.toMatch(/<script/i);
    // Seats of c1 from its reports: the most in use against the seats (Moscow months of the reports).
    const plan = planOf(a.i1.id);
    const inYear = plan.snaps.filter((x) => localDay(x.producedAt!, 180).startsWith(`${YEAR}-`));
    const maxUsed = Math.max(...inYear.map((x) => x.licensing.inUse ?? 0));
    const seats = Math.max(...inYear.map((x) => x.licensing.seats ?? 0));
    const unused = inYear.length >= RULES.seatsUnusedMinMonths && maxUsed <= seats * RULES.seatsUnusedShare;
    expect(html.includes('data-rule="seatsUnused"')).toBe(unused);
    expect(unused).toBe(true);
    // o1 ran out before the 20th in two months.
    expect(html).toContain('data-rule="limitsEarly"');
    expect(html).not.toContain('data-rule="seatsShort"');
  });

  it('escapes a hostile client name and queries; lists the empty-search topics', async () => {
    const r = await download(admin, `/api/clients/${hostile.id}/renewal-report.html?year=${YEAR}`);
    expect(r.status).toBe(200);
    const html = r.buf.toString('utf8');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Ко');
    expect(html).not.toContain('<b>СНиП</b>');
    expect(html).toContain('&lt;b&gt;СНиП&lt;/b&gt; &amp; &quot;ГОСТ&quot;');
    const first = html.indexOf('пожарная безопасность');
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(html.indexOf('&lt;b&gt;СНиП'));
    expect(r.buf.length).toBeGreaterThan(0);
  });

  it('cross-tenant: another dealer’s or another manager’s client is 404', async () => {
    for (const ext of ['xlsx', 'html']) {
      expect((await download(otherAdmin, `/api/clients/${a.c1.id}/renewal-report.${ext}`)).status).toBe(404);
      expect((await download(manager1, `/api/clients/${a.c2.id}/renewal-report.${ext}`)).status).toBe(404);
      expect((await download(manager1, `/api/clients/${a.c1.id}/renewal-report.${ext}`)).status).toBe(200);
    }
    const r = await otherAdmin.get(`/api/dashboards/renewal?year=${YEAR}&clientId=${a.c1.id}`);
    expect(body<RenewalOut>(r).clients).toEqual([]);
    const o = await otherAdmin.get(`/api/dashboards/renewal-online?year=${YEAR}`);
    expect(
      body<RenewalOnlineOut>(o)
        .clients.map((c) => c.clientId)
        .sort(),
    ).toEqual([b.c1.id, b.c2.id].sort());
    void HOUR;
  });
});
