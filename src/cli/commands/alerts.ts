import { InvalidArgumentError, Option, type Command } from 'commander';
import { ZodError } from 'zod';
import {
  CHANNEL_CLASSES,
  CHANNEL_KINDS,
  createChannel,
  createMaintenanceWindow,
  createRule,
  createSilence,
  deleteChannel,
  deleteMaintenanceWindow,
  deleteRule,
  expireSilence,
  getAlertSettings,
  listChannels,
  listMaintenanceWindows,
  listRules,
  listSilences,
  putAlertSettings,
  resetAlertSettings,
  RULE_MODES,
  SILENCE_STATES,
  WINDOW_SCOPES,
  type AlertSettingsView,
  type MaintenanceWindow,
  type WindowScopeKind,
} from '../../alerts/admin.js';
import { PRIORITIES, type Priority } from '../../alerts/catalogue.js';
import type { AlertMatchers } from '../../alerts/matchers.js';
import {
  acknowledgeAlert,
  ALERT_STATE_FILTERS,
  alertCatalogue,
  getAlert,
  listAlerts,
  listNotifications,
  NOTIFICATION_KINDS,
  NOTIFICATION_STATUSES,
  type AlertView,
} from '../../alerts/queries.js';
import type { Runtime } from '../../runtime.js';
import type { Actor } from '../../tenancy/scope.js';
import { collect, dealerByCode, parseId, unitByRef, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { isoTime, table } from '../io.js';

/**
 * `smart alerts`: the alert instances, notification channels and routing rules, silences, maintenance
 * windows, per-dealer alert settings and the delivery log, acting as the operator like every command.
 */

// ---- option parsing ----

function parseKeyValue(value: string, previous: Record<string, string>): Record<string, string> {
  const i = value.indexOf('=');
  if (i < 1) throw new InvalidArgumentError('expected key=value.');
  return { ...previous, [value.slice(0, i).trim()]: value.slice(i + 1) };
}

function parseParam(value: string, previous: Record<string, number>): Record<string, number> {
  const i = value.indexOf('=');
  const n = Number(value.slice(i + 1));
  if (i < 1 || value.slice(i + 1).trim() === '' || !Number.isFinite(n)) {
    throw new InvalidArgumentError('expected name=number, e.g. maxAgeDays=5.');
  }
  return { ...previous, [value.slice(0, i).trim()]: n };
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `90m`, `2h`, `1h30m`, `3d`, `1w`. */
export function parseDuration(value: string): number {
  const v = value.trim();
  if (!/^(\d+[mhdw])+$/.test(v))
    throw new InvalidArgumentError('expected a duration like 30m, 2h, 1h30m, 3d or 1w.');
  let ms = 0;
  for (const m of v.matchAll(/(\d+)([mhdw])/g)) ms += Number(m[1]) * (UNIT_MS[m[2]!] as number);
  if (ms <= 0) throw new InvalidArgumentError('the duration must be longer than zero.');
  return ms;
}

function parseScope(value: string): { kind: WindowScopeKind; id: number | null } {
  const [kind, id, ...rest] = value.trim().split(':');
  if (!WINDOW_SCOPES.includes(kind as WindowScopeKind) || rest.length > 0) {
    throw new InvalidArgumentError(
      `expected ${WINDOW_SCOPES.join('|')}:ID, e.g. installation:42 (or just dealer).`,
    );
  }
  if (id === undefined) {
    if (kind !== 'dealer') throw new InvalidArgumentError(`expected ${kind}:ID.`);
    return { kind: 'dealer', id: null };
  }
  if (!/^[1-9]\d*$/.test(id)) throw new InvalidArgumentError('the id after ":" must be a positive integer.');
  return { kind: kind as WindowScopeKind, id: Number(id) };
}

function parseDays(value: string): number[] {
  const days = value.split(',').map((s) => s.trim());
  if (days.some((d) => !/^\d+$/.test(d))) {
    throw new InvalidArgumentError('expected ISO weekdays separated by commas, 1 = Monday … 7 = Sunday.');
  }
  return days.map(Number);
}

function parseCount(max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) > max)
      throw new InvalidArgumentError(`expected a number up to ${max}.`);
    return Number(value);
  };
}

