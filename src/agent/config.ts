import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The client-name rules of the server (kept here so the agent bundle does not pull in server code). */
const CLIENT_NAME = /^[A-Za-z0-9._()[\]^~-]{1,100}$/;

const HttpUrl = z
  .string()
  .max(2000)
  .refine((s) => {
    try {
      return ['http:', 'https:'].includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL');

/** agent.json. Unknown fields are refused so that a typo does not silently fall back to a default. */
export const AgentConfigSchema = z
  .object({
    /** SMART, e.g. https://smart.example.ru (no path). */
    serverUrl: HttpUrl.optional(),
    dealer: z.string().trim().min(1).max(100).optional(),
    token: z.string().trim().min(1).max(200).optional(),
    /** The client name the files are sent under: CLIENT.zip, CLIENT.status. */
    client: z
      .string()
      .regex(CLIENT_NAME, 'may contain only Latin letters, digits and - _ . ( ) [ ] ^ ~ (1–100 characters)'),
    /** The ПК, e.g. http://127.0.0.1:80. */
    pkUrl: HttpUrl,
    smartloginUser: z.string().min(1).max(100).default('smartlogin'),
    /** Without it only sysinfo is collected (sysmon metrics need smartlogin). */
    smartloginPassword: z.string().max(200).optional(),
    /** http://user:password@proxy:3128; used for the server only, never for the ПК on the LAN. */
    proxy: HttpUrl.optional(),
    /** Extra CA certificates (PEM) to trust for the server, e.g. a corporate TLS-inspecting proxy. */
    caFile: z.string().min(1).max(1000).optional(),
    /** Turns TLS verification off for the server. Off by default; for a test bench only. */
    insecure: z.boolean().default(false),
    /** The ПК often has a self-signed certificate on the LAN; verification there is separate. */
    pkInsecure: z.boolean().default(false),
    queueDir: z.string().min(1).max(1000).default('queue'),
    queueMaxBytes: z
      .number()
      .int()
      .min(1024 * 1024)
      .max(100 * 1024 ** 3)
      .default(500 * 1024 * 1024),
    queueMaxFiles: z.number().int().min(1).max(100_000).default(2000),
    sysinfoIntervalMinutes: z
      .number()
      .min(1)
      .max(7 * 24 * 60)
      .default(60),
    statusIntervalMinutes: z
      .number()
      .min(1)
      .max(24 * 60)
      .default(15),
    /** Closed contour: files go to this folder for manual transfer instead of being uploaded. */
    closedContourDir: z.string().min(1).max(1000).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.closedContourDir !== undefined) return;
    for (const f of ['serverUrl', 'dealer', 'token'] as const) {
      if (c[f] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [f],
          message: 'is required unless closedContourDir is set',
        });
      }
    }
  });

export type AgentConfigInput = z.input<typeof AgentConfigSchema>;

export interface AgentConfig {
  /** Where the config was read from (for messages). */
  file: string;
  client: string;
  pkUrl: string;
  smartloginUser: string;
  smartloginPassword?: string;
  server?: { url: string; dealer: string; token: string };
  proxy?: string;
  /** PEM text of caFile. */
  ca?: string;
  insecure: boolean;
  pkInsecure: boolean;
  queueDir: string;
  queueMaxBytes: number;
  queueMaxFiles: number;
  sysinfoIntervalMs: number;
  statusIntervalMs: number;
  closedContourDir?: string;
}

export class AgentConfigError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'AgentConfigError';
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  const field = issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'the file';
  return `${field}: ${issue.message}`;
}

/** Validates a parsed agent.json; relative paths are taken from the config file's folder. */
export function parseAgentConfig(raw: unknown, file: string): AgentConfig {
  const r = AgentConfigSchema.safeParse(raw);
  if (!r.success) throw new AgentConfigError(file, r.error.issues.map(describeIssue).join('; '));
  const c = r.data;
  const base = path.dirname(path.resolve(file));
  const abs = (p: string) => path.resolve(base, p);
  let ca: string | undefined;
  if (c.caFile !== undefined) {
    try {
      ca = readFileSync(abs(c.caFile), 'utf8');
    } catch (e) {
      throw new AgentConfigError(
        file,
        `field "caFile": cannot read ${abs(c.caFile)}: ${(e as Error).message}`,
      );
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new AgentConfigError(file, `field "caFile": ${abs(c.caFile)} holds no PEM certificate`);
    }
  }
  return {
    file,
    client: c.client,
    pkUrl: c.pkUrl.replace(/\/+$/, ''),
    smartloginUser: c.smartloginUser,
    ...(c.smartloginPassword !== undefined ? { smartloginPassword: c.smartloginPassword } : {}),
    ...(c.serverUrl !== undefined && c.dealer !== undefined && c.token !== undefined
      ? { server: { url: c.serverUrl.replace(/\/+$/, ''), dealer: c.dealer, token: c.token } }
      : {}),
    ...(c.proxy !== undefined ? { proxy: c.proxy } : {}),
    ...(ca !== undefined ? { ca } : {}),
    insecure: c.insecure,
    pkInsecure: c.pkInsecure,
    queueDir: abs(c.queueDir),
    queueMaxBytes: c.queueMaxBytes,
    queueMaxFiles: c.queueMaxFiles,
    sysinfoIntervalMs: Math.round(c.sysinfoIntervalMinutes * 60_000),
    statusIntervalMs: Math.round(c.statusIntervalMinutes * 60_000),
    ...(c.closedContourDir !== undefined ? { closedContourDir: abs(c.closedContourDir) } : {}),
  };
}

export function loadAgentConfig(file: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AgentConfigError(
      file,
      code === 'ENOENT' ? 'file not found' : `cannot read: ${(e as Error).message}`,
    );
  }
  if (text.length > 1024 * 1024)
    throw new AgentConfigError(file, 'larger than 1 MB; is this the right file?');
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new AgentConfigError(file, `not valid JSON: ${(e as Error).message}`);
  }
  return parseAgentConfig(raw, file);
}
