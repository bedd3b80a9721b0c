/**
 * Delivery under load and faults: a maintenance storm over 500 installations must give Telegram a
 * bounded number of messages (the …Count forms) and each manager one grouped e-mail, with every
 * instance visible; an SMTP outage and Telegram 429/502 answers must end with every notification
 * delivered exactly once per reason.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateDealer } from '../../src/alerts/engine.js';
import { forgetAlertSettings } from '../../src/alerts/settings.js';
import { createManager, type Manager } from '../../src/tenancy/managers.js';
import { probeRecorder } from '../../src/probes/service.js';
import type { CheckRecorder } from '../../src/metrics/checks.js';
import { DB_KINDS } from '../helpers/db.js';
import { CHAT, HIGH_MAILBOX, HOUR, MIN, op, startAlertWorld, type AlertWorld } from './harness.js';

async function addInstallations(w: AlertWorld, n: number, managers: Manager[]): Promise<number[]> {
  const now = w.t.clock.now();
  const ids: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const row = await w.t.ctx.db
      .insertInto('installations')
      .values({
        dealer_id: w.dealer.id,
        client_id: w.client.id,
        kind: 'polled',
        source_key: `host${i}`,
        address: `srv${i}.example`,
        port: 80,
        protocol: 'http',
        probe_enabled: 0,
        collect_interval_s: 3600,
        asrp_period_s: 604800,
        utc_offset_min: 300,
        smartlogin_user: null,
        smartlogin_password_enc: null,
        licman_address: null,
        licman_port: null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const m = managers[i % managers.length]!;
    await w.t.ctx.db
      .insertInto('installation_managers')
      .values({ installation_id: row.id, manager_id: m.id, email: m.emails[0]! })
      .execute();
    ids.push(row.id);
  }
  // Pulled sysinfo is not part of these scenarios.
  await w.t.ctx.db
    .insertInto('alert_settings')
    .values({
      dealer_id: w.dealer.id,
      name: 'SmartXMLfileIsToOld',
      enabled: 0,
      count_threshold: null,
      for_ms: null,
      keep_firing_for_ms: null,
      group_wait_ms: null,
      group_interval_ms: null,
      repeat_interval_ms: null,
      params: null,
      updated_at: now,
    })
    .execute();
  forgetAlertSettings(w.t.ctx);
  return ids;
}

/** Every notification ended sent: none failed, none left waiting for a retry. */
async function expectAllSent(w: AlertWorld) {
  const notSent = await w.t.ctx.db
    .selectFrom('notifications')
    .select('id')
    .where('status', '!=', 'sent')
    .execute();
  expect(notSent).toHaveLength(0);
}

function observe(
  w: AlertWorld,
  rec: CheckRecorder,
  ids: number[],
  check: string,
  outcome: 'ok' | 'failed',
  code?: number,
) {
  rec.add(
    ids.map((id) => ({
      subject: { kind: 'installation' as const, id, dealerId: w.dealer.id },
      check,
      outcome,
      code: code ?? null,
      at: w.t.clock.now(),
    })),
  );
  return rec.flush();
}

