/**
 * Streaming sysinfo XML → Snapshot. Built on saxes: no DOM, no DTD processing, no entity expansion
 * beyond the five XML built-ins. Memory is bounded by the Snapshot itself (with per-collection caps):
 * the parser holds only the open-element stack and the fields of the records being read.
 * What is read from where is decided entirely by the table in sysinfo-map.ts.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { asParseError, ReportParseError } from './errors.js';
import { decodeXml, type DecodeResult } from './decode.js';
import { resolveLimits, type ParseLimits, type ParseLimitsInput } from './limits.js';
import {
  SNAPSHOT_COLLECTIONS,
  SNAPSHOT_SCHEMA_VERSION,
  type Snapshot,
  type SnapshotCollection,
  type SnapshotItems,
  type SnapshotSenseLock,
} from './snapshot.js';
import {
  attrCI,
  attrKey,
  childPath,
  COMPILED,
  INTERNED,
  localName,
  ROOT_SET,
  type CompiledRecord,
  type Source,
  type Want,
} from './sysinfo-compile.js';
import { ROOTS, SCALARS, type FieldRule, type ScalarField } from './sysinfo-map.js';
import { BUILDERS } from './sysinfo-records.js';
import { convertValue, flatten, Interner, type Converted } from './values.js';

export interface SysinfoParseOptions {
  /** The installation's offset from UTC in minutes (Moscow = 180); the report's local times use it. */
  utcOffsetMin: number;
  limits?: ParseLimitsInput;
  /** Recorded in `snapshot.source`. */
  container?: 'xml' | 'zip';
  entryName?: string | null;
}

// ---------------------------------------------------------------------------------------------

interface Frame {
  rec: CompiledRecord | null; // null = the root (scalars)
  want: Want;
  path: string;
  depth: number;
  values: Map<string, string>;
  parentAttrs: Record<string, string> | null;
  parent: Frame | null;
}

interface OpenElement {
  path: string;
  attrs: Record<string, string>;
  frame: Frame;
  textKey: string | null;
  text: string;
}

type Collections = { [C in SnapshotCollection]: SnapshotItems[C][] };

class SysinfoBuilder {
  readonly collections: Collections = {
    components: [],
    licences: [],
    catalogs: [],
    volumes: [],
    volumeErrors: [],
    operups: [],
    sessions: [],
    users: [],
    usage: [],
    searches: [],
    refusedLogons: [],
    kassistLinks: [],
  };
  readonly dropped = Object.fromEntries(SNAPSHOT_COLLECTIONS.map((c) => [c, 0])) as Record<
    SnapshotCollection,
    number
  >;
  skipped = 0;
  readonly warnings: string[] = [];
  private warningCount = 0;
  private readonly interner = new Interner();
  root = '';
  sawSessions = false;

  private readonly stack: OpenElement[] = [];
  private rootFrame: Frame | null = null;
  private frame: Frame | null = null;

  constructor(
    private readonly limits: ParseLimits,
    private readonly utcOffsetMin: number,
  ) {}

  warn(msg: string): void {
    this.warningCount++;
    if (this.warnings.length < this.limits.maxWarnings) this.warnings.push(msg);
  }

  get totalWarnings(): number {
    return this.warningCount;
  }

  private cut(v: string, what: string): string {
    if (v.length <= this.limits.maxValueChars) return v;
    this.warn(`${what}: value cut to ${this.limits.maxValueChars} characters`);
    return v.slice(0, this.limits.maxValueChars);
  }

  open(tag: SaxesTagPlain): void {
    const depth = this.stack.length + 1;
    if (depth > this.limits.maxDepth) {
      throw new ReportParseError(
        'too_deep',
        `elements are nested deeper than ${this.limits.maxDepth} levels`,
      );
    }
    if (depth === 1) {
      const name = localName(tag.name);
      if (!ROOT_SET.has(name)) {
        throw new ReportParseError(
          'not_sysinfo',
          `the root element is <${tag.name}>, expected one of: ${ROOTS.map((r) => `<${r}>`).join(', ')}`,
        );
      }
      this.root = name;
      const frame: Frame = {
        rec: null,
        want: COMPILED.scalars,
        path: '',
        depth: 1,
        values: new Map(),
        parentAttrs: null,
        parent: null,
      };
      this.rootFrame = this.frame = frame;
      const el: OpenElement = { path: '', attrs: tag.attributes, frame, textKey: null, text: '' };
      this.stack.push(el);
      this.capture(frame, '', tag.attributes, el);
      return;
    }
    const parent = this.stack[this.stack.length - 1]!;
    const path = childPath(parent.path, tag.name);
    if (path === 'sessions' || path === 'connections') this.sawSessions = true;
    let frame = this.frame!;
    const rec = COMPILED.records.get(path);
    if (rec) {
      frame = {
        rec,
        want: rec.want,
        path,
        depth,
        values: new Map(),
        parentAttrs: parent.attrs,
        parent: this.frame,
      };
      this.frame = frame;
    }
    const el: OpenElement = { path, attrs: tag.attributes, frame, textKey: null, text: '' };
    this.stack.push(el);
    const rel = frame.path === '' ? path : path === frame.path ? '' : path.slice(frame.path.length + 1);
    this.capture(frame, rel, tag.attributes, el);
  }

