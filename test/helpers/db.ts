import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator } from 'kysely';
import pg from 'pg';
import type { AppContext } from '../../src/context.js';
import { openAndMigrate, openDatabase, type DbHandle } from '../../src/db/database.js';
import type { DbKind } from '../../src/db/dialect.js';
import { migrationsFor } from '../../src/db/migrations/index.js';
import type { Clock } from '../../src/lib/clock.js';
import { SecretBox } from '../../src/lib/secrets.js';

/**
 * Every database test runs once per engine: always on a real SQLite file, and on a real PostgreSQL
 * server when SMART_TEST_PG_URL is set (`npm run test:pg`, and CI). Each test database is new and empty.
 */
export const DB_KINDS: DbKind[] = process.env.SMART_TEST_PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export class FakeClock implements Clock {
  constructor(public t = Date.UTC(2026, 10, 1, 9, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  const id = `${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-test-'));
    return {
      url: `sqlite:${path.join(dir, `smart_${id}.db`)}`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const adminUrl = process.env.SMART_TEST_PG_URL as string;
  const name = `smart_test_${id}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export const TEST_SECRET_KEY = crypto.createHash('sha256').update('smart-test-key').digest();

export interface TestContext {
  ctx: AppContext;
  clock: FakeClock;
  url: string;
  close(): Promise<void>;
}

/** A migrated, empty database with a fake clock and a fixed secret key. */
export async function openTestContext(kind: DbKind): Promise<TestContext> {
  const tdb = await createTestDatabase(kind);
  const handle = await openAndMigrate(tdb.url);
  const clock = new FakeClock();
  return {
    ctx: { db: handle.db, dbKind: kind, clock, secrets: new SecretBox(TEST_SECRET_KEY) },
    clock,
    url: tdb.url,
    close: async () => {
      await handle.close();
      await tdb.drop();
    },
  };
}

export interface MigrationTestDb {
  /** The database, its schema as of the migration it was brought to. */
  h: DbHandle;
  /** Over `h`, with a fake clock and the test key: for the inventory and tenancy functions that seed it. */
  ctx: AppContext;
  /** Runs the migrations after the current one up to and including `name`; throws what one throws. */
  migrateTo(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * For a migration's own test: a new, empty database of `kind` with the migrations up to and including
 * `lastMigration` and no later one, so that the test can write rows in the old schema before calling
 * `migrateTo` with the migration under test.
 */
export async function migrateDbTo(kind: DbKind, lastMigration: string): Promise<MigrationTestDb> {
  const tdb = await createTestDatabase(kind);
  const h = openDatabase(tdb.url);
  const close = async () => {
    await h.close();
    await tdb.drop();
  };
  const migrateTo = async (name: string) => {
    const migrator = new Migrator({ db: h.db, provider: { getMigrations: async () => migrationsFor(kind) } });
    const { error } = await migrator.migrateTo(name);
    if (error) throw error;
  };
  try {
    await migrateTo(lastMigration);
  } catch (e) {
    await close();
    throw e;
  }
  const ctx = { db: h.db, dbKind: kind, clock: new FakeClock(), secrets: new SecretBox(TEST_SECRET_KEY) };
  return { h, ctx, migrateTo, close };
}
