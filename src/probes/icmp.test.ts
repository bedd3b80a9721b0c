import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePingOutput, ping, pingHost } from './icmp.js';

// Real outputs (LC_ALL=C), iputils 20221126 unless said otherwise.
const IPUTILS_OK = `PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.
64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.207 ms

--- 127.0.0.1 ping statistics ---
1 packets transmitted, 1 received, 0% packet loss, time 0ms
rtt min/avg/max/mdev = 0.207/0.207/0.207/0.000 ms
`;
const IPUTILS_OK_V6 = `PING ::1(::1) 56 data bytes
64 bytes from ::1: icmp_seq=1 ttl=64 time=0.099 ms

--- ::1 ping statistics ---
1 packets transmitted, 1 received, 0% packet loss, time 0ms
rtt min/avg/max/mdev = 0.099/0.099/0.099/0.000 ms
`;
const IPUTILS_LOSS = `PING 192.0.2.1 (192.0.2.1) 56(84) bytes of data.

--- 192.0.2.1 ping statistics ---
1 packets transmitted, 0 received, 100% packet loss, time 0ms

`;
const IPUTILS_UNREACHABLE = `PING 198.51.100.7 (198.51.100.7) 56(84) bytes of data.
From 21.4.4.219 icmp_seq=1 Destination Port Unreachable

--- 198.51.100.7 ping statistics ---
1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms

`;
const IPUTILS_NO_NAME = 'ping: nonexistent.invalid: Name or service not known\n';
const IPUTILS_OLD_NO_NAME = 'ping: unknown host nonexistent.invalid\n';
const IPUTILS_RESOLVER = 'ping: sim0001.example.ru: Temporary failure in name resolution\n';
const IPUTILS_NO_CAP = `ping: socktype: SOCK_RAW
ping: socket: Operation not permitted
ping: => missing cap_net_raw+p capability or setuid?
`;
const IPUTILS_OLD_DENIED = 'ping: socket: Permission denied\n';
const IPUTILS_FIREWALL = 'ping: sendmsg: Operation not permitted\n';
const IPUTILS_NO_ROUTE = 'ping: connect: Network is unreachable\n';
const INETUTILS_DENIED = 'ping: Lacking privilege for icmp socket.\n';
const BUSYBOX_OK = `PING 127.0.0.1 (127.0.0.1): 56 data bytes
64 bytes from 127.0.0.1: seq=0 ttl=64 time=0.084 ms

--- 127.0.0.1 ping statistics ---
1 packets transmitted, 1 packets received, 0% packet loss
round-trip min/avg/max = 0.084/0.084/0.084 ms
`;
const BUSYBOX_LOSS = `PING 192.0.2.1 (192.0.2.1): 56 data bytes

--- 192.0.2.1 ping statistics ---
1 packets transmitted, 0 packets received, 100% packet loss
`;
const BUSYBOX_NO_NAME = "ping: bad address 'nonexistent.invalid'\n";
const BUSYBOX_DENIED = 'ping: permission denied (are you root?)\n';

describe('parsePingOutput', () => {
  it('reads a reply and its round trip', () => {
    expect(parsePingOutput(IPUTILS_OK, '', 0)).toEqual({
      outcome: 'ok',
      rttMs: 0.207,
      detail: 'reply received',
    });
    expect(parsePingOutput(IPUTILS_OK_V6, '', 0)).toMatchObject({ outcome: 'ok', rttMs: 0.099 });
    expect(parsePingOutput(BUSYBOX_OK, '', 0)).toMatchObject({ outcome: 'ok', rttMs: 0.084 });
  });

  it('no reply is a failure', () => {
    expect(parsePingOutput(IPUTILS_LOSS, '', 1)).toEqual({ outcome: 'failed', detail: 'no reply' });
    expect(parsePingOutput(BUSYBOX_LOSS, '', 1)).toEqual({ outcome: 'failed', detail: 'no reply' });
    expect(parsePingOutput(IPUTILS_UNREACHABLE, '', 1)).toEqual({
      outcome: 'failed',
      detail: 'no reply: From 21.4.4.219 icmp_seq=1 Destination Port Unreachable',
    });
    expect(parsePingOutput('', IPUTILS_NO_ROUTE, 2)).toMatchObject({
      outcome: 'failed',
      detail: /unreachable/,
    });
  });

  it('a name that does not exist is a failure, a broken resolver is not', () => {
    for (const [err, code] of [
      [IPUTILS_NO_NAME, 2],
      [IPUTILS_OLD_NO_NAME, 2],
      [BUSYBOX_NO_NAME, 1],
    ] as const)
      expect(parsePingOutput('', err, code)).toMatchObject({
        outcome: 'failed',
        detail: /^name not resolved/,
      });
    expect(parsePingOutput('', IPUTILS_RESOLVER, 2)).toMatchObject({
      outcome: 'unknown',
      detail: /^resolver/,
    });
  });

  it('missing privilege is unknown, never failed', () => {
    for (const err of [IPUTILS_NO_CAP, IPUTILS_OLD_DENIED, INETUTILS_DENIED, BUSYBOX_DENIED])
      expect(parsePingOutput('', err, 2)).toMatchObject({
        outcome: 'unknown',
        detail: /^ping not permitted: /,
      });
    // A local firewall dropping our echo requests says nothing about the host either.
    expect(parsePingOutput(IPUTILS_LOSS, IPUTILS_FIREWALL, 1).outcome).toBe('unknown');
  });

  it('any other error is unknown', () => {
    expect(parsePingOutput('', 'ping: invalid argument\n', 2)).toEqual({
      outcome: 'unknown',
      detail: 'ping error: ping: invalid argument',
    });
  });
});