describe.each(DB_KINDS)('delivery (%s)', (kind) => {
  let w: AlertWorld;
  beforeEach(async () => {
    w = await startAlertWorld(kind);
  });
  afterEach(async () => {
    await w.close();
  });

  it('storm: 500 installations in maintenance for more than 3 hours', { timeout: 240_000 }, async () => {
    const managers: Manager[] = [];
    for (let i = 0; i < 5; i += 1) {
      managers.push(
        await createManager(w.t.ctx, op, {
          dealerId: w.dealer.id,
          name: `Менеджер ${i}`,
          emails: [`m${i}@dealer.example`],
        }),
      );
    }
    const ids = await addInstallations(w, 500, managers);
    const rec = probeRecorder(w.t.ctx);
    // The probes see the maintenance over one minute, a tenth at a time.
    for (let k = 0; k < 10; k += 1) {
      await observe(w, rec, ids.slice(k * 50, (k + 1) * 50), 'state:maintenance', 'failed', 503);
      await w.advance(6_000, 6_000);
    }
    await w.advance(3 * HOUR + 10 * MIN, 5 * MIN);
    for (let i = 0; i < 10; i += 1) await w.advance(1_000);

    const firing = await w.t.ctx.db
      .selectFrom('alert_instances')
      .select(['name'])
      .where('state', '=', 'firing')
      .execute();
    const byName = new Map<string, number>();
    for (const r of firing) byName.set(r.name, (byName.get(r.name) ?? 0) + 1);
    expect(Object.fromEntries(byName)).toEqual({
      KodeksMaintenance: 500,
      KodeksMaintenanceToLong: 500,
      KodeksMaintenanceCount: 1,
      KodeksMaintenanceToLongCount: 1,
    });

    // Telegram: the Count forms only, a handful of messages, none refused for going too fast.
    const heads = w.telegram.messages.map((m) => m.text.split('\n')[1]);
    expect(heads).toContain('FIRING KodeksMaintenanceCount');
    expect(heads).toContain('FIRING KodeksMaintenanceToLongCount');
    expect(w.telegram.messages.length).toBeLessThanOrEqual(6);
    expect(w.telegram.messages.every((m) => m.chatId === CHAT && m.text.length <= 4096)).toBe(true);
    expect(w.telegram.rejected).toHaveLength(0);

    // Each manager: one e-mail per alert listing their 100 installations.
    for (const [i] of managers.entries()) {
      const mine = w.smtp.messages.filter((m) => m.to.includes(`m${i}@dealer.example`));
      const subjects = mine.map((m) => m.subject.split(' ').slice(0, 2).join(' ')).sort();
      expect(subjects).toEqual(['[FIRING:100] KodeksMaintenance', '[FIRING:100] KodeksMaintenanceToLong']);
      const list = mine[0]!.text.split('\n').filter((l) => l.startsWith('- '));
      expect(list).toHaveLength(100);
    }
    // The duty mailbox takes the high-priority one with every object.
    const duty = w.smtp.messages.filter((m) => m.to.includes(HIGH_MAILBOX));
    expect(duty.map((m) => m.subject.split(' ').slice(0, 2).join(' '))).toEqual([
      '[FIRING:500] KodeksMaintenanceToLong',
    ]);
    await expectAllSent(w);

    // Back from maintenance: RESOLVED for the Count forms in Telegram, and to each manager.
    await observe(w, rec, ids, 'state:maintenance', 'ok');
    await w.advance(15 * MIN, MIN);
    for (let i = 0; i < 10; i += 1) await w.advance(1_000);
    const tail = w.telegram.messages.map((m) => m.text.split('\n')[1]);
    expect(tail).toContain('RESOLVED KodeksMaintenanceCount');
    expect(tail).toContain('RESOLVED KodeksMaintenanceToLongCount');
    expect(w.telegram.messages.length).toBeLessThanOrEqual(10);
    const resolved = w.smtp.messages.filter(
      (m) => m.to.includes('m0@dealer.example') && m.subject.startsWith('[RESOLVED]'),
    );
    expect(resolved.map((m) => m.subject.split(' ')[1]).sort()).toEqual([
      'KodeksMaintenance',
      'KodeksMaintenanceToLong',
    ]);
  });

  it(
    'SMTP down for 5 minutes, Telegram answering 429 and 502: everything arrives exactly once',
    { timeout: 120_000 },
    async () => {
      const managers = [
        await createManager(w.t.ctx, op, {
          dealerId: w.dealer.id,
          name: 'Петров',
          emails: ['petrov@dealer.example'],
        }),
      ];
      const ids = await addInstallations(w, 3, managers);
      const rec = probeRecorder(w.t.ctx);
      await w.smtp.setDown(true);
      w.telegram.setFailure(CHAT, { kind: 'status', status: 502, times: 2 });
      await observe(w, rec, ids, 'tcp', 'failed', 111);
      // Probe alerts fire after 90 s; the first two sends meet 502.
      await w.advance(110_000, 10_000);
      expect(w.telegram.rejected.map((r) => r.status)).toEqual([502, 502]);
      // Then Telegram asks to slow down once.
      w.telegram.setFailure(CHAT, { kind: 'retry_after', seconds: 7, times: 1 });
      await w.advance(3 * MIN, 5_000);
      expect(w.smtp.messages).toHaveLength(0);
      await w.smtp.setDown(false);
      await w.advance(6 * MIN, 5_000);

      const manager = w.smtp.messages.filter((m) => m.to.includes('petrov@dealer.example'));
      expect(manager.map((m) => m.subject.split(' ').slice(0, 2).join(' '))).toEqual([
        '[FIRING:3] KodeksTcpStatus',
      ]);
      const duty = w.smtp.messages.filter((m) => m.to.includes(HIGH_MAILBOX));
      expect(duty).toHaveLength(1);
      const chat = w.telegram.messages.filter((m) => m.text.includes('FIRING KodeksTcpStatus'));
      expect(chat).toHaveLength(1);
      expect(w.telegram.rejected.map((r) => r.status)).toEqual(expect.arrayContaining([502, 429]));
      // Every attempt is recorded; the mail took several.
      const attempts = await w.t.ctx.db
        .selectFrom('notification_attempts as a')
        .innerJoin('notifications as n', 'n.id', 'a.notification_id')
        .select(['n.kind', 'a.ok', 'a.retry_after_ms'])
        .execute();
      expect(attempts.filter((a) => a.kind === 'email' && a.ok === 0).length).toBeGreaterThan(2);
      expect(attempts.some((a) => a.kind === 'telegram' && a.retry_after_ms === 7_000)).toBe(true);
      await expectAllSent(w);

      // Resolution is delivered once as well.
      await observe(w, rec, ids, 'tcp', 'ok');
      await w.advance(6 * MIN, 5_000);
      const resolved = w.smtp.messages.filter((m) => m.subject.startsWith('[RESOLVED] KodeksTcpStatus'));
      expect(resolved.map((m) => m.to[0]).sort()).toEqual([HIGH_MAILBOX, 'petrov@dealer.example'].sort());
      expect(w.telegram.messages.filter((m) => m.text.includes('RESOLVED KodeksTcpStatus'))).toHaveLength(1);
    },
  );

  it('a blocked bot fails the message, marks the channel and raises SmartNotificationFailed by e-mail', async () => {
    const managers = [
      await createManager(w.t.ctx, op, {
        dealerId: w.dealer.id,
        name: 'Сидоров',
        emails: ['sidorov@dealer.example'],
      }),
    ];
    const ids = await addInstallations(w, 1, managers);
    const rec = probeRecorder(w.t.ctx);
    w.telegram.setFailure(CHAT, { kind: 'blocked' });
    await observe(w, rec, ids, 'tcp', 'failed', 111);
    await w.advance(3 * MIN, 5_000);
    const failed = await w.t.ctx.db
      .selectFrom('notifications')
      .selectAll()
      .where('status', '=', 'failed')
      .execute();
    expect(failed.map((f) => f.kind)).toEqual(['telegram']);
    const channel = await w.t.ctx.db
      .selectFrom('notification_channels')
      .selectAll()
      .where('kind', '=', 'telegram')
      .executeTakeFirstOrThrow();
    expect(channel.last_error).toMatch(/blocked/);
    const alert = await w.t.ctx.db
      .selectFrom('alert_instances')
      .selectAll()
      .where('name', '=', 'SmartNotificationFailed')
      .executeTakeFirstOrThrow();
    expect(alert.state).toBe('firing');
    expect(
      w.smtp.messages.some(
        (m) => m.to.includes(HIGH_MAILBOX) && m.subject.includes('SmartNotificationFailed'),
      ),
    ).toBe(true);
    await evaluateDealer(w.t.ctx, w.dealer.id);
  });
});
