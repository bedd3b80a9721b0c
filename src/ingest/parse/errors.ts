/**
 * The one error type the report parsers raise. `reason` is a stable machine code (the ingestion layer
 * maps it to a 4xx answer or a quarantine reason); `message` is for people.
 */
export const REPORT_PARSE_REASONS = [
  'io_error', // the file could not be read
  'too_large', // a size limit was exceeded (file, XML text, one text value, a .status body)
  'not_sysinfo', // not a zip, not XML, or XML with a root we do not know
  'unsupported_encoding', // the XML declares an encoding we do not decode
  'malformed_xml', // the XML is not well-formed
  'dtd_forbidden', // a DOCTYPE / entity declaration is present (we never process DTDs)
  'too_deep', // element nesting beyond the limit
  'zip_corrupt', // the zip container cannot be read
  'zip_unsupported', // encrypted entries or unknown compression methods
  'zip_entries', // too many entries, or no / several XML entries
  'zip_bomb', // the compression ratio or the inflated size is beyond the limits
  'path_traversal', // an entry name is absolute or climbs out with ".."
  'malformed_status', // the Prometheus text of a .status file is broken
  'not_metrics', // a .status file carries no metrics (an HTML error page, an empty body)
] as const;

export type ReportParseReason = (typeof REPORT_PARSE_REASONS)[number];

export class ReportParseError extends Error {
  override readonly name = 'ReportParseError';
  constructor(
    readonly reason: ReportParseReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Whatever went wrong while reading a report, as a ReportParseError: system errors (they carry a
 * `code`, e.g. ENOENT) are I/O problems; anything else is reported as unparseable input.
 */
export function asParseError(e: unknown): ReportParseError {
  if (e instanceof ReportParseError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const sys = typeof (err as { code?: unknown }).code === 'string';
  return sys
    ? new ReportParseError('io_error', `could not read the report: ${err.message}`, { cause: err })
    : new ReportParseError('malformed_xml', `the report could not be parsed: ${err.message}`, { cause: err });
}

export function isReportParseError(e: unknown): e is ReportParseError {
  return e instanceof ReportParseError;
}
