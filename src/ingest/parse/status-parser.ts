/**
 * The smartstatus `.status` file (docs/formats/status.md): a `date: <HTTP date>` line written by
 * `curl -i ... | find "date:"`, then the Prometheus text of /sysmon/metrics (or of the legacy
 * /sysinfo/metrics). The date line is when the ПК answered, in UTC.
 */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { asParseError, ReportParseError } from './errors.js';
import { resolveLimits, type ParseLimitsInput } from './limits.js';
import { parsePromText, PromParseError } from './prom-text.js';

export const StatusSampleSchema = z.object({
  name: z.string(),
  labels: z.record(z.string(), z.string()),
  /** Any number: NaN and ±Infinity are legal Prometheus values. */
  value: z.custom<number>((v) => typeof v === 'number', 'expected a number'),
  timestampMs: z.number().int().nullable(),
});

export const StatusSnapshotSchema = z.object({
  schemaVersion: z.literal(1),
  /** From the date line (UTC ms); null when the line is missing or unreadable. */
  takenAt: z.number().int().nullable(),
  /** How the date line looked: `lower` is what the agent script writes; `other` e.g. `Date:`. */
  dateLine: z.enum(['lower', 'other', 'missing', 'unreadable']),
  /** `legacy` = the `# Sysinfo metrics` body of /sysinfo/metrics; `sysmon` otherwise. */
  format: z.enum(['sysmon', 'legacy']),
  samples: z.array(StatusSampleSchema),
  /** Bounded list of problems that did not stop the parse. */
  warnings: z.array(z.string()),
});

export type StatusSnapshot = z.infer<typeof StatusSnapshotSchema>;
export type StatusSample = z.infer<typeof StatusSampleSchema>;

export interface StatusParseOptions {
  limits?: ParseLimitsInput;
}

// RFC 7231 IMF-fixdate, as servers send it: "Thu, 16 Apr 2026 10:08:53 GMT".
const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function parseHttpDate(value: string): number | null {
  const v = value.trim();
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  // Accept other RFC 7231 forms too, but only when they name GMT/UTC: a zone-less date would be read as
  // the local time of whichever machine parses it.
  if (!IMF_FIXDATE.test(v) && !/\b(GMT|UTC|Z)\b|[+-]\d{4}$/.test(v)) return null;
  return t;
}

/** Parses the text of a .status file. Throws ReportParseError only. */
export function parseStatusText(text: string, opts: StatusParseOptions = {}): StatusSnapshot {
  const limits = resolveLimits(opts.limits);
  const warnings: string[] = [];
  let body = text.startsWith('\uFEFF') ? text.slice(1) : text;

  let takenAt: number | null = null;
  let dateLine: StatusSnapshot['dateLine'] = 'missing';
  let headerLines = 0;
  // Leading `date:` lines (the script appends; a rerun without `del` may leave several).
  for (;;) {
    const m = /^[ \t]*(date):[ \t]*([^\r\n]*)\r?(?:\n|$)/i.exec(body);
    if (!m) break;
    headerLines++;
    if (headerLines === 1) {
      takenAt = parseHttpDate(m[2]!);
      dateLine = takenAt === null ? 'unreadable' : m[1] === 'date' ? 'lower' : 'other';
      if (takenAt === null) warnings.push(`unreadable date line "${m[2]!.slice(0, 60)}"`);
    } else if (headerLines === 2) {
      warnings.push('several date lines; the first one is used');
    }
    body = body.slice(m[0].length);
  }
  if (dateLine === 'missing') warnings.push('no date line; use the time the file was received');

  const trimmed = body.trimStart();
  if (trimmed === '')
    throw new ReportParseError('not_metrics', 'the .status file has no metrics after the date line');
  if (trimmed.startsWith('<')) {
    const title = /<title>([^<]{0,80})/i.exec(trimmed)?.[1];
    throw new ReportParseError(
      'not_metrics',
      `the .status file holds an HTML page${title ? ` ("${title.trim()}")` : ''} instead of metrics; check the smartlogin credentials and the /sysmon catalog`,
    );
  }
  let parsed;
  try {
    parsed = parsePromText(body, { lenient: true, maxSeries: limits.maxStatusSeries });
  } catch (e) {
    if (e instanceof PromParseError) {
      throw new ReportParseError(
        'malformed_status',
        `metrics line ${e.line + headerLines}, column ${e.column}: ${e.detail}`,
        { cause: e },
      );
    }
    throw asParseError(e);
  }
  if (parsed.samples.length === 0) {
    throw new ReportParseError('not_metrics', 'the .status file has no metric samples');
  }
  const legacy = parsed.comments.some((c) => /^sysinfo metrics$/i.test(c));
  return {
    schemaVersion: 1,
    takenAt,
    dateLine,
    format: legacy ? 'legacy' : 'sysmon',
    samples: parsed.samples,
    warnings,
  };
}

/** Reads and parses a .status file (UTF-8). Throws ReportParseError only. */
export async function parseStatusFile(path: string, opts: StatusParseOptions = {}): Promise<StatusSnapshot> {
  const limits = resolveLimits(opts.limits);
  let buf: Buffer;
  try {
    const size = (await stat(path)).size;
    if (size > limits.maxStatusBytes) {
      throw new ReportParseError(
        'too_large',
        `the .status file is ${size} bytes; the limit is ${limits.maxStatusBytes}`,
      );
    }
    buf = await readFile(path);
  } catch (e) {
    throw asParseError(e);
  }
  return parseStatusText(buf.toString('utf8'), opts);
}
