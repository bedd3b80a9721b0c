/**
 * An alerting world for scenario tests: a dealer with a manager, the engine fed by a real probe
 * service against Kodeks simulators, and a dispatcher delivering to a real SMTP sink and the fake
 * Telegram Bot API, all on the test's fake clock. Below it, the ways the scenarios feed that world:
 * probe rounds against simulators, and agent reports through the real parser.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Selectable } from 'kysely';
import { createEmailSender } from '../../src/alerts/channels/email.js';
import { TelegramLimiter } from '../../src/alerts/channels/telegram-limiter.js';
import { createTelegramSender } from '../../src/alerts/channels/telegram.js';
import { createWebhookSender } from '../../src/alerts/channels/webhook.js';
import { Dispatcher } from '../../src/alerts/dispatcher.js';
import { evaluateDealer, evaluateSubjects } from '../../src/alerts/engine.js';
import { forgetAlertSettings } from '../../src/alerts/settings.js';
import type { DbKind } from '../../src/db/dialect.js';
import type { AlertInstancesTable } from '../../src/db/schema.js';
import { markProcessed, recordReport, type Channel } from '../../src/ingest/ledger.js';
import { parseReportFile } from '../../src/ingest/parse/report-file.js';
import { parseStatusText } from '../../src/ingest/parse/status-parser.js';
import { storeSnapshot, storeStatus } from '../../src/ingest/store.js';
import { createClient, type Client } from '../../src/inventory/clients.js';
import { createInstallation, type Installation } from '../../src/inventory/installations.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { createProbeService, probeRecorder } from '../../src/probes/service.js';
import { createDealer, type Dealer } from '../../src/tenancy/dealers.js';
import { createManager, type Manager } from '../../src/tenancy/managers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import {
  makeProfile,
  startKodeksServer,
  type ClientProfile,
  type KodeksServer,
} from '../../src/sim/kodeks/index.js';
import { startSmtpSink, type SmtpSink } from '../../src/sim/smtp-sink.js';
import { startFakeTelegram, type FakeTelegram } from '../../src/sim/telegram/index.js';
import { openTestContext, type TestContext } from '../helpers/db.js';

export const op = cliActor('test');
export const CHAT = '-1001234567890';
export const HIGH_MAILBOX = 'duty@dealer.example';
export const MANAGER_MAIL = 'ivanova@dealer.example';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export type AlertInstanceRow = Selectable<AlertInstancesTable>;

export interface AlertWorld {
  t: TestContext;
  dealer: Dealer;
  manager: Manager;
  client: Client;
  smtp: SmtpSink;
  telegram: FakeTelegram;
  dispatcher: Dispatcher;
  /** Evaluates what changed and delivers everything that is due now. */
  settle(): Promise<void>;
  /** Advances the fake clock in steps, evaluating the dealer and dispatching at each. */
  advance(ms: number, stepMs?: number): Promise<void>;
  /**
   * Delivers what is due, lets a group wait pass (`groupWaitMs`; 30 s is the slowest first wait, K4/K5)
   * and then a few paced Telegram messages (1 a second) go out.
   */
  drain(groupWaitMs?: number): Promise<void>;
  /** Names of the RESOLVED mails to the manager since `mailsBefore`, once the group interval has passed. */
  resolvedMailNames(mailsBefore: number): Promise<(string | undefined)[]>;
  /** Open (pending/firing) instances as `name@fingerprint → state`. */
  open(): Promise<Record<string, string>>;
  /** Open (pending/firing) instance rows of one subject. */
  openRowsOf(subjectKind: 'installation' | 'online', subjectId: number): Promise<AlertInstanceRow[]>;
  close(): Promise<void>;
}

