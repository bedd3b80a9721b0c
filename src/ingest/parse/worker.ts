/**
 * The piscina entry for parsing in a worker thread: `new Piscina({ filename: <this file> })`, then
 * `pool.run(task)`. Results are plain data; failures come back as values (a class instance does not
 * survive the thread boundary), so the caller can quarantine the file with the reason.
 */
import { isReportParseError, type ReportParseReason } from './errors.js';
import type { ParseLimitsInput } from './limits.js';
import { parseReportFile } from './report-file.js';
import type { Snapshot } from './snapshot.js';
import { parseStatusFile, type StatusSnapshot } from './status-parser.js';

export type ParseTask =
  | { type: 'sysinfo'; path: string; kind?: 'zip' | 'xml'; utcOffsetMin: number; limits?: ParseLimitsInput }
  | { type: 'status'; path: string; limits?: ParseLimitsInput };

export type ParseTaskResult =
  | { ok: true; type: 'sysinfo'; snapshot: Snapshot; durationMs: number }
  | { ok: true; type: 'status'; status: StatusSnapshot; durationMs: number }
  | { ok: false; reason: ReportParseReason | 'internal'; message: string; durationMs: number };

export async function runParseTask(task: ParseTask): Promise<ParseTaskResult> {
  const t0 = performance.now();
  const ms = (): number => Math.round(performance.now() - t0);
  try {
    if (task.type === 'sysinfo') {
      const snapshot = await parseReportFile(task.path, {
        kind: task.kind,
        utcOffsetMin: task.utcOffsetMin,
        limits: task.limits,
      });
      return { ok: true, type: 'sysinfo', snapshot, durationMs: ms() };
    }
    const status = await parseStatusFile(task.path, { limits: task.limits });
    return { ok: true, type: 'status', status, durationMs: ms() };
  } catch (e) {
    if (isReportParseError(e)) return { ok: false, reason: e.reason, message: e.message, durationMs: ms() };
    return { ok: false, reason: 'internal', message: (e as Error).message, durationMs: ms() };
  }
}

export default runParseTask;
