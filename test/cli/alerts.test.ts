import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dealerAlertSettings } from '../../src/alerts/settings.js';
import type { AppContext } from '../../src/context.js';
import { systemClock } from '../../src/lib/clock.js';
import { SecretBox } from '../../src/lib/secrets.js';
import { DB_KINDS, TEST_SECRET_KEY } from '../helpers/db.js';
import { buildDealerWorld, type DealerWorld } from '../helpers/tenants.js';
import { createCliEnv, smart, smartJson, type CliEnv } from './run.js';

/**
 * `smart alerts …` in-process, as the operator: listing and acknowledging instances, channels, rules,
 * silences, maintenance windows, alert settings and the delivery log; bad input and unknown objects
 * exit with 2 and a message naming the option.
 */

const HOUR = 3_600_000;

interface AlertJson {
  id: number;
  name: string;
  state: string;
  suppressedBy: string | null;
  acknowledgedBy: string | null;
}

describe.each(DB_KINDS)('smart alerts (%s)', (kind) => {
  let t: CliEnv;
  let env: Record<string, string>;
  let ctx: AppContext;
  let a: DealerWorld;
  let b: DealerWorld;
  const al = {} as Record<'tcp' | 'icmp' | 'old' | 'bTcp', number>;

  async function insertAlert(
    w: DealerWorld,
    name: string,
    inst: DealerWorld['i1'],
    client: DealerWorld['c1'],
    state: 'firing' | 'resolved',
    pendingAt: number,
  ): Promise<number> {
    const labels = {
      dealer: w.dealer.code,
      client: client.shortName,
      client_id: String(client.id),
      installation: String(inst.id),
      host: inst.address ?? inst.sourceKey,
      alertname: name,
    };
    const row = await ctx.db
      .insertInto('alert_instances')
      .values({
        dealer_id: w.dealer.id,
        name,
        fingerprint: `installation:${inst.id}`,
        subject_kind: 'installation',
        subject_id: inst.id,
        client_id: client.id,
        unit_id: client.unitId,
        labels: JSON.stringify(labels),
        text: `${name} on ${labels.host}`,
        value: null,
        filename: null,
        state,
        active_since: pendingAt,
        pending_at: pendingAt,
        fired_at: pendingAt,
        resolved_at: state === 'resolved' ? pendingAt + HOUR : null,
        clear_since: null,
        last_eval_at: pendingAt,
        inhibited_by: null,
        acked_at: null,
        acked_by: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await ctx.db
      .insertInto('alert_transitions')
      .values({
        instance_id: row.id,
        dealer_id: w.dealer.id,
        at: pendingAt,
        from_state: null,
        to_state: 'firing',
        reason: 'condition',
      })
      .execute();
    return row.id;
  }

  beforeAll(async () => {
    t = await createCliEnv(kind, { SMART_SECRET_KEY: TEST_SECRET_KEY.toString('hex') });
    env = t.env;
    expect((await smart(env, ['migrate'])).code).toBe(0);
    ctx = { db: t.db().db, dbKind: kind, clock: systemClock, secrets: new SecretBox(TEST_SECRET_KEY) };
    a = await buildDealerWorld(ctx, 'deala');
    b = await buildDealerWorld(ctx, 'dealb');
    const now = Date.now();
    al.tcp = await insertAlert(a, 'KodeksTcpStatus', a.i2, a.c2, 'firing', now - 2 * HOUR);
    al.icmp = await insertAlert(a, 'KodeksIcmp', a.i1, a.c1, 'firing', now - HOUR);
    al.old = await insertAlert(a, 'KodeksIcmp', a.i3, a.c3, 'resolved', now - 30 * HOUR);
    al.bTcp = await insertAlert(b, 'KodeksTcpStatus', b.i2, b.c2, 'firing', now - HOUR);
  });
  afterAll(() => t.close());

  it('alerts list: open by default, filters, human table; bad input exits 2', async () => {
    const all = await smartJson<{ total: number; items: AlertJson[] }>(env, ['alerts', 'list']);
    expect(all.items.map((x) => x.id)).toEqual([al.bTcp, al.tcp, al.icmp]); // K2 newest first, then K4
    const mine = await smartJson<{ items: AlertJson[] }>(env, ['alerts', 'list', '--dealer', 'deala']);
    expect(mine.items.map((x) => x.id)).toEqual([al.tcp, al.icmp]);
    const resolved = await smartJson<{ items: AlertJson[] }>(env, ['alerts', 'list', '--state', 'resolved']);
    expect(resolved.items.map((x) => x.id)).toEqual([al.old]);
    const byName = await smartJson<{ items: AlertJson[] }>(env, [
      'alerts',
      'list',
      '--name',
      'KodeksIcmp',
      '--state',
      'all',
    ]);
    expect(byName.items.map((x) => x.id).sort()).toEqual([al.icmp, al.old].sort());
    const k2 = await smartJson<{ items: AlertJson[] }>(env, [
      'alerts',
      'list',
      '--priority',
      'k2',
      '--dealer',
      'dealb',
    ]);
    expect(k2.items.map((x) => x.id)).toEqual([al.bTcp]);
    const human = await smart(env, ['alerts', 'list', '--dealer', 'deala']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/ID\s+PRI\s+STATE\s+ALERT/);
    expect(human.stdout).toMatch(
      new RegExp(`${al.tcp}\\s+K2\\s+firing\\s+KodeksTcpStatus\\s+betadeala: deala-beta`),
    );

    const badState = await smart(env, ['alerts', 'list', '--state', 'burning']);
    expect(badState.code).toBe(2);
    expect(badState.stderr).toContain('--state');
    const badName = await smart(env, ['alerts', 'list', '--name', 'NoSuchAlert']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('--name');
    expect(badName.stderr).toContain('unknown alert NoSuchAlert');
    const badPriority = await smart(env, ['alerts', 'list', '--priority', 'K9']);
    expect(badPriority.code).toBe(2);
    expect(badPriority.stderr).toContain('K1, K2');
    const noDealer = await smart(env, ['alerts', 'list', '--dealer', 'nobody']);
    expect(noDealer.code).toBe(2);
    expect(noDealer.stderr).toContain('not found');
  });

  it('alerts show and ack', async () => {
    const d = await smartJson<AlertJson & { transitions: { to: string }[] }>(env, [
      'alerts',
      'show',
      String(al.tcp),
    ]);
    expect(d).toMatchObject({ name: 'KodeksTcpStatus', transitions: [{ to: 'firing' }] });
    const human = await smart(env, ['alerts', 'show', String(al.tcp)]);
    expect(human.stdout).toContain('KodeksTcpStatus (K2, critical), firing');
    expect(human.stdout).toContain('runbook: /docs/errors/KodeksTcpStatus.md');
    const missing = await smart(env, ['alerts', 'show', '999999']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('alert not found');
    const acked = await smartJson<AlertJson>(env, ['alerts', 'ack', String(al.tcp), '--comment', 'на связи']);
    expect(acked.acknowledgedBy).toBe('cli:tester');
    const again = await smart(env, ['alerts', 'ack', String(al.old)]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already resolved');
  });

  let chat: number;

  it('alerts channel add, list, rm', async () => {
    const ch = await smartJson<{ id: number; kind: string; target: string; unitId: number | null }>(env, [
      'alerts',
      'channel',
      'add',
      '--dealer',
      'deala',
      '--kind',
      'telegram',
      '--class',
      'high',
      '--target',
      '-100123',
      '--name',
      'Дежурные',
    ]);
    expect(ch).toMatchObject({ kind: 'telegram', target: '-100123', unitId: null });
    chat = ch.id;
    const unitCh = await smartJson<{ id: number; unitId: number }>(env, [
      'alerts',
      'channel',
      'add',
      '--dealer',
      'deala',
      '--kind',
      'email',
      '--class',
      'all',
      '--target',
      'branch@deala.example',
      '--name',
      'Branch',
      '--unit',
      'Branch 1/Dept',
    ]);
    expect(unitCh.unitId).toBe(a.branch1dept.id);
    const bad = await smart(env, [
      'alerts',
      'channel',
      'add',
      '--dealer',
      'deala',
      '--kind',
      'telegram',
      '--class',
      'high',
      '--target',
      'chat',
      '--name',
      'x',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid --target');
    expect(bad.stderr).toContain('Telegram chat id');
    const badKind = await smart(env, [
      'alerts',
      'channel',
      'add',
      '--dealer',
      'deala',
      '--kind',
      'sms',
      '--class',
      'high',
      '--target',
      '1',
      '--name',
      'x',
    ]);
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toContain('--kind');
    // A unit of another dealer is not found.
    const foreign = await smart(env, [
      'alerts',
      'channel',
      'add',
      '--dealer',
      'dealb',
      '--kind',
      'email',
      '--class',
      'all',
      '--target',
      'x@dealb.example',
      '--name',
      'x',
      '--unit',
      String(a.branch1.id),
    ]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain('not found');
    const list = await smart(env, ['alerts', 'channel', 'list', '--dealer', 'deala']);
    expect(list.stdout).toMatch(/telegram\s+high\s+Дежурные\s+-100123/);
    expect(list.stdout).toContain('branch@deala.example');
    const rm = await smart(env, ['alerts', 'channel', 'rm', String(unitCh.id)]);
    expect(rm.code).toBe(0);
    expect((await smart(env, ['alerts', 'channel', 'rm', '999999'])).code).toBe(2);
  });

  it('alerts rule add, list, rm', async () => {
    const r = await smartJson<{ id: number; matchers: object; channelIds: number[]; mode: string }>(env, [
      'alerts',
      'rule',
      'add',
      '--dealer',
      'deala',
      '--name',
      'ICMP of alpha to the chat',
      '--match-alert',
      'KodeksIcmp',
      '--match-alert',
      'KodeksIcmpCount',
      '--match-priority',
      'K4',
      '--match-label',
      `client=${a.c1.shortName}`,
      '--channel',
      String(chat),
    ]);
    expect(r).toMatchObject({
      mode: 'add',
      channelIds: [chat],
      matchers: {
        alerts: ['KodeksIcmp', 'KodeksIcmpCount'],
        priorities: ['K4'],
        labels: { client: a.c1.shortName },
      },
    });
    const replace = await smartJson<{ managers: boolean; mode: string }>(env, [
      'alerts',
      'rule',
      'add',
      '--dealer',
      'deala',
      '--name',
      'online only to the chat',
      '--match-category',
      'online',
      '--mode',
      'replace',
      '--channel',
      String(chat),
      '--managers',
    ]);
    expect(replace).toMatchObject({ mode: 'replace', managers: true });
    const unknown = await smart(env, [
      'alerts',
      'rule',
      'add',
      '--dealer',
      'deala',
      '--name',
      'x',
      '--match-alert',
      'Nope',
      '--channel',
      String(chat),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('invalid --match-alert: unknown alert Nope');
    const label = await smart(env, [
      'alerts',
      'rule',
      'add',
      '--dealer',
      'deala',
      '--name',
      'x',
      '--match-label',
      'novalue',
    ]);
    expect(label.code).toBe(2);
    expect(label.stderr).toContain('key=value');
    const noChannel = await smart(env, ['alerts', 'rule', 'add', '--dealer', 'deala', '--name', 'x']);
    expect(noChannel.code).toBe(2);
    expect(noChannel.stderr).toContain('invalid --channel');
    const otherDealer = await smart(env, [
      'alerts',
      'rule',
      'add',
      '--dealer',
      'dealb',
      '--name',
      'x',
      '--channel',
      String(chat),
    ]);
    expect(otherDealer.code).toBe(2);
    expect(otherDealer.stderr).toContain('not found');
    const list = await smart(env, ['alerts', 'rule', 'list', '--dealer', 'deala']);
    expect(list.stdout).toMatch(
      /ICMP of alpha to the chat\s+add\s+KodeksIcmp KodeksIcmpCount K4 client=alphadeala/,
    );
    expect(list.stdout).toContain('replace+managers');
    expect((await smart(env, ['alerts', 'rule', 'rm', String(r.id)])).code).toBe(0);
    expect((await smartJson<unknown[]>(env, ['alerts', 'rule', 'list', '--dealer', 'deala'])).length).toBe(1);
  });

  it('alerts silence add (for / until), list, expire; silenced alerts say so', async () => {
    const s = await smartJson<{
      id: number;
      state: string;
      endsAt: number;
      startsAt: number;
      author: string;
    }>(env, [
      'alerts',
      'silence',
      'add',
      '--dealer',
      'deala',
      '--match-alert',
      'KodeksTcpStatus',
      '--match-label',
      `host=${a.i2.address}`,
      '--for',
      '2h',
      '--comment',
      'замена коммутатора',
    ]);
    expect(s).toMatchObject({ state: 'active', author: 'cli:tester' });
    expect(s.endsAt - s.startsAt).toBe(2 * HOUR);
    const listed = await smartJson<{ items: AlertJson[] }>(env, ['alerts', 'list', '--dealer', 'deala']);
    expect(listed.items.find((x) => x.id === al.tcp)?.suppressedBy).toBe(`silence:${s.id}`);
    const until = new Date(Date.now() + 5 * HOUR).toISOString();
    const later = await smartJson<{ id: number; endsAt: number }>(env, [
      'alerts',
      'silence',
      'add',
      '--dealer',
      'dealb',
      '--match-priority',
      'K2',
      '--until',
      until,
      '--comment',
      'ночные работы',
    ]);
    expect(later.endsAt).toBe(Date.parse(until));

    const both = await smart(env, [
      'alerts',
      'silence',
      'add',
      '--dealer',
      'deala',
      '--match-alert',
      'KodeksIcmp',
      '--for',
      '1h',
      '--until',
      until,
      '--comment',
      'x',
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('exactly one of --until and --for');
    const badFor = await smart(env, [
      'alerts',
      'silence',
      'add',
      '--dealer',
      'deala',
      '--match-alert',
      'KodeksIcmp',
      '--for',
      '2 hours',
      '--comment',
      'x',
    ]);
    expect(badFor.code).toBe(2);
    expect(badFor.stderr).toContain('30m, 2h');
    const badUntil = await smart(env, [
      'alerts',
      'silence',
      'add',
      '--dealer',
      'deala',
      '--match-alert',
      'KodeksIcmp',
      '--until',
      'tomorrow',
      '--comment',
      'x',
    ]);
    expect(badUntil.code).toBe(2);
    expect(badUntil.stderr).toContain('invalid --until/--for');
    const noMatch = await smart(env, [
      'alerts',
      'silence',
      'add',
      '--dealer',
      'deala',
      '--for',
      '1h',
      '--comment',
      'x',
    ]);
    expect(noMatch.code).toBe(2);
    expect(noMatch.stderr).toContain('--match-alert/--match-label');
    const noComment = await smart(env, [
      'alerts',
      'silence',
      'add',
      '--dealer',
      'deala',
      '--match-alert',
      'KodeksIcmp',
      '--for',
      '1h',
    ]);
    expect(noComment.code).toBe(2);
    expect(noComment.stderr).toContain('--comment');

    const list = await smart(env, ['alerts', 'silence', 'list', '--dealer', 'deala']);
    expect(list.stdout).toMatch(new RegExp(`${s.id}\\s+active`));
    expect(list.stdout).toContain('замена коммутатора');
    expect(list.stdout).not.toContain('ночные работы');
    const ended = await smartJson<{ state: string }>(env, ['alerts', 'silence', 'expire', String(s.id)]);
    expect(ended.state).toBe('expired');
    const after = await smartJson<{ items: AlertJson[] }>(env, ['alerts', 'list', '--dealer', 'deala']);
    expect(after.items.find((x) => x.id === al.tcp)?.suppressedBy).toBeNull();
    expect((await smart(env, ['alerts', 'silence', 'expire', '999999'])).code).toBe(2);
  });

  it('alerts maintenance add (weekly / once), list, rm', async () => {
    const w = await smartJson<{ id: number; kind: string; days: number[]; startTime: string; scope: object }>(
      env,
      [
        'alerts',
        'maintenance',
        'add',
        '--dealer',
        'deala',
        '--scope',
        `installation:${a.i2.id}`,
        '--tz',
        'Asia/Yekaterinburg',
        '--weekly',
        '--days',
        '6,7',
        '--at',
        '02:00',
        '--duration',
        '240',
        '--comment',
        'обновление по выходным',
      ],
    );
    expect(w).toMatchObject({
      kind: 'weekly',
      days: [6, 7],
      startTime: '02:00',
      scope: { kind: 'installation', id: a.i2.id },
    });
    const once = await smartJson<{ startsAt: number; endsAt: number; scope: { kind: string; id: number } }>(
      env,
      [
        'alerts',
        'maintenance',
        'add',
        '--dealer',
        'deala',
        '--scope',
        'dealer',
        '--tz',
        'Asia/Yekaterinburg',
        '--start',
        '2030-01-10T22:00',
        '--end',
        '2030-01-11T02:00',
        '--comment',
        'переезд',
      ],
    );
    expect(once).toMatchObject({
      startsAt: Date.UTC(2030, 0, 10, 17),
      endsAt: Date.UTC(2030, 0, 10, 21),
      scope: { kind: 'dealer', id: a.dealer.id },
    });
    const base = ['alerts', 'maintenance', 'add', '--dealer', 'deala', '--comment', 'x'];
    const badTz = await smart(env, [
      ...base,
      '--scope',
      `installation:${a.i2.id}`,
      '--tz',
      'Mars/Olympus',
      '--start',
      '2030-01-10T22:00',
      '--end',
      '2030-01-11T02:00',
    ]);
    expect(badTz.code).toBe(2);
    expect(badTz.stderr).toContain('invalid --tz');
    const badScope = await smart(env, [
      ...base,
      '--scope',
      'planet:3',
      '--tz',
      'UTC',
      '--start',
      '2030-01-10T22:00',
      '--end',
      '2030-01-11T02:00',
    ]);
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toContain('--scope');
    const foreign = await smart(env, [
      ...base,
      '--scope',
      `installation:${b.i1.id}`,
      '--tz',
      'UTC',
      '--start',
      '2030-01-10T22:00',
      '--end',
      '2030-01-11T02:00',
    ]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain('not found');
    const incomplete = await smart(env, [
      ...base,
      '--scope',
      'dealer',
      '--tz',
      'UTC',
      '--weekly',
      '--days',
      '1',
    ]);
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toContain('--weekly needs --at, --duration');
    const badDays = await smart(env, [
      ...base,
      '--scope',
      'dealer',
      '--tz',
      'UTC',
      '--weekly',
      '--days',
      '0',
      '--at',
      '02:00',
      '--duration',
      '60',
    ]);
    expect(badDays.code).toBe(2);
    expect(badDays.stderr).toContain('--days');
    const backwards = await smart(env, [
      ...base,
      '--scope',
      'dealer',
      '--tz',
      'UTC',
      '--start',
      '2030-01-11T02:00',
      '--end',
      '2030-01-10T22:00',
    ]);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain('invalid --end: must be later than start');
    const list = await smart(env, ['alerts', 'maintenance', 'list', '--dealer', 'deala']);
    expect(list.stdout).toMatch(/installation:\d+\s+Asia\/Yekaterinburg\s+weekly 6,7 at 02:00 for 240 min/);
    expect(list.stdout).toContain('2030-01-10T17:00:00Z – 2030-01-10T21:00:00Z');
    expect((await smart(env, ['alerts', 'maintenance', 'rm', String(w.id)])).code).toBe(0);
    expect(
      (await smartJson<unknown[]>(env, ['alerts', 'maintenance', 'list', '--dealer', 'deala'])).length,
    ).toBe(1);
  });

  it('alerts settings set merges with what is stored; reset; bad values name the option', async () => {
    const set = await smartJson<{ name: string; effective: { countThreshold: number; params: object } }>(
      env,
      [
        'alerts',
        'settings',
        'set',
        'KodeksDBOperUpTooOld',
        '--dealer',
        'deala',
        '--count-threshold',
        '25',
        '--param',
        'maxAgeDays=5',
      ],
    );
    expect(set).toMatchObject({
      name: 'KodeksDBOperUpToOld',
      effective: { countThreshold: 25, params: { maxAgeDays: 5 } },
    });
    const disabled = await smartJson<{
      effective: { enabled: boolean; countThreshold: number; params: object };
    }>(env, ['alerts', 'settings', 'set', 'KodeksDBOperUpToOld', '--dealer', 'deala', '--disable']);
    expect(disabled.effective).toMatchObject({
      enabled: false,
      countThreshold: 25,
      params: { maxAgeDays: 5 },
    });
    const shown = await smart(env, [
      'alerts',
      'settings',
      'show',
      'KodeksDBOperUpToOld',
      '--dealer',
      'deala',
    ]);
    expect(shown.stdout).toContain('KodeksDBOperUpToOld');
    expect(shown.stdout).toContain('disabled');
    expect(shown.stdout).toContain('count threshold: 25');
    // The CLI's own process changed it; another process reads it at once (nothing cached there).
    expect((await dealerAlertSettings(ctx, a.dealer.id)).enabled('KodeksDBOperUpToOld')).toBe(false);

    const noSibling = await smart(env, [
      'alerts',
      'settings',
      'set',
      'OnlineBillingDocsLeft50',
      '--dealer',
      'deala',
      '--count-threshold',
      '5',
    ]);
    expect(noSibling.code).toBe(2);
    expect(noSibling.stderr).toContain(
      'invalid --count-threshold: OnlineBillingDocsLeft50 has no Count sibling',
    );
    const badParam = await smart(env, [
      'alerts',
      'settings',
      'set',
      'KodeksDBOperUpToOld',
      '--dealer',
      'deala',
      '--param',
      'maxAgeHours=5',
    ]);
    expect(badParam.code).toBe(2);
    expect(badParam.stderr).toContain('invalid --param maxAgeHours');
    const notNumber = await smart(env, [
      'alerts',
      'settings',
      'set',
      'KodeksDBOperUpToOld',
      '--dealer',
      'deala',
      '--param',
      'maxAgeDays=five',
    ]);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toContain('name=number');
    const tooMany = await smart(env, [
      'alerts',
      'settings',
      'set',
      'KodeksIcmp',
      '--dealer',
      'deala',
      '--count-threshold',
      '20000',
    ]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('--count-threshold');
    const unknown = await smart(env, ['alerts', 'settings', 'set', 'Nope', '--dealer', 'deala', '--disable']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('alert Nope not found');
    const both = await smart(env, [
      'alerts',
      'settings',
      'set',
      'KodeksIcmp',
      '--dealer',
      'deala',
      '--disable',
      '--enable',
    ]);
    expect(both.code).toBe(2);

    const reset = await smartJson<{ override: unknown; effective: { enabled: boolean } }>(env, [
      'alerts',
      'settings',
      'reset',
      'KodeksDBOperUpToOld',
      '--dealer',
      'deala',
    ]);
    expect(reset).toMatchObject({ override: null, effective: { enabled: true } });
    const cat = await smartJson<{ alerts: { name: string }[] }>(env, [
      'alerts',
      'catalogue',
      '--dealer',
      'deala',
    ]);
    expect(cat.alerts.map((x) => x.name)).toContain('KodeksDBOperUpToOld');
  });

  it('alerts notifications: the delivery log, filtered by status', async () => {
    const now = Date.now();
    for (const [status, error] of [
      ['sent', null],
      ['failed', 'Forbidden: bot was blocked by the user'],
    ] as const) {
      await ctx.db
        .insertInto('notifications')
        .values({
          dealer_id: a.dealer.id,
          group_id: null,
          channel_id: chat,
          kind: 'telegram',
          target: '-100123',
          alert_name: 'KodeksTcpStatus',
          reason: 'firing',
          subject: '[FIRING:1] KodeksTcpStatus',
          body: 'FIRING KodeksTcpStatus',
          payload: null,
          instance_count: 1,
          status,
          attempts: 1,
          next_attempt_at: now,
          lease_owner: null,
          lease_until: null,
          created_at: now,
          sent_at: status === 'sent' ? now : null,
          last_error: error,
        })
        .execute();
    }
    const failed = await smartJson<{ total: number; items: { status: string; lastError: string }[] }>(env, [
      'alerts',
      'notifications',
      '--status',
      'failed',
    ]);
    expect(failed.total).toBe(1);
    expect(failed.items[0]).toMatchObject({
      status: 'failed',
      lastError: 'Forbidden: bot was blocked by the user',
    });
    const human = await smart(env, ['alerts', 'notifications', '--dealer', 'deala']);
    expect(human.stdout).toMatch(/failed\s+telegram\s+-100123\s+KodeksTcpStatus\s+1\s+Forbidden/);
    expect((await smart(env, ['alerts', 'notifications', '--dealer', 'dealb'])).stdout).toContain(
      'no notifications',
    );
    const bad = await smart(env, ['alerts', 'notifications', '--status', 'lost']);
    expect(bad.code).toBe(2);
    const badAlert = await smart(env, ['alerts', 'notifications', '--alert', 'Nope', '--json']);
    expect(badAlert.code).toBe(2);
    expect(JSON.parse(badAlert.stderr)).toMatchObject({ error: { code: 'invalid' } });
  });
});
