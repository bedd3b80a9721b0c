/**
 * The normalized, versioned content of one sysinfo report (docs/formats/sysinfo.md).
 * Plain data only (it crosses worker-thread boundaries); every instant is integer milliseconds UTC,
 * converted from the ПК's naive local time with the installation's UTC offset; calendar days that the
 * ПК counts in its own local time (usage counters, kAssist statistics) stay `YYYY-MM-DD` strings.
 */
import { z } from 'zod';

export const SNAPSHOT_SCHEMA_VERSION = 1 as const;

/** The AD-domain value the dashboards show for users without a group. */
export const UNDEFINED_DOMAIN = 'НеОпределён';

const ms = z.number().int();
const count = z.number().int().nonnegative();
const text = z.string();
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const ComponentSchema = z.object({
  /** `ksrv` (the ПК server), `sysinfo`, `kassist`, `sysmon`, ... */
  type: text,
  /** Short numeric version, e.g. `6.4.5.46`. */
  version: text,
  /** The full string as the ПК shows it, e.g. `6.4.5.46 (x64) [patch 2]`. */
  full: text.nullable(),
});

export const SenseLockSchema = z.object({
  status: z.enum(['ok', 'not_found', 'error', 'unknown']),
  /** Protection error code (4111, 4113, ...), when the ПК reports one. */
  code: z.number().int().nullable(),
  message: text.nullable(),
  keyNumber: text.nullable(),
});

export const LicenceSchema = z.object({
  product: text.nullable(),
  name: text.nullable(),
  db: text.nullable(),
  validFrom: ms.nullable(),
  /** The last valid local day as written in the report. */
  validToDay: day.nullable(),
  /** The instant the licence stops being valid (local midnight after `validToDay`, or the exact time given). */
  expiresAt: ms.nullable(),
});

export const CatalogSchema = z.object({
  path: text,
  title: text.nullable(),
  dbs: text.nullable(),
});

export const VolumeSchema = z.object({
  name: text,
  path: text.nullable(),
  catalog: text.nullable(),
  update: text.nullable(),
});

export const VolumeErrorSchema = z.object({
  volume: text.nullable(),
  path: text.nullable(),
  catalog: text.nullable(),
  /** Kodeks error code; null when neither the report nor the text carries one (alert ...NoCode). */
  code: z.number().int().nullable(),
  text: text,
});

export const OperUpSchema = z.object({
  path: text,
  modifiedAt: ms.nullable(),
  sizeBytes: count.nullable(),
});

export const SessionSchema = z.object({
  login: text,
  logonAt: ms.nullable(),
  ip: text.nullable(),
  browser: text.nullable(),
  domain: text,
  holdsLicence: z.boolean(),
});

export const UserSchema = z.object({
  login: text,
  domain: text,
  registeredAt: ms.nullable(),
  lastActivityAt: ms.nullable(),
  fullname: text.nullable(),
  phone: text.nullable(),
  email: text.nullable(),
  position: text.nullable(),
  department: text.nullable(),
  blocked: z.boolean(),
});

export const UsageDaySchema = z.object({
  login: text,
  /** Local calendar day of the ПК. */
  day,
  dbRequests: count,
  docsCounted: count,
  docsLicensed: count,
  docsFree: count,
  saved: count,
  printed: count,
  services: count,
  kassistRequests: count,
});

export const SearchSchema = z.object({
  at: ms,
  login: text,
  query: text,
  catalog: text.nullable(),
  type: z.enum(['intelligent', 'attribute', 'other']),
  source: text,
  status: z.enum(['success', 'empty', 'error', 'unknown']),
  durationMs: count.nullable(),
});

export const RefusedLogonSchema = z.object({
  login: text,
  at: ms,
  reason: text.nullable(),
});

export const KassistLinksSchema = z.object({
  day,
  uniqueAdded: count,
  noMatch: count,
  added: count,
  activeVerified: count,
});

export const SNAPSHOT_COLLECTIONS = [
  'components',
  'licences',
  'catalogs',
  'volumes',
  'volumeErrors',
  'operups',
  'sessions',
  'users',
  'usage',
  'searches',
  'refusedLogons',
  'kassistLinks',
] as const;
export type SnapshotCollection = (typeof SNAPSHOT_COLLECTIONS)[number];

