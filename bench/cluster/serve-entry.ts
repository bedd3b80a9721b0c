/** `smart serve` from source (bin/smart.js runs dist/, which may be older than the tree being measured). */
import { runCli } from '../../src/cli/main.js';

process.exitCode = await runCli(['serve']);
