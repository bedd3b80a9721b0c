/**
 * A benchmark's progress lines on stderr, each with the seconds since `started` (a `performance.now()`):
 * `[  12 s] message`; stdout keeps only the results.
 */
export function progressSince(started: number, label = '', width = 4): (msg: string) => void {
  return (msg) => {
    const s = ((performance.now() - started) / 1000).toFixed(0).padStart(width);
    process.stderr.write(`[${label}${s} s] ${msg}\n`);
  };
}
