/**
 * «Для менеджеров»: "did the account make a DB request between these two days?" and "its first request
 * of the month", answered from the monthly rows' first and last active day (kept by the report store's
 * `refreshUserMonths`), with a look-up in the daily rows only where those two days lie on both sides of a
 * window inside one month. Compared, window by window and account by account, with the daily rows the
 * test wrote, on both engines.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/dashboards/for-managers-days.js';
import { firstActiveDays } from '../../src/dashboards/for-managers-user-days.js';
import { CLOSED_TTL_MS } from '../../src/dashboards/period-cache.js';
import {
  activeInWindows,
  lastActiveDays,
  readAccountMonths,
  userKey,
  type DayWindow,
} from '../../src/dashboards/for-managers-users.js';
import { refreshUserMonths } from '../../src/ingest/user-usage-monthly.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { userUsageDay } from '../helpers/usage.js';

/** Days from 2026-01-01 to 2026-04-10. */
const DAYS: string[] = [];
for (let d = '2026-01-01'; d <= '2026-04-10'; d = addDays(d, 1)) DAYS.push(d);

/** Per account, per day: DB requests (0: a row with other counters only). */
type Activity = Map<string, Map<string, number>>;

/** Accounts made to sit on the windows' edges, and forty more with random days. */
function activityOf(): Activity {
  const a: Activity = new Map();
  const put = (login: string, days: [string, number][]) => a.set(login, new Map(days));
  // Requests before and after 10–20 March, none inside: the monthly row cannot tell, the daily rows can.
  put('gap', [
    ['2026-03-05', 3],
    ['2026-03-25', 1],
  ]);
  put('gap-filled', [
    ['2026-03-05', 3],
    ['2026-03-15', 1],
    ['2026-03-25', 1],
  ]);
  // Between the two, with rows that count documents but no requests.
  put('gap-zero', [
    ['2026-03-05', 3],
    ['2026-03-12', 0],
    ['2026-03-18', 0],
    ['2026-03-25', 2],
  ]);
  put('edge-lo', [['2026-03-10', 1]]);
  put('edge-hi', [['2026-03-20', 1]]);
  put('before', [['2026-03-09', 4]]);
  put('after', [['2026-03-21', 4]]);
  put('only-zero', [['2026-03-15', 0]]);
  put('feb-end', [['2026-02-28', 2]]);
  put('jan', [
    ['2026-01-02', 1],
    ['2026-01-30', 1],
  ]);
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < 40; i += 1) {
    const share = [0.01, 0.05, 0.2, 0.5][i % 4]!;
    const days: [string, number][] = [];
    for (const d of DAYS)
      if (random() < share) days.push([d, random() < 0.2 ? 0 : 1 + Math.floor(random() * 9)]);
    put(`u${i}`, days);
  }
  return a;
}

const WINDOWS: DayWindow[] = [
  { lo: '2026-03-10', hi: '2026-03-20' },
  { lo: '2026-03-01', hi: '2026-03-20' },
  { lo: '2026-03-11', hi: '2026-03-31' },
  { lo: '2026-02-19', hi: '2026-03-20' },
  { lo: '2026-01-20', hi: '2026-03-20' },
  { lo: '2026-02-10', hi: '2026-04-05' },
  { lo: '2026-03-15', hi: '2026-03-15' },
];

