import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportResult } from '../../src/inventory/csv/types.js';
import { DEMO_DIR } from '../../src/cli/demo-seed.js';
import { DB_KINDS } from '../helpers/db.js';
import { countRows, createCliEnv, smart, smartJson, type CliEnv } from './run.js';

const MANAGERS = path.join(DEMO_DIR, 'managers.csv');
const ONLINE = path.join(DEMO_DIR, 'online.csv');

/** Non-empty lines, sorted: the export may order rows differently from the file. */
const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .sort();

describe.each(DB_KINDS)('smart import / export (%s)', (kind) => {
  let t: CliEnv;
  let env: Record<string, string>;
  const D = ['--dealer', 'demo'];
  const write = (name: string, text: string) => {
    const file = path.join(t.dataDir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  beforeAll(async () => {
    t = await createCliEnv(kind);
    env = t.env;
    await smartJson(env, ['dealer', 'add', '--code', 'demo', '--name', 'Demo']);
    for (const [name, email, unit] of [
      ['Иванов Иван', 'ivanov@example.ru', undefined],
      ['Сидоров Пётр', 'sidorov@example.ru', undefined],
      ['Петрова Анна', 'petrova@example.ru', undefined],
      ['Кузнецова Мария', 'kuznetsova@example.ru', undefined],
    ] as const) {
      await smartJson(env, [
        'manager',
        'add',
        ...D,
        '--name',
        name,
        '--email',
        email,
        ...(unit ? ['--unit', unit] : []),
      ]);
    }
    await smartJson(env, ['unit', 'add', ...D, '--name', 'Филиал Юг']);
  });
  afterAll(() => t.close());

  it('--dry-run lists the changes and writes nothing', async () => {
    const r = await smart(env, ['import', 'managers', MANAGERS, ...D, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('create installation 12345.te-cloud.ru:443');
    expect(r.stdout).toContain('create installation romashka');
    expect(r.stdout).toContain('dry run: nothing written');
    expect(await countRows(t.db(), 'installations')).toBe(0);
    expect(await countRows(t.db(), 'clients')).toBe(0);
    const json = await smartJson<ImportResult>(env, ['import', 'managers', MANAGERS, ...D, '--dry-run']);
    expect(json).toMatchObject({ kind: 'managers', dryRun: true, applied: false, errors: [] });
    expect(json.counts.create).toBeGreaterThan(0);
  });

  it('a real import writes; importing the same file again changes nothing', async () => {
    const real = await smartJson<ImportResult>(env, ['import', 'managers', MANAGERS, ...D]);
    expect(real.applied).toBe(true);
    expect(real.counts.create).toBeGreaterThan(0);
    // 7 + 8 rows; 12350.te-cloud.ru:443 and gorizont appear twice (two managers each).
    expect(await countRows(t.db(), 'installations')).toBe(13);
    const audit = await countRows(t.db(), 'audit_log');
    const again = await smart(env, ['import', 'managers', MANAGERS, ...D]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/created 0, updated 0, removed 0/);
    expect(await countRows(t.db(), 'installations')).toBe(13);
    expect(await countRows(t.db(), 'audit_log')).toBeLessThanOrEqual(audit + 1);
  });

  it('online import into a unit with --unit', async () => {
    const r = await smart(env, ['import', 'online', ONLINE, ...D, '--unit', 'Филиал Юг']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('create online access romashka01@nps2.cntd.ru/kodeks01');
    expect(await countRows(t.db(), 'online_accesses')).toBe(30);
    const unit = await t
      .db()
      .db.selectFrom('org_units')
      .select('id')
      .where('name', '=', 'Филиал Юг')
      .executeTakeFirstOrThrow();
    const firm = await t
      .db()
      .db.selectFrom('clients')
      .select('unit_id')
      .where('short_name', '=', 'ООО Ромашка')
      .executeTakeFirstOrThrow();
    expect(firm.unit_id).toBe(unit.id);
  });

  it('a file with errors: each error located, exit 2, nothing imported', async () => {
    const file = write(
      'broken.csv',
      [
        'newclient,Иванов Иван,ivanov@example.ru,smartupload,download,upload,process,donotping,2,3600,604800',
        'bad name,Иванов Иван,ivanov@example.ru,smartupload,download,upload,process,donotping,2,3600,604800',
        'other;Иванов Иван;ivanov@example.ru;smartupload;download;upload;process;donotping;2;3600;604800',
      ].join('\n'),
    );
    const before = await countRows(t.db(), 'installations');
    const r = await smart(env, ['import', 'managers', file, ...D]);
    expect(r.code).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors[0]).toMatch(new RegExp(`^error: ${file}:2: column 1 \\(.*forbidden character space`));
    expect(errors[1]).toMatch(new RegExp(`^error: ${file}:3: .*";"`));
    expect(r.stderr).toContain('nothing imported');
    expect(r.stdout).not.toContain('create');
    expect(await countRows(t.db(), 'installations')).toBe(before);
    const json = await smart(env, ['import', 'managers', file, ...D, '--json']);
    expect(json.code).toBe(2);
    const result = JSON.parse(json.stdout) as ImportResult;
    expect(result.applied).toBe(false);
    expect(result.errors.map((e) => e.line).sort()).toEqual([2, 3]);
  });

  it('a later file updates in place; --prune removes what it no longer lists', async () => {
    const file = write(
      'later.csv',
      'romashka,Иванов Иван,ivanov@example.ru,smartupload,download,upload,process,donotping,3,3600,604800\n',
    );
    const keep = await smart(env, ['import', 'managers', file, ...D]);
    expect(keep.code).toBe(0);
    expect(keep.stdout).toMatch(/update installation romashka: time zone: 2 → 3/);
    expect(await countRows(t.db(), 'installations')).toBe(13);
    const prune = await smart(env, ['import', 'managers', file, ...D, '--prune', '--dry-run']);
    expect(prune.stdout).toContain('remove installation 12345.te-cloud.ru:443');
    expect(await countRows(t.db(), 'installations')).toBe(13);
    // Put the demo file back for the export test.
    expect((await smart(env, ['import', 'managers', MANAGERS, ...D])).code).toBe(0);
  });

  it('refuses a missing file and a file over SMART_MAX_IMPORT_BYTES', async () => {
    const missing = await smart(env, ['import', 'managers', path.join(t.dataDir, 'nope.csv'), ...D]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.csv: no such file');
    const big = write('big.csv', `${'x'.repeat(2000)}\n`);
    const r = await smart({ ...env, SMART_MAX_IMPORT_BYTES: '1024' }, ['import', 'managers', big, ...D]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'is 2001 bytes, more than the import limit of 1024 bytes (SMART_MAX_IMPORT_BYTES)',
    );
    const kindWrong = await smart(env, ['import', 'clients', MANAGERS, ...D]);
    expect(kindWrong.code).toBe(2);
    expect(kindWrong.stderr).toContain('Allowed choices are managers, online');
  });

  it('export writes the formats back; passwords only with --with-secrets', async () => {
    const m = await smart(env, ['export', 'managers', ...D]);
    expect(m.code).toBe(0);
    expect(lines(m.stdout)).toEqual(lines(fs.readFileSync(MANAGERS, 'utf8')));
    const o = await smart(env, ['export', 'online', ...D]);
    expect(o.stdout).toContain(
      'ООО Ромашка,romashka01,,nps2.cntd.ru,kodeks01,https,Иванов Иван,ivanov@example.ru',
    );
    expect(o.stdout).not.toContain('Rm7q2Lx9');
    const out = path.join(t.dataDir, 'online-export.csv');
    const s = await smartJson<{ file: string; bytes: number }>(env, [
      'export',
      'online',
      ...D,
      '--with-secrets',
      '--out',
      out,
    ]);
    expect(s.file).toBe(out);
    expect(lines(fs.readFileSync(out, 'utf8'))).toEqual(lines(fs.readFileSync(ONLINE, 'utf8')));
    expect(fs.statSync(out).mode & 0o077).toBe(0);
    const json = await smartJson<{ csv: string }>(env, ['export', 'managers', ...D]);
    expect(json.csv).toBe(m.stdout);
  });
});
