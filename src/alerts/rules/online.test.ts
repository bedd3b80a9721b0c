import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, alertDef, requireAlertDef } from '../catalogue.js';
import type { Condition, OnlineFacts, OnlineLimitFact, ParamsOf } from '../types.js';
import { RULE_NAMES } from './index.js';
import { evaluateOnline, unusedWorkingDays } from './online.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const OFF = 300;
/** A local wall time at UTC+5 as UTC ms. */
const local = (y: number, m: number, d: number, h = 0, mi = 0): number =>
  Date.UTC(y, m - 1, d, h, mi) - OFF * MIN;
/** Monday 2026-04-20 15:00 at UTC+5. */
const NOW = local(2026, 4, 20, 15);

const defaults: ParamsOf = (name) => ({ ...(requireAlertDef(name).params ?? {}) });
const withParams =
  (over: Record<string, Record<string, number>>): ParamsOf =>
  (name) => ({ ...defaults(name), ...over[name] });

type State = NonNullable<OnlineFacts['state']>;

function healthy(over: Partial<OnlineFacts> = {}, state: Partial<State> = {}): OnlineFacts {
  return {
    kind: 'online',
    id: 11,
    dealerId: 1,
    dealerCode: 'd01',
    clientId: 3,
    clientName: 'Ромашка',
    unitId: null,
    login: 'romashka',
    host: 'online.kodeks.ru',
    folder: 'docs',
    url: 'https://online.kodeks.ru',
    utcOffsetMin: OFF,
    createdAt: NOW - 300 * DAY,
    state: {
      checkedAt: NOW - 10 * MIN,
      ok: true,
      readAt: NOW - 10 * MIN,
      month: '2026-04',
      docs: { limit: 1000, remaining: 600 },
      search: { limit: 0, remaining: null },
      print: { limit: 500, remaining: 480 },
      export: { limit: 300, remaining: 150 },
      error: null,
      errorCode: null,
      errorMessage: null,
      errorSince: null,
      ...state,
    },
    lastUsedAt: NOW - 3 * HOUR,
    emptySearches: [],
    ...over,
  };
}

const produced = new Set<string>();

function run(f: OnlineFacts, now = NOW, params: ParamsOf = defaults): Condition[] {
  const out = evaluateOnline(f, now, params);
  for (const c of out) {
    expect(alertDef(c.name)?.name, `${c.name} is a primary catalogue name`).toBe(c.name);
    expect(RULE_NAMES.has(c.name), `${c.name} is in RULE_NAMES`).toBe(true);
    produced.add(c.name);
  }
  return out;
}

const names = (out: Condition[]): string[] => out.map((c) => c.name);

describe('a healthy online access', () => {
  it('raises nothing', () => {
    expect(run(healthy())).toEqual([]);
  });
});

describe('billing bands', () => {
  const KINDS = [
    ['docs', 'Docs'],
    ['print', 'Print'],
    ['search', 'Search'],
    ['export', 'Upload'],
  ] as const;

  describe.each(KINDS)('%s', (kind, word) => {
    const at = (remaining: number | null, limit: number | null = 1000): OnlineFacts =>
      healthy({}, { [kind]: { limit, remaining } });

    it.each([
      [151, null],
      [150, null],
      [149, 'Left150'],
      [50, 'Left150'],
      [49, 'Left50'],
      [1, 'Left50'],
      [0, 'LeftZero'],
      [-3, 'LeftZero'],
    ] as const)('remaining %d → %s', (remaining, band) => {
      const out = run(at(remaining));
      if (band === null) {
        expect(out).toEqual([]);
        return;
      }
      expect(out).toEqual([
        expect.objectContaining({ name: `OnlineBilling${word}${band}`, value: remaining }),
      ]);
      expect(out[0]!.labels).toEqual({ kind });
      expect(out[0]!.key).toBeUndefined();
    });

    it('not without a limit, a remainder or a reading', () => {
      expect(run(at(0, 0))).toEqual([]);
      expect(run(at(0, null))).toEqual([]);
      expect(run(at(null))).toEqual([]);
      expect(run(healthy({}, { readAt: null, [kind]: { limit: 1000, remaining: 0 } }))).toEqual([]);
      expect(run(healthy({ state: null }))).toEqual([]);
    });

    it('thresholds follow the parameters', () => {
      const p = withParams({
        [`OnlineBilling${word}Left150`]: { threshold: 300 },
        [`OnlineBilling${word}Left50`]: { threshold: 100 },
      });
      expect(names(run(at(299), NOW, p))).toEqual([`OnlineBilling${word}Left150`]);
      expect(names(run(at(99), NOW, p))).toEqual([`OnlineBilling${word}Left50`]);
      expect(run(at(300), NOW, p)).toEqual([]);
    });
  });

  it('at most one band per kind, the right one (property)', () => {
    const limit: fc.Arbitrary<OnlineLimitFact> = fc.record({
      limit: fc.option(fc.integer({ min: -10, max: 5000 }), { nil: null }),
      remaining: fc.option(fc.integer({ min: -100, max: 5000 }), { nil: null }),
    });
    fc.assert(
      fc.property(limit, limit, limit, limit, (docs, search, print, exp) => {
        const out = evaluateOnline(healthy({}, { docs, search, print, export: exp }), NOW, defaults).filter(
          (c) => c.name.startsWith('OnlineBilling'),
        );
        for (const [kind, l] of [
          ['docs', docs],
          ['search', search],
          ['print', print],
          ['export', exp],
        ] as const) {
          const mine = out.filter((c) => c.labels?.kind === kind);
          const judged = l.limit !== null && l.limit > 0 && l.remaining !== null;
          const expected = !judged
            ? null
            : l.remaining! <= 0
              ? 'LeftZero'
              : l.remaining! < 50
                ? 'Left50'
                : l.remaining! < 150
                  ? 'Left150'
                  : null;
          expect(mine.map((c) => c.name.replace(/^OnlineBilling[A-Za-z]+?(Left)/, '$1'))).toEqual(
            expected ? [expected] : [],
          );
        }
      }),
    );
  });
});