export const SnapshotSchema = z.object({
  schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
  /** When the ПК produced the file (the "time inside the file"); null when the report lacks it. */
  producedAt: ms.nullable(),
  /** The offset (minutes east of UTC) used to convert the report's local times. */
  utcOffsetMin: z
    .number()
    .int()
    .min(-14 * 60)
    .max(14 * 60),
  source: z.object({
    container: z.enum(['xml', 'zip']),
    entryName: text.nullable(),
    encoding: text,
    xmlBytes: count,
    root: text,
    formatVersion: text.nullable(),
  }),
  software: z.object({
    pkVersion: text.nullable(),
    pkVersionShort: text.nullable(),
    sysinfoVersion: text.nullable(),
  }),
  host: z.object({
    name: text.nullable(),
    os: text.nullable(),
    startedAt: ms.nullable(),
  }),
  client: z.object({
    name: text.nullable(),
    regnum: text.nullable(),
  }),
  licensing: z.object({
    /** Workplaces in the reg-file ("число в ключе"). */
    seats: count.nullable(),
    /** Licences in use when the report was taken (explicit value, else sessions holding a licence). */
    inUse: count.nullable(),
    binding: text.nullable(),
    /** Null when the report has no SenseLock block at all (alert KodeksXmlSensLockStatus). */
    senselock: SenseLockSchema.nullable(),
  }),
  components: z.array(ComponentSchema),
  licences: z.array(LicenceSchema),
  catalogs: z.array(CatalogSchema),
  volumes: z.array(VolumeSchema),
  volumeErrors: z.array(VolumeErrorSchema),
  operups: z.array(OperUpSchema),
  sessions: z.array(SessionSchema),
  users: z.array(UserSchema),
  usage: z.array(UsageDaySchema),
  searches: z.array(SearchSchema),
  refusedLogons: z.array(RefusedLogonSchema),
  kassistLinks: z.array(KassistLinksSchema),
  /** Entries beyond the per-collection caps, counted instead of kept (memory stays bounded). */
  dropped: z.record(z.enum(SNAPSHOT_COLLECTIONS), count),
  /** Records ignored because a required field was missing or unreadable. */
  skipped: count,
  /** The first few problems met (bounded); the parse still succeeded. */
  warnings: z.array(text),
});

export type Snapshot = z.infer<typeof SnapshotSchema>;
export type SnapshotComponent = z.infer<typeof ComponentSchema>;
export type SnapshotSenseLock = z.infer<typeof SenseLockSchema>;
export type SnapshotLicence = z.infer<typeof LicenceSchema>;
export type SnapshotCatalog = z.infer<typeof CatalogSchema>;
export type SnapshotVolume = z.infer<typeof VolumeSchema>;
export type SnapshotVolumeError = z.infer<typeof VolumeErrorSchema>;
export type SnapshotOperUp = z.infer<typeof OperUpSchema>;
export type SnapshotSession = z.infer<typeof SessionSchema>;
export type SnapshotUser = z.infer<typeof UserSchema>;
export type SnapshotUsageDay = z.infer<typeof UsageDaySchema>;
export type SnapshotSearch = z.infer<typeof SearchSchema>;
export type SnapshotRefusedLogon = z.infer<typeof RefusedLogonSchema>;
export type SnapshotKassistLinks = z.infer<typeof KassistLinksSchema>;

/** The item type of each collection, so code generic over collections stays typed. */
export interface SnapshotItems {
  components: SnapshotComponent;
  licences: SnapshotLicence;
  catalogs: SnapshotCatalog;
  volumes: SnapshotVolume;
  volumeErrors: SnapshotVolumeError;
  operups: SnapshotOperUp;
  sessions: SnapshotSession;
  users: SnapshotUser;
  usage: SnapshotUsageDay;
  searches: SnapshotSearch;
  refusedLogons: SnapshotRefusedLogon;
  kassistLinks: SnapshotKassistLinks;
}

/** Validates data claimed to be a Snapshot (e.g. read back from storage or received from a worker). */
export function validateSnapshot(data: unknown): Snapshot {
  return SnapshotSchema.parse(data);
}