export async function startAlertWorld(kind: DbKind, opts: { code?: string } = {}): Promise<AlertWorld> {
  const t = await openTestContext(kind);
  const { dealer } = await createDealer(t.ctx, op, { code: opts.code ?? 'alrt', name: 'Alert dealer' });
  const manager = await createManager(t.ctx, op, {
    dealerId: dealer.id,
    name: 'Иванова',
    emails: [MANAGER_MAIL],
  });
  const client = await createClient(t.ctx, op, {
    dealerId: dealer.id,
    shortName: 'romashka',
    managerIds: [manager.id],
  });
  const now = t.clock.now();
  await t.ctx.db
    .insertInto('notification_channels')
    .values([
      {
        dealer_id: dealer.id,
        unit_id: null,
        kind: 'telegram',
        class: 'high',
        name: 'chat',
        target: CHAT,
        enabled: 1,
        last_error: null,
        last_error_at: null,
        created_at: now,
        updated_at: now,
      },
      {
        dealer_id: dealer.id,
        unit_id: null,
        kind: 'email',
        class: 'high',
        name: 'duty',
        target: HIGH_MAILBOX,
        enabled: 1,
        last_error: null,
        last_error_at: null,
        created_at: now,
        updated_at: now,
      },
    ])
    .execute();
  forgetAlertSettings(t.ctx);
  const smtp = await startSmtpSink({ clock: () => t.clock.now() });
  const telegram = await startFakeTelegram({ clock: () => t.clock.now() });
  const dispatcher = new Dispatcher(t.ctx, {
    nodeId: 'test',
    publicUrl: 'http://smart.test',
    senders: {
      email: createEmailSender({ url: smtp.url, from: 'SMART <alert@smart.test>' }),
      telegram: createTelegramSender({ apiBase: telegram.url, token: telegram.token }),
      webhook: createWebhookSender({}),
    },
    limiter: new TelegramLimiter(),
    onError: (e) => {
      throw e;
    },
  });
  const world: AlertWorld = {
    t,
    dealer,
    manager,
    client,
    smtp,
    telegram,
    dispatcher,
    async settle() {
      await evaluateDealer(t.ctx, dealer.id);
      // Uncached settings on every flush (a read outside its transaction once deadlocked SQLite).
      forgetAlertSettings(t.ctx);
      await dispatcher.runUntilIdle();
    },
    async advance(ms, stepMs = 1_000) {
      for (let left = ms; left > 0; left -= stepMs) {
        t.clock.advance(Math.min(stepMs, left));
        await world.settle();
      }
    },
    async drain(groupWaitMs = 31_000) {
      await dispatcher.runUntilIdle();
      t.clock.advance(groupWaitMs);
      await dispatcher.runUntilIdle();
      for (let k = 0; k < 5; k += 1) {
        t.clock.advance(1_000);
        await dispatcher.runUntilIdle();
      }
    },
    async resolvedMailNames(mailsBefore) {
      // A group that already sent waits its group interval (up to 10 minutes, K5) before the next message.
      await dispatcher.runUntilIdle();
      t.clock.advance(10 * MIN);
      await world.drain();
      return smtp.messages
        .slice(mailsBefore)
        .filter((m) => m.to.includes(MANAGER_MAIL) && m.subject.startsWith('[RESOLVED]'))
        .map((m) => m.subject.split(' ')[1]);
    },
    async open() {
      const rows = await t.ctx.db
        .selectFrom('alert_instances')
        .select(['name', 'fingerprint', 'state'])
        .where('resolved_at', 'is', null)
        .execute();
      return Object.fromEntries(rows.map((r) => [`${r.name}@${r.fingerprint}`, r.state]));
    },
    async openRowsOf(subjectKind, subjectId) {
      return t.ctx.db
        .selectFrom('alert_instances')
        .selectAll()
        .where('subject_kind', '=', subjectKind)
        .where('subject_id', '=', subjectId)
        .where('resolved_at', 'is', null)
        .execute();
    },
    async close() {
      await dispatcher.stop();
      await smtp.close();
      await telegram.close();
      await t.close();
    },
  };
  return world;
}

export { evaluateSubjects };

/** The real probe service and job runner over the world, with the engine evaluating what they record. */
export interface Probing {
  /** Hosts that stop answering ping; every other address answers (as all do in the sandbox). */
  silentHosts: Set<string>;
  /** One probe round a minute later, then the event-driven evaluation and delivery. */
  round(): Promise<void>;
  rounds(n: number): Promise<void>;
  stop(): Promise<void>;
}

