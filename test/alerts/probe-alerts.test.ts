/**
 * Scenario: a Kodeks simulator is driven into each fault the probes can see; the exact alert (name,
 * labels, priority) must fire through pending → firing, reach the manager's mailbox (and Telegram for
 * high priority), and resolve with a RESOLVED message once the fault is gone.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAlertDef } from '../../src/alerts/catalogue.js';
import { updateInstallation, type Installation } from '../../src/inventory/installations.js';
import type { Fault } from '../../src/sim/kodeks/faults.js';
import type { KodeksServer } from '../../src/sim/kodeks/index.js';
import { DB_KINDS } from '../helpers/db.js';
import {
  CHAT,
  HIGH_MAILBOX,
  MANAGER_MAIL,
  op,
  startAlertWorld,
  startProbing,
  startSimInstallation,
  type AlertWorld,
  type Probing,
} from './harness.js';

/** Each fault and the alerts it must open (others must stay closed), with what they must carry. */
const CASES: { fault: Fault; firing: string[]; inhibited?: string[] }[] = [
  { fault: 'down', firing: ['KodeksTcpStatus'], inhibited: ['KodeksHttp200Status'] },
  { fault: 'server_not_started', firing: ['KodeksHttp200Status'] },
  { fault: 'needs_service', firing: ['KodeksNeedSupport', 'KodeksWarning'] },
  { fault: 'key_lost', firing: ['KodeksOnlineSensLockCheck'] },
  { fault: 'licences_exhausted', firing: ['KodeksLimitsUsers'] },
  { fault: 'db_error', firing: ['KodeksWarning'] },
  { fault: 'reverse_proxy_down', firing: ['KodeksBehindProxyDown'], inhibited: ['KodeksHttp200Status'] },
  { fault: 'maintenance', firing: ['KodeksMaintenance'] },
];

