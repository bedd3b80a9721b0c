/** Report formats: sysinfo XML (plain or zipped) → Snapshot, .status → StatusSnapshot. */
export {
  ReportParseError,
  REPORT_PARSE_REASONS,
  isReportParseError,
  type ReportParseReason,
} from './errors.js';
export { DEFAULT_LIMITS, resolveLimits, type ParseLimits, type ParseLimitsInput } from './limits.js';
export * from './snapshot.js';
export { parseSysinfoStream, type SysinfoParseOptions } from './sysinfo-parser.js';
export { openZipXml, unsafeEntryName, type ZipXmlEntry } from './unzip.js';
export {
  parseReportFile,
  detectReportKind,
  classifyHead,
  type ParseReportOptions,
  type ReportKind,
} from './report-file.js';
export {
  parseStatusText,
  parseStatusFile,
  StatusSnapshotSchema,
  type StatusSnapshot,
  type StatusSample,
  type StatusParseOptions,
} from './status-parser.js';
export {
  parsePromText,
  formatPromText,
  formatPromSample,
  PromParseError,
  type PromSample,
  type PromFamily,
  type PromText,
  type PromType,
} from './prom-text.js';
export { localTimeToUtc, localDay, formatLocalTime, formatLocalDay } from './local-time.js';
export {
  KODEKS_ERRORS,
  kodeksErrorFor,
  kodeksErrorText,
  errorCodeFromText,
  type KodeksErrorEntry,
} from './kodeks-errors.js';
export { runParseTask, type ParseTask, type ParseTaskResult } from './worker.js';
