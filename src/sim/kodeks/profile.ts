/**
 * A simulated client installation: who the client is, how big, which users, catalogs, volumes,
 * licences. Fixed for a seed; what happens over time is in life.ts.
 */
import { UNDEFINED_DOMAIN } from '../../ingest/parse/snapshot.js';
import { hash32, Rng } from './prng.js';
import {
  BROWSERS,
  COMPANY_WORDS,
  CITIES,
  DEPARTMENTS,
  GIVEN_NAMES,
  KASSIST_VERSIONS,
  LEGAL_FORMS,
  PATRONYMICS,
  PK_VERSIONS,
  POSITIONS,
  PRODUCTS,
  SURNAMES,
  SYSINFO_VERSIONS,
  UTC_OFFSETS,
} from './vocabulary.js';

const DAY = 86_400_000;

export type ActivityLevel = 'heavy' | 'normal' | 'light' | 'dormant';

export interface SimUser {
  index: number;
  login: string;
  password: string;
  fullname: string;
  phone: string | null;
  email: string | null;
  position: string | null;
  department: string | null;
  domain: string;
  registeredAt: number;
  activity: Exclude<ActivityLevel, 'dormant'>;
  /** From this local day number on, the user stops coming (the "not seen for 60 days" panel). */
  dormantFromDay: number | null;
  /** Share of this user's searches that find nothing. */
  emptyRate: number;
  kassistUser: boolean;
  ip: string;
  browser: string;
}

export interface SimCatalog {
  path: string;
  title: string;
  dbs: string;
}

export interface SimVolume {
  name: string;
  path: string;
  catalog: string;
  update: string;
}

export interface SimOperUp {
  path: string;
  /** Local minute of the day when the nightly update rewrites it. */
  minuteLocal: number;
  sizeBytes: number;
}

export interface SimLicence {
  product: string;
  name: string;
  db: string;
  /** Day of the year the annual licence renews (0-based). */
  renewDayOfYear: number;
  /** A fixed last valid day (YYYY-MM-DD) instead of yearly renewal, for expiry scenarios. */
  fixedEndDay: string | null;
}

export interface ClientProfile {
  kind: 'kodeks-profile';
  seed: number;
  shortName: string;
  legalName: string;
  regnum: string;
  utcOffsetMin: number;
  seats: number;
  catalogs: SimCatalog[];
  pkVersion: string;
  sysinfoVersion: string;
  kassistVersion: string | null;
  sysmonVersion: string | null;
  hostName: string;
  os: string;
  smartloginPassword: string;
  adminPassword: string;
  senselockKey: string;
  users: SimUser[];
  volumes: SimVolume[];
  operups: SimOperUp[];
  licences: SimLicence[];
  /** Local minute of the nightly server restart (uptime resets then). */
  restartMinuteLocal: number;
  /** Hours of search log and refused logons each report carries. */
  searchLogHours: number;
  /** Multiplies every user's daily activity. */
  searchScale: number;
  /** Days of the ПК event journal each report carries (bulk SMART does not read). */
  eventLogDays: number;
  encoding: 'utf-8' | 'windows-1251';
  /** Episodic usage (optional, so profiles saved before it stay valid). */
  episode?: Episode;
}

export interface ProfileOptions {
  seed: number;
  shortName?: string;
  users?: number;
  seats?: number;
  utcOffsetMin?: number;
  catalogs?: string[];
  searchLogHours?: number;
  searchScale?: number;
  eventLogDays?: number;
  smartloginPassword?: string;
  /** Registration dates spread around this instant (default 2024-01-01). */
  epochMs?: number;
  /** Make every licence end on this local day (YYYY-MM-DD) instead of renewing yearly. */
  licenceEndDay?: string;
  encoding?: 'utf-8' | 'windows-1251';
  pkVersion?: string;
  /** Episodic client: its users work only in the months whose index (year × 12 + month0) mod the period is the phase. */
  episode?: Episode;
}

export interface Episode {
  periodMonths: 3 | 6;
  phase: number;
}

function translitInitial(name: string): string {
  return GIVEN_NAMES.find(([n]) => n === name)?.[1] ?? 'x';
}

function feminine(surname: string): string {
  if (/(ов|ев|ёв|ин)$/.test(surname)) return `${surname}а`;
  return surname;
}

