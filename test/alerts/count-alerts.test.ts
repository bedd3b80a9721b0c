/**
 * Scenario: the dealer-level `…Count` siblings. Eleven installations of one dealer (the threshold, 10,
 * plus one) are driven into the same fault — probe faults through Kodeks simulators and the real probe
 * service, report faults through simulated sysinfo reports and the real parser. With ten faulty the base
 * alert fires ten times and no Count; the eleventh opens exactly one `<Base>Count` instance for the dealer,
 * the Telegram chat gets its `FIRING <Base>Count` summary listing the objects while the managers' mail
 * keeps the per-object detail; once the fault is gone everything resolves, with `RESOLVED <Base>Count`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAlertDef, type Priority } from '../../src/alerts/catalogue.js';
import { evaluateSubjects } from '../../src/alerts/engine.js';
import { listAlerts } from '../../src/alerts/queries.js';
import { createInstallation, type Installation } from '../../src/inventory/installations.js';
import type { FaultState } from '../../src/sim/kodeks/faults.js';
import {
  generateStatusFile,
  generateSysinfoXmlString,
  type ClientProfile,
  type KodeksServer,
} from '../../src/sim/kodeks/index.js';
import { DB_KINDS } from '../helpers/db.js';
import {
  CHAT,
  HIGH_MAILBOX,
  HOUR,
  MANAGER_MAIL,
  MIN,
  op,
  openReportSpool,
  quietClientProfile,
  startAlertWorld,
  startProbing,
  startSimInstallation,
  type AlertWorld,
  type Probing,
  type ReportSpool,
} from './harness.js';

/** Tuesday 2026-03-10 10:00 UTC (13:00 in Moscow): a working day, before the 20th. */
const T0 = Date.UTC(2026, 2, 10, 10, 0);
const N = 11;
const THRESHOLD = 10;

/** The Count siblings' priorities (docs/alerts.md): a level above the base, K1 for K2 bases and OperUp. */
const COUNT_PRIORITY: Record<string, Priority> = {
  KodeksDBerrorsNoCode: 'K2',
  KodeksDBerrorsCode2007: 'K1',
  KodeksDBerrorsCodeXXX: 'K2',
  KodeksDBOperUpToOld: 'K1',
  KodeksHttp200Status: 'K1',
  KodeksIcmp: 'K3',
  KodeksTcpStatus: 'K1',
};

type Row = { name: string; state: string; subject_id: number; inhibited_by: string | null };

/** What the chat and the mailboxes got since a mark. */
interface Mark {
  mails: number;
  chat: number;
  at: number;
}

