/**
 * Shapes of the API answers the administration pages read (see docs/api.md and src/http/schemas.ts,
 * src/http/routes/alerts.ts, src/http/routes/ingest.ts). Declared here, not imported from the server,
 * so that the web app's type check does not pull in server code.
 */
import type { Role } from '../api';

export type { Role };

export interface Dealer {
  id: number;
  code: string;
  name: string;
  createdAt: number;
}

export interface Unit {
  id: number;
  dealerId: number;
  parentId: number | null;
  name: string;
  path: string;
}

export interface User {
  id: number;
  dealerId: number | null;
  unitId: number | null;
  managerId: number | null;
  login: string;
  displayName: string;
  role: Role;
  disabled: boolean;
}

export interface Manager {
  id: number;
  dealerId: number;
  unitId: number | null;
  name: string;
  emails: string[];
  telegramChatId: string | null;
}

export interface Client {
  id: number;
  dealerId: number;
  unitId: number | null;
  shortName: string;
  legalName: string | null;
  managerIds: number[];
}

export interface ManagerLink {
  managerId: number;
  email: string;
}

export type InstallationKind = 'polled' | 'agent' | 'closed';

export interface Installation {
  id: number;
  dealerId: number;
  clientId: number;
  kind: InstallationKind;
  sourceKey: string;
  address: string | null;
  port: number | null;
  protocol: 'http' | 'https' | null;
  probeEnabled: boolean;
  collectIntervalS: number;
  asrpPeriodS: number;
  utcOffsetMin: number;
  smartloginUser: string | null;
  smartloginPasswordSet: boolean;
  probeIntervalS: number;
  behindProxy: boolean;
  licmanAddress: string | null;
  licmanPort: number | null;
  managers: ManagerLink[];
}

export interface OnlineAccess {
  id: number;
  dealerId: number;
  clientId: number;
  login: string;
  host: string;
  folder: string;
  protocol: 'http' | 'https';
  utcOffsetMin: number;
  passwordSet: boolean;
  managers: ManagerLink[];
}

