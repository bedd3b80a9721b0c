/**
 * The score and the detector on hand-made inputs, against expectations worked out from the documented
 * tables (docs/health.md), not from the code.
 */
import { describe, expect, it } from 'vitest';
import { detectProfile, quietMonth, type MonthFact } from '../../src/health/profile.js';
import { bandOf, measuresOf, scoreOf, type ClientFigures } from '../../src/health/score.js';

const base: ClientFigures = {
  onlineDocsPct: null,
  installationPoints: null,
  involvementPct: null,
  docLimitPct: null,
  searches: 0,
  emptySearches: 0,
  exhaustedMonths: 0,
  monthsWithData: 0,
  openCritical: 0,
  openOther: 0,
  dataAgeHours: null,
  hasObjects: true,
};

/** 12 months from 2025-12 to 2026-11 with the given active months (1-based calendar months). */
function year(
  active: (month: number) => boolean | null,
  early: (month: number) => boolean = () => false,
): MonthFact[] {
  return Array.from({ length: 12 }, (_, k) => {
    const d = new Date(Date.UTC(2025, 11 + k, 1));
    const m = d.getUTCMonth() + 1;
    return {
      month: `${d.getUTCFullYear()}-${String(m).padStart(2, '0')}`,
      active: active(m),
      earlyExhausted: early(m),
    };
  });
}

describe('health score', () => {
  it('is 100 for a client at every norm and fresh, 0 for one at none', () => {
    const good = measuresOf({
      ...base,
      onlineDocsPct: 40,
      docLimitPct: 40,
      installationPoints: 500,
      involvementPct: 80,
      searches: 100,
      emptySearches: 5,
      monthsWithData: 6,
      dataAgeHours: 1,
    });
    expect(scoreOf(good)).toBe(100);
    expect(bandOf(100)).toBe('healthy');
    const bad = measuresOf({
      ...base,
      onlineDocsPct: 0,
      docLimitPct: 0,
      installationPoints: 0,
      involvementPct: 0,
      searches: 10,
      emptySearches: 5,
      exhaustedMonths: 6,
      monthsWithData: 6,
      openCritical: 2,
      dataAgeHours: 100,
    });
    expect(scoreOf(bad)).toBe(0);
    expect(bandOf(0)).toBe('critical');
  });

  it('leaves out measures without data and rescales the weights of the others', () => {
    // Online only, 7.5 % of documents (half the 15 % norm), 30 h old data, nothing else known.
    const m = measuresOf({
      ...base,
      onlineDocsPct: 7.5,
      docLimitPct: 7.5,
      dataAgeHours: 30,
      monthsWithData: 0,
    });
    expect(m.involvement).toBeNull();
    expect(m.emptySearch).toBeNull();
    expect(m.exhaustion).toBeNull();
    // activity 0.5 × 25, docLimitUse 0.5 × 15, incidents 1 × 10, freshness (1 − 28/70) × 10 over 60.
    const expected = Math.round(((0.5 * 25 + 0.5 * 15 + 10 + (1 - 28 / 70) * 10) / 60) * 100);
    expect(scoreOf(m)).toBe(expected);
    expect(bandOf(expected)).toBe('watch');
  });

  it('has no score for a client with nothing that tells how it works', () => {
    expect(scoreOf(measuresOf({ ...base, dataAgeHours: 1 }))).toBeNull();
    expect(bandOf(null)).toBe('nodata');
  });
});

describe('usage profile detection', () => {
  it('tells quarterly from half-yearly episodes and knows the quiet months', () => {
    const q = detectProfile(year((m) => m % 3 === 2)); // Feb, May, Aug, Nov
    expect(q.profile).toBe('episodic-quarterly');
    expect(quietMonth(q.detail, '2026-12')).toEqual({ quiet: true, nextActive: '2027-02' });
    expect(quietMonth(q.detail, '2027-02')?.quiet).toBe(false);
    const h = detectProfile(year((m) => m === 3 || m === 9));
    expect(h.profile).toBe('episodic-half-yearly');
    expect(quietMonth(h.detail, '2026-12')).toEqual({ quiet: true, nextActive: '2027-03' });
  });

  it('tolerates a missing month and one odd month in an episodic pattern', () => {
    const r = detectProfile(year((m) => (m === 4 ? null : m === 7 ? true : m % 3 === 1)));
    // Jan, Apr (no data), Jul, Oct active + nothing else: still quarterly.
    expect(r.profile).toBe('episodic-quarterly');
    const odd = detectProfile(year((m) => m % 3 === 1 || m === 6));
    expect(odd.profile).toBe('episodic-quarterly');
    expect(odd.detail.fit).toBeCloseTo(11 / 12, 2);
  });

  it('calls early exhaustion in most months sharing, before anything else', () => {
    expect(
      detectProfile(
        year(
          () => true,
          (m) => m % 2 === 0,
        ),
      ).profile,
    ).toBe('sharing');
    expect(
      detectProfile(
        year(
          () => true,
          (m) => m === 1 || m === 2,
        ),
      ).profile,
    ).toBe('regular');
  });

  it('needs six months of data, and knows idle and irregular clients', () => {
    expect(detectProfile(year((m) => (m > 7 ? true : null))).profile).toBe('new');
    expect(detectProfile(year(() => false)).profile).toBe('idle');
    expect(detectProfile(year((m) => m === 5)).profile).toBe('idle');
    expect(detectProfile(year((m) => [1, 2, 5, 6, 7, 11].includes(m))).profile).toBe('irregular');
    expect(detectProfile(year((m) => m !== 8)).profile).toBe('regular');
  });
});
