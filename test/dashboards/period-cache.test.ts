import { describe, expect, it } from 'vitest';
import {
  CLOSED_TTL_MS,
  CURRENT_TTL_MS,
  periodFigures,
  RECENT_TTL_MS,
  SETTLE_MS,
} from '../../src/dashboards/period-cache.js';

const DAY = 86_400_000;

/** A loader that records which ids it was asked for and answers id × factor (none for odd ids ≥ 100). */
function loader(factor: () => number) {
  const asked: number[][] = [];
  const load = async (ids: readonly number[]) => {
    asked.push([...ids]);
    return new Map(ids.filter((id) => id < 100 || id % 2 === 0).map((id) => [id, id * factor()]));
  };
  return { asked, load };
}

describe('periodFigures', () => {
  const end = Date.UTC(2026, 9, 1);
  const period = { key: '2025-11..2026-09', to: end };

  it('reads each subject of a closed period once, adds subjects it did not keep, and remembers empty ones', async () => {
    const db = {};
    let f = 1;
    const l = loader(() => f);
    const now = end + 30 * DAY;
    expect(await periodFigures(db, 'x', period, [1, 2, 101], now, l.load)).toEqual(
      new Map([
        [1, 1],
        [2, 2],
      ]),
    );
    f = 10; // what the database says now: not read again while the slot is fresh
    expect(await periodFigures(db, 'x', period, [2, 1, 101, 3], now + CLOSED_TTL_MS - 1, l.load)).toEqual(
      new Map([
        [2, 2],
        [1, 1],
        [3, 30],
      ]),
    );
    expect(l.asked).toEqual([[1, 2, 101], [3]]);
    // Expired: read afresh.
    expect(await periodFigures(db, 'x', period, [1], now + CLOSED_TTL_MS, l.load)).toEqual(
      new Map([[1, 10]]),
    );
    // Another kind of figures, or another database handle, has its own slots.
    expect(await periodFigures(db, 'y', period, [1], now, l.load)).toEqual(new Map([[1, 10]]));
    expect(await periodFigures({}, 'x', period, [1], now, l.load)).toEqual(new Map([[1, 10]]));
    expect(l.asked.length).toBe(5);
  });

  it('keeps a period that closed recently or is still open for minutes, not hours', async () => {
    for (const [now, ttl] of [
      [end + SETTLE_MS - DAY, RECENT_TTL_MS],
      [end - 10 * DAY, CURRENT_TTL_MS],
    ] as const) {
      const db = {};
      let f = 1;
      const l = loader(() => f);
      await periodFigures(db, 'x', period, [5], now, l.load);
      f = 2;
      expect(await periodFigures(db, 'x', period, [5], now + ttl - 1, l.load)).toEqual(new Map([[5, 5]]));
      expect(await periodFigures(db, 'x', period, [5], now + ttl, l.load)).toEqual(new Map([[5, 10]]));
    }
  });

  it('reads again once the period has ended when the figures were read before its end', async () => {
    const db = {};
    let f = 1;
    const l = loader(() => f);
    await periodFigures(db, 'x', period, [7], end - 1000, l.load);
    f = 3;
    expect(await periodFigures(db, 'x', period, [7], end, l.load)).toEqual(new Map([[7, 21]]));
    // A clock that went back does not trust the slot either.
    f = 4;
    expect(await periodFigures(db, 'x', period, [7], end - 5000, l.load)).toEqual(new Map([[7, 28]]));
  });
});