export interface UploadToken {
  id: number;
  dealerId: number;
  installationId: number | null;
  label: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface CreatedToken {
  info: UploadToken;
  token: string;
}

export interface ImportIssue {
  file: string;
  line: number;
  column?: number;
  columnName?: string;
  message: string;
  text: string;
}

export type ImportKind = 'managers' | 'online';

export interface ImportChange {
  action: 'create' | 'update' | 'remove';
  entity: 'client' | 'manager' | 'installation' | 'online_access';
  key: string;
  fields?: string[];
}

export interface ImportResult {
  file: string;
  kind: ImportKind;
  dryRun: boolean;
  applied: boolean;
  errors: ImportIssue[];
  warnings: ImportIssue[];
  changes: ImportChange[];
  counts: { create: number; update: number; remove: number; unchanged: number };
}

export interface Report {
  id: number;
  dealerId: number;
  installationId: number | null;
  sourceName: string;
  fileName: string;
  channel: string;
  format: string;
  via: string;
  sizeBytes: number;
  receivedAt: number;
  status: string;
  processedAt: number | null;
  reportAt: number | null;
  errorReason: string | null;
  errorMessage: string | null;
}

export interface UnregisteredSource {
  dealerId: number;
  sourceName: string;
  reports: number;
  firstReceivedAt: number;
  lastReceivedAt: number;
}

// ---- alerts ----

export const PRIORITIES = ['K1', 'K2', 'K3', 'K4', 'K5'] as const;
export const IMPORTANCES = ['info', 'critical'] as const;
export const ALERT_CLASSES = ['high', 'normal', 'analytics'] as const;
export const ALERT_CATEGORIES = [
  'db',
  'network',
  'availability',
  'senselock',
  'licence',
  'licman',
  'users',
  'online',
  'collection',
  'other',
  'delivery',
] as const;
export const CHANNEL_KINDS = ['email', 'telegram', 'webhook'] as const;
export const CHANNEL_CLASSES = ['high', 'analytics', 'all'] as const;
export const WINDOW_SCOPES = ['dealer', 'unit', 'client', 'installation', 'online'] as const;

export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export type ChannelClass = (typeof CHANNEL_CLASSES)[number];
export type WindowScopeKind = (typeof WINDOW_SCOPES)[number];

export interface Matchers {
  alerts?: string[];
  categories?: string[];
  priorities?: string[];
  importance?: string[];
  classes?: string[];
  labels?: Record<string, string>;
}

/** An alert's settings in force: the catalogue's, or with a dealer's overrides applied. */
export interface EffectiveSettings {
  enabled: boolean;
  /** Only for alerts with a …Count sibling. */
  countThreshold: number | null;
  forMs: number;
  keepFiringForMs: number;
  params: Record<string, number>;
  timings: { groupWaitMs: number; groupIntervalMs: number; repeatIntervalMs: number };
}

export interface CatalogueAlert {
  name: string;
  aliases: string[];
  category: string;
  sources: string[];
  subjects: string[];
  priority: string;
  importance: string;
  class: string;
  /** Priority and importance are the spec's. */
  stated: boolean;
  /** The Russian text of the messages. */
  summary: string;
  condition: string;
  countOf: string | null;
  countSibling: string | null;
  /** `/docs/errors/<Name>.md`, relative to the server. */
  runbookUrl: string;
  defaults: EffectiveSettings;
  effective: EffectiveSettings;
  /** The dealer has stored settings for this alert. */
  overridden: boolean;
  /** What the dealer stored (null fields: the catalogue's value); null when nothing is stored. */
  override: AlertOverride | null;
}

/** A dealer's stored settings of one alert; a null field (or a parameter left out) takes the catalogue's. */
export interface AlertOverride {
  enabled: boolean;
  countThreshold: number | null;
  forMs: number | null;
  keepFiringForMs: number | null;
  groupWaitMs: number | null;
  groupIntervalMs: number | null;
  repeatIntervalMs: number | null;
  params: Record<string, number>;
  updatedAt: number;
}

/** GET/PUT/DELETE /api/alert-settings/:name. */
export interface AlertSettings {
  dealerId: number;
  name: string;
  /** What the dealer stored (null fields: the catalogue's value); null when nothing is stored. */
  override: AlertOverride | null;
  effective: EffectiveSettings;
}

export interface Catalogue {
  dealerId: number | null;
  alerts: CatalogueAlert[];
}

export interface Channel {
  id: number;
  dealerId: number;
  unitId: number | null;
  kind: ChannelKind;
  class: ChannelClass;
  name: string;
  target: string;
  enabled: boolean;
  lastError: string | null;
  lastErrorAt: number | null;
  createdAt: number;
  updatedAt: number;
  editable: boolean;
}

export interface Rule {
  id: number;
  dealerId: number;
  unitId: number | null;
  position: number;
  name: string;
  matchers: Matchers;
  mode: 'add' | 'replace';
  channelIds: number[];
  managers: boolean;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
  editable: boolean;
}

export interface RoutingPreview {
  alertName: string;
  priority: string;
  class: string;
  subject: { kind: 'installation' | 'online'; id: number; clientId: number; unitId: number | null };
  labels: Record<string, string>;
  matchedRules: { id: number; name: string; mode: 'add' | 'replace' }[];
  receivers: {
    kind: ChannelKind;
    target: string;
    channelId: number | null;
    channelName: string | null;
    countOnly: boolean;
  }[];
  suppressedBy: string | null;
}

export interface Silence {
  id: number;
  dealerId: number;
  unitId: number | null;
  matchers: Matchers;
  startsAt: number;
  endsAt: number;
  author: string;
  comment: string;
  createdAt: number;
  state: 'active' | 'pending' | 'expired';
  editable: boolean;
}

export interface MaintenanceWindow {
  id: number;
  dealerId: number;
  scope: { kind: WindowScopeKind; id: number };
  timeZone: string;
  kind: 'once' | 'weekly';
  startsAt: number | null;
  endsAt: number | null;
  days: number[];
  startTime: string | null;
  durationMin: number | null;
  validFrom: number | null;
  validUntil: number | null;
  author: string;
  comment: string;
  createdAt: number;
  active: boolean;
  editable: boolean;
}

export interface Notification {
  id: number;
  dealerId: number | null;
  channelId: number | null;
  channelName: string | null;
  kind: string;
  target: string;
  alertName: string;
  reason: string;
  subject: string;
  instanceCount: number;
  status: string;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  sentAt: number | null;
  lastError: string | null;
}

export interface NotificationDetail extends Notification {
  body: string;
  payload: unknown;
  attemptLog: {
    at: number;
    nodeId: string;
    ok: boolean;
    permanent: boolean;
    error: string | null;
    code: string | null;
    retryAfterMs: number | null;
    durationMs: number;
  }[];
}