describe('OnlineLoginFailed', () => {
  it('fires on LoginPasswordError with the message and since', () => {
    const since = NOW - 2 * HOUR;
    const out = run(
      healthy(
        {},
        {
          ok: false,
          error: 'LoginPasswordError',
          errorMessage: 'Неверный логин или пароль',
          errorSince: since,
        },
      ),
    );
    expect(out).toEqual([expect.objectContaining({ name: 'OnlineLoginFailed', since })]);
    expect(out[0]!.text).toContain('Неверный логин или пароль');
  });

  it('not on other errors', () => {
    expect(
      run(healthy({}, { ok: false, error: 'Timeout', errorMessage: 'timeout', errorSince: NOW })),
    ).toEqual([]);
  });
});

describe('monthly document use (access zone UTC+5)', () => {
  /** Docs used as a share of a 1000 limit. */
  const used = (percent: number, month = '2026-04'): OnlineFacts =>
    healthy(
      { lastUsedAt: null, createdAt: NOW - 2 * DAY },
      { month, docs: { limit: 1000, remaining: 1000 - percent * 10 } },
    );
  const activity = (out: Condition[]): Condition[] =>
    out.filter((c) => c.name.startsWith('OnlineUserActivityIsLow'));

  it('nothing before the 10th', () => {
    expect(activity(run(used(0), local(2026, 4, 9, 23, 59)))).toEqual([]);
  });

  it('the 10th begins at local midnight (19:00 UTC the day before)', () => {
    const at = Date.UTC(2026, 3, 9, 19, 0);
    const out = activity(run(used(2), at));
    expect(out).toEqual([expect.objectContaining({ name: 'OnlineUserActivityIsLow10', value: 2 })]);
    expect(activity(run(used(2), at - 1))).toEqual([]);
    expect(activity(run(used(3), at))).toEqual([]);
  });

  it('from the 20th only the 20th window is judged (exclusive)', () => {
    const at = local(2026, 4, 20, 0, 0);
    expect(names(activity(run(used(2), at)))).toEqual(['OnlineUserActivityIsLow20']);
    expect(activity(run(used(9.9), at))[0]!.value).toBe(9.9);
    expect(activity(run(used(10), at))).toEqual([]);
    expect(names(activity(run(used(2), at - 1)))).toEqual(['OnlineUserActivityIsLow10']);
  });

  it('the 30th window in a 30-day month', () => {
    expect(names(activity(run(used(14), local(2026, 4, 30, 0, 0))))).toEqual(['OnlineUserActivityIsLow30']);
    expect(activity(run(used(15), local(2026, 4, 30, 0, 0)))).toEqual([]);
    expect(names(activity(run(used(9), local(2026, 4, 29, 23, 59))))).toEqual(['OnlineUserActivityIsLow20']);
    // 14% is enough for the 20th window, not for the 30th.
    expect(activity(run(used(14), local(2026, 4, 29, 23, 59)))).toEqual([]);
  });

  it("February's last day counts as the 30th", () => {
    const feb = (percent: number): OnlineFacts => used(percent, '2026-02');
    expect(names(activity(run(feb(14), local(2026, 2, 28, 0, 30))))).toEqual(['OnlineUserActivityIsLow30']);
    expect(activity(run(feb(14), local(2026, 2, 27, 23, 59)))).toEqual([]);
    expect(names(activity(run(feb(5), local(2026, 2, 27, 23, 59))))).toEqual(['OnlineUserActivityIsLow20']);
    // A leap February: the 29th, not the 28th.
    const leap = (percent: number): OnlineFacts => used(percent, '2028-02');
    expect(activity(run(leap(14), local(2028, 2, 28, 12)))).toEqual([]);
    expect(names(activity(run(leap(14), local(2028, 2, 29, 0, 0))))).toEqual(['OnlineUserActivityIsLow30']);
  });

  it('only for the current local month and a documents limit', () => {
    expect(activity(run(used(0, '2026-03'), NOW))).toEqual([]);
    // 19:30 UTC on 30 April is 1 May at UTC+5: the April remainders are no longer this month's.
    expect(activity(run(used(0), Date.UTC(2026, 3, 30, 19, 30)))).toEqual([]);
    expect(activity(run(used(0), Date.UTC(2026, 3, 30, 18, 59)))).toHaveLength(1);
    expect(activity(run(healthy({}, { docs: { limit: 0, remaining: 0 } }), NOW))).toEqual([]);
    expect(activity(run(healthy({}, { month: null, docs: { limit: 1000, remaining: 1000 } }), NOW))).toEqual(
      [],
    );
  });
});