/** The options a service field came from, so that errors name what the user typed. */
const OPTION_OF: Record<string, string> = {
  dealerId: '--dealer',
  unitId: '--unit',
  channelIds: '--channel',
  startsAt: '--from',
  endsAt: '--until/--for',
  timeZone: '--tz',
  startTime: '--at',
  durationMin: '--duration',
  validFrom: '--valid-from',
  validUntil: '--valid-until',
  countThreshold: '--count-threshold',
  enabled: '--enable/--disable',
  matchers: '--match-alert/--match-label',
  names: '--name',
  scope: '--scope',
};
const MATCHER_OPTION: Record<string, string> = {
  alerts: '--match-alert',
  labels: '--match-label',
  priorities: '--match-priority',
  categories: '--match-category',
};

function optionOf(path: readonly PropertyKey[]): string {
  const [head, second] = path.map(String);
  if (head === undefined) return 'input';
  if (head === 'matchers' && second !== undefined) return MATCHER_OPTION[second] ?? '--match-alert';
  if (head === 'params') return second === undefined ? '--param' : `--param ${second}`;
  return OPTION_OF[head] ?? `--${head.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Validation errors of the services, in terms of this command's options (exit code 2). */
async function withOptionNames<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof ZodError)) throw e;
    const lines = e.issues.map((i) => `${optionOf(i.path)}: ${i.message}`);
    throw new CliError(
      lines.length === 1 ? `invalid ${lines[0]}` : `invalid input:\n  ${lines.join('\n  ')}`,
      2,
    );
  }
}

async function dealerId(rt: Runtime, actor: Actor, code: string | undefined): Promise<number | undefined> {
  return code === undefined ? undefined : (await dealerByCode(rt, actor, code)).id;
}

async function unitId(
  rt: Runtime,
  actor: Actor,
  dealer: string,
  ref: string | undefined,
): Promise<number | undefined> {
  if (ref === undefined) return undefined;
  return (await unitByRef(rt, actor, await dealerByCode(rt, actor, dealer), ref)).id;
}

// ---- text ----

function objectOf(a: AlertView): string {
  const l = a.labels;
  const obj = l.url ? `${l.url}/${l.catalog ?? ''} ${l.user ?? ''}`.trim() : (l.host ?? l.dealer ?? '-');
  return a.client ? `${a.client.name}: ${obj}` : obj;
}

function matchersText(m: AlertMatchers): string {
  const parts = [
    ...(m.alerts ?? []),
    ...(m.priorities ?? []),
    ...(m.categories ?? []).map((c) => `category=${c}`),
    ...(m.importance ?? []).map((c) => `importance=${c}`),
    ...(m.classes ?? []).map((c) => `class=${c}`),
    ...Object.entries(m.labels ?? {}).map(([k, v]) => `${k}=${v}`),
  ];
  return parts.join(' ') || '(every alert)';
}

function windowWhen(w: MaintenanceWindow): string {
  if (w.kind === 'once') return `${isoTime(w.startsAt)} – ${isoTime(w.endsAt)}`;
  return `weekly ${w.days.join(',')} at ${w.startTime} for ${w.durationMin} min`;
}

function settingsLines(v: AlertSettingsView): string[] {
  const e = v.effective;
  const params = Object.entries(e.params)
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');
  return [
    `${v.name} (dealer ${v.dealerId}): ${e.enabled ? 'enabled' : 'disabled'}${v.override ? '' : ' (catalogue defaults)'}`,
    `  count threshold: ${e.countThreshold ?? '-'}`,
    `  for: ${e.forMs} ms, keep firing for: ${e.keepFiringForMs} ms`,
    `  group wait ${e.timings.groupWaitMs} ms, interval ${e.timings.groupIntervalMs} ms, repeat ${e.timings.repeatIntervalMs} ms`,
    `  params: ${params || '-'}`,
  ];
}

export function registerAlerts(program: Command, cli: CliContext): void {
  const alerts = program
    .command('alerts')
    .description(
      'alerts: list, show, ack; channels, rules, silences, maintenance windows, settings, deliveries',
    );

  alerts
    .command('list')
    .description('alert instances: open ones by default, K1 first')
    .addOption(new Option('--state <state>', 'which instances').choices(ALERT_STATE_FILTERS).default('open'))
    .option('--name <alert>', 'alert name or alias (repeat for several)', collect, [])
    .option('--priority <K>', 'priority K1…K5 (repeat for several)', collectPriority)
    .option('--dealer <code>', 'dealer code')
    .option('--limit <n>', 'at most this many (up to 1000)', parseCount(1000), 100)
    .action(
      async (opts: {
        state: (typeof ALERT_STATE_FILTERS)[number];
        name: string[];
        priority?: Priority[];
        dealer?: string;
        limit: number;
        json?: boolean;
      }) => {
        const out = cli.output(opts);
        const actor = cli.actor();
        const page = await cli.withRuntime((rt) =>
          withOptionNames(async () =>
            listAlerts(rt.ctx, actor, {
              state: opts.state,
              names: opts.name.length ? opts.name : undefined,
              priorities: opts.priority,
              dealerId: await dealerId(rt, actor, opts.dealer),
              limit: opts.limit,
            }),
          ),
        );
        out.data(page);
        if (page.total === 0) return out.line(`no ${opts.state === 'all' ? '' : `${opts.state} `}alerts`);
        const rows = page.items.map((a) => [
          String(a.id),
          a.priority ?? '-',
          a.state,
          a.name,
          objectOf(a),
          isoTime(a.firstSeenAt),
          [a.suppressedBy ?? '', a.acknowledgedBy ? `ack ${a.acknowledgedBy}` : '']
            .filter(Boolean)
            .join(', ') || '-',
        ]);
        for (const l of table(['ID', 'PRI', 'STATE', 'ALERT', 'OBJECT', 'SINCE', 'NOTE'], rows)) out.line(l);
        if (page.total > page.items.length) out.line(`(${page.items.length} of ${page.total}; see --limit)`);
      },
    );

  alerts
    .command('show')
    .description('one alert instance with its transitions and the messages sent about it')
    .argument('<id>', 'alert id, from `smart alerts list`', parseId)
    .action(async (id: number, opts: { json?: boolean }) => {
      const out = cli.output(opts);
      const d = await cli.withRuntime((rt) => getAlert(rt.ctx, cli.actor(), id));
      out.data(d);
      out.line(`${d.name} (${d.priority ?? '-'}, ${d.importance ?? '-'}), ${d.state}`);
      out.line(`  object: ${objectOf(d)}`);
      out.line(`  text: ${d.text}`);
      out.line(
        `  first seen ${isoTime(d.firstSeenAt)}, fired ${isoTime(d.firedAt)}, resolved ${isoTime(d.resolvedAt)}`,
      );
      if (d.suppressedBy) out.line(`  suppressed by ${d.suppressedBy}`);
      if (d.acknowledgedBy) out.line(`  acknowledged by ${d.acknowledgedBy} at ${isoTime(d.acknowledgedAt)}`);
      out.line(`  managers: ${d.managers.join(', ') || '-'}`);
      out.line(`  runbook: ${d.runbookUrl}`);
      out.line('transitions:');
      for (const t of d.transitions)
        out.line(`  ${isoTime(t.at)}  ${t.from ?? '-'} → ${t.to}  ${t.reason ?? ''}`.trimEnd());
      out.line('notifications:');
      if (d.notifications.length === 0) out.line('  none');
      for (const n of d.notifications) {
        out.line(`  ${n.id}  ${isoTime(n.createdAt)}  ${n.status}  ${n.kind} ${n.target}  ${n.reason}`);
      }
    });

  alerts
    .command('ack')
    .description('acknowledge an open alert (the comment goes to the audit trail)')
    .argument('<id>', 'alert id', parseId)
    .option('--comment <text>', 'why, or what is being done')
    .action(async (id: number, opts: { comment?: string; json?: boolean }) => {
      const out = cli.output(opts);
      const a = await cli.withRuntime((rt) =>
        withOptionNames(() => acknowledgeAlert(rt.ctx, cli.actor(), id, { comment: opts.comment })),
      );
      out.data(a);
      out.line(`acknowledged alert ${id} (${a.name})`);
    });

  alerts
    .command('catalogue')
    .description("every alert SMART raises, with a dealer's effective settings")
    .option('--dealer <code>', 'dealer code (default: the catalogue values)')
    .action(async (opts: { dealer?: string; json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const cat = await cli.withRuntime(async (rt) =>
        alertCatalogue(rt.ctx, actor, await dealerId(rt, actor, opts.dealer)),
      );
      out.data(cat);
      const rows = cat.alerts.map((a) => [
        a.name,
        a.priority,
        a.importance,
        a.class,
        a.effective.enabled ? (a.overridden ? 'changed' : 'default') : 'disabled',
        a.summary,
      ]);
      for (const l of table(['ALERT', 'PRI', 'IMPORTANCE', 'CLASS', 'SETTINGS', 'SUMMARY'], rows))
        out.line(l);
    });

  // ---- channels ----

  const channel = alerts
    .command('channel')
    .description('notification channels (mailboxes, Telegram chats, webhooks): add, list, rm');

  channel
    .command('add')
    .description(
      'add a channel of a dealer, or of one of its units (it hears about everything below the unit)',
    )
    .requiredOption('--dealer <code>', 'dealer code')
    .addOption(new Option('--kind <kind>', 'what it is').choices(CHANNEL_KINDS).makeOptionMandatory())
    .addOption(
      new Option('--class <class>', 'which alerts: high (high priority), analytics, or all')
        .choices(CHANNEL_CLASSES)
        .makeOptionMandatory(),
    )
    .requiredOption(
      '--target <target>',
      'e-mail address, Telegram chat id (-100…) or @channel, or webhook URL',
    )
    .requiredOption('--name <name>', 'a name people recognise, e.g. "Дежурная смена"')
    .option('--unit <unit>', 'org unit: id or name path (default: the whole dealer)')
    .option('--disabled', 'create it switched off')
    .action(
      async (opts: {
        dealer: string;
        kind: (typeof CHANNEL_KINDS)[number];
        class: (typeof CHANNEL_CLASSES)[number];
        target: string;
        name: string;
        unit?: string;
        disabled?: boolean;
        json?: boolean;
      }) => {
        const out = cli.output(opts);
        const actor = cli.actor();
        const ch = await cli.withRuntime((rt) =>
          withOptionNames(async () =>
            createChannel(rt.ctx, actor, {
              dealerId: await dealerId(rt, actor, opts.dealer),
              unitId: (await unitId(rt, actor, opts.dealer, opts.unit)) ?? null,
              kind: opts.kind,
              class: opts.class,
              target: opts.target,
              name: opts.name,
              enabled: opts.disabled !== true,
            }),
          ),
        );
        out.data(ch);
        out.line(`created ${ch.kind} channel "${ch.name}" (${ch.class}), id ${ch.id}`);
      },
    );

  channel
    .command('list')
    .description('list channels with their last delivery error')
    .option('--dealer <code>', 'dealer code (default: every dealer)')
    .action(async (opts: { dealer?: string; json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const list = await cli.withRuntime(async (rt) =>
        listChannels(rt.ctx, actor, { dealerId: await dealerId(rt, actor, opts.dealer) }),
      );
      out.data(list);
      if (list.length === 0) return out.line('no notification channels');
      const rows = list.map((c) => [
        String(c.id),
        c.kind,
        c.class,
        c.name,
        c.target,
        c.unitId === null ? '-' : String(c.unitId),
        c.enabled ? 'on' : 'off',
        c.lastError ? `${isoTime(c.lastErrorAt)} ${c.lastError}` : '-',
      ]);
      for (const l of table(['ID', 'KIND', 'CLASS', 'NAME', 'TARGET', 'UNIT', 'ENABLED', 'LAST ERROR'], rows))
        out.line(l);
    });

  channel
    .command('rm')
    .description('delete a channel (rules stop naming it)')
    .argument('<id>', 'channel id', parseId)
    .action(async (id: number, opts: { json?: boolean }) => {
      const out = cli.output(opts);
      await cli.withRuntime((rt) => deleteChannel(rt.ctx, cli.actor(), id));
      out.data({ deleted: id });
      out.line(`deleted notification channel ${id}`);
    });

  // ---- rules ----

  const rule = alerts
    .command('rule')
    .description('routing rules (which alerts go to which channels): add, list, rm');

  rule
    .command('add')
    .description('add a rule: matching alerts also go to the channels (add) or only to them (replace)')
    .requiredOption('--dealer <code>', 'dealer code')
    .requiredOption('--name <name>', 'what the rule is for')
    .option('--match-alert <alert>', 'alert name or alias (repeat for several)', collect, [])
    .option('--match-priority <K>', 'priority K1…K5 (repeat)', collectPriority)
    .option('--match-category <category>', 'category, e.g. network, online (repeat)', collect, [])
    .option(
      '--match-label <key=value>',
      'label that must be equal, e.g. client=romashka (repeat)',
      parseKeyValue,
      {},
    )
    .addOption(
      new Option('--mode <mode>', 'add channels, or replace the receivers')
        .choices(RULE_MODES)
        .default('add'),
    )
    .option('--channel <id>', 'channel id (repeat for several)', collectId, [])
    .option('--managers', "in replace mode: the object's managers keep getting it")
    .option('--unit <unit>', 'org unit the rule is for: id or name path (default: the whole dealer)')
    .action(
      async (opts: {
        dealer: string;
        name: string;
        matchAlert: string[];
        matchPriority?: Priority[];
        matchCategory: string[];
        matchLabel: Record<string, string>;
        mode: (typeof RULE_MODES)[number];
        channel: number[];
        managers?: boolean;
        unit?: string;
        json?: boolean;
      }) => {
        const out = cli.output(opts);
        const actor = cli.actor();
        const matchers: Record<string, unknown> = {};
        if (opts.matchAlert.length) matchers.alerts = opts.matchAlert;
        if (opts.matchPriority?.length) matchers.priorities = opts.matchPriority;
        if (opts.matchCategory.length) matchers.categories = opts.matchCategory;
        if (Object.keys(opts.matchLabel).length) matchers.labels = opts.matchLabel;
        const r = await cli.withRuntime((rt) =>
          withOptionNames(async () =>
            createRule(rt.ctx, actor, {
              dealerId: await dealerId(rt, actor, opts.dealer),
              unitId: (await unitId(rt, actor, opts.dealer, opts.unit)) ?? null,
              name: opts.name,
              matchers: matchers as AlertMatchers,
              mode: opts.mode,
              channelIds: opts.channel,
              managers: opts.managers === true,
            }),
          ),
        );
        out.data(r);
        out.line(`created rule "${r.name}" (${r.mode}, position ${r.position}), id ${r.id}`);
      },
    );

  rule
    .command('list')
    .description('list routing rules in the order they apply')
    .option('--dealer <code>', 'dealer code (default: every dealer)')
    .action(async (opts: { dealer?: string; json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const list = await cli.withRuntime(async (rt) =>
        listRules(rt.ctx, actor, { dealerId: await dealerId(rt, actor, opts.dealer) }),
      );
      out.data(list);
      if (list.length === 0) return out.line('no routing rules');
      const rows = list.map((r) => [
        String(r.id),
        String(r.position),
        r.name,
        r.mode + (r.mode === 'replace' && r.managers ? '+managers' : ''),
        matchersText(r.matchers),
        r.channelIds.join(',') || '-',
        r.unitId === null ? '-' : String(r.unitId),
        r.enabled ? 'on' : 'off',
      ]);
      for (const l of table(['ID', 'POS', 'NAME', 'MODE', 'MATCH', 'CHANNELS', 'UNIT', 'ENABLED'], rows))
        out.line(l);
    });

  rule
    .command('rm')
    .description('delete a routing rule')
    .argument('<id>', 'rule id', parseId)
    .action(async (id: number, opts: { json?: boolean }) => {
      const out = cli.output(opts);
      await cli.withRuntime((rt) => deleteRule(rt.ctx, cli.actor(), id));
      out.data({ deleted: id });
      out.line(`deleted routing rule ${id}`);
    });

  // ---- silences ----

  const silence = alerts
    .command('silence')
    .description('silences (matching alerts are shown but nobody is told): add, list, expire');

  silence
    .command('add')
    .description('silence matching alerts of a dealer from now (or --from) until --until, or for --for')
    .requiredOption('--dealer <code>', 'dealer code')
    .option('--match-alert <alert>', 'alert name or alias (repeat)', collect, [])
    .option(
      '--match-label <key=value>',
      'label that must be equal, e.g. host=kodeks.example.ru (repeat)',
      parseKeyValue,
      {},
    )
    .option('--match-priority <K>', 'priority K1…K5 (repeat)', collectPriority)
    .option('--from <time>', 'start, ISO 8601 with a zone (default: now)')
    .option('--until <time>', 'end, ISO 8601 with a zone, e.g. 2026-11-02T06:00:00+05:00')
    .option('--for <duration>', 'or: how long from the start, e.g. 2h, 1h30m, 3d', parseDuration)
    .requiredOption('--comment <text>', 'why (required)')
    .option('--unit <unit>', 'only alerts of objects below this org unit: id or name path')
    .action(
      async (opts: {
        dealer: string;
        matchAlert: string[];
        matchLabel: Record<string, string>;
        matchPriority?: Priority[];
        from?: string;
        until?: string;
        for?: number;
        comment: string;
        unit?: string;
        json?: boolean;
      }) => {
        if ((opts.until === undefined) === (opts.for === undefined)) {
          throw new CliError('give exactly one of --until and --for', 2);
        }
        const out = cli.output(opts);
        const actor = cli.actor();
        const matchers: Record<string, unknown> = {};
        if (opts.matchAlert.length) matchers.alerts = opts.matchAlert;
        if (opts.matchPriority?.length) matchers.priorities = opts.matchPriority;
        if (Object.keys(opts.matchLabel).length) matchers.labels = opts.matchLabel;
        const sil = await cli.withRuntime((rt) =>
          withOptionNames(async () => {
            const start = opts.from === undefined ? rt.ctx.clock.now() : opts.from;
            const startMs = typeof start === 'number' ? start : Date.parse(start);
            return createSilence(rt.ctx, actor, {
              dealerId: await dealerId(rt, actor, opts.dealer),
              unitId: (await unitId(rt, actor, opts.dealer, opts.unit)) ?? null,
              matchers: matchers as AlertMatchers,
              startsAt: start,
              // --for counts from the start; a start that is not a time is reported by the service.
              endsAt:
                opts.for !== undefined
                  ? Number.isFinite(startMs)
                    ? startMs + opts.for
                    : start
                  : opts.until!,
              comment: opts.comment,
            });
          }),
        );
        out.data(sil);
        out.line(
          `created silence ${sil.id} (${sil.state}) until ${isoTime(sil.endsAt)}: ${matchersText(sil.matchers)}`,
        );
      },
    );

  silence
    .command('list')
    .description('list silences: current (active and future) by default')
    .option('--dealer <code>', 'dealer code (default: every dealer)')
    .addOption(new Option('--state <state>', 'which silences').choices(SILENCE_STATES).default('current'))
    .action(async (opts: { dealer?: string; state: (typeof SILENCE_STATES)[number]; json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const list = await cli.withRuntime(async (rt) =>
        listSilences(rt.ctx, actor, { dealerId: await dealerId(rt, actor, opts.dealer), state: opts.state }),
      );
      out.data(list);
      if (list.length === 0) return out.line('no silences');
      const rows = list.map((s) => [
        String(s.id),
        s.state,
        isoTime(s.startsAt),
        isoTime(s.endsAt),
        matchersText(s.matchers),
        s.author,
        s.comment,
      ]);
      for (const l of table(['ID', 'STATE', 'FROM', 'UNTIL', 'MATCH', 'AUTHOR', 'COMMENT'], rows))
        out.line(l);
    });

  silence
    .command('expire')
    .description('end a silence now')
    .argument('<id>', 'silence id', parseId)
    .action(async (id: number, opts: { json?: boolean }) => {
      const out = cli.output(opts);
      const s = await cli.withRuntime((rt) => expireSilence(rt.ctx, cli.actor(), id));
      out.data(s);
      out.line(`silence ${id} ended at ${isoTime(s.endsAt)}`);
    });

  // ---- maintenance windows ----

  const maintenance = alerts
    .command('maintenance')
    .description('maintenance windows (one-off or weekly, in a time zone): add, list, rm');

  maintenance
    .command('add')
    .description('add a window: --start/--end once, or --weekly --days --at --duration')
    .requiredOption('--dealer <code>', 'dealer code')
    .requiredOption('--scope <scope>', 'dealer, unit:ID, client:ID, installation:ID or online:ID', parseScope)
    .requiredOption('--tz <zone>', 'IANA time zone, e.g. Asia/Yekaterinburg')
    .option('--start <time>', "once: start, 'YYYY-MM-DDTHH:MM' local to --tz (or ISO with a zone)")
    .option('--end <time>', 'once: end, in the same forms')
    .option('--weekly', 'a weekly window')
    .option('--days <days>', 'weekly: ISO weekdays, 1 = Monday … 7 = Sunday, e.g. 6,7', parseDays)
    .option('--at <HH:MM>', 'weekly: local start time')
    .option('--duration <minutes>', 'weekly: length in minutes (1–10080)', parseCount(10_080))
    .option('--valid-from <time>', 'weekly: from this day on')
    .option('--valid-until <time>', 'weekly: until this day')
    .requiredOption('--comment <text>', 'why (required)')
    .action(
      async (opts: {
        dealer: string;
        scope: { kind: WindowScopeKind; id: number | null };
        tz: string;
        start?: string;
        end?: string;
        weekly?: boolean;
        days?: number[];
        at?: string;
        duration?: number;
        validFrom?: string;
        validUntil?: string;
        comment: string;
        json?: boolean;
      }) => {
        const out = cli.output(opts);
        const actor = cli.actor();
        if (opts.weekly) {
          const missing = (['days', 'at', 'duration'] as const).filter((k) => opts[k] === undefined);
          if (missing.length)
            throw new CliError(`--weekly needs ${missing.map((m) => `--${m}`).join(', ')}`, 2);
          if (opts.start !== undefined || opts.end !== undefined) {
            throw new CliError(
              '--start and --end are for one-off windows; a weekly one takes --days --at --duration',
              2,
            );
          }
        } else if (opts.start === undefined || opts.end === undefined) {
          throw new CliError(
            'give --start and --end (a one-off window), or --weekly --days --at --duration',
            2,
          );
        }
        const w = await cli.withRuntime((rt) =>
          withOptionNames(async () => {
            const dealer = await dealerByCode(rt, actor, opts.dealer);
            const scope = { kind: opts.scope.kind, id: opts.scope.id ?? dealer.id };
            const common = { dealerId: dealer.id, scope, timeZone: opts.tz, comment: opts.comment };
            return createMaintenanceWindow(
              rt.ctx,
              actor,
              opts.weekly
                ? {
                    ...common,
                    kind: 'weekly',
                    days: opts.days!,
                    startTime: opts.at!,
                    durationMin: opts.duration!,
                    validFrom: opts.validFrom,
                    validUntil: opts.validUntil,
                  }
                : { ...common, kind: 'once', start: opts.start!, end: opts.end! },
            );
          }),
        );
        out.data(w);
        out.line(
          `created maintenance window ${w.id} for ${w.scope.kind} ${w.scope.id}: ${windowWhen(w)} (${w.timeZone})`,
        );
      },
    );

  maintenance
    .command('list')
    .description('list maintenance windows; ACTIVE is now')
    .option('--dealer <code>', 'dealer code (default: every dealer)')
    .action(async (opts: { dealer?: string; json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const list = await cli.withRuntime(async (rt) =>
        listMaintenanceWindows(rt.ctx, actor, { dealerId: await dealerId(rt, actor, opts.dealer) }),
      );
      out.data(list);
      if (list.length === 0) return out.line('no maintenance windows');
      const rows = list.map((w) => [
        String(w.id),
        `${w.scope.kind}:${w.scope.id}`,
        w.timeZone,
        windowWhen(w),
        w.active ? 'yes' : 'no',
        w.comment,
      ]);
      for (const l of table(['ID', 'SCOPE', 'ZONE', 'WHEN', 'ACTIVE', 'COMMENT'], rows)) out.line(l);
    });

  maintenance
    .command('rm')
    .description('delete a maintenance window')
    .argument('<id>', 'window id', parseId)
    .action(async (id: number, opts: { json?: boolean }) => {
      const out = cli.output(opts);
      await cli.withRuntime((rt) => deleteMaintenanceWindow(rt.ctx, cli.actor(), id));
      out.data({ deleted: id });
      out.line(`deleted maintenance window ${id}`);
    });

  // ---- settings ----

  const settings = alerts
    .command('settings')
    .description("a dealer's settings of one alert: show, set, reset");

  settings
    .command('show')
    .description('the effective settings of an alert for a dealer')
    .argument('<alert>', 'alert name or alias')
    .requiredOption('--dealer <code>', 'dealer code')
    .action(async (name: string, opts: { dealer: string; json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const v = await cli.withRuntime(async (rt) =>
        getAlertSettings(rt.ctx, actor, name, await dealerId(rt, actor, opts.dealer)),
      );
      out.data(v);
      for (const l of settingsLines(v)) out.line(l);
    });

  settings
    .command('set')
    .description('change settings of an alert for a dealer; what is not given stays as it is')
    .argument('<alert>', 'alert name or alias')
    .requiredOption('--dealer <code>', 'dealer code')
    .option(
      '--count-threshold <n>',
      'more than this many firing instances send the …Count form (1–10000)',
      parseCount(1_000_000),
    )
    .option('--disable', 'do not raise this alert for the dealer')
    .option('--enable', 'raise it again')
    .option('--param <name=value>', 'a threshold of the alert, e.g. maxAgeDays=5 (repeat)', parseParam, {})
    .action(
      async (
        name: string,
        opts: {
          dealer: string;
          countThreshold?: number;
          disable?: boolean;
          enable?: boolean;
          param: Record<string, number>;
          json?: boolean;
        },
      ) => {
        if (opts.disable && opts.enable) throw new CliError('give --disable or --enable, not both', 2);
        const out = cli.output(opts);
        const actor = cli.actor();
        const v = await cli.withRuntime((rt) =>
          withOptionNames(async () => {
            const id = await dealerId(rt, actor, opts.dealer);
            const before = (await getAlertSettings(rt.ctx, actor, name, id)).override;
            return putAlertSettings(rt.ctx, actor, name, {
              dealerId: id,
              enabled: opts.disable ? false : opts.enable ? true : (before?.enabled ?? true),
              countThreshold: opts.countThreshold ?? before?.countThreshold ?? null,
              forMs: before?.forMs ?? null,
              keepFiringForMs: before?.keepFiringForMs ?? null,
              groupWaitMs: before?.groupWaitMs ?? null,
              groupIntervalMs: before?.groupIntervalMs ?? null,
              repeatIntervalMs: before?.repeatIntervalMs ?? null,
              params: { ...(before?.params ?? {}), ...opts.param },
            });
          }),
        );
        out.data(v);
        for (const l of settingsLines(v)) out.line(l);
      },
    );

  settings
    .command('reset')
    .description("drop a dealer's settings of an alert: the catalogue's values apply again")
    .argument('<alert>', 'alert name or alias')
    .requiredOption('--dealer <code>', 'dealer code')
    .action(async (name: string, opts: { dealer: string; json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const v = await cli.withRuntime(async (rt) =>
        resetAlertSettings(rt.ctx, actor, name, await dealerId(rt, actor, opts.dealer)),
      );
      out.data(v);
      for (const l of settingsLines(v)) out.line(l);
    });

  // ---- the delivery log ----

  alerts
    .command('notifications')
    .description('the delivery log, newest first')
    .option('--dealer <code>', 'dealer code (default: every dealer)')
    .addOption(new Option('--status <status>', 'queued, sent or failed').choices(NOTIFICATION_STATUSES))
    .addOption(new Option('--kind <kind>', 'email, telegram or webhook').choices(NOTIFICATION_KINDS))
    .option('--alert <alert>', 'alert name or alias')
    .option('--limit <n>', 'at most this many (up to 1000)', parseCount(1000), 50)
    .action(
      async (opts: {
        dealer?: string;
        status?: (typeof NOTIFICATION_STATUSES)[number];
        kind?: (typeof NOTIFICATION_KINDS)[number];
        alert?: string;
        limit: number;
        json?: boolean;
      }) => {
        const out = cli.output(opts);
        const actor = cli.actor();
        const page = await cli.withRuntime((rt) =>
          withOptionNames(async () =>
            listNotifications(rt.ctx, actor, {
              dealerId: await dealerId(rt, actor, opts.dealer),
              status: opts.status,
              kind: opts.kind,
              alertName: opts.alert,
              limit: opts.limit,
            }),
          ),
        );
        out.data(page);
        if (page.total === 0) return out.line('no notifications');
        const rows = page.items.map((n) => [
          String(n.id),
          isoTime(n.createdAt),
          n.status,
          n.kind,
          n.target,
          n.alertName,
          String(n.attempts),
          n.lastError ?? '-',
        ]);
        for (const l of table(
          ['ID', 'CREATED', 'STATUS', 'KIND', 'TARGET', 'ALERT', 'ATTEMPTS', 'LAST ERROR'],
          rows,
        )) {
          out.line(l);
        }
        if (page.total > page.items.length) out.line(`(${page.items.length} of ${page.total}; see --limit)`);
      },
    );
}

function collectPriority(value: string, previous: Priority[] | undefined): Priority[] {
  const p = PRIORITIES.find((x) => x === value.trim().toUpperCase());
  if (!p) throw new InvalidArgumentError(`expected one of ${PRIORITIES.join(', ')}.`);
  return [...(previous ?? []), p];
}

function collectId(value: string, previous: number[]): number[] {
  return [...previous, parseId(value)];
}
