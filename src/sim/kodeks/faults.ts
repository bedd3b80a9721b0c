/**
 * Faults a simulated ПК can be put into at run time. Each one shows consistently wherever the real
 * failure would: sysinfo content, metrics, main page, HTTP behaviour (docs/simulator.md has the table).
 */
import { z } from 'zod';

export const FAULTS = [
  'down', // the listener is closed: connection refused
  'maintenance', // main page 503, logins refused
  'needs_service', // main page shows the "needs service" message
  'server_not_started', // the web front answers, the ПК server (ksrv) is not running
  'key_lost', // SenseLock key not found (4111)
  'licences_exhausted', // every seat taken, logons refused
  'db_error', // DB volumes report an error with a code (default 2007; 0 = an error without a code)
  'operups_stale', // OperUp files not updated for days
  'search_broken', // searches end with an error
  'slow', // every answer is delayed
  'reverse_proxy_down', // a front proxy answers 502
  'tcp_closed', // connections are accepted and closed without an answer
  'spp_down', // the SPP service is not running (kserver_spp_up 0); nothing else changes
] as const;

export type Fault = (typeof FAULTS)[number];

export interface FaultOptions {
  /** db_error: the Kodeks error code to report; 0 = an error without a code (code="0", a text with no number). */
  code?: number;
  /** slow: delay of every answer in ms. */
  delayMs?: number;
}

export interface ActiveFault extends FaultOptions {
  /** When it was switched on (simulator clock, UTC ms). */
  since: number;
}

export type FaultState = Partial<Record<Fault, ActiveFault>>;

export const FaultRequestSchema = z.object({
  fault: z.enum(FAULTS),
  on: z.boolean(),
  code: z.number().int().nonnegative().optional(),
  delayMs: z.number().int().nonnegative().max(600_000).optional(),
});
export type FaultRequest = z.infer<typeof FaultRequestSchema>;

export const DEFAULT_DB_ERROR_CODE = 2007;
export const DEFAULT_SLOW_MS = 5_000;
