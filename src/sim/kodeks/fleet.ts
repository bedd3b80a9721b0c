/**
 * A fleet of simulated ПК servers on loopback: server i listens on portBase + i (or any free port when
 * portBase is 0), each with its own seeded client. Optionally one control endpoint for all of them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { FaultRequestSchema } from './faults.js';
import { hash32 } from './prng.js';
import type { ProfileOptions } from './profile.js';
import { startKodeksServer, type KodeksServer } from './server.js';

export interface FleetOptions {
  installations: number;
  /** 0 = a free port for each server. */
  portBase?: number;
  seed?: number;
  /** Where server i listens: one address for all, or one per server (e.g. its own 127.x.y.z). */
  host?: string | ((index: number) => string);
  clock?: () => number;
  /** Every request of server i, before anything else (tests count probes and pulls here). */
  onRequest?: (index: number, method: string, path: string) => void;
  /** Per-installation profile options (short names, sizes, scenarios). */
  profile?: (index: number) => Omit<ProfileOptions, 'seed'>;
  /** Start a control endpoint on this port (0 = any): POST /__sim/faults {server, fault, on}, GET /__sim/state. */
  controlPort?: number;
}

export interface Fleet {
  servers: KodeksServer[];
  /** Set when `controlPort` was given. */
  controlUrl: string | null;
  close(): Promise<void>;
}

const FleetFaultSchema = FaultRequestSchema.extend({ server: z.number().int().nonnegative() });

/** The seed of installation i in a fleet seeded with `seed`. */
export function fleetMemberSeed(seed: number, index: number): number {
  return hash32(seed, 'fleet', index);
}

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const seed = opts.seed ?? 1;
  const servers: KodeksServer[] = [];
  try {
    for (let i = 0; i < opts.installations; i++) {
      servers.push(
        await startKodeksServer({
          port: opts.portBase ? opts.portBase + i : 0,
          host: typeof opts.host === 'function' ? opts.host(i) : opts.host,
          clock: opts.clock,
          ...(opts.onRequest
            ? { onRequest: (method: string, p: string) => opts.onRequest?.(i, method, p) }
            : {}),
          seed: fleetMemberSeed(seed, i),
          profile: { shortName: `sim${String(i + 1).padStart(4, '0')}`, ...(opts.profile?.(i) ?? {}) },
        }),
      );
    }
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    throw e;
  }

  let control: Server | null = null;
  let controlUrl: string | null = null;
  if (opts.controlPort !== undefined) {
    control = createServer((req, res) => {
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && req.url === '/__sim/state') {
        return json(
          200,
          servers.map((s, i) => ({
            server: i,
            url: s.url,
            shortName: s.state.profile.shortName,
            listening: s.state.listening,
            faults: s.state.faults,
          })),
        );
      }
      if (req.method === 'POST' && req.url === '/__sim/faults') {
        let raw = '';
        req.on('data', (c: Buffer) => {
          raw += c.toString('utf8');
          if (raw.length > 16_384) req.destroy();
        });
        req.on('end', () => {
          let parsed;
          try {
            parsed = FleetFaultSchema.safeParse(JSON.parse(raw));
          } catch {
            return json(400, { error: 'body is not JSON' });
          }
          if (!parsed.success)
            return json(400, { error: parsed.error.issues.map((i) => i.message).join('; ') });
          const { server, fault, on, code, delayMs } = parsed.data;
          const target = servers[server];
          if (!target) return json(404, { error: `no server ${server}` });
          target.setFault(fault, on, { code, delayMs }).then(
            () => json(200, { ok: true, server, fault, on }),
            (e: unknown) => json(500, { error: (e as Error).message }),
          );
        });
        return;
      }
      json(404, { error: 'unknown endpoint' });
    });
    const host = typeof opts.host === 'string' ? opts.host : '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      control!.once('error', reject);
      control!.listen(opts.controlPort, host, () => resolve());
    });
    controlUrl = `http://${host}:${(control.address() as AddressInfo).port}`;
  }

  return {
    servers,
    controlUrl,
    async close() {
      await Promise.all(servers.map((s) => s.close()));
      if (control) await new Promise<void>((r) => control!.close(() => r()));
    },
  };
}
