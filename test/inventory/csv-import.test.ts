import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importManagersCsv, importOnlineCsv } from '../../src/inventory/csv/import.js';
import { exportManagersCsv, exportOnlineCsv } from '../../src/inventory/csv/export.js';
import { formatIssue, type ImportResult } from '../../src/inventory/csv/types.js';
import { listClients } from '../../src/inventory/clients.js';
import { listInstallations } from '../../src/inventory/installations.js';
import { listOnlineAccesses, onlineAccessPassword } from '../../src/inventory/online.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { listManagers } from '../../src/tenancy/managers.js';
import { cliActor, type Actor } from '../../src/tenancy/scope.js';
import { createUnit } from '../../src/tenancy/units.js';
import { actorOfUser, createUser } from '../../src/tenancy/users.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';

const FIXTURES = path.resolve('test/fixtures/csv');
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name));

interface BrokenCase {
  file: string;
  kind: 'managers' | 'online';
  line: number;
  column: number | null;
  message: string;
}
const BROKEN = JSON.parse(
  fs.readFileSync(path.join(FIXTURES, 'broken/manifest.json'), 'utf8'),
) as BrokenCase[];

describe.each(DB_KINDS)('CSV import (%s)', (kind) => {
  let t: TestContext;
  let op: Actor;
  let dealerId: number;

  beforeEach(async () => {
    t = await openTestContext(kind);
    op = cliActor('test-op');
    dealerId = (await createDealer(t.ctx, op, { code: 'rogaikopita599', name: 'Рога и копыта' })).dealer.id;
  });
  afterEach(() => t.close());

  const managers = (bytes: Buffer, extra: Partial<{ dryRun: boolean; prune: boolean; actor: Actor }> = {}) =>
    importManagersCsv(t.ctx, extra.actor ?? op, bytes, { dealerId, fileName: 'managers.csv', ...extra });
  const online = (bytes: Buffer, extra: Partial<{ dryRun: boolean; prune: boolean; actor: Actor }> = {}) =>
    importOnlineCsv(t.ctx, extra.actor ?? op, bytes, { dealerId, fileName: 'online.csv', ...extra });

  async function snapshot() {
    const count = async (table: 'clients' | 'installations' | 'managers' | 'online_accesses' | 'audit_log') =>
      Number(
        (
          await t.ctx.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      clients: await count('clients'),
      installations: await count('installations'),
      managers: await count('managers'),
      online: await count('online_accesses'),
      audit: await count('audit_log'),
      links: (await t.ctx.db.selectFrom('installation_managers').selectAll().execute()).length,
    };
  }

  it('imports the template-shaped managers.csv: both blocks, several managers per installation', async () => {
    const r = await managers(read('managers.csv'));
    expect(r.errors).toEqual([]);
    expect(r.applied).toBe(true);
    const inst = await listInstallations(t.ctx, op, { dealerId });
    expect(inst.map((i) => `${i.kind} ${i.sourceKey}`).sort()).toEqual([
      'agent romashka',
      'agent vasilek',
      'polled 12345.te-cloud.ru:443',
      'polled dc.example-dealer.ru:8080',
    ]);
    const cloud = inst.find((i) => i.sourceKey === '12345.te-cloud.ru:443');
    expect(cloud).toMatchObject({ protocol: 'https', port: 443, probeEnabled: true, utcOffsetMin: 180 });
    const romashka = inst.find((i) => i.sourceKey === 'romashka');
    // time-zone column 2 → UTC+6
    expect(romashka).toMatchObject({
      probeEnabled: false,
      utcOffsetMin: 360,
      collectIntervalS: 3600,
      asrpPeriodS: 604800,
    });
    expect(inst.find((i) => i.sourceKey === 'vasilek')?.managers).toHaveLength(2);
    const ms = await listManagers(t.ctx, op, dealerId);
    expect(ms.map((m) => m.name).sort()).toEqual(['Иванов Иван', 'Петрова Анна', 'Сидоров Пётр']);
    expect(ms.find((m) => m.name === 'Иванов Иван')?.emails).toEqual(['ivanov@example.ru']);
    const clients = await listClients(t.ctx, op, { dealerId });
    expect(clients.map((c) => c.shortName).sort()).toEqual([
      '12345.te-cloud.ru',
      'dc.example-dealer.ru',
      'romashka',
      'vasilek',
    ]);
    expect(r.counts).toMatchObject({ create: 3 + 4 + 4, update: 0, remove: 0 });
  });

  it('reads BOM + CRLF + blocks in the other order, and CP1251 with a warning, to the same result', async () => {
    const a = await managers(read('managers-bom-crlf.csv'));
    expect(a.errors).toEqual([]);
    expect(a.warnings).toEqual([]);
    const first = (await listInstallations(t.ctx, op, { dealerId })).map((i) => i.sourceKey).sort();
    const b = await managers(read('managers-cp1251.csv'));
    expect(b.errors).toEqual([]);
    expect(b.warnings.map(formatIssue)).toEqual([
      expect.stringContaining('managers.csv:1: the file is not UTF-8'),
    ]);
    expect(b.changes).toEqual([]); // same content, decoded to the same names
    expect(b.counts.unchanged).toBe(4);
    expect((await listInstallations(t.ctx, op, { dealerId })).map((i) => i.sourceKey).sort()).toEqual(first);
    expect((await listManagers(t.ctx, op, dealerId)).map((m) => m.name)).toContain('Сидоров Пётр');
    const c = await online(read('online-cp1251.csv'));
    expect(c.errors).toEqual([]);
    expect((await listClients(t.ctx, op, { dealerId })).map((x) => x.shortName)).toContain('ИП "Василёк"');
  });

  it('trims spaces and fills a missing port, with warnings naming line and column', async () => {
    const text =
      ' shop.example.ru ,Иванов Иван, ivanov@example.ru,https,download,upload,process,ping,-1,3600,604800\n';
    const r = await managers(Buffer.from(text));
    expect(r.errors).toEqual([]);
    expect(r.warnings.map(formatIssue)).toEqual([
      'managers.csv:1: column 1 (address:port / client name): spaces around the values of columns 1, 3 were removed',
      'managers.csv:1: column 1 (address:port): no port given; the https default 443 is used',
    ]);
    expect((await listInstallations(t.ctx, op, { dealerId }))[0]?.sourceKey).toBe('shop.example.ru:443');
  });

  it('dry run reports the changes and writes nothing; a real run then makes the same changes', async () => {
    const before = await snapshot();
    const dry = await managers(read('managers.csv'), { dryRun: true });
    expect(dry.applied).toBe(false);
    expect(dry.dryRun).toBe(true);
    expect(dry.changes.length).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
    const real = await managers(read('managers.csv'));
    expect(real.changes).toEqual(dry.changes);
  });

  it('re-importing the same file changes nothing, not even the audit log', async () => {
    await managers(read('managers.csv'));
    await online(read('online.csv'));
    const before = await snapshot();
    const again = await managers(read('managers.csv'));
    const againOnline = await online(read('online.csv'));
    expect(again.changes).toEqual([]);
    expect(again.counts.unchanged).toBe(4);
    expect(againOnline.changes).toEqual([]);
    expect(againOnline.counts.unchanged).toBe(3);
    expect(await snapshot()).toEqual(before);
  });

  it('a later file updates in place, keeps missing objects, and --prune removes them', async () => {
    await managers(read('managers.csv'));
    const ids = new Map((await listInstallations(t.ctx, op, { dealerId })).map((i) => [i.sourceKey, i.id]));
    const later = [
      '12345.te-cloud.ru:443,Иванов Иван,ivanov@example.ru,http,download,upload,process,donotping,0,1800,604800',
      'romashka,Сидоров Пётр,sidorov@example.ru,smartupload,download,upload,process,donotping,2,3600,604800',
    ].join('\n');
    const r = await managers(Buffer.from(later));
    expect(r.errors).toEqual([]);
    const cloud = r.changes.find((c) => c.key === '12345.te-cloud.ru:443');
    expect(cloud?.fields).toEqual([
      'protocol: https → http',
      'ping: ping → donotping',
      'time zone: -1 → 0',
      'collection interval: 3600 → 1800',
    ]);
    expect(r.changes.find((c) => c.key === 'romashka')?.fields).toEqual([
      'managers: Иванов Иван <ivanov@example.ru> → Сидоров Пётр <sidorov@example.ru>',
    ]);
    const after = await listInstallations(t.ctx, op, { dealerId });
    expect(after).toHaveLength(4); // missing ones kept
    expect(after.find((i) => i.sourceKey === '12345.te-cloud.ru:443')?.id).toBe(
      ids.get('12345.te-cloud.ru:443'),
    );
    const pruned = await managers(Buffer.from(later), { prune: true });
    expect(
      pruned.changes
        .filter((c) => c.action === 'remove')
        .map((c) => c.key)
        .sort(),
    ).toEqual(['dc.example-dealer.ru:8080', 'vasilek']);
    expect((await listInstallations(t.ctx, op, { dealerId })).map((i) => i.sourceKey).sort()).toEqual([
      '12345.te-cloud.ru:443',
      'romashka',
    ]);
  });

  it('records who made every change in the audit log', async () => {
    const actor = { ...op, login: 'alice' };
    await managers(read('managers.csv'), { actor });
    const rows = await t.ctx.db.selectFrom('audit_log').selectAll().where('actor', '=', 'alice').execute();
    const entities = new Set(rows.map((r) => `${r.action}:${r.entity}`));
    expect(entities).toEqual(new Set(['create:manager', 'create:client', 'create:installation']));
    expect(rows.length).toBe(11);
  });

  it('imports online.csv with quoted firm names, encrypts passwords, keeps them on empty password', async () => {
    const r = await online(read('online.csv'));
    expect(r.errors).toEqual([]);
    const list = await listOnlineAccesses(t.ctx, op, { dealerId });
    expect(list).toHaveLength(3);
    const vas = list.find((o) => o.login === 'vasilek');
    expect(vas?.managers).toHaveLength(2);
    expect(vas?.protocol).toBe('http');
    const raw = await t.ctx.db.selectFrom('online_accesses').select(['login', 'password_enc']).execute();
    for (const row of raw) {
      expect(row.password_enc).not.toContain('Secr3t');
      expect(row.password_enc).not.toContain('qwerty');
      expect(row.password_enc.startsWith('v1:')).toBe(true);
    }
    const id = list.find((o) => o.login === 'romashka01')?.id as number;
    expect(await onlineAccessPassword(t.ctx, op, id)).toBe('Secr3t!');
    // An export without secrets, loaded back, changes nothing and keeps the passwords.
    const exported = await exportOnlineCsv(t.ctx, op, { dealerId });
    expect(exported).not.toContain('Secr3t!');
    const back = await online(Buffer.from(exported));
    expect(back.errors).toEqual([]);
    expect(back.changes).toEqual([]);
    expect(await onlineAccessPassword(t.ctx, op, id)).toBe('Secr3t!');
    // A changed password is reported without showing it.
    const changed = (await exportOnlineCsv(t.ctx, op, { dealerId, withSecrets: true })).replace(
      'Secr3t!',
      'N3w!',
    );
    const upd = await online(Buffer.from(changed));
    expect(upd.changes).toEqual([
      {
        action: 'update',
        entity: 'online_access',
        key: 'romashka01@nps2.cntd.ru/kodeks01',
        fields: ['password: changed'],
      },
    ]);
    expect(await onlineAccessPassword(t.ctx, op, id)).toBe('N3w!');
  });

  it('exports managers.csv in the import format; the export imports back with no changes', async () => {
    await managers(read('managers.csv'));
    const text = await exportManagersCsv(t.ctx, op, { dealerId });
    const blocks = text.split('\n\n');
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toContain(
      '12345.te-cloud.ru:443,Иванов Иван,ivanov@example.ru,https,download,upload,process,ping,-1,3600,604800',
    );
    expect(blocks[1]).toContain(
      'romashka,Иванов Иван,ivanov@example.ru,smartupload,download,upload,process,donotping,2,3600,604800',
    );
    const back = await managers(Buffer.from(text));
    expect(back.errors).toEqual([]);
    expect(back.changes).toEqual([]);
  });

  it('a head imports into their own unit and cannot touch objects outside it', async () => {
    const north = await createUnit(t.ctx, op, { dealerId, name: 'Север' });
    const south = await createUnit(t.ctx, op, { dealerId, name: 'Юг' });
    const headUser = await createUser(t.ctx, op, {
      dealerId,
      unitId: north.id,
      login: 'head.north',
      password: 'long enough password',
      role: 'head',
    });
    const head = await actorOfUser(t.ctx, headUser);
    // Something that already exists in the south branch.
    await managers(
      Buffer.from(
        'vasilek,Южный Менеджер,south@example.ru,smartupload,download,upload,process,donotping,-1,3600,604800\n',
      ),
      {
        actor: { ...op },
      },
    );
    await t.ctx.db.updateTable('clients').set({ unit_id: south.id }).execute();
    await t.ctx.db.updateTable('managers').set({ unit_id: south.id }).execute();

    const r = await managers(
      Buffer.from(
        'romashka,Северный Менеджер,north@example.ru,smartupload,download,upload,process,donotping,2,3600,604800\n',
      ),
      { actor: head },
    );
    expect(r.errors).toEqual([]);
    const clients = await listClients(t.ctx, head);
    expect(clients.map((c) => [c.shortName, c.unitId])).toEqual([['romashka', north.id]]);

    const before = await snapshot();
    const clash = await managers(read('managers.csv'), { actor: head });
    expect(clash.applied).toBe(false);
    expect(clash.errors.map(formatIssue).join('\n')).toMatch(/no access/);
    expect(await snapshot()).toEqual(before);
  });

  it.each(BROKEN.map((b) => [b.file, b] as const))(
    'rejects %s naming line and column, importing nothing',
    async (_n, b) => {
      // A good import first, so we can see that nothing of it changes.
      await managers(read('managers.csv'));
      await online(read('online.csv'));
      const before = await snapshot();
      const bytes = fs.readFileSync(path.join(FIXTURES, 'broken', b.file));
      const r: ImportResult =
        b.kind === 'managers'
          ? await importManagersCsv(t.ctx, op, bytes, { dealerId, fileName: b.file })
          : await importOnlineCsv(t.ctx, op, bytes, { dealerId, fileName: b.file });
      expect(r.applied).toBe(false);
      expect(r.changes).toEqual([]);
      const hit = r.errors.find((e) => e.line === b.line && (b.column === null || e.column === b.column));
      expect(hit, `errors were: ${r.errors.map(formatIssue).join(' | ')}`).toBeDefined();
      expect(formatIssue(hit as NonNullable<typeof hit>)).toContain(b.message);
      expect(formatIssue(hit as NonNullable<typeof hit>).startsWith(`${b.file}:${b.line}:`)).toBe(true);
      expect(await snapshot()).toEqual(before);
    },
  );
});
