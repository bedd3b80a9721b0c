/**
 * Maintenance windows and silences hold notifications back for exactly their time, in the window's
 * own time zone, while the alert keeps firing and stays visible.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  parseLocalDateTime,
  windowActive,
  type MaintenanceWindowConfig,
} from '../../src/alerts/suppression.js';
import { createInstallation, type Installation } from '../../src/inventory/installations.js';
import type { CheckRecorder } from '../../src/metrics/checks.js';
import { probeRecorder } from '../../src/probes/service.js';
import { DB_KINDS } from '../helpers/db.js';
import { MANAGER_MAIL, MIN, op, startAlertWorld, type AlertWorld } from './harness.js';

const TZ = 'Asia/Yekaterinburg';

function weekly(days: number[], startTime: string, durationMin: number): MaintenanceWindowConfig {
  return {
    id: 1,
    scopeKind: 'dealer',
    scopeId: 1,
    timeZone: TZ,
    kind: 'weekly',
    startsAt: null,
    endsAt: null,
    days,
    startTime,
    durationMin,
    validFrom: null,
    validUntil: null,
  };
}

describe('maintenance window arithmetic', () => {
  it('reads local times in the window zone (Yekaterinburg is UTC+5)', () => {
    expect(parseLocalDateTime('2026-11-30T22:00', TZ)).toBe(Date.UTC(2026, 10, 30, 17, 0));
    expect(parseLocalDateTime('2026-12-01T02:00', TZ)).toBe(Date.UTC(2026, 10, 30, 21, 0));
    expect(parseLocalDateTime('2026-12-01T02:00Z', TZ)).toBe(Date.UTC(2026, 11, 1, 2, 0));
    expect(parseLocalDateTime('tomorrow', TZ)).toBeNull();
  });

  it('a weekly Monday 22:00 + 4 h window runs into Tuesday across the month boundary, and only then', () => {
    // 2026-11-30 is a Monday.
    const w = weekly([1], '22:00', 240);
    const at = (s: string) => parseLocalDateTime(s, TZ)!;
    expect(windowActive(w, at('2026-11-30T21:59'))).toBe(false);
    expect(windowActive(w, at('2026-11-30T22:00'))).toBe(true);
    expect(windowActive(w, at('2026-12-01T01:59'))).toBe(true);
    expect(windowActive(w, at('2026-12-01T02:00'))).toBe(false);
    expect(windowActive(w, at('2026-12-01T22:00'))).toBe(false); // Tuesday
    expect(windowActive(w, at('2026-12-07T23:00'))).toBe(true); // next Monday
  });

  it('keeps local hours across a DST change in a zone that has one', () => {
    const w = { ...weekly([7], '02:30', 60), timeZone: 'Europe/Berlin' };
    // 2026-10-25 (Sunday): Berlin goes from UTC+2 to UTC+1 at 03:00.
    expect(windowActive(w, Date.UTC(2026, 9, 25, 1, 45))).toBe(true); // 02:45 CET
    expect(windowActive(w, Date.UTC(2026, 9, 18, 0, 45))).toBe(true); // 02:45 CEST a week before
    expect(windowActive(w, Date.UTC(2026, 9, 18, 2, 0))).toBe(false);
  });
});

describe.each(DB_KINDS)('suppression in delivery (%s)', (kind) => {
  let w: AlertWorld;
  let inst: Installation;
  let rec: CheckRecorder;

  const fail = async (check: string) => {
    rec.add([
      {
        subject: { kind: 'installation', id: inst.id, dealerId: w.dealer.id },
        check,
        outcome: 'failed',
        code: 111,
        at: w.t.clock.now(),
      },
    ]);
    await rec.flush();
  };
  const mails = (name: string) =>
    w.smtp.messages.filter((m) => m.to.includes(MANAGER_MAIL) && m.subject.includes(` ${name} `));

  beforeEach(async () => {
    w = await startAlertWorld(kind);
    inst = await createInstallation(w.t.ctx, op, {
      clientId: w.client.id,
      kind: 'closed',
      managers: [{ managerId: w.manager.id, email: MANAGER_MAIL }],
    });
    rec = probeRecorder(w.t.ctx);
  });
  afterEach(async () => {
    await w.close();
  });

  it('a one-off window 22:00–02:00 Yekaterinburg across 30 Nov → 1 Dec holds the message until 02:00 local', async () => {
    w.t.clock.t = parseLocalDateTime('2026-11-30T21:00', TZ)!;
    await w.t.ctx.db
      .insertInto('maintenance_windows')
      .values({
        dealer_id: w.dealer.id,
        scope_kind: 'installation',
        scope_id: inst.id,
        time_zone: TZ,
        kind: 'once',
        starts_at: parseLocalDateTime('2026-11-30T22:00', TZ),
        ends_at: parseLocalDateTime('2026-12-01T02:00', TZ),
        days: null,
        start_time: null,
        duration_min: null,
        valid_from: null,
        valid_until: null,
        author: 'test',
        comment: 'server move',
        created_at: w.t.clock.now(),
      })
      .execute();
    w.t.clock.t = parseLocalDateTime('2026-11-30T23:00', TZ)!;
    await fail('tcp');
    await w.advance(3 * MIN + 50 * MIN, MIN);
    // Firing and visible, but nobody told.
    expect(Object.values(await w.open())).toContain('firing');
    expect(mails('KodeksTcpStatus')).toHaveLength(0);
    expect(w.telegram.messages).toHaveLength(0);
    w.t.clock.t = parseLocalDateTime('2026-12-01T01:59', TZ)!;
    await w.settle();
    expect(mails('KodeksTcpStatus')).toHaveLength(0);
    // The window ends at 02:00; the held message goes out within the recheck time.
    await w.advance(61_000, 1_000);
    expect(mails('KodeksTcpStatus')).toHaveLength(1);
    expect(w.smtp.messages.find((m) => m.subject.includes('KodeksTcpStatus'))!.at).toBeGreaterThanOrEqual(
      parseLocalDateTime('2026-12-01T02:00', TZ)!,
    );
  });

  it('a silence matching the alert and the installation holds messages for its time only', async () => {
    const start = w.t.clock.now();
    await w.t.ctx.db
      .insertInto('silences')
      .values({
        dealer_id: w.dealer.id,
        unit_id: null,
        matchers: JSON.stringify({ alerts: ['KodeksTcpStatus'], labels: { installation: String(inst.id) } }),
        starts_at: start,
        ends_at: start + 30 * MIN,
        author: 'test',
        comment: 'known network work',
        created_at: start,
      })
      .execute();
    await fail('tcp');
    await fail('icmp');
    await w.advance(10 * MIN, 30_000);
    // The ICMP alert is not silenced (K4, normal: manager only).
    expect(mails('KodeksIcmp')).toHaveLength(1);
    expect(mails('KodeksTcpStatus')).toHaveLength(0);
    await w.advance(21 * MIN, 30_000);
    expect(mails('KodeksTcpStatus')).toHaveLength(1);
  });
});
