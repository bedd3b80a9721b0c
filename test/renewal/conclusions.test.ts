/**
 * The ЛПР report's conclusion rules and the month-over-month change, on hand-made figures: each rule
 * fires at its threshold and not just below it. The change is checked against the numbers the
 * existing service's screenshot shows (spec online-managers §4.6), not against our own formula.
 */
import { describe, expect, it } from 'vitest';
import { conclude, RULES, type ConclusionInput } from '../../src/renewal/conclusions.js';
import type { MetricRow, OnlineRow } from '../../src/renewal/contract.js';
import { changesOf, monthChange, monthsOf } from '../../src/renewal/months.js';

const MONTHS = monthsOf(2026);
const none = () => Array<number | null>(12).fill(null);
const filled = (v: number) => Array<number | null>(12).fill(v);

function metricRows(over: Partial<Record<MetricRow['metric'], (number | null)[]>>): MetricRow[] {
  return (['docsRequested', 'docsSaved', 'docsPrinted', 'refused', 'activity'] as const).map((metric) => ({
    metric,
    values: over[metric] ?? filled(metric === 'activity' ? 100 : 0),
    changes: Array(12).fill(null),
  }));
}

function onlineRows(docs: {
  limit: number;
  used: (number | null)[];
  exhaustedDay?: (number | null)[];
}): OnlineRow[] {
  return (['docs', 'search', 'print', 'export'] as const).map((kind) => {
    const used = kind === 'docs' ? docs.used : filled(0);
    const limit = kind === 'docs' ? docs.limit : 3000;
    return {
      kind,
      used,
      limits: used.map((u) => (u === null ? null : limit)),
      remaining: used.map((u) => (u === null ? null : limit - u)),
      changes: Array(12).fill(null),
      exhaustedDay: kind === 'docs' ? (docs.exhaustedDay ?? none()) : none(),
    };
  });
}

const base = (over: Partial<ConclusionInput> = {}): ConclusionInput => ({
  months: MONTHS,
  installations: [],
  accesses: [],
  searches: 0,
  emptySearches: 0,
  emptyTopics: [],
  ...over,
});

const inst = (over: Partial<ConclusionInput['installations'][number]> = {}) => ({
  host: 'pk.example',
  rows: metricRows({}),
  seats: filled(10),
  maxInUse: filled(7),
  availabilityYear: null,
  ...over,
});

const rules = (input: ConclusionInput) => conclude(input).map((c) => c.rule);

describe('month-over-month change', () => {
  it('matches the numbers the existing service shows', () => {
    // docs 28 → 234 shows 736; saved 20 → 9 shows −55; printed 2 → 5 shows 150; rejected 3 → 1 shows −66.7.
    expect(Math.round(monthChange(28, 234) as number)).toBe(736);
    expect(monthChange(20, 9)).toBe(-55);
    expect(monthChange(2, 5)).toBe(150);
    expect(monthChange(3, 1)).toBe(-66.7);
  });
  it('∞ after a zero month, nothing for 0/0 or a month without data', () => {
    expect(monthChange(0, 4)).toBe('inf');
    expect(monthChange(0, 0)).toBeNull();
    expect(monthChange(null, 4)).toBeNull();
    expect(monthChange(4, null)).toBeNull();
    expect(monthChange(4, 0)).toBe(-100);
  });
  it('January is compared with December of the year before', () => {
    expect(changesOf(10, [15, null, 3, ...Array(9).fill(null)]).slice(0, 4)).toEqual([50, null, null, null]);
    expect(changesOf(null, [15, 30, ...Array(10).fill(null)]).slice(0, 2)).toEqual([null, 100]);
  });
});

