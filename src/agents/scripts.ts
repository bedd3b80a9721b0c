/**
 * Generated smartupload/smartstatus scripts (pure: facts in, script text out). The scripts make the
 * same curl requests as the existing service's, so a technician recognises them, with every value
 * filled in and quoted for its shell, a clear message and a non-zero exit when a step fails, and the
 * scheduler command with a per-installation minute. See docs/agents.md.
 */
import { z } from 'zod';
import { agentNameProblem } from '../inventory/names.js';
import { ValidationError } from '../lib/errors.js';
import { renderLinuxScript } from './script-linux.js';
import { scheduleFor, type Schedule } from './script-schedule.js';
import { renderWindowsScript } from './script-windows.js';

export const SCRIPT_KINDS = ['upload', 'status'] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];
export const AGENT_OSES = ['windows', 'linux'] as const;
export type AgentOs = (typeof AGENT_OSES)[number];
export const SYSINFO_FORMATS = ['zip', 'xml'] as const;
export type SysinfoFormat = (typeof SYSINFO_FORMATS)[number];

/** The version the scripts carry in their header and user agent (the existing ones: 2022101801, 2024030801). */
export const SCRIPT_VERSION = '2026112301';

const HOST = '[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?';

/** SMART's address as the agent reaches it: scheme, host, optional port and path; no query. */
export const ServerUrl = z
  .string()
  .trim()
  .max(300)
  .regex(
    new RegExp(`^https?://${HOST}(?::\\d{1,5})?(?:/[A-Za-z0-9._~/-]*)?$`),
    'must be http(s)://host[:port][/path], without query or fragment',
  )
  .transform((s) => s.replace(/\/+$/, ''));

/** The ПК as the script host reaches it: scheme, host and optional port. */
export const PkUrl = z
  .string()
  .trim()
  .max(300)
  .regex(new RegExp(`^https?://${HOST}(?::\\d{1,5})?/?$`), 'must be http(s)://host[:port], without a path')
  .transform((s) => s.replace(/\/+$/, ''));

/** An HTTP proxy for the upload to SMART, as the existing Linux script's `-t`: `[user:password@]host:port`. */
export const ProxySpec = z
  .string()
  .trim()
  .max(300)
  .regex(
    new RegExp(`^(?:https?://)?(?:[^\\s@/]+@)?${HOST}:\\d{1,5}$`),
    'must be [http://][user:password@]host:port',
  );

/** An upload token as SMART issues them (base64url with a prefix) or as an operator typed one in. */
export const TokenText = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9._~+/=-]{16,200}$/,
    'must be an upload token (16–200 Latin letters, digits, _ - . ~ + / =)',
  );

/** Where the script is put on the client host; it is named in the scheduler command. */
export const InstallDir = z.string().trim().min(2).max(200);

export interface ScriptFacts {
  kind: ScriptKind;
  os: AgentOs;
  installationId: number;
  serverUrl: string;
  dealer: string;
  token: string;
  /** The name the files are uploaded under (the installation's source name). */
  clientName: string;
  pkUrl: string;
  /** smartstatus only. */
  smartloginUser?: string | null;
  smartloginPassword?: string | null;
  proxy?: string | null;
  /** smartupload only; by default zip on Windows and xml on Linux, as the existing scripts. */
  format?: SysinfoFormat;
  installDir?: string;
  /** For the header comment. */
  generatedAt: number;
}

export interface AgentScript {
  fileName: string;
  content: string;
  installDir: string;
  scriptPath: string;
  schedule: Schedule;
}

/** What the renderers get: every value checked and defaulted. */
export interface CheckedFacts extends Required<
  Omit<ScriptFacts, 'smartloginUser' | 'smartloginPassword' | 'proxy'>
> {
  /** Empty when there is none. */
  proxy: string;
  smartloginUser: string;
  smartloginPassword: string;
  fileName: string;
  scriptPath: string;
  logPath: string;
  taskName: string;
  schedule: Schedule;
}

function parseField<T>(schema: z.ZodType<T>, field: string, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw ValidationError.about(field, r.error.issues[0]?.message ?? 'is not valid');
}

const DEFAULT_DIRS: Record<AgentOs, Record<ScriptKind, string>> = {
  windows: { upload: 'C:\\smartupload', status: 'C:\\smartstatus' },
  linux: { upload: '/opt/smartupload', status: '/opt/smartstatus' },
};