function makeUsers(seed: number, count: number, epochMs: number, rng: Rng): SimUser[] {
  const usesAd = rng.chance(0.7);
  const domains = usesAd ? DEPARTMENTS.slice(0, rng.int(2, 6)) : [];
  const cardFill = 0.3 + rng.next() * 0.65;
  const kassistShare = rng.chance(0.6) ? 0.1 + rng.next() * 0.4 : 0;
  const subnet = `10.${rng.int(0, 200)}.${rng.int(0, 200)}`;
  const logins = new Set<string>(['smartlogin', 'admin']);
  const users: SimUser[] = [];
  for (let i = 0; i < count; i++) {
    const r = new Rng(seed, 'user', i);
    const [surRu, surLat] = r.pick(SURNAMES);
    const [given, , fem] = r.pick(GIVEN_NAMES);
    const patr = r.pick(PATRONYMICS)[fem ? 1 : 0];
    const surname = fem ? feminine(surRu) : surRu;
    let login = `${surLat}${fem && /(ov|ev|in)$/.test(surLat) ? 'a' : ''}_${translitInitial(given)}`;
    for (let n = 2; logins.has(login); n++) login = `${login.replace(/\d+$/, '')}${n}`;
    logins.add(login);
    const department = domains.length && r.chance(0.9) ? r.pick(domains) : null;
    const late = r.chance(0.15);
    const registeredAt = late
      ? epochMs + Math.floor(r.next() * 730) * DAY + r.int(9, 17) * 3_600_000
      : epochMs - Math.floor(r.next() * 1095) * DAY - r.int(0, 8) * 3_600_000;
    const activity = r.weighted([
      ['heavy', 15],
      ['normal', 50],
      ['light', 35],
    ] as const);
    const dormant = r.chance(0.1);
    users.push({
      index: i,
      login,
      password: `pw-${login}`,
      fullname: `${surname} ${given} ${patr}`,
      phone: r.chance(cardFill)
        ? `+7 (${r.int(300, 999)}) ${r.int(100, 999)}-${r.int(10, 99)}-${r.int(10, 99)}`
        : null,
      email: r.chance(cardFill) ? `${login.replace('_', '.')}@example.ru` : null,
      position: r.chance(cardFill) ? r.pick(POSITIONS) : null,
      department: r.chance(cardFill) ? (department ?? r.pick(DEPARTMENTS)) : null,
      domain: department ?? UNDEFINED_DOMAIN,
      registeredAt,
      activity,
      dormantFromDay: dormant ? Math.floor(epochMs / DAY) + r.int(-200, 900) : null,
      emptyRate: r.chance(0.2) ? 0.1 + r.next() * 0.25 : r.next() * 0.08,
      kassistUser: r.chance(kassistShare),
      ip: `${subnet}.${(i % 250) + 2}`,
      browser: r.pick(BROWSERS),
    });
  }
  return users;
}

function makeVolumes(seed: number, catalogs: SimCatalog[], rng: Rng): SimVolume[] {
  const out: SimVolume[] = [];
  const update = String(rng.int(2401, 2612));
  for (const c of catalogs) {
    if (c.path === '/sysmon') continue;
    const n = rng.int(8, 30);
    const db = c.dbs.replace(/\.dbs$/, '');
    for (let k = 0; k < n; k++) {
      const name = `${db}_${String(hash32(seed, c.path, k) % 100000).padStart(5, '0')}`;
      out.push({
        name,
        path: `D:\\Kodeks\\Techexpert-Intranet\\Db\\${db}\\${name}.vol`,
        catalog: c.path,
        update,
      });
    }
  }
  return out;
}

function makeOperups(rng: Rng): SimOperUp[] {
  const n = rng.int(3, 8);
  const exts = ['ud6', 'udt', 'ud6', 'udx'];
  const letters = 'ABCDEFGHKLMNPRSTVXYZ';
  const out: SimOperUp[] = [];
  for (let k = 0; k < n; k++) {
    const code = `${rng.int(1000, 39999)}${letters[rng.int(0, 19)]}${letters[rng.int(0, 19)]}${letters[rng.int(0, 19)]}`;
    out.push({
      path: `C:\\Kodeks\\Techexpert-Intranet\\OperUp\\${code}.${rng.pick(exts)}`,
      minuteLocal: rng.int(120, 330),
      sizeBytes: rng.int(20_000, 4_000_000),
    });
  }
  return out;
}

