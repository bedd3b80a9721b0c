/**
 * Alert latency benchmark (the acceptance check of alert delivery): from the end of an upload that
 * makes an installation faulty (a sysinfo with a lost SenseLock key) to the message arriving at the
 * SMTP sink and at the fake Telegram, with everything real and in-process over loopback, wired as
 * `smart serve` wires it. Prints p50/p95/max over N runs and writes the "Alert latency" section of
 * docs/performance.md. Run: npm run bench:alert-latency [-- --help]. Progress goes to stderr.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alertDef, DEFAULT_TIMINGS } from '../../src/alerts/catalogue.js';
import { startAlertsNode } from '../../src/alerts/node.js';
import { alertsConfig } from '../../src/cli/commands/serve.js';
import { loadConfig } from '../../src/config/index.js';
import { startServer } from '../../src/http/server.js';
import { startIngestNode } from '../../src/ingest/node.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { generateSysinfoZipBuffer, makeProfile } from '../../src/sim/kodeks/index.js';
import { startSmtpSink } from '../../src/sim/smtp-sink.js';
import { startFakeTelegram } from '../../src/sim/telegram/index.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { createManager } from '../../src/tenancy/managers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { describeMachine, machineLine } from '../lib/machine.js';
import { forEachLimit } from '../lib/stats.js';
import { renderText } from '../lib/table.js';
import { writeAlertLatencySection } from './docs.js';
import {
  ALERT,
  latencyTable,
  loadLine,
  meaning,
  ratioTable,
  stagesTable,
  verdict,
  type AlertLatencyResults,
  type RunSample,
} from './results.js';
import { runMain } from '../lib/run-main.js';
import { progressSince } from '../lib/progress.js';

const USAGE = `npm run bench:alert-latency [-- options]
  --runs N        uploads measured, each for its own installation and dealer (default 200)
  --lanes N       runs in flight at once (default 1: one after another)
  --timeout-s S   a run that has not delivered both messages after S seconds counts as timed out (30)
  --save FILE     also write the results as JSON
  --render FILE   print (and with --docs, write) saved results instead of running
  --no-docs       do not rewrite the "Alert latency" section of docs/performance.md
  --help`;

interface Options {
  runs: number;
  lanes: number;
  timeoutS: number;
  save: string | null;
  render: string | null;
  docs: boolean;
}

function readOptions(argv: string[]): Options | null {
  const o: Options = { runs: 200, lanes: 1, timeoutS: 30, save: null, render: null, docs: true };
  const num = (v: string | undefined, name: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: expected a positive integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return null;
    else if (a === '--runs') o.runs = num(argv[++i], a);
    else if (a === '--lanes') o.lanes = num(argv[++i], a);
    else if (a === '--timeout-s') o.timeoutS = num(argv[++i], a);
    else if (a === '--save') o.save = argv[++i] ?? null;
    else if (a === '--render') o.render = argv[++i] ?? null;
    else if (a === '--no-docs') o.docs = false;
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  return o;
}

const started = performance.now();
const progress = progressSince(started);

/** Defaults of the path under test (ReportProcessor pollMs, Dispatcher pollMs, touch debounce). */
const PROCESSOR_POLL_MS = 2_000;
const DISPATCHER_POLL_MS = 250;
const DEBOUNCE_MS = 20;

const op = cliActor('bench');

interface Target {
  i: number;
  dealerId: number;
  dealerCode: string;
  token: string;
  client: string;
  installationId: number;
  managerMail: string;
  chat: string;
}

