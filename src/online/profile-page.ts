/**
 * Parser of the ДЦ profile page ("Профиль пользователя"): one `<tr data-kind="docs|search|print|export">`
 * per limit with `td.limit`, `td.used`, `td.remaining`, and the billing month in `span.month`.
 *
 * A small tag tokenizer over the fixed markup (no DOM): attribute quoting, extra classes, nested inline
 * tags, omitted `</td>`/`</tr>`, comments, scripts and entities are tolerated. Numbers may carry spaces,
 * NBSP or thin spaces as thousand separators. The result is validated with zod; any violation is reported
 * with the field it concerns (`docs.remaining: …`).
 */
import { z } from 'zod';
import { ONLINE_KINDS, type OnlineKind, type OnlineProfile } from './types.js';

const CELLS = ['limit', 'used', 'remaining'] as const;
type Cell = (typeof CELLS)[number];

/** Raw text found on the page, before validation. */
export interface RawProfile {
  month?: string;
  rows: Partial<Record<OnlineKind, Partial<Record<Cell, string>>>>;
  /** Kinds that appeared more than once. */
  duplicates: string[];
}

const NAMED: Record<string, string> = { nbsp: '\u00a0', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return NAMED[e.toLowerCase()] ?? m;
  });
}

const ATTR_RE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;

function attrs(src: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of src.matchAll(ATTR_RE)) {
    const name = m[1]!.toLowerCase();
    if (!out.has(name)) out.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return out;
}

const classes = (a: Map<string, string>): string[] => (a.get('class') ?? '').split(/\s+/).filter(Boolean);

const TOKEN_RE =
  /<!--[\s\S]*?-->|<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/gi;

/** Collects the month and the cells of the data-kind rows. Never throws. */
export function scanProfilePage(htmlText: string): RawProfile {
  const out: RawProfile = { rows: {}, duplicates: [] };
  let row: Partial<Record<Cell, string>> | null = null;
  let cell: Cell | null = null;
  let monthDepth = 0; // > 0 while inside span.month (counts nested spans)
  let monthText = '';
  let last = 0;

  const text = (s: string): void => {
    if (!s) return;
    if (row && cell) row[cell] = (row[cell] ?? '') + s;
    if (monthDepth > 0) monthText += s;
  };
  const closeCell = (): void => {
    cell = null;
  };
  const closeRow = (): void => {
    closeCell();
    row = null;
  };

  for (const m of htmlText.matchAll(TOKEN_RE)) {
    text(htmlText.slice(last, m.index));
    last = m.index + m[0].length;
    const tag = m[3]?.toLowerCase();
    if (!tag) continue; // comment, script, style
    const closing = m[2] === '/';
    if (tag === 'span' && monthDepth > 0) {
      monthDepth += closing ? -1 : 1;
      if (monthDepth === 0 && out.month === undefined) out.month = monthText;
      continue;
    }
    if (closing) {
      if (tag === 'td' || tag === 'th') closeCell();
      else if (tag === 'tr' || tag === 'table' || tag === 'tbody' || tag === 'thead') closeRow();
      continue;
    }
    const a = attrs(m[4] ?? '');
    if (tag === 'span' && classes(a).includes('month') && out.month === undefined) {
      monthDepth = 1;
      monthText = '';
    } else if (tag === 'tr') {
      closeRow();
      const kind = a.get('data-kind')?.trim().toLowerCase();
      if (kind !== undefined) {
        if ((ONLINE_KINDS as readonly string[]).includes(kind)) {
          const k = kind as OnlineKind;
          if (out.rows[k]) out.duplicates.push(k);
          else row = out.rows[k] = {};
        }
      }
    } else if (tag === 'td' || tag === 'th') {
      closeCell();
      if (row) {
        const r: Partial<Record<Cell, string>> = row;
        const c = CELLS.find((x) => classes(a).includes(x));
        if (c && r[c] === undefined) {
          cell = c;
          r[c] = '';
        }
      }
    }
  }
  text(htmlText.slice(last));
  if (monthDepth > 0 && out.month === undefined) out.month = monthText;
  return out;
}

/** "1 234", "1&nbsp;234", "1 234" → 1234; other text stays a string so that zod names it. */
function toNumber(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const s = decodeEntities(raw)
    .replace(/[\s\u00a0\u2007\u2009\u202f']/g, '')
    .replace(/^[\u2212\u2013]/, '-');
  return /^-?\d+$/.test(s) ? Number(s) : raw.trim();
}

const count = z.preprocess(
  toNumber,
  z
    .number({
      error: (iss) =>
        iss.input === undefined ? 'missing cell' : `not a whole number: ${JSON.stringify(iss.input)}`,
    })
    .int()
    .nonnegative({ error: (iss) => `negative: ${String(iss.input)}` })
    .max(Number.MAX_SAFE_INTEGER),
);

const limitSchema = (kind: OnlineKind) =>
  z
    .object(
      { limit: count, used: count, remaining: count },
      { error: (iss) => (iss.input === undefined ? `missing row tr[data-kind="${kind}"]` : undefined) },
    )
    .refine((r) => r.remaining <= r.limit, {
      path: ['remaining'],
      error: (iss) => {
        const r = iss.input as { limit: number; remaining: number };
        return `remaining (${r.remaining}) exceeds limit (${r.limit})`;
      },
    });

const profileSchema = z.object({
  month: z
    .string({ error: 'missing span.month' })
    .transform((s) => decodeEntities(s).replace(/\s+/g, ''))
    .pipe(
      z
        .string()
        .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: (iss) => `not YYYY-MM: ${JSON.stringify(iss.input)}` }),
    ),
  docs: limitSchema('docs'),
  search: limitSchema('search'),
  print: limitSchema('print'),
  export: limitSchema('export'),
});

/** Formats zod issues as `field: message; field: message`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

export type ProfileParse = { ok: true; profile: OnlineProfile } | { ok: false; message: string };

/** Parses and validates a profile page. */
export function parseProfilePage(htmlText: string): ProfileParse {
  const raw = scanProfilePage(htmlText);
  if (raw.duplicates.length)
    return { ok: false, message: `${raw.duplicates[0]}: duplicate row tr[data-kind="${raw.duplicates[0]}"]` };
  const r = profileSchema.safeParse({ month: raw.month, ...raw.rows });
  if (!r.success) return { ok: false, message: describeIssues(r.error) };
  return { ok: true, profile: r.data };
}
