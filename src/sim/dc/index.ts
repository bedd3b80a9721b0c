/** Simulated distribution-centre (ДЦ) online accesses: library entry point. docs/simulator-dc.md. */
export { DC_FAULTS, SESSION_COOKIE, startDcServer, WRONG_PASSWORD_TEXT } from './server.js';
export type { Consumed, DcFault, DcServer, DcServerOptions } from './server.js';
export { KIND_LABELS, KINDS, makeAccounts, PROFILES, resolveAccount, searchLog, usageAt } from './usage.js';
export type {
  Account,
  AccountSpec,
  Counter,
  Kind,
  Limits,
  SearchLogEntry,
  Usage,
  UsageProfile,
} from './usage.js';