async function createTargets(rt: Runtime, n: number): Promise<Target[]> {
  const ctx = rt.ctx;
  const out: Target[] = [];
  for (let i = 0; i < n; i += 1) {
    const dealerCode = `lat${String(i).padStart(4, '0')}`;
    const { dealer, uploadToken } = await createDealer(ctx, op, { code: dealerCode, name: `Dealer ${i}` });
    const managerMail = `manager${i}@dealer${i}.example`;
    const manager = await createManager(ctx, op, {
      dealerId: dealer.id,
      name: `Менеджер ${i}`,
      emails: [managerMail],
    });
    const client = `client${String(i).padStart(4, '0')}`;
    const c = await createClient(ctx, op, {
      dealerId: dealer.id,
      shortName: client,
      managerIds: [manager.id],
    });
    const inst = await createInstallation(ctx, op, {
      clientId: c.id,
      kind: 'agent',
      utcOffsetMin: 180,
      managers: [{ managerId: manager.id, email: managerMail }],
    });
    const chat = `-100${String(1_000_000_000 + i)}`;
    const now = Date.now();
    const channel = (kind: 'telegram' | 'email', name: string, target: string) => ({
      dealer_id: dealer.id,
      unit_id: null,
      kind,
      class: 'high',
      name,
      target,
      enabled: 1,
      last_error: null,
      last_error_at: null,
      created_at: now,
      updated_at: now,
    });
    await ctx.db
      .insertInto('notification_channels')
      .values([
        channel('telegram', 'duty chat', chat),
        channel('email', 'duty', `duty${i}@dealer${i}.example`),
      ])
      .execute();
    out.push({
      i,
      dealerId: dealer.id,
      dealerCode,
      token: uploadToken,
      client,
      installationId: inst.id,
      managerMail,
      chat,
    });
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(get: () => T | undefined, deadline: number): Promise<T | undefined> {
  for (;;) {
    const x = get();
    if (x !== undefined || Date.now() > deadline) return x;
    await sleep(2);
  }
}

function print(r: AlertLatencyResults): void {
  const out = [
    `SMART alert latency benchmark, ${r.date}`,
    `machine: ${machineLine(r.machine)}`,
    loadLine(r),
    `${r.runs} runs (${r.lanes} at a time), ${ALERT} (K1, group wait ${r.groupWaitMs} ms), ` +
      `${r.timeouts} timed out`,
    '',
    'Latency, from the end of the upload response to the arrival',
    renderText(latencyTable(r)),
    '',
    'Against the target and the existing service',
    renderText(ratioTable(r)),
    '',
    'Where the time goes (database timestamps)',
    renderText(stagesTable(r)),
    '',
    verdict(r),
    ...meaning(r).map((s) => `- ${s}`),
    '',
    `total ${(r.totalMs / 1000).toFixed(0)} s`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  const o = readOptions(process.argv.slice(2));
  if (!o) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (o.render) {
    const saved = JSON.parse(readFileSync(o.render, 'utf8')) as AlertLatencyResults;
    print(saved);
    if (o.docs) writeAlertLatencySection(saved);
    return;
  }
  const load0 = os.loadavg()[0]!;
  const def = alertDef(ALERT);
  if (!def) throw new Error(`${ALERT} is not in the catalogue`);
  const groupWaitMs = DEFAULT_TIMINGS[def.priority].groupWaitMs;

  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-bench-alert-latency-'));
  const smtp = await startSmtpSink({ clock: Date.now });
  const telegram = await startFakeTelegram({ clock: Date.now });
  const config = loadConfig({
    SMART_DATA_DIR: dir,
    SMART_LOG_LEVEL: 'silent',
    SMART_NODE_ID: 'bench',
    SMART_HOST: '127.0.0.1',
    SMART_PORT: '0',
    SMART_ACTIVE_CHECKS: 'false',
    SMART_SMTP_URL: smtp.url,
    SMART_TELEGRAM_TOKEN: telegram.token,
    SMART_TELEGRAM_API: telegram.url,
    SMART_PUBLIC_URL: 'http://smart.bench.example',
  });
  const rt = await openRuntime(config);
  // The inventory exists before the node starts, as it does when `smart serve` starts.
  progress(`creating ${o.runs} dealers, each with a manager, a client, an agent installation and channels`);
  const targets = await createTargets(rt, o.runs);
  progress('inventory ready');
  const errors: string[] = [];
  // As serveUntilStopped wires them.
  const alerts = startAlertsNode(rt.ctx, alertsConfig(config), {
    onError: (e) => errors.push(`alerts: ${(e as Error).message}`),
  });
  const node = await startIngestNode(rt, { onProcessed: (id) => alerts.touch('installation', id) });
  const server = await startServer(rt, { host: config.host, port: config.port, ingest: node.ingest });
  progress(`SMART on ${server.url}, SMTP sink ${smtp.url}, fake Telegram ${telegram.url}, data in ${dir}`);

  const samples: RunSample[] = [];
  let timeouts = 0;
  try {
    // One upload of a healthy report first, untimed: warms the parser worker and the routes.
    const warm = targets[0]!;
    {
      const p = makeProfile({ seed: 1_000_000, shortName: warm.client, users: 15, utcOffsetMin: 180 });
      const zip = await generateSysinfoZipBuffer(p, Date.now() - 60 * 60_000);
      await upload(server.url, warm, zip);
      await sleep(1_500);
    }

    let done = 0;
    await forEachLimit(targets, o.lanes, async (t) => {
      // Staggered starts (untimed): sequential runs would otherwise keep one phase against the
      // dispatcher's poll, since each starts right after the previous delivery.
      await sleep((t.i * 61) % DISPATCHER_POLL_MS);
      const p = makeProfile({ seed: t.i + 1, shortName: t.client, users: 15, utcOffsetMin: 180 });
      const zip = await generateSysinfoZipBuffer(p, Date.now(), {
        faults: { key_lost: { since: Date.now() - 60_000 } },
      });
      const u0 = Date.now();
      await upload(server.url, t, zip);
      const t0 = Date.now();
      const deadline = t0 + o.timeoutS * 1000;
      const mail = await until(
        () =>
          smtp.messages.find(
            (m) => m.to.includes(t.managerMail) && m.subject.includes(ALERT) && m.subject.includes(t.client),
          ),
        deadline,
      );
      const tg = await until(
        () => telegram.messages.find((m) => m.chatId === t.chat && m.text.includes(ALERT)),
        deadline,
      );
      if (!mail || !tg) timeouts += 1;
      const db = rt.ctx.db;
      // sent_at is written after the send returns: give it a moment.
      await sleep(20);
      const report = await db
        .selectFrom('reports')
        .select(['processed_at'])
        .where('installation_id', '=', t.installationId)
        .orderBy('id', 'desc')
        .executeTakeFirst();
      const inst = await db
        .selectFrom('alert_instances')
        .select(['fired_at'])
        .where('name', '=', ALERT)
        .where('subject_kind', '=', 'installation')
        .where('subject_id', '=', t.installationId)
        .executeTakeFirst();
      const notes = await db
        .selectFrom('notifications')
        .select(['kind', 'target', 'created_at', 'sent_at'])
        .where('dealer_id', '=', t.dealerId)
        .where('alert_name', '=', ALERT)
        .execute();
      const email = notes.find((n) => n.kind === 'email' && n.target.includes(t.managerMail));
      const tgNote = notes.find((n) => n.kind === 'telegram');
      const rel = (x: number | null | undefined): number | null =>
        x === null || x === undefined ? null : x - t0;
      samples.push({
        processed: rel(report?.processed_at),
        fired: rel(inst?.fired_at),
        flushed: rel(email?.created_at ?? tgNote?.created_at),
        emailSent: rel(email?.sent_at),
        telegramSent: rel(tgNote?.sent_at),
        email: rel(mail?.at),
        telegram: rel(tg?.at),
        uploadMs: t0 - u0,
      });
      done += 1;
      if (done % 20 === 0 || done === targets.length)
        progress(
          `${done}/${targets.length} runs; last: e-mail ${rel(mail?.at) ?? '–'} ms, Telegram ${rel(tg?.at) ?? '–'} ms`,
        );
    });
  } finally {
    await server.close();
    await node.close();
    await alerts.close();
    await rt.close();
    await smtp.close();
    await telegram.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (errors.length)
    progress(
      `errors from the alerts node (${errors.length}): ${[...new Set(errors)].slice(0, 5).join('; ')}`,
    );
  if (telegram.rejected.length) progress(`the fake Telegram refused ${telegram.rejected.length} messages`);

  const results: AlertLatencyResults = {
    date: new Date().toISOString().slice(0, 10),
    machine: describeMachine(),
    load: [load0, os.loadavg()[0]!],
    runs: o.runs,
    lanes: o.lanes,
    groupWaitMs,
    dispatcherPollMs: DISPATCHER_POLL_MS,
    processorPollMs: PROCESSOR_POLL_MS,
    debounceMs: DEBOUNCE_MS,
    samples,
    timeouts,
    totalMs: performance.now() - started,
  };
  if (o.save) writeFileSync(o.save, `${JSON.stringify(results)}\n`);
  print(results);
  if (o.docs) {
    writeAlertLatencySection(results);
    progress('wrote the "Alert latency" section of docs/performance.md');
  }
}

/** POST /upload as smartupload does: dealer header, upload token, multipart `file` named CLIENT.zip. */
async function upload(base: string, t: Target, zip: Buffer): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([zip]), `${t.client}.zip`);
  const res = await fetch(`${base}/upload?token=${encodeURIComponent(t.token)}`, {
    method: 'POST',
    headers: { upload: 'yes', dealer: t.dealerCode },
    body: form,
    signal: AbortSignal.timeout(60_000),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`upload for ${t.client}: HTTP ${res.status} ${body}`);
}

runMain(main);
