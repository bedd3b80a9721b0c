/**
 * The mapping table (sysinfo-map.ts) compiled into lookups the streaming parser uses per element:
 * which texts and attributes to keep at which relative path, and where each field is read from.
 */
import { SNAPSHOT_COLLECTIONS, type SnapshotCollection } from './snapshot.js';
import { RECORDS, ROOTS, SCALARS, SCALAR_FIELDS, type FieldRule, type ScalarField } from './sysinfo-map.js';

export interface Want {
  /** Relative element paths whose text is wanted ('' = the context element itself). */
  textRels: Set<string>;
  /** Relative element path → attribute names wanted on it. */
  attrRels: Map<string, Set<string>>;
  /** Relative path → attribute name as written → storage key (null: not wanted). Filled lazily. */
  attrKeys: Map<string, Map<string, string | null>>;
}

export type Source = { from: 'self' | 'parentAttr' | 'parentChild'; key: string };

export interface CompiledField {
  name: string;
  rule: FieldRule;
  sources: Source[];
}

export interface CompiledRecord {
  collection: SnapshotCollection;
  fields: CompiledField[];
  index: Record<string, number>;
  want: Want;
}

function emptyWant(): Want {
  return { textRels: new Set(), attrRels: new Map(), attrKeys: new Map() };
}

function addKey(want: Want, key: string): void {
  if (key === '.') {
    want.textRels.add('');
    return;
  }
  const at = key.lastIndexOf('@');
  if (at === -1) {
    want.textRels.add(key);
    return;
  }
  const rel = at === 0 ? '' : key.slice(0, at - 1);
  let set = want.attrRels.get(rel);
  if (!set) want.attrRels.set(rel, (set = new Set()));
  set.add(key.slice(at + 1));
}

function sourceOf(key: string): Source {
  const k = key.toLowerCase();
  if (k.startsWith('../@')) return { from: 'parentAttr', key: k.slice(4) };
  if (k.startsWith('../')) return { from: 'parentChild', key: k.slice(3) };
  return { from: 'self', key: k };
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

function compile(): {
  scalars: Want;
  scalarSources: Map<ScalarField, Source[]>;
  records: Map<string, CompiledRecord>;
} {
  const scalars = emptyWant();
  const scalarSources = new Map<ScalarField, Source[]>();
  for (const f of SCALAR_FIELDS) {
    const sources = SCALARS[f].keys.map(sourceOf);
    scalarSources.set(f, sources);
    for (const src of sources) addKey(scalars, src.key);
  }

  const records = new Map<string, CompiledRecord>();
  for (const c of SNAPSHOT_COLLECTIONS) {
    const rule = RECORDS[c];
    const fields: CompiledField[] = Object.entries(rule.fields as Record<string, FieldRule>).map(
      ([name, r]) => ({
        name,
        rule: r,
        sources: r.keys.map(sourceOf),
      }),
    );
    const rec: CompiledRecord = {
      collection: c,
      fields,
      index: Object.fromEntries(fields.map((f, i) => [f.name, i])),
      want: emptyWant(),
    };
    for (const f of fields) for (const src of f.sources) if (src.from === 'self') addKey(rec.want, src.key);
    for (const p of rule.paths) records.set(p.toLowerCase(), rec);
  }
  // "../name" (a child of the enclosing record) must be captured by that enclosing record.
  for (const c of SNAPSHOT_COLLECTIONS) {
    const rule = RECORDS[c];
    for (const fr of Object.values(rule.fields as Record<string, FieldRule>)) {
      for (const src of fr.keys.map(sourceOf)) {
        if (src.from !== 'parentChild') continue;
        for (const p of rule.paths) {
          const enclosing = records.get(dirname(p.toLowerCase()));
          if (enclosing) addKey(enclosing.want, src.key);
        }
      }
    }
  }
  return { scalars, scalarSources, records };
}

export const COMPILED = compile();
export const ROOT_SET = new Set(ROOTS.map((r) => r.toLowerCase()));

// Fields whose values repeat a lot across records: one shared copy each.
export const INTERNED = new Set([
  'login',
  'domain',
  'catalog',
  'source',
  'browser',
  'ip',
  'day',
  'reason',
  'db',
  'product',
  'volume',
  'type',
  'department',
  'position',
  'update',
]);

export function localName(name: string): string {
  const i = name.indexOf(':');
  return (i === -1 ? name : name.slice(i + 1)).toLowerCase();
}

export function attrCI(attrs: Record<string, string>, name: string): string | undefined {
  for (const k in attrs) if (localName(k) === name) return attrs[k];
  return undefined;
}

/** Element path of a child, cached: documents repeat a few hundred distinct paths at most. */
const pathCache = new Map<string, Map<string, string>>();
export function childPath(parent: string, rawName: string): string {
  let m = pathCache.get(parent);
  if (!m) {
    if (pathCache.size > 5_000) pathCache.clear(); // a hostile document with endless distinct names
    pathCache.set(parent, (m = new Map()));
  }
  let p = m.get(rawName);
  if (p === undefined) {
    const name = localName(rawName);
    p = parent === '' ? name : `${parent}/${name}`;
    if (m.size < 1_000) m.set(rawName, p);
  }
  return p;
}

export function attrKey(want: Want, rel: string, rawAttr: string): string | null {
  let m = want.attrKeys.get(rel);
  if (!m) want.attrKeys.set(rel, (m = new Map()));
  let k = m.get(rawAttr);
  if (k === undefined) {
    const a = localName(rawAttr);
    k = want.attrRels.get(rel)?.has(a) ? (rel === '' ? `@${a}` : `${rel}/@${a}`) : null;
    if (m.size < 1_000) m.set(rawAttr, k);
  }
  return k;
}