/** Builds the profile for a seed; options pin what a scenario or a size target needs. */
export function makeProfile(opts: ProfileOptions): ClientProfile {
  const seed = opts.seed >>> 0;
  const rng = new Rng(seed, 'profile');
  const epochMs = opts.epochMs ?? Date.UTC(2024, 0, 1);
  const seats = opts.seats ?? rng.pick([3, 5, 5, 10, 10, 10, 13, 15, 20, 20, 25, 30, 50]);
  const userCount = opts.users ?? Math.max(2, Math.round(seats * (1.2 + rng.next() * 1.3)));
  const form = rng.pick(LEGAL_FORMS);
  const legalName = `${form} «${rng.pick(COMPANY_WORDS)}» (${rng.pick(CITIES)})`;
  const catalogPaths = opts.catalogs ?? ['/docs', ...(rng.chance(0.3) ? ['/kodeks02'] : [])];
  const pkVersion = opts.pkVersion ?? rng.pick(PK_VERSIONS);
  const short = /^\d+(?:\.\d+)+/.exec(pkVersion)?.[0] ?? '6.4';
  const hasSysmon =
    short
      .split('.')
      .map(Number)
      .reduce((a, b) => a * 1000 + b, 0) >= 6_004_005_127;
  const catalogs: SimCatalog[] = catalogPaths.map((p, i) => ({
    path: p,
    title: i === 0 ? 'Техэксперт' : `Кодекс ${p.slice(1)}`,
    dbs: i === 0 ? 'kodeks6.dbs' : `${p.slice(1)}.dbs`,
  }));
  if (hasSysmon && !catalogs.some((c) => c.path === '/sysmon')) {
    catalogs.push({ path: '/sysmon', title: 'Мониторинг системы (sysmon)', dbs: 'plugins.dbs' });
  }
  const productCount = rng.int(3, 6);
  const renew = rng.int(0, 364);
  const licences: SimLicence[] = PRODUCTS.slice(0, productCount).map(([product, name, db], i) => ({
    product,
    name,
    db,
    renewDayOfYear: i === 0 ? renew : (renew + rng.int(0, 40)) % 365,
    fixedEndDay: opts.licenceEndDay ?? null,
  }));
  const regnum = `${rng.int(100, 999)}_${rng.int(100000, 999999)}`;
  return {
    kind: 'kodeks-profile',
    seed,
    shortName: opts.shortName ?? `client${seed.toString(36)}`,
    legalName,
    regnum,
    utcOffsetMin: opts.utcOffsetMin ?? rng.weighted(UTC_OFFSETS),
    seats,
    catalogs,
    pkVersion,
    sysinfoVersion: rng.pick(SYSINFO_VERSIONS),
    kassistVersion: rng.chance(0.7) ? rng.pick(KASSIST_VERSIONS) : null,
    sysmonVersion: hasSysmon ? `1.0.${rng.int(1, 6)}` : null,
    hostName: `SRV-KODEKS-${rng.int(1, 99)}`,
    os: rng.pick(['Windows Server 2019', 'Windows Server 2022', 'Windows Server 2016', 'Astra Linux 1.7']),
    smartloginPassword: opts.smartloginPassword ?? `sl-${hash32(seed, 'smartlogin').toString(36)}`,
    adminPassword: `adm-${hash32(seed, 'admin').toString(36)}`,
    senselockKey: `${rng.int(1000, 9999)}-${rng.int(1000, 9999)}`,
    users: makeUsers(seed, userCount, epochMs, rng),
    volumes: makeVolumes(seed, catalogs, rng),
    operups: makeOperups(rng),
    licences,
    restartMinuteLocal: rng.int(90, 240),
    searchLogHours: opts.searchLogHours ?? 48,
    searchScale: opts.searchScale ?? 1,
    eventLogDays: opts.eventLogDays ?? 14,
    encoding: opts.encoding ?? 'utf-8',
    ...(opts.episode ? { episode: opts.episode } : {}),
  };
}

export function isClientProfile(v: unknown): v is ClientProfile {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'kodeks-profile';
}
