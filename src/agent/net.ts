import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import type { AgentConfig } from './config.js';

/** The connections the agent makes: to the server (maybe through a proxy) and to the ПК (on the LAN, direct). */
export interface AgentNet {
  server: Dispatcher;
  pk: Dispatcher;
  close(): Promise<void>;
}

export function createNet(cfg: AgentConfig): AgentNet {
  const tls = { rejectUnauthorized: !cfg.insecure, ...(cfg.ca !== undefined ? { ca: cfg.ca } : {}) };
  // ProxyAgent takes user:password from the URL and sends them as Proxy-Authorization on CONNECT.
  const server: Dispatcher = cfg.proxy
    ? new ProxyAgent({ uri: cfg.proxy, requestTls: tls, proxyTls: tls })
    : new Agent({ connect: tls });
  const pk = new Agent({ connect: { rejectUnauthorized: !cfg.pkInsecure } });
  return {
    server,
    pk,
    close: async () => {
      await Promise.all([server.close(), pk.close()]);
    },
  };
}

/** Why a request failed, in words a technician can act on. */
export interface NetFailure {
  /** Retrying later may help (network down, server busy). */
  transient: boolean;
  reason: string;
}

const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens at that address and port)',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'the host name does not resolve (DNS)',
  EAI_AGAIN: 'the host name could not be resolved right now (DNS)',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'the answer stopped in the middle',
  UND_ERR_SOCKET: 'the connection was closed before the answer',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the TLS certificate is self-signed (set caFile to trust it)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the TLS certificate chain is self-signed (set caFile to trust it)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the TLS certificate cannot be verified (set caFile to trust its CA)',
  CERT_HAS_EXPIRED: 'the TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the TLS certificate is for another host name',
};

/** Turns a fetch exception into a plain reason; proxy refusals are told apart from the target's. */
export function describeNetError(e: unknown): NetFailure {
  const chain: { code?: string; message?: string }[] = [];
  for (let cur = e as { cause?: unknown } | undefined, i = 0; cur && i < 5; i++) {
    chain.push(cur as { code?: string; message?: string });
    cur = (cur as { cause?: unknown }).cause as { cause?: unknown } | undefined;
  }
  for (const c of chain) {
    const proxy = /Proxy response \((\d+)\)/.exec(c.message ?? '');
    if (proxy) {
      const status = Number(proxy[1]);
      return status === 407
        ? {
            transient: false,
            reason: 'the proxy refused the credentials (407): check user and password in "proxy"',
          }
        : { transient: true, reason: `the proxy would not connect to the server (proxy answered ${status})` };
    }
  }
  for (const c of chain) {
    const known = c.code !== undefined ? CAUSES[c.code] : undefined;
    if (c.code !== undefined && known !== undefined) {
      // A certificate problem does not pass by waiting; the network ones may.
      const tlsProblem = /CERT|SIGNATURE|TLS/.test(c.code);
      return { transient: !tlsProblem, reason: known };
    }
  }
  if (chain.some((c) => c.code === 'ABORT_ERR' || /aborted|timeout/i.test(c.message ?? ''))) {
    return { transient: true, reason: 'no answer in time' };
  }
  const last = chain[chain.length - 1];
  return { transient: true, reason: last?.message ?? String(e) };
}
