import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, alertDef, requireAlertDef } from '../catalogue.js';
import type { CheckFact, Condition, InstallationFacts, ParamsOf } from '../types.js';
import { RULE_NAMES } from './index.js';
import { evaluateInstallation } from './installation.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Monday 2026-04-20 10:00 UTC = 15:00 local at UTC+5: the 20th, a working day. */
const NOW = Date.UTC(2026, 3, 20, 10, 0);
const OFF = 300;
/** A local wall time at UTC+5 as UTC ms. */
const local = (y: number, m: number, d: number, h = 0, mi = 0): number =>
  Date.UTC(y, m - 1, d, h, mi) - OFF * MIN;

const defaults: ParamsOf = (name) => ({ ...(requireAlertDef(name).params ?? {}) });
const withParams =
  (over: Record<string, Record<string, number>>): ParamsOf =>
  (name) => ({ ...defaults(name), ...over[name] });

const PROBES = [
  'icmp',
  'tcp',
  'http200',
  'auth',
  'warning',
  'key',
  'limit',
  'proxy',
  'licman_icmp',
  'licman_tcp',
];
const STATES = ['maintenance', 'needs_service', 'server_not_working', 'key_not_found', 'licences_exhausted'];

function check(name: string, outcome: CheckFact['outcome'] = 'ok', over: Partial<CheckFact> = {}): CheckFact {
  return { check: name, outcome, code: null, detail: null, since: NOW - 30 * DAY, ...over };
}

type State = NonNullable<InstallationFacts['state']>;

function healthy(over: Partial<InstallationFacts> = {}, state: Partial<State> = {}): InstallationFacts {
  return {
    kind: 'installation',
    id: 7,
    dealerId: 1,
    dealerCode: 'd01',
    clientId: 3,
    clientName: 'Ромашка',
    unitId: null,
    host: 'kodeks.romashka.ru',
    collection: 'polled',
    collectIntervalS: 3600,
    utcOffsetMin: OFF,
    createdAt: NOW - 400 * DAY,
    probeEnabled: true,
    state: {
      reportAt: NOW - 20 * MIN,
      legalName: 'ООО «Ромашка»',
      regnum: '123_456789',
      seats: 10,
      licencesInUse: 4,
      senselockStatus: 'ok',
      senselockCode: null,
      senselockMessage: null,
      ...state,
    },
    licences: [
      { product: '100001', name: 'Кодекс: Законодательство', db: 'kodeks6', expiresAt: NOW + 200 * DAY },
      { product: '200001', name: 'Техэксперт: Нормы', db: 'tech6', expiresAt: NOW + 150 * DAY },
    ],
    volumes: [
      { name: 'kodeks6_00012', path: 'D:\\Kodeks\\Db\\kodeks6\\kodeks6_00012.vol', catalog: '/docs' },
      { name: 'kodeks6_00013', path: 'D:\\Kodeks\\Db\\kodeks6\\kodeks6_00013.vol', catalog: '/docs' },
      { name: 'tech6_00001', path: 'D:\\Kodeks\\Db\\tech6\\tech6_00001.vol', catalog: '/docs' },
    ],
    volumeErrors: [],
    operups: [
      { path: 'C:\\Kodeks\\OperUp\\1234ABC.ud6', modifiedAt: NOW - 10 * HOUR },
      { path: 'C:\\Kodeks\\OperUp\\5678XYZ.ud6', modifiedAt: NOW - 34 * HOUR },
    ],
    channels: [
      {
        channel: 'sysinfo',
        lastReceivedAt: NOW - 20 * MIN,
        lastDataAt: NOW - 20 * MIN,
        lastErrorAt: null,
        lastErrorReason: null,
        consecutiveFailures: 0,
      },
      {
        channel: 'status',
        lastReceivedAt: NOW - 5 * MIN,
        lastDataAt: NOW - 5 * MIN,
        lastErrorAt: null,
        lastErrorReason: null,
        consecutiveFailures: 0,
      },
    ],
    checks: [...PROBES.map((c) => check(c)), ...STATES.map((s) => check(`state:${s}`))],
    statusMetrics: { at: NOW - 5 * MIN, senselockKeyOk: 1, sppUp: 1, maintenance: 0, needsService: 0 },
    usage: {
      month: '2026-04',
      activityPoints: 400,
      usersWithRequests: 8,
      // 2026-04-20 is NOW's local day (Moscow); 250 requests over the last week, 1000 three weeks ago.
      requestsByDay: [
        { day: '2026-03-30', requests: 1000 },
        { day: '2026-04-15', requests: 200 },
        { day: '2026-04-20', requests: 50 },
      ],
    },
    newUsers: [],
    searches: [],
    refusedLogons: [],
    ...over,
  };
}

