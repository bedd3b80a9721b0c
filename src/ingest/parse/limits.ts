/**
 * Limits that keep one hostile or broken report from exhausting memory, disk or CPU.
 * Defaults fit real reports (~20 MB) with room to spare; callers may tighten or loosen them.
 */
import type { SnapshotCollection } from './snapshot.js';

export interface ParseLimits {
  /** Size of the file as received (zip or XML). */
  maxFileBytes: number;
  /** Bytes of XML fed to the parser (after unzipping). */
  maxXmlBytes: number;
  /** Entries in a zip (directories included). */
  maxZipEntries: number;
  /** Inflated / compressed size of the XML entry, checked once it passes `zipRatioFloorBytes`. */
  maxZipRatio: number;
  zipRatioFloorBytes: number;
  /** Element nesting depth. */
  maxDepth: number;
  /**
   * Characters between two '<' (one text node or one tag with its attributes): saxes buffers such a run
   * whole, so a giant one is refused rather than held.
   */
  maxTokenChars: number;
  /** Characters kept of one text value or attribute (longer ones are cut, with a warning). */
  maxValueChars: number;
  /** Size of a .status file. */
  maxStatusBytes: number;
  /** Series in a .status file. */
  maxStatusSeries: number;
  /** Entries kept per Snapshot collection; the rest are counted in `dropped`. */
  caps: Record<SnapshotCollection, number>;
  maxWarnings: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: ParseLimits = {
  maxFileBytes: 64 * MiB,
  maxXmlBytes: 96 * MiB,
  maxZipEntries: 16,
  maxZipRatio: 200,
  zipRatioFloorBytes: 1 * MiB,
  maxDepth: 64,
  maxTokenChars: 4 * MiB,
  maxValueChars: 16 * 1024,
  maxStatusBytes: 4 * MiB,
  maxStatusSeries: 100_000,
  caps: {
    components: 500,
    licences: 5_000,
    catalogs: 1_000,
    volumes: 20_000,
    volumeErrors: 20_000,
    operups: 20_000,
    sessions: 20_000,
    users: 50_000,
    usage: 250_000,
    searches: 150_000,
    refusedLogons: 50_000,
    kassistLinks: 2_000,
  },
  maxWarnings: 50,
};

export type ParseLimitsInput = Partial<Omit<ParseLimits, 'caps'>> & { caps?: Partial<ParseLimits['caps']> };

export function resolveLimits(input?: ParseLimitsInput): ParseLimits {
  return { ...DEFAULT_LIMITS, ...input, caps: { ...DEFAULT_LIMITS.caps, ...input?.caps } };
}
