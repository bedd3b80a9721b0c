/** A table rendered both for the terminal (padded) and for Markdown (docs/performance.md). */
export interface Table {
  headers: string[];
  rows: string[][];
  /** Columns from this index on are numbers: right-aligned. */
  numericFrom?: number;
}

export function renderText(t: Table): string {
  const all = [t.headers, ...t.rows];
  const widths = t.headers.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const from = t.numericFrom ?? 1;
  const line = (r: string[]): string =>
    r
      .map((cell, c) => (c >= from ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(t.headers), rule, ...t.rows.map(line)].join('\n');
}

export function renderMarkdown(t: Table): string {
  const from = t.numericFrom ?? 1;
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const line = (r: string[]): string => `| ${r.map(esc).join(' | ')} |`;
  const align = t.headers.map((_, c) => (c >= from ? '---:' : '---'));
  return [line(t.headers), `| ${align.join(' | ')} |`, ...t.rows.map(line)].join('\n');
}