  private capture(frame: Frame, rel: string, attrs: Record<string, string>, el: OpenElement): void {
    if (frame.want.attrRels.has(rel)) {
      for (const k in attrs) {
        const key = attrKey(frame.want, rel, k);
        if (key !== null && !frame.values.has(key)) frame.values.set(key, this.cut(attrs[k]!.trim(), key));
      }
    }
    if (frame.want.textRels.has(rel)) el.textKey = rel === '' ? '.' : rel;
  }

  text(t: string): void {
    const el = this.stack[this.stack.length - 1];
    if (!el || el.textKey === null) return;
    if (el.text.length < this.limits.maxValueChars) el.text += t;
  }

  close(): void {
    const el = this.stack.pop();
    if (!el) return;
    if (el.textKey !== null) {
      const v = this.cut(el.text.trim(), el.textKey);
      if (v !== '' && !el.frame.values.has(el.textKey)) el.frame.values.set(el.textKey, v);
    }
    const frame = this.frame;
    if (frame && frame.rec && frame.depth === this.stack.length + 1) {
      this.finishRecord(frame);
      this.frame = frame.parent;
    }
  }

  // --- values ------------------------------------------------------------------------------------

  private raw(frame: Frame, sources: Source[]): string | undefined {
    for (const src of sources) {
      let v: string | undefined;
      if (src.from === 'self') v = frame.values.get(src.key);
      else if (src.from === 'parentAttr')
        v = frame.parentAttrs ? attrCI(frame.parentAttrs, src.key)?.trim() : undefined;
      else
        v =
          frame.parent && frame.parent.depth === frame.depth - 1
            ? frame.parent.values.get(src.key)
            : undefined;
      if (v !== undefined && v !== '') return v;
    }
    return undefined;
  }

  private value(
    frame: Frame,
    field: string,
    rule: FieldRule,
    sources: Source[],
    what: string,
  ): Converted | undefined {
    const raw = this.raw(frame, sources);
    if (raw === undefined) return undefined;
    const v = convertValue(rule.type, raw, this.utcOffsetMin);
    if (v === undefined) {
      this.warn(`${what}: unreadable ${field} "${raw.slice(0, 60)}"`);
      return undefined;
    }
    if (typeof v === 'string') return INTERNED.has(field) ? this.interner.get(v) : flatten(v);
    return v;
  }

  private finishRecord(frame: Frame): void {
    const rec = frame.rec!;
    const c = rec.collection;
    const list = this.collections[c] as unknown[];
    if (list.length >= this.limits.caps[c]) {
      this.dropped[c]++;
      return;
    }
    const vals: (Converted | undefined)[] = new Array(rec.fields.length);
    for (let i = 0; i < rec.fields.length; i++) {
      const f = rec.fields[i]!;
      const v = this.value(frame, f.name, f.rule, f.sources, c);
      if (v === undefined && f.rule.required) {
        this.skipped++;
        this.warn(`${c}: a record without ${f.name} was skipped`);
        return;
      }
      vals[i] = v;
    }
    const index = rec.index;
    list.push(BUILDERS[c]((f) => vals[index[f]!]));
  }

  // --- scalars -----------------------------------------------------------------------------------

  scalar(field: ScalarField): Converted | undefined {
    if (!this.rootFrame) return undefined;
    return this.value(this.rootFrame, field, SCALARS[field], COMPILED.scalarSources.get(field)!, 'report');
  }
}

// ---------------------------------------------------------------------------------------------

const NOT_FOUND_CODES = new Set([4111, 4113, 4116]);

function senselockOf(b: SysinfoBuilder): SnapshotSenseLock | null {
  const status = b.scalar('senselockStatus');
  const code = b.scalar('senselockCode');
  const message = b.scalar('senselockMessage');
  const key = b.scalar('senselockKey');
  if (status === undefined && code === undefined && message === undefined && key === undefined) return null;
  const c = typeof code === 'number' && code !== 0 ? code : null;
  let st = typeof status === 'string' ? (status as SnapshotSenseLock['status']) : 'unknown';
  if (st === 'unknown' && c !== null) st = NOT_FOUND_CODES.has(c) ? 'not_found' : 'error';
  return {
    status: st,
    code: c,
    message: typeof message === 'string' ? message : null,
    keyNumber: typeof key === 'string' ? key : null,
  };
}

