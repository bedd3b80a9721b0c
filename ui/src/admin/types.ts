/**
 * Shapes of the API answers the administration pages read (see docs/api.md). Taken from the server
 * with `import type`/`export type` only, so nothing of the server ends up in the bundle: the route's
 * response schema where src/http/schemas.ts exports it (the zod serializer strips every key it does not
 * name, so its output is exactly the JSON), otherwise the service's own type, which is the same JSON
 * shape as the route's response schema (numbers for times, no Date or bigint, nothing stripped).
 * What stays declared here says why.
 */
import type { z } from 'zod';
import type { CatalogueEntry } from '../../../src/alerts/queries';
import type {
  ClientOut,
  DealerOut,
  ImportResultOut,
  InstallationOut,
  ManagerOut,
  OnlineAccessOut,
  UnitOut,
  UploadTokenOut,
  UserOut,
} from '../../../src/http/schemas';
import type { Role } from '../api';

export type { Role };

export type Dealer = z.output<typeof DealerOut>;
export type Unit = z.output<typeof UnitOut>;
export type User = z.output<typeof UserOut>;
export type Manager = z.output<typeof ManagerOut>;
export type Client = z.output<typeof ClientOut>;
export type Installation = z.output<typeof InstallationOut>;
export type ManagerLink = Installation['managers'][number];
export type { InstallationKind } from '../../../src/inventory/installations';
export type OnlineAccess = z.output<typeof OnlineAccessOut>;
export type UploadToken = z.output<typeof UploadTokenOut>;

/** POST …/upload-tokens: the route's schema is inline (`{ info: UploadTokenOut, token }`), not exported. */
export interface CreatedToken {
  info: UploadToken;
  token: string;
}

/** Not the service's ImportResult: the route adds each issue's one-line `text`. */
export type ImportResult = z.output<typeof ImportResultOut>;
export type ImportIssue = ImportResult['errors'][number];
export type ImportChange = ImportResult['changes'][number];
export type ImportKind = ImportResult['kind'];

export type { ReportInfo as Report, UnregisteredSource } from '../../../src/ingest/health';

// ---- alerts ----

// Copies of the server's lists: they are runtime values, and a runtime import would bundle server code.
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

/**
 * Kept here: the route's matchers schema (plain string lists) is not exported, and the server's
 * AlertMatchers narrows the lists to its enums, while the editor builds them from free text.
 */
export interface Matchers {
  alerts?: string[];
  categories?: string[];
  priorities?: string[];
  importance?: string[];
  classes?: string[];
  labels?: Record<string, string>;
}

export type {
  Channel,
  MaintenanceWindow,
  Rule,
  RoutingPreview,
  Silence,
  AlertSettingsOverride as AlertOverride,
  AlertSettingsView as AlertSettings,
} from '../../../src/alerts/admin';
export type {
  CatalogueEntry as CatalogueAlert,
  EffectiveSettings,
  NotificationDetail,
  NotificationView as Notification,
} from '../../../src/alerts/queries';

/** GET /api/alert-catalogue: the service returns it as an inline type. */
export interface Catalogue {
  dealerId: number | null;
  alerts: CatalogueEntry[];
}
