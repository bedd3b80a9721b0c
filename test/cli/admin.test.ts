import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/lib/secrets.js';
import { verifyUploadToken } from '../../src/tenancy/dealers.js';
import { authenticate } from '../../src/tenancy/users.js';
import type { AppContext } from '../../src/context.js';
import { systemClock } from '../../src/lib/clock.js';
import { DB_KINDS } from '../helpers/db.js';
import { createCliEnv, smart, smartJson, type CliEnv } from './run.js';

describe.each(DB_KINDS)('smart CLI: dealers, tokens, units, managers, users (%s)', (kind) => {
  let t: CliEnv;
  let env: Record<string, string>;
  let ctx: AppContext;
  beforeAll(async () => {
    t = await createCliEnv(kind);
    env = t.env;
  });
  afterAll(() => t.close());

  /** The context the CLI used, so the test can check effects through the services. */
  function appContext(): AppContext {
    const key = fs.readFileSync(path.join(t.dataDir, 'secret.key'), 'utf8').trim();
    ctx ??= {
      db: t.db().db,
      dbKind: kind,
      clock: systemClock,
      secrets: new SecretBox(Buffer.from(key, 'hex')),
    };
    return ctx;
  }

  it('migrate applies the schema once, then reports it up to date', async () => {
    const first = await smartJson<{ applied: string[]; kind: string }>(env, ['migrate']);
    expect(first.applied).toContain('0001_foundation');
    expect(first.kind).toBe(kind);
    const again = await smart(env, ['migrate']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('up to date');
  });

  it('dealer add prints the upload token once and stores only its hash', async () => {
    const r = await smart(env, ['dealer', 'add', '--code', 'rogaikopita599', '--name', 'Рога и копыта']);
    expect(r.code).toBe(0);
    const token = /upload token: (\S+)/.exec(r.stdout)?.[1] as string;
    expect(token).toMatch(/^smu_/);
    expect(r.stdout).toContain('not shown again');
    expect(await verifyUploadToken(appContext(), 'rogaikopita599', token)).not.toBeNull();
    const raw = await t.db().db.selectFrom('upload_tokens').select('token_hash').execute();
    expect(JSON.stringify(raw)).not.toContain(token);
    const list = await smart(env, ['dealer', 'list']);
    expect(list.stdout).toContain('rogaikopita599');
    expect(list.stdout).not.toContain(token);
  });

  it('dealer add --json returns the dealer and token; a duplicate or bad code exits 2 naming the problem', async () => {
    const d = await smartJson<{ dealer: { code: string; id: number }; uploadToken: string }>(env, [
      'dealer',
      'add',
      '--code',
      'second',
      '--name',
      'Second',
    ]);
    expect(d.dealer.code).toBe('second');
    expect(d.uploadToken).toMatch(/^smu_/);
    const dup = await smart(env, ['dealer', 'add', '--code', 'second', '--name', 'X']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('dealer second already exists');
    const bad = await smart(env, ['dealer', 'add', '--code', 'Bad Code!', '--name', 'X']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--code: use 2–64 lower-case/);
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const list = await smartJson<{ code: string }[]>(env, ['dealer', 'list']);
    expect(list.map((x) => x.code)).toEqual(['rogaikopita599', 'second']);
  });

  it('token add, list and revoke; a revoked token is refused', async () => {
    const added = await smartJson<{ token: string; info: { id: number; label: string } }>(env, [
      'token',
      'add',
      '--dealer',
      'rogaikopita599',
      '--label',
      'north agents',
    ]);
    expect(added.info.label).toBe('north agents');
    expect(await verifyUploadToken(appContext(), 'rogaikopita599', added.token)).not.toBeNull();
    const list = await smartJson<{ id: number; prefix: string; revokedAt: number | null }[]>(env, [
      'token',
      'list',
      '--dealer',
      'rogaikopita599',
    ]);
    expect(list).toHaveLength(2);
    expect(list.find((x) => x.id === added.info.id)?.prefix).toBe(added.token.slice(0, 8));
    const revoke = await smart(env, ['token', 'revoke', String(added.info.id)]);
    expect(revoke.code).toBe(0);
    expect(await verifyUploadToken(appContext(), 'rogaikopita599', added.token)).toBeNull();
    const human = await smart(env, ['token', 'list', '--dealer', 'rogaikopita599']);
    expect(human.stdout).toMatch(/north agents .* revoked/);
    expect((await smart(env, ['token', 'revoke', '9999'])).code).toBe(2);
    const notId = await smart(env, ['token', 'revoke', 'abc']);
    expect(notId.code).toBe(2);
    expect(notId.stderr).toContain('positive integer id');
  });

  it('unit add by parent path, unit list as a tree', async () => {
    const d = ['--dealer', 'rogaikopita599'];
    expect((await smart(env, ['unit', 'add', ...d, '--name', 'Филиал Север'])).code).toBe(0);
    const dept = await smartJson<{ id: number; parentId: number }>(env, [
      'unit',
      'add',
      ...d,
      '--name',
      'Отдел продаж',
      '--parent',
      'Филиал Север',
    ]);
    expect(dept.parentId).toBeGreaterThan(0);
    expect((await smart(env, ['unit', 'add', ...d, '--name', 'Филиал Юг'])).code).toBe(0);
    // A parent given by id works too.
    expect(
      (await smart(env, ['unit', 'add', ...d, '--name', 'Сектор 1', '--parent', String(dept.id)])).code,
    ).toBe(0);
    const tree = await smart(env, ['unit', 'list', ...d]);
    expect(tree.stdout.split('\n').map((l) => l.replace(/\s+\[id \d+\]$/, ''))).toEqual([
      'Филиал Север',
      '  Отдел продаж',
      '    Сектор 1',
      'Филиал Юг',
      '',
    ]);
    const json = await smartJson<{ namePath: string }[]>(env, ['unit', 'list', ...d]);
    expect(json.map((u) => u.namePath)).toContain('Филиал Север/Отдел продаж/Сектор 1');
    const missing = await smart(env, ['unit', 'add', ...d, '--name', 'X', '--parent', 'Нет такого']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('unit "Нет такого" not found');
    const dupe = await smart(env, ['unit', 'add', ...d, '--name', 'Филиал Юг']);
    expect(dupe.code).toBe(2);
  });

  it('manager add with several e-mails, a unit path and a Telegram chat; manager list', async () => {
    const d = ['--dealer', 'rogaikopita599'];
    const m = await smartJson<{ emails: string[]; unitId: number; telegramChatId: string }>(env, [
      'manager',
      'add',
      ...d,
      '--name',
      'Иванов Иван',
      '--email',
      'Ivanov@Example.ru',
      '--email',
      'sales@example.ru',
      '--unit',
      'Филиал Север/Отдел продаж',
      '--telegram',
      '-100123456',
    ]);
    expect(m.emails).toEqual(['ivanov@example.ru', 'sales@example.ru']);
    expect(m.telegramChatId).toBe('-100123456');
    const badMail = await smart(env, ['manager', 'add', ...d, '--name', 'Петров', '--email', 'not-an-email']);
    expect(badMail.code).toBe(2);
    expect(badMail.stderr).toContain('--email');
    const badChat = await smart(env, ['manager', 'add', ...d, '--name', 'Петров', '--telegram', 'chat']);
    expect(badChat.code).toBe(2);
    expect(badChat.stderr).toContain('--telegram');
    const list = await smartJson<{ name: string; unit: string | null }[]>(env, ['manager', 'list', ...d]);
    expect(list).toEqual([
      expect.objectContaining({ name: 'Иванов Иван', unit: 'Филиал Север/Отдел продаж' }),
    ]);
    expect((await smart(env, ['manager', 'list', ...d])).stdout).toContain(
      'ivanov@example.ru sales@example.ru',
    );
  });

  it('user add reads the password from stdin; the user can then authenticate', async () => {
    const r = await smart(
      env,
      [
        'user',
        'add',
        '--dealer',
        'rogaikopita599',
        '--login',
        'Head1',
        '--role',
        'head',
        '--unit',
        'Филиал Север',
      ],
      { stdin: 'ignored' },
    );
    // Without --password-stdin and without a terminal there is nobody to ask.
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--password-stdin');
    const ok = await smart(
      env,
      [
        'user',
        'add',
        '--dealer',
        'rogaikopita599',
        '--login',
        'Head1',
        '--role',
        'head',
        '--unit',
        'Филиал Север',
        '--password-stdin',
      ],
      { stdin: 'first-password-1\n' },
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('created user head1 (head)');
    expect(await authenticate(appContext(), 'head1', 'first-password-1')).not.toBeNull();
    expect(await authenticate(appContext(), 'head1', 'first-password-1\n')).toBeNull();
  });

  it('user add for a manager links the manager record and its unit; an operator takes no dealer', async () => {
    const u = await smartJson<{ role: string; managerId: number; unitId: number }>(
      env,
      [
        'user',
        'add',
        '--dealer',
        'rogaikopita599',
        '--login',
        'ivanov',
        '--role',
        'manager',
        '--manager',
        'Иванов Иван',
        '--password-stdin',
      ],
      'manager-password',
    );
    expect(u.role).toBe('manager');
    expect(u.managerId).toBeGreaterThan(0);
    expect(u.unitId).toBeGreaterThan(0);
    const op = await smart(
      env,
      ['user', 'add', '--login', 'root', '--role', 'operator', '--password-stdin'],
      {
        stdin: 'operator-password',
      },
    );
    expect(op.code).toBe(0);
    const opDealer = await smart(
      env,
      ['user', 'add', '--dealer', 'second', '--login', 'root2', '--role', 'operator', '--password-stdin'],
      { stdin: 'operator-password' },
    );
    expect(opDealer.code).toBe(2);
    expect(opDealer.stderr).toContain('omit --dealer');
    const noDealer = await smart(
      env,
      ['user', 'add', '--login', 'x1', '--role', 'viewer', '--password-stdin'],
      {
        stdin: 'viewer-password',
      },
    );
    expect(noDealer.code).toBe(2);
    expect(noDealer.stderr).toContain('--dealer is required');
    const weak = await smart(
      env,
      ['user', 'add', '--dealer', 'second', '--login', 'weak', '--role', 'viewer', '--password-stdin'],
      { stdin: 'short' },
    );
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain('password: must be at least 8 characters');
    const badRole = await smart(env, ['user', 'add', '--login', 'x2', '--role', 'boss', '--password-stdin']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('Allowed choices are operator, dealer-admin');
    const noManager = await smart(
      env,
      [
        'user',
        'add',
        '--dealer',
        'second',
        '--login',
        'm2',
        '--role',
        'manager',
        '--manager',
        'Никто',
        '--password-stdin',
      ],
      { stdin: 'manager-password' },
    );
    expect(noManager.code).toBe(2);
    expect(noManager.stderr).toContain('manager "Никто" of dealer second not found');
  });

  it('user list shows everyone, or one dealer; user passwd changes the password', async () => {
    const all = await smartJson<{ login: string; dealer: string | null; unit: string | null }[]>(env, [
      'user',
      'list',
    ]);
    expect(all.map((u) => u.login)).toEqual(['head1', 'ivanov', 'root']);
    expect(all.find((u) => u.login === 'head1')?.unit).toBe('Филиал Север');
    expect(all.find((u) => u.login === 'root')?.dealer).toBeNull();
    const one = await smartJson<{ login: string }[]>(env, ['user', 'list', '--dealer', 'second']);
    expect(one).toEqual([]);
    const human = await smart(env, ['user', 'list', '--dealer', 'rogaikopita599']);
    expect(human.stdout).toMatch(
      /ivanov\s+manager\s+rogaikopita599\s+Филиал Север\/Отдел продаж\s+Иванов Иван/,
    );
    const pw = await smart(env, ['user', 'passwd', '--login', 'HEAD1', '--password-stdin'], {
      stdin: 'second-password-2\r\n',
    });
    expect(pw.code).toBe(0);
    expect(await authenticate(appContext(), 'head1', 'second-password-2')).not.toBeNull();
    expect(await authenticate(appContext(), 'head1', 'first-password-1')).toBeNull();
    const nobody = await smart(env, ['user', 'passwd', '--login', 'nobody', '--password-stdin'], {
      stdin: 'whatever-password',
    });
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('user nobody not found');
  });

  it('user passwd prompts twice on a terminal, without echo', async () => {
    const modes: boolean[] = [];
    const terminal = (typed: string) => {
      const tty = Object.assign(new PassThrough(), {
        isTTY: true,
        setRawMode: (m: boolean) => modes.push(m),
      });
      tty.write(typed);
      return tty;
    };
    const ok = await smart(env, ['user', 'passwd', '--login', 'head1'], {
      stdin: terminal('typed-pass-3\rtyped-pass-3\r'),
    });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('Password: \nRepeat the password: \n');
    expect(modes).toEqual([true, false]);
    expect(await authenticate(appContext(), 'head1', 'typed-pass-3')).not.toBeNull();
    const differ = await smart(env, ['user', 'passwd', '--login', 'head1'], {
      stdin: terminal('typed-pass-4\rtyped-pass-5\r'),
    });
    expect(differ.code).toBe(2);
    expect(differ.stderr).toContain('the two passwords differ');
    expect(await authenticate(appContext(), 'head1', 'typed-pass-3')).not.toBeNull();
  });

  it('errors: unknown dealer, missing options, unknown commands; --json errors are JSON', async () => {
    const unknown = await smart(env, ['unit', 'list', '--dealer', 'nope']);
    expect(unknown).toMatchObject({ code: 2, stderr: 'smart: dealer nope not found\n' });
    const missing = await smart(env, ['dealer', 'add', '--code', 'x1']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--name <name>' not specified");
    expect((await smart(env, ['frobnicate'])).code).toBe(2);
    const json = await smart(env, ['manager', 'list', '--dealer', 'nope', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toEqual({
      error: { code: 'not_found', message: 'dealer nope not found', details: [] },
    });
  });

  it('a configuration error names the variable and exits 2', async () => {
    const r = await smart({ ...env, SMART_PORT: 'eighty' }, ['dealer', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SMART_PORT');
    const db = await smart({ ...env, SMART_DATABASE_URL: 'mysql://x' }, ['dealer', 'list']);
    expect(db.code).toBe(2);
    expect(db.stderr).toContain('SMART_DATABASE_URL: must start with postgres:// or sqlite:');
  });
});
