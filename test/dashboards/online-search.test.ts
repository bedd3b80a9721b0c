/**
 * «Поисковые запросы. Онлайн.» over a search log stored by the poller's own nightly read
 * (catchUpSearchLog) from the DC simulator, eight nights of three accesses of dealer A (two time zones,
 * two DC servers) and one of dealer B: the pages (keyset, newest first), every filter and the per-day
 * counts must equal the simulator's own log, within the caller's scope; HTTP and validation.
 */
import { rebuildOnlineSearchDaily, storeDayCounts } from '../../src/online/search-daily.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnlineSearchOut, OnlineSearchQuery } from '../../src/dashboards/contract-online-search.js';
import { onlineSearch } from '../../src/dashboards/online-search.js';
import { createOnlineAccess, type OnlineAccess } from '../../src/inventory/online.js';
import { catchUpSearchLog, loadOnlineTargets } from '../../src/online/poller.js';
import { searchLog, startDcServer, type DcServer } from '../../src/sim/dc/index.js';
import type { Account } from '../../src/sim/dc/usage.js';
import { cliActor, type Actor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type TestServer } from '../http/harness.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MSK = 180 * MIN;
const op = cliActor('test');
/** The nights the log is read: Oct 25 … Nov 1, 00:00 UTC (each reads the local day before). */
const FIRST_NIGHT = Date.UTC(2026, 9, 25, 0);
const NIGHTS = 8;
const NOW = Date.UTC(2026, 10, 1, 9);

interface Truth {
  accessId: number;
  login: string;
  /** The access's local date of the entry. */
  day: string;
  at: number;
  user: string;
  query: string;
  type: string;
  status: string;
}

const axisDate = (ms: number) => new Date(ms + MSK).toISOString().slice(0, 10);
/** Entries newest first; ties in any stable order (the log orders them by storage). */
const tuple = (r: { at: number; login: string; user: string; query: string; type: string; status: string }) =>
  `${r.at}|${r.login}|${r.user}|${r.query}|${r.type}|${r.status}`;

