/**
 * Alerts: the instances (current and history) and their acknowledgement, the catalogue and per-dealer
 * alert settings, notification channels and routing rules (with a preview), silences, maintenance
 * windows, and the delivery log. The services filter by scope in SQL: out of scope is 404, a visible
 * object the role may not change is 403.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  activeSuppressions,
  AlertSettingsInput,
  CHANNEL_CLASSES,
  CHANNEL_KINDS,
  ChannelInput,
  ChannelPatch,
  createChannel,
  createMaintenanceWindow,
  createRule,
  createSilence,
  deleteChannel,
  deleteMaintenanceWindow,
  deleteRule,
  deleteSilence,
  expireSilence,
  getAlertSettings,
  getChannel,
  getMaintenanceWindow,
  getRule,
  getSilence,
  listChannels,
  listMaintenanceWindows,
  listRules,
  listSilences,
  MaintenanceWindowInput,
  MaintenanceWindowPatch,
  previewRouting,
  putAlertSettings,
  reorderRules,
  ReorderInput,
  resetAlertSettings,
  RoutingPreviewInput,
  RULE_MODES,
  RuleInput,
  RulePatch,
  SILENCE_STATES,
  SilenceInput,
  updateChannel,
  updateMaintenanceWindow,
  updateRule,
  WINDOW_SCOPES,
} from '../../alerts/admin.js';
import { ALERT_CATEGORIES, ALERT_CLASSES, IMPORTANCES, PRIORITIES } from '../../alerts/catalogue.js';
import {
  acknowledgeAlert,
  AckInput,
  ALERT_STATE_FILTERS,
  ALERT_STATES,
  alertCatalogue,
  getAlert,
  getNotification,
  KnownAlertName,
  listAlerts,
  listNotifications,
  NOTIFICATION_KINDS,
  NOTIFICATION_STATUSES,
} from '../../alerts/queries.js';
import { actorOf } from '../auth.js';
import { authErrors, IdParams, QueryId, writeErrors } from '../schemas.js';
import type { RouteOptions } from './common.js';

// ---- query strings ----

const QueryMs = z
  .string()
  .regex(/^\d{1,15}$/, 'must be milliseconds since 1970-01-01 UTC')
  .transform(Number)
  .optional();

function queryInt(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,10}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional();
}

/** A list in a query string: repeated (`?name=a&name=b`) or comma-separated (`?name=a,b`). */
function queryList<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((v) =>
      (Array.isArray(v) ? v : [v])
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).max(200))
    .optional();
}

const Paging = { limit: queryInt(1, 1000), offset: queryInt(0, 1_000_000_000) };

// ---- answers ----

const NameParams = z.object({ name: z.string().trim().min(1).max(100) });

const AlertOut = z.object({
  id: z.number(),
  dealerId: z.number(),
  name: z.string(),
  state: z.enum(ALERT_STATES),
  priority: z.enum(PRIORITIES).nullable(),
  importance: z.enum(IMPORTANCES).nullable(),
  category: z.enum(ALERT_CATEGORIES).nullable(),
  class: z.enum(ALERT_CLASSES).nullable(),
  subject: z.object({ kind: z.string(), id: z.number() }),
  labels: z.record(z.string(), z.string()),
  text: z.string(),
  value: z.number().nullable(),
  filename: z.string().nullable(),
  activeSince: z.number(),
  firstSeenAt: z.number(),
  firedAt: z.number().nullable(),
  resolvedAt: z.number().nullable(),
  lastEvaluatedAt: z.number(),
  inhibitedBy: z.string().nullable(),
  suppressedBy: z
    .string()
    .nullable()
    .describe('silence:ID, maintenance:ID or inhibited:NAME while nobody is told about it; null otherwise'),
  acknowledgedAt: z.number().nullable(),
  acknowledgedBy: z.string().nullable(),
  client: z.object({ id: z.number(), name: z.string() }).nullable(),
  managers: z.array(z.string()),
  runbookUrl: z.string(),
});

const NotificationOut = z.object({
  id: z.number(),
  dealerId: z.number().nullable(),
  channelId: z.number().nullable(),
  channelName: z.string().nullable(),
  kind: z.string(),
  target: z.string(),
  alertName: z.string(),
  reason: z.string(),
  subject: z.string(),
  instanceCount: z.number(),
  status: z.string(),
  attempts: z.number(),
  nextAttemptAt: z.number(),
  createdAt: z.number(),
  sentAt: z.number().nullable(),
  lastError: z.string().nullable(),
});

