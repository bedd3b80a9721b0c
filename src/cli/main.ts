import { Command, CommanderError } from 'commander';
import { registerAgent } from './commands/agent.js';
import { registerAlerts } from './commands/alerts.js';
import { registerCheck } from './commands/check.js';
import { registerDealer } from './commands/dealer.js';
import { registerDemo } from './commands/demo.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerManager } from './commands/manager.js';
import { registerMigrate } from './commands/migrate.js';
import { registerServe } from './commands/serve.js';
import { registerSimulate } from './commands/simulate.js';
import { registerToken } from './commands/token.js';
import { registerUnit } from './commands/unit.js';
import { registerUpload } from './commands/upload.js';
import { registerUser } from './commands/user.js';
import { packageVersion } from '../lib/version.js';
import { CliContext } from './context.js';
import { describeError } from './errors.js';
import { processIo, type CliIo } from './io.js';

export type { CliIo } from './io.js';

function leaves(cmd: Command, prefix = 'smart'): { path: string; cmd: Command }[] {
  return cmd.commands.flatMap((sub) =>
    sub.commands.length > 0
      ? leaves(sub, `${prefix} ${sub.name()}`)
      : [{ path: `${prefix} ${sub.name()}`, cmd: sub }],
  );
}

/** `smart user add --login <login> --role <role> [--dealer <code>] ...` built from the definitions. */
function synopsis(path: string, cmd: Command): string {
  const args = cmd.registeredArguments.map((a) => {
    const name = a.argChoices ? a.argChoices.join('|') : a.name();
    return a.required ? `<${name}>` : `[${name}]`;
  });
  const opts = cmd.options
    .filter((o) => o.long !== '--json' && o.long !== '--help')
    .sort((a, b) => Number(b.mandatory) - Number(a.mandatory))
    .map((o) => (o.mandatory ? o.flags : `[${o.flags}]`));
  return [path, ...args, ...opts].join(' ');
}

/** The full command list for `smart --help`, so one screen shows every command and option. */
function commandIndex(program: Command): string {
  const lines = leaves(program).map(
    ({ path, cmd }) => `  ${synopsis(path, cmd)}\n      ${cmd.description()}`,
  );
  return ['', 'All commands (each also takes --json and --help):', ...lines].join('\n');
}

export function buildProgram(cli: CliContext): Command {
  const { io } = cli;
  const program = new Command('smart')
    .description('SMART: monitoring, alerting and analytics for Kodeks/Techexpert installations')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(add --help for usage)');
  registerServe(program, cli);
  registerMigrate(program, cli);
  registerDemo(program, cli);
  registerDealer(program, cli);
  registerToken(program, cli);
  registerUnit(program, cli);
  registerManager(program, cli);
  registerUser(program, cli);
  registerImport(program, cli);
  registerExport(program, cli);
  registerSimulate(program, cli);
  registerCheck(program, cli);
  registerAgent(program, cli);
  registerUpload(program, cli);
  registerAlerts(program, cli);
  // Every command has machine-readable output: added here so none can forget it.
  for (const { cmd } of leaves(program)) cmd.option('--json', 'print the result as JSON');
  program.addHelpText('after', () => commandIndex(program));
  return program;
}

/**
 * Runs one `smart` command line and returns the exit code: 0 success, 2 bad input (usage, validation,
 * not found, configuration, an import with errors), 1 anything else. Never calls process.exit.
 */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const cli = new CliContext(io);
  const json = argv.includes('--json');
  try {
    await buildProgram(cli).parseAsync(argv, { from: 'user' });
    return cli.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has already printed its message (or the help / version it was asked for).
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      if (json) io.stderr.write(`${JSON.stringify({ error: { code: 'usage', message: e.message } })}\n`);
      return 2;
    }
    const d = describeError(e);
    if (json) {
      io.stderr.write(
        `${JSON.stringify({ error: { code: d.code, message: d.message, details: d.details } })}\n`,
      );
    } else {
      io.stderr.write(`smart: ${d.message}\n`);
      // Unexpected failures keep their stack for debugging, on request.
      const level = io.env.SMART_LOG_LEVEL;
      if (d.exitCode === 1 && (level === 'debug' || level === 'trace') && e instanceof Error && e.stack) {
        io.stderr.write(`${e.stack}\n`);
      }
    }
    return d.exitCode;
  }
}
