import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type Client, type Res, type TestServer } from './harness.js';

/**
 * `PATCH /api/maintenance-windows/:id`: any field of the create body, checked the same way (the merged
 * window is validated as a whole, so errors name the body's field), with the create's scope rules for
 * the window as it is and as it becomes.
 */

interface Window {
  id: number;
  dealerId: number;
  scope: { kind: string; id: number };
  timeZone: string;
  kind: 'once' | 'weekly';
  startsAt: number | null;
  endsAt: number | null;
  days: number[];
  startTime: string | null;
  durationMin: number | null;
  validFrom: number | null;
  validUntil: number | null;
  author: string;
  comment: string;
  active: boolean;
}

function expectStatus(r: Res, status: number, what = ''): void {
  expect(r.status, `${what} ${r.text}`).toBe(status);
}

/** A 400 whose message and details name `field` and say what is wrong with it. */
function expectInvalid(r: Res, field: string, what: string): void {
  expect(r.status, r.text).toBe(400);
  const b = body<{ error: string; message: string; details: string[] }>(r);
  expect(b.error).toBe('invalid');
  expect(
    b.details.some((d) => d.startsWith(`${field}: `) && d.includes(what)),
    r.text,
  ).toBe(true);
  expect(b.message).toContain(`${field}: `);
}