function finish(b: SysinfoBuilder, opts: SysinfoParseOptions, encoding: string, xmlBytes: number): Snapshot {
  const S = (f: ScalarField): string | null => {
    const v = b.scalar(f);
    return typeof v === 'string' ? v : null;
  };
  const N = (f: ScalarField): number | null => {
    const v = b.scalar(f);
    return typeof v === 'number' ? v : null;
  };
  const col = b.collections;
  const pkVersion = S('pkVersion');
  const pkVersionShort = pkVersion ? (/^\d+(?:\.\d+){1,3}/.exec(pkVersion)?.[0] ?? null) : null;
  const sysinfoVersion = S('sysinfoVersion');
  const hasComponent = (t: string): boolean => col.components.some((c) => c.type === t);
  if (pkVersionShort && !hasComponent('ksrv')) {
    col.components.unshift({ type: 'ksrv', version: pkVersionShort, full: pkVersion });
  }
  if (sysinfoVersion && !hasComponent('sysinfo')) {
    col.components.push({ type: 'sysinfo', version: sysinfoVersion, full: null });
  }
  const explicitInUse = N('inUse');
  const licensed = col.sessions.reduce((n, s) => n + (s.holdsLicence ? 1 : 0), 0);
  const inUse = explicitInUse ?? (b.sawSessions ? licensed : null);
  const producedAt = N('producedAt');
  if (producedAt === null) b.warn('report: the time the file was produced is missing');
  if (b.totalWarnings > b.warnings.length) {
    b.warnings.push(`... and ${b.totalWarnings - b.warnings.length} more warnings`);
  }
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    producedAt,
    utcOffsetMin: opts.utcOffsetMin,
    source: {
      container: opts.container ?? 'xml',
      entryName: opts.entryName ?? null,
      encoding,
      xmlBytes,
      root: b.root,
      formatVersion: S('formatVersion'),
    },
    software: { pkVersion, pkVersionShort, sysinfoVersion },
    host: { name: S('hostName'), os: S('os'), startedAt: N('startedAt') },
    client: { name: S('clientName'), regnum: S('regnum') },
    licensing: { seats: N('seats'), inUse, binding: S('binding'), senselock: senselockOf(b) },
    ...col,
    dropped: b.dropped,
    skipped: b.skipped,
    warnings: b.warnings,
  };
}

/** Refuses a run of more than `max` characters without a '<' (carried across chunks in `run`). */
function checkRuns(text: string, run: { n: number }, max: number, near: number): void {
  const fail = (): never => {
    throw new ReportParseError(
      'too_large',
      `a text or tag of more than ${max} characters (near byte ${near})`,
    );
  };
  let prev = text.indexOf('<');
  if (prev === -1) {
    run.n += text.length;
    if (run.n > max) fail();
    return;
  }
  if (run.n + prev > max) fail();
  for (let i = text.indexOf('<', prev + 1); i !== -1; i = text.indexOf('<', i + 1)) {
    if (i - prev > max) fail();
    prev = i;
  }
  run.n = text.length - prev - 1;
  if (run.n > max) fail();
}

async function* countBytes(
  src: AsyncIterable<Buffer | string>,
  max: number,
  out: { n: number },
): AsyncGenerator<Buffer> {
  for await (const chunk of src) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    out.n += buf.length;
    if (out.n > max) {
      throw new ReportParseError('too_large', `the XML is larger than the limit of ${max} bytes`);
    }
    yield buf;
  }
}

/**
 * Parses a sysinfo XML stream (any async iterable of bytes, e.g. a Node Readable).
 * Throws ReportParseError only.
 */
export async function parseSysinfoStream(
  input: AsyncIterable<Buffer | string>,
  opts: SysinfoParseOptions,
): Promise<Snapshot> {
  if (!Number.isInteger(opts.utcOffsetMin) || Math.abs(opts.utcOffsetMin) > 14 * 60) {
    throw new RangeError(
      `utcOffsetMin must be an integer number of minutes within ±14 h, got ${opts.utcOffsetMin}`,
    );
  }
  const limits = resolveLimits(opts.limits);
  const b = new SysinfoBuilder(limits, opts.utcOffsetMin);
  const parser = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  parser.on('doctype', () => {
    throw new ReportParseError(
      'dtd_forbidden',
      'the XML contains a DOCTYPE declaration; DTDs and entity declarations are not accepted in sysinfo reports',
    );
  });
  parser.on('opentag', (tag) => b.open(tag));
  parser.on('closetag', () => b.close());
  parser.on('text', (t) => b.text(t));
  parser.on('cdata', (t) => b.text(t));
  parser.on('error', (err) => {
    throw new ReportParseError('malformed_xml', `malformed XML: ${err.message}`, { cause: err });
  });

  const decoded: DecodeResult = { encoding: null };
  const bytes = { n: 0 };
  try {
    const run = { n: 0 }; // characters since the last '<'
    for await (const text of decodeXml(countBytes(input, limits.maxXmlBytes, bytes), decoded)) {
      checkRuns(text, run, limits.maxTokenChars, bytes.n);
      parser.write(text);
    }
    if (bytes.n === 0) throw new ReportParseError('not_sysinfo', 'the report is empty');
    parser.close();
  } catch (e) {
    throw asParseError(e);
  }
  if (!b.root) throw new ReportParseError('not_sysinfo', 'the document has no root element');
  if (decoded.encoding?.guessed)
    b.warn('report: no encoding declared and not valid UTF-8; read as windows-1251');
  return finish(b, opts, decoded.encoding?.encoding ?? 'utf-8', bytes.n);
}
