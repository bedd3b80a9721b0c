/** One problem found in an imported file, located by line and (where known) column. */
export interface ImportIssue {
  file: string;
  line: number;
  /** 1-based column number, when the problem is in one field. */
  column?: number;
  columnName?: string;
  message: string;
}

export type ImportEntity = 'client' | 'manager' | 'installation' | 'online_access';

export interface ImportChange {
  action: 'create' | 'update' | 'remove';
  entity: ImportEntity;
  /** How a person recognises the object: a client name, `host:port`, `login@host/folder`, a manager name. */
  key: string;
  /** For updates: the fields that change, `field: old → new` (secrets shown as `changed`). */
  fields?: string[];
}

export interface ImportResult {
  file: string;
  kind: 'managers' | 'online';
  dryRun: boolean;
  /** True when the changes were written (no errors and not a dry run). */
  applied: boolean;
  errors: ImportIssue[];
  warnings: ImportIssue[];
  changes: ImportChange[];
  counts: { create: number; update: number; remove: number; unchanged: number };
}

export interface ImportOptions {
  dealerId: number;
  /** Unit that new clients and managers are placed in (a head's own unit when omitted). */
  unitId?: number | null;
  /** Name shown in messages (`file:line: ...`). */
  fileName: string;
  dryRun?: boolean;
  /** Remove objects of this kind that the file no longer lists. */
  prune?: boolean;
}

/** `file:line: column N (name): message`, the form every import error and warning is printed in. */
export function formatIssue(i: ImportIssue): string {
  const col = i.column !== undefined ? ` column ${i.column}${i.columnName ? ` (${i.columnName})` : ''}:` : '';
  return `${i.file}:${i.line}:${col} ${i.message}`;
}
