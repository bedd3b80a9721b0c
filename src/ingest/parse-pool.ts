import os from 'node:os';
import { workerFile } from '../lib/worker-file.js';
import { Piscina } from 'piscina';
import type { ParseTask, ParseTaskResult } from './parse/worker.js';
import type { ParsedReport, ReportParser } from './processor.js';

/** A file the parser refused (bad zip, malformed XML, ...): quarantined, not retried. */
export class RejectedReportError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ParsePool {
  parse: ReportParser;
  close(): Promise<void>;
}

/**
 * Parsing runs in worker threads so a 20 MB report never blocks the event loop that answers agents.
 * From source (tests, `tsx`), the worker is the .ts file and needs the tsx loader; from dist/ it is .js.
 */
export function createParsePool(
  opts: { maxThreads?: number; minThreads?: number; idleTimeoutMs?: number } = {},
): ParsePool {
  const { filename, execArgv } = workerFile(import.meta.url, './parse/worker');
  const pool = new Piscina<ParseTask, ParseTaskResult>({
    filename,
    minThreads: opts.minThreads ?? 0,
    maxThreads: opts.maxThreads ?? Math.max(1, Math.min(4, os.availableParallelism() - 1)),
    idleTimeout: opts.idleTimeoutMs ?? 30_000,
    execArgv,
  });
  const parse: ReportParser = async (job) => {
    const task: ParseTask =
      job.format === 'status'
        ? { type: 'status', path: job.path }
        : { type: 'sysinfo', path: job.path, kind: job.format, utcOffsetMin: job.utcOffsetMin };
    const r = await pool.run(task);
    if (!r.ok) {
      if (r.reason === 'internal') throw new Error(r.message);
      throw new RejectedReportError(r.reason, r.message);
    }
    const parsed: ParsedReport =
      r.type === 'sysinfo' ? { kind: 'sysinfo', snapshot: r.snapshot } : { kind: 'status', status: r.status };
    return parsed;
  };
  return { parse, close: () => pool.destroy() };
}