/** Replaces checks by name (the rest stay ok). */
function withChecks(f: InstallationFacts, ...changed: CheckFact[]): InstallationFacts {
  const names = new Set(changed.map((c) => c.check));
  return { ...f, checks: [...f.checks.filter((c) => !names.has(c.check)), ...changed] };
}

/** Every name produced by any test of this file, for the coverage test at the end. */
const produced = new Set<string>();

function run(f: InstallationFacts, now = NOW, params: ParamsOf = defaults): Condition[] {
  const out = evaluateInstallation(f, now, params);
  for (const c of out) {
    expect(alertDef(c.name)?.name, `${c.name} is a primary catalogue name`).toBe(c.name);
    expect(RULE_NAMES.has(c.name), `${c.name} is in RULE_NAMES`).toBe(true);
    produced.add(c.name);
  }
  return out;
}

const named = (out: Condition[], name: string): Condition[] => out.filter((c) => c.name === name);
const one = (out: Condition[], name: string): Condition => {
  const hits = named(out, name);
  expect(hits, `exactly one ${name} in ${JSON.stringify(out.map((c) => c.name))}`).toHaveLength(1);
  return hits[0]!;
};

describe('a healthy installation', () => {
  it('raises nothing', () => {
    expect(run(healthy())).toEqual([]);
  });

  it('raises nothing as an agent installation either', () => {
    expect(run(healthy({ collection: 'agent' }))).toEqual([]);
  });
});

describe('probe checks', () => {
  const cases = [
    ['icmp', 'KodeksIcmp'],
    ['tcp', 'KodeksTcpStatus'],
    ['http200', 'KodeksHttp200Status'],
    ['auth', 'KodeksAuthNotWork'],
    ['warning', 'KodeksWarning'],
    ['key', 'KodeksOnlineSensLockCheck'],
    ['proxy', 'KodeksBehindProxyDown'],
    ['licman_icmp', 'LicmanIcmp'],
    ['licman_tcp', 'LicmanTcpStatus'],
  ] as const;

  it.each(cases)('%s failed → %s, with its since and code', (name, alert) => {
    const since = NOW - 7 * MIN;
    const out = run(
      withChecks(
        healthy(),
        check(name, 'failed', { since, code: 'ECONNREFUSED', detail: 'connect refused' }),
      ),
    );
    expect(out).toHaveLength(1);
    const c = one(out, alert);
    expect(c).toMatchObject({ since });
    expect(c.key).toBeUndefined();
    expect(c.text).toContain('ECONNREFUSED');
    expect(c.text).toContain('connect refused');
  });

  it.each(cases)('%s unknown or suppressed raises nothing', (name) => {
    expect(run(withChecks(healthy(), check(name, 'unknown', { code: 'no smartlogin' })))).toEqual([]);
    expect(run(withChecks(healthy(), check(name, 'suppressed')))).toEqual([]);
  });
});

describe('maintenance and service states', () => {
  it('a maintenance state raises KodeksMaintenance from its start', () => {
    const since = NOW - HOUR;
    const c = one(
      run(withChecks(healthy(), check('state:maintenance', 'failed', { since, code: '503' }))),
      'KodeksMaintenance',
    );
    expect(c.since).toBe(since);
    expect(c.text).toContain('20.04.2026 14:00');
  });

  it('kserver_maintenance 1 raises it without a known start', () => {
    const out = run(healthy({ statusMetrics: { ...healthy().statusMetrics, maintenance: 1 } }));
    expect(one(out, 'KodeksMaintenance').since).toBeUndefined();
    expect(named(out, 'KodeksMaintenanceToLong')).toEqual([]);
  });

  it('KodeksMaintenanceToLong after more than maxHours, not at exactly maxHours', () => {
    const at3h = run(withChecks(healthy(), check('state:maintenance', 'failed', { since: NOW - 3 * HOUR })));
    expect(named(at3h, 'KodeksMaintenanceToLong')).toEqual([]);
    const start = NOW - 3 * HOUR - 30 * MIN;
    const c = one(
      run(withChecks(healthy(), check('state:maintenance', 'failed', { since: start }))),
      'KodeksMaintenanceToLong',
    );
    expect(c.value).toBe(3.5);
    expect(c.since).toBe(start + 3 * HOUR);
    const custom = run(
      withChecks(healthy(), check('state:maintenance', 'failed', { since: NOW - 90 * MIN })),
      NOW,
      withParams({ KodeksMaintenanceToLong: { maxHours: 1 } }),
    );
    expect(one(custom, 'KodeksMaintenanceToLong').value).toBe(1.5);
  });

  it('needs_service state or metric raises KodeksNeedSupport', () => {
    const since = NOW - 10 * MIN;
    expect(
      one(run(withChecks(healthy(), check('state:needs_service', 'failed', { since }))), 'KodeksNeedSupport')
        .since,
    ).toBe(since);
    one(
      run(healthy({ statusMetrics: { ...healthy().statusMetrics, needsService: 1 } })),
      'KodeksNeedSupport',
    );
  });

  it('other abnormal states raise nothing by themselves', () => {
    const f = withChecks(
      healthy(),
      check('state:server_not_working', 'failed'),
      check('state:key_not_found', 'failed'),
    );
    expect(run(f)).toEqual([]);
  });
});

