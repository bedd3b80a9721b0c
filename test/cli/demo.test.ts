import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/cli/demo-seed.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { createCliEnv, smart, waitFor, type CliEnv } from './run.js';

const TABLES = [
  'dealers',
  'upload_tokens',
  'org_units',
  'managers',
  'users',
  'clients',
  'client_managers',
  'installations',
  'installation_managers',
  'online_accesses',
  'online_access_managers',
  'audit_log',
] as const;

async function counts(t: TestContext): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    const r = await t.ctx.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(r.n);
  }
  return out;
}

describe.each(DB_KINDS)('demo seeding (%s)', (kind) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await openTestContext(kind);
  });
  afterAll(() => t.close());

  it('creates the demo dealer, units, managers, users and imports; a second run changes nothing', async () => {
    const first = await seedDemo(t.ctx, cliActor('test'));
    expect(first.uploadToken).toMatch(/^smu_/);
    expect(first.created).toEqual(
      expect.arrayContaining([
        'dealer demo',
        'unit Филиал Север/Отдел сопровождения',
        'user demo',
        'user manager',
      ]),
    );
    expect(first.imports.map((i) => [i.kind, i.applied])).toEqual([
      ['managers', true],
      ['online', true],
    ]);
    const after1 = await counts(t);
    expect(after1).toMatchObject({ dealers: 1, org_units: 3, managers: 4, users: 3, installations: 13 });
    expect(after1.online_accesses).toBe(30);

    const second = await seedDemo(t.ctx, cliActor('test'));
    expect(second).toMatchObject({ uploadToken: null, created: [], imports: [] });
    expect(await counts(t)).toEqual(after1);
  });

  it('places every client in a unit, so the head and manager logins see their part', async () => {
    const clients = await t.ctx.db.selectFrom('clients').select(['short_name', 'unit_id']).execute();
    expect(clients.filter((c) => c.unit_id === null)).toEqual([]);
  });
});

describe.each(DB_KINDS)('smart demo (%s)', (kind) => {
  let t: CliEnv;
  beforeAll(async () => {
    t = await createCliEnv(kind);
  });
  afterAll(() => t.close());

  it('--no-serve seeds and exits; the second run reports nothing changed', async () => {
    const first = await smart(t.env, ['demo', '--no-serve']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('demo / demo');
    expect(first.stdout).toMatch(/upload token of dealer demo: smu_/);
    const second = await smart(t.env, ['demo', '--no-serve']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('demo data already in place; nothing changed');
    expect(second.stdout).not.toContain('upload token');
  });

  it('serves the demo: healthz answers, demo/demo sees every installation, the manager login only theirs', async () => {
    const stop = new AbortController();
    let out = '';
    const running = smart(t.env, ['demo', '--host', '127.0.0.1', '--port', '0'], {
      signal: stop.signal,
      onStdout: (all) => (out = all),
    });
    try {
      const url = (await waitFor(() => out, /running at (http:\/\/\S+)/))[1] as string;
      expect(out).toContain('manager / manager');
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const installationsAs = async (login: string) => {
        const res = await fetch(`${url}/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ login, password: login }),
        });
        expect(res.status).toBe(200);
        const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
        const list = await fetch(`${url}/api/installations`, { headers: { cookie } });
        expect(list.status).toBe(200);
        return ((await list.json()) as { sourceKey: string }[]).map((i) => i.sourceKey).sort();
      };
      expect(await installationsAs('demo')).toHaveLength(13);
      expect(await installationsAs('manager')).toEqual([
        '12345.te-cloud.ru:443',
        '12346.te-cloud.ru:443',
        'romashka',
        'vektor',
      ]);
      // Head of Филиал Север: Иванов (in its department) and Сидоров (in the branch).
      expect(await installationsAs('head')).toHaveLength(8);
      // The demo dealer's sysinfo goes to the simulated ASRP the demo started (it answers on loopback).
      const asrpUrl = (/simulated ASRP \((http:\/\/\S+)\)/.exec(out) ?? [])[1];
      expect(asrpUrl).toBeDefined();
      const settings = await t
        .db()
        .db.selectFrom('asrp_settings')
        .select(['enabled', 'endpoint', 'schedule_s'])
        .executeTakeFirstOrThrow();
      expect(settings).toMatchObject({ enabled: 1, schedule_s: 3600 });
      expect(settings.endpoint.startsWith(asrpUrl!)).toBe(true);
    } finally {
      stop.abort();
    }
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('stopping');
    // A whole demo process (seeding, a simulated fleet, its shutdown): on a loaded CI machine that took
    // longer than the default 30 s once, although it takes 3 s alone.
  }, 90_000);
});