describe.each(DB_KINDS)('online search queries (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let o3: OnlineAccess;
  let dc: DcServer;
  const truth: Truth[] = [];

  beforeAll(async () => {
    s = await startTestServer(kind);
    const ctx = s.t.ctx;
    a = await buildDealerWorld(ctx, 'sa');
    b = await buildDealerWorld(ctx, 'sb');
    o3 = await createOnlineAccess(ctx, op, {
      clientId: a.c2.id,
      login: 'third',
      password: 'pw-third',
      host: 'buh1.kodeks.ru',
      folder: 'kodeks03',
      utcOffsetMin: 420,
      managers: [{ managerId: a.m2.id, email: 'petrov@sa.example' }],
    });
    // One DC serves every access; the accounts carry the accesses' logins, catalogs and passwords.
    dc = await startDcServer({
      seed: 21,
      clock: () => s.t.clock.now(),
      accounts: [
        { login: a.o1.login, password: 'online-secret-1', folder: 'kodeks01', profile: 'regular' },
        { login: a.o2.login, password: 'online-secret-2', folder: 'kodeks02', profile: 'regular' },
        { login: 'third', password: 'pw-third', folder: 'kodeks03', profile: 'regular', utcOffsetMin: 420 },
        { login: b.o1.login, password: 'online-secret-1', folder: 'kodeks01', profile: 'regular' },
      ],
    });
    const accessOf = new Map([a.o1, a.o2, o3, b.o1].map((o) => [o.login, o]));
    const targets = await loadOnlineTargets(ctx, { resolveBaseUrl: () => dc.url });
    const read = { connectTimeoutMs: 5000, readTimeoutMs: 5000 };
    for (let n = 0; n < NIGHTS; n++) {
      s.t.clock.t = FIRST_NIGHT + n * DAY;
      for (const t of targets) {
        if (!accessOf.has(t.login)) continue;
        const r = await catchUpSearchLog(ctx, t, s.t.clock.now(), read);
        expect(r).toEqual({ ok: true, days: 1 });
      }
    }
    s.t.clock.t = NOW;
    // The simulator's own log of the same days.
    for (const acc of dc.accounts as Account[]) {
      const access = accessOf.get(acc.login)!;
      for (let n = 0; n < NIGHTS; n++) {
        const day = new Date(FIRST_NIGHT + (n - 1) * DAY + acc.utcOffsetMin * MIN).toISOString().slice(0, 10);
        for (const e of searchLog(acc, day)) {
          truth.push({
            accessId: access.id,
            login: acc.login,
            day,
            at: Date.parse(e.time),
            user: e.user,
            query: e.query,
            type: e.type,
            status: e.status,
          });
        }
      }
    }
  }, 120_000);
  afterAll(async () => {
    await dc?.close();
    await s?.close();
  });

  const dealerA = () => new Set([a.o1.id, a.o2.id, o3.id]);
  /** Every page of a query, walked through the cursors. */
  const allPages = async (actor: Actor, q: OnlineSearchQuery) => {
    const rows: OnlineSearchOut['rows'] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 200; pages++) {
      const out = await onlineSearch(s.t.ctx, actor, { ...q, cursor }, NOW);
      rows.push(...out.rows);
      if (out.nextCursor === null) return rows;
      cursor = out.nextCursor;
    }
    throw new Error('too many pages');
  };
  const expectSameLog = (rows: OnlineSearchOut['rows'], expected: Truth[]) => {
    expect(rows.map((r) => r.at)).toEqual(expected.map((e) => e.at).sort((x, y) => y - x));
    expect(rows.map(tuple).sort()).toEqual(expected.map(tuple).sort());
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  };

  it('the daily counts the poller keeps equal the log it stored (a rebuild changes nothing)', async () => {
    const read = async () =>
      (
        await s.t.ctx.db
          .selectFrom('online_search_daily')
          .selectAll()
          .orderBy('online_access_id')
          .orderBy('day')
          .execute()
      ).map((r) => [Number(r.online_access_id), r.day, Number(r.searches), Number(r.empty_searches)]);
    const kept = await read();
    const perDay = new Map<string, [number, number]>();
    for (const t of truth) {
      const k = `${t.accessId}|${t.day}`;
      const e = perDay.get(k) ?? [0, 0];
      e[0] += 1;
      if (t.status === 'empty') e[1] += 1;
      perDay.set(k, e);
    }
    expect(kept.length).toBeGreaterThan(0);
    expect(new Map(kept.map((r) => [`${r[0]}|${r[1]}`, [r[2], r[3]]]))).toEqual(perDay);
    await rebuildOnlineSearchDaily(s.t.ctx.db);
    expect(await read()).toEqual(kept);
  });

  it('a day read again replaces its counts: fewer searches, and none at all removes the row', async () => {
    const [one] = await s.t.ctx.db.selectFrom('online_search_daily').selectAll().limit(1).execute();
    const id = Number(one!.online_access_id);
    const count = () =>
      s.t.ctx.db
        .selectFrom('online_search_daily')
        .select(['searches', 'empty_searches'])
        .where('online_access_id', '=', id)
        .where('day', '=', one!.day)
        .execute();
    try {
      await storeDayCounts(s.t.ctx.db, id, one!.day, [
        { status: 'found' },
        { status: 'empty' },
        { status: 'empty' },
      ]);
      expect((await count()).map((r) => [Number(r.searches), Number(r.empty_searches)])).toEqual([[3, 2]]);
      await storeDayCounts(s.t.ctx.db, id, one!.day, []);
      expect(await count()).toEqual([]);
    } finally {
      // Back to what the stored log says, for the tests after this one.
      await rebuildOnlineSearchDaily(s.t.ctx.db, { accessIds: [id] });
    }
  });

  it('the default week, newest first: the first page and every page after it equal the DC’s log', async () => {
    const out = await onlineSearch(s.t.ctx, a.actors.admin, {}, NOW);
    expect([out.from, out.to]).toEqual([NOW - 7 * DAY, NOW]);
    const inRange = truth.filter((e) => dealerA().has(e.accessId) && e.at >= out.from && e.at <= out.to);
    expect(inRange.length).toBeGreaterThan(300);
    expect(out.rows).toHaveLength(100);
    expect(out.nextCursor).not.toBeNull();
    const newest = [...inRange].sort((x, y) => y.at - x.at);
    expect(out.rows.map((r) => r.at)).toEqual(newest.slice(0, 100).map((e) => e.at));
    // Small pages walk many windows; together they are the log of the range, once each.
    const all = await allPages(a.actors.admin, { limit: 37 });
    expectSameLog(all, inRange);
    // A row as the table shows it.
    const row = all.find((r) => r.onlineAccessId === o3.id)!;
    expect(row).toMatchObject({
      clientId: a.c2.id,
      client: 'betasa',
      login: 'third',
      host: 'buh1.kodeks.ru',
      catalog: 'kodeks03',
      user: 'third',
      managers: ['Petrov sa'],
    });
    expect(all.find((r) => r.onlineAccessId === a.o2.id)?.managers).toEqual([]);
    expect(new Set(out.rows.map((r) => r.status))).toEqual(new Set(['success', 'empty']));
    expect(out.options).toEqual({
      users: ['third', 'user1sa', 'user2sa'],
      catalogs: ['kodeks01', 'kodeks02', 'kodeks03'],
      servers: ['buh1.kodeks.ru', 'nps2.cntd.ru'],
      types: ['Атрибутный', 'Интеллектуальный', 'По реквизитам'],
    });
  });

  it('filters: Статус поиска, ТипПоиска, Пользователь, Каталог, Источник запросов, text', async () => {
    const range = { from: NOW - 10 * DAY, to: NOW };
    const base = truth.filter((e) => dealerA().has(e.accessId) && e.at >= range.from && e.at <= range.to);
    const check = async (q: OnlineSearchQuery, keep: (e: Truth) => boolean) => {
      const rows = await allPages(a.actors.admin, { ...range, limit: 1000, ...q });
      const expected = base.filter(keep);
      expect(expected.length, JSON.stringify(q)).toBeGreaterThan(0);
      expectSameLog(rows, expected);
      return rows;
    };
    const empty = await check({ status: ['empty'] }, (e) => e.status === 'empty');
    expect(empty.every((r) => r.status === 'empty')).toBe(true);
    await check({ status: ['success', 'empty'] }, () => true);
    await check({ type: ['Атрибутный'] }, (e) => e.type === 'Атрибутный');
    await check({ user: ['third', 'user1sa'] }, (e) => e.user === 'third' || e.user === 'user1sa');
    await check({ catalog: ['kodeks02'] }, (e) => e.accessId === a.o2.id);
    await check({ server: ['buh1.kodeks.ru'] }, (e) => e.accessId === o3.id);
    await check({ text: 'НДС' }, (e) => e.query.includes('НДС'));
    await check(
      { status: ['empty'], type: ['Интеллектуальный'], server: ['nps2.cntd.ru'] },
      (e) => e.status === 'empty' && e.type === 'Интеллектуальный' && e.accessId !== o3.id,
    );
    const none = await onlineSearch(s.t.ctx, a.actors.admin, { ...range, user: ['nobody'] }, NOW);
    expect(none.rows).toEqual([]);
    expect(none.nextCursor).toBeNull();
  });

  it('searches and empty searches per local day; a gap before the log and for today (not read yet)', async () => {
    const range = { from: Date.UTC(2026, 9, 20, 9), to: NOW };
    const out = await onlineSearch(s.t.ctx, a.actors.admin, range, NOW);
    const chart = out.perDay!;
    expect(chart.step).toBe(DAY);
    expect(chart.series.map((x) => [x.key, x.label])).toEqual([
      ['searches', 'Все поиски'],
      ['empty', 'Пустой поиск'],
    ]);
    const mine = truth.filter((e) => dealerA().has(e.accessId));
    for (const [i, st] of chart.timestamps.entries()) {
      const day = axisDate(st);
      const ofDay = mine.filter((e) => e.day === day);
      const logged = day >= '2026-10-24' && day <= '2026-10-31';
      expect(chart.series[0]!.values[i], day).toBe(logged ? ofDay.length : null);
      expect(chart.series[1]!.values[i], day).toBe(
        logged ? ofDay.filter((e) => e.status === 'empty').length : null,
      );
    }
    expect(chart.series[1]!.values.some((v) => v !== null && v > 0)).toBe(true);
    // The filters other than the status narrow the chart too.
    const third = await onlineSearch(s.t.ctx, a.actors.admin, { ...range, catalog: ['kodeks03'] }, NOW);
    const i31 = third.perDay!.timestamps.indexOf(Date.UTC(2026, 9, 31) - MSK);
    expect(third.perDay!.series[0]!.values[i31]).toBe(
      mine.filter((e) => e.accessId === o3.id && e.day === '2026-10-31').length,
    );
  });

  it('keyset pages hold still while newer entries arrive', async () => {
    const q = { from: NOW - 7 * DAY, to: NOW, limit: 50 };
    const first = await onlineSearch(s.t.ctx, a.actors.admin, q, NOW);
    const second = await onlineSearch(s.t.ctx, a.actors.admin, { ...q, cursor: first.nextCursor! }, NOW);
    await s.t.ctx.db
      .insertInto('online_search_log')
      .values({
        online_access_id: a.o1.id,
        dealer_id: a.dealer.id,
        day: '2026-11-01',
        at: NOW - HOUR,
        user_name: a.o1.login,
        query: 'новый запрос',
        type: 'Интеллектуальный',
        status: 'success',
      })
      .execute();
    const again = await onlineSearch(s.t.ctx, a.actors.admin, { ...q, cursor: first.nextCursor! }, NOW);
    expect(again.rows).toEqual(second.rows);
    const top = await onlineSearch(s.t.ctx, a.actors.admin, q, NOW);
    expect(top.rows[0]).toMatchObject({ query: 'новый запрос', at: NOW - HOUR });
    expect(top.rows.slice(1)).toEqual(first.rows.slice(0, 49));
    await s.t.ctx.db.deleteFrom('online_search_log').where('query', '=', 'новый запрос').execute();
  });

  it('scope: a manager sees his clients’ accesses only; another dealer’s are absent', async () => {
    const range = { from: NOW - 10 * DAY, to: NOW, limit: 1000 };
    const m1 = await allPages(a.actors.manager1, range);
    expectSameLog(
      m1,
      truth.filter((e) => e.accessId === a.o1.id && e.at >= range.from),
    );
    const m1Out = await onlineSearch(s.t.ctx, a.actors.manager1, range, NOW);
    expect(m1Out.options.users).toEqual(['user1sa']);
    const bRows = await allPages(b.actors.admin, range);
    expectSameLog(
      bRows,
      truth.filter((e) => e.accessId === b.o1.id && e.at >= range.from),
    );
    const bOut = await onlineSearch(s.t.ctx, b.actors.admin, range, NOW);
    for (const mark of ['user1sa', 'third', 'alphasa', 'Ivanov sa'])
      expect(JSON.stringify(bOut)).not.toContain(mark);
    // Another dealer's client as ЮрЛицо: nothing.
    const foreign = await onlineSearch(s.t.ctx, a.actors.admin, { ...range, clientId: [b.c1.id] }, NOW);
    expect(foreign.rows).toEqual([]);
    expect(foreign.perDay!.series).toEqual([]);
    // Менеджер narrows to his clients' accesses.
    const byManager = await allPages(a.actors.admin, { ...range, managerId: [a.m2.id] });
    expect(new Set(byManager.map((r) => r.onlineAccessId))).toEqual(new Set([a.o2.id, o3.id]));
  });

  it('over HTTP: the same answer, scoped; validation names the field', async () => {
    const admin = await loginAs(s.url, 'admin.sa', TEST_PASSWORD);
    const path = `/api/dashboards/online-search-queries?from=${NOW - 7 * DAY}&to=${NOW}`;
    const r = await admin.get(`${path}&status=empty&limit=20`);
    expect(r.status).toBe(200);
    const out = body<OnlineSearchOut>(r);
    expect(out).toEqual(
      await onlineSearch(
        s.t.ctx,
        a.actors.admin,
        { from: NOW - 7 * DAY, to: NOW, status: ['empty'], limit: 20 },
        NOW,
      ),
    );
    const next = body<OnlineSearchOut>(
      await admin.get(`${path}&status=empty&limit=20&cursor=${out.nextCursor}`),
    );
    expect(next.rows[0]!.at).toBeLessThanOrEqual(out.rows.at(-1)!.at);
    // The chart comes with the first page only.
    expect(out.perDay!.series).toHaveLength(2);
    expect(next.perDay).toBeNull();
    const other = await loginAs(s.url, 'manager1.sb', TEST_PASSWORD);
    const rb = await other.get(path);
    expect(rb.status).toBe(200);
    expect(new Set(body<OnlineSearchOut>(rb).rows.map((x) => x.login))).toEqual(new Set(['user1sb']));
    for (const [query, field] of [
      ['status=bogus', 'querystring.status'],
      ['limit=5000', 'querystring.limit'],
      ['cursor=not%20a%20cursor', 'querystring.cursor'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['clientId=x', 'querystring.clientId'],
    ]) {
      const bad = await admin.get(`${path}&${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.text, query).toContain(field);
    }
  });
});
