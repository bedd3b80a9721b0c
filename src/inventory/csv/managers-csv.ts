import { z } from 'zod';
import { agentNameProblem, defaultPort, HostName, tzColumnToOffsetMin } from '../names.js';
import { decodeCsvBytes } from './decode.js';
import { parseCsvRows, splitEmails, type CsvRow } from './rows.js';
import type { ImportIssue } from './types.js';

/** Column names used in messages; column 1 is named by block. */
export const MANAGERS_COLUMNS = [
  'address:port / client name',
  'manager',
  'e-mail',
  'protocol',
  'download',
  'upload',
  'process',
  'ping',
  'time zone',
  'collection interval',
  'ASRP period',
] as const;

export interface PlannedManagerLink {
  name: string;
  email: string;
  line: number;
}

/** One installation as the file describes it (several rows may name it, with different managers). */
export interface PlannedInstallation {
  line: number;
  kind: 'polled' | 'agent';
  /** `host:port` for block 1, the client short name for block 2. */
  sourceKey: string;
  /** The client the installation belongs to when it is new: the short name (block 2) or the host (block 1). */
  clientName: string;
  address: string | null;
  port: number | null;
  protocol: 'http' | 'https' | null;
  probeEnabled: boolean;
  utcOffsetMin: number;
  collectIntervalS: number;
  asrpPeriodS: number;
  managers: PlannedManagerLink[];
}

export interface ManagersFile {
  installations: PlannedInstallation[];
  /** Every manager named in the file with every e-mail given for them. */
  managers: Map<string, { emails: string[]; line: number }>;
  warnings: ImportIssue[];
  errors: ImportIssue[];
}

const Email = z.email();
const CONSTANTS: [number, string][] = [
  [5, 'download'],
  [6, 'upload'],
  [7, 'process'],
];

/** Reads and checks a managers.csv. Nothing is looked up in the database here. */
export function readManagersCsv(bytes: Buffer, file: string): ManagersFile {
  const decoded = decodeCsvBytes(bytes, file);
  const out: ManagersFile = {
    installations: [],
    managers: new Map(),
    warnings: [...decoded.warnings],
    errors: [...decoded.errors],
  };
  if (decoded.errors.length) return out;
  const parsed = parseCsvRows(decoded.text, file, MANAGERS_COLUMNS);
  out.warnings.push(...parsed.warnings);
  out.errors.push(...parsed.errors);
  if (parsed.rows.length === 0 && parsed.errors.length === 0) {
    out.errors.push({ file, line: 1, message: 'the file has no rows' });
  }
  const byKey = new Map<string, PlannedInstallation>();
  for (const row of parsed.rows) {
    const planned = readRow(row, file, out);
    if (!planned) continue;
    const prev = byKey.get(planned.sourceKey);
    if (!prev) {
      byKey.set(planned.sourceKey, planned);
      out.installations.push(planned);
      continue;
    }
    mergeRow(prev, planned, file, out);
  }
  return out;
}

