/**
 * V8 optimises the parser gradually: a fresh thread parses a 1 MB report 2–4 times slower than after
 * a few dozen parses. Every measured run is preceded by this, so the figures are the steady state of
 * a long-running server.
 */
const WARM_MS = 1500;
const MIN_ROUNDS = 3;

/** Rounds of `threads` concurrent calls of `run`, for at least WARM_MS and MIN_ROUNDS rounds. */
export async function warmUp(threads: number, run: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  for (let r = 0; r < MIN_ROUNDS || performance.now() - t0 < WARM_MS; r++) {
    await Promise.all(Array.from({ length: threads }, run));
  }
}
