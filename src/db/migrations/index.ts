import type { Kysely, Migration } from 'kysely';
import type { DbKind } from '../dialect.js';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_ingest_ledger.js';
import * as m0003 from './0003_report_store.js';
import * as m0004 from './0004_probes_online.js';
import * as m0005 from './0005_alerts.js';
import * as m0006 from './0006_dashboards.js';
import * as m0007 from './0007_samples_clustered.js';
import * as m0008 from './0008_user_usage_monthly.js';
import * as m0009 from './0009_kassist_clustered.js';
import * as m0010 from './0010_online_search_daily.js';
import * as m0011 from './0011_refused_logons_daily.js';
import * as m0012 from './0012_asrp.js';
import * as m0013 from './0013_client_health.js';
import * as m0014 from './0014_cluster_nodes.js';
import * as m0015 from './0015_samples_hourly.js';
import * as m0016 from './0016_partitions.js';
import * as m0017 from './0017_refused_logons_monthly.js';
import * as m0018 from './0018_user_active_day_bounds.js';
import * as m0019 from './0019_search_log_empty_at.js';
import * as m0020 from './0020_refused_logons_at.js';

interface VersionedMigration {
  up(db: Kysely<unknown>, kind: DbKind): Promise<void>;
}

/** Every migration, in order. Names never change once released. */
const ALL: Record<string, VersionedMigration> = {
  '0001_foundation': m0001,
  '0002_ingest_ledger': m0002,
  '0003_report_store': m0003,
  '0004_probes_online': m0004,
  '0005_alerts': m0005,
  '0006_dashboards': m0006,
  '0007_samples_clustered': m0007,
  '0008_user_usage_monthly': m0008,
  '0009_kassist_clustered': m0009,
  '0010_online_search_daily': m0010,
  '0011_refused_logons_daily': m0011,
  '0012_asrp': m0012,
  '0013_client_health': m0013,
  '0014_cluster_nodes': m0014,
  '0015_samples_hourly': m0015,
  '0016_partitions': m0016,
  '0017_refused_logons_monthly': m0017,
  '0018_user_active_day_bounds': m0018,
  '0019_search_log_empty_at': m0019,
  '0020_refused_logons_at': m0020,
};

export function migrationsFor(kind: DbKind): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(ALL).map(([name, m]) => [name, { up: (db: Kysely<unknown>) => m.up(db, kind) }]),
  );
}
