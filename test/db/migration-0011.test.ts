/**
 * Migration 0011_refused_logons_daily on a database that already holds refused logons: the daily rows
 * are backfilled per local day of the installation (its own offset), the licence refusals told from the
 * others by their reason, the hours packed into the mask; the key rejects a duplicate, and deleting an
 * installation takes its rows.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, migrateDbTo, type MigrationTestDb } from '../helpers/db.js';

describe.each(DB_KINDS)('migration 0011 (%s)', (kind) => {
  let m: MigrationTestDb;

  beforeEach(async () => {
    m = await migrateDbTo(kind, '0010_online_search_daily');
  });
  afterEach(async () => {
    await m.close();
  });

  it('backfills refusals per local day and login, with the licence ones and the hours', async () => {
    const { ctx, h } = m;
    const op = cliActor('test');
    const { dealer } = await createDealer(ctx, op, { code: 'mig11', name: 'Migration' });
    const client = await createClient(ctx, op, { dealerId: dealer.id, shortName: 'm' });
    const east = await createInstallation(ctx, op, { clientId: client.id, kind: 'agent' });
    const other = await createClient(ctx, op, { dealerId: dealer.id, shortName: 'n' });
    const msk = await createInstallation(ctx, op, { clientId: other.id, kind: 'agent' });
    await h.db.updateTable('installations').set({ utc_offset_min: 420 }).where('id', '=', east.id).execute();
    const at = (d: number, hh: number, mm: number) => Date.UTC(2026, 2, d, hh, mm);
    const row = (installation_id: number, login: string, t: number, reason: string | null) => ({
      installation_id,
      login,
      at: t,
      reason,
    });
    await h.db
      .insertInto('refused_logons')
      .values([
        // UTC+7: 2026-03-31 17:30 UTC is 00:30 on April 1st there; 16:59 UTC is 23:59 on March 31st.
        row(east.id, 'anna', at(31, 17, 30), null),
        row(east.id, 'anna', at(31, 17, 50), 'Ошибка 2008: все рабочие места заняты'),
        row(east.id, 'anna', at(31, 16, 59), 'Неверный пароль'),
        row(east.id, 'boris', at(31, 2, 0), 'Пользователь превысил число лицензий'),
        row(msk.id, 'anna', at(31, 6, 5), null),
        row(msk.id, 'anna', at(31, 9, 45), null),
      ])
      .execute();

    await m.migrateTo('0011_refused_logons_daily');

    const rows = await h.db
      .selectFrom('refused_logons_daily')
      .selectAll()
      .orderBy('installation_id')
      .orderBy('day')
      .orderBy('login')
      .execute();
    const bit = (hour: number) => 2 ** hour;
    expect(
      rows.map((r) => [
        Number(r.installation_id),
        r.day,
        r.login,
        Number(r.refusals),
        Number(r.licence_refusals),
        Number(r.hours),
      ]),
    ).toEqual(
      [
        [east.id, '2026-03-31', 'anna', 1, 0, bit(23)],
        [east.id, '2026-03-31', 'boris', 1, 1, bit(9)],
        [east.id, '2026-04-01', 'anna', 2, 2, bit(0)],
        [msk.id, '2026-03-31', 'anna', 2, 2, bit(9) + bit(12)],
      ].sort((x, y) => Number(x[0]) - Number(y[0])),
    );

    await expect(
      h.db
        .insertInto('refused_logons_daily')
        .values({
          installation_id: msk.id,
          day: '2026-03-31',
          login: 'anna',
          refusals: 1,
          licence_refusals: 1,
          hours: 1,
        })
        .execute(),
    ).rejects.toThrow();

    await h.db.deleteFrom('refused_logons').where('installation_id', '=', east.id).execute();
    await h.db.deleteFrom('installations').where('id', '=', east.id).execute();
    const left = await h.db.selectFrom('refused_logons_daily').select('installation_id').execute();
    expect(new Set(left.map((r) => Number(r.installation_id)))).toEqual(new Set([msk.id]));
  });
});