const NotificationDetailOut = NotificationOut.extend({
  body: z.string(),
  payload: z.unknown(),
  attemptLog: z.array(
    z.object({
      at: z.number(),
      nodeId: z.string(),
      ok: z.boolean(),
      permanent: z.boolean(),
      error: z.string().nullable(),
      code: z.string().nullable(),
      retryAfterMs: z.number().nullable(),
      durationMs: z.number(),
    }),
  ),
});

const AlertDetailOut = AlertOut.extend({
  transitions: z.array(
    z.object({ at: z.number(), from: z.string().nullable(), to: z.string(), reason: z.string().nullable() }),
  ),
  notifications: z.array(NotificationOut),
});

const Timings = z.object({
  groupWaitMs: z.number(),
  groupIntervalMs: z.number(),
  repeatIntervalMs: z.number(),
});
const EffectiveOut = z.object({
  enabled: z.boolean(),
  countThreshold: z.number().nullable(),
  forMs: z.number(),
  keepFiringForMs: z.number(),
  params: z.record(z.string(), z.number()),
  timings: Timings,
});

const OverrideOut = z
  .object({
    enabled: z.boolean(),
    countThreshold: z.number().nullable(),
    forMs: z.number().nullable(),
    keepFiringForMs: z.number().nullable(),
    groupWaitMs: z.number().nullable(),
    groupIntervalMs: z.number().nullable(),
    repeatIntervalMs: z.number().nullable(),
    params: z.record(z.string(), z.number()),
    updatedAt: z.number(),
  })
  .describe("the dealer's stored values (null fields = the catalogue's)");

const CatalogueOut = z.object({
  dealerId: z.number().nullable(),
  alerts: z.array(
    z.object({
      name: z.string(),
      aliases: z.array(z.string()),
      category: z.enum(ALERT_CATEGORIES),
      sources: z.array(z.string()),
      subjects: z.array(z.string()),
      priority: z.enum(PRIORITIES),
      importance: z.enum(IMPORTANCES),
      class: z.enum(ALERT_CLASSES),
      stated: z.boolean(),
      summary: z.string(),
      condition: z.string(),
      countOf: z.string().nullable(),
      countSibling: z.string().nullable(),
      runbookUrl: z.string(),
      defaults: EffectiveOut,
      effective: EffectiveOut,
      overridden: z.boolean(),
      override: OverrideOut.nullable(),
    }),
  ),
});

const SettingsOut = z.object({
  dealerId: z.number(),
  name: z.string(),
  override: OverrideOut.nullable(),
  effective: EffectiveOut,
});