function checks(w: AlertWorld) {
  const mark = (): Mark => ({
    mails: w.smtp.messages.length,
    chat: w.telegram.messages.length,
    at: w.t.clock.now(),
  });
  const chatSince = (m: Mark) => w.telegram.messages.slice(m.chat);
  const heads = (m: Mark) => chatSince(m).map((x) => x.text.split('\n')[1]);
  const mailsTo = (m: Mark, to: string) => w.smtp.messages.slice(m.mails).filter((x) => x.to.includes(to));
  const listLines = (text: string) => text.split('\n').filter((l) => l.startsWith('- '));

  const openInstallationRows = async (): Promise<Row[]> =>
    w.t.ctx.db
      .selectFrom('alert_instances')
      .select(['name', 'state', 'subject_id', 'inhibited_by'])
      .where('subject_kind', '=', 'installation')
      .where('resolved_at', 'is', null)
      .execute();
  const openDealerNames = async (): Promise<string[]> =>
    (
      await w.t.ctx.db
        .selectFrom('alert_instances')
        .select('name')
        .where('subject_kind', '=', 'dealer')
        .where('resolved_at', 'is', null)
        .execute()
    )
      .map((r) => r.name)
      .sort();

  return {
    mark,
    heads,
    chatSince,
    mailsTo,
    listLines,
    openDealerNames,

    /** `base` fires (not inhibited) on exactly `ids`; `also` (name → ids) may be open too, nothing else. */
    async expectBaseFiring(base: string, ids: number[], also: Record<string, number[]> = {}) {
      const rows = await openInstallationRows();
      const by = (name: string) =>
        rows
          .filter((r) => r.name === name)
          .map((r) => r.subject_id)
          .sort((a, b) => a - b);
      expect(by(base)).toEqual([...ids].sort((a, b) => a - b));
      expect(
        rows.filter((r) => r.name === base).every((r) => r.state === 'firing' && r.inhibited_by === null),
      ).toBe(true);
      for (const [name, on] of Object.entries(also)) expect(by(name), name).toEqual(on);
      expect([...new Set(rows.map((r) => r.name))].sort()).toEqual([base, ...Object.keys(also)].sort());
    },

    async expectNothingOpen() {
      expect(await openInstallationRows()).toEqual([]);
      expect(await openDealerNames()).toEqual([]);
    },

    /** No `<base>Count` instance was ever opened (at exactly the threshold). */
    async expectNoCount(base: string) {
      const rows = await w.t.ctx.db
        .selectFrom('alert_instances')
        .select('id')
        .where('name', '=', `${base}Count`)
        .execute();
      expect(rows, `${base}Count at the threshold`).toHaveLength(0);
      expect(await openDealerNames()).toEqual([]);
    },

    /** Exactly one dealer-level `<base>Count` fires, counting `hosts`, with the catalogue's priority. */
    async expectCountFiring(base: string, hosts: string[]) {
      const name = `${base}Count`;
      const def = requireAlertDef(name);
      expect(def).toMatchObject({ countOf: base, subjects: ['dealer'], class: 'high' });
      expect(def.priority).toBe(COUNT_PRIORITY[base]);
      expect(requireAlertDef(base).countThreshold).toBe(THRESHOLD);
      expect(await openDealerNames()).toEqual([name]);
      const row = await w.t.ctx.db
        .selectFrom('alert_instances')
        .selectAll()
        .where('name', '=', name)
        .where('resolved_at', 'is', null)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        state: 'firing',
        subject_kind: 'dealer',
        subject_id: w.dealer.id,
        fingerprint: `dealer:${w.dealer.id}`,
        client_id: null,
        value: hosts.length,
      });
      expect(JSON.parse(row.labels)).toEqual({ alertname: name, dealer: 'alrt', count_of: base });
      expect(row.text.startsWith(`${hosts.length} объектов: `)).toBe(true);
      for (const h of hosts) expect(row.text).toContain(h);
      // As the emergencies view shows it.
      const { items } = await listAlerts(w.t.ctx, op, { names: [name] });
      expect(items.map((i) => [i.name, i.state, i.priority, i.importance, i.subject.kind])).toEqual([
        [name, 'firing', def.priority, def.importance, 'dealer'],
      ]);
      const transitions = await w.t.ctx.db
        .selectFrom('alert_transitions')
        .select(['from_state', 'to_state', 'reason'])
        .where('instance_id', '=', row.id)
        .execute();
      expect(transitions).toEqual([
        { from_state: null, to_state: 'firing', reason: `${hosts.length} > ${THRESHOLD}` },
      ]);
      return row.id;
    },

    async expectCountResolved(id: number) {
      const t = await w.t.ctx.db
        .selectFrom('alert_transitions')
        .select(['from_state', 'to_state'])
        .where('instance_id', '=', id)
        .orderBy('id')
        .execute();
      expect(t.map((x) => `${x.from_state ?? ''}→${x.to_state}`)).toEqual(['→firing', 'firing→resolved']);
    },

    /** With `count` objects firing (≤ threshold): the detail by e-mail, the chat only for a `high` base. */
    expectBelowThresholdMessages(m: Mark, base: string, count: number) {
      const def = requireAlertDef(base);
      const subject = `[FIRING:${count}] ${base} ${def.priority} ${def.importance} romashka`;
      const manager = mailsTo(m, MANAGER_MAIL);
      expect(manager.map((x) => x.subject)).toEqual([subject]);
      expect(listLines(manager[0]!.text)).toHaveLength(count);
      const duty = mailsTo(m, HIGH_MAILBOX);
      expect(duty.map((x) => x.subject)).toEqual(def.class === 'high' ? [subject] : []);
      // A `high` base goes to the chat one by one below the threshold; a `normal` one never does.
      expect(heads(m)).toEqual(def.class === 'high' ? [`FIRING ${base}`] : []);
      if (def.class === 'high') expect(listLines(chatSince(m)[0]!.text)).toHaveLength(count);
    },

    /** Above the threshold: the chat gets the Count form listing `hosts`; the mail keeps the detail. */
    async expectAboveThresholdMessages(m: Mark, base: string, hosts: string[]) {
      const def = requireAlertDef(base);
      const countDef = requireAlertDef(`${base}Count`);
      const chat = chatSince(m);
      expect(chat.map((x) => [x.chatId, x.text.split('\n')[1]])).toEqual([[CHAT, `FIRING ${base}Count`]]);
      const lines = chat[0]!.text.split('\n');
      expect(lines[0]).toBe('СМАРТ.alrt');
      expect(lines[2]).toBe(`Объектов: ${hosts.length}`);
      expect(listLines(chat[0]!.text)).toHaveLength(hosts.length);
      for (const h of hosts) expect(chat[0]!.text).toContain(`romashka: ${h}`);
      expect(chat[0]!.text).toContain(`/docs/errors/${base}Count.md`);
      const sent = await w.t.ctx.db
        .selectFrom('notifications')
        .select(['payload', 'instance_count', 'status'])
        .where('alert_name', '=', `${base}Count`)
        .where('reason', '=', 'count_firing')
        .where('created_at', '>=', m.at)
        .execute();
      expect(sent).toHaveLength(1);
      expect(sent[0]!).toMatchObject({ instance_count: hosts.length, status: 'sent' });
      expect(JSON.parse(sent[0]!.payload ?? 'null')).toMatchObject({
        alertname: `${base}Count`,
        priority: countDef.priority,
        importance: countDef.importance,
        count: hosts.length,
      });
      // The managers (and the duty mailbox for a `high` base) get the base alert with every object.
      const subject = `[FIRING:${hosts.length}] ${base} ${def.priority} ${def.importance} romashka`;
      const manager = mailsTo(m, MANAGER_MAIL);
      expect(manager.map((x) => x.subject)).toEqual([subject]);
      expect(listLines(manager[0]!.text)).toHaveLength(hosts.length);
      for (const h of hosts) expect(manager[0]!.text).toContain(h);
      expect(mailsTo(m, HIGH_MAILBOX).map((x) => x.subject)).toEqual(def.class === 'high' ? [subject] : []);
    },

    /**
     * All resolved: `RESOLVED <base>Count` in the chat — followed, for a `high` base whose instances the
     * chat had heard of one by one, by one `RESOLVED <base>` listing what ended — and RESOLVED mails.
     */
    expectResolvedMessages(m: Mark, base: string, count: number) {
      const def = requireAlertDef(base);
      expect(heads(m)).toEqual(
        def.class === 'high' ? [`RESOLVED ${base}Count`, `RESOLVED ${base}`] : [`RESOLVED ${base}Count`],
      );
      expect(chatSince(m)[0]!.text.split('\n')[2]).toBe('Объектов: 0');
      if (def.class === 'high') expect(listLines(chatSince(m)[1]!.text)).toHaveLength(count);
      const subject = `[RESOLVED] ${base} ${def.priority} ${def.importance} romashka`;
      const manager = mailsTo(m, MANAGER_MAIL);
      expect(manager.map((x) => x.subject)).toEqual([subject]);
      expect(listLines(manager[0]!.text)).toHaveLength(count);
      expect(mailsTo(m, HIGH_MAILBOX).map((x) => x.subject)).toEqual(def.class === 'high' ? [subject] : []);
    },

    /** The Count forms are for Telegram only: no mail ever carries one. */
    expectNoCountMail() {
      expect(w.smtp.messages.filter((x) => /Count /.test(x.subject))).toEqual([]);
    },
  };
}

