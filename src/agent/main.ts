/**
 * The single-file Node agent: `node smart-agent.mjs --config agent.json [--self-test] [--once]`.
 * Bundled by scripts/build-agent.mjs; it imports nothing of the server.
 */
import { parseArgs } from 'node:util';
import { runAgentCommand } from './command.js';
import { AGENT_VERSION } from './version.js';

const USAGE = `smart-agent ${AGENT_VERSION}: collects sysinfo and sysmon metrics from a Kodeks ПК and uploads them to SMART

usage: node smart-agent.mjs --config agent.json [--self-test] [--once] [--json]

  --config FILE   the agent's settings (JSON); see docs/agents.md
  --self-test     check the config, the ПК, smartlogin, the proxy, the server and the token, then exit
  --once          collect once, upload what is queued, exit (for a scheduler instead of a service)
  --json          machine-readable output of --self-test and --once
  --version       print the version
  --help          this text
`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        'self-test': { type: 'boolean' },
        once: { type: 'boolean' },
        json: { type: 'boolean' },
        version: { type: 'boolean', short: 'V' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`smart-agent: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  if (!values.config) {
    process.stderr.write(`smart-agent: --config is required\n\n${USAGE}`);
    return 2;
  }
  return runAgentCommand(
    { config: values.config, selfTest: values['self-test'], once: values.once, json: values.json },
    { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`) },
  );
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`smart-agent: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
