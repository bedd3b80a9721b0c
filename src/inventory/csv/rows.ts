import { parse } from 'csv-parse/sync';
import type { ImportIssue } from './types.js';

export interface CsvRow {
  line: number;
  /** Field values with surrounding spaces removed. */
  fields: string[];
}

export interface ParsedRows {
  rows: CsvRow[];
  /** Line numbers of blank lines (they separate the blocks of managers.csv). */
  blankLines: number[];
  warnings: ImportIssue[];
  errors: ImportIssue[];
}

export const MAX_ROWS = 100_000;

/**
 * Splits CSV text into rows of trimmed fields, keeping each row's line number. Quotes follow RFC 4180;
 * a quote inside an unquoted field (ООО "Ромашка") is kept as text. A row that holds no comma but does
 * hold semicolons is reported as an Excel-style file rather than as a one-column row.
 */
export function parseCsvRows(text: string, file: string, columnNames: readonly string[]): ParsedRows {
  const out: ParsedRows = { rows: [], blankLines: [], warnings: [], errors: [] };
  let records: { record: string[]; info: { lines: number } }[];
  let lastGoodLine = 0;
  try {
    // Excel on Windows writes CRLF; some tools write a lone CR. One line ending keeps line numbers right.
    records = parse(text.replace(/\r\n?/g, '\n'), {
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      info: true,
      trim: false,
      on_record: (record: string[], context: { lines: number }) => {
        lastGoodLine = context.lines;
        return record;
      },
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'CSV_QUOTE_NOT_CLOSED') {
      const line = lastGoodLine + 1;
      out.errors.push({ file, line, message: `a quote (") opened on this line is never closed` });
    } else {
      const line = (e as { lines?: number }).lines ?? 1;
      const reason = e instanceof Error ? e.message : String(e);
      out.errors.push({ file, line, message: `the CSV cannot be read: ${reason}` });
    }
    return out;
  }
  if (records.length > MAX_ROWS) {
    out.errors.push({ file, line: MAX_ROWS + 1, message: `too many rows (more than ${MAX_ROWS})` });
    return out;
  }
  for (const { record, info } of records) {
    const line = info.lines;
    if (record.every((f) => f.trim() === '')) {
      out.blankLines.push(line);
      continue;
    }
    if (record.length === 1 && record[0]?.includes(';')) {
      out.errors.push({
        file,
        line,
        message:
          'fields are separated by ";" (as Excel writes them); the file must use "," — save it from a plain text editor',
      });
      continue;
    }
    const trimmed: number[] = [];
    const fields = record.map((f, i) => {
      const t = f.trim();
      if (t !== f) trimmed.push(i + 1);
      return t;
    });
    if (trimmed.length > 0) {
      out.warnings.push({
        file,
        line,
        column: trimmed[0],
        columnName: columnNames[(trimmed[0] as number) - 1],
        message: `spaces around the value${trimmed.length > 1 ? `s of columns ${trimmed.join(', ')}` : ''} were removed`,
      });
    }
    out.rows.push({ line, fields });
  }
  return out;
}

/** Splits an e-mail field that holds several addresses (separated by ";" or spaces). */
export function splitEmails(field: string): string[] {
  return field
    .split(/[;\s]+/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}
