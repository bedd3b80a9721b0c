/**
 * «Подключённые пользователи» and «Карточки пользователей» over data written by the real ingest path:
 * simulated ПК reports (two installations of dealer A in two time zones, one of dealer B) go through the
 * parser and the store; the newest report of A's first installation gets extra sessions (the same login
 * from another computer, the same login twice from one place, a session holding no licence). Every
 * number is checked against what the parsed reports say; then scopes, paging and HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedUsers } from '../../src/dashboards/connected-users.js';
import {
  CARD_FIELDS,
  type ConnectedUsersOut,
  type ConnectedUsersQuery,
  type UserCardsOut,
  type UserCardsQuery,
} from '../../src/dashboards/contract-users.js';
import { userCards } from '../../src/dashboards/user-cards.js';
import { UNDEFINED_DOMAIN, type Snapshot } from '../../src/ingest/parse/snapshot.js';
import type { Installation } from '../../src/inventory/installations.js';
import { generateSysinfoXmlString, makeProfile, type ClientProfile } from '../../src/sim/kodeks/index.js';
import type { Actor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { rebuildUserUsageMonthly } from '../../src/ingest/user-usage-monthly.js';
import { ingestSysinfo } from './report-seed.js';
import { body, Client, loginAs, startTestServer, type TestServer } from '../http/harness.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Reports every 3 hours from 2026-03-30 06:00 UTC; the last one on 2026-04-02 09:00 UTC (a Thursday). */
const FIRST = Date.UTC(2026, 2, 30, 6);
const REPORTS = 26;
const LAST = FIRST + (REPORTS - 1) * 3 * HOUR;
const NOW = LAST + HOUR;

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const localDay = (ms: number, off: number) => new Date(ms + off * MIN).toISOString().slice(0, 10);

