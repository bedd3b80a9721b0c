import type { Config } from './config/index.js';
import type { AppContext } from './context.js';
import { dbKindOf, openAndMigrate, type Db } from './db/database.js';
import { openSqliteReadPool } from './db/sqlite-read-pool.js';
import { systemClock, type Clock } from './lib/clock.js';
import { loadSecretBox } from './lib/secrets.js';

export interface Runtime {
  ctx: AppContext;
  config: Config;
  close(): Promise<void>;
}

/** Opens the database (migrating it to the latest version) and the secret key named by the config. */
export async function openRuntime(config: Config, clock: Clock = systemClock): Promise<Runtime> {
  const secrets = loadSecretBox(config.secretKeyHex, config.secretKeyFile);
  const handle = await openAndMigrate(config.databaseUrl);
  const reads = readPoolFor(config);
  return {
    ctx: {
      db: handle.db,
      dbKind: handle.kind,
      clock,
      secrets,
      rawRetentionMs: config.rawRetentionDays * 86_400_000,
      ...(reads ? { reads } : {}),
    },
    config,
    close: async () => {
      await reads?.destroy();
      await handle.close();
    },
  };
}

/** The dashboards' read threads on a SQLite file (none on PostgreSQL, whose pool already reads in parallel). */
function readPoolFor(config: Config): Db | null {
  if (dbKindOf(config.databaseUrl) !== 'sqlite' || config.sqliteReadThreads === 0) return null;
  const file = config.databaseUrl.slice('sqlite:'.length);
  if (file === ':memory:') return null;
  return openSqliteReadPool(file, {
    ...(config.sqliteReadThreads === null ? {} : { threads: config.sqliteReadThreads }),
    cacheMb: config.sqliteReadCacheMb,
  });
}
