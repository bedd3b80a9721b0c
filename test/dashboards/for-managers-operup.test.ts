/**
 * «Сколько часов назад обновились файлы в OperUp» keeps `limit` files, oldest first (ties: by label, then
 * installation). The database hands over only the files ranked within the limit, ties at the limit
 * included; here files of one update share their age, so a limit cuts inside a tie and the labels decide
 * it. Compared with the order worked out from the rows the test wrote, for every limit, on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operupAge } from '../../src/dashboards/for-managers-samples.js';
import { visibleInstallations, type InstallationSubject } from '../../src/dashboards/subjects.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';

const HOUR = 3_600_000;
const REPORT_AT = Date.UTC(2026, 2, 20, 9);
const RANGE = { from: REPORT_AT - 5 * 24 * HOUR, to: REPORT_AT + HOUR };

/** Per host: its files and when each changed (null: unknown), in the order they are written. */
const FILES: [host: string, files: [path: string, modifiedAt: number | null][]][] = [
  // Written first, so that a plain row count would keep its tied file before the other host's.
  [
    'b-host',
    [
      ['f1.ud6', REPORT_AT - 10 * HOUR],
      ['g.udx', REPORT_AT - 20 * HOUR],
      // Changed after the report (a clock ahead): age 0, as old as the other one below.
      ['h.ud6', REPORT_AT + HOUR],
    ],
  ],
  [
    'a-host',
    [
      ['f2.ud6', REPORT_AT - 10 * HOUR],
      ['f1.ud6', REPORT_AT - 10 * HOUR],
      ['f3.udt', REPORT_AT - 5 * HOUR],
      ['f4.ud6', REPORT_AT + 2 * HOUR],
      ['f5.ud6', null],
    ],
  ],
];

describe.each(DB_KINDS)('«Для менеджеров»: the OperUp files kept (%s)', (kind) => {
  let t: TestContext;
  let subjects: InstallationSubject[];

  beforeAll(async () => {
    t = await openTestContext(kind);
    const op = cliActor('test');
    const { dealer } = await createDealer(t.ctx, op, { code: 'fmo', name: 'OperUp' });
    const client = await createClient(t.ctx, op, { dealerId: dealer.id, shortName: 'o' });
    for (const [host, files] of FILES) {
      const { id } = await createInstallation(t.ctx, op, {
        clientId: client.id,
        kind: 'agent',
        sourceName: host,
      });
      await t.ctx.db
        .insertInto('installation_state')
        .values({ installation_id: id, report_at: REPORT_AT, updated_at: REPORT_AT })
        .execute();
      await t.ctx.db
        .insertInto('installation_operups')
        .values(
          files.map(([path, modifiedAt]) => ({
            installation_id: id,
            path,
            modified_at: modifiedAt,
            size_bytes: 1,
          })),
        )
        .execute();
    }
    subjects = await visibleInstallations(t.ctx, op, {});
  });

  afterAll(async () => {
    await t?.close();
  });

  it('keeps the oldest files, the labels deciding a tie at the limit, and counts them all', async () => {
    const idOf = new Map(subjects.map((s) => [s.host, s.id]));
    const expected = FILES.flatMap(([host, files]) =>
      files
        .filter(([, at]) => at !== null)
        .map(([path, at]) => ({
          key: `f:${idOf.get(host)}:${path}`,
          label: `${host} ${path}`,
          id: idOf.get(host)!,
          age: Math.max(0, REPORT_AT - at!),
        })),
    ).sort((a, b) => b.age - a.age || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) || a.id - b.id);
    expect(expected.map((e) => e.label)).toEqual([
      'b-host g.udx',
      'a-host f1.ud6',
      'a-host f2.ud6',
      'b-host f1.ud6',
      'a-host f3.udt',
      'a-host f4.ud6',
      'b-host h.ud6',
    ]);
    for (let limit = 1; limit <= expected.length + 1; limit += 1) {
      const out = await operupAge(t.ctx, subjects, RANGE, limit, t.clock.now());
      expect(out.total).toBe(expected.length);
      expect(out.series.map((x) => [x.key, x.label])).toEqual(
        expected.slice(0, limit).map((e) => [e.key, e.label]),
      );
    }
  });
});