describe.each(DB_KINDS)('users dashboards (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let tmp: string;
  let seq = 0;
  const snaps = new Map<number, Snapshot[]>();
  const offsets = new Map<number, number>();
  let dupLogin = '';
  let twiceLogin = '';

  const ingest = async (
    w: DealerWorld,
    inst: Installation,
    p: ClientProfile,
    at: number,
    edit: (xml: string) => string = (x) => x,
  ) => {
    seq += 1;
    const { snap } = await ingestSysinfo(s.t, {
      dealerId: w.dealer.id,
      installationId: inst.id,
      sourceName: p.shortName,
      xml: edit(generateSysinfoXmlString(p, at)),
      utcOffsetMin: p.utcOffsetMin,
      receivedAt: at + MIN,
      sha256: `sha-users-${kind}-${seq}`,
      dir: tmp,
      fileName: `r${seq}.xml`,
    });
    snaps.set(inst.id, [...(snaps.get(inst.id) ?? []), snap]);
  };

  /** The newest report of A's first installation: one login from a second place, one twice from one place. */
  const extraSessions = (xml: string): string => {
    const lines = [...xml.matchAll(/^\s*<session [^>]*\/>$/gm)].map((m) => m[0]);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    dupLogin = /login="([^"]*)"/.exec(lines[0]!)![1]!;
    twiceLogin = /login="([^"]*)"/.exec(lines[1]!)![1]!;
    const elsewhere = lines[0]!
      .replace(/ip="[^"]*"/, 'ip="198.51.100.7"')
      .replace(/browser="[^"]*"/, 'browser="Firefox 128"');
    const noLicence = lines[1]!
      .replace(/license="1"/, 'license="0"')
      .replace(/ip="[^"]*"/, 'ip="203.0.113.9"');
    return xml.replace(lines[1]!, [lines[1]!, lines[1]!, noLicence, elsewhere].join('\n'));
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-users-'));
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'usa');
    b = await buildDealerWorld(ctx, 'usb');
    const plan: [DealerWorld, Installation, ClientProfile][] = [
      [a, a.i1, makeProfile({ seed: 511, users: 14, seats: 8, utcOffsetMin: 180, eventLogDays: 1 })],
      [a, a.i2, makeProfile({ seed: 512, users: 9, seats: 5, utcOffsetMin: 420, eventLogDays: 1 })],
      [b, b.i1, makeProfile({ seed: 513, users: 7, seats: 4, utcOffsetMin: 180, eventLogDays: 1 })],
    ];
    for (const [, inst, p] of plan) {
      offsets.set(inst.id, p.utcOffsetMin);
      await ctx.db
        .updateTable('installations')
        .set({ utc_offset_min: p.utcOffsetMin })
        .where('id', '=', inst.id)
        .execute();
    }
    for (let k = 0; k < REPORTS; k += 1) {
      const at = FIRST + k * 3 * HOUR;
      for (const [w, inst, p] of plan)
        await ingest(w, inst, p, at, k === REPORTS - 1 && inst.id === a.i1.id ? extraSessions : undefined);
    }
    s.t.clock.t = NOW;
  }, 300_000);
  afterAll(async () => {
    await s.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const conn = (actor: Actor, q: Partial<ConnectedUsersQuery> = {}) => connectedUsers(s.t.ctx, actor, q);
  const cards = (actor: Actor, q: Partial<UserCardsQuery> = {}) => userCards(s.t.ctx, actor, q, NOW);
  const newest = (id: number) => snaps.get(id)!.at(-1)!;

  // ------------------------------------------------------------------ oracles, from the parsed reports

  const expectedSessions = (ids: number[]) => {
    const out = ids.flatMap((id) => {
      const held = newest(id).sessions.filter((x) => x.holdsLicence);
      return held.map((x) => {
        const same = held.filter((y) => y.login === x.login);
        const places = new Set(same.map((y) => `${y.ip ?? ''}|${y.browser ?? ''}`)).size;
        return {
          installationId: id,
          login: x.login,
          logonAt: x.logonAt,
          ip: x.ip,
          browser: x.browser,
          domain: x.domain,
          loginSessions: same.length,
          loginPlaces: places,
          multiple: places > 1,
        };
      });
    });
    return out.sort(
      (x, y) =>
        cmp(x.login, y.login) ||
        x.installationId - y.installationId ||
        (x.logonAt ?? 0) - (y.logonAt ?? 0) ||
        cmp(x.ip ?? '', y.ip ?? '') ||
        cmp(x.browser ?? '', y.browser ?? ''),
    );
  };
  const rowsOf = (o: ConnectedUsersOut) =>
    o.rows.map(
      ({ installationId, login, logonAt, ip, browser, domain, loginSessions, loginPlaces, multiple }) => ({
        installationId,
        login,
        logonAt,
        ip,
        browser,
        domain,
        loginSessions,
        loginPlaces,
        multiple,
      }),
    );

  const filledOf = (u: Snapshot['users'][number]) =>
    CARD_FIELDS.filter((f) => (u[f] ?? '').trim() !== '').length;
  const expectedCards = (ids: number[]) =>
    ids
      .flatMap((id) =>
        newest(id).users.map((u) => ({ installationId: id, login: u.login, u, filled: filledOf(u) })),
      )
      .sort((x, y) => cmp(x.login, y.login) || x.installationId - y.installationId);

  /** Activity per user: intelligent searches (each once) + counted documents (the newest report's per day). */
  const expectedTop = (ids: number[], from: number, to: number, n = 20) => {
    const rows: {
      installationId: number;
      login: string;
      domain: string;
      searches: number;
      documents: number;
    }[] = [];
    for (const id of ids) {
      const off = offsets.get(id)!;
      const lo = localDay(from, off);
      const hi = localDay(to, off);
      const since = Date.parse(`${lo}T00:00:00Z`) - off * MIN;
      const docs = new Map<string, number>();
      const searches = new Map<string, Set<string>>();
      for (const snap of snaps.get(id)!) {
        for (const u of snap.usage)
          if (u.day >= lo && u.day <= hi) docs.set(`${u.login}\u0000${u.day}`, u.docsCounted);
        for (const x of snap.searches)
          if (x.type === 'intelligent' && x.at >= since && x.at <= to) {
            const set = searches.get(x.login) ?? new Set();
            set.add(`${x.at}\u0000${x.query}`);
            searches.set(x.login, set);
          }
      }
      const per = new Map<string, { searches: number; documents: number }>();
      for (const [k, v] of docs) {
        const login = k.split('\u0000')[0]!;
        const e = per.get(login) ?? { searches: 0, documents: 0 };
        e.documents += v;
        per.set(login, e);
      }
      for (const [login, set] of searches) {
        const e = per.get(login) ?? { searches: 0, documents: 0 };
        e.searches += set.size;
        per.set(login, e);
      }
      const domainOf = new Map(newest(id).users.map((u) => [u.login, u.domain]));
      for (const [login, e] of per)
        if (e.searches + e.documents > 0)
          rows.push({ installationId: id, login, domain: domainOf.get(login) ?? UNDEFINED_DOMAIN, ...e });
    }
    return rows
      .sort(
        (x, y) =>
          y.searches + y.documents - (x.searches + x.documents) ||
          cmp(x.login, y.login) ||
          x.installationId - y.installationId,
      )
      .slice(0, n);
  };
  const topOf = (o: UserCardsOut) =>
    o.top.map(({ installationId, login, domain, searches, documents }) => ({
      installationId,
      login,
      domain,
      searches,
      documents,
    }));

  // ------------------------------------------------------------------ Подключённые пользователи

  it('the per-user monthly rollup kept by the report store equals one rebuilt from the stored rows', async () => {
    const read = async () =>
      (
        await s.t.ctx.db
          .selectFrom('user_usage_monthly')
          .selectAll()
          .orderBy('installation_id')
          .orderBy('month')
          .orderBy('login')
          .execute()
      ).map((r) => JSON.stringify(Object.values(r).map((v) => (typeof v === 'string' ? v : Number(v)))));
    const kept = await read();
    // The reports span a month's end: both months are there, with searches.
    expect(new Set(kept.map((r) => (JSON.parse(r) as unknown[])[1])).size).toBeGreaterThanOrEqual(2);
    await rebuildUserUsageMonthly(s.t.ctx.db, kind);
    expect(await read()).toEqual(kept);
  });

  it('connected users: the newest report’s licence-holding sessions, a login from two places flagged', async () => {
    const o = await conn(a.actors.admin);
    const want = expectedSessions([a.i1.id, a.i2.id]);
    expect(want.length).toBeGreaterThan(4);
    expect(rowsOf(o)).toEqual(want);
    expect(o.total).toBe(want.length);
    expect(o.installations).toBe(2);
    // the injected cases
    const dup = o.rows.filter((r) => r.installationId === a.i1.id && r.login === dupLogin);
    expect(dup.map((r) => r.multiple)).toEqual([true, true]);
    expect(dup.map((r) => r.ip)).toContain('198.51.100.7');
    expect(dup[0]!.loginPlaces).toBe(2);
    const twice = o.rows.filter((r) => r.installationId === a.i1.id && r.login === twiceLogin);
    expect(twice.map((r) => [r.loginSessions, r.loginPlaces, r.multiple])).toEqual([
      [2, 1, false],
      [2, 1, false],
    ]);
    expect(o.rows.some((r) => r.ip === '203.0.113.9')).toBe(false); // no licence: not listed
    expect(o.multipleLogins).toBe(new Set(want.filter((r) => r.multiple).map((r) => r.login)).size);
    expect(o.multipleLogins).toBeGreaterThanOrEqual(1);
    // each row carries the time of the report it comes from, and the host
    const state = await s.t.ctx.db
      .selectFrom('installation_state')
      .selectAll()
      .where('installation_id', '=', a.i1.id)
      .executeTakeFirstOrThrow();
    expect(dup[0]!.reportAt).toBe(Number(state.report_at));
    expect(dup[0]!.reportAt).toBe(newest(a.i1.id).producedAt);

    // only the flagged logins
    const only = await conn(a.actors.admin, { multipleOnly: true });
    expect(rowsOf(only)).toEqual(want.filter((r) => r.multiple));
    // the domain variable
    const domain = want[0]!.domain;
    const byDomain = await conn(a.actors.admin, { domain: [domain] });
    expect(rowsOf(byDomain)).toEqual(want.filter((r) => r.domain === domain));
    // paging
    const p2 = await conn(a.actors.admin, { limit: 3, offset: 2 });
    expect(rowsOf(p2)).toEqual(want.slice(2, 5));
    expect(p2).toMatchObject({ total: want.length, limit: 3, offset: 2 });
  });

  it('connected users: another dealer sees none of it, a manager only his clients', async () => {
    const ofB = await conn(b.actors.admin);
    expect(rowsOf(ofB)).toEqual(expectedSessions([b.i1.id]));
    expect(new Set(ofB.rows.map((r) => r.installationId))).toEqual(new Set([b.i1.id]));
    const named = await conn(b.actors.admin, { installationId: [a.i1.id, a.i2.id] });
    expect(named).toMatchObject({ rows: [], total: 0, installations: 0, multipleLogins: 0 });
    const m1 = await conn(a.actors.manager1);
    expect(rowsOf(m1)).toEqual(expectedSessions([a.i1.id]));
    expect((await conn(a.actors.manager1, { installationId: [a.i2.id] })).total).toBe(0);
    expect(rowsOf(await conn(a.actors.admin, { clientId: [a.c2.id] }))).toEqual(expectedSessions([a.i2.id]));
  });

  // ------------------------------------------------------------------ Карточки пользователей

  it('user cards: every account, its filled fields, completeness over users who logged in', async () => {
    const o = await cards(a.actors.admin, { limit: 1000 });
    const want = expectedCards([a.i1.id, a.i2.id]);
    expect(o.cards.total).toBe(want.length);
    expect(o.cards.rows.map((r) => [r.installationId, r.login, r.filled, r.completeness])).toEqual(
      want.map((w) => [w.installationId, w.login, w.filled, (w.filled * 100) / 5]),
    );
    for (const [i, r] of o.cards.rows.entries()) {
      const u = want[i]!.u;
      expect(r).toMatchObject({
        fullname: u.fullname,
        phone: u.phone,
        email: u.email,
        position: u.position,
        department: u.department,
        domain: u.domain,
        blocked: u.blocked,
        lastActivityAt: u.lastActivityAt,
      });
    }
    // some cards are incomplete, or the numbers below would prove little
    expect(want.some((w) => w.filled < 5)).toBe(true);
    expect(want.some((w) => w.filled === 5)).toBe(true);

    const counted = want.filter((w) => !w.u.blocked && w.u.lastActivityAt !== null);
    const complete = counted.filter((w) => w.filled === 5).length;
    const filled = counted.reduce((n, w) => n + w.filled, 0);
    expect(o.completeness).toEqual({
      users: counted.length,
      completeCards: complete,
      completePct: Math.round((complete / counted.length) * 1000) / 10,
      fieldsPct: Math.round((filled / (counted.length * 5)) * 1000) / 10,
    });

    // managers: installation 1's own manager
    const r1 = o.cards.rows.find((r) => r.installationId === a.i1.id)!;
    expect(r1.managers).toEqual([a.m1.name]);

    // only the incomplete ones, paged
    const inc = await cards(a.actors.admin, { incompleteOnly: true, limit: 2, offset: 1 });
    const wantInc = want.filter((w) => w.filled < 5);
    expect(inc.cards.total).toBe(wantInc.length);
    expect(inc.cards.rows.map((r) => [r.installationId, r.login])).toEqual(
      wantInc.slice(1, 3).map((w) => [w.installationId, w.login]),
    );
    expect(inc.completeness).toEqual(o.completeness); // the summary ignores incompleteOnly
  });

  it('top users: intelligent searches + counted documents of the range’s local days, most active first', async () => {
    const ids = [a.i1.id, a.i2.id];
    for (const [from, to, n] of [
      [NOW - DAY, NOW, 20],
      [FIRST - DAY, NOW, 20],
      [FIRST - DAY, NOW, 3],
      [Date.UTC(2026, 2, 31, 12), Date.UTC(2026, 3, 1, 3), 20],
    ] as const) {
      const o = await cards(a.actors.admin, { from, to, top: n });
      const want = expectedTop(ids, from, to, n);
      expect(want.length, `${from}`).toBeGreaterThan(0);
      expect(topOf(o)).toEqual(want);
      for (const r of o.top) expect(r.activity).toBe(r.searches + r.documents);
    }
    const o = await cards(a.actors.admin);
    expect(o.to - o.from).toBe(DAY);
    expect(o.top.length).toBeLessThanOrEqual(20);
    expect(o.top[0]).toMatchObject({ dealer: a.dealer.name, dealerId: a.dealer.id });
    // the domain variable counts only that domain's users
    const d = o.top[0]!.domain;
    const byDomain = await cards(a.actors.admin, { domain: [d], from: FIRST - DAY, to: NOW });
    expect(topOf(byDomain)).toEqual(
      expectedTop(ids, FIRST - DAY, NOW, 1000)
        .filter((r) => r.domain === d)
        .slice(0, 20),
    );
  });

  it('user cards: another dealer sees none of it, a manager only his clients', async () => {
    const q = { from: FIRST - DAY, to: NOW, limit: 1000 };
    const ofB = await cards(b.actors.admin, q);
    expect(new Set(ofB.cards.rows.map((r) => r.installationId))).toEqual(new Set([b.i1.id]));
    expect(ofB.cards.total).toBe(expectedCards([b.i1.id]).length);
    expect(topOf(ofB)).toEqual(expectedTop([b.i1.id], q.from, q.to));
    const named = await cards(b.actors.admin, { ...q, installationId: [a.i1.id, a.i2.id] });
    expect(named.cards).toMatchObject({ rows: [], total: 0 });
    expect(named.top).toEqual([]);
    expect(named.completeness).toEqual({ users: 0, completeCards: 0, completePct: null, fieldsPct: null });
    const m1 = await cards(a.actors.manager1, q);
    expect(new Set([...m1.cards.rows, ...m1.top].map((r) => r.installationId))).toEqual(new Set([a.i1.id]));
    expect(topOf(m1)).toEqual(expectedTop([a.i1.id], q.from, q.to));
    expect((await cards(a.actors.manager1, { ...q, installationId: [a.i2.id] })).cards.total).toBe(0);
  });

  // ------------------------------------------------------------------ HTTP

  it('answers over HTTP, only in scope, and names invalid fields', async () => {
    const admin = await loginAs(s.url, a.users.admin.login, TEST_PASSWORD);
    const r = await admin.get('/api/dashboards/connected-users?limit=500');
    expect(r.status).toBe(200);
    expect(body<ConnectedUsersOut>(r)).toEqual(
      JSON.parse(JSON.stringify(await conn(a.actors.admin, { limit: 500 }))),
    );
    const url = `/api/dashboards/user-cards?from=${FIRST - DAY}&to=${NOW}&incompleteOnly=true`;
    const rc = await admin.get(url);
    expect(rc.status).toBe(200);
    expect(body<UserCardsOut>(rc)).toEqual(
      JSON.parse(
        JSON.stringify(await cards(a.actors.admin, { from: FIRST - DAY, to: NOW, incompleteOnly: true })),
      ),
    );

    const other = await loginAs(s.url, b.users.admin.login, TEST_PASSWORD);
    const ob = body<ConnectedUsersOut>(
      await other.get(`/api/dashboards/connected-users?installationId=${a.i1.id},${a.i2.id}`),
    );
    expect(ob).toMatchObject({ rows: [], total: 0 });
    const cb = body<UserCardsOut>(await other.get(`${url}&installationId=${a.i1.id}`));
    expect(cb.cards.rows).toEqual([]);
    expect(cb.top).toEqual([]);
    const own = body<UserCardsOut>(await other.get(url));
    expect(new Set([...own.cards.rows, ...own.top].map((x) => x.installationId))).toEqual(new Set([b.i1.id]));

    for (const [route, bad, field] of [
      ['connected-users', 'limit=0', 'querystring.limit'],
      ['connected-users', 'multipleOnly=maybe', 'querystring.multipleOnly'],
      ['user-cards', 'top=0', 'querystring.top'],
      ['user-cards', 'from=yesterday', 'querystring.from'],
      ['user-cards', 'installationId=1;2', 'querystring.installationId'],
    ] as const) {
      const e = await admin.get(`/api/dashboards/${route}?${bad}`);
      expect(e.status, bad).toBe(400);
      expect(body<{ message: string }>(e).message, bad).toContain(field);
    }
    const reversed = await admin.get(`/api/dashboards/user-cards?from=${NOW}&to=${NOW - DAY}`);
    expect(reversed.status).toBe(400);
    expect(body<{ message: string }>(reversed).message).toMatch(/querystring\.from: must be before to/);
    expect((await new Client(s.url).get('/api/dashboards/connected-users')).status).toBe(401);
  });
});
