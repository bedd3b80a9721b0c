// Runs the CLI from source (with the tsx loader), for tests that need a real `smart` process.
import { runCli } from '../../src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
