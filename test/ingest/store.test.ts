import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SNAPSHOT_SCHEMA_VERSION, type Snapshot } from '../../src/ingest/parse/snapshot.js';
import { storeSnapshot, storeStatus } from '../../src/ingest/store.js';
import { readSeries } from '../../src/metrics/series.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { buildDealerWorld, type DealerWorld } from '../helpers/tenants.js';

const H = 3600_000;
const T0 = Date.UTC(2026, 10, 2, 7, 0, 0);

function snapshot(at: number, over: Partial<Snapshot> = {}): Snapshot {
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    producedAt: at,
    utcOffsetMin: 180,
    source: {
      container: 'zip',
      entryName: 'sysinfo.xml',
      encoding: 'utf-8',
      xmlBytes: 1000,
      root: 'sysinfo',
      formatVersion: '1',
    },
    software: { pkVersion: '6.4.5.46 (x64)', pkVersionShort: '6.4.5.46', sysinfoVersion: '2.0.6.15' },
    host: { name: 'srv1', os: 'Windows', startedAt: at - 86_400_000 },
    client: { name: 'ООО Ромашка', regnum: '123456' },
    licensing: {
      seats: 10,
      inUse: 4,
      binding: null,
      senselock: { status: 'ok', code: null, message: null, keyNumber: 'K1' },
    },
    components: [{ type: 'ksrv', version: '6.4.5.46', full: '6.4.5.46 (x64)' }],
    licences: [
      {
        product: 'Кодекс',
        name: 'Кодекс: Законодательство',
        db: 'LAW',
        validFrom: null,
        validToDay: '2026-12-31',
        expiresAt: Date.UTC(2026, 11, 31, 21),
      },
    ],
    catalogs: [{ path: '/docs', title: 'Документы', dbs: 'kodeks6.dbs' }],
    volumes: [{ name: 'vol1', path: 'D:\\Kodeks\\vol1', catalog: '/docs', update: '2309' }],
    volumeErrors: [],
    operups: [{ path: 'D:\\Kodeks\\OperUp\\30725NKV.ud6', modifiedAt: at - 2 * H, sizeBytes: 1000 }],
    sessions: [
      {
        login: 'ivanov',
        logonAt: at - H,
        ip: '10.0.0.5',
        browser: 'Chrome',
        domain: 'OFFICE',
        holdsLicence: true,
      },
    ],
    users: [
      {
        login: 'ivanov',
        domain: 'OFFICE',
        registeredAt: null,
        lastActivityAt: at - H,
        fullname: 'Иванов И.',
        phone: null,
        email: null,
        position: null,
        department: null,
        blocked: false,
      },
    ],
    usage: [
      {
        login: 'ivanov',
        day: '2026-11-02',
        dbRequests: 5,
        docsCounted: 3,
        docsLicensed: 2,
        docsFree: 1,
        saved: 1,
        printed: 0,
        services: 0,
        kassistRequests: 1,
      },
    ],
    searches: [
      {
        at: at - H,
        login: 'ivanov',
        query: 'договор поставки',
        catalog: '/docs',
        type: 'intelligent',
        source: 'ksrv',
        status: 'success',
        durationMs: 120,
      },
    ],
    refusedLogons: [],
    kassistLinks: [],
    dropped: {},
    skipped: 0,
    warnings: [],
    ...over,
  } as Snapshot;
}