describe('KodeksLimitsUsers', () => {
  it('fires on a failed limit check', () => {
    const c = one(
      run(withChecks(healthy(), check('limit', 'failed', { since: NOW - MIN }))),
      'KodeksLimitsUsers',
    );
    expect(c.text).toContain('Кончились лицензии');
    expect(c.since).toBe(NOW - MIN);
  });

  it('fires when sysinfo licences in use reach the seats, not one below', () => {
    expect(one(run(healthy({}, { seats: 10, licencesInUse: 10 })), 'KodeksLimitsUsers').value).toBe(10);
    expect(run(healthy({}, { seats: 10, licencesInUse: 9 }))).toEqual([]);
    expect(run(healthy({}, { seats: 0, licencesInUse: 0 }))).toEqual([]);
    expect(run(healthy({}, { seats: null, licencesInUse: 3 }))).toEqual([]);
  });
});

describe('SenseLock and SPP', () => {
  it('KodeksXmlSensLockStatus on a status other than ok, with the code and message', () => {
    const c = one(
      run(
        healthy({}, { senselockStatus: 'not_found', senselockCode: 4111, senselockMessage: 'Not connected' }),
      ),
      'KodeksXmlSensLockStatus',
    );
    expect(c.text).toContain('not_found');
    expect(c.text).toContain('4111');
    expect(c.text).toContain('Not connected');
  });

  it('KodeksXmlSensLockStatus when the report has no SenseLock status', () => {
    expect(one(run(healthy({}, { senselockStatus: null })), 'KodeksXmlSensLockStatus').text).toContain(
      'нет статуса',
    );
  });

  it('no KodeksXmlSensLockStatus without a report', () => {
    expect(run(healthy({}, { reportAt: null, senselockStatus: null }))).toEqual([]);
    const noState = run(healthy({ state: null }));
    expect(named(noState, 'KodeksXmlSensLockStatus')).toEqual([]);
  });

  it('KodeksOfflineSensLockCheck and KodeksSppStatus on metrics 0, not on null', () => {
    const m = healthy().statusMetrics;
    expect(run(healthy({ statusMetrics: { ...m, senselockKeyOk: 0 } })).map((c) => c.name)).toEqual([
      'KodeksOfflineSensLockCheck',
    ]);
    expect(run(healthy({ statusMetrics: { ...m, sppUp: 0 } })).map((c) => c.name)).toEqual([
      'KodeksSppStatus',
    ]);
    expect(
      run(
        healthy({
          statusMetrics: {
            at: null,
            senselockKeyOk: null,
            sppUp: null,
            maintenance: null,
            needsService: null,
          },
        }),
      ),
    ).toEqual([]);
  });
});