describe('conclusions', () => {
  it('seats short: every seat taken or logons refused in enough months', () => {
    const full = filled(7);
    for (let k = 0; k < RULES.seatsShortMonths; k++) full[k] = 10;
    expect(rules(base({ installations: [inst({ maxInUse: full })] }))).toContain('seatsShort');
    const once = filled(7);
    once[0] = 10;
    if (RULES.seatsShortMonths > 1)
      expect(rules(base({ installations: [inst({ maxInUse: once })] }))).not.toContain('seatsShort');
    // Refusals count as a short month even when the samples missed the peak.
    const refused = filled(0);
    for (let k = 0; k < RULES.seatsShortMonths; k++) refused[k + 3] = 2;
    const c = conclude(base({ installations: [inst({ rows: metricRows({ refused }) })] }));
    const short = c.find((x) => x.rule === 'seatsShort')!;
    expect(short.severity).toBe('upsell');
    expect(short.text).toContain(`отказов за год: ${2 * RULES.seatsShortMonths}`);
    expect(short.text).toContain('апрель');
  });

  it('seats unused: at most half of the seats ever occupied, over enough months, no refusal', () => {
    const half = filled(5);
    expect(rules(base({ installations: [inst({ maxInUse: half })] }))).toContain('seatsUnused');
    const more = filled(5);
    more[6] = 6;
    expect(rules(base({ installations: [inst({ maxInUse: more })] }))).not.toContain('seatsUnused');
    const few = none();
    for (let k = 0; k < RULES.seatsUnusedMinMonths - 1; k++) few[k] = 1;
    expect(rules(base({ installations: [inst({ maxInUse: few })] }))).not.toContain('seatsUnused');
    const refused = filled(0);
    refused[0] = 1;
    expect(
      rules(base({ installations: [inst({ maxInUse: half, rows: metricRows({ refused }) })] })),
    ).not.toContain('seatsUnused');
  });

  it('limits exhausted early: before the 20th in enough months', () => {
    const day = none();
    day[1] = RULES.earlyDay - 1;
    day[2] = 3;
    const access = (exhaustedDay: (number | null)[]) => ({
      login: 'acc',
      rows: onlineRows({ limit: 300, used: filled(150), exhaustedDay }),
      availabilityYear: null,
    });
    const c = conclude(base({ accesses: [access(day)] }));
    expect(c.map((x) => x.rule)).toContain('limitsEarly');
    expect(c.find((x) => x.rule === 'limitsEarly')!.text).toContain('февраль, март');
    const late = none();
    late[1] = RULES.earlyDay;
    late[2] = 3;
    expect(rules(base({ accesses: [access(late)] }))).not.toContain('limitsEarly');
  });

  it('users to train: a high share of empty searches among enough searches', () => {
    const n = RULES.emptyMinSearches;
    const empty = Math.ceil(n * RULES.emptyShare);
    const topics = [{ query: 'пожарная безопасность', count: 5 }];
    const c = conclude(base({ searches: n, emptySearches: empty, emptyTopics: topics }));
    expect(c.find((x) => x.rule === 'emptySearches')!.text).toContain('«пожарная безопасность»');
    expect(rules(base({ searches: n, emptySearches: empty - 1 }))).not.toContain('emptySearches');
    expect(rules(base({ searches: n - 1, emptySearches: n - 1 }))).not.toContain('emptySearches');
  });

  it('low activity: installations under the norm in half their months, accesses under 15 % of documents', () => {
    const activity = filled(100);
    for (let k = 0; k < 6; k++) activity[k] = RULES.activityPerMonth - 1;
    expect(rules(base({ installations: [inst({ rows: metricRows({ activity }) })] }))).toContain(
      'lowActivity',
    );
    activity[5] = RULES.activityPerMonth;
    expect(rules(base({ installations: [inst({ rows: metricRows({ activity }) })] }))).not.toContain(
      'lowActivity',
    );
    const access = (used: number) => ({
      login: 'acc',
      rows: onlineRows({ limit: 200, used: filled(used) }),
      availabilityYear: null,
    });
    // 200 × 15 % = 30 documents a month.
    expect(rules(base({ accesses: [access(29)] }))).toContain('lowActivity');
    expect(rules(base({ accesses: [access(30)] }))).not.toContain('lowActivity');
  });

  it('nothing wrong: says so, with the availability as evidence', () => {
    const c = conclude(base({ installations: [inst({ availabilityYear: 99.5 })] }));
    expect(c.map((x) => x.rule)).toEqual(['availability', 'allGood']);
    expect(c[0]!.text).toContain('99,5 %');
  });
});
