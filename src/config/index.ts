import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** Settings come from the environment; every value is validated here, once, at start. */
const EnvSchema = z.object({
  SMART_DATA_DIR: z.string().min(1).default('./data'),
  SMART_DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres:// or sqlite:')
    .optional(),
  SMART_HOST: z.string().min(1).default('0.0.0.0'),
  SMART_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  SMART_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)')
    .optional(),
  SMART_SECRET_KEY_FILE: z.string().min(1).optional(),
  SMART_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SMART_SESSION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24 * 7),
  SMART_MAX_IMPORT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  SMART_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  SMART_SPOOL_DIR: z.string().min(1).optional(),
  SMART_KEEP_RAW_REPORTS: z.coerce.number().int().min(1).max(1000).default(3),
  SMART_NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'use letters, digits, ".", "_" or "-"')
    .optional(),
  SMART_COOKIE_SECURE: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  SMART_ACTIVE_CHECKS: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  SMART_ALERTS: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  SMART_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  SMART_SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  SMART_MAIL_FROM: z.string().min(3).max(200).default('SMART <alert@localhost>'),
  SMART_TELEGRAM_TOKEN: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]{10,}$/, 'a bot token looks like 123456:ABC-def…')
    .optional(),
  SMART_TELEGRAM_API: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org'),
  SMART_ALERT_EVAL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  SMART_RAW_RETENTION_DAYS: z.coerce.number().int().min(2).max(400).default(35),
  SMART_RETENTION_MONTHS: z.coerce.number().int().min(1).max(120).default(13),
  SMART_NODE_DEAD_AFTER_SECONDS: z.coerce.number().int().min(5).max(600).default(30),
  SMART_SQLITE_READ_THREADS: z.coerce.number().int().min(0).max(16).optional(),
  SMART_SQLITE_READ_CACHE_MB: z.coerce.number().int().min(2).max(4096).default(128),
});

export interface Config {
  dataDir: string;
  /** `sqlite:/path/file.db` or `postgres://...` */
  databaseUrl: string;
  host: string;
  port: number;
  secretKeyHex: string | undefined;
  secretKeyFile: string;
  logLevel: z.infer<typeof EnvSchema>['SMART_LOG_LEVEL'];
  sessionTtlMs: number;
  maxImportBytes: number;
  cookieSecure: boolean;
  /** Largest agent upload accepted (bytes); larger ones get 413. */
  maxUploadBytes: number;
  /** Raw report files kept per installation and channel after processing. */
  keepRawReports: number;
  /** Where accepted reports wait for processing; per node. */
  spoolDir: string;
  /** This process's name among the nodes sharing a database (the spool is per node). */
  nodeId: string;
  /** Whether `serve` probes installations and reads online accesses (off for an ingest-only node). */
  activeChecks: boolean;
  /** Whether `serve` evaluates alerts and delivers notifications. */
  alerts: boolean;
  /** Base URL of runbook links in messages; defaults to http://host:port. */
  publicUrl: string | null;
  smtpUrl: string | null;
  mailFrom: string;
  telegramToken: string | null;
  telegramApiBase: string;
  alertEvalIntervalMs: number;
  /** Raw samples are deleted after this many days (the hourly and daily rollups stay). */
  rawRetentionDays: number;
  /** Rollups, logs and events are deleted after this many calendar months. */
  retentionMonths: number;
  /** A node whose heartbeat is older than this is presumed dead and its leases are taken over. */
  nodeDeadAfterMs: number;
  /**
   * SQLite only: worker threads that run the dashboards' reads (src/db/sqlite-read-pool.ts); 0 reads on
   * the main connection. Default: the cores less one, 2 to 4.
   */
  sqliteReadThreads: number | null;
  /**
   * SQLite only: the page cache of each read thread's connection, in MiB (SQLite's default is 2). A
   * dashboard over a thousand installations touches about 100 MiB of pages; with a smaller cache every
   * request copies them again from the operating system's cache.
   */
  sqliteReadCacheMb: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration in the environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.SMART_DATA_DIR);
  return {
    dataDir,
    databaseUrl: e.SMART_DATABASE_URL ?? `sqlite:${path.join(dataDir, 'smart.db')}`,
    host: e.SMART_HOST,
    port: e.SMART_PORT,
    secretKeyHex: e.SMART_SECRET_KEY,
    secretKeyFile: e.SMART_SECRET_KEY_FILE ?? path.join(dataDir, 'secret.key'),
    logLevel: e.SMART_LOG_LEVEL,
    sessionTtlMs: e.SMART_SESSION_TTL_HOURS * 3600_000,
    maxImportBytes: e.SMART_MAX_IMPORT_BYTES,
    cookieSecure: e.SMART_COOKIE_SECURE,
    maxUploadBytes: e.SMART_MAX_UPLOAD_BYTES,
    keepRawReports: e.SMART_KEEP_RAW_REPORTS,
    spoolDir: path.resolve(e.SMART_SPOOL_DIR ?? path.join(dataDir, 'spool')),
    nodeId:
      e.SMART_NODE_ID ??
      os
        .hostname()
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 64),
    activeChecks: e.SMART_ACTIVE_CHECKS,
    alerts: e.SMART_ALERTS,
    publicUrl: e.SMART_PUBLIC_URL?.replace(/\/+$/, '') ?? null,
    smtpUrl: e.SMART_SMTP_URL ?? null,
    mailFrom: e.SMART_MAIL_FROM,
    telegramToken: e.SMART_TELEGRAM_TOKEN ?? null,
    telegramApiBase: e.SMART_TELEGRAM_API.replace(/\/+$/, ''),
    alertEvalIntervalMs: e.SMART_ALERT_EVAL_SECONDS * 1000,
    rawRetentionDays: e.SMART_RAW_RETENTION_DAYS,
    retentionMonths: e.SMART_RETENTION_MONTHS,
    nodeDeadAfterMs: e.SMART_NODE_DEAD_AFTER_SECONDS * 1000,
    sqliteReadThreads: e.SMART_SQLITE_READ_THREADS ?? null,
    sqliteReadCacheMb: e.SMART_SQLITE_READ_CACHE_MB,
  };
}
