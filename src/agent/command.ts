import { AgentConfigError, loadAgentConfig } from './config.js';
import { createNet } from './net.js';
import { AgentRunner, type AgentLog } from './runner.js';
import { formatChecks, selfTest } from './selftest.js';
import { realTimers } from './timers.js';
import { AGENT_VERSION } from './version.js';

export interface AgentCommandOptions {
  config: string;
  selfTest?: boolean;
  /** Collect each kind once, send what is queued, and exit. */
  once?: boolean;
  json?: boolean;
}

export interface AgentIo {
  out(text: string): void;
  err(text: string): void;
  /** Aborting stops a running agent (SIGINT/SIGTERM do too). */
  signal?: AbortSignal;
}

function logTo(io: AgentIo): AgentLog {
  const line = (level: string, m: string) => io.err(`${new Date().toISOString()} ${level} ${m}`);
  return { info: (m) => line('info', m), warn: (m) => line('warn', m), error: (m) => line('error', m) };
}

function untilStopped(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}

/** `agent run`: the same for `smart agent run` and the single-file `node smart-agent.mjs`. Returns the exit code. */
export async function runAgentCommand(opts: AgentCommandOptions, io: AgentIo): Promise<number> {
  let cfg;
  try {
    cfg = loadAgentConfig(opts.config);
  } catch (e) {
    if (!(e instanceof AgentConfigError)) throw e;
    if (opts.selfTest) io.out(formatChecks([{ name: 'config', ok: false, detail: e.message }]));
    else io.err(`smart-agent: ${e.message}`);
    return 2;
  }
  const net = createNet(cfg);
  try {
    if (opts.selfTest) {
      const results = await selfTest(cfg, net);
      if (opts.json) io.out(JSON.stringify({ version: AGENT_VERSION, checks: results }, null, 2));
      else io.out(`smart-agent ${AGENT_VERSION} self-test\n${formatChecks(results)}`);
      return results.every((r) => r.ok) ? 0 : 1;
    }
    const log = logTo(io);
    const runner = new AgentRunner(cfg, { pk: net.pk, server: net.server, timers: realTimers, log });
    if (opts.once) {
      let failed = false;
      for (const kind of runner.kinds()) if ((await runner.collectOnce(kind, false)) === null) failed = true;
      const flushed = runner.closedContour ? { waiting: 0, sent: 0 } : await runner.flush();
      await runner.stop();
      if (opts.json) io.out(JSON.stringify({ version: AGENT_VERSION, failed, ...flushed }));
      return failed || flushed.waiting > 0 ? 1 : 0;
    }
    log.info(
      `smart-agent ${AGENT_VERSION} started for "${cfg.client}": sysinfo every ${cfg.sysinfoIntervalMs / 60_000} min, status every ${cfg.statusIntervalMs / 60_000} min${runner.closedContour ? `, closed contour into ${cfg.closedContourDir}` : ''}`,
    );
    runner.start();
    await untilStopped(io.signal);
    await runner.stop();
    log.info('stopped');
    return 0;
  } finally {
    await net.close();
  }
}
