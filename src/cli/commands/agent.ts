import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerAgentRun } from './agent-run.js';
import { registerAgentScript } from './agent-script.js';

/** `smart agent script|run`: the generated client-site scripts and the Node agent. */
export function registerAgent(program: Command, cli: CliContext): void {
  const agent = program
    .command('agent')
    .description('client-site agents: generated scripts and the Node agent');
  registerAgentScript(agent, cli);
  registerAgentRun(agent, cli);
}
