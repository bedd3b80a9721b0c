import { describe, expect, it } from 'vitest';
import { formatLocalDay, formatLocalTime, localDay, localTimeToUtc, localValidUntil } from './local-time.js';

describe('local times of the ПК', () => {
  it('converts a naive local time with the installation offset', () => {
    // 13:08:53 in Moscow (UTC+3) is 10:08:53 UTC.
    expect(localTimeToUtc('2026-04-16 13:08:53', 180)).toBe(Date.UTC(2026, 3, 16, 10, 8, 53));
    // The same wall time in Vladivostok (UTC+10) is seven hours earlier.
    expect(localTimeToUtc('2026-04-16 13:08:53', 600)).toBe(Date.UTC(2026, 3, 16, 3, 8, 53));
    expect(localTimeToUtc('2026-04-16 01:00:00', 180)).toBe(Date.UTC(2026, 3, 15, 22, 0, 0));
  });

  it('reads the Russian and ISO notations, with or without seconds', () => {
    const t = Date.UTC(2026, 3, 16, 10, 8, 0);
    expect(localTimeToUtc('16.04.2026 13:08', 180)).toBe(t);
    expect(localTimeToUtc('16.04.2026 13:08:00', 180)).toBe(t);
    expect(localTimeToUtc('2026-04-16T13:08', 180)).toBe(t);
    expect(localTimeToUtc('2026-04-16T13:08:00.250', 180)).toBe(t + 250);
    expect(localTimeToUtc(' 2026-04-16 13:08 ', 180)).toBe(t);
  });

  it('honours an explicit zone instead of the offset', () => {
    expect(localTimeToUtc('2026-04-16T13:08:53Z', 180)).toBe(Date.UTC(2026, 3, 16, 13, 8, 53));
    expect(localTimeToUtc('2026-04-16T13:08:53+05:00', 180)).toBe(Date.UTC(2026, 3, 16, 8, 8, 53));
  });

  it('rejects impossible dates and garbage', () => {
    expect(localTimeToUtc('2026-02-30 10:00:00', 180)).toBeNull();
    expect(localTimeToUtc('2025-02-29', 180)).toBeNull();
    expect(localTimeToUtc('2024-02-29', 0)).toBe(Date.UTC(2024, 1, 29));
    expect(localTimeToUtc('2026-04-16 24:00:00', 180)).toBeNull();
    expect(localTimeToUtc('yesterday', 180)).toBeNull();
    expect(localTimeToUtc('', 180)).toBeNull();
  });

  it('reads calendar days and validity ends', () => {
    expect(localDay('16.04.2026')).toBe('2026-04-16');
    expect(localDay('2026-4-6 10:00')).toBe('2026-04-06');
    // A bare date is valid through that local day: it ends at the next local midnight.
    expect(localValidUntil('2026-04-30', 180)).toEqual({
      day: '2026-04-30',
      at: Date.UTC(2026, 4, 1) - 3 * 3_600_000,
    });
    expect(localValidUntil('2026-04-30 12:00', 180)?.at).toBe(Date.UTC(2026, 3, 30, 9));
  });

  it('formats UTC back into the ПК wall time', () => {
    const t = Date.UTC(2026, 3, 16, 22, 30, 5);
    expect(formatLocalTime(t, 180)).toBe('2026-04-17 01:30:05');
    expect(formatLocalDay(t, 180)).toBe('2026-04-17');
    expect(localTimeToUtc(formatLocalTime(t, 420), 420)).toBe(t);
  });
});