export function startProbing(w: AlertWorld): Probing {
  const silentHosts = new Set<string>();
  const pending: Promise<void>[] = [];
  const recorder = probeRecorder(w.t.ctx, (subjects) => {
    pending.push(
      evaluateSubjects(w.t.ctx, {
        installations: subjects.filter((s) => s.kind === 'installation').map((s) => s.id),
      }).then(() => undefined),
    );
  });
  const service = createProbeService(w.t.ctx, {
    timeoutMs: 2_000,
    recorder,
    pinger: (host) =>
      Promise.resolve(
        silentHosts.has(host)
          ? { outcome: 'failed', detail: '1 packets transmitted, 0 received' }
          : { outcome: 'ok', latencyMs: 1, detail: '1 received' },
      ),
  });
  const runner = new JobRunner(w.t.ctx, [service.handler], {
    nodeId: 'test',
    syncEveryMs: 0,
    onError: (e) => {
      throw e;
    },
  });
  // A round is over only once the evaluations its results started are, so that it can be asserted on.
  const origFlush = service.handler.flush!;
  service.handler.flush = async () => {
    await origFlush();
    await Promise.all(pending.splice(0));
  };
  const round = async () => {
    w.t.clock.advance(MIN);
    await runner.runUntilIdle();
    await w.dispatcher.runUntilIdle();
  };
  return {
    silentHosts,
    round,
    async rounds(n) {
      for (let i = 0; i < n; i += 1) await round();
    },
    stop: () => runner.stop(),
  };
}

/** A Kodeks simulator on `host` and the polled installation (with smartlogin) that probes it. */
export async function startSimInstallation(
  w: AlertWorld,
  host = '127.0.0.1',
): Promise<{ sim: KodeksServer; inst: Installation }> {
  const sim = await startKodeksServer({ host, seed: 7, clock: () => w.t.clock.now() });
  const inst = await createInstallation(w.t.ctx, op, {
    clientId: w.client.id,
    kind: 'polled',
    address: host,
    port: sim.port,
    protocol: 'http',
    smartloginUser: 'smartlogin',
    smartloginPassword: sim.state.profile.smartloginPassword,
    managers: [{ managerId: w.manager.id, email: MANAGER_MAIL }],
  });
  return { sim, inst };
}

/** A simulated client whose healthy reports open nothing. */
export function quietClientProfile(): ClientProfile {
  const profile = makeProfile({
    seed: 21,
    // As many seats as users: nobody is refused a seat unless a fault takes them all.
    users: 6,
    seats: 6,
    utcOffsetMin: 180,
    licenceEndDay: '2027-12-31',
    epochMs: Date.UTC(2024, 0, 1),
  });
  // Nobody searches for what is not there: empty searches are a case of their own.
  for (const u of profile.users) (u as { emptyRate: number }).emptyRate = 0;
  return profile;
}

/** Agent reports written to a spool folder and taken in the way the report processor does. */
export interface ReportSpool {
  /** Records, parses (the real parser) and stores one report of installation `i`. */
  ingest(i: Installation, channel: Channel, body: string): Promise<void>;
  /** Removes the spool folder. */
  remove(): void;
}

export function openReportSpool(w: AlertWorld, profile: ClientProfile): ReportSpool {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-alert-reports-'));
  let seq = 0;
  return {
    async ingest(i, channel, body) {
      seq += 1;
      const file = path.join(dir, `r${seq}.${channel === 'sysinfo' ? 'xml' : 'status'}`);
      fs.writeFileSync(file, body);
      const id = await recordReport(w.t.ctx, {
        dealerId: w.dealer.id,
        installationId: i.id,
        sourceName: i.sourceKey,
        fileName: path.basename(file),
        channel,
        format: channel === 'sysinfo' ? 'xml' : 'status',
        via: 'agent',
        sha256: `sha-${w.t.ctx.dbKind}-${seq}`,
        sizeBytes: body.length,
        nodeId: 'test',
        spoolPath: file,
      });
      const row = await w.t.ctx.db
        .selectFrom('reports')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const target = {
        reportId: id,
        dealerId: w.dealer.id,
        installationId: i.id,
        receivedAt: row.received_at,
      };
      if (channel === 'sysinfo') {
        const snap = await parseReportFile(file, { kind: 'xml', utcOffsetMin: profile.utcOffsetMin });
        await storeSnapshot(w.t.ctx, target, snap);
        await markProcessed(w.t.ctx, row, snap.producedAt);
      } else {
        const st = parseStatusText(body);
        await storeStatus(w.t.ctx, target, st);
        await markProcessed(w.t.ctx, row, st.takenAt);
      }
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
