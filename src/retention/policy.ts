/**
 * What is deleted when (issue 9, docs/architecture.md "Retention"): every table whose rows are history
 * rather than current state, with its time column and the window that applies. Tables not listed are
 * current state (installation_state, check_status, jobs, …) or configuration and are never pruned here.
 */
import { sql, type RawBuilder } from 'kysely';
import { ROLLUP_OFFSET_MIN } from '../metrics/rollup.js';

/** How a table stores time: ms UTC, a local `YYYY-MM-DD` day, or a local `YYYY-MM` month. */
export type TimeKind = 'ms' | 'day' | 'month';

export interface RetentionPolicy {
  /** Raw samples are kept this many days (SMART_RAW_RETENTION_DAYS). */
  rawDays: number;
  /** Rollups, logs and events are kept this many calendar months back (SMART_RETENTION_MONTHS). */
  months: number;
}

export interface RetentionTable {
  table: string;
  column: string;
  kind: TimeKind;
  window: 'raw' | 'months';
  /**
   * An ordered unique key (the leading columns of an index): batches are ranges of it, so every batch
   * is an index range read, also on WITHOUT ROWID tables.
   */
  key: string[];
  /**
   * The time column is the second column of an index led by `column`, whose values are the ids of
   * `parent`: old rows are found per chunk of parent ids by index seeks, not by a pass over the table.
   */
  lead?: { column: string; parent: string };
  /** Rows that must stay although old (an open alert, a queued notification, the newest report). */
  keep?: (alias: string) => RawBuilder<boolean>;
  /** PostgreSQL: partitioned by month on `column` (migration 0016); old partitions are dropped whole. */
  partitioned?: boolean;
}

const inst = { column: 'installation_id', parent: 'installations' };
const series = { column: 'series_id', parent: 'series' };
const online = { column: 'online_access_id', parent: 'online_accesses' };

export const RETENTION_TABLES: readonly RetentionTable[] = [
  // Raw samples: the raw window. Older ranges are read from the hourly rollup.
  {
    table: 'samples',
    column: 'ts',
    kind: 'ms',
    window: 'raw',
    key: ['series_id', 'ts'],
    lead: series,
    partitioned: true,
  },
  // Rollups.
  {
    table: 'samples_hourly',
    column: 'hour',
    kind: 'ms',
    window: 'months',
    key: ['series_id', 'hour'],
    lead: series,
    partitioned: true,
  },
  {
    table: 'samples_daily',
    column: 'day',
    kind: 'ms',
    window: 'months',
    key: ['series_id', 'day'],
    lead: series,
    partitioned: true,
  },
  {
    table: 'installation_usage_daily',
    column: 'day',
    kind: 'day',
    window: 'months',
    key: ['installation_id', 'day'],
    lead: inst,
  },
  {
    table: 'installation_usage_domain_daily',
    column: 'day',
    kind: 'day',
    window: 'months',
    key: ['installation_id', 'domain', 'day'],
  },
  {
    table: 'user_usage_daily',
    column: 'day',
    kind: 'day',
    window: 'months',
    key: ['installation_id', 'login', 'day'],
    partitioned: true,
  },
  {
    table: 'user_usage_monthly',
    column: 'month',
    kind: 'month',
    window: 'months',
    key: ['installation_id', 'month', 'login'],
    lead: inst,
  },
  {
    table: 'online_usage_monthly',
    column: 'month',
    kind: 'month',
    window: 'months',
    key: ['online_access_id', 'month', 'kind'],
    lead: online,
  },
  {
    table: 'refused_logons_monthly',
    column: 'month',
    kind: 'month',
    window: 'months',
    key: ['installation_id', 'month'],
    lead: inst,
  },
  {
    table: 'refused_logons_daily',
    column: 'day',
    kind: 'day',
    window: 'months',
    key: ['installation_id', 'day', 'login'],
    lead: inst,
  },
  {
    table: 'kassist_links_daily',
    column: 'day',
    kind: 'day',
    window: 'months',
    key: ['installation_id', 'day'],
    lead: inst,
  },
  {
    table: 'online_search_daily',
    column: 'day',
    kind: 'day',
    window: 'months',
    key: ['online_access_id', 'day'],
    lead: online,
  },
  {
    table: 'availability_daily',
    column: 'day',
    kind: 'ms',
    window: 'months',
    key: ['subject_kind', 'subject_id', 'check_name', 'day'],
  },
  {
    table: 'client_health_daily',
    column: 'day',
    kind: 'day',
    window: 'months',
    key: ['client_id', 'day'],
    lead: { column: 'client_id', parent: 'clients' },
  },
  // Logs and events. refused_logons is read by (installation_id, at) through refused_logons_by_time.
  {
    table: 'search_log',
    column: 'at',
    kind: 'ms',
    window: 'months',
    key: ['installation_id', 'at', 'login', 'query'],
    lead: inst,
    partitioned: true,
  },
  {
    table: 'refused_logons',
    column: 'at',
    kind: 'ms',
    window: 'months',
    key: ['installation_id', 'login', 'at'],
    lead: inst,
    partitioned: true,
  },
  { table: 'online_search_log', column: 'at', kind: 'ms', window: 'months', key: ['id'], partitioned: true },
  { table: 'check_events', column: 'at', kind: 'ms', window: 'months', key: ['id'], partitioned: true },
  { table: 'asrp_uploads', column: 'sent_at', kind: 'ms', window: 'months', key: ['id'] },
  { table: 'audit_log', column: 'at', kind: 'ms', window: 'months', key: ['id'] },
  { table: 'health_digests', column: 'created_at', kind: 'ms', window: 'months', key: ['id'] },
  // Alerts: only resolved instances go (their transitions and notify_members rows cascade); an open
  // alert keeps its whole history however old.
  {
    table: 'alert_instances',
    column: 'resolved_at',
    kind: 'ms',
    window: 'months',
    key: ['id'],
    keep: (t) => sql<boolean>`${sql.ref(`${t}.state`)} <> 'resolved'`,
  },
  // Transitions of resolved instances older than the window (a long-lived instance's early history).
  {
    table: 'alert_transitions',
    column: 'at',
    kind: 'ms',
    window: 'months',
    key: ['id'],
    keep: (t) => sql<boolean>`exists (select 1 from alert_instances ai
      where ai.id = ${sql.ref(`${t}.instance_id`)} and ai.state <> 'resolved')`,
  },
  // Notifications still to be sent stay; attempts cascade with their notification.
  {
    table: 'notifications',
    column: 'created_at',
    kind: 'ms',
    window: 'months',
    key: ['id'],
    keep: (t) => sql<boolean>`${sql.ref(`${t}.status`)} = 'queued'`,
  },
  // The report ledger: processed rows whose raw file is already pruned (pruneRawFiles), except the
  // newest of each installation and channel. Files still in the spool keep their row.
  {
    table: 'reports',
    column: 'received_at',
    kind: 'ms',
    window: 'months',
    key: ['id'],
    keep: (t) => sql<boolean>`(${sql.ref(`${t}.status`)} <> 'processed' or ${sql.ref(`${t}.spool_path`)} <> ''
      or ${sql.ref(`${t}.installation_id`)} is null
      or ${sql.ref(`${t}.id`)} = (select max(r2.id) from reports r2
        where r2.installation_id = ${sql.ref(`${t}.installation_id`)} and r2.channel = ${sql.ref(`${t}.channel`)}))`,
  },
];