function readRow(row: CsvRow, file: string, out: ManagersFile): PlannedInstallation | null {
  const { line, fields } = row;
  const errorsBefore = out.errors.length;
  const err = (
    column: number,
    message: string,
    columnName: string | undefined = MANAGERS_COLUMNS[column - 1],
  ) => out.errors.push({ file, line, column, columnName, message });
  if (fields.length !== 11) {
    out.errors.push({
      file,
      line,
      message: `expected 11 columns (address or client name, manager, e-mail, protocol, download, upload, process, ping, time zone, interval, ASRP period), found ${fields.length}`,
    });
    return null;
  }
  const f = (n: number) => fields[n - 1] as string;

  // Column 4 tells the block: http/https (installation polled by URL) or smartupload (agent).
  const marker = f(4).toLowerCase();
  let kind: 'polled' | 'agent' | null = null;
  if (marker === 'http' || marker === 'https') kind = 'polled';
  else if (marker === 'smartupload') kind = 'agent';
  else
    err(
      4,
      `expected http or https (installation reached by URL) or smartupload (agent), found "${f(4)}"`,
      'protocol',
    );
  const protocol = kind === 'polled' ? (marker as 'http' | 'https') : null;

  let address: string | null = null;
  let port: number | null = null;
  let sourceKey = '';
  let clientName = '';
  if (kind === 'polled') {
    const name = 'address:port';
    const m = /^([^:]*)(?::(.*))?$/.exec(f(1)) as RegExpExecArray;
    const host = m[1] as string;
    if (/^[a-z]+:\/\//i.test(f(1)))
      err(1, `write the address as host:port without "http://", found "${f(1)}"`, name);
    else if (!HostName.safeParse(host).success) err(1, `"${host}" is not a host name or IP address`, name);
    else {
      address = host.toLowerCase();
      if (m[2] === undefined) {
        port = defaultPort(protocol as 'http' | 'https');
        out.warnings.push({
          file,
          line,
          column: 1,
          columnName: name,
          message: `no port given; the ${protocol} default ${port} is used`,
        });
      } else if (!/^\d{1,5}$/.test(m[2])) err(1, `port "${m[2]}" is not a number`, name);
      else if (Number(m[2]) < 1 || Number(m[2]) > 65535)
        err(1, `port ${m[2]} is out of range (1–65535)`, name);
      else port = Number(m[2]);
      sourceKey = `${address}:${port}`;
      clientName = address;
    }
  } else if (kind === 'agent') {
    const problem = agentNameProblem(f(1));
    if (problem) err(1, `client name "${f(1)}" ${problem}`, 'client name');
    sourceKey = f(1);
    clientName = f(1);
  }

  const manager = f(2);
  if (!manager) err(2, 'the manager name is empty');
  else if (manager.length > 200) err(2, 'the manager name is longer than 200 characters');
  const emails = splitEmails(f(3));
  if (emails.length === 0) err(3, 'the e-mail is empty');
  for (const e of emails) if (!Email.safeParse(e).success) err(3, `"${e}" is not a valid e-mail address`);

  for (const [col, expected] of CONSTANTS) {
    if (f(col).toLowerCase() !== expected) {
      err(col, `expected the constant "${expected}", found "${f(col)}" (this column must not be changed)`);
    }
  }
  const ping = f(8).toLowerCase();
  if (ping !== 'ping' && ping !== 'donotping') err(8, `expected "ping" or "donotping", found "${f(8)}"`);

  const tz = integerIn(f(9), -16, 10);
  if (tz === null) {
    err(
      9,
      `expected a whole number from -16 to 10 (hours relative to UTC+4: -1 is Moscow, 2 is UTC+6), found "${f(9)}"`,
    );
  }
  const interval = integerIn(f(10), 60, 7 * 86400);
  if (interval === null)
    err(10, `expected seconds as a whole number from 60 to 604800 (usually 3600), found "${f(10)}"`);
  const asrp = integerIn(f(11), 3600, 90 * 86400);
  if (asrp === null) {
    err(11, `expected seconds as a whole number from 3600 to 7776000 (usually 604800), found "${f(11)}"`);
  }

  if (out.errors.length > errorsBefore || kind === null) return null;
  const knownManager = out.managers.get(manager);
  if (knownManager) knownManager.emails.push(...emails.filter((e) => !knownManager.emails.includes(e)));
  else out.managers.set(manager, { emails: [...new Set(emails)], line });
  return {
    line,
    kind,
    sourceKey,
    clientName,
    address,
    port,
    protocol,
    probeEnabled: ping === 'ping',
    utcOffsetMin: tzColumnToOffsetMin(tz as number),
    collectIntervalS: interval as number,
    asrpPeriodS: asrp as number,
    managers: [{ name: manager, email: emails[0] as string, line }],
  };
}

function integerIn(s: string, min: number, max: number): number | null {
  if (!/^[+-]?\d{1,9}$/.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
}

const SETTINGS: [keyof PlannedInstallation, number, string][] = [
  ['protocol', 4, 'protocol'],
  ['probeEnabled', 8, 'ping'],
  ['utcOffsetMin', 9, 'time zone'],
  ['collectIntervalS', 10, 'collection interval'],
  ['asrpPeriodS', 11, 'ASRP period'],
];

/** A second row of the same installation adds a manager; its settings must agree with the first row. */
function mergeRow(
  prev: PlannedInstallation,
  next: PlannedInstallation,
  file: string,
  out: ManagersFile,
): void {
  let conflict = false;
  for (const [key, column, columnName] of SETTINGS) {
    if (prev[key] !== next[key]) {
      conflict = true;
      out.errors.push({
        file,
        line: next.line,
        column,
        columnName,
        message: `${next.sourceKey} is also on line ${prev.line} with a different ${columnName} (${show(key, prev[key])} there, ${show(key, next[key])} here); one installation must have one setting`,
      });
    }
  }
  if (conflict) return;
  const link = next.managers[0] as PlannedManagerLink;
  const same = prev.managers.find((m) => m.name === link.name);
  if (!same) {
    prev.managers.push(link);
    return;
  }
  out.warnings.push({
    file,
    line: next.line,
    message:
      same.email === link.email
        ? `duplicate of line ${same.line} (same installation and manager); ignored`
        : `${link.name} is already listed for ${next.sourceKey} on line ${same.line}; the e-mail ${link.email} is added to the manager`,
  });
}

function show(key: keyof PlannedInstallation, v: unknown): string {
  if (key === 'utcOffsetMin') return String((v as number) / 60 - 4);
  if (key === 'probeEnabled') return v ? 'ping' : 'donotping';
  return String(v);
}
