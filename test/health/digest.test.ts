/**
 * The managers' digests, end to end: the hourly health job at the dealer's local times, the alerting
 * outbox and dispatcher, a real SMTP sink. A client whose shared login runs out of documents early
 * month after month (the DC simulator's `sharer`) has a critical alert firing since the evening: the
 * morning digest names it, the weekly digest names its band change, the early-exhaustion and upsell
 * signals and the open incident; each digest arrives once however often the job runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MORNING_DIGEST, WEEKLY_DIGEST } from '../../src/health/digest.js';
import { runHealthDue } from '../../src/health/node.js';
import { createOnlineAccess } from '../../src/inventory/online.js';
import { storeProfile } from '../../src/online/poller.js';
import { makeAccounts, usageAt, type Account } from '../../src/sim/dc/usage.js';
import { DB_KINDS } from '../helpers/db.js';
import { MANAGER_MAIL, op, startAlertWorld, type AlertWorld } from '../alerts/harness.js';
import { feedHistory, localAt } from './fleet.js';

const OFFSET = 180;
/** Sunday 2026-11-22 20:00 Moscow: the alert fires the evening before. */
const SUNDAY_EVENING = localAt(OFFSET, 2026, 10, 22, 20, 0);
const at = (h: number, mi = 10) => localAt(OFFSET, 2026, 10, 23, h, mi);

describe.each(DB_KINDS)('health digests (%s)', (kind) => {
  let w: AlertWorld;
  let account: Account;
  let expectedEarly: number;
  const runs: Awaited<ReturnType<typeof runHealthDue>>[] = [];

  const digestMails = (subjectPart: string) =>
    w.smtp.messages.filter((m) => m.to.includes(MANAGER_MAIL) && m.subject.includes(subjectPart));

  beforeAll(async () => {
    w = await startAlertWorld(kind, { code: 'dig' });
    [account] = makeAccounts(11, [{ login: 'shared', profile: 'sharer', utcOffsetMin: OFFSET }]) as [Account];
    const access = await createOnlineAccess(w.t.ctx, op, {
      clientId: w.client.id,
      login: account.login,
      password: account.password,
      host: 'dc.example',
      folder: account.folder,
      utcOffsetMin: OFFSET,
      managers: [{ managerId: w.manager.id, email: MANAGER_MAIL }],
    });
    w.t.clock.t = SUNDAY_EVENING;
    await feedHistory(w.t.ctx, { id: access.id, dealerId: w.dealer.id }, account, SUNDAY_EVENING);
    const target = { accessId: access.id, dealerId: w.dealer.id, utcOffsetMin: OFFSET };
    await storeProfile(w.t.ctx, target, usageAt(account, SUNDAY_EVENING), SUNDAY_EVENING);
    await w.settle();
    await w.drain();
    // Last week the job had found the client healthy (a stored day, as the job leaves it).
    await w.t.ctx.db
      .insertInto('client_health_daily')
      .values({
        client_id: w.client.id,
        day: '2026-11-16',
        dealer_id: w.dealer.id,
        score: 95,
        band: 'healthy',
        measures: '{}',
        profile: 'sharing',
        profile_detail: JSON.stringify({ monthsWithData: 12, activeMonths: [], earlyExhaustedMonths: [] }),
        signals: '[]',
        computed_at: SUNDAY_EVENING - 6 * 86_400_000,
      })
      .execute();
    // Ground truth of the simulator: months of the last 6 (November included) whose documents were
    // gone by the evening of the 19th.
    expectedEarly = 0;
    for (let k = 0; k < 6; k++) {
      const t19 = localAt(OFFSET, 2026, 10 - k, 19, 18, 30);
      if (usageAt(account, t19).docs.remaining <= 0) expectedEarly++;
    }
    // The job runs every hour through the night and the morning.
    for (const h of [0, 3, 5, 6, 8, 9, 10, 11]) {
      w.t.clock.t = at(h);
      runs.push(await runHealthDue(w.t.ctx, w.dealer.id, w.t.clock.now()));
      await w.dispatcher.runUntilIdle();
    }
  }, 120_000);

  afterAll(async () => {
    await w?.close();
  });

  it('computes the day once, from the daily hour on', () => {
    expect(runs.map((r) => r.computed)).toEqual([false, false, true, false, false, false, false, false]);
  });

  it('mails the morning digest of critical alerts left firing overnight, once', async () => {
    const mails = digestMails('Не закрыто за ночь');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain('romashka');
    expect(mails[0]!.text).toContain('OnlineBillingDocsLeftZero');
    const sent = await w.t.ctx.db
      .selectFrom('notifications')
      .select(['alert_name', 'status'])
      .where('alert_name', '=', MORNING_DIGEST)
      .execute();
    expect(sent).toEqual([{ alert_name: MORNING_DIGEST, status: 'sent' }]);
  });

  it('mails the weekly digest with the band change, the signals and the open incident, once', async () => {
    expect(expectedEarly).toBeGreaterThanOrEqual(3);
    const mails = digestMails('Клиенты за неделю 2026-W48');
    expect(mails).toHaveLength(1);
    const text = mails[0]!.text;
    const today = await w.t.ctx.db
      .selectFrom('client_health_daily')
      .select(['band', 'early_exhaustion'])
      .where('client_id', '=', w.client.id)
      .where('day', '=', '2026-11-23')
      .executeTakeFirstOrThrow();
    expect(today.early_exhaustion).toBe(expectedEarly);
    expect(today.band).not.toBe('healthy');
    expect(text).toMatch(/Изменилась оценка:\n\s+• romashka: в норме → /);
    expect(text).toContain(`исчерпан до 20-го числа в ${expectedEarly} из последних 6 мес.`);
    expect(text).toContain('Допродажа');
    expect(text).toMatch(/Открытые инциденты:[\s\S]*romashka: OnlineBillingDocsLeftZero/);
    const rows = await w.t.ctx.db.selectFrom('health_digests').select(['kind', 'period', 'target']).execute();
    expect(rows.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: 'morning', period: '2026-11-23', target: MANAGER_MAIL },
      { kind: 'weekly', period: '2026-W48', target: MANAGER_MAIL },
    ]);
    const weekly = await w.t.ctx.db
      .selectFrom('notifications')
      .select('id')
      .where('alert_name', '=', WEEKLY_DIGEST)
      .execute();
    expect(weekly).toHaveLength(1);
  });
});