function checkInstallDir(os: AgentOs, raw: string | undefined, kind: ScriptKind): string {
  if (raw === undefined) return DEFAULT_DIRS[os][kind];
  const dir = parseField(InstallDir, 'installDir', raw);
  if (os === 'windows') {
    if (!/^[A-Za-z]:\\(?:[A-Za-z0-9._ -]+\\?)*$/.test(dir)) {
      throw ValidationError.about(
        'installDir',
        'must be an absolute Windows folder like C:\\smartupload (Latin letters, digits, space, . _ -)',
      );
    }
    return dir.length > 3 ? dir.replace(/\\+$/, '') : dir;
  }
  if (!/^\/(?:[A-Za-z0-9._-]+\/?)*$/.test(dir)) {
    throw ValidationError.about(
      'installDir',
      'must be an absolute Linux folder like /opt/smartupload (Latin letters, digits, . _ -)',
    );
  }
  return dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
}

/** Checks every fact and fills the defaults; throws a ValidationError naming the field. */
export function checkScriptFacts(f: Omit<ScriptFacts, 'token'> & { token?: string }): Omit<
  CheckedFacts,
  'token'
> & {
  token: string;
} {
  if (!SCRIPT_KINDS.includes(f.kind)) throw ValidationError.about('kind', 'must be upload or status');
  if (!AGENT_OSES.includes(f.os)) throw ValidationError.about('os', 'must be windows or linux');
  const nameProblem = agentNameProblem(f.clientName);
  if (nameProblem) throw ValidationError.about('clientName', `client name "${f.clientName}" ${nameProblem}`);
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(f.dealer)) throw ValidationError.about('dealer', 'is not a dealer code');
  const serverUrl = parseField(ServerUrl, 'serverUrl', f.serverUrl);
  const pkUrl = parseField(PkUrl, 'pkUrl', f.pkUrl);
  const proxy = f.proxy ? parseField(ProxySpec, 'proxy', f.proxy) : '';
  const token = f.token === undefined ? '' : parseField(TokenText, 'token', f.token);
  let smartloginUser = '';
  let smartloginPassword = '';
  if (f.kind === 'status') {
    smartloginUser = f.smartloginUser?.trim() || 'smartlogin';
    if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(smartloginUser)) {
      throw ValidationError.about(
        'smartloginUser',
        'must start with a Latin letter and contain letters or digits',
      );
    }
    smartloginPassword = f.smartloginPassword ?? '';
    if (!smartloginPassword) {
      throw ValidationError.about(
        'smartloginPassword',
        'is needed: smartstatus reads /sysmon/metrics as smartlogin',
      );
    }
    if (smartloginPassword.length > 256 || /\p{Cc}/u.test(smartloginPassword)) {
      throw ValidationError.about(
        'smartloginPassword',
        'must be 1–256 characters without control characters',
      );
    }
    // cmd.exe hands curl its arguments in the ANSI code page: only ASCII survives unchanged.
    if (f.os === 'windows' && !/^[\x20-\x7e]+$/.test(smartloginPassword)) {
      throw ValidationError.about(
        'smartloginPassword',
        'has non-Latin characters, which a Windows script cannot pass to curl reliably; use Latin letters, digits and symbols',
      );
    }
  }
  const format: SysinfoFormat = f.format ?? (f.os === 'windows' ? 'zip' : 'xml');
  if (!SYSINFO_FORMATS.includes(format)) throw ValidationError.about('format', 'must be zip or xml');
  const installDir = checkInstallDir(f.os, f.installDir, f.kind);
  const base = f.kind === 'upload' ? 'smartupload' : 'smartstatus';
  const fileName = `${base}.${f.os === 'windows' ? 'bat' : 'sh'}`;
  const sep = f.os === 'windows' ? '\\' : '/';
  const join = (name: string) => (installDir.endsWith(sep) ? installDir + name : installDir + sep + name);
  const scriptPath = join(fileName);
  const logPath = join('last-run.log');
  const taskName = `SMART\\${base}-${f.clientName}`;
  return {
    kind: f.kind,
    os: f.os,
    installationId: f.installationId,
    serverUrl,
    dealer: f.dealer,
    token,
    clientName: f.clientName,
    pkUrl,
    smartloginUser,
    smartloginPassword,
    proxy,
    format,
    installDir,
    generatedAt: f.generatedAt,
    fileName,
    scriptPath,
    logPath,
    taskName,
    schedule: scheduleFor(f.os, f.kind, f.installationId, scriptPath, logPath, taskName),
  };
}

/** Renders one script for one installation. Throws a ValidationError naming the bad field. */
export function renderAgentScript(facts: ScriptFacts): AgentScript {
  if (facts.token === undefined || facts.token === '') throw ValidationError.about('token', 'is required');
  const f = checkScriptFacts(facts);
  const content = f.os === 'windows' ? renderWindowsScript(f) : renderLinuxScript(f);
  return {
    fileName: f.fileName,
    content,
    installDir: f.installDir,
    scriptPath: f.scriptPath,
    schedule: f.schedule,
  };
}
