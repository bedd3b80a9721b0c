/**
 * Acceptance: on a seeded fleet of simulated online accesses whose usage profiles are known (the DC
 * simulator's `regular`, `sharer`, `idle`, `episodic` every 3 and every 6 months), a year of history
 * stored through the poller's path, with a month of readings missing for every third access, the
 * detector classifies at least 90 % correctly. The confusion table is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDealerHealth } from '../../src/health/compute.js';
import { createClient } from '../../src/inventory/clients.js';
import { createOnlineAccess } from '../../src/inventory/online.js';
import { makeAccounts, type Account, type AccountSpec } from '../../src/sim/dc/usage.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { feedHistory } from './fleet.js';

const op = cliActor('test');
/** Monday 2026-11-23, 09:00 Moscow. */
const NOW = Date.UTC(2026, 10, 23, 6, 0);

/** What the detector should say for each simulated behaviour (the test's own mapping). */
function truthOf(a: Account): string {
  switch (a.profile) {
    case 'regular':
      return 'regular';
    case 'sharer':
      return 'sharing';
    case 'idle':
      return 'idle';
    case 'episodic':
      return a.episodePeriodMonths === 6 ? 'episodic-half-yearly' : 'episodic-quarterly';
  }
}

const SPECS: AccountSpec[] = [
  ...Array.from({ length: 10 }, (): AccountSpec => ({ profile: 'regular' })),
  ...Array.from({ length: 8 }, (): AccountSpec => ({ profile: 'sharer' })),
  ...Array.from({ length: 8 }, (): AccountSpec => ({ profile: 'idle' })),
  ...Array.from({ length: 8 }, (): AccountSpec => ({ profile: 'episodic' })),
  ...Array.from({ length: 6 }, (): AccountSpec => ({ profile: 'episodic', episodePeriodMonths: 6 })),
];

describe.each(DB_KINDS)('usage profile detection on a seeded fleet (%s)', (kind) => {
  let t: TestContext;
  const truth = new Map<number, string>();
  let found = new Map<number, string>();

  beforeAll(async () => {
    t = await openTestContext(kind);
    t.clock.t = NOW;
    const { dealer } = await createDealer(t.ctx, op, { code: 'prof', name: 'Profiles' });
    const accounts = makeAccounts(2026, SPECS);
    for (const [i, a] of accounts.entries()) {
      const client = await createClient(t.ctx, op, { dealerId: dealer.id, shortName: `client${i + 1}` });
      const access = await createOnlineAccess(t.ctx, op, {
        clientId: client.id,
        login: a.login,
        password: a.password,
        host: 'dc.example',
        folder: a.folder,
        utcOffsetMin: a.utcOffsetMin,
      });
      // Every third access missed a whole month of readings (a collection outage), a different one each.
      const outage = i % 3 === 0 ? (i * 5) % 12 : -1;
      await feedHistory(t.ctx, { id: access.id, dealerId: dealer.id }, a, NOW, {
        skipMonth: (y, m0) => (y * 12 + m0) % 12 === outage,
      });
      truth.set(client.id, truthOf(a));
    }
    const run = await computeDealerHealth(t.ctx, dealer.id, NOW);
    found = new Map(run.results.map((r) => [r.clientId, r.profile.profile]));
  }, 240_000);

  afterAll(async () => {
    await t?.close();
  });

  it('classifies at least 90 % of the clients as their simulated behaviour', () => {
    const labels = [...new Set([...truth.values(), ...found.values()])].sort();
    const table: Record<string, Record<string, number>> = {};
    for (const l of new Set(truth.values())) table[l] = Object.fromEntries(labels.map((x) => [x, 0]));
    let right = 0;
    for (const [id, want] of truth) {
      const got = found.get(id) ?? 'missing';
      table[want]![got] = (table[want]![got] ?? 0) + 1;
      if (got === want) right++;
    }
    console.log(`confusion table (${kind}): rows = truth, columns = detected`);
    console.table(table);
    const accuracy = right / truth.size;
    console.log(`accuracy ${right}/${truth.size} = ${(accuracy * 100).toFixed(1)} %`);
    expect(truth.size).toBe(SPECS.length);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    // Every behaviour is represented and mostly recognised, not just the majority class.
    for (const want of new Set(truth.values())) {
      const ofKind = [...truth].filter(([, w]) => w === want);
      const ok = ofKind.filter(([id]) => found.get(id) === want).length;
      expect(ok / ofKind.length, want).toBeGreaterThanOrEqual(0.75);
    }
  });
});
