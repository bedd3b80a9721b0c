/**
 * Generating an agent script for one installation: gathers the facts (dealer, source name, ПК address,
 * smartlogin password), issues a per-installation agent token unless the caller brings one, renders the
 * script and records the export in the audit log. The HTTP route and `smart agent script` both use it.
 */
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { createAgentToken } from '../ingest/agent-tokens.js';
import { getInstallation, smartloginPassword, type Installation } from '../inventory/installations.js';
import { ConflictError, ValidationError } from '../lib/errors.js';
import { hashToken } from '../lib/secrets.js';
import { audit } from '../tenancy/audit.js';
import { getDealer } from '../tenancy/dealers.js';
import { requireWrite, type Actor } from '../tenancy/scope.js';
import {
  AGENT_OSES,
  checkScriptFacts,
  InstallDir,
  PkUrl,
  ProxySpec,
  renderAgentScript,
  SCRIPT_KINDS,
  ServerUrl,
  SYSINFO_FORMATS,
  TokenText,
  type AgentScript,
  type ScriptFacts,
} from './scripts.js';

export const ScriptRequest = z
  .object({
    kind: z.enum(SCRIPT_KINDS),
    os: z.enum(AGENT_OSES),
    /** Defaults to SMART_PUBLIC_URL, else (over HTTP) the address the request came to. */
    serverUrl: ServerUrl.optional(),
    /** Defaults to the installation's address, else http://127.0.0.1:80 (the script beside the ПК). */
    pkUrl: PkUrl.optional(),
    proxy: ProxySpec.optional(),
    format: z.enum(SYSINFO_FORMATS).optional(),
    installDir: InstallDir.optional(),
    /** An existing upload token of the dealer (dealer-wide or of this installation); else one is issued. */
    token: TokenText.optional(),
  })
  .strict();
export type ScriptRequest = z.input<typeof ScriptRequest>;

export interface GeneratedScript extends AgentScript {
  installationId: number;
  kind: ScriptFacts['kind'];
  os: ScriptFacts['os'];
  serverUrl: string;
  pkUrl: string;
  tokenId: number;
  /** True when this call issued a new token (it is in the script and shown nowhere else). */
  tokenIssued: boolean;
}

/** Where the script reaches the ПК: the given URL, the installation's address, or the same host. */
export function defaultPkUrl(inst: Pick<Installation, 'address' | 'port' | 'protocol'>): string {
  if (!inst.address) return 'http://127.0.0.1:80';
  const protocol = inst.protocol ?? 'http';
  return `${protocol}://${inst.address}:${inst.port ?? (protocol === 'https' ? 443 : 80)}`;
}

/** The explicit `serverUrl`, else SMART_PUBLIC_URL, else the request's origin (none from the CLI). */
export function pickServerUrl(
  explicit: string | undefined,
  publicUrl: string | null,
  origin: string | null,
): string {
  const url = explicit ?? publicUrl ?? origin;
  if (!url) {
    throw ValidationError.about('serverUrl', 'is required, because SMART_PUBLIC_URL is not set');
  }
  return url;
}

async function existingToken(
  ctx: AppContext,
  dealer: { id: number; code: string },
  installationId: number,
  token: string,
): Promise<number> {
  const row = await ctx.db
    .selectFrom('upload_tokens')
    .select(['id', 'installation_id'])
    .where('token_hash', '=', hashToken(token))
    .where('dealer_id', '=', dealer.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row || (row.installation_id !== null && row.installation_id !== installationId)) {
    throw ValidationError.about(
      'token',
      `is not an active upload token of dealer ${dealer.code} for this installation`,
    );
  }
  return row.id;
}

export async function generateAgentScript(
  ctx: AppContext,
  actor: Actor,
  installationId: number,
  input: ScriptRequest,
  serverUrlDefaults: { publicUrl: string | null; origin: string | null },
): Promise<GeneratedScript> {
  const parsed = ScriptRequest.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw ValidationError.about(issue?.path.map(String) ?? [], issue?.message ?? 'is not valid');
  }
  const req = parsed.data;
  // Out of scope is 404 whatever the role; seeing it is not enough, since the script holds secrets.
  const inst = await getInstallation(ctx, actor, installationId);
  requireWrite(actor);
  if (inst.kind !== 'agent') {
    throw new ConflictError(
      inst.kind === 'polled'
        ? `installation ${inst.sourceKey} is polled: SMART reads it itself and needs no script`
        : `installation ${inst.sourceKey} is a closed contour: its reports are carried in by hand (smart upload)`,
    );
  }
  const dealer = await getDealer(ctx, actor, inst.dealerId);
  let password: string | null = null;
  if (req.kind === 'status') {
    password = await smartloginPassword(ctx, actor, inst.id);
    if (!password) {
      throw new ConflictError(
        `installation ${inst.sourceKey} has no smartlogin password: set it on the installation first (smartstatus reads /sysmon as smartlogin)`,
      );
    }
  }
  const base = {
    kind: req.kind,
    os: req.os,
    installationId: inst.id,
    serverUrl: pickServerUrl(req.serverUrl, serverUrlDefaults.publicUrl, serverUrlDefaults.origin),
    dealer: dealer.code,
    clientName: inst.sourceKey,
    pkUrl: req.pkUrl ?? defaultPkUrl(inst),
    smartloginUser: inst.smartloginUser,
    smartloginPassword: password,
    proxy: req.proxy ?? null,
    format: req.format,
    installDir: req.installDir,
    generatedAt: ctx.clock.now(),
  } satisfies Omit<ScriptFacts, 'token'>;
  // Everything is checked before a token is issued, so a refused request leaves no stray token.
  const checked = checkScriptFacts(base);

  let tokenId: number;
  let token: string;
  if (req.token !== undefined) {
    tokenId = await existingToken(ctx, dealer, inst.id, req.token);
    token = req.token;
  } else {
    const created = await createAgentToken(ctx, actor, inst.id, `${checked.fileName} (${req.os})`);
    tokenId = created.info.id;
    token = created.token;
  }
  const script = renderAgentScript({ ...base, token });
  await audit(ctx.db, ctx.clock, actor, {
    dealerId: inst.dealerId,
    action: 'export',
    entity: 'agent_script',
    entityId: inst.id,
    details: { kind: req.kind, os: req.os, tokenId, withSmartloginPassword: password !== null },
  });
  return {
    ...script,
    installationId: inst.id,
    kind: req.kind,
    os: req.os,
    serverUrl: checked.serverUrl,
    pkUrl: checked.pkUrl,
    tokenId,
    tokenIssued: req.token === undefined,
  };
}
