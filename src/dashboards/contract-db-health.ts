/**
 * Queries and answers of «Ошибки БД» (spec installations §3.6), «Контроль версий ПК, Kassist и других»
 * (§3.5) and «Время внутри файла SYSINFO» ([T 105], §9.2). The same zod schemas validate the query and
 * serialise the answer; the web app imports the types only.
 */
import { z } from 'zod';
import { Aligned, RangeQuery, VariablesQuery } from './contract.js';

const DAY = 86_400_000;

const StrList = z
  .union([z.string().max(2000), z.array(z.string().max(200)).max(200)])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim()).filter(Boolean));

export const DB_HEALTH_DEFAULT_RANGE_MS = {
  /** «Ошибки БД»: Last 30 days. */
  dbErrors: 30 * DAY,
  /** «Используемые в компании версии ПО за последние 30 дней». */
  versions: 30 * DAY,
} as const;

/** What every table row says about its installation. */
const InstallationRef = z.object({
  installationId: z.number(),
  clientId: z.number(),
  /** The client's short name in SMART (the «Клиент» variable). */
  client: z.string(),
  /** The legal name as the newest sysinfo gives it (`clientname`), when known. */
  clientName: z.string().nullable(),
  /** Legend text: address[:port] of a polled ПК, the agent's source name otherwise. */
  host: z.string(),
  /** The address SMART reaches the ПК at (polled installations), else null. */
  address: z.string().nullable(),
  /** Names of the installation's and its client's managers, sorted. */
  managers: z.array(z.string()),
});

// ---------------------------------------------------------------- Ошибки БД

export const DbErrorsQuery = RangeQuery;
export type DbErrorsQuery = z.infer<typeof DbErrorsQuery>;

export const DB_ERROR_ALERTS = [
  'KodeksDBerrorsNoCode',
  'KodeksDBerrorsCode2007',
  'KodeksDBerrorsCodeXXX',
] as const;

export const DbErrorRow = InstallationRef.extend({
  /** Time inside the newest report (the errors are that report's). */
  reportAt: z.number().nullable(),
  /** Kodeks error code as the report gives it (null: none). */
  code: z.number().nullable(),
  text: z.string(),
  /** DB volumes with this error in the newest report. */
  volumes: z.number(),
  /** The volume names, sorted (at most 20). */
  volumeNames: z.array(z.string()),
  /** The paired alert the error raises (null: informational, e.g. «Том базы данных уже подключен»). */
  alert: z.enum(DB_ERROR_ALERTS).nullable(),
});
export type DbErrorRow = z.infer<typeof DbErrorRow>;

export const DbErrorsOut = z.object({
  from: z.number(),
  to: z.number(),
  /**
   * «Количество ошибок с файлами базы данных»: one series per installation that had an error in the
   * range, the number of volume errors per report (the highest in the bucket); 0 = a report without
   * errors, null = no report. Most errors at the end of the range first.
   */
  errors: Aligned,
  /** The newest report's errors of every visible installation, per (installation, code, text). */
  current: z.array(DbErrorRow),
});
export type DbErrorsOut = z.infer<typeof DbErrorsOut>;

// ---------------------------------------------------------------- Контроль версий

export const VersionsQuery = RangeQuery.extend({
  /** Component types to list (`ksrv`, `sysinfo`, `kassist`, `sysmon`); empty = all. */
  type: StrList.optional(),
});
export type VersionsQuery = z.infer<typeof VersionsQuery>;

export const VersionUsedRow = InstallationRef.extend({
  /** Component type as the report names it (`ksrv` is the ПК). */
  type: z.string(),
  /** Short version (`6.4.4.194`). */
  version: z.string(),
  /** Full version string (`6.4.4.194 (x86_64) [patch 3]`), when the report gives one. */
  fullVersion: z.string().nullable(),
  /** First and last report (time inside the file) that carried this version. */
  firstSeenAt: z.number(),
  lastSeenAt: z.number(),
  /** The installation still runs it (its newest report carries it). */
  current: z.boolean(),
});
export type VersionUsedRow = z.infer<typeof VersionUsedRow>;

export const VersionStatsRow = InstallationRef.extend({
  reportAt: z.number().nullable(),
  /** «Версия ПК»: the full string (`6.4.5.46 (x64) [patch 1]`). */
  pkVersion: z.string().nullable(),
  pkVersionShort: z.string().nullable(),
  /** «Вер. SysInfo». */
  sysinfoVersion: z.string().nullable(),
  /** Newest version of every other component type (kassist, sysmon, …). */
  components: z.record(z.string(), z.string()),
});
export type VersionStatsRow = z.infer<typeof VersionStatsRow>;

export const VersionsOut = z.object({
  from: z.number(),
  to: z.number(),
  /** «Используемые версии ПО»: versions seen in the range, by type, version (numeric order), client. */
  used: z.array(VersionUsedRow),
  /** «Статистика»: per installation with a report, its newest versions; by client, host. */
  stats: z.array(VersionStatsRow),
  /** Installations per current (type, version), for planning updates; by type, version. */
  counts: z.array(z.object({ type: z.string(), version: z.string(), installations: z.number() })),
});
export type VersionsOut = z.infer<typeof VersionsOut>;

// ---------------------------------------------------------------- Время внутри файла SYSINFO

export const SysinfoTimeQuery = VariablesQuery;
export type SysinfoTimeQuery = z.infer<typeof SysinfoTimeQuery>;

export const SysinfoTimeRow = InstallationRef.extend({
  /** polled | agent | closed */
  kind: z.string(),
  /** Time inside the newest stored sysinfo (the installation's clock corrected to UTC); null: none. */
  reportAt: z.number().nullable(),
  /** now − reportAt. */
  ageMs: z.number().nullable(),
  /** When the newest sysinfo arrived and when a report was last stored. */
  receivedAt: z.number().nullable(),
  processedAt: z.number().nullable(),
  /** The expected interval between reports; null for a closed contour (uploaded by hand). */
  expectedMs: z.number().nullable(),
  /** Older than SmartXMLfileIsToOld allows (missed intervals × interval); never for a closed contour. */
  stale: z.boolean(),
  /** The newest failure of the channel, if after the last success. */
  lastError: z.string().nullable(),
});
export type SysinfoTimeRow = z.infer<typeof SysinfoTimeRow>;

export const SysinfoTimeOut = z.object({
  now: z.number(),
  /** Oldest report first (installations that never sent one first of all), then client, host. */
  rows: z.array(SysinfoTimeRow),
});
export type SysinfoTimeOut = z.infer<typeof SysinfoTimeOut>;