describe('pingHost', () => {
  it('accepts hostnames and addresses', () => {
    expect(pingHost('127.0.0.1')).toBe('127.0.0.1');
    expect(pingHost('::1')).toBe('::1');
    expect(pingHost('[2001:db8::1]')).toBe('2001:db8::1');
    expect(pingHost('kodeks.example.ru')).toBe('kodeks.example.ru');
    expect(pingHost('sim_01.local.')).toBe('sim_01.local.');
    expect(pingHost('сервер.рф')).toBe('xn--b1afb6bcb.xn--p1ai');
  });

  it('rejects anything that could become an option or more than one argument', () => {
    for (const h of [
      '-c',
      '-f127.0.0.1',
      '',
      ' 127.0.0.1',
      'a b',
      'a;reboot',
      '$(id)',
      'a\nb',
      '-x.рф',
      'a..b',
      `${'a'.repeat(64)}.ru`,
    ])
      expect(pingHost(h), h).toBeNull();
  });
});

const tmp = mkdtempSync(join(tmpdir(), 'smart-ping-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;
const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((p) => existsSync(p));
const systemPing = ['/usr/bin/ping', '/bin/ping'].find((p) => existsSync(p));

describe('ping', () => {
  it('an invalid host never reaches a process', async () => {
    const r = await ping('-f', { timeoutMs: 1000, command: ['/nonexistent'] });
    expect(r).toEqual({ outcome: 'unknown', detail: 'not a valid host: -f' });
  });

  it('a missing ping is unknown', async () => {
    const r = await ping('127.0.0.1', { timeoutMs: 1000, command: ['/nonexistent/ping'] });
    expect(r).toEqual({ outcome: 'unknown', detail: '/nonexistent/ping not found' });
  });

  it.skipIf(!systemPing)(
    'pings loopback with the system ping (ok, or unknown when not permitted)',
    async () => {
      for (const host of ['127.0.0.1', 'localhost']) {
        const r = await ping(host, { timeoutMs: 2000 });
        if (r.outcome === 'unknown') expect(r.detail).toMatch(/not permitted/);
        else expect(r).toMatchObject({ outcome: 'ok', rttMs: expect.any(Number) });
      }
    },
  );

  it.skipIf(!systemPing)('a name that does not exist fails', async () => {
    const r = await ping('nonexistent.invalid', { timeoutMs: 2000 });
    // A sandbox without DNS says "temporary failure": unknown, not failed.
    expect(r.outcome === 'failed' ? r.detail : 'resolver').toMatch(/name not resolved|resolver/);
  });

  it.skipIf(!isRoot || !runuser || !systemPing)('runs as another user through a wrapper', async () => {
    const r = await ping('127.0.0.1', { timeoutMs: 2000, command: [runuser!, '-u', 'nobody', '--', 'ping'] });
    // Debian's ping holds cap_net_raw, or nobody's group is in net.ipv4.ping_group_range.
    if (r.outcome === 'unknown') expect(r.detail).toMatch(/not permitted/);
    else expect(r.outcome).toBe('ok');
  });

  it.skipIf(!isRoot || !runuser || !systemPing)(
    'a ping without privilege is unknown, not failed',
    async () => {
      // A copy loses the file capability; nobody then needs ping_group_range to include its group.
      const copy = join(tmp, 'ping');
      copyFileSync(systemPing!, copy);
      chmodSync(tmp, 0o755);
      chmodSync(copy, 0o755);
      const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8')
        .trim()
        .split(/\s+/)
        .map(Number);
      const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
      const datagramAllowed = gid >= lo! && gid <= hi!;
      const r = await ping('127.0.0.1', { timeoutMs: 2000, command: [runuser!, '-u', 'nobody', '--', copy] });
      if (datagramAllowed) expect(r.outcome).toBe('ok');
      else
        expect(r).toMatchObject({
          outcome: 'unknown',
          detail: /^ping not permitted: .*Operation not permitted/,
        });
    },
  );

  it('kills a ping that hangs, with everything under it', async () => {
    const marker = `29.${process.pid}`;
    const t0 = Date.now();
    const r = await ping('127.0.0.1', {
      timeoutMs: 100,
      command: ['sh', '-c', `sleep ${marker}; true`, 'sh'],
    });
    expect(r).toEqual({ outcome: 'failed', detail: 'ping did not finish within 2000 ms' });
    expect(Date.now() - t0).toBeLessThan(5000);
    await new Promise((res) => setTimeout(res, 100));
    const left = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
    expect(left).toEqual([]);
  });

  it('an aborted ping is unknown', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await ping('127.0.0.1', {
      timeoutMs: 5000,
      command: ['sh', '-c', 'sleep 5', 'sh'],
      signal: ac.signal,
    });
    expect(r).toEqual({ outcome: 'unknown', detail: 'aborted' });
  });
});
