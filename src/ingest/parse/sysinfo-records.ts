/**
 * Builds Snapshot items from the converted fields of one record: fixed property order (one hidden
 * class per collection, compact in memory) and the defaults the format promises.
 */
import { errorCodeFromText } from './kodeks-errors.js';
import { UNDEFINED_DOMAIN, type SnapshotCollection, type SnapshotItems } from './snapshot.js';
import type { Converted } from './values.js';

export type Get = (field: string) => Converted | undefined;
const str = (g: Get, f: string): string | null => {
  const v = g(f);
  return typeof v === 'string' ? v : null;
};
const num = (g: Get, f: string): number | null => {
  const v = g(f);
  return typeof v === 'number' ? v : null;
};
const cnt = (g: Get, f: string): number => num(g, f) ?? 0;
const bool = (g: Get, f: string, dflt: boolean): boolean => {
  const v = g(f);
  return typeof v === 'boolean' ? v : dflt;
};

function normCatalog(p: string | null): string | null {
  if (p === null) return null;
  let v = p.trim();
  if (!v.startsWith('/')) v = `/${v}`;
  if (v.length > 1 && v.endsWith('/')) v = v.slice(0, -1);
  return v;
}

export const BUILDERS: { [C in SnapshotCollection]: (g: Get) => SnapshotItems[C] } = {
  components: (g) => ({
    type: str(g, 'type')!.toLowerCase(),
    version: str(g, 'version')!,
    full: str(g, 'full'),
  }),
  licences: (g) => ({
    product: str(g, 'product'),
    name: str(g, 'name'),
    db: str(g, 'db'),
    validFrom: num(g, 'validFrom'),
    validToDay: str(g, 'validToDay'),
    expiresAt: num(g, 'expiresAt'),
  }),
  catalogs: (g) => ({ path: normCatalog(str(g, 'path'))!, title: str(g, 'title'), dbs: str(g, 'dbs') }),
  volumes: (g) => ({
    name: str(g, 'name')!,
    path: str(g, 'path'),
    catalog: normCatalog(str(g, 'catalog')),
    update: str(g, 'update'),
  }),
  volumeErrors: (g) => {
    const text = str(g, 'text')!;
    return {
      volume: str(g, 'volume'),
      path: str(g, 'path'),
      catalog: normCatalog(str(g, 'catalog')),
      code: num(g, 'code') ?? errorCodeFromText(text),
      text,
    };
  },
  operups: (g) => ({
    path: str(g, 'path')!,
    modifiedAt: num(g, 'modifiedAt'),
    sizeBytes: num(g, 'sizeBytes'),
  }),
  sessions: (g) => ({
    login: str(g, 'login')!,
    logonAt: num(g, 'logonAt'),
    ip: str(g, 'ip'),
    browser: str(g, 'browser'),
    domain: str(g, 'domain') ?? UNDEFINED_DOMAIN,
    holdsLicence: bool(g, 'holdsLicence', true),
  }),
  users: (g) => ({
    login: str(g, 'login')!,
    domain: str(g, 'domain') ?? UNDEFINED_DOMAIN,
    registeredAt: num(g, 'registeredAt'),
    lastActivityAt: num(g, 'lastActivityAt'),
    fullname: str(g, 'fullname'),
    phone: str(g, 'phone'),
    email: str(g, 'email'),
    position: str(g, 'position'),
    department: str(g, 'department'),
    blocked: bool(g, 'blocked', false),
  }),
  usage: (g) => ({
    login: str(g, 'login')!,
    day: str(g, 'day')!,
    dbRequests: cnt(g, 'dbRequests'),
    docsCounted: cnt(g, 'docsCounted'),
    docsLicensed: cnt(g, 'docsLicensed'),
    docsFree: cnt(g, 'docsFree'),
    saved: cnt(g, 'saved'),
    printed: cnt(g, 'printed'),
    services: cnt(g, 'services'),
    kassistRequests: cnt(g, 'kassistRequests'),
  }),
  searches: (g) => ({
    at: num(g, 'at')!,
    login: str(g, 'login')!,
    query: str(g, 'query')!,
    catalog: normCatalog(str(g, 'catalog')),
    type: (str(g, 'type') ?? 'other') as SnapshotItems['searches']['type'],
    source: str(g, 'source') ?? 'ksrv',
    status: (str(g, 'status') ?? 'unknown') as SnapshotItems['searches']['status'],
    durationMs: num(g, 'durationMs'),
  }),
  refusedLogons: (g) => ({ login: str(g, 'login')!, at: num(g, 'at')!, reason: str(g, 'reason') }),
  kassistLinks: (g) => ({
    day: str(g, 'day')!,
    uniqueAdded: cnt(g, 'uniqueAdded'),
    noMatch: cnt(g, 'noMatch'),
    added: cnt(g, 'added'),
    activeVerified: cnt(g, 'activeVerified'),
  }),
};
