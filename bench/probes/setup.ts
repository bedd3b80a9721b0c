/** A fresh SQLite database with one dealer, one client and N polled installations of the fleet. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppContext } from '../../src/context.js';
import { openAndMigrate } from '../../src/db/database.js';
import { createClient } from '../../src/inventory/clients.js';
import { systemClock } from '../../src/lib/clock.js';
import { SecretBox } from '../../src/lib/secrets.js';
import type { PingResult } from '../../src/probes/icmp.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { SIM_HOST, simPassword } from './fleet.js';
import { StatementCounter } from './statements.js';

export interface BenchDb {
  ctx: AppContext;
  /** Every statement run through ctx.db (transactions included). */
  statements: StatementCounter;
  /** Rows in the samples table (the time series). */
  sampleRows(): Promise<number>;
  dir: string;
  close(): Promise<void>;
}

/**
 * ICMP is not part of this benchmark (raw ping needs privileges and spawns a process per probe): the
 * probe's icmp check gets an instant answer instead.
 */
export const benchPinger = async (): Promise<PingResult> => ({ outcome: 'ok', rttMs: 0, detail: 'bench' });

const INSERT_CHUNK = 500;

/** Opens a temp database and stores `n` installations at SIM_HOST:portBase+i, probed every intervalS. */
export async function openBenchDb(n: number, portBase: number, intervalS: number): Promise<BenchDb> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-bench-probes-'));
  const handle = await openAndMigrate(`sqlite:${path.join(dir, 'smart.db')}`);
  const statements = new StatementCounter();
  const ctx: AppContext = {
    db: handle.db.withPlugin(statements),
    dbKind: handle.kind,
    clock: systemClock,
    secrets: new SecretBox(randomBytes(32)),
  };
  const op = cliActor('bench');
  const { dealer } = await createDealer(ctx, op, { code: 'bench', name: 'Bench dealer' });
  const client = await createClient(ctx, op, { dealerId: dealer.id, shortName: 'bench' });
  const now = Date.now();
  // One transaction of multi-row inserts: createInstallation's checks would take minutes for 10,000.
  await ctx.db.transaction().execute(async (db) => {
    for (let i = 0; i < n; i += INSERT_CHUNK) {
      const rows = [];
      for (let k = i; k < Math.min(n, i + INSERT_CHUNK); k++) {
        const port = portBase + k;
        rows.push({
          dealer_id: dealer.id,
          client_id: client.id,
          kind: 'polled',
          source_key: `${SIM_HOST}:${port}`,
          address: SIM_HOST,
          port,
          protocol: 'http',
          probe_enabled: 1,
          collect_interval_s: 3600,
          asrp_period_s: 604_800,
          utc_offset_min: 180,
          smartlogin_user: 'smartlogin',
          smartlogin_password_enc: ctx.secrets.encrypt(simPassword(k)),
          probe_interval_s: intervalS,
          created_at: now,
          updated_at: now,
        });
      }
      await db.insertInto('installations').values(rows).execute();
    }
  });
  return {
    ctx,
    statements,
    async sampleRows() {
      const row = await handle.db
        .selectFrom('samples')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    dir,
    async close() {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
