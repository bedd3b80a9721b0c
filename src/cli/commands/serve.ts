import os from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import type { Config } from '../../config/index.js';
import type { RunningServer } from '../../http/server.js';
import type { AlertsConfig, AlertsNodeOptions } from '../../alerts/node.js';
import type { ChecksNodeOptions } from '../../checks-node.js';
import type { PullSchedulerOptions } from '../../ingest/pull-scheduler.js';
import { packageVersion } from '../../lib/version.js';
import { openDatabase } from '../../db/database.js';
import { openRuntime, type Runtime } from '../../runtime.js';
import { type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';

export interface ServeOptions {
  host?: string;
  port?: string;
}

export function parsePort(value: string): string {
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError('expected a port 0–65535.');
  return value;
}

/** --host/--port win over SMART_HOST/SMART_PORT. */
export function serveConfig(cli: CliContext, opts: ServeOptions): Config {
  return cli.config({
    ...(opts.host !== undefined ? { SMART_HOST: opts.host } : {}),
    ...(opts.port !== undefined ? { SMART_PORT: opts.port } : {}),
  });
}

/** Resolves on SIGINT, SIGTERM or the io's abort signal; a second Ctrl-C then kills the process as usual. */
export function untilStopped(io: CliIo): Promise<string> {
  return new Promise((resolve) => {
    const stop = (why: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      io.signal?.removeEventListener('abort', onAbort);
      resolve(why);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    const onAbort = () => stop('abort');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    if (io.signal?.aborted) stop('abort');
    else io.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Alert delivery settings of a node; runbook links point at SMART_PUBLIC_URL or this node. */
export function alertsConfig(config: Config): AlertsConfig {
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return {
    nodeId: config.nodeId,
    publicUrl: config.publicUrl ?? `http://${host}:${config.port}`,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    telegramToken: config.telegramToken,
    telegramApiBase: config.telegramApiBase,
    evalIntervalMs: config.alertEvalIntervalMs,
  };
}

/** The address a person can open: a wildcard host is reached through localhost. */
export function browserUrl(config: Config, server: RunningServer): string {
  if (config.host === '0.0.0.0' || config.host === '::')
    return `http://localhost:${new URL(server.url).port}`;
  return server.url;
}

/**
 * Opens the runtime (migrating), listens, calls onListening, then waits for a stop signal and shuts
 * down cleanly: the server stops accepting and drains, then the database is closed.
 */
export async function serveUntilStopped(
  cli: CliContext,
  config: Config,
  onListening: (server: RunningServer, rt: Runtime) => void,
  runtime?: Runtime,
  options: { pull?: PullSchedulerOptions; checks?: ChecksNodeOptions; alerts?: AlertsNodeOptions } = {},
): Promise<void> {
  const rt = runtime ?? (await openRuntime(config));
  try {
    // Loaded on demand: the web stack is most of the start-up time of the other commands.
    const { startServer } = await import('../../http/server.js');
    const { startIngestNode } = await import('../../ingest/node.js');
    const { startChecksNode } = await import('../../checks-node.js');
    const { startAlertsNode } = await import('../../alerts/node.js');
    const { startHealthNode } = await import('../../health/node.js');
    const { startAsrpNode } = await import('../../asrp/node.js');
    const { startMaintenanceNode } = await import('../../maintenance-node.js');
    const alerts = config.alerts
      ? startAlertsNode(rt.ctx, alertsConfig(config), {
          ...options.alerts,
          onError: (e) => cli.io.stderr.write(`alerts: ${(e as Error).message}\n`),
        })
      : null;
    // Client health scores and digests (docs/health.md); the digests go out through the alerts' outbox,
    // so a node without alerting only computes the scores.
    const health = startHealthNode(rt.ctx, {
      nodeId: config.nodeId,
      digests: config.alerts,
      onError: (e) => cli.io.stderr.write(`client health: ${(e as Error).message}\n`),
    });
    const node = await startIngestNode(rt, {
      pull: {
        onError: (e) => cli.io.stderr.write(`pulls: ${(e as Error).message}\n`),
        ...options.pull,
      },
      onProcessed: (id) => alerts?.touch('installation', id),
      onError: (e, reportId) =>
        cli.io.stderr.write(
          `ingest: ${reportId === undefined ? '' : `report ${reportId}: `}${(e as Error).message} (retried)\n`,
        ),
    });
    const checks = config.activeChecks
      ? startChecksNode(rt, {
          ...options.checks,
          onResults: (subjects) => {
            for (const s of subjects) alerts?.touch(s.kind, s.id);
          },
          onError: (e) => cli.io.stderr.write(`active checks: ${(e as Error).message}\n`),
        })
      : null;
    // ASRP upload runs with the active checks: a node that does no outside work sends nothing.
    const asrp = config.activeChecks
      ? startAsrpNode(rt, { onError: (e) => cli.io.stderr.write(`asrp: ${(e as Error).message}\n`) })
      : null;
    // Retention (and PostgreSQL's monthly partitions): one job for the instance, whichever node claims it.
    const maintenance = startMaintenanceNode(rt, {
      onError: (e) => cli.io.stderr.write(`retention: ${(e as Error).message}\n`),
    });
    let server: RunningServer;
    try {
      server = await startServer(rt, { host: config.host, port: config.port, ingest: node.ingest });
    } catch (e) {
      await maintenance.close();
      await asrp?.close();
      await checks?.close();
      await node.close();
      await health.close();
      await alerts?.close();
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        throw new CliError(
          `cannot listen on ${config.host}:${config.port} (${code}): choose another with --port or SMART_PORT`,
          1,
        );
      }
      throw e;
    }
    // Membership of the cluster: heartbeats with this node's figures, and takeover of dead nodes' work.
    const { startClusterNode } = await import('../../cluster/node.js');
    // On PostgreSQL the heartbeat has a connection of its own: behind a queue of busy work in the main pool
    // it could come late enough for the other nodes to think this one dead.
    const beatDb = rt.ctx.dbKind === 'postgres' ? openDatabase(config.databaseUrl, { poolSize: 1 }) : null;
    const cluster = await startClusterNode(beatDb ? { ...rt.ctx, db: beatDb.db } : rt.ctx, {
      info: {
        nodeId: config.nodeId,
        host: os.hostname(),
        pid: process.pid,
        version: packageVersion(),
        url: config.publicUrl ?? browserUrl(config, server),
        roles: [
          'ingest',
          'maintenance',
          'health',
          ...(checks ? (['checks', 'asrp'] as const) : []),
          ...(alerts ? (['alerts'] as const) : []),
        ],
      },
      deadAfterMs: config.nodeDeadAfterMs,
      stats: () => ({
        checks: checks?.runner.stats,
        alerts: alerts ? { evaluation: alerts.runner?.stats, delivery: alerts.dispatcher.stats } : undefined,
        asrp: asrp?.runner.stats,
        retention: maintenance.runner.stats,
      }),
      onTakeover: (t) => {
        cli.io.stderr.write(
          `cluster: node ${t.deadNode} stopped answering; took over ${t.jobs} jobs, ${t.notifications} messages, ` +
            `${t.reports} reports${t.reportsLeft ? ` (${t.reportsLeft} stay in its spool)` : ''}\n`,
        );
        if (t.reports > 0) node.ingest.processor.kick();
        if (t.notifications + t.notifyGroups > 0) alerts?.dispatcher.kick();
      },
      onError: (e) => cli.io.stderr.write(`cluster: ${(e as Error).message}\n`),
    });
    onListening(server, rt);
    const why = await untilStopped(cli.io);
    cli.io.stderr.write(`${why === 'abort' ? 'stopping' : `${why}: stopping`}…\n`);
    await server.close();
    await maintenance.close();
    await asrp?.close();
    await checks?.close();
    await node.close();
    await health.close();
    await alerts?.close();
    await cluster.close();
    await beatDb?.close();
  } finally {
    await rt.close();
  }
}

export function registerServe(program: Command, cli: CliContext): void {
  program
    .command('serve')
    .description('run SMART: migrate the database, then serve the web UI and API until SIGINT/SIGTERM')
    .option('--host <host>', 'address to listen on (default SMART_HOST or 0.0.0.0)')
    .option('--port <port>', 'port to listen on (default SMART_PORT or 8080)', parsePort)
    .action(async (opts: ServeOptions & { json?: boolean }) => {
      const out = cli.output(opts);
      const config = serveConfig(cli, opts);
      await serveUntilStopped(cli, config, (server) => {
        out.data({ url: server.url, pid: process.pid });
        out.line(`SMART is listening on ${browserUrl(config, server)} (Ctrl-C stops it)`);
      });
    });
}
