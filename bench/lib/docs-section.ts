/** Writing one benchmark's section of docs/performance.md without touching the others. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PERFORMANCE_MD = fileURLToPath(new URL('../../docs/performance.md', import.meta.url));

/**
 * Replaces the section that starts with the line `heading` (up to the next "## " heading) with
 * `section`, or appends it; a missing file starts as `intro`.
 */
export function replaceSection(file: string, heading: string, section: string, intro: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : intro;
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trimEnd() === heading);
  if (start < 0) {
    writeFileSync(file, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  if (end < 0) end = lines.length;
  const before = lines.slice(0, start).join('\n');
  const after = lines.slice(end).join('\n');
  writeFileSync(
    file,
    `${before ? `${before}\n` : ''}${section}${after ? `\n${after}` : ''}`.trimEnd() + '\n',
  );
}
