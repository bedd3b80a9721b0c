import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGroupChat, TelegramLimiter } from './telegram-limiter.js';

const T0 = Date.UTC(2026, 3, 20, 9);

/** The largest number of times in any half-open window [t, t + windowMs). */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const CHATS = ['1', '2', '3', '42', '-100', '-200', '-1001234567890'];

const step = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constant('reserve' as const),
      chat: fc.constantFrom(...CHATS),
      // mostly bursts, sometimes long pauses
      dt: fc.oneof(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 1_500 }),
        fc.integer({ min: 0, max: 70_000 }),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('penalize' as const),
      chat: fc.constantFrom(...CHATS),
      dt: fc.integer({ min: 0, max: 100 }),
      forMs: fc.integer({ min: 1, max: 10_000 }),
    }),
  },
);

describe('TelegramLimiter', () => {
  it('grants one message per chat per second', () => {
    const l = new TelegramLimiter();
    expect(l.reserve('42', T0)).toBe(0);
    expect(l.reserve('42', T0 + 1)).toBe(999);
    expect(l.reserve('42', T0 + 999)).toBe(1);
    expect(l.reserve('43', T0 + 999)).toBe(0);
    expect(l.reserve('42', T0 + 1_000)).toBe(0);
  });

  it('limits a group to 20 per minute on top of 1 per second', () => {
    const l = new TelegramLimiter();
    for (let i = 0; i < 20; i++) expect(l.reserve('-100', T0 + i * 1_000)).toBe(0);
    expect(l.reserve('-100', T0 + 20_000)).toBe(40_000);
    expect(l.reserve('-100', T0 + 60_000)).toBe(0);
    // a private chat is not a group
    for (let i = 0; i < 25; i++) expect(l.reserve('7', T0 + i * 1_000)).toBe(0);
  });

  it('limits the bot to 30 per second across chats', () => {
    const l = new TelegramLimiter();
    for (let i = 0; i < 30; i++) expect(l.reserve(String(i + 1), T0 + i)).toBe(0);
    expect(l.reserve('31', T0 + 30)).toBe(970);
    expect(l.reserve('31', T0 + 1_000)).toBe(0);
  });

  it('honours a penalty and never shortens it', () => {
    const l = new TelegramLimiter();
    l.penalize('42', T0 + 5_000);
    l.penalize('42', T0 + 2_000);
    expect(l.reserve('42', T0)).toBe(5_000);
    expect(l.reserve('43', T0)).toBe(0);
    expect(l.reserve('42', T0 + 5_000)).toBe(0);
  });

  it('a refused reservation consumes nothing', () => {
    const l = new TelegramLimiter({ globalPerSec: 2 });
    expect(l.reserve('1', T0)).toBe(0);
    expect(l.reserve('1', T0 + 10)).toBeGreaterThan(0); // refused by the chat's own limit
    expect(l.reserve('2', T0 + 20)).toBe(0); // so the global window still has room for this one
  });

  it('forgets idle chats', () => {
    const l = new TelegramLimiter();
    for (let i = 0; i < 3_000; i++) l.reserve(`-${i}`, T0 + i * 100);
    expect(l.trackedChats()).toBeLessThan(1_000);
  });

  it('rejects limits that are not positive integers', () => {
    expect(() => new TelegramLimiter({ perChatPerSec: 0 })).toThrow(RangeError);
    expect(() => new TelegramLimiter({ globalPerSec: 1.5 })).toThrow(RangeError);
  });

  it('knows group chats', () => {
    expect(isGroupChat('-100123')).toBe(true);
    expect(isGroupChat('@smart_alerts')).toBe(true);
    expect(isGroupChat('123')).toBe(false);
  });

  it('property: no window ever holds more grants than its limit; waits are exact; penalties hold', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 400 }),
        fc.record({
          perChatPerSec: fc.constantFrom(1, 1, 2),
          perGroupPerMin: fc.constantFrom(20, 20, 3),
          globalPerSec: fc.constantFrom(30, 30, 4),
        }),
        (steps, limits) => {
          const l = new TelegramLimiter(limits);
          let now = T0;
          const grants = new Map<string, number[]>();
          const all: number[] = [];
          const blockedUntil = new Map<string, number>();
          for (const s of steps) {
            now += s.dt;
            if (s.op === 'penalize') {
              l.penalize(s.chat, now + s.forMs);
              blockedUntil.set(s.chat, Math.max(blockedUntil.get(s.chat) ?? 0, now + s.forMs));
              continue;
            }
            const wait = l.reserve(s.chat, now);
            expect(wait).toBeGreaterThanOrEqual(0);
            if (wait > 0) continue;
            expect(now).toBeGreaterThanOrEqual(blockedUntil.get(s.chat) ?? 0);
            grants.set(s.chat, [...(grants.get(s.chat) ?? []), now]);
            all.push(now);
          }
          for (const [chat, times] of grants) {
            expect(maxInWindow(times, 1_000)).toBeLessThanOrEqual(limits.perChatPerSec);
            if (isGroupChat(chat))
              expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(limits.perGroupPerMin);
          }
          expect(maxInWindow(all, 1_000)).toBeLessThanOrEqual(limits.globalPerSec);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: a wait is exact — after it, the same request is granted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ chat: fc.constantFrom(...CHATS), dt: fc.integer({ min: 0, max: 3_000 }) }), {
          minLength: 1,
          maxLength: 200,
        }),
        (steps) => {
          const l = new TelegramLimiter();
          let now = T0;
          for (const s of steps) {
            now += s.dt;
            const wait = l.reserve(s.chat, now);
            if (wait === 0) continue;
            // not earlier…
            expect(l.reserve(s.chat, now + wait - 1)).toBeGreaterThan(0);
            // …but exactly then
            now += wait;
            expect(l.reserve(s.chat, now)).toBe(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
