import { describe, expect, it } from 'vitest';
import { localDayStart, makeAccounts, resolveAccount, searchLog, usageAt, type Account } from './usage.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2026-04-20 12:00 Moscow. */
const T0 = Date.UTC(2026, 3, 20, 9);

function acc(profile: Account['profile'], utcOffsetMin = 180, seed = 7): Account {
  return resolveAccount(seed, 0, { login: `u-${profile}`, profile, utcOffsetMin });
}

describe('dc usage model', () => {
  it('is deterministic: same seed, same accounts and numbers; another seed differs', () => {
    const a = makeAccounts(42, 20);
    const b = makeAccounts(42, 20);
    expect(a).toEqual(b);
    expect(a.map((x) => usageAt(x, T0))).toEqual(b.map((x) => usageAt(x, T0)));
    const c = makeAccounts(43, 20);
    expect(c.map((x) => usageAt(x, T0))).not.toEqual(a.map((x) => usageAt(x, T0)));
  });

  it('generates plausible limits and all four profiles', () => {
    const all = makeAccounts(1, 200);
    expect(new Set(all.map((a) => a.profile))).toEqual(new Set(['regular', 'sharer', 'idle', 'episodic']));
    for (const a of all) {
      expect([300, 350, 400]).toContain(a.limits.docs);
      for (const k of ['search', 'print', 'export'] as const) {
        expect(a.limits[k]).toBeGreaterThanOrEqual(3000);
        expect(a.limits[k]).toBeLessThanOrEqual(5000);
      }
    }
    expect(new Set(all.map((a) => a.login)).size).toBe(200);
    expect(() => makeAccounts(1, [{ login: 'x' }, { login: 'x' }])).toThrow(/duplicate/);
  });

  it('counters only grow within a month and remaining = limit - used', () => {
    for (const a of makeAccounts(5, 12)) {
      const start = localDayStart(a.utcOffsetMin, 2026, 3, 0);
      let prev = usageAt(a, start);
      for (let t = start; t < localDayStart(a.utcOffsetMin, 2026, 4, 0); t += 3 * HOUR) {
        const u = usageAt(a, t);
        expect(u.month).toBe('2026-04');
        for (const k of ['docs', 'search', 'print', 'export'] as const) {
          expect(u[k].used).toBeGreaterThanOrEqual(prev[k].used);
          expect(u[k].used).toBeLessThanOrEqual(u[k].limit);
          expect(u[k].remaining).toBe(u[k].limit - u[k].used);
        }
        prev = u;
      }
    }
  });

  it('resets on the 1st at local midnight of the account time zone', () => {
    for (const off of [180, 600, -300]) {
      const a = acc('regular', off);
      const midnight = localDayStart(off, 2026, 4, 0); // 2026-05-01 00:00 local
      const before = usageAt(a, midnight - 1);
      const after = usageAt(a, midnight);
      expect(before.month).toBe('2026-04');
      expect(after.month).toBe('2026-05');
      expect(before.docs.used).toBeGreaterThan(0);
      for (const k of ['docs', 'search', 'print', 'export'] as const) {
        expect(after[k].used).toBe(0);
        expect(after[k].remaining).toBe(after[k].limit);
      }
    }
  });

  it('sharers exhaust limits early, idle accounts barely use anything', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const s = acc('sharer', 180, seed);
      expect(usageAt(s, Date.UTC(2026, 3, 14, 20)).docs.remaining).toBe(0);
      const i = acc('idle', 180, seed);
      const end = usageAt(i, Date.UTC(2026, 3, 30, 20));
      expect(end.docs.used / end.docs.limit).toBeLessThanOrEqual(0.03);
      const r = acc('regular', 180, seed);
      const rEnd = usageAt(r, Date.UTC(2026, 3, 30, 20));
      expect(rEnd.docs.used / rEnd.docs.limit).toBeGreaterThan(0.25);
      expect(rEnd.docs.remaining).toBeGreaterThan(0);
    }
  });

  it('episodic accounts are active one month per quarter', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const a = acc('episodic', 180, seed);
      const shares = Array.from({ length: 12 }, (_, m) => {
        const u = usageAt(a, localDayStart(180, 2026, m + 1, 0) - 1);
        return u.docs.used / u.docs.limit;
      });
      const active = shares.map((s) => s > 0.5);
      expect(active.filter(Boolean)).toHaveLength(4);
      for (let m = 3; m < 12; m++) expect(active[m]).toBe(active[m - 3]);
    }
  });

  it('the search log of a day has one entry per search unit counted that day', () => {
    for (const a of makeAccounts(9, 8)) {
      for (const day of [0, 5, 14, 27]) {
        const start = localDayStart(a.utcOffsetMin, 2026, 3, day);
        const date = `2026-04-${String(day + 1).padStart(2, '0')}`;
        const log = searchLog(a, date);
        const delta = usageAt(a, start + DAY - 1).search.used - usageAt(a, start).search.used;
        expect(log).toHaveLength(delta);
        for (const e of log) {
          expect(e.time.startsWith(date)).toBe(true);
          expect(['success', 'empty']).toContain(e.status);
        }
        expect(searchLog(a, date)).toEqual(log);
        // Only searches that already happened are listed.
        const noon = start + 12 * HOUR;
        const partial = searchLog(a, date, noon);
        expect(partial.length).toBeLessThanOrEqual(
          usageAt(a, noon).search.used - usageAt(a, start).search.used,
        );
      }
    }
  });
});
