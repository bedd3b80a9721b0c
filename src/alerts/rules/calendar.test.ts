import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  formatLocalDate,
  formatLocalDateTime,
  lastDayOfMonth,
  lastLocalDayOfMonth,
  localDayNumber,
  localMonth,
  localParts,
  workingDaysBetween,
} from './calendar.js';

const UTC5 = 300;

describe('local date parts', () => {
  it('shift an instant by the offset, across midnight and the month end', () => {
    // 19:30 UTC on 30 April is 00:30 on 1 May at UTC+5.
    const at = Date.UTC(2026, 3, 30, 19, 30);
    expect(localParts(at, UTC5)).toMatchObject({
      year: 2026,
      month: 5,
      day: 1,
      hour: 0,
      minute: 30,
      weekday: 5,
    });
    expect(localMonth(at, UTC5)).toBe('2026-05');
    expect(localMonth(at, 0)).toBe('2026-04');
    expect(formatLocalDateTime(at, UTC5)).toBe('01.05.2026 00:30');
    expect(formatLocalDate(at, 0)).toBe('30.04.2026');
  });

  it('work west of UTC too', () => {
    const at = Date.UTC(2026, 0, 1, 2, 0);
    expect(localParts(at, -300)).toMatchObject({ year: 2025, month: 12, day: 31, hour: 21 });
    expect(localMonth(at, -300)).toBe('2025-12');
  });

  it('day numbers change at local midnight', () => {
    const midnight = Date.UTC(2026, 3, 20) - UTC5 * 60_000;
    expect(localDayNumber(midnight, UTC5) - localDayNumber(midnight - 1, UTC5)).toBe(1);
    expect(localParts(midnight, UTC5).dayNumber).toBe(localDayNumber(midnight, UTC5));
  });
});

describe('last day of a month', () => {
  it('knows short months and leap years', () => {
    expect(lastDayOfMonth(2026, 2)).toBe(28);
    expect(lastDayOfMonth(2028, 2)).toBe(29);
    expect(lastDayOfMonth(2100, 2)).toBe(28);
    expect(lastDayOfMonth(2000, 2)).toBe(29);
    expect(lastDayOfMonth(2026, 4)).toBe(30);
    expect(lastDayOfMonth(2026, 12)).toBe(31);
    expect(lastLocalDayOfMonth(Date.UTC(2026, 1, 28, 20), UTC5)).toBe(31); // already 1 March locally
  });
});

describe('working days between two local days', () => {
  const day = (y: number, m: number, d: number): number => Math.floor(Date.UTC(y, m - 1, d) / DAY_MS);

  it('counts Mon–Fri strictly between the two days', () => {
    // Fri 2026-04-10 → Mon 2026-04-20: Mon 13 … Fri 17.
    expect(workingDaysBetween(day(2026, 4, 10), day(2026, 4, 20))).toBe(5);
    // Mon 13 → Mon 20: Tue … Fri.
    expect(workingDaysBetween(day(2026, 4, 13), day(2026, 4, 20))).toBe(4);
    // Fri → Mon over a weekend: nothing in between is a working day.
    expect(workingDaysBetween(day(2026, 4, 17), day(2026, 4, 20))).toBe(0);
    expect(workingDaysBetween(day(2026, 4, 19), day(2026, 4, 20))).toBe(0);
    expect(workingDaysBetween(day(2026, 4, 20), day(2026, 4, 20))).toBe(0);
    expect(workingDaysBetween(day(2026, 4, 21), day(2026, 4, 20))).toBe(0);
  });

  it('agrees with counting day by day, before 1970 as well', () => {
    const brute = (a: number, b: number): number => {
      let n = 0;
      for (let d = a + 1; d < b; d++) {
        const wd = new Date(d * DAY_MS).getUTCDay();
        if (wd !== 0 && wd !== 6) n++;
      }
      return n;
    };
    fc.assert(
      fc.property(fc.integer({ min: -20_000, max: 30_000 }), fc.integer({ min: -5, max: 400 }), (a, len) => {
        expect(workingDaysBetween(a, a + len)).toBe(brute(a, a + len));
      }),
    );
  });
});