describe('DB volume errors', () => {
  const err = (
    volume: string,
    code: number | null,
    text: string,
  ): InstallationFacts['volumeErrors'][number] => ({
    volume,
    path: `D:\\Kodeks\\Db\\kodeks6\\${volume}.vol`,
    catalog: '/docs',
    code,
    text,
  });

  it('one instance per class, valued by the number of distinct volumes', () => {
    const out = run(
      healthy({
        volumeErrors: [
          err('kodeks6_00003', 2007, 'Ошибка защиты (2007) -Нет прав на использование данной копии БД'),
          err('kodeks6_00004', 4103, 'Ошибка защиты (4103)'),
          err('kodeks6_00004', 2007, 'Ошибка защиты (2007) -Нет прав на использование данной копии БД'),
          err('kodeks6_00005', 2020, 'Ошибка защиты (2020) - Лицензия …'),
          err('kodeks6_00005', 601, 'Ошибка в структуре базы данных kodeks6_00005 (601)'),
          err('kodeks6_00006', null, 'Непонятная ошибка тома'),
          err('kodeks6_00007', 603, 'Запись не найдена (603)'),
          err('kodeks6_00008', null, 'Том базы данных уже подключен'),
        ],
      }),
    );
    expect(out.map((c) => c.name).sort()).toEqual([
      'KodeksDBerrorsCode2007',
      'KodeksDBerrorsCodeXXX',
      'KodeksDBerrorsNoCode',
    ]);
    const c2007 = one(out, 'KodeksDBerrorsCode2007');
    expect(c2007).toMatchObject({ value: 2, labels: { codes: '2007' } });
    expect(c2007.key).toBeUndefined();
    expect(c2007.text).toContain(
      'Том kodeks6_00003 (D:\\Kodeks\\Db\\kodeks6\\kodeks6_00003.vol): ошибка 2007 — нет прав на использование БД',
    );
    expect(c2007.text).toContain('ошибка 2007 (4103)');
    expect(one(out, 'KodeksDBerrorsCodeXXX')).toMatchObject({ value: 1, labels: { codes: '601,2020' } });
    const noCode = one(out, 'KodeksDBerrorsNoCode');
    expect(noCode.value).toBe(1);
    expect(noCode.labels).toBeUndefined();
    expect(noCode.text).toContain('Непонятная ошибка тома');
  });

  it('informational errors alone raise nothing', () => {
    const f = healthy({
      volumeErrors: [
        err('kodeks6_00007', 610, 'Объект заблокирован (610)'),
        err('kodeks6_00008', null, 'Том базы данных уже подключен'),
        err('kodeks6_00009', 793, 'Пакет уже был добавлен, пропущен'),
      ],
    });
    expect(run(f)).toEqual([]);
  });

  it('keeps the text bounded when many volumes fail', () => {
    const many = Array.from({ length: 120 }, (_, i) =>
      err(
        `kodeks6_${String(i).padStart(5, '0')}`,
        2007,
        'Ошибка защиты (2007) -Нет прав на использование данной копии БД',
      ),
    );
    const c = one(run(healthy({ volumeErrors: many })), 'KodeksDBerrorsCode2007');
    expect(c.value).toBe(120);
    expect(c.text.length).toBeLessThan(700);
    expect(c.text).toMatch(/и ещё \d+$/);
  });
});

describe('KodeksDBOperUpToOld', () => {
  const ops = (newestAgeMs: number): InstallationFacts['operups'] => [
    { path: 'C:\\Kodeks\\OperUp\\old.ud6', modifiedAt: NOW - newestAgeMs - 5 * DAY },
    { path: 'C:\\Kodeks\\OperUp\\newest.ud6', modifiedAt: NOW - newestAgeMs },
    { path: 'C:\\Kodeks\\OperUp\\unknown.ud6', modifiedAt: null },
  ];

  it('fires when the newest file is older than maxAgeDays, naming it', () => {
    const c = one(run(healthy({ operups: ops(3 * DAY + 6 * HOUR) })), 'KodeksDBOperUpToOld');
    expect(c).toMatchObject({ value: 3.3, filename: 'C:\\Kodeks\\OperUp\\newest.ud6' });
    expect(c.text).toContain('newest.ud6');
  });

  it('does not fire at exactly maxAgeDays, nor without dates', () => {
    expect(run(healthy({ operups: ops(3 * DAY) }))).toEqual([]);
    expect(run(healthy({ operups: [{ path: 'x', modifiedAt: null }] }))).toEqual([]);
    expect(run(healthy({ operups: [] }))).toEqual([]);
  });

  it('follows an overridden maxAgeDays', () => {
    const out = run(
      healthy({ operups: ops(2 * DAY) }),
      NOW,
      withParams({ KodeksDBOperUpToOld: { maxAgeDays: 1 } }),
    );
    expect(one(out, 'KodeksDBOperUpToOld').value).toBe(2);
  });
});