describe('OnlineAccessUnused', () => {
  it('counts Mon–Fri strictly between the day of last use and today', () => {
    // Last used on Monday the 13th: Tue–Fri, the weekend does not count.
    const mon = healthy({ lastUsedAt: local(2026, 4, 13, 18) });
    expect(unusedWorkingDays(mon, NOW)).toBe(4);
    expect(run(mon)).toEqual([]);
    // Last used on Friday the 10th: Mon 13 … Fri 17.
    const fri = healthy({ lastUsedAt: local(2026, 4, 10, 9) });
    expect(run(fri)).toEqual([expect.objectContaining({ name: 'OnlineAccessUnused', value: 5 })]);
    expect(run(fri)[0]!.text).toContain('10.04.2026');
  });

  it('uses local days: 23:30 on Sunday and 00:30 on Monday are different days', () => {
    // 18:30 UTC Sunday 12th = 23:30 local Sunday; 19:30 UTC = 00:30 local Monday 13th.
    expect(run(healthy({ lastUsedAt: Date.UTC(2026, 3, 12, 18, 30) }))).toEqual([
      expect.objectContaining({ name: 'OnlineAccessUnused', value: 5 }),
    ]);
    expect(run(healthy({ lastUsedAt: Date.UTC(2026, 3, 12, 19, 30) }))).toEqual([]);
  });

  it('an access never used counts from its creation', () => {
    const out = run(healthy({ lastUsedAt: null, createdAt: local(2026, 4, 1, 12) }));
    expect(out).toEqual([expect.objectContaining({ name: 'OnlineAccessUnused', value: 12 })]);
    expect(out[0]!.text).toContain('с подключения');
    expect(run(healthy({ lastUsedAt: null, createdAt: local(2026, 4, 17, 12) }))).toEqual([]);
  });

  it('follows the workingDays parameter', () => {
    const mon = healthy({ lastUsedAt: local(2026, 4, 13, 18) });
    expect(names(run(mon, NOW, withParams({ OnlineAccessUnused: { workingDays: 4 } })))).toEqual([
      'OnlineAccessUnused',
    ]);
  });
});

describe('KodeksSearchIsEmpty on an online access', () => {
  type Empty = OnlineFacts['emptySearches'][number];
  const s = (over: Partial<Empty>): Empty => ({
    at: NOW - HOUR,
    user: 'user1',
    query: 'ГОСТ Р 1.0',
    type: 'intelligent',
    ...over,
  });

  it('one instance per user and query within windowHours + 24 (the log is read nightly)', () => {
    const out = run(
      healthy({
        emptySearches: [
          s({ at: NOW - 47 * HOUR }),
          s({ at: NOW - 48 * HOUR, query: 'гост р 1.0' }),
          s({ user: 'user2', at: NOW - 30 * HOUR }),
          s({ query: 'давний', at: NOW - 48 * HOUR - 1 }),
        ],
      }),
    );
    expect(out.map((c) => [c.name, c.key, c.labels, c.value])).toEqual([
      ['KodeksSearchIsEmpty', 'user2|гост р 1.0', { user: 'user2', query: 'ГОСТ Р 1.0', catalog: 'docs' }, 1],
      ['KodeksSearchIsEmpty', 'user1|гост р 1.0', { user: 'user1', query: 'ГОСТ Р 1.0', catalog: 'docs' }, 2],
    ]);
  });

  it('keeps the 50 newest', () => {
    const emptySearches = Array.from({ length: 55 }, (_, i) => s({ query: `q${i}`, at: NOW - i * MIN }));
    const keys = run(healthy({ emptySearches })).map((c) => c.key);
    expect(keys).toHaveLength(50);
    expect(keys).not.toContain('user1|q50');
  });
});

describe('catalogue coverage', () => {
  it('every online alert of the catalogue is produced by some case above', () => {
    const expected = CATALOGUE.filter(
      (d) => d.subjects.includes('online') && !d.countOf && d.name !== 'SmartNotificationFailed',
    ).map((d) => d.name);
    expect(expected.length).toBeGreaterThan(15);
    expect(expected.filter((n) => !produced.has(n))).toEqual([]);
    expect(expected.filter((n) => !RULE_NAMES.has(n))).toEqual([]);
  });
});
