/**
 * The client health score: seven measures, each 0..1 (1 = healthy) or null (no data for this client),
 * weighted into 0–100. A measure without data does not count: the weights of the others are scaled
 * up, so an online-only client is not punished for having no installation to be involved in. The
 * weights and bands are this one table; docs/health.md explains each measure.
 */

export const MEASURES = [
  'activity',
  'involvement',
  'docLimitUse',
  'emptySearch',
  'exhaustion',
  'incidents',
  'freshness',
] as const;
export type Measure = (typeof MEASURES)[number];

/** Weights, summing to 100. */
export const WEIGHTS: Record<Measure, number> = {
  activity: 25,
  involvement: 15,
  docLimitUse: 15,
  emptySearch: 10,
  exhaustion: 15,
  incidents: 10,
  freshness: 10,
};

export const BANDS = ['healthy', 'watch', 'risk', 'critical'] as const;
export type Band = (typeof BANDS)[number] | 'nodata';

/** Lower bound of each band's score (inclusive), best first. */
export const BAND_FLOORS: readonly { band: (typeof BANDS)[number]; min: number }[] = [
  { band: 'healthy', min: 75 },
  { band: 'watch', min: 50 },
  { band: 'risk', min: 25 },
  { band: 'critical', min: 0 },
];

/** Norms the measures are judged against (spec online-managers §7–§8). */
export const NORMS = {
  /** Installation activity points (documents + searches) per month: KodeksUserActivityIsLow's 20. */
  activityPoints: 20,
  /** % of the document limit used per month: the Стандарт's 15 %. */
  docsUsedPct: 15,
  /** % of seats whose users worked: KodeksUserAInvolvementIsLow's 60 %. */
  involvementPct: 60,
  /** Document-limit use from this % on hints at a shared login (the ≥ 90 % band). */
  sharedPct: 90,
  /** Empty-search share: healthy up to 10 %, 0 from 40 %. */
  emptyOk: 0.1,
  emptyBad: 0.4,
  /** Data age: healthy up to 2 hours, 0 from 72 hours. */
  freshOkHours: 2,
  freshBadHours: 72,
  /** Open incidents: what one costs, by importance. */
  criticalIncident: 0.5,
  otherIncident: 0.2,
} as const;

export type MeasureValues = Record<Measure, number | null>;

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Raw figures of one client, as loaded (null = nothing to judge). */
export interface ClientFigures {
  /** Best object's activity in its reference month: online % of documents, installation points. */
  onlineDocsPct: number | null;
  installationPoints: number | null;
  /** Best installation's involvement, % of seats. */
  involvementPct: number | null;
  /** Highest document-limit use of the client's online accesses in the reference month, %. */
  docLimitPct: number | null;
  searches: number;
  emptySearches: number;
  /** Months exhausted early among the last M (with data), and M. */
  exhaustedMonths: number;
  monthsWithData: number;
  openCritical: number;
  openOther: number;
  /** Hours since the newest data of the client's objects; null when nothing ever arrived. */
  dataAgeHours: number | null;
  /** The client has objects that could have data. */
  hasObjects: boolean;
}

/** Each measure from the figures. Pure. */
export function measuresOf(f: ClientFigures): MeasureValues {
  const act = [
    f.onlineDocsPct === null ? null : clamp01(f.onlineDocsPct / NORMS.docsUsedPct),
    f.installationPoints === null ? null : clamp01(f.installationPoints / NORMS.activityPoints),
  ].filter((x): x is number => x !== null);
  const docs = f.docLimitPct;
  let docLimitUse: number | null = null;
  if (docs !== null) {
    if (docs < NORMS.docsUsedPct) docLimitUse = docs / NORMS.docsUsedPct;
    else if (docs < NORMS.sharedPct) docLimitUse = 1;
    else docLimitUse = 0.7; // high use: fine for the client, a hint of a shared login
  }
  const emptyRate = f.searches > 0 ? f.emptySearches / f.searches : null;
  return {
    activity: act.length ? round3(Math.max(...act)) : null,
    involvement: f.involvementPct === null ? null : round3(clamp01(f.involvementPct / NORMS.involvementPct)),
    docLimitUse: docLimitUse === null ? null : round3(clamp01(docLimitUse)),
    emptySearch:
      emptyRate === null
        ? null
        : round3(1 - clamp01((emptyRate - NORMS.emptyOk) / (NORMS.emptyBad - NORMS.emptyOk))),
    exhaustion: f.monthsWithData > 0 ? round3(1 - clamp01(f.exhaustedMonths / f.monthsWithData)) : null,
    incidents: f.hasObjects
      ? round3(clamp01(1 - f.openCritical * NORMS.criticalIncident - f.openOther * NORMS.otherIncident))
      : null,
    freshness: !f.hasObjects
      ? null
      : f.dataAgeHours === null
        ? 0
        : round3(
            1 - clamp01((f.dataAgeHours - NORMS.freshOkHours) / (NORMS.freshBadHours - NORMS.freshOkHours)),
          ),
  };
}

/** The weighted score 0–100 of the measures that have data; null when none has. */
export function scoreOf(m: MeasureValues): number | null {
  let sum = 0;
  let weight = 0;
  for (const k of MEASURES) {
    const v = m[k];
    if (v === null) continue;
    sum += v * WEIGHTS[k];
    weight += WEIGHTS[k];
  }
  // Freshness and incidents alone say nothing about how the client works.
  const usage = m.activity !== null || m.docLimitUse !== null || m.involvement !== null;
  if (weight === 0 || !usage) return null;
  return Math.round((sum / weight) * 100);
}

export function bandOf(score: number | null): Band {
  if (score === null) return 'nodata';
  return BAND_FLOORS.find((b) => score >= b.min)?.band ?? 'critical';
}

/** Worse band = higher rank; nodata ranks as unknown (0). */
export function bandRank(b: string): number {
  const i = (BANDS as readonly string[]).indexOf(b);
  return i < 0 ? 0 : i + 1;
}