describe('KodeksDBLicensesZero', () => {
  it('fires when the report lists volumes but no licences', () => {
    const c = one(run(healthy({ licences: [] })), 'KodeksDBLicensesZero');
    expect(c).toMatchObject({ value: 2, labels: { db: 'kodeks6,tech6' } });
    expect(c.text).toContain('kodeks6 (томов: 2)');
  });

  it('fires for the DB of a volume no licence covers', () => {
    const f = healthy();
    const out = run({
      ...f,
      volumes: [
        ...f.volumes,
        {
          name: 'kodeks02_00001',
          path: 'D:\\Kodeks\\Db\\kodeks02\\kodeks02_00001.vol',
          catalog: '/kodeks02',
        },
      ],
    });
    expect(one(out, 'KodeksDBLicensesZero')).toMatchObject({ value: 1, labels: { db: 'kodeks02' } });
  });

  it('matches a licence by the volume folder too, case-insensitively', () => {
    const f = healthy();
    const out = run({
      ...f,
      licences: f.licences.map((l) => ({ ...l, db: l.db?.toUpperCase() ?? null })),
      volumes: [{ name: 'vol7', path: 'E:\\Data\\KODEKS6\\vol7.vol', catalog: '/docs' }],
    });
    expect(out).toEqual([]);
  });

  it('never fires without a sysinfo state, without volumes, or when no licence names a DB', () => {
    expect(named(run(healthy({ state: null, licences: [] })), 'KodeksDBLicensesZero')).toEqual([]);
    expect(run(healthy({ licences: [], volumes: [] }))).toEqual([]);
    const f = healthy();
    expect(run({ ...f, licences: f.licences.map((l) => ({ ...l, db: null })) })).toEqual([]);
  });
});

describe('licence expiry bands', () => {
  const expiring = (expiresAt: number): InstallationFacts =>
    healthy({
      licences: [
        { product: '100001', name: 'Кодекс: Законодательство', db: 'kodeks6', expiresAt },
        { product: '200001', name: 'Техэксперт: Нормы', db: 'tech6', expiresAt: NOW + 300 * DAY },
        { product: '300005', name: 'Без срока', db: 'kodeks6', expiresAt: null },
      ],
    });
  const bands = (out: Condition[]): string[] =>
    out.filter((c) => c.name.startsWith('KodeksLicenseExpiring')).map((c) => c.name);

  it.each([
    [-5 * DAY, 'KodeksLicenseExpiring2day'],
    [0, 'KodeksLicenseExpiring2day'],
    [2 * DAY, 'KodeksLicenseExpiring2day'],
    [2 * DAY + 1, 'KodeksLicenseExpiring7day'],
    [7 * DAY, 'KodeksLicenseExpiring7day'],
    [7 * DAY + 1, 'KodeksLicenseExpiring90day'],
    [90 * DAY, 'KodeksLicenseExpiring90day'],
  ])('%d ms before expiry → %s only', (left, name) => {
    const out = run(expiring(NOW + left));
    expect(bands(out)).toEqual([name]);
    expect(one(out, name).value).toBe(Math.round((left / DAY) * 10) / 10);
  });

  it('nothing more than 90 days ahead', () => {
    expect(run(expiring(NOW + 90 * DAY + 1))).toEqual([]);
  });

  it('names the licence and its last valid local day', () => {
    // Valid through 22.04.2026 local: it stops at the next local midnight.
    const c = one(run(expiring(local(2026, 4, 23))), 'KodeksLicenseExpiring7day');
    expect(c.text).toContain('Кодекс: Законодательство');
    expect(c.text).toContain('по 22.04.2026');
    expect(c.value).toBe(2.4);
    expect(one(run(expiring(local(2026, 4, 15))), 'KodeksLicenseExpiring2day').text).toContain(
      'истекла 14.04.2026',
    );
  });

  it('at most one band, and one whenever the earliest expiry is within 90 days (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: -100 * DAY, max: 200 * DAY }), { nil: null }), { maxLength: 6 }),
        (lefts) => {
          const f = healthy({
            licences: lefts.map((l, i) => ({
              product: String(i),
              name: `L${i}`,
              db: 'kodeks6',
              expiresAt: l === null ? null : NOW + l,
            })),
          });
          const got = bands(evaluateInstallation(f, NOW, defaults));
          const earliest = Math.min(...lefts.filter((l): l is number => l !== null));
          expect(got.length).toBe(earliest <= 90 * DAY ? 1 : 0);
        },
      ),
    );
  });
});