describe.each(DB_KINDS)('«Для менеджеров»: activity in windows from the months (%s)', (kind) => {
  let t: TestContext;
  let installationId: number;
  const activity = activityOf();

  beforeAll(async () => {
    t = await openTestContext(kind);
    const op = cliActor('test');
    const { dealer } = await createDealer(t.ctx, op, { code: 'fmw', name: 'Windows' });
    const client = await createClient(t.ctx, op, { dealerId: dealer.id, shortName: 'w' });
    installationId = (await createInstallation(t.ctx, op, { clientId: client.id, kind: 'agent' })).id;
    const rows = [...activity].flatMap(([login, days]) =>
      [...days].map(([day, db]) =>
        userUsageDay(installationId, login, day, { db_requests: db, docs_counted: 1, docs_licensed: 1 }),
      ),
    );
    for (let i = 0; i < rows.length; i += 200)
      await t.ctx.db
        .insertInto('user_usage_daily')
        .values(rows.slice(i, i + 200))
        .execute();
    // The report store's path: the months of the days a report carried.
    await refreshUserMonths(t.ctx.db, installationId, DAYS);
  });
  afterAll(async () => {
    await t?.close();
  });

  const activeBetween = (login: string, lo: string, hi: string) =>
    [...activity.get(login)!].some(([d, db]) => db > 0 && d >= lo && d <= hi);

  it('every account and window as the daily rows say, a look-up only where the months cannot tell', async () => {
    // The months before April are kept per database: asked twice, the second answer comes from them.
    const rows = await readAccountMonths(t.ctx, [installationId], WINDOWS, [], '2026-04-05', t.clock.now());
    expect(
      await readAccountMonths(t.ctx, [installationId], WINDOWS, [], '2026-04-05', t.clock.now()),
    ).toEqual(rows);
    const got = await activeInWindows(t.ctx, rows, WINDOWS);
    const answer = (login: string) => got.get(userKey(installationId, login)) ?? WINDOWS.map(() => false);
    const want = [...activity.keys()].map((login) => [
      login,
      WINDOWS.map((w) => activeBetween(login, w.lo, w.hi)),
    ]);
    expect([...activity.keys()].map((login) => [login, answer(login)])).toEqual(want);

    // Not vacuous: both answers occur in every window, and the gap accounts took the daily path.
    for (let i = 0; i < WINDOWS.length; i += 1) {
      expect(want.some(([, v]) => (v as boolean[])[i])).toBe(true);
      expect(want.some(([, v]) => !(v as boolean[])[i])).toBe(true);
    }
    const unsure = (login: string) => rows.find((r) => r.login === login)?.unsure ?? null;
    for (const login of ['gap', 'gap-filled', 'gap-zero'])
      expect(unsure(login), login).toContainEqual([0, '2026-03-10', '2026-03-20']);
    expect(answer('gap')[0]).toBe(false);
    expect(answer('gap-filled')[0]).toBe(true);
    expect(answer('gap-zero')[0]).toBe(false);
    // Accounts whose first or last day falls inside the window need no look-up.
    expect(unsure('edge-lo')).toBeNull();
    expect(unsure('edge-hi')).toBeNull();
  });

  it("the measures' bounds over the months their windows touch, closed months kept until their slot expires", async () => {
    const measures = [
      { key: 'db', expr: sql`db_requests`, from: '2026-03-01' },
      { key: 'docs', expr: sql`docs_counted`, from: '2026-04-01' },
    ];
    const toDay = '2026-04-05';
    const bounds = (extra: number) => {
      const want = new Map<string, number[]>();
      for (const [login, days] of activity) {
        let db = login === 'before' ? extra : 0;
        let docs = 0;
        for (const [d, n] of days) {
          if (d >= '2026-03-01') db += n;
          if (d >= '2026-04-01') docs += 1;
        }
        if (db > 0 || docs > 0) want.set(login, [db, docs]);
      }
      return want;
    };
    const read = async (now: number) =>
      new Map(
        (await readAccountMonths(t.ctx, [installationId], [], measures, toDay, now)).map((r) => [
          r.login,
          r.b,
        ]),
      );
    const now = t.clock.now();
    const first = await read(now);
    expect(first).toEqual(bounds(0));
    // Not vacuous: March adds to the first measure, and April's days count for the second.
    expect(first.get('before')).toEqual([4, 0]);
    expect([...first.values()].some(([, docs]) => docs! > 0)).toBe(true);

    // A late report adds requests to March: the kept month shows them once its slot expires.
    const late = userUsageDay(installationId, 'before', '2026-03-11', { db_requests: 7 });
    await t.ctx.db.insertInto('user_usage_daily').values(late).execute();
    await refreshUserMonths(t.ctx.db, installationId, [late.day]);
    try {
      expect(await read(now + 1000)).toEqual(bounds(0));
      expect(await read(now + CLOSED_TTL_MS)).toEqual(bounds(7));
    } finally {
      await t.ctx.db
        .deleteFrom('user_usage_daily')
        .where('installation_id', '=', installationId)
        .where('login', '=', late.login)
        .where('day', '=', late.day)
        .execute();
      await refreshUserMonths(t.ctx.db, installationId, [late.day]);
    }
  });

  it('the last day with a request up to a day, from the months, by day only in a month with requests after it', async () => {
    const logins = [...activity.keys()];
    // A day inside a month (the gap accounts have requests on both sides of it), a month's last day,
    // and a day before every request.
    for (const hi of ['2026-03-15', '2026-03-31', '2026-02-28', '2025-12-31']) {
      const got = await lastActiveDays(
        t.ctx,
        [...logins, 'never-listed'].map((login) => ({ installationId, login })),
        hi,
      );
      const want = new Map<string, string>();
      for (const login of logins) {
        const days = [...activity.get(login)!].filter(([d, db]) => db > 0 && d <= hi).map(([d]) => d);
        if (days.length) want.set(userKey(installationId, login), days.sort().at(-1)!);
      }
      expect(got, hi).toEqual(want);
    }
    // Not vacuous: on 15 March the gap account's last request is in that month, before a later one.
    const mid = await lastActiveDays(t.ctx, [{ installationId, login: 'gap' }], '2026-03-15');
    expect(mid.get(userKey(installationId, 'gap'))).toBe('2026-03-05');
    const zero = await lastActiveDays(t.ctx, [{ installationId, login: 'gap-zero' }], '2026-03-20');
    expect(zero.get(userKey(installationId, 'gap-zero'))).toBe('2026-03-05');
  });

  it("each account's first request of each month, up to the last day asked", async () => {
    const toDay = '2026-03-20';
    const got = await firstActiveDays(t.ctx, [installationId], '2026-02', toDay);
    const want = new Map<string, Map<string, string>>();
    for (const [login, days] of activity)
      for (const [d, db] of [...days].sort(([x], [y]) => (x < y ? -1 : 1))) {
        const month = d.slice(0, 7);
        if (db === 0 || month < '2026-02' || d > toDay) continue;
        const key = userKey(installationId, login);
        if (!want.has(key)) want.set(key, new Map());
        if (!want.get(key)!.has(month)) want.get(key)!.set(month, d);
      }
    expect(got).toEqual(want);
    expect(got.get(userKey(installationId, 'gap'))).toEqual(new Map([['2026-03', '2026-03-05']]));
    // After the last day asked: not counted.
    expect(got.has(userKey(installationId, 'after'))).toBe(false);
  });
});