describe.each(DB_KINDS)('storing reports (%s)', (kind) => {
  let t: TestContext;
  let a: DealerWorld;
  beforeEach(async () => {
    t = await openTestContext(kind);
    a = await buildDealerWorld(t.ctx, 'deala');
  });
  afterEach(() => t.close());

  const target = (reportId: number) => ({
    reportId,
    dealerId: a.dealer.id,
    installationId: a.i1.id,
    receivedAt: T0,
  });

  it('stores state, events and samples; a re-run of the same report adds nothing', async () => {
    await storeSnapshot(t.ctx, target(1), snapshot(T0));
    await storeSnapshot(t.ctx, target(1), snapshot(T0));
    const state = await t.ctx.db.selectFrom('installation_state').selectAll().executeTakeFirstOrThrow();
    expect(state).toMatchObject({
      seats: 10,
      licences_in_use: 4,
      regnum: '123456',
      senselock_status: 'ok',
      report_at: T0,
    });
    expect(await t.ctx.db.selectFrom('search_log').selectAll().execute()).toHaveLength(1);
    expect(await t.ctx.db.selectFrom('installation_operups').selectAll().execute()).toHaveLength(1);
    const seats = await readSeries(t.ctx, a.i1.id, 'sysinfo_seats', T0 - H, T0 + H);
    expect(seats).toEqual([{ metric: 'sysinfo_seats', labels: {}, points: [[T0, 10]] }]);
    const age = await readSeries(t.ctx, a.i1.id, 'sysinfo_operup_age_seconds', 0, T0 + H);
    expect(age[0]?.points).toEqual([[T0, 7200]]);
  });

  it('a newer report replaces current state; a late older report does not roll it back', async () => {
    await storeSnapshot(t.ctx, target(1), snapshot(T0));
    const later = snapshot(T0 + H, {
      licensing: {
        seats: 10,
        inUse: 9,
        binding: null,
        senselock: { status: 'not_found', code: 4111, message: 'Ключ не найден', keyNumber: null },
      },
      volumeErrors: [
        { volume: 'vol1', path: null, catalog: '/docs', code: 1, text: 'Invalid protect string' },
      ],
      sessions: [],
      usage: [
        {
          login: 'ivanov',
          day: '2026-11-02',
          dbRequests: 9,
          docsCounted: 3,
          docsLicensed: 2,
          docsFree: 1,
          saved: 1,
          printed: 0,
          services: 0,
          kassistRequests: 1,
        },
      ],
    });
    await storeSnapshot(t.ctx, target(2), later);
    await storeSnapshot(t.ctx, target(3), snapshot(T0 - H)); // arrives late
    const state = await t.ctx.db.selectFrom('installation_state').selectAll().executeTakeFirstOrThrow();
    expect(state).toMatchObject({
      licences_in_use: 9,
      senselock_status: 'not_found',
      senselock_code: 4111,
      report_id: 2,
    });
    expect(
      await t.ctx.db.selectFrom('installation_volume_errors').select(['code', 'text']).execute(),
    ).toEqual([{ code: 1, text: 'Invalid protect string' }]);
    expect(await t.ctx.db.selectFrom('installation_sessions').selectAll().execute()).toEqual([]);
    const usage = await t.ctx.db.selectFrom('user_usage_daily').selectAll().executeTakeFirstOrThrow();
    expect(usage.db_requests).toBe(9);
    const inUse = await readSeries(t.ctx, a.i1.id, 'sysinfo_licences_in_use', 0, T0 + 2 * H);
    expect(inUse[0]?.points.map((p) => p[1])).toEqual([4, 4, 9]); // the late report still adds its sample
  });

  it('stores status metrics at the time of their date line', async () => {
    await storeStatus(t.ctx, target(5), {
      takenAt: T0,
      samples: [
        { name: 'kserver_main_page', labels: { service: 'kodweb', path: '/docs' }, value: 0 },
        { name: 'kserver_main_page', labels: { path: '/kodeks02', service: 'kodweb' }, value: 1 },
        { name: 'kserver_uptime_seconds', labels: {}, value: Number.NaN },
      ],
    });
    const s = await readSeries(t.ctx, a.i1.id, 'kserver_main_page', T0, T0 + 1);
    expect(s.map((x) => [x.labels.path, x.points[0]?.[1]])).toEqual([
      ['/docs', 0],
      ['/kodeks02', 1],
    ]);
    expect(await readSeries(t.ctx, a.i1.id, 'kserver_uptime_seconds', 0, T0 + 1)).toEqual([]);
  });
});
