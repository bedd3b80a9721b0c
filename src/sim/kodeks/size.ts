/**
 * Picks profile options whose report is about `targetBytes` long at a given instant (the manual's
 * installations reach ~20 MB). Size grows with the user count: cards, daily counters, search log.
 */
import { makeProfile, type ProfileOptions } from './profile.js';
import { sysinfoXmlText } from './sysinfo-xml.js';

const SAMPLE_USERS = 200;

function reportBytes(opts: ProfileOptions, atMs: number): number {
  let n = 0;
  for (const chunk of sysinfoXmlText(makeProfile(opts), atMs)) n += Buffer.byteLength(chunk, 'utf8');
  return n;
}

export function profileForReportSize(
  seed: number,
  targetBytes: number,
  atMs: number,
  extra: Omit<ProfileOptions, 'seed' | 'users' | 'seats'> = {},
): ProfileOptions {
  // Seats close to the user count, so that most users get in and contribute activity.
  const opts = (users: number): ProfileOptions => ({
    ...extra,
    seed,
    users,
    seats: Math.max(3, Math.ceil(users * 0.9)),
  });
  const base = reportBytes(opts(2), atMs);
  const sample = reportBytes(opts(SAMPLE_USERS), atMs);
  const perUser = Math.max(1, (sample - base) / (SAMPLE_USERS - 2));
  const users = Math.max(2, Math.round((targetBytes - base) / perUser));
  return opts(users);
}
