import { z } from 'zod';
import { INSTALLATION_KINDS } from '../inventory/installations.js';
import { ROLES } from '../tenancy/scope.js';

/**
 * Response shapes. The zod serializer strips every key a schema does not name, so these are also
 * the last line of defence against a secret leaking into a response.
 */

export const ErrorBody = z
  .object({
    error: z.string().describe('machine-readable code: not_found, forbidden, invalid, conflict, ...'),
    message: z.string(),
    details: z.array(z.string()).optional(),
  })
  .describe('Every error answer has this shape');

/** A positive integer id in a path or query string. */
const IdString = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, 'must be a positive integer id')
  .transform(Number);

export const IdParams = z.object({ id: IdString });

/** `true`/`1` and `false`/`0` in query strings; an empty value counts as true (`?dryRun`). */
export const QueryBool = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === '');

export const QueryId = IdString.optional();

/** A dealerId in a request body; optional because it defaults to the caller's own dealer. */
export const BodyDealerId = z.number().int().positive().optional();

export const DealerOut = z.object({
  id: z.number(),
  code: z.string(),
  name: z.string(),
  createdAt: z.number(),
});

export const TokenInfoOut = z.object({
  id: z.number(),
  label: z.string(),
  prefix: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
});

export const UploadTokenOut = TokenInfoOut.extend({
  dealerId: z.number(),
  installationId: z.number().nullable(),
});

export const UnitOut = z.object({
  id: z.number(),
  dealerId: z.number(),
  parentId: z.number().nullable(),
  name: z.string(),
  path: z.string(),
});

export const UserOut = z.object({
  id: z.number(),
  dealerId: z.number().nullable(),
  unitId: z.number().nullable(),
  managerId: z.number().nullable(),
  login: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  disabled: z.boolean(),
});

export const ManagerOut = z.object({
  id: z.number(),
  dealerId: z.number(),
  unitId: z.number().nullable(),
  name: z.string(),
  emails: z.array(z.string()),
  telegramChatId: z.string().nullable(),
});

export const ClientOut = z.object({
  id: z.number(),
  dealerId: z.number(),
  unitId: z.number().nullable(),
  shortName: z.string(),
  legalName: z.string().nullable(),
  managerIds: z.array(z.number()),
});

const ManagerLinkOut = z.object({ managerId: z.number(), email: z.string() });

export const InstallationOut = z.object({
  id: z.number(),
  dealerId: z.number(),
  clientId: z.number(),
  kind: z.enum(INSTALLATION_KINDS),
  sourceKey: z.string(),
  address: z.string().nullable(),
  port: z.number().nullable(),
  protocol: z.enum(['http', 'https']).nullable(),
  probeEnabled: z.boolean(),
  collectIntervalS: z.number(),
  asrpPeriodS: z.number(),
  utcOffsetMin: z.number(),
  smartloginUser: z.string().nullable(),
  smartloginPasswordSet: z.boolean(),
  probeIntervalS: z.number(),
  behindProxy: z.boolean(),
  licmanAddress: z.string().nullable(),
  licmanPort: z.number().nullable(),
  managers: z.array(ManagerLinkOut),
});

export const OnlineAccessOut = z.object({
  id: z.number(),
  dealerId: z.number(),
  clientId: z.number(),
  login: z.string(),
  host: z.string(),
  folder: z.string(),
  protocol: z.enum(['http', 'https']),
  utcOffsetMin: z.number(),
  passwordSet: z.boolean(),
  managers: z.array(ManagerLinkOut),
});

const ImportIssueOut = z.object({
  file: z.string(),
  line: z.number(),
  column: z.number().optional(),
  columnName: z.string().optional(),
  message: z.string(),
  text: z.string().describe('the issue as one line: `file:line: column N (name): message`'),
});

export const ImportResultOut = z.object({
  file: z.string(),
  kind: z.enum(['managers', 'online']),
  dryRun: z.boolean(),
  applied: z.boolean(),
  errors: z.array(ImportIssueOut),
  warnings: z.array(ImportIssueOut),
  changes: z.array(
    z.object({
      action: z.enum(['create', 'update', 'remove']),
      entity: z.enum(['client', 'manager', 'installation', 'online_access']),
      key: z.string(),
      fields: z.array(z.string()).optional(),
    }),
  ),
  counts: z.object({ create: z.number(), update: z.number(), remove: z.number(), unchanged: z.number() }),
});

/** Error answers documented on every authenticated route. */
export const authErrors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } as const;
export const writeErrors = { 400: ErrorBody, ...authErrors, 409: ErrorBody } as const;