export const DAY = 86_400_000;
const HOUR_MS = 3_600_000;
const OFFSET_MS = ROLLUP_OFFSET_MIN * 60_000;

/** A Moscow calendar month as `YYYY-MM`, and its start and end in ms UTC. */
export interface Month {
  y: number;
  /** 1–12 */
  m: number;
}

export function monthOf(ts: number): Month {
  const d = new Date(ts + OFFSET_MS);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1 };
}

export function addMonths(mo: Month, n: number): Month {
  const i = mo.y * 12 + (mo.m - 1) + n;
  return { y: Math.floor(i / 12), m: (i % 12) + 1 };
}

/** Start of the Moscow month in ms UTC. */
export function monthStart(mo: Month): number {
  return Date.UTC(mo.y, mo.m - 1, 1) - OFFSET_MS;
}

export function monthText(mo: Month): string {
  return `${mo.y}-${String(mo.m).padStart(2, '0')}`;
}

/**
 * The cutoffs at `now`: rows strictly older are deleted.
 * - raw: `now − rawDays × 24 h`, down to the whole hour, so an hour is either all in the raw samples or
 *   not at all (a replaced value recomputes its hour of `samples_hourly` from them);
 * - months: the start of the Moscow calendar month `months` months before the current one (now =
 *   2026-11-23, months = 13 → 2025-10-01 00:00 MSK): the current month and the 13 before it are kept.
 *   Text days and months of the ПК's local calendar compare with that month's `YYYY-MM-01` / `YYYY-MM`.
 */
export interface Cutoffs {
  rawMs: number;
  month: Month;
  monthMs: number;
}

export function cutoffsAt(now: number, policy: RetentionPolicy): Cutoffs {
  const month = addMonths(monthOf(now), -policy.months);
  const rawMs = Math.floor((now - policy.rawDays * DAY) / HOUR_MS) * HOUR_MS;
  return { rawMs, month, monthMs: monthStart(month) };
}

/** The cutoff of one table as the value its time column compares with. */
export function cutoffValue(t: RetentionTable, c: Cutoffs): number | string {
  if (t.window === 'raw') return c.rawMs;
  if (t.kind === 'ms') return c.monthMs;
  if (t.kind === 'day') return `${monthText(c.month)}-01`;
  return monthText(c.month);
}
