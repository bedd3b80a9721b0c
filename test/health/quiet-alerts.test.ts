/**
 * Acceptance: an episodic client in its expected quiet month gets no low-activity alert, while its
 * empty searches still alert. The real engine and dispatcher run against a real SMTP sink; the
 * online accesses are read from the DC simulator through the poller's own client. A second client,
 * idle all year, gets the same low-activity alert delivered: the muting is about the profile, not the
 * alert.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAlerts } from '../../src/alerts/queries.js';
import { computeDealerHealth } from '../../src/health/compute.js';
import { createClient } from '../../src/inventory/clients.js';
import { createOnlineAccess, type OnlineAccess } from '../../src/inventory/online.js';
import { readProfile } from '../../src/online/client.js';
import { catchUpSearchLog, storeProfile } from '../../src/online/poller.js';
import { startDcServer, type DcServer } from '../../src/sim/dc/index.js';
import { isActiveEpisode, resolveAccount, searchLog, type Account } from '../../src/sim/dc/usage.js';
import { DB_KINDS } from '../helpers/db.js';
import { MANAGER_MAIL, op, startAlertWorld, type AlertWorld } from '../alerts/harness.js';
import { feedHistory, localAt } from './fleet.js';

const OFFSET = 180;
const EPISODIC = {
  login: 'epi',
  profile: 'episodic',
  utcOffsetMin: OFFSET,
  limits: { search: 5000 },
} as const;
const IDLE = { login: 'idle', profile: 'idle', utcOffsetMin: OFFSET } as const;

/**
 * A seed and a month of 2026 in which the episodic account is in a quiet month of its quarter (the
 * simulator's own ground truth) and its users ran at least one empty search on the 19th.
 */
function pickScenario(): { seed: number; month0: number; account: Account } {
  for (let seed = 1; seed < 2000; seed++) {
    const a = resolveAccount(seed, 0, EPISODIC);
    for (let month0 = 1; month0 < 11; month0++) {
      if (isActiveEpisode(a, 2026, month0)) continue;
      const day = `2026-${String(month0 + 1).padStart(2, '0')}-19`;
      if (searchLog(a, day).some((e) => e.status === 'empty')) return { seed, month0, account: a };
    }
  }
  throw new Error('no scenario found');
}

describe.each(DB_KINDS)('quiet periods of episodic clients (%s)', (kind) => {
  let w: AlertWorld;
  let dc: DcServer;
  let epi: OnlineAccess;
  let idle: OnlineAccess;
  let idleClientId: number;
  let scenario: ReturnType<typeof pickScenario>;

  beforeAll(async () => {
    scenario = pickScenario();
    const now = localAt(OFFSET, 2026, scenario.month0, 20, 12, 0);
    w = await startAlertWorld(kind, { code: 'quiet' });
    w.t.clock.t = now - 400 * 86_400_000;
    dc = await startDcServer({
      seed: scenario.seed,
      accounts: [EPISODIC, IDLE],
      clock: () => w.t.clock.now(),
    });
    const [ea, ia] = dc.accounts as [Account, Account];
    const other = await createClient(w.t.ctx, op, {
      dealerId: w.dealer.id,
      shortName: 'vasilek',
      managerIds: [w.manager.id],
    });
    idleClientId = other.id;
    const mk = (clientId: number, a: Account) =>
      createOnlineAccess(w.t.ctx, op, {
        clientId,
        login: a.login,
        password: a.password,
        host: 'dc.example',
        folder: a.folder,
        utcOffsetMin: a.utcOffsetMin,
        managers: [{ managerId: w.manager.id, email: MANAGER_MAIL }],
      });
    epi = await mk(w.client.id, ea);
    idle = await mk(other.id, ia);
    w.t.clock.t = now;
    for (const [acc, a] of [
      [epi, ea],
      [idle, ia],
    ] as const) {
      // A year of history, then today's reading and yesterday's search log over HTTP, as the poller does.
      await feedHistory(w.t.ctx, { id: acc.id, dealerId: w.dealer.id }, a, now - 86_400_000);
      const target = {
        accessId: acc.id,
        dealerId: w.dealer.id,
        host: 'dc.example',
        utcOffsetMin: a.utcOffsetMin,
        baseUrl: dc.url,
        folder: a.folder,
        login: a.login,
        password: a.password,
      };
      const read = await readProfile(target);
      if (!read.ok) throw new Error(read.message);
      await storeProfile(w.t.ctx, target, read.profile, now);
      const log = await catchUpSearchLog(w.t.ctx, target, now, {
        connectTimeoutMs: 5_000,
        readTimeoutMs: 5_000,
      });
      if (!log.ok) throw new Error(log.error);
    }
    await computeDealerHealth(w.t.ctx, w.dealer.id, now);
    await w.settle();
    await w.drain();
  }, 120_000);

  afterAll(async () => {
    await dc?.close();
    await w?.close();
  });

  it('detects the episodic client and knows this month is a quiet one', async () => {
    const rows = await w.t.ctx.db
      .selectFrom('client_health_daily')
      .select(['client_id', 'profile', 'profile_detail'])
      .execute();
    const mine = rows.find((r) => r.client_id === w.client.id)!;
    expect(mine.profile).toBe('episodic-quarterly');
    expect(JSON.parse(mine.profile_detail).quietNow.quiet).toBe(true);
    expect(rows.find((r) => r.client_id === idleClientId)!.profile).toBe('idle');
  });

  it('keeps the low-activity alert from the manager, but mails the empty searches', async () => {
    const open = await w.openRowsOf('online', epi.id);
    const names = open.filter((r) => r.state === 'firing').map((r) => r.name);
    // The rules still see both: muting is a suppression, shown, not a blind spot.
    expect(names).toContain('OnlineUserActivityIsLow20');
    expect(names).toContain('KodeksSearchIsEmpty');

    const toManager = w.smtp.messages.filter((m) => m.to.includes(MANAGER_MAIL));
    const about = (name: string, client: string) =>
      toManager.filter((m) => m.subject.includes(` ${name} `) && `${m.subject}\n${m.text}`.includes(client));
    expect(about('KodeksSearchIsEmpty', 'romashka').length).toBeGreaterThan(0);
    expect(about('OnlineUserActivityIsLow20', 'romashka')).toEqual([]);
    // The idle client is not episodic: the same alert reaches the manager.
    expect(about('OnlineUserActivityIsLow20', 'vasilek').length).toBeGreaterThan(0);
  });

  it('shows why the alert is muted where suppressions are shown', async () => {
    const { items } = await listAlerts(w.t.ctx, op, { state: 'open' });
    const of = (name: string, onlineId: number) =>
      items.filter((i) => i.name === name && i.subject.kind === 'online' && i.subject.id === onlineId);
    expect(of('OnlineUserActivityIsLow20', epi.id).map((i) => i.suppressedBy)).toEqual([
      'quiet:episodic-quarterly',
    ]);
    expect(of('OnlineUserActivityIsLow20', idle.id).map((i) => i.suppressedBy)).toEqual([null]);
    const empty = of('KodeksSearchIsEmpty', epi.id);
    expect(empty.length).toBeGreaterThan(0);
    expect(empty.every((i) => i.suppressedBy === null)).toBe(true);
  });
});
