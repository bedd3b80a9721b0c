/**
 * The online-billing set-ups that billing.test.ts («Биллинг Онлайн. Статистика») and
 * billing-analytics.test.ts («… Аналитика») share: two more accesses in a dealer world, and a test
 * database with the DC simulator and the online poller reading it on the test clock.
 */
import type { AppContext } from '../../src/context.js';
import type { DbKind } from '../../src/db/dialect.js';
import { createOnlineAccess, type OnlineAccess } from '../../src/inventory/online.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { createOnlinePoller } from '../../src/online/poller.js';
import { probeRecorder } from '../../src/probes/service.js';
import { startDcServer, type DcServer } from '../../src/sim/dc/index.js';
import type { Account, AccountSpec } from '../../src/sim/dc/usage.js';
import { createDealer, type Dealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { openTestContext, type TestContext } from '../helpers/db.js';
import type { DealerWorld } from '../helpers/tenants.js';

const op = cliActor('test');

/**
 * Two accesses besides the world's o1 (c1, m1) and o2 (c2, m2): o3 of client c2 with manager m2 on
 * nps2.cntd.ru, o4 of client c1 with manager m1 on buh1.kodeks.ru. `code` is the one the world was
 * built with (it names the managers' mailboxes).
 */
export async function addBillingAccesses(
  ctx: AppContext,
  w: DealerWorld,
  code: string,
): Promise<{ o3: OnlineAccess; o4: OnlineAccess }> {
  const o3 = await createOnlineAccess(ctx, op, {
    clientId: w.c2.id,
    login: 'third',
    password: 'pw-3',
    host: 'nps2.cntd.ru',
    folder: 'kodeks03',
    managers: [{ managerId: w.m2.id, email: `petrov@${code}.example` }],
  });
  const o4 = await createOnlineAccess(ctx, op, {
    clientId: w.c1.id,
    login: 'fourth',
    password: 'pw-4',
    host: 'buh1.kodeks.ru',
    folder: 'kodeks04',
    managers: [{ managerId: w.m1.id, email: `ivanov@${code}.example` }],
  });
  return { o3, o4 };
}

export interface DcWorld {
  t: TestContext;
  /** Serves `accounts` on the test clock. */
  dc: DcServer;
  /** Dealer «sim», empty. */
  dealer: Dealer;
  /** The online poller's profile job against `dc`; any job error fails the test. */
  runner: JobRunner;
  /** An access of `dealer`'s client for a simulated account, as an administrator enters it. */
  addAccess(
    acc: Account,
    opts: { clientId: number; managerId: number; email: string; password?: string },
  ): Promise<OnlineAccess>;
  close(): Promise<void>;
}

/** A new database whose clock starts at `start`, the DC simulator with `accounts`, and the poller. */
export async function openDcWorld(
  kind: DbKind,
  opts: { seed: number; start: number; accounts: AccountSpec[] },
): Promise<DcWorld> {
  const t = await openTestContext(kind);
  t.clock.t = opts.start;
  let dc: DcServer | undefined;
  try {
    const sim = await startDcServer({ seed: opts.seed, clock: () => t.clock.now(), accounts: opts.accounts });
    dc = sim;
    const { dealer } = await createDealer(t.ctx, op, { code: 'sim', name: 'Sim dealer' });
    const poller = createOnlinePoller(t.ctx, probeRecorder(t.ctx), { resolveBaseUrl: () => sim.url });
    const runner = new JobRunner(t.ctx, [poller.profileHandler], {
      nodeId: 'test',
      syncEveryMs: 0,
      onError: (e) => {
        throw e;
      },
    });
    return {
      t,
      dc: sim,
      dealer,
      runner,
      addAccess: (acc, a) =>
        createOnlineAccess(t.ctx, op, {
          clientId: a.clientId,
          login: acc.login,
          password: a.password ?? acc.password,
          host: 'dc1.example.ru',
          folder: acc.folder,
          protocol: 'http',
          utcOffsetMin: acc.utcOffsetMin,
          managers: [{ managerId: a.managerId, email: a.email }],
        }),
      close: async () => {
        await runner.stop();
        await sim.close();
        await t.close();
      },
    };
  } catch (e) {
    await dc?.close();
    await t.close();
    throw e;
  }
}
