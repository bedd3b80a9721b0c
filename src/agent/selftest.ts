import { promises as fs, statSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { fetch } from 'undici';
import { collectStatus, collectSysinfo, CollectError } from './collector.js';
import type { AgentConfig } from './config.js';
import { describeNetError, type AgentNet } from './net.js';
import { describeServerAnswer, serverHeaders } from './uploader.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** A warning is printed but does not fail the self-test. */
  warn?: boolean;
  detail: string;
}

async function check(name: string, fn: () => Promise<string>): Promise<CheckResult> {
  try {
    return { name, ok: true, detail: await fn() };
  } catch (e) {
    return { name, ok: false, detail: (e as Error).message };
  }
}

/**
 * What a technician runs after installing: every link of the chain is tried once and each failure is
 * named in plain words (ПК, smartlogin, proxy, server, token). Nothing is stored on the server.
 */
export async function selfTest(cfg: AgentConfig, net: AgentNet): Promise<CheckResult[]> {
  const out: CheckResult[] = [
    { name: 'config', ok: true, detail: `${cfg.file} is valid (client "${cfg.client}")` },
  ];
  out.push(configPermissions(cfg));

  let pkReachable = true;
  out.push(
    await check('ПК sysinfo', async () => {
      try {
        const r = await collectSysinfo(cfg, net.pk, 120_000);
        return `${cfg.pkUrl} gave a sysinfo zip of ${r.data.length} bytes`;
      } catch (e) {
        if (e instanceof CollectError && /not reachable/.test(e.message)) pkReachable = false;
        throw e;
      }
    }),
  );
  if (cfg.smartloginPassword === undefined) {
    out.push({
      name: 'smartlogin',
      ok: true,
      warn: true,
      detail: 'smartloginPassword is not set: only sysinfo is collected, no sysmon metrics',
    });
  } else if (!pkReachable) {
    out.push({ name: 'smartlogin', ok: false, detail: 'not checked: the ПК is not reachable' });
  } else {
    out.push(
      await check('smartlogin', async () => {
        const r = await collectStatus(cfg, net.pk);
        return `user "${cfg.smartloginUser}" reads /sysmon/metrics (${r.data.length} bytes)`;
      }),
    );
  }

  if (cfg.closedContourDir !== undefined) {
    const dir = cfg.closedContourDir;
    out.push(
      await check('closed contour', async () => {
        await fs.mkdir(dir, { recursive: true });
        const probe = path.join(dir, `.write-test-${process.pid}`);
        await fs.writeFile(probe, 'ok');
        await fs.rm(probe);
        return `files are written to ${dir} for manual transfer`;
      }),
    );
    return out;
  }
  out.push(...(await serverChecks(cfg, net)));
  return out;
}

/** Can a TCP connection to the proxy be opened at all? Tells a dead proxy from a refusing server. */
function tcpReachable(host: string, port: number, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    const done = (e?: Error) => {
      sock.destroy();
      if (e) reject(e);
      else resolve();
    };
    sock.setTimeout(timeoutMs, () => done(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    sock.once('connect', () => done());
    sock.once('error', (e) => done(e));
  });
}

async function serverChecks(cfg: AgentConfig, net: AgentNet): Promise<CheckResult[]> {
  const server = cfg.server;
  if (!server) return [];
  const out: CheckResult[] = [];
  let via = '';
  if (cfg.proxy) {
    const p = new URL(cfg.proxy);
    via = ` through the proxy ${p.host}`;
    const port = Number(p.port || (p.protocol === 'https:' ? 443 : 80));
    const proxy = await check('proxy', async () => {
      try {
        await tcpReachable(p.hostname, port);
      } catch (e) {
        throw new Error(`the proxy at ${p.host} is not reachable: ${describeNetError(e).reason}`);
      }
      return `${p.host} accepts connections${p.username ? ` (user "${decodeURIComponent(p.username)}")` : ''}`;
    });
    out.push(proxy);
    if (!proxy.ok) {
      out.push({ name: 'server', ok: false, detail: 'not checked: the proxy is not reachable' });
      return out;
    }
  }
  let res;
  try {
    res = await fetch(`${server.url}/healthz`, {
      headers: { 'user-agent': serverHeaders(server)['user-agent'] as string },
      dispatcher: net.server,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    const f = describeNetError(e);
    // A refused proxy login is the proxy's fault, not the server's: say so on the proxy line.
    const name = /proxy/.test(f.reason) ? 'proxy' : 'server';
    const detail =
      name === 'proxy' ? f.reason : `the server at ${server.url} is not reachable${via}: ${f.reason}`;
    const i = out.findIndex((r) => r.name === 'proxy');
    if (i >= 0) out.splice(i, 1);
    out.push({ name, ok: false, detail });
    if (name === 'proxy') out.push({ name: 'server', ok: false, detail: 'not checked: the proxy refused' });
    out.push({ name: 'token', ok: false, detail: 'not checked: the server is not reachable' });
    return out;
  }
  const text = await res.text().catch(() => '');
  let healthy = false;
  try {
    healthy = (JSON.parse(text) as { status?: string }).status === 'ok';
  } catch {
    // Not our answer.
  }
  if (!healthy) {
    out.push({
      name: 'server',
      ok: false,
      detail:
        res.status === 503
          ? `the server at ${server.url} answers but its database does not (503)`
          : `${server.url} answers${via} but not as SMART (GET /healthz gave ${res.status}): check serverUrl`,
    });
    out.push({ name: 'token', ok: false, detail: 'not checked: the server is not usable' });
    return out;
  }
  out.push({ name: 'server', ok: true, detail: `${server.url} answers${via}` });
  out.push(
    await check('token', async () => {
      // Metadata only: 200 (a file of this name has arrived) and 404 (not yet) both mean the token works.
      const r = await fetch(`${server.url}/files/${encodeURIComponent(`${cfg.client}.status`)}`, {
        method: 'HEAD',
        headers: serverHeaders(server),
        dispatcher: net.server,
        signal: AbortSignal.timeout(30_000),
      });
      if (r.status === 200 || r.status === 404) {
        return `dealer "${server.dealer}" and the token are accepted`;
      }
      if (r.status === 401) {
        throw new Error(
          `wrong token or dealer: the server refused dealer "${server.dealer}" with this token (401)`,
        );
      }
      throw new Error(describeServerAnswer(r.status, '').reason);
    }),
  );
  return out;
}

/** The file holds the token and the smartlogin password: it should be readable by its owner only. */
function configPermissions(cfg: AgentConfig): CheckResult {
  if (process.platform === 'win32')
    return { name: 'config file', ok: true, detail: 'permissions not checked on Windows' };
  try {
    const mode = statSync(cfg.file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      return {
        name: 'config file',
        ok: true,
        warn: true,
        detail: `${cfg.file} is readable by other users (mode ${mode.toString(8)}); run chmod 600 on it`,
      };
    }
    return { name: 'config file', ok: true, detail: 'readable by its owner only' };
  } catch (e) {
    return { name: 'config file', ok: true, warn: true, detail: (e as Error).message };
  }
}

export function formatChecks(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  return results
    .map((r) => `${r.ok ? (r.warn ? 'WARN' : 'OK  ') : 'FAIL'}  ${r.name.padEnd(width)}  ${r.detail}`)
    .join('\n');
}