describe.each(DB_KINDS)('Count siblings (%s)', (kind) => {
  describe('of probe alerts: eleven ПК behind the real probe service', () => {
    let w: AlertWorld;
    let c: ReturnType<typeof checks>;
    let probing: Probing;
    const sims: KodeksServer[] = [];
    const insts: Installation[] = [];
    const hosts: string[] = [];

    beforeAll(async () => {
      w = await startAlertWorld(kind);
      c = checks(w);
      for (let i = 0; i < N; i += 1) {
        // A host of its own for each ПК (127.0.0.2 … 127.0.0.12): the pinger and the lists tell them apart.
        const host = `127.0.0.${i + 2}`;
        const { sim, inst } = await startSimInstallation(w, host);
        sims.push(sim);
        hosts.push(host);
        insts.push(inst);
      }
      probing = startProbing(w);
      await probing.rounds(2);
    });
    afterAll(async () => {
      await probing?.stop();
      for (const s of sims) await s.close();
      await w?.close();
    });

    it('eleven healthy ПК: nothing open, nothing sent', async () => {
      await c.expectNothingOpen();
      expect(w.smtp.messages).toHaveLength(0);
      expect(w.telegram.messages).toHaveLength(0);
    });

    const cases: {
      base: string;
      fault: string;
      set: (i: number, on: boolean) => Promise<void>;
      /** An alert the fault also opens on each faulty installation, inhibited by the base alert. */
      inhibited?: string;
    }[] = [
      {
        base: 'KodeksTcpStatus',
        fault: 'down',
        set: (i, on) => sims[i]!.setFault('down', on),
        // The page check fails as well, inhibited by the port check (and so not counted either).
        inhibited: 'KodeksHttp200Status',
      },
      {
        base: 'KodeksHttp200Status',
        fault: 'server_not_started',
        set: (i, on) => sims[i]!.setFault('server_not_started', on),
      },
      {
        base: 'KodeksIcmp',
        fault: 'no ping answer',
        set: async (i, on) => {
          if (on) probing.silentHosts.add(hosts[i]!);
          else probing.silentHosts.delete(hosts[i]!);
        },
      },
    ];

    for (const k of cases) {
      it(`${k.fault}: ${k.base} on 10 opens no Count, on 11 ${k.base}Count fires; both resolve`, async () => {
        const ids = insts.map((i) => i.id);
        const inhibited = (n: number) => (k.inhibited ? { [k.inhibited]: ids.slice(0, n) } : {});
        await c.expectNothingOpen();

        // Exactly the threshold: ten faulty, the eleventh healthy.
        let m = c.mark();
        for (let i = 0; i < THRESHOLD; i += 1) await k.set(i, true);
        await probing.rounds(5);
        await c.expectBaseFiring(k.base, ids.slice(0, THRESHOLD), inhibited(THRESHOLD));
        if (k.inhibited) {
          const rows = await w.t.ctx.db
            .selectFrom('alert_instances')
            .select(['state', 'inhibited_by'])
            .where('name', '=', k.inhibited)
            .where('resolved_at', 'is', null)
            .execute();
          expect(rows.every((r) => r.state === 'firing' && r.inhibited_by === k.base)).toBe(true);
        }
        await c.expectNoCount(k.base);
        c.expectBelowThresholdMessages(m, k.base, THRESHOLD);

        // One more: more than the threshold.
        m = c.mark();
        await k.set(THRESHOLD, true);
        await probing.rounds(3);
        await c.expectBaseFiring(k.base, ids, inhibited(N));
        const countId = await c.expectCountFiring(k.base, hosts);
        // The chat's next message waits the group interval (K2 2 minutes, K4 5 minutes).
        await probing.rounds(6);
        await c.expectAboveThresholdMessages(m, k.base, hosts);

        // The fault ends everywhere: three clear minutes (hysteresis), then all resolve.
        m = c.mark();
        for (let i = 0; i < N; i += 1) await k.set(i, false);
        await probing.round();
        expect(await c.openDealerNames()).toEqual([`${k.base}Count`]);
        await probing.rounds(8);
        await c.expectNothingOpen();
        await c.expectCountResolved(countId);
        c.expectResolvedMessages(m, k.base, N);
        c.expectNoCountMail();
      });
    }

    it('the root cause moves: inhibited instances are not counted until their inhibition lifts', async () => {
      const ids = insts.map((i) => i.id);
      expect(requireAlertDef('KodeksHttp200Status').inhibitedBy).toContain('KodeksTcpStatus');
      await c.expectNothingOpen();
      for (const s of sims) await s.setFault('down', true);
      await probing.rounds(5);
      // Eleven closed ports: KodeksTcpStatusCount; the eleven failed page checks are inhibited, uncounted.
      await c.expectBaseFiring('KodeksTcpStatus', ids, { KodeksHttp200Status: ids });
      await c.expectCountFiring('KodeksTcpStatus', hosts);
      // The ports open again but the ПК servers do not start: the page check keeps failing.
      for (const s of sims) {
        await s.setFault('server_not_started', true);
        await s.setFault('down', false);
      }
      await probing.round();
      expect(await c.openDealerNames()).toEqual(['KodeksTcpStatusCount']);
      // Once KodeksTcpStatus resolves (three clear minutes) the page failures are the alert, and counted
      // by the same (event-driven) evaluation, not only by the next scheduled pass over the dealer.
      const m = c.mark();
      await probing.rounds(4);
      await c.expectBaseFiring('KodeksHttp200Status', ids);
      await c.expectCountFiring('KodeksHttp200Status', hosts);
      await probing.rounds(3);
      // The chat hears that the port Count is over and that the page Count has begun (the held-back page
      // failures were never sent one by one), and the eleven resolved ports in one message.
      expect(c.heads(m).sort()).toEqual(
        [
          'FIRING KodeksHttp200StatusCount',
          'RESOLVED KodeksTcpStatus',
          'RESOLVED KodeksTcpStatusCount',
        ].sort(),
      );
      expect(
        c
          .mailsTo(m, MANAGER_MAIL)
          .map((x) => x.subject.split(' ').slice(0, 2).join(' '))
          .sort(),
      ).toEqual(['[FIRING:11] KodeksHttp200Status', '[RESOLVED] KodeksTcpStatus'].sort());
      for (const s of sims) await s.setFault('server_not_started', false);
      await probing.rounds(8);
      await c.expectNothingOpen();
    });
  });

  describe('of report alerts: eleven agent installations sending faulty sysinfo', () => {
    let w: AlertWorld;
    let c: ReturnType<typeof checks>;
    let profile: ClientProfile;
    let spool: ReportSpool;
    const insts: Installation[] = [];
    const hosts: string[] = [];

    /**
     * Every installation reports now (sysinfo and .status; the status healthy), the first `faulty` of
     * them with `fault` in their sysinfo; then all are evaluated at once, as a burst of uploads would be.
     */
    const reportAll = async (faulty: number, fault: () => FaultState) => {
      const now = w.t.clock.now();
      for (const [k, i] of insts.entries()) {
        const faults = k < faulty ? fault() : {};
        await spool.ingest(i, 'sysinfo', generateSysinfoXmlString(profile, now, { faults }));
        await spool.ingest(i, 'status', generateStatusFile(profile, now));
      }
      await evaluateSubjects(w.t.ctx, { installations: insts.map((i) => i.id) });
    };
    /** Lets a group wait or interval (up to 10 minutes, K5) pass and paced Telegram messages go out. */
    const flush = () => w.drain(10 * MIN);

    beforeAll(async () => {
      w = await startAlertWorld(kind);
      c = checks(w);
      w.t.clock.t = T0;
      // One simulated client for all eleven (report-alerts.test.ts shows its healthy report is quiet).
      profile = quietClientProfile();
      spool = openReportSpool(w, profile);
      for (let i = 0; i < N; i += 1) {
        const name = `romashka-${String(i + 1).padStart(2, '0')}`;
        hosts.push(name);
        insts.push(
          await createInstallation(w.t.ctx, op, {
            clientId: w.client.id,
            kind: 'agent',
            sourceName: name,
            utcOffsetMin: 180,
            managers: [{ managerId: w.manager.id, email: MANAGER_MAIL }],
          }),
        );
      }
      await reportAll(0, () => ({}));
    });
    afterAll(async () => {
      await w?.close();
      spool?.remove();
    });

    it('eleven healthy reports: nothing open, nothing sent', async () => {
      await c.expectNothingOpen();
      expect(w.smtp.messages).toHaveLength(0);
      expect(w.telegram.messages).toHaveLength(0);
    });

    const since = () => w.t.clock.now() - HOUR;
    const cases: { base: string; fault: string; faults: () => FaultState }[] = [
      {
        base: 'KodeksDBerrorsNoCode',
        fault: 'db_error without a code',
        faults: () => ({ db_error: { since: since(), code: 0 } }),
      },
      {
        base: 'KodeksDBerrorsCode2007',
        fault: 'db_error 2007',
        faults: () => ({ db_error: { since: since(), code: 2007 } }),
      },
      {
        base: 'KodeksDBerrorsCodeXXX',
        fault: 'db_error 600',
        faults: () => ({ db_error: { since: since(), code: 600 } }),
      },
      {
        base: 'KodeksDBOperUpToOld',
        fault: 'operups_stale',
        faults: () => ({ operups_stale: { since: since() } }),
      },
    ];

    for (const k of cases) {
      it(`${k.fault}: ${k.base} on 10 opens no Count, on 11 ${k.base}Count fires; both resolve`, async () => {
        const ids = insts.map((i) => i.id);
        await c.expectNothingOpen();

        // Exactly the threshold: ten faulty reports, the eleventh healthy.
        w.t.clock.advance(HOUR);
        let m = c.mark();
        await reportAll(THRESHOLD, k.faults);
        await c.expectBaseFiring(k.base, ids.slice(0, THRESHOLD));
        await c.expectNoCount(k.base);
        await flush();
        c.expectBelowThresholdMessages(m, k.base, THRESHOLD);

        // The eleventh reports the fault too: more than the threshold.
        m = c.mark();
        await reportAll(N, k.faults);
        await c.expectBaseFiring(k.base, ids);
        const countId = await c.expectCountFiring(k.base, hosts);
        await flush();
        await c.expectAboveThresholdMessages(m, k.base, hosts);

        // Healthy reports everywhere: all resolve at once, the Count with them.
        m = c.mark();
        await reportAll(0, k.faults);
        await c.expectNothingOpen();
        await c.expectCountResolved(countId);
        await flush();
        c.expectResolvedMessages(m, k.base, N);
        c.expectNoCountMail();
      });
    }

    it('eleven at once: the chat gets only the Count form, never the single alerts', async () => {
      const base = 'KodeksDBerrorsCode2007';
      w.t.clock.advance(HOUR);
      const m = c.mark();
      await reportAll(N, () => ({ db_error: { since: since(), code: 2007 } }));
      await c.expectBaseFiring(
        base,
        insts.map((i) => i.id),
      );
      await c.expectCountFiring(base, hosts);
      await flush();
      await c.expectAboveThresholdMessages(m, base, hosts);
      const m2 = c.mark();
      await reportAll(0, () => ({}));
      await c.expectNothingOpen();
      await flush();
      c.expectResolvedMessages(m2, base, N);
    });
  });
});