const MatchersOut = z.object({
  alerts: z.array(z.string()).optional(),
  categories: z.array(z.string()).optional(),
  priorities: z.array(z.string()).optional(),
  importance: z.array(z.string()).optional(),
  classes: z.array(z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

const ChannelOut = z.object({
  id: z.number(),
  dealerId: z.number(),
  unitId: z.number().nullable(),
  kind: z.enum(CHANNEL_KINDS),
  class: z.enum(CHANNEL_CLASSES),
  name: z.string(),
  target: z.string().describe('a webhook URL is shown as its origin to those who may not change the channel'),
  enabled: z.boolean(),
  lastError: z.string().nullable(),
  lastErrorAt: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  editable: z.boolean(),
});

const RuleOut = z.object({
  id: z.number(),
  dealerId: z.number(),
  unitId: z.number().nullable(),
  position: z.number(),
  name: z.string(),
  matchers: MatchersOut,
  mode: z.enum(RULE_MODES),
  channelIds: z.array(z.number()),
  managers: z.boolean(),
  enabled: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
  editable: z.boolean(),
});

const PreviewOut = z.object({
  alertName: z.string(),
  priority: z.enum(PRIORITIES),
  class: z.enum(ALERT_CLASSES),
  subject: z.object({
    kind: z.enum(['installation', 'online']),
    id: z.number(),
    clientId: z.number(),
    unitId: z.number().nullable(),
  }),
  labels: z.record(z.string(), z.string()),
  matchedRules: z.array(z.object({ id: z.number(), name: z.string(), mode: z.enum(RULE_MODES) })),
  receivers: z.array(
    z.object({
      kind: z.enum(CHANNEL_KINDS),
      target: z.string(),
      channelId: z.number().nullable(),
      channelName: z.string().nullable(),
      countOnly: z.boolean(),
    }),
  ),
  suppressedBy: z.string().nullable(),
});

const SilenceOut = z.object({
  id: z.number(),
  dealerId: z.number(),
  unitId: z.number().nullable(),
  matchers: MatchersOut,
  startsAt: z.number(),
  endsAt: z.number(),
  author: z.string(),
  comment: z.string(),
  createdAt: z.number(),
  state: z.enum(['active', 'pending', 'expired']),
  editable: z.boolean(),
});

const WindowOut = z.object({
  id: z.number(),
  dealerId: z.number(),
  scope: z.object({ kind: z.enum(WINDOW_SCOPES), id: z.number() }),
  timeZone: z.string(),
  kind: z.enum(['once', 'weekly']),
  startsAt: z.number().nullable(),
  endsAt: z.number().nullable(),
  days: z.array(z.number()),
  startTime: z.string().nullable(),
  durationMin: z.number().nullable(),
  validFrom: z.number().nullable(),
  validUntil: z.number().nullable(),
  author: z.string(),
  comment: z.string(),
  createdAt: z.number(),
  active: z.boolean(),
  editable: z.boolean(),
});

const ConfigQuery = z.object({ dealerId: QueryId, unitId: QueryId });

export const alertRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  const alertTags = ['alerts'];
  const settingsTags = ['alert settings'];
  const routingTags = ['notification routing'];
  const suppressionTags = ['silences and maintenance'];
  const deliveryTags = ['notifications'];

  // ---- instances ----

  app.get(
    '/alerts',
    {
      schema: {
        tags: alertTags,
        summary: 'Alert instances: open ones by default (K1 first, newest first), or history',
        querystring: z.object({
          state: z.enum(ALERT_STATE_FILTERS).optional(),
          name: queryList(KnownAlertName),
          priority: queryList(z.enum(PRIORITIES)),
          importance: queryList(z.enum(IMPORTANCES)),
          category: queryList(z.enum(ALERT_CATEGORIES)),
          dealerId: QueryId,
          clientId: QueryId,
          installationId: QueryId,
          onlineAccessId: QueryId,
          from: QueryMs,
          to: QueryMs,
          ...Paging,
        }),
        response: { 200: z.object({ total: z.number(), items: z.array(AlertOut) }), ...authErrors },
      },
    },
    async (req) => {
      const { name, priority, importance, category, ...rest } = req.query;
      return listAlerts(ctx, actorOf(req), {
        ...rest,
        names: name,
        priorities: priority,
        importance,
        categories: category,
      });
    },
  );

  app.get(
    '/alerts/:id',
    {
      schema: {
        tags: alertTags,
        summary: 'One alert instance with its transitions and the messages sent about it',
        params: IdParams,
        response: { 200: AlertDetailOut, ...authErrors },
      },
    },
    async (req) => getAlert(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/alerts/:id/ack',
    {
      schema: {
        tags: alertTags,
        summary: 'Acknowledge an open alert (every role but viewer); the comment goes to the audit trail',
        params: IdParams,
        body: AckInput.nullish(),
        response: { 200: AlertOut, ...writeErrors },
      },
    },
    async (req) => acknowledgeAlert(ctx, actorOf(req), req.params.id, req.body ?? {}),
  );

  // ---- catalogue and settings ----

  app.get(
    '/alert-catalogue',
    {
      schema: {
        tags: settingsTags,
        summary: "Every alert SMART raises, with the dealer's effective settings",
        querystring: z.object({ dealerId: QueryId }),
        response: { 200: CatalogueOut, ...authErrors },
      },
    },
    async (req) => alertCatalogue(ctx, actorOf(req), req.query.dealerId),
  );

  app.get(
    '/alert-settings/:name',
    {
      schema: {
        tags: settingsTags,
        summary: "A dealer's settings of one alert (a name or an alias)",
        params: NameParams,
        querystring: z.object({ dealerId: QueryId }),
        response: { 200: SettingsOut, ...authErrors },
      },
    },
    async (req) => getAlertSettings(ctx, actorOf(req), req.params.name, req.query.dealerId),
  );

  app.put(
    '/alert-settings/:name',
    {
      schema: {
        tags: settingsTags,
        summary: "Replace a dealer's settings of one alert (operator, dealer-admin)",
        params: NameParams,
        body: AlertSettingsInput,
        response: { 200: SettingsOut, ...writeErrors },
      },
    },
    async (req) => putAlertSettings(ctx, actorOf(req), req.params.name, req.body),
  );

  app.delete(
    '/alert-settings/:name',
    {
      schema: {
        tags: settingsTags,
        summary: "Drop a dealer's settings of one alert: the catalogue's values apply again",
        params: NameParams,
        querystring: z.object({ dealerId: QueryId }),
        response: { 200: SettingsOut, ...writeErrors },
      },
    },
    async (req) => resetAlertSettings(ctx, actorOf(req), req.params.name, req.query.dealerId),
  );

  // ---- channels ----

  app.get(
    '/notification-channels',
    {
      schema: {
        tags: routingTags,
        summary: 'Mailboxes, Telegram chats and webhooks of the dealer and of the units the caller sees',
        querystring: ConfigQuery,
        response: { 200: z.array(ChannelOut), ...authErrors },
      },
    },
    async (req) => listChannels(ctx, actorOf(req), req.query),
  );

  app.get(
    '/notification-channels/:id',
    {
      schema: {
        tags: routingTags,
        summary: 'One notification channel, with its last delivery error',
        params: IdParams,
        response: { 200: ChannelOut, ...authErrors },
      },
    },
    async (req) => getChannel(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/notification-channels',
    {
      schema: {
        tags: routingTags,
        summary: 'Create a notification channel (a head: for a unit of their subtree)',
        body: ChannelInput,
        response: { 201: ChannelOut, ...writeErrors },
      },
    },
    async (req, reply) => reply.code(201).send(await createChannel(ctx, actorOf(req), req.body)),
  );

  app.patch(
    '/notification-channels/:id',
    {
      schema: {
        tags: routingTags,
        summary: 'Change a notification channel',
        params: IdParams,
        body: ChannelPatch,
        response: { 200: ChannelOut, ...writeErrors },
      },
    },
    async (req) => updateChannel(ctx, actorOf(req), req.params.id, req.body),
  );

  app.delete(
    '/notification-channels/:id',
    {
      schema: {
        tags: routingTags,
        summary: 'Delete a notification channel (rules stop naming it)',
        params: IdParams,
        response: { 204: z.null(), ...writeErrors },
      },
    },
    async (req, reply) => {
      await deleteChannel(ctx, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  // ---- rules ----

  app.get(
    '/notification-rules',
    {
      schema: {
        tags: routingTags,
        summary: 'Routing rules in the order they apply',
        querystring: ConfigQuery,
        response: { 200: z.array(RuleOut), ...authErrors },
      },
    },
    async (req) => listRules(ctx, actorOf(req), req.query),
  );

  app.get(
    '/notification-rules/:id',
    {
      schema: {
        tags: routingTags,
        summary: 'One routing rule',
        params: IdParams,
        response: { 200: RuleOut, ...authErrors },
      },
    },
    async (req) => getRule(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/notification-rules',
    {
      schema: {
        tags: routingTags,
        summary:
          'Create a routing rule: matching alerts go to more channels (add) or only to these (replace)',
        body: RuleInput,
        response: { 201: RuleOut, ...writeErrors },
      },
    },
    async (req, reply) => reply.code(201).send(await createRule(ctx, actorOf(req), req.body)),
  );

  app.post(
    '/notification-rules/reorder',
    {
      schema: {
        tags: routingTags,
        summary: "Set the order of all of a dealer's rules (dealer-wide roles)",
        body: ReorderInput,
        response: { 200: z.array(RuleOut), ...writeErrors },
      },
    },
    async (req) => reorderRules(ctx, actorOf(req), req.body),
  );

  app.patch(
    '/notification-rules/:id',
    {
      schema: {
        tags: routingTags,
        summary: 'Change a routing rule',
        params: IdParams,
        body: RulePatch,
        response: { 200: RuleOut, ...writeErrors },
      },
    },
    async (req) => updateRule(ctx, actorOf(req), req.params.id, req.body),
  );

  app.delete(
    '/notification-rules/:id',
    {
      schema: {
        tags: routingTags,
        summary: 'Delete a routing rule',
        params: IdParams,
        response: { 204: z.null(), ...writeErrors },
      },
    },
    async (req, reply) => {
      await deleteRule(ctx, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/routing/preview',
    {
      schema: {
        tags: routingTags,
        summary: 'Who would be told if an alert fired on an installation or online access now',
        body: RoutingPreviewInput,
        response: { 200: PreviewOut, ...writeErrors },
      },
    },
    async (req) => previewRouting(ctx, actorOf(req), req.body),
  );

  // ---- silences ----

  app.get(
    '/silences',
    {
      schema: {
        tags: suppressionTags,
        summary: 'Silences: current (active and future) by default',
        querystring: ConfigQuery.extend({ state: z.enum(SILENCE_STATES).optional() }),
        response: { 200: z.array(SilenceOut), ...authErrors },
      },
    },
    async (req) => listSilences(ctx, actorOf(req), req.query),
  );

  app.get(
    '/silences/:id',
    {
      schema: {
        tags: suppressionTags,
        summary: 'One silence',
        params: IdParams,
        response: { 200: SilenceOut, ...authErrors },
      },
    },
    async (req) => getSilence(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/silences',
    {
      schema: {
        tags: suppressionTags,
        summary: 'Silence matching alerts for a while (they are still shown, nobody is told)',
        body: SilenceInput,
        response: { 201: SilenceOut, ...writeErrors },
      },
    },
    async (req, reply) => reply.code(201).send(await createSilence(ctx, actorOf(req), req.body)),
  );

  app.post(
    '/silences/:id/expire',
    {
      schema: {
        tags: suppressionTags,
        summary: 'End a silence now',
        params: IdParams,
        response: { 200: SilenceOut, ...writeErrors },
      },
    },
    async (req) => expireSilence(ctx, actorOf(req), req.params.id),
  );

  app.delete(
    '/silences/:id',
    {
      schema: {
        tags: suppressionTags,
        summary: 'Delete a silence',
        params: IdParams,
        response: { 204: z.null(), ...writeErrors },
      },
    },
    async (req, reply) => {
      await deleteSilence(ctx, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  // ---- maintenance windows ----

  app.get(
    '/maintenance-windows',
    {
      schema: {
        tags: suppressionTags,
        summary: 'Maintenance windows whose object the caller sees; `active` at `at` (default now)',
        querystring: z.object({ dealerId: QueryId, at: QueryMs }),
        response: { 200: z.array(WindowOut), ...authErrors },
      },
    },
    async (req) => listMaintenanceWindows(ctx, actorOf(req), req.query),
  );

  app.get(
    '/maintenance-windows/:id',
    {
      schema: {
        tags: suppressionTags,
        summary: 'One maintenance window',
        params: IdParams,
        response: { 200: WindowOut, ...authErrors },
      },
    },
    async (req) => getMaintenanceWindow(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/maintenance-windows',
    {
      schema: {
        tags: suppressionTags,
        summary: 'Create a one-off or weekly maintenance window in an IANA time zone',
        body: MaintenanceWindowInput,
        response: { 201: WindowOut, ...writeErrors },
      },
    },
    async (req, reply) => reply.code(201).send(await createMaintenanceWindow(ctx, actorOf(req), req.body)),
  );

  app.patch(
    '/maintenance-windows/:id',
    {
      schema: {
        tags: suppressionTags,
        summary: 'Change a maintenance window: any field of the create body, checked the same way',
        params: IdParams,
        body: MaintenanceWindowPatch,
        response: { 200: WindowOut, ...writeErrors },
      },
    },
    async (req) => updateMaintenanceWindow(ctx, actorOf(req), req.params.id, req.body),
  );

  app.delete(
    '/maintenance-windows/:id',
    {
      schema: {
        tags: suppressionTags,
        summary: 'Delete a maintenance window',
        params: IdParams,
        response: { 204: z.null(), ...writeErrors },
      },
    },
    async (req, reply) => {
      await deleteMaintenanceWindow(ctx, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/suppressions/active',
    {
      schema: {
        tags: suppressionTags,
        summary: 'Silences and maintenance windows in force at `at` (default now)',
        querystring: z.object({ dealerId: QueryId, at: QueryMs }),
        response: {
          200: z.object({ at: z.number(), silences: z.array(SilenceOut), windows: z.array(WindowOut) }),
          ...authErrors,
        },
      },
    },
    async (req) => activeSuppressions(ctx, actorOf(req), req.query),
  );

  // ---- delivery log ----

  app.get(
    '/notifications',
    {
      schema: {
        tags: deliveryTags,
        summary: 'The delivery log, newest first, with attempts and the last error',
        querystring: z.object({
          dealerId: QueryId,
          status: z.enum(NOTIFICATION_STATUSES).optional(),
          kind: z.enum(NOTIFICATION_KINDS).optional(),
          alertName: KnownAlertName.optional(),
          from: QueryMs,
          to: QueryMs,
          ...Paging,
        }),
        response: { 200: z.object({ total: z.number(), items: z.array(NotificationOut) }), ...authErrors },
      },
    },
    async (req) => listNotifications(ctx, actorOf(req), req.query),
  );

  app.get(
    '/notifications/:id',
    {
      schema: {
        tags: deliveryTags,
        summary: 'One message as sent, with every delivery attempt',
        params: IdParams,
        response: { 200: NotificationDetailOut, ...authErrors },
      },
    },
    async (req) => getNotification(ctx, actorOf(req), req.params.id),
  );
};
