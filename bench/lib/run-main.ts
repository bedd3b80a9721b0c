/**
 * Runs a benchmark's `main`: a bad option prints its message and the usage, any other failure its stack;
 * either sets exit code 1.
 */
export function runMain(
  main: () => Promise<void>,
  usage?: { optionsError: abstract new (...args: never[]) => Error; text: string },
): void {
  main().catch((e: unknown) => {
    if (usage && e instanceof usage.optionsError) process.stderr.write(`${e.message}\n${usage.text}\n`);
    else process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
