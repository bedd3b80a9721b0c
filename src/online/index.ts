/** Client of one ДЦ online access: profile (four billing limits) and search log. docs/online.md. */
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_READ_TIMEOUT_MS,
  MAX_PROFILE_BYTES,
  MAX_SEARCHLOG_BYTES,
  parseZonedTime,
  readProfile,
  readSearchLog,
  usedPercent,
} from './client.js';
export { parseProfilePage } from './profile-page.js';
export { ONLINE_ERRORS, ONLINE_KINDS } from './types.js';
export type {
  LimitReading,
  OnlineErrorKind,
  OnlineFailure,
  OnlineKind,
  OnlineProfile,
  OnlineTarget,
  ProfileOutcome,
  ReadOptions,
  SearchLogEntry,
  SearchLogOutcome,
} from './types.js';