describe.each(DB_KINDS)('probe faults → alerts → messages (%s)', (kind) => {
  let w: AlertWorld;
  let sim: KodeksServer;
  let inst: Installation;
  let probing: Probing;

  const firingNames = async () =>
    (
      await w.t.ctx.db
        .selectFrom('alert_instances')
        .select(['name', 'state', 'inhibited_by'])
        .where('resolved_at', 'is', null)
        .where('subject_kind', '=', 'installation')
        .execute()
    )
      .filter((r) => r.state === 'firing')
      .map((r) => (r.inhibited_by ? `${r.name}(inhibited)` : r.name))
      .sort();
  /** The open instance of `name`, which must carry the installation's labels. */
  const expectOpenWithLabels = async (name: string) => {
    const row = await w.t.ctx.db
      .selectFrom('alert_instances')
      .selectAll()
      .where('name', '=', name)
      .where('resolved_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.labels)).toMatchObject({
      alertname: name,
      dealer: 'alrt',
      client: 'romashka',
      installation: String(inst.id),
      host: '127.0.0.1',
    });
    return row;
  };

  beforeAll(async () => {
    w = await startAlertWorld(kind);
    ({ sim, inst } = await startSimInstallation(w));
    probing = startProbing(w);
    await probing.rounds(2);
  });
  afterAll(async () => {
    await probing?.stop();
    await sim?.close();
    await w?.close();
  });

  it('a healthy installation has no alerts and sends nothing', async () => {
    expect(await firingNames()).toEqual([]);
    expect(w.smtp.messages).toHaveLength(0);
    expect(w.telegram.messages).toHaveLength(0);
  });

  for (const c of CASES) {
    it(`${c.fault}: ${c.firing.join(', ')} fire with labels and priority, then resolve`, async () => {
      const mailsBefore = w.smtp.messages.length;
      const chatBefore = w.telegram.messages.length;
      await sim.setFault(c.fault, true);
      // Probe alerts wait 90 s (two failed rounds), maintenance 5 minutes, before they fire.
      const rounds = c.fault === 'maintenance' ? 7 : 3;
      await probing.rounds(rounds);
      expect(await firingNames()).toEqual(
        [...c.firing, ...(c.inhibited ?? []).map((n) => `${n}(inhibited)`)].sort(),
      );
      for (const name of c.firing) {
        const row = await expectOpenWithLabels(name);
        expect(row.pending_at).toBeLessThanOrEqual(row.fired_at!);
      }
      await w.drain();
      const mails = w.smtp.messages.slice(mailsBefore);
      for (const name of c.firing) {
        const def = requireAlertDef(name);
        const toManager = mails.filter((m) => m.to.includes(MANAGER_MAIL) && m.subject.includes(` ${name} `));
        expect(toManager, `${name} mail to the manager`).toHaveLength(1);
        expect(toManager[0]!.subject).toBe(`[FIRING:1] ${name} ${def.priority} ${def.importance} romashka`);
        expect(toManager[0]!.text).toContain(`/docs/errors/${name}.md`);
        const toDuty = mails.filter((m) => m.to.includes(HIGH_MAILBOX) && m.subject.includes(` ${name} `));
        const inChat = w.telegram.messages
          .slice(chatBefore)
          .filter((m) => m.text.split('\n')[1] === `FIRING ${name}`);
        expect(toDuty).toHaveLength(def.class === 'high' ? 1 : 0);
        expect(inChat).toHaveLength(def.class === 'high' ? 1 : 0);
        if (inChat[0]) expect(inChat[0].chatId).toBe(CHAT);
      }
      for (const name of c.inhibited ?? []) {
        expect(mails.filter((m) => m.subject.includes(` ${name} `))).toHaveLength(0);
      }

      await sim.setFault(c.fault, false);
      // Hysteresis: resolved after three clear minutes, not at the first good probe.
      await probing.round();
      const still = await firingNames();
      for (const name of c.firing)
        expect(still.includes(name)).toBe(requireAlertDef(name).keepFiringForMs > 0);
      await probing.rounds(4);
      expect(await firingNames()).toEqual([]);
      await w.drain();
      const resolved = w.smtp.messages
        .slice(mailsBefore)
        .filter((m) => m.to.includes(MANAGER_MAIL) && m.subject.startsWith('[RESOLVED]'));
      expect(resolved.map((m) => m.subject.split(' ')[1]).sort()).toEqual([...c.firing].sort());
      const transitions = await w.t.ctx.db
        .selectFrom('alert_transitions as t')
        .innerJoin('alert_instances as i', 'i.id', 't.instance_id')
        .select(['i.name', 't.to_state'])
        .where('i.name', 'in', c.firing)
        .where('t.at', '>', 0)
        .execute();
      for (const name of c.firing) {
        const states = transitions.filter((x) => x.name === name).map((x) => x.to_state);
        const expected =
          requireAlertDef(name).forMs > 0 ? ['pending', 'firing', 'resolved'] : ['firing', 'resolved'];
        expect(states.slice(-expected.length)).toEqual(expected);
      }
    });
  }

  it('a wrong smartlogin password: KodeksAuthNotWork fires alone, then resolves once it is put right', async () => {
    const name = 'KodeksAuthNotWork';
    const def = requireAlertDef(name);
    const mailsBefore = w.smtp.messages.length;
    const chatBefore = w.telegram.messages.length;
    // The ПК refuses the login (401); the cached session belongs to the old credentials and is dropped.
    await updateInstallation(w.t.ctx, op, inst.id, { smartloginPassword: 'not-the-password' });
    await probing.rounds(3);
    // Only the login fails: the key, warning and limit checks need a session, so they are not judged
    // ("unknown") rather than failed, and the page checks (tcp, http200, maintenance) stay ok.
    expect(await firingNames()).toEqual([name]);
    const row = await expectOpenWithLabels(name);
    expect(row.pending_at).toBeLessThan(row.fired_at!);
    const checks = await w.t.ctx.db
      .selectFrom('check_status')
      .select(['check_name', 'outcome'])
      .where('subject_kind', '=', 'installation')
      .where('subject_id', '=', inst.id)
      .execute();
    const outcome = Object.fromEntries(checks.map((c) => [c.check_name, c.outcome]));
    expect(outcome).toMatchObject({
      tcp: 'ok',
      http200: 'ok',
      Maintenance: 'ok',
      auth: 'failed',
      key: 'unknown',
      warning: 'unknown',
      limit: 'unknown',
    });
    await w.drain();
    const mails = w.smtp.messages.slice(mailsBefore);
    const toManager = mails.filter((m) => m.to.includes(MANAGER_MAIL));
    expect(toManager.map((m) => m.subject)).toEqual([
      `[FIRING:1] ${name} ${def.priority} ${def.importance} romashka`,
    ]);
    expect(toManager[0]!.text).toContain(`/docs/errors/${name}.md`);
    // K2, class high: the duty mailbox and the Telegram chat as well.
    expect(def).toMatchObject({ priority: 'K2', importance: 'critical', class: 'high' });
    expect(mails.filter((m) => m.to.includes(HIGH_MAILBOX)).map((m) => m.subject.split(' ')[1])).toEqual([
      name,
    ]);
    const chat = w.telegram.messages.slice(chatBefore);
    expect(chat.map((m) => [m.chatId, m.text.split('\n')[1]])).toEqual([[CHAT, `FIRING ${name}`]]);

    await updateInstallation(w.t.ctx, op, inst.id, {
      smartloginPassword: sim.state.profile.smartloginPassword,
    });
    // Hysteresis: still firing at the first good login, resolved after three clear minutes.
    await probing.round();
    expect(await firingNames()).toEqual([name]);
    await probing.rounds(4);
    expect(await firingNames()).toEqual([]);
    await w.drain();
    const resolved = w.smtp.messages
      .slice(mailsBefore)
      .filter((m) => m.subject.startsWith('[RESOLVED]'))
      .map((m) => [m.to[0], m.subject]);
    expect(resolved.sort()).toEqual(
      [
        [HIGH_MAILBOX, `[RESOLVED] ${name} ${def.priority} ${def.importance} romashka`],
        [MANAGER_MAIL, `[RESOLVED] ${name} ${def.priority} ${def.importance} romashka`],
      ].sort(),
    );
    expect(w.telegram.messages.slice(chatBefore).map((m) => m.text.split('\n')[1])).toEqual([
      `FIRING ${name}`,
      `RESOLVED ${name}`,
    ]);
    const states = await w.t.ctx.db
      .selectFrom('alert_transitions')
      .select('to_state')
      .where('instance_id', '=', row.id)
      .orderBy('id')
      .execute();
    expect(states.map((x) => x.to_state)).toEqual(['pending', 'firing', 'resolved']);
  });

  it('ICMP and the licence manager: KodeksIcmp, LicmanIcmp and LicmanTcpStatus fire and resolve', async () => {
    const licman = net.createServer((sock) => sock.destroy()).listen(0, '127.0.0.1');
    await new Promise((r) => licman.once('listening', r));
    const licmanPort = (licman.address() as net.AddressInfo).port;
    await updateInstallation(w.t.ctx, op, inst.id, { licmanAddress: 'localhost', licmanPort });
    await probing.rounds(2);
    expect(await firingNames()).toEqual([]);
    const mailsBefore = w.smtp.messages.length;

    probing.silentHosts.add('127.0.0.1');
    probing.silentHosts.add('localhost');
    await new Promise((r) => licman.close(r));
    await probing.rounds(3);
    expect(await firingNames()).toEqual(['KodeksIcmp', 'LicmanIcmp', 'LicmanTcpStatus']);
    const labels = await w.t.ctx.db
      .selectFrom('alert_instances')
      .select(['name', 'labels'])
      .where('resolved_at', 'is', null)
      .execute();
    for (const r of labels)
      expect(JSON.parse(r.labels)).toMatchObject({ installation: String(inst.id), host: '127.0.0.1' });
    await w.drain();
    const subjects = w.smtp.messages
      .slice(mailsBefore)
      .filter((m) => m.to.includes(MANAGER_MAIL))
      .map((m) => m.subject.split(' ').slice(0, 2).join(' '))
      .sort();
    expect(subjects).toEqual([
      '[FIRING:1] KodeksIcmp',
      '[FIRING:1] LicmanIcmp',
      '[FIRING:1] LicmanTcpStatus',
    ]);
    // LicmanTcpStatus is high priority: the duty mailbox too; the two ICMP alerts are not.
    const duty = w.smtp.messages.slice(mailsBefore).filter((m) => m.to.includes(HIGH_MAILBOX));
    expect(duty.map((m) => m.subject.split(' ')[1])).toEqual(['LicmanTcpStatus']);

    probing.silentHosts.clear();
    const back = net.createServer((sock) => sock.destroy()).listen(licmanPort, '127.0.0.1');
    await new Promise((r) => back.once('listening', r));
    await probing.rounds(5);
    expect(await firingNames()).toEqual([]);
    await w.drain();
    const resolved = w.smtp.messages
      .slice(mailsBefore)
      .filter((m) => m.to.includes(MANAGER_MAIL) && m.subject.startsWith('[RESOLVED]'))
      .map((m) => m.subject.split(' ')[1])
      .sort();
    expect(resolved).toEqual(['KodeksIcmp', 'LicmanIcmp', 'LicmanTcpStatus']);
    await new Promise((r) => back.close(r));
  });
});