describe('KodeksUnsupportedButUsed', () => {
  const expired = (over: Partial<InstallationFacts> = {}): InstallationFacts =>
    healthy({
      licences: [
        { product: '1', name: 'A', db: 'kodeks6', expiresAt: NOW - 40 * DAY },
        { product: '2', name: 'B', db: 'tech6', expiresAt: NOW - 100 * DAY },
      ],
      ...over,
    });

  it('fires when every licence expired and the DBs are still used', () => {
    const c = one(run(expired()), 'KodeksUnsupportedButUsed');
    expect(c.value).toBe(250);
    expect(c.text).toContain('11.03.2026');
    expect(c.text).toContain('за последние 7 дн. к БД обращались 250 раз');
  });

  it('counts the requests of its own windowDays (capped at the month the facts keep)', () => {
    const within = (windowDays: number) =>
      run(expired(), NOW, (name) =>
        name === 'KodeksUnsupportedButUsed' ? { ...defaults(name), windowDays } : defaults(name),
      );
    expect(one(within(30), 'KodeksUnsupportedButUsed').value).toBe(1250);
    expect(one(within(60), 'KodeksUnsupportedButUsed').text).toContain('за последние 31 дн.');
    expect(one(within(3), 'KodeksUnsupportedButUsed').value).toBe(50);
    const old = expired({
      usage: { ...expired().usage, requestsByDay: [{ day: '2026-03-30', requests: 9 }] },
    });
    expect(named(run(old), 'KodeksUnsupportedButUsed')).toEqual([]);
  });

  it('does not fire when one licence is valid, one has no date, or nobody used the DBs', () => {
    const f = expired();
    const valid = [...f.licences, { product: '3', name: 'C', db: 'kodeks6', expiresAt: NOW + 400 * DAY }];
    expect(named(run({ ...f, licences: valid }), 'KodeksUnsupportedButUsed')).toEqual([]);
    const undated = [...f.licences, { product: '3', name: 'C', db: 'kodeks6', expiresAt: null }];
    expect(named(run({ ...f, licences: undated }), 'KodeksUnsupportedButUsed')).toEqual([]);
    expect(
      named(run(expired({ usage: { ...f.usage, requestsByDay: [] } })), 'KodeksUnsupportedButUsed'),
    ).toEqual([]);
    expect(named(run(healthy({ licences: [], volumes: [] })), 'KodeksUnsupportedButUsed')).toEqual([]);
  });
});

describe('users', () => {
  it('KodeksDetectOverUserError counts refusals within the window, listing logins once', () => {
    const c = one(
      run(
        healthy({
          refusedLogons: [
            { login: 'ivanov_i', at: NOW - 10 * MIN },
            { login: 'petrova_a', at: NOW - 20 * MIN },
            { login: 'ivanov_i', at: NOW - HOUR },
            { login: 'sidorov_s', at: NOW - HOUR - 1 },
          ],
        }),
      ),
      'KodeksDetectOverUserError',
    );
    expect(c.value).toBe(3);
    expect(c.text).toContain('ivanov_i, petrova_a');
    expect(c.text).not.toContain('sidorov_s');
    expect(run(healthy({ refusedLogons: [{ login: 'x', at: NOW - HOUR - 1 }] }))).toEqual([]);
  });

  it('KodeksNewUser: one instance per user registered within the window', () => {
    const out = run(
      healthy({
        newUsers: [
          { login: 'ivanov_i', domain: 'Бухгалтерия', registeredAt: NOW - 2 * HOUR },
          { login: 'ivanov_i', domain: 'НеОпределён', registeredAt: NOW - 24 * HOUR },
          { login: 'old_user', domain: 'НеОпределён', registeredAt: NOW - 24 * HOUR - 1 },
        ],
      }),
    );
    expect(named(out, 'KodeksNewUser').map((c) => [c.key, c.labels])).toEqual([
      ['ivanov_i@Бухгалтерия', { user: 'ivanov_i', domain: 'Бухгалтерия' }],
      ['ivanov_i@НеОпределён', { user: 'ivanov_i', domain: 'НеОпределён' }],
    ]);
    expect(run(healthy({ newUsers: [{ login: 'a', domain: 'b', registeredAt: NOW - 25 * HOUR }] }))).toEqual(
      [],
    );
  });
});

