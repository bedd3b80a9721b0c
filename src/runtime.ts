import type { Config } from './config/index.js';
import type { AppContext } from './context.js';
import { openAndMigrate } from './db/database.js';
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
  return {
    ctx: {
      db: handle.db,
      dbKind: handle.kind,
      clock,
      secrets,
      rawRetentionMs: config.rawRetentionDays * 86_400_000,
    },
    config,
    close: () => handle.close(),
  };
}
