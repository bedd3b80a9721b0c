/** Time as the agent sees it; tests pass a fake that they advance by hand. */
export interface Timers {
  now(): number;
  /** The callback may return a promise; a fake clock awaits it before moving on. */
  setTimeout(fn: () => unknown, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
