/** Where the CLI reads and writes. Injected so that tests run commands in-process. */
export interface CliWriter {
  write(chunk: string): unknown;
}

export type CliStdin = NodeJS.ReadableStream & {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
};

export interface CliIo {
  stdout: CliWriter;
  stderr: CliWriter;
  stdin: CliStdin;
  env: Record<string, string | undefined>;
  /** Aborting stops a running `serve` or `demo` the way SIGINT does (used by tests). */
  signal?: AbortSignal;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** Prints either human text or one JSON document, as the command's `--json` flag asks. */
export class Output {
  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** A line of human output; dropped in JSON mode. */
  line(text = ''): void {
    if (!this.json) this.io.stdout.write(`${text}\n`);
  }

  /** Raw text (e.g. a CSV), written in both modes by the caller's choice. */
  raw(text: string): void {
    this.io.stdout.write(text);
  }

  /** The machine-readable result; written only in JSON mode. */
  data(value: unknown): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Notes for humans that must not mix with the result (always stderr). */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }
}

/** Left-aligned columns; cells are plain strings (Cyrillic counts one column per letter). */
export function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(headers), ...rows.map(fmt)];
}

export function isoTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
