/**
 * A small parser (and printer) for the Prometheus text exposition format, version 0.0.4:
 * `# HELP` / `# TYPE` lines, other comments, samples `name{label="value",...} value [timestamp]`.
 * It reads data only (nothing is evaluated), bounds line length, label count and series count, and
 * reports errors with line and column numbers.
 */

export const PROM_TYPES = [
  'counter',
  'gauge',
  'histogram',
  'summary',
  'untyped',
  'info',
  'stateset',
  'gaugehistogram',
  'unknown',
] as const;
export type PromType = (typeof PROM_TYPES)[number];

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line carries one. */
  timestampMs: number | null;
}

export interface PromFamily {
  name: string;
  help: string | null;
  type: PromType | null;
}

export interface PromText {
  samples: PromSample[];
  families: PromFamily[];
  /** Plain `#` comments in order (bounded), e.g. the legacy `# Path /docs` lines. */
  comments: string[];
}

export interface PromParseOptions {
  maxLineLength?: number;
  maxSeries?: number;
  maxLabels?: number;
  maxComments?: number;
  /**
   * Accept unquoted label values (`status=update DB`) and unknown escapes, as some ПК builds
   * write them on /sysinfo/metrics. Off by default: strict Prometheus text.
   */
  lenient?: boolean;
}

export class PromParseError extends Error {
  override readonly name = 'PromParseError';
  constructor(
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`line ${line}, column ${column}: ${detail}`);
  }
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function isMetricName(s: string): boolean {
  return METRIC_NAME.test(s);
}
export function isLabelName(s: string): boolean {
  return LABEL_NAME.test(s);
}