describe('searches', () => {
  type Search = InstallationFacts['searches'][number];
  const search = (over: Partial<Search>): Search => ({
    at: NOW - HOUR,
    login: 'ivanov_i',
    query: 'ГОСТ 12345',
    catalog: '/docs',
    type: 'intelligent',
    status: 'empty',
    ...over,
  });

  it('KodeksSearchIsEmpty: one instance per user and query, counting repeats', () => {
    const out = run(
      healthy({
        searches: [
          search({ at: NOW - 1 * HOUR }),
          search({ at: NOW - 2 * HOUR, query: '  гост   12345 ' }),
          search({ login: 'petrova_a', query: 'СНиП 2.01', catalog: null }),
          search({ query: 'старый запрос', at: NOW - 24 * HOUR - 1 }),
          search({ query: 'ошибка', status: 'error', at: NOW - 3 * HOUR }),
        ],
      }),
    );
    const empty = named(out, 'KodeksSearchIsEmpty');
    expect(empty.map((c) => [c.key, c.labels, c.value])).toEqual([
      ['ivanov_i|гост 12345', { user: 'ivanov_i', query: 'ГОСТ 12345', catalog: '/docs' }, 2],
      ['petrova_a|снип 2.01', { user: 'petrova_a', query: 'СНиП 2.01' }, 1],
    ]);
    expect(empty[0]!.text).toContain('«ГОСТ 12345»');
    expect(named(out, 'KodeksSearchError')).toEqual([]);
  });

  it('KodeksSearchIsEmpty keeps the 50 newest queries', () => {
    const searches = Array.from({ length: 60 }, (_, i) => search({ query: `q${i}`, at: NOW - i * MIN }));
    const keys = named(run(healthy({ searches })), 'KodeksSearchIsEmpty').map((c) => c.key);
    expect(keys).toHaveLength(50);
    expect(keys).toContain('ivanov_i|q0');
    expect(keys).toContain('ivanov_i|q49');
    expect(keys).not.toContain('ivanov_i|q50');
  });

  it('KodeksSearchError: one instance counting errors within the window', () => {
    const out = run(
      healthy({
        searches: [
          search({ status: 'error', at: NOW - 10 * MIN, query: 'охрана труда' }),
          search({ status: 'error', at: NOW - 2 * HOUR }),
          search({ status: 'error', at: NOW - 2 * HOUR - 1 }),
        ],
      }),
    );
    const c = one(out, 'KodeksSearchError');
    expect(c.value).toBe(2);
    expect(c.key).toBeUndefined();
    expect(c.text).toContain('охрана труда');
    expect(named(out, 'KodeksSearchIsEmpty')).toEqual([]);
  });
});

describe('monthly usage (installation zone UTC+5)', () => {
  const low = (over: Partial<InstallationFacts['usage']>): InstallationFacts =>
    healthy({ usage: { ...healthy().usage, ...over } });

  it('KodeksUserActivityIsLow from the 20th: below minPoints fires, minPoints does not', () => {
    expect(one(run(low({ activityPoints: 19 })), 'KodeksUserActivityIsLow').value).toBe(19);
    expect(run(low({ activityPoints: 20 }))).toEqual([]);
  });

  it('the 20th begins at local midnight, not UTC midnight', () => {
    const f = low({ activityPoints: 0 });
    expect(run(f, local(2026, 4, 19, 23, 59))).toEqual([]);
    expect(one(run(f, local(2026, 4, 20, 0, 0)), 'KodeksUserActivityIsLow').value).toBe(0);
    // 19:30 UTC on the 19th is already the 20th at UTC+5.
    expect(named(run(f, Date.UTC(2026, 3, 19, 19, 30)), 'KodeksUserActivityIsLow')).toHaveLength(1);
  });

  it('only this local month counts; a new local month starts at local midnight', () => {
    expect(run(low({ activityPoints: 0, month: '2026-03' }))).toEqual([]);
    // 19:30 UTC on 30 April is 1 May at UTC+5: April usage is no longer judged.
    const activity = (out: Condition[]): Condition[] => named(out, 'KodeksUserActivityIsLow');
    expect(activity(run(low({ activityPoints: 0 }), Date.UTC(2026, 3, 30, 19, 30)))).toEqual([]);
    expect(activity(run(low({ activityPoints: 0 }), Date.UTC(2026, 3, 30, 18, 59)))).toHaveLength(1);
  });

  it('KodeksUserAInvolvementIsLow: users with requests per 100 seats below minPercent', () => {
    const c = one(run(low({ usersWithRequests: 5 })), 'KodeksUserAInvolvementIsLow');
    expect(c.value).toBe(50);
    expect(run(low({ usersWithRequests: 6 }))).toEqual([]);
    expect(run(healthy({ usage: { ...healthy().usage, usersWithRequests: 0 } }, { seats: 0 }))).toEqual([]);
    expect(run(healthy({ usage: { ...healthy().usage, usersWithRequests: 0 } }, { seats: null }))).toEqual(
      [],
    );
    // More users than seats is above any threshold, not an error.
    expect(run(healthy({}, { seats: 3, licencesInUse: 2 }))).toEqual([]);
  });

  it('nothing before fromDay, nothing without a report', () => {
    const f = low({ activityPoints: 0, usersWithRequests: 0 });
    expect(run(f, local(2026, 4, 19, 12))).toEqual([]);
    expect(run({ ...f, state: null })).toEqual([]);
    const early = run(f, local(2026, 4, 10, 12), withParams({ KodeksUserActivityIsLow: { fromDay: 10 } }));
    expect(early.map((c) => c.name)).toEqual(['KodeksUserActivityIsLow']);
  });
});