describe.each(DB_KINDS)('HTTP: editing maintenance windows (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let admin: Client;
  let head1: Client;
  let manager1: Client;
  let viewer2: Client;
  let bAdmin: Client;
  const YEKT = { timeZone: 'Asia/Yekaterinburg' };

  const create = async (c: Client, payload: object): Promise<Window> => {
    const r = await c.post('/api/maintenance-windows', payload);
    expectStatus(r, 201, 'create');
    return body<Window>(r);
  };
  const get = async (id: number) => body<Window>(await admin.get(`/api/maintenance-windows/${id}`));
  const patch = (c: Client, id: number | string, p: object) => c.patch(`/api/maintenance-windows/${id}`, p);

  beforeAll(async () => {
    s = await startTestServer(kind);
    a = await buildDealerWorld(s.t.ctx, 'mwa');
    b = await buildDealerWorld(s.t.ctx, 'mwb');
    const login = (l: string) => loginAs(s.url, l, TEST_PASSWORD);
    admin = await login(a.users.admin.login);
    head1 = await login(a.users.head1.login);
    manager1 = await login(a.users.manager1.login);
    viewer2 = await login(a.users.viewer2.login);
    bAdmin = await login(b.users.admin.login);
  });
  afterAll(() => s.close());

  it('changes only the fields it names, reading local times in the window zone', async () => {
    // The test clock stands at 2026-11-01 09:00 UTC.
    const w = await create(admin, {
      ...YEKT,
      scope: { kind: 'client', id: a.c1.id },
      kind: 'once',
      start: '2026-11-20T22:00',
      end: '2026-11-21T02:30',
      comment: 'переезд',
    });
    const r = await patch(admin, w.id, { end: '2026-11-21T04:00' });
    expectStatus(r, 200);
    expect(body<Window>(r)).toMatchObject({
      id: w.id,
      startsAt: Date.UTC(2026, 10, 20, 17, 0),
      endsAt: Date.UTC(2026, 10, 20, 23, 0),
      comment: 'переезд',
      author: a.users.admin.login,
    });
    expect(await get(w.id)).toEqual(body<Window>(r));
    // A new zone keeps the stored instants; local times sent with it are read in it.
    const moved = body<Window>(await patch(admin, w.id, { timeZone: 'Europe/Moscow', comment: 'ночью' }));
    expect(moved).toMatchObject({ timeZone: 'Europe/Moscow', startsAt: w.startsAt, comment: 'ночью' });
    const local = body<Window>(await patch(admin, w.id, { start: '2026-11-20T22:00' }));
    expect(local.startsAt).toBe(Date.UTC(2026, 10, 20, 19, 0));
    // The window now covers 22:00 Moscow; active reflects the stored change.
    const at = Date.UTC(2026, 10, 20, 20, 0);
    const list = body<Window[]>(await admin.get(`/api/maintenance-windows?at=${at}`));
    expect(list.find((x) => x.id === w.id)?.active).toBe(true);
    // Nothing to change is not an error.
    expect(body<Window>(await patch(admin, w.id, {}))).toEqual(await get(w.id));
    const audit = await s.t.ctx.db
      .selectFrom('audit_log')
      .select(['actor', 'details'])
      .where('action', '=', 'update')
      .where('entity', '=', 'maintenance_window')
      .where('entity_id', '=', String(w.id))
      .orderBy('id')
      .execute();
    expect(audit.map((x) => JSON.parse(x.details).changed)).toEqual([
      ['end'],
      ['comment', 'timeZone'],
      ['start'],
      [],
    ]);
  });

  it('switches between one-off and weekly and drops what the old kind had', async () => {
    const w = await create(admin, {
      ...YEKT,
      scope: { kind: 'installation', id: a.i1.id },
      kind: 'once',
      start: '2026-11-20T22:00',
      end: '2026-11-21T02:30',
      comment: 'обновление',
    });
    expectInvalid(await patch(admin, w.id, { days: [1] }), 'body.days', 'send kind to change it');
    expectInvalid(await patch(admin, w.id, { validFrom: null }), 'body.validFrom', 'only for weekly');
    const half = await patch(admin, w.id, { kind: 'weekly', days: [3] });
    expectInvalid(half, 'body.startTime', 'required when kind changes to weekly');
    expectInvalid(half, 'body.durationMin', 'required when kind changes to weekly');
    const weekly = await patch(admin, w.id, {
      kind: 'weekly',
      days: [5, 1, 5],
      startTime: '02:00',
      durationMin: 90,
      validFrom: '2026-12-01T00:00',
    });
    expectStatus(weekly, 200);
    expect(body<Window>(weekly)).toMatchObject({
      kind: 'weekly',
      startsAt: null,
      endsAt: null,
      days: [1, 5],
      startTime: '02:00',
      durationMin: 90,
      validFrom: Date.UTC(2026, 10, 30, 19, 0),
      validUntil: null,
    });
    expectInvalid(await patch(admin, w.id, { start: 1 }), 'body.start', 'only for once');
    expectInvalid(
      await patch(admin, w.id, { validUntil: '2026-11-30T00:00' }),
      'body.validUntil',
      'must be later than validFrom',
    );
    const cleared = body<Window>(await patch(admin, w.id, { validFrom: null, durationMin: 30 }));
    expect(cleared).toMatchObject({ validFrom: null, durationMin: 30, days: [1, 5] });
    const back = await patch(admin, w.id, {
      kind: 'once',
      start: Date.UTC(2026, 11, 1),
      end: Date.UTC(2026, 11, 2),
    });
    expectStatus(back, 200);
    expect(body<Window>(back)).toMatchObject({
      kind: 'once',
      days: [],
      startTime: null,
      durationMin: null,
      startsAt: Date.UTC(2026, 11, 1),
    });
  });

  it('validates every field the way create does, naming it', async () => {
    const w = await create(admin, {
      ...YEKT,
      scope: { kind: 'client', id: a.c1.id },
      kind: 'once',
      start: '2026-11-20T22:00',
      end: '2026-11-21T02:30',
      comment: 'проверка',
    });
    const before = await get(w.id);
    expectInvalid(
      await patch(admin, w.id, { end: '2026-11-20T21:00' }),
      'body.end',
      'must be later than start',
    );
    expectInvalid(
      await patch(admin, w.id, { start: '2026-11-22T00:00' }),
      'body.end',
      'must be later than start',
    );
    expectInvalid(await patch(admin, w.id, { start: '20.11.2026 22:00' }), 'body.start', 'YYYY-MM-DDTHH:MM');
    expectInvalid(await patch(admin, w.id, { start: true }), 'body.start', 'expected number or string');
    expectInvalid(await patch(admin, w.id, { timeZone: 'Mars/Olympus' }), 'body.timeZone', 'IANA');
    expectInvalid(await patch(admin, w.id, { comment: ' ' }), 'body.comment', 'Too small');
    expectInvalid(await patch(admin, w.id, { kind: 'monthly' }), 'body.kind', 'once');
    expectInvalid(
      await patch(admin, w.id, { scope: { kind: 'planet', id: 1 } }),
      'body.scope.kind',
      'installation',
    );
    expectInvalid(
      await patch(admin, w.id, { scope: { kind: 'client' } }),
      'body.scope.id',
      'expected number',
    );
    expectInvalid(await patch(admin, w.id, { commnet: 'x' }), 'body.commnet', 'unknown field');
    expectInvalid(
      await patch(admin, w.id, { end: Date.UTC(2026, 9, 1), start: Date.UTC(2026, 8, 1) }),
      'body.end',
      'in the future',
    );
    expectInvalid(await patch(admin, 'x', { comment: 'x' }), 'params.id', 'positive integer id');
    expect(await get(w.id)).toEqual(before);

    // A past one-off window keeps its comment editable; its times cannot be moved into the past.
    const now = s.t.clock.now();
    const soon = await create(admin, {
      ...YEKT,
      scope: { kind: 'client', id: a.c1.id },
      kind: 'once',
      start: now + 3_600_000,
      end: now + 7_200_000,
      comment: 'скоро',
    });
    try {
      s.t.clock.t = now + 3 * 3_600_000;
      expectStatus(await patch(admin, soon.id, { comment: 'было' }), 200);
      expectInvalid(
        await patch(admin, soon.id, { end: now + 9_000_000 }),
        'body.end',
        'must be in the future',
      );
    } finally {
      s.t.clock.t = now;
    }
  });

  it('keeps the scope rules: 404 out of scope, 403 for read-only roles and dealer-wide windows', async () => {
    const base = { ...YEKT, kind: 'weekly', days: [7], startTime: '03:00', durationMin: 60, comment: 'ночь' };
    const c1Win = await create(admin, { ...base, scope: { kind: 'client', id: a.c1.id } });
    const c2Win = await create(admin, { ...base, scope: { kind: 'client', id: a.c2.id } });
    const dealerWin = await create(admin, { ...base, scope: { kind: 'dealer', id: a.dealer.id } });
    const bWin = await create(bAdmin, { ...base, scope: { kind: 'installation', id: b.i1.id } });
    const snapshot = async () =>
      JSON.stringify(await Promise.all([c1Win, c2Win, dealerWin].map((w) => get(w.id))));
    const before = await snapshot();

    // Another dealer: its windows and scope objects do not exist.
    for (const w of [c1Win, c2Win, dealerWin]) {
      expectStatus(await patch(bAdmin, w.id, { comment: 'x' }), 404, 'B admin');
    }
    expectStatus(await patch(admin, bWin.id, { comment: 'x' }), 404, 'A admin, B window');
    expectStatus(await patch(admin, c1Win.id, { scope: { kind: 'installation', id: b.i1.id } }), 404);
    expectStatus(await patch(admin, c1Win.id, { dealerId: b.dealer.id }), 404, 'dealer cross-check');
    // A head: their subtree only, never dealer-wide.
    expectStatus(await patch(head1, c2Win.id, { comment: 'x' }), 404, 'head, other branch');
    expectStatus(await patch(head1, dealerWin.id, { comment: 'x' }), 403, 'head, dealer-wide');
    expectStatus(await patch(head1, c1Win.id, { scope: { kind: 'installation', id: a.i2.id } }), 404);
    const widen = await patch(head1, c1Win.id, { scope: { kind: 'dealer', id: a.dealer.id } });
    expectStatus(widen, 403, 'head widens to the dealer');
    expect(body<{ message: string }>(widen).message).toContain('dealer-wide');
    // Read-only roles see windows but may not change them.
    expectStatus(await patch(manager1, c1Win.id, { comment: 'x' }), 403, 'manager');
    expectStatus(await patch(viewer2, c2Win.id, { comment: 'x' }), 403, 'viewer');
    expectStatus(await patch(viewer2, c1Win.id, { comment: 'x' }), 404, 'viewer, other branch');
    expect(await snapshot()).toBe(before);
    expect(body<Window>(await bAdmin.get(`/api/maintenance-windows/${bWin.id}`)).comment).toBe('ночь');

    // Allowed: a head moves a window within their subtree; the admin makes one dealer-wide.
    const moved = await patch(head1, c1Win.id, {
      scope: { kind: 'installation', id: a.i1.id },
      comment: 'сервер',
    });
    expectStatus(moved, 200);
    expect(body<Window>(moved)).toMatchObject({
      scope: { kind: 'installation', id: a.i1.id },
      comment: 'сервер',
    });
    const wide = await patch(admin, c2Win.id, {
      scope: { kind: 'dealer', id: a.dealer.id },
      dealerId: a.dealer.id,
    });
    expectStatus(wide, 200);
    expect(body<Window>(wide)).toMatchObject({
      dealerId: a.dealer.id,
      scope: { kind: 'dealer', id: a.dealer.id },
    });
    expectStatus(await patch(head1, c2Win.id, { comment: 'x' }), 403, 'now dealer-wide');
  });
});
