/**
 * ICMP echo through the system `ping`. Node has no raw sockets, and the system ping already holds the
 * privilege it needs (cap_net_raw, or ICMP datagram sockets allowed by net.ipv4.ping_group_range), so
 * SMART itself never needs to run as root. Missing privilege is reported as 'unknown', never 'failed':
 * it says nothing about the host.
 */
import { spawn } from 'node:child_process';
import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';

export interface PingOptions {
  timeoutMs: number;
  /** Program and leading arguments; default ['ping']. E.g. ['runuser', '-u', 'nobody', '--', 'ping']. */
  command?: readonly string[];
  signal?: AbortSignal;
}

export interface PingResult {
  outcome: 'ok' | 'failed' | 'unknown';
  rttMs?: number;
  detail: string;
}

/** Output kept from the child: ping prints a few hundred bytes; more means something else is talking. */
const MAX_OUTPUT = 16 * 1024;
/** Time for ping to start and resolve the name, on top of its own -W wait. */
const KILL_GRACE_MS = 1_000;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`);

/**
 * The host as ping should get it, or null when it is not a plain hostname, IPv4 or IPv6 address.
 * Nothing else may reach the argument list (no leading '-', no spaces). IDN names (.рф) go as punycode.
 */
export function pingHost(host: string): string | null {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIPv4(h) || isIPv6(h)) return h;
  // The URL rules behind domainToASCII drop tabs and newlines silently: refuse them first.
  if (/[\s\p{Cc}]/u.test(h)) return null;
  const ascii = /^[\x21-\x7e]+$/.test(h) ? h : domainToASCII(h);
  if (!ascii || ascii.length > 253 || !HOSTNAME.test(ascii)) return null;
  return ascii;
}

const NOT_PERMITTED =
  /operation not permitted|permission denied|lacking privilege|missing cap_net_raw|are you root/i;
/** The name does not exist: the target is misconfigured or gone, a real failure. */
const NO_SUCH_NAME =
  /name or service not known|unknown host|bad address|no address associated|name does not resolve/i;
/** Our resolver is broken: says nothing about the host. */
const RESOLVER_DOWN = /temporary failure in name resolution/i;
/** No route from here (ping exits 2 without sending): the host cannot be reached, as TCP would say. */
const NO_ROUTE = /network is unreachable|no route to host/i;

function firstLine(text: string, re: RegExp): string | undefined {
  return text.split('\n').find((l) => re.test(l));
}

/**
 * Judges one run of `ping -c 1` from its output (LC_ALL=C) and exit code: iputils and busybox formats.
 * iputils exits 0 on a reply, 1 when none came, 2 on other errors.
 */
export function parsePingOutput(stdout: string, stderr: string, exitCode: number | null): PingResult {
  const all = `${stdout}\n${stderr}`;
  const denied = firstLine(all, NOT_PERMITTED);
  if (denied) return { outcome: 'unknown', detail: `ping not permitted: ${denied.trim()}` };
  const noName = firstLine(all, NO_SUCH_NAME);
  if (noName) return { outcome: 'failed', detail: `name not resolved: ${noName.trim()}` };
  const resolver = firstLine(all, RESOLVER_DOWN);
  if (resolver) return { outcome: 'unknown', detail: `resolver failed: ${resolver.trim()}` };
  const noRoute = firstLine(stderr, NO_ROUTE);
  if (noRoute) return { outcome: 'failed', detail: `unreachable: ${noRoute.trim()}` };

  const received = /(\d+)\s+(?:packets\s+)?received/.exec(stdout);
  const rtt = /\btime[=<]\s*([\d.]+)\s*ms/.exec(stdout);
  const got = received ? Number(received[1]) : rtt ? 1 : 0;
  if (got > 0 && (exitCode === 0 || exitCode === null)) {
    const rttMs = rtt ? Number(rtt[1]) : undefined;
    return { outcome: 'ok', ...(rttMs !== undefined ? { rttMs } : {}), detail: 'reply received' };
  }
  if (received || exitCode === 1) {
    const why = firstLine(stdout, /unreachable|exceeded|prohibited/i);
    return { outcome: 'failed', detail: why ? `no reply: ${why.trim()}` : 'no reply' };
  }
  const err = stderr.trim().split('\n')[0] || `exit code ${String(exitCode)}`;
  return { outcome: 'unknown', detail: `ping error: ${err}` };
}

/** One echo request to `host`; never throws. */
export function ping(host: string, opts: PingOptions): Promise<PingResult> {
  const target = pingHost(host);
  if (target === null) return Promise.resolve({ outcome: 'unknown', detail: `not a valid host: ${host}` });
  if (opts.signal?.aborted) return Promise.resolve({ outcome: 'unknown', detail: 'aborted' });
  const [program = 'ping', ...lead] = opts.command ?? ['ping'];
  // -W takes whole seconds on older iputils and on busybox.
  const waitS = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
  const args = [...lead, '-n', '-c', '1', '-W', String(waitS), '--', target];

  return new Promise<PingResult>((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const child = spawn(program, args, {
      // No shell; a fixed small environment so the output is the C locale's.
      env: { PATH: process.env.PATH ?? DEFAULT_PATH, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group, so a wrapper (runuser, sudo) and the ping under it are killed together.
      detached: true,
    });
    const finish = (r: PingResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const onAbort = (): void => {
      kill();
      finish({ outcome: 'unknown', detail: 'aborted' });
    };
    const deadline = Math.max(opts.timeoutMs, waitS * 1000) + KILL_GRACE_MS;
    const timer = setTimeout(() => {
      kill();
      finish({ outcome: 'failed', detail: `ping did not finish within ${deadline} ms` });
    }, deadline);
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (c: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += c.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      const what = e.code === 'ENOENT' ? `${program} not found` : `cannot run ${program}: ${e.message}`;
      finish({ outcome: 'unknown', detail: what });
    });
    child.on('close', (code) => finish(parsePingOutput(stdout, stderr, code)));
  });
}
