/**
 * Usage profiles of installations: simulated ПК (the Kodeks simulator, some with the `episode` knob)
 * send a sysinfo report at the end of every month for a year through the real parser and store, and
 * the detector tells the regular ones from those that work one month a quarter or a half-year.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDealerHealth } from '../../src/health/compute.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { generateSysinfoXmlString, makeProfile, type ClientProfile } from '../../src/sim/kodeks/index.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { ingestSysinfo } from '../dashboards/report-seed.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { localAt } from './fleet.js';

const op = cliActor('test');
const OFFSET = 180;
/** 2026-11-23 09:00 Moscow. */
const NOW = localAt(OFFSET, 2026, 10, 23, 9, 0);

const CASES: { name: string; episode?: ClientProfile['episode']; want: string }[] = [
  { name: 'reg1', want: 'regular' },
  { name: 'reg2', want: 'regular' },
  { name: 'qtr1', episode: { periodMonths: 3, phase: 0 }, want: 'episodic-quarterly' },
  { name: 'qtr2', episode: { periodMonths: 3, phase: 2 }, want: 'episodic-quarterly' },
  { name: 'half', episode: { periodMonths: 6, phase: 4 }, want: 'episodic-half-yearly' },
];

describe.each(DB_KINDS)('usage profiles of installations (%s)', (kind) => {
  let t: TestContext;
  let tmp: string;
  const want = new Map<number, string>();
  const got = new Map<number, string>();

  beforeAll(async () => {
    t = await openTestContext(kind);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-health-'));
    const { dealer } = await createDealer(t.ctx, op, { code: 'inst', name: 'Installations' });
    let seq = 0;
    for (const [i, c] of CASES.entries()) {
      const p = makeProfile({
        seed: 100 + i,
        shortName: c.name,
        users: 4,
        seats: 5,
        utcOffsetMin: OFFSET,
        searchLogHours: 1,
        eventLogDays: 1,
        ...(c.episode ? { episode: c.episode } : {}),
      });
      const client = await createClient(t.ctx, op, { dealerId: dealer.id, shortName: c.name });
      const inst = await createInstallation(t.ctx, op, {
        clientId: client.id,
        kind: 'agent',
        utcOffsetMin: OFFSET,
      });
      want.set(client.id, c.want);
      // A report at 23:00 on the last day of each of the last 12 months: it carries the whole month.
      for (let k = 12; k >= 1; k--) {
        const last = new Date(Date.UTC(2026, 10 - k + 1, 0));
        const at = localAt(OFFSET, last.getUTCFullYear(), last.getUTCMonth(), last.getUTCDate(), 23, 0);
        seq++;
        await ingestSysinfo(t, {
          dealerId: dealer.id,
          installationId: inst.id,
          sourceName: c.name,
          xml: generateSysinfoXmlString(p, at),
          utcOffsetMin: OFFSET,
          receivedAt: at + 60_000,
          sha256: `sha-health-${kind}-${seq}`,
          dir: tmp,
          fileName: `r${seq}.xml`,
        });
      }
    }
    t.clock.t = NOW;
    const run = await computeDealerHealth(t.ctx, dealer.id, NOW);
    for (const r of run.results) got.set(r.clientId, r.profile.profile);
  }, 240_000);

  afterAll(async () => {
    await t?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('tells regular installations from quarterly and half-yearly ones', () => {
    expect([...got].sort()).toEqual([...want].sort());
  });
});
