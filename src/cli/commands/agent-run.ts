import type { Command } from 'commander';
import { runAgentCommand } from '../../agent/command.js';
import type { CliContext } from '../context.js';

/** `smart agent run --config agent.json [--self-test] [--once]`: the Node agent, from the server's CLI. */
export function registerAgentRun(agent: Command, cli: CliContext): void {
  agent
    .command('run')
    .description(
      'run the Node agent: collect sysinfo hourly and sysmon metrics every 15 min from the ПК and upload them',
    )
    .requiredOption('--config <file>', 'the agent settings, agent.json (docs/agents.md)')
    .option(
      '--self-test',
      'check the config, the ПК, smartlogin, the proxy, the server and the token, then exit',
    )
    .option('--once', 'collect once, upload what is queued, and exit')
    .action(async (opts: { config: string; selfTest?: boolean; once?: boolean; json?: boolean }) => {
      const { io } = cli;
      cli.exitCode = await runAgentCommand(opts, {
        out: (t) => io.stdout.write(`${t}\n`),
        err: (t) => io.stderr.write(`${t}\n`),
        signal: io.signal,
      });
    });
}
