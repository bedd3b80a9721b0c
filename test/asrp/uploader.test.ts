/**
 * The ASRP uploader end to end: a simulated ПК's sysinfo goes through the real agent upload endpoint
 * and ingest path into the spool, the weekly job sends it to the ASRP simulator over HTTP, and every
 * answer lands in `asrp_uploads`. Time is a FakeClock; the simulator counts what it really received.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putAsrpSettings } from '../../src/asrp/settings.js';
import { ASRP_JOB, createAsrpUploader, retryDelayMs } from '../../src/asrp/uploader.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { runSmartupload } from '../../src/sim/agent.js';
import {
  DEFAULT_ASRP_LOGIN,
  DEFAULT_ASRP_PASSWORD,
  startAsrpSim,
  type AsrpSim,
} from '../../src/sim/asrp/index.js';
import { startKodeksServer, type KodeksServer } from '../../src/sim/kodeks/index.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS } from '../helpers/db.js';
import { settled, startIngestServer, type IngestServer } from '../ingest/harness.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const WEEK = 7 * 24 * HOUR;
const TIMEOUT_MS = 1_000;
const RETRY_MS = 15 * MIN;

describe.each(DB_KINDS)('ASRP uploader against the simulator (%s)', (kind) => {
  let s: IngestServer;
  let asrp: AsrpSim;
  const pks: KodeksServer[] = [];
  let runner: JobRunner;
  let token: string;
  const DEALER = 'rogaikopita599';
  const clients = ['romashka', 'vasilek'];
  const inst = new Map<string, number>();
  let dealerId: number;

  beforeAll(async () => {
    s = await startIngestServer(kind);
    const op = cliActor('test');
    const d = await createDealer(s.t.ctx, op, { code: DEALER, name: 'Рога и копыта' });
    token = d.uploadToken;
    dealerId = d.dealer.id;
    for (const [i, name] of clients.entries()) {
      const c = await createClient(s.t.ctx, op, { dealerId: d.dealer.id, shortName: name });
      inst.set(name, (await createInstallation(s.t.ctx, op, { clientId: c.id, kind: 'agent' })).id);
      // The ПК's clock is the test's: a later download is a different file, the same moment the same.
      pks.push(
        await startKodeksServer({
          port: 0,
          seed: 100 + i,
          profile: { shortName: name, users: 4 },
          clock: () => s.t.clock.now(),
        }),
      );
    }
    // A client without any sysinfo yet: nothing to send, nothing recorded.
    const empty = await createClient(s.t.ctx, op, { dealerId: d.dealer.id, shortName: 'pustoy' });
    inst.set('pustoy', (await createInstallation(s.t.ctx, op, { clientId: empty.id, kind: 'closed' })).id);

    asrp = await startAsrpSim({ clock: () => s.t.clock.now() });
    await putAsrpSettings(s.t.ctx, op, {
      dealerId: d.dealer.id,
      enabled: true,
      endpoint: asrp.endpoint,
      login: DEFAULT_ASRP_LOGIN,
      password: DEFAULT_ASRP_PASSWORD,
    });
    const uploader = createAsrpUploader(s.t.ctx, { timeoutMs: TIMEOUT_MS, retryBaseMs: RETRY_MS });
    runner = new JobRunner(s.t.ctx, [uploader.handler], { nodeId: 'test', syncEveryMs: 0 });
  });
  afterAll(async () => {
    await runner.stop();
    for (const pk of pks) await pk.close();
    await asrp.close();
    await s.close();
  });

  /** smartupload for one client: a fresh sysinfo from its ПК through POST /upload, processed. */
  const smartupload = async (name: string) => {
    const pk = pks[clients.indexOf(name)]!;
    const r = await runSmartupload({
      pkUrl: pk.url,
      smartUrl: s.url,
      dealer: DEALER,
      token,
      clientName: name,
    });
    expect(r.status).toBe(200);
    await settled(s);
  };
  /** Advances the clock and runs every upload that is due by then (jobs synced first). */
  const runAfter = async (ms: number) => {
    await runner.tick();
    s.t.clock.advance(ms);
    await runner.runUntilIdle();
  };
  const rows = (name: string) =>
    s.t.ctx.db
      .selectFrom('asrp_uploads')
      .selectAll()
      .where('installation_id', '=', inst.get(name)!)
      .orderBy('id')
      .execute();
  /** The SHA-256 of the newest stored sysinfo file, read from the spool (not from the ledger). */
  const storedSha = async (name: string) => {
    const r = await s.t.ctx.db
      .selectFrom('reports')
      .select('spool_path')
      .where('installation_id', '=', inst.get(name)!)
      .where('channel', '=', 'sysinfo')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    return createHash('sha256').update(fs.readFileSync(r.spool_path)).digest('hex');
  };
  const job = (name: string) =>
    s.t.ctx.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', ASRP_JOB)
      .where('subject_id', '=', inst.get(name)!)
      .executeTakeFirstOrThrow();

  it('the first run sends each stored sysinfo once and records «Принят» with number and identifier', async () => {
    for (const name of clients) await smartupload(name);
    // New jobs start within 10 s.
    await runAfter(11_000);
    expect(asrp.requests).toBe(2);
    for (const name of clients) {
      const sha = await storedSha(name);
      const got = asrp.uploads.filter((u) => u.client === name);
      expect(got).toHaveLength(1);
      expect(got[0]!.sha256).toBe(sha);
      expect(got[0]!.dealer).toBe(DEALER);
      const [row] = await rows(name);
      expect(row).toMatchObject({ outcome: 'accepted', response: 'ok', state: 'Принят', sha256: sha });
      expect(row!.upload_number).toBe(got[0]!.answer!.uploadNumber);
      expect(row!.identifier).toBe(asrp.files.get(sha));
    }
    expect(await rows('pustoy')).toHaveLength(0);
  });

  it('re-running the weekly upload with unchanged files sends nothing', async () => {
    const before = asrp.requests;
    // Three weeks: after its first run a job's next slot on its grid is half a week to a week and a half away.
    await runAfter(WEEK);
    await runAfter(WEEK);
    await runAfter(WEEK);
    expect(asrp.requests).toBe(before);
    for (const name of clients) expect(await rows(name)).toHaveLength(1);
    // The jobs did run: they found nothing new.
    expect((await job('romashka')).runs).toBeGreaterThanOrEqual(3);
  });

  it('a changed file is sent once, the unchanged one not at all', async () => {
    s.t.clock.advance(HOUR);
    await smartupload('romashka');
    const sha = await storedSha('romashka');
    const before = asrp.requests;
    await runAfter(WEEK);
    await runAfter(WEEK);
    expect(asrp.requests).toBe(before + 1);
    expect(asrp.uploads.at(-1)).toMatchObject({ client: 'romashka', sha256: sha });
    expect((await rows('romashka')).map((r) => r.outcome)).toEqual(['accepted', 'accepted']);
    expect(await rows('vasilek')).toHaveLength(1);
  });

  it('a 5xx is recorded with its text and retried after a back-off, not in a tight loop', async () => {
    asrp.setFault('romashka', { kind: 'status', status: 503, times: 1 });
    s.t.clock.advance(HOUR);
    await smartupload('romashka');
    const before = asrp.requests;
    await runAfter(WEEK);
    expect(asrp.requests).toBe(before + 1);
    const failed = (await rows('romashka')).at(-1)!;
    expect(failed).toMatchObject({ outcome: 'error', error_kind: 'http', http_status: 503 });
    expect(failed.message).toContain('HTTP 503');
    // The retry waits the first back-off, counted from the failure.
    const j = await job('romashka');
    expect(j.next_run_at).toBe(failed.sent_at + retryDelayMs(1, RETRY_MS, WEEK));
    await runAfter(RETRY_MS - MIN);
    expect(asrp.requests).toBe(before + 1);
    await runAfter(MIN);
    expect(asrp.requests).toBe(before + 2);
    expect((await rows('romashka')).at(-1)).toMatchObject({
      outcome: 'accepted',
      sha256: await storedSha('romashka'),
    });
  });

  it('a wrong password is recorded as an auth error that names the login; fixing it retries at once', async () => {
    asrp.setAccount(DEFAULT_ASRP_LOGIN, 'rotated-by-asrp');
    s.t.clock.advance(HOUR);
    await smartupload('vasilek');
    await runAfter(WEEK);
    const r = (await rows('vasilek')).at(-1)!;
    expect(r).toMatchObject({ outcome: 'error', error_kind: 'auth', http_status: 401 });
    expect(r.message).toContain(`"${DEFAULT_ASRP_LOGIN}"`);
    expect(r.message).toContain('Неверный логин или пароль');
    // Not transient: no retry before the schedule…
    const failedAt = r.sent_at;
    await runAfter(RETRY_MS * 4);
    expect((await rows('vasilek')).at(-1)!.sent_at).toBe(failedAt);
    // …until the administrator saves the new password: then at once, and it goes through.
    await putAsrpSettings(s.t.ctx, cliActor('test'), {
      dealerId,
      enabled: true,
      endpoint: asrp.endpoint,
      login: DEFAULT_ASRP_LOGIN,
      password: 'rotated-by-asrp',
    });
    await runAfter(0);
    expect((await rows('vasilek')).at(-1)).toMatchObject({ outcome: 'accepted' });
    expect(asrp.uploads.at(-1)).toMatchObject({ client: 'vasilek', answer: { state: 'Принят' } });
  });

  it('no answer is a timeout; an answer lost after ASRP kept the file comes back as «Повтор»', async () => {
    asrp.setFault('romashka', { kind: 'store-then-timeout', times: 1 });
    s.t.clock.advance(HOUR);
    await smartupload('romashka');
    const sha = await storedSha('romashka');
    await runAfter(WEEK);
    const lost = (await rows('romashka')).at(-1)!;
    expect(lost).toMatchObject({ outcome: 'error', error_kind: 'timeout', sha256: sha });
    expect(lost.message).toContain(`${TIMEOUT_MS} ms`);
    await runAfter(RETRY_MS);
    const again = (await rows('romashka')).at(-1)!;
    expect(again).toMatchObject({ outcome: 'repeat', response: 'warning', state: 'Повтор', sha256: sha });
    expect(again.identifier).toBe(asrp.files.get(sha));
    // ASRP has it: it is not sent a third time.
    const before = asrp.requests;
    await runAfter(WEEK);
    expect(asrp.requests).toBe(before);
  });

  it('a refusal (warning) is recorded with its text and the same file is not sent again', async () => {
    asrp.setFault('vasilek', { kind: 'warning', message: 'Устаревшая версия sysinfo', times: 1 });
    s.t.clock.advance(HOUR);
    await smartupload('vasilek');
    await runAfter(WEEK);
    const r = (await rows('vasilek')).at(-1)!;
    expect(r).toMatchObject({
      outcome: 'warning',
      response: 'warning',
      state: null,
      message: 'Устаревшая версия sysinfo',
    });
    const before = asrp.requests;
    await runAfter(WEEK);
    expect(asrp.requests).toBe(before);
  });

  it('an unreachable ASRP is a network error, retried later', async () => {
    await asrp.close();
    s.t.clock.advance(HOUR);
    await smartupload('vasilek');
    await runAfter(WEEK);
    const r = (await rows('vasilek')).at(-1)!;
    expect(r).toMatchObject({ outcome: 'error', error_kind: 'network' });
    expect(r.message).toContain('cannot reach ASRP');
    expect((await job('vasilek')).next_run_at).toBe(r.sent_at + retryDelayMs(1, RETRY_MS, WEEK));
  });

  it('the back-off doubles per failure in a row and stops at the schedule', () => {
    expect([1, 2, 3].map((n) => retryDelayMs(n, RETRY_MS, WEEK))).toEqual([
      RETRY_MS,
      2 * RETRY_MS,
      4 * RETRY_MS,
    ]);
    expect(retryDelayMs(40, RETRY_MS, WEEK)).toBe(WEEK);
  });
});