/** Parses a sample value: decimal floats, NaN, ±Inf (any case). Null when unreadable. */
export function parsePromValue(token: string): number | null {
  const t = token.toLowerCase();
  if (t === 'nan') return NaN;
  if (t === '+inf' || t === 'inf' || t === '+infinity' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (!DECIMAL.test(token)) return null;
  return Number(token);
}

export function formatPromValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

class LineScanner {
  i = 0;
  constructor(
    readonly s: string,
    readonly lineNo: number,
  ) {}
  fail(detail: string, at = this.i): never {
    throw new PromParseError(this.lineNo, at + 1, detail);
  }
  skipBlanks(): void {
    while (isBlank(this.s[this.i])) this.i++;
  }
  get done(): boolean {
    return this.i >= this.s.length;
  }
  peek(): string | undefined {
    return this.s[this.i];
  }
  readWhile(first: RegExp, rest: RegExp): string {
    const start = this.i;
    if (!first.test(this.s[this.i] ?? '')) return '';
    this.i++;
    while (this.i < this.s.length && rest.test(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }
  readToken(): string {
    const start = this.i;
    while (this.i < this.s.length && !isBlank(this.s[this.i])) this.i++;
    return this.s.slice(start, this.i);
  }
}

function unescapeHelp(s: string): string {
  return s.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

function readQuoted(sc: LineScanner, lenient: boolean): string {
  const open = sc.i;
  sc.i++; // opening quote
  let out = '';
  for (;;) {
    const c = sc.s[sc.i];
    if (c === undefined) sc.fail('label value is not closed with "', open);
    if (c === '"') {
      sc.i++;
      return out;
    }
    if (c === '\\') {
      const n = sc.s[sc.i + 1];
      if (n === '\\') out += '\\';
      else if (n === '"') out += '"';
      else if (n === 'n') out += '\n';
      else if (lenient && n !== undefined) out += `\\${n}`;
      else sc.fail(`invalid escape sequence "\\${n ?? ''}" in a label value`);
      sc.i += 2;
      continue;
    }
    out += c;
    sc.i++;
  }
}

function readLabels(sc: LineScanner, opts: Required<PromParseOptions>): Record<string, string> {
  const pairs: [string, string][] = [];
  const seen = new Set<string>();
  sc.i++; // '{'
  for (;;) {
    sc.skipBlanks();
    if (sc.peek() === '}') {
      sc.i++;
      break;
    }
    const at = sc.i;
    const name = sc.readWhile(LABEL_START, LABEL_CHAR);
    if (!name) sc.fail('expected a label name');
    if (seen.has(name)) sc.fail(`label "${name}" appears twice`, at);
    seen.add(name);
    if (pairs.length >= opts.maxLabels) sc.fail(`more than ${opts.maxLabels} labels`, at);
    sc.skipBlanks();
    if (sc.peek() !== '=') sc.fail(`expected "=" after label "${name}"`);
    sc.i++;
    sc.skipBlanks();
    let value: string;
    if (sc.peek() === '"') {
      value = readQuoted(sc, opts.lenient);
    } else if (opts.lenient) {
      const start = sc.i;
      while (!sc.done && sc.peek() !== ',' && sc.peek() !== '}') sc.i++;
      value = sc.s.slice(start, sc.i).trim();
    } else {
      sc.fail(`expected a quoted value for label "${name}"`);
    }
    pairs.push([name, value]);
    sc.skipBlanks();
    const c = sc.peek();
    if (c === ',') {
      sc.i++;
      continue;
    }
    if (c === '}') {
      sc.i++;
      break;
    }
    sc.fail(c === undefined ? 'labels are not closed with "}"' : `unexpected "${c}" in labels`);
  }
  return Object.fromEntries(pairs);
}

/** Parses Prometheus text. Throws PromParseError (line- and column-numbered) on the first problem. */
export function parsePromText(text: string, options: PromParseOptions = {}): PromText {
  const opts: Required<PromParseOptions> = {
    maxLineLength: options.maxLineLength ?? 64 * 1024,
    maxSeries: options.maxSeries ?? 100_000,
    maxLabels: options.maxLabels ?? 64,
    maxComments: options.maxComments ?? 1_000,
    lenient: options.lenient ?? false,
  };
  const samples: PromSample[] = [];
  const families = new Map<string, PromFamily>();
  const comments: string[] = [];
  const family = (name: string): PromFamily => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, help: null, type: null }));
    return f;
  };

  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    lineNo++;
    if (end - pos > opts.maxLineLength) {
      throw new PromParseError(lineNo, 1, `line longer than ${opts.maxLineLength} characters`);
    }
    let line = text.slice(pos, end);
    pos = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const sc: LineScanner = new LineScanner(line, lineNo);
    sc.skipBlanks();
    if (sc.done) continue;

    if (sc.peek() === '#') {
      sc.i++;
      sc.skipBlanks();
      const keyword = sc.readToken();
      if (keyword === 'HELP' || keyword === 'TYPE') {
        sc.skipBlanks();
        const at = sc.i;
        const name = sc.readWhile(NAME_START, NAME_CHAR);
        if (!name || !(sc.done || isBlank(sc.peek())))
          sc.fail(`expected a metric name after # ${keyword}`, at);
        sc.skipBlanks();
        const rest = line.slice(sc.i);
        const f = family(name);
        if (keyword === 'HELP') {
          if (f.help !== null) sc.fail(`second HELP line for ${name}`, at);
          f.help = unescapeHelp(rest);
        } else {
          const t = rest.trim().toLowerCase();
          if (!(PROM_TYPES as readonly string[]).includes(t)) sc.fail(`unknown metric type "${rest.trim()}"`);
          if (f.type !== null) sc.fail(`second TYPE line for ${name}`, at);
          f.type = t as PromType;
        }
      } else if (comments.length < opts.maxComments) {
        comments.push(line.slice(line.indexOf('#') + 1).trim());
      }
      continue;
    }

    const nameAt = sc.i;
    const name = sc.readWhile(NAME_START, NAME_CHAR);
    if (!name) sc.fail(`expected a metric name, found "${line.slice(sc.i, sc.i + 20)}"`, nameAt);
    let labels: Record<string, string> = {};
    if (sc.peek() === '{') labels = readLabels(sc, opts);
    else if (sc.done) sc.fail(`metric ${name} has no value`);
    else if (!isBlank(sc.peek())) sc.fail(`unexpected "${sc.peek()}" after the metric name`);
    sc.skipBlanks();
    const valueAt = sc.i;
    const vTok = sc.readToken();
    if (!vTok) sc.fail(`metric ${name} has no value`);
    const value = parsePromValue(vTok);
    if (value === null) sc.fail(`"${vTok}" is not a number`, valueAt);
    sc.skipBlanks();
    let timestampMs: number | null = null;
    if (!sc.done) {
      const tsAt = sc.i;
      const tTok = sc.readToken();
      if (!/^-?\d{1,16}$/.test(tTok) || !Number.isSafeInteger(Number(tTok))) {
        sc.fail(`"${tTok}" is not a timestamp in milliseconds`, tsAt);
      }
      timestampMs = Number(tTok);
      sc.skipBlanks();
      if (!sc.done) sc.fail(`unexpected "${line.slice(sc.i, sc.i + 20)}" after the timestamp`);
    }
    if (samples.length >= opts.maxSeries) sc.fail(`more than ${opts.maxSeries} series`, nameAt);
    samples.push({ name, labels, value, timestampMs });
  }
  return { samples, families: [...families.values()], comments };
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatPromSample(s: PromSample): string {
  const keys = Object.keys(s.labels);
  const labels = keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(s.labels[k]!)}"`).join(',')}}` : '';
  const ts = s.timestampMs === null ? '' : ` ${s.timestampMs}`;
  return `${s.name}${labels} ${formatPromValue(s.value)}${ts}`;
}

/** Prints Prometheus text: each family's HELP/TYPE just before its first sample. */
export function formatPromText(doc: { samples: PromSample[]; families?: PromFamily[] }): string {
  const pending = new Map((doc.families ?? []).map((f) => [f.name, f]));
  const lines: string[] = [];
  const meta = (f: PromFamily): void => {
    if (f.help !== null) lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    if (f.type !== null) lines.push(`# TYPE ${f.name} ${f.type}`);
  };
  for (const s of doc.samples) {
    const f = pending.get(s.name);
    if (f) {
      meta(f);
      pending.delete(s.name);
    }
    lines.push(formatPromSample(s));
  }
  for (const f of pending.values()) meta(f);
  return lines.length ? `${lines.join('\n')}\n` : '';
}
