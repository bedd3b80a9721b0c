import { z } from 'zod';
import { ClientName, HostName } from '../names.js';
import { OnlineFolder, OnlineLogin } from '../online.js';
import { decodeCsvBytes } from './decode.js';
import { parseCsvRows, splitEmails, type CsvRow } from './rows.js';
import type { PlannedManagerLink } from './managers-csv.js';
import type { ImportIssue } from './types.js';

export const ONLINE_COLUMNS = [
  'firmname',
  'userlogin',
  'password',
  'URL',
  'folder',
  'protocol',
  'manager',
  'email',
] as const;

export interface PlannedOnlineAccess {
  line: number;
  firmName: string;
  login: string;
  /** Empty when the file leaves it out (an export without secrets): the stored password is kept. */
  password: string;
  host: string;
  folder: string;
  protocol: 'http' | 'https';
  managers: PlannedManagerLink[];
}

export interface OnlineFile {
  accesses: PlannedOnlineAccess[];
  managers: Map<string, { emails: string[]; line: number }>;
  warnings: ImportIssue[];
  errors: ImportIssue[];
}

const Email = z.email();

export function onlineKey(a: { login: string; host: string; folder: string }): string {
  return `${a.login}@${a.host}/${a.folder}`;
}

/** Reads and checks an online.csv. Nothing is looked up in the database here. */
export function readOnlineCsv(bytes: Buffer, file: string): OnlineFile {
  const decoded = decodeCsvBytes(bytes, file);
  const out: OnlineFile = {
    accesses: [],
    managers: new Map(),
    warnings: [...decoded.warnings],
    errors: [...decoded.errors],
  };
  if (decoded.errors.length) return out;
  const parsed = parseCsvRows(decoded.text, file, ONLINE_COLUMNS);
  out.warnings.push(...parsed.warnings);
  out.errors.push(...parsed.errors);
  if (parsed.rows.length === 0 && parsed.errors.length === 0) {
    out.errors.push({ file, line: 1, message: 'the file has no rows' });
  }
  const byKey = new Map<string, PlannedOnlineAccess>();
  for (const row of parsed.rows) {
    const planned = readRow(row, file, out);
    if (!planned) continue;
    const key = onlineKey(planned);
    const prev = byKey.get(key);
    if (!prev) {
      byKey.set(key, planned);
      out.accesses.push(planned);
    } else mergeRow(prev, planned, file, out);
  }
  return out;
}

function readRow(row: CsvRow, file: string, out: OnlineFile): PlannedOnlineAccess | null {
  const { line, fields } = row;
  const before = out.errors.length;
  const err = (column: number, message: string) =>
    out.errors.push({ file, line, column, columnName: ONLINE_COLUMNS[column - 1], message });
  if (fields.length !== 8) {
    out.errors.push({
      file,
      line,
      message: `expected 8 columns (firmname, userlogin, password, URL, folder, protocol, manager, email), found ${fields.length}`,
    });
    return null;
  }
  const f = (n: number) => fields[n - 1] as string;
  const firm = ClientName.safeParse(f(1));
  if (!firm.success) err(1, `the firm name ${firm.error.issues[0]?.message ?? 'is not valid'}`);
  const login = OnlineLogin.safeParse(f(2));
  if (!login.success) err(2, `the login ${login.error.issues[0]?.message ?? 'is not valid'}`);

  let host = f(4);
  let folder = f(5);
  if (/^[a-z]+:\/\//i.test(host)) err(4, `write only the host, without "http(s)://", found "${host}"`);
  else if (host.includes('/')) {
    err(4, `write only the host here and the catalogue in column 5 (folder), found "${host}"`);
  } else if (!HostName.safeParse(host).success) err(4, `"${host}" is not a host name`);
  host = host.toLowerCase();
  if (folder.startsWith('/')) {
    folder = folder.replace(/^\/+/, '');
    out.warnings.push({
      file,
      line,
      column: 5,
      columnName: 'folder',
      message: `the leading "/" was removed from the folder (write "${folder}")`,
    });
  }
  if (!OnlineFolder.safeParse(folder).success) {
    err(5, `the folder must be a catalogue name such as kodeks01 (letters, digits, - _ .), found "${f(5)}"`);
  }
  const protocol = f(6).toLowerCase();
  if (protocol !== 'http' && protocol !== 'https') err(6, `expected http or https, found "${f(6)}"`);
  const manager = f(7);
  if (!manager) err(7, 'the manager name is empty');
  const emails = splitEmails(f(8));
  if (emails.length === 0) err(8, 'the e-mail is empty');
  for (const e of emails) if (!Email.safeParse(e).success) err(8, `"${e}" is not a valid e-mail address`);
  if (out.errors.length > before) return null;

  const known = out.managers.get(manager);
  if (known) known.emails.push(...emails.filter((e) => !known.emails.includes(e)));
  else out.managers.set(manager, { emails: [...new Set(emails)], line });
  return {
    line,
    firmName: f(1),
    login: f(2),
    password: f(3),
    host,
    folder,
    protocol: protocol as 'http' | 'https',
    managers: [{ name: manager, email: emails[0] as string, line }],
  };
}

function mergeRow(prev: PlannedOnlineAccess, next: PlannedOnlineAccess, file: string, out: OnlineFile): void {
  const key = onlineKey(next);
  const checks: [keyof PlannedOnlineAccess, number][] = [
    ['firmName', 1],
    ['password', 3],
    ['protocol', 6],
  ];
  let conflict = false;
  for (const [field, column] of checks) {
    if (prev[field] !== next[field]) {
      conflict = true;
      out.errors.push({
        file,
        line: next.line,
        column,
        columnName: ONLINE_COLUMNS[column - 1],
        message: `${key} is also on line ${prev.line} with a different ${ONLINE_COLUMNS[column - 1]}; one online access must have one value`,
      });
    }
  }
  if (conflict) return;
  const link = next.managers[0] as PlannedManagerLink;
  const same = prev.managers.find((m) => m.name === link.name);
  if (!same) prev.managers.push(link);
  else out.warnings.push({ file, line: next.line, message: `duplicate of line ${same.line}; ignored` });
}