describe('collection staleness', () => {
  type Channel = InstallationFacts['channels'][number];
  const chan = (channel: Channel['channel'], over: Partial<Channel>): Channel => ({
    channel,
    lastReceivedAt: NOW - MIN,
    lastDataAt: NOW - MIN,
    lastErrorAt: null,
    lastErrorReason: null,
    consecutiveFailures: 0,
    ...over,
  });

  it('SmartXMLfileIsToOld per channel after more than missedIntervals intervals', () => {
    const f = (sysAge: number, statusAge: number, over: Partial<InstallationFacts> = {}): InstallationFacts =>
      healthy({
        channels: [
          chan('sysinfo', { lastDataAt: NOW - sysAge, lastErrorReason: 'malformed_xml' }),
          chan('status', { lastDataAt: NOW - statusAge }),
        ],
        ...over,
      });
    expect(run(f(3 * HOUR, 45 * MIN))).toEqual([]);
    const out = run(f(3 * HOUR + 1, 45 * MIN + 1));
    expect(named(out, 'SmartXMLfileIsToOld').map((c) => [c.key, c.labels])).toEqual([
      ['sysinfo', { channel: 'sysinfo' }],
      ['status', { channel: 'status' }],
    ]);
    expect(one(run(f(5 * HOUR, 0)), 'SmartXMLfileIsToOld')).toMatchObject({ key: 'sysinfo', value: 5 });
    expect(one(run(f(5 * HOUR, 0)), 'SmartXMLfileIsToOld').text).toContain('malformed_xml');
    // A daily collection interval stretches the threshold.
    expect(run(f(2 * DAY, 0, { collectIntervalS: 86_400 }))).toEqual([]);
    expect(run(f(10 * DAY, 10 * DAY, { collection: 'closed' }))).toEqual([]);
    expect(named(run(f(5 * HOUR, 0, { collection: 'agent' })), 'SmartXMLfileIsToOld')).toHaveLength(1);
  });

  it('a registered installation that never reported is missing its sysinfo (L1)', () => {
    const never = (createdAgo: number): InstallationFacts =>
      healthy({ createdAt: NOW - createdAgo, channels: [], state: null, operups: [] });
    expect(run(never(2 * HOUR))).toEqual([]);
    const c = one(run(never(4 * HOUR)), 'SmartXMLfileIsToOld');
    expect(c).toMatchObject({ key: 'sysinfo', labels: { channel: 'sysinfo' } });
    expect(c.text).toContain('с регистрации');
  });

  it('a status channel that never received anything is not judged; one that did is', () => {
    const sys = chan('sysinfo', {});
    expect(
      run(healthy({ channels: [sys, chan('status', { lastReceivedAt: null, lastDataAt: null })] })),
    ).toEqual([]);
    const failing = chan('status', {
      lastReceivedAt: NOW - MIN,
      lastDataAt: null,
      lastErrorReason: 'bad date line',
    });
    expect(one(run(healthy({ channels: [sys, failing] })), 'SmartXMLfileIsToOld').key).toBe('status');
  });

  it('SmartAgentSilent for an agent channel silent more than missedIntervals intervals', () => {
    const agent = (sysAge: number, statusAge: number | null): InstallationFacts =>
      healthy({
        collection: 'agent',
        channels: [
          chan('sysinfo', { lastReceivedAt: NOW - sysAge, lastDataAt: NOW - MIN }),
          chan('status', {
            lastReceivedAt: statusAge === null ? null : NOW - statusAge,
            lastDataAt: statusAge === null ? null : NOW - MIN,
          }),
        ],
      });
    expect(run(agent(2 * HOUR, 30 * MIN))).toEqual([]);
    const out = run(agent(2 * HOUR + 1, 30 * MIN + 1));
    expect(named(out, 'SmartAgentSilent').map((c) => [c.key, c.labels])).toEqual([
      ['sysinfo', { channel: 'sysinfo' }],
      ['status', { channel: 'status' }],
    ]);
    expect(run(agent(5 * HOUR, null))).toHaveLength(1);
    // Polled installations have no agent.
    expect(named(run({ ...agent(5 * HOUR, 5 * HOUR), collection: 'polled' }), 'SmartAgentSilent')).toEqual(
      [],
    );
  });
});

describe('catalogue coverage', () => {
  it('every installation alert of the catalogue is produced by some case above', () => {
    const expected = CATALOGUE.filter(
      (d) => d.subjects.includes('installation') && !d.countOf && d.name !== 'SmartNotificationFailed',
    ).map((d) => d.name);
    expect(expected.length).toBeGreaterThan(30);
    expect(expected.filter((n) => !produced.has(n))).toEqual([]);
    expect(expected.filter((n) => !RULE_NAMES.has(n))).toEqual([]);
  });
});
