import { InvalidArgumentError, type Command } from 'commander';
import { type CliContext } from '../context.js';
import { untilStopped } from './serve.js';

function intIn(min: number, max: number, what: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      throw new InvalidArgumentError(`expected ${what} from ${min} to ${max}.`);
    }
    return Number(v);
  };
}

interface FleetOpts {
  installations: number;
  portBase: number;
  seed: number;
  host: string;
  controlPort?: number;
  json?: boolean;
}

export function registerSimulate(program: Command, cli: CliContext): void {
  const simulate = program.command('simulate').description('simulators for tests, demos and benchmarks');
  simulate
    .command('fleet')
    .description('run N simulated Kodeks ПК servers on loopback (server i on port-base + i) until stopped')
    .requiredOption('--installations <n>', 'how many servers (1–5000)', intIn(1, 5000, 'a count'))
    .option('--port-base <port>', 'first port; 0 = a free port for each', intIn(0, 65000, 'a port'), 0)
    .option(
      '--seed <n>',
      'seed of the fleet: the same seed gives the same clients and reports',
      intIn(0, 2 ** 31, 'a seed'),
      1,
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--control-port <port>',
      'serve POST /__sim/faults and GET /__sim/state on this port',
      intIn(0, 65535, 'a port'),
    )
    .action(async (opts: FleetOpts) => {
      const out = cli.output(opts);
      const { startFleet } = await import('../../sim/kodeks/index.js');
      const fleet = await startFleet({
        installations: opts.installations,
        portBase: opts.portBase,
        seed: opts.seed,
        host: opts.host,
        controlPort: opts.controlPort,
      });
      try {
        const servers = fleet.servers.map((s) => ({
          url: s.url,
          client: s.state.profile.shortName,
          regnum: s.state.profile.regnum,
          smartloginPassword: s.state.profile.smartloginPassword,
        }));
        out.data({ servers, controlUrl: fleet.controlUrl });
        out.line(`${servers.length} simulated ПК running (seed ${opts.seed}):`);
        for (const s of servers.slice(0, 20)) out.line(`  ${s.url}  ${s.client}  regnum ${s.regnum}`);
        if (servers.length > 20) out.line(`  … and ${servers.length - 20} more`);
        if (fleet.controlUrl)
          out.line(`faults: POST ${fleet.controlUrl}/__sim/faults {"server":0,"fault":"down","on":true}`);
        out.line('Ctrl-C stops them.');
        await untilStopped(cli.io);
      } finally {
        await fleet.close();
      }
    });

  simulate
    .command('dc')
    .description(
      'run a simulated distribution-centre site with N online accesses (login, profile with the four monthly limits, search log) until stopped',
    )
    .requiredOption('--accounts <n>', 'how many online accesses (1–10000)', intIn(1, 10000, 'a count'))
    .option('--port <port>', 'port to listen on; 0 = a free port', intIn(0, 65535, 'a port'), 0)
    .option(
      '--seed <n>',
      'seed: the same seed gives the same accounts and usage',
      intIn(0, 2 ** 31, 'a seed'),
      1,
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (opts: { accounts: number; port: number; seed: number; host: string; json?: boolean }) => {
      const out = cli.output(opts);
      const { startDcServer } = await import('../../sim/dc/index.js');
      const dc = await startDcServer({
        port: opts.port,
        host: opts.host,
        seed: opts.seed,
        accounts: opts.accounts,
      });
      try {
        const accounts = dc.accounts.map((a) => ({
          login: a.login,
          password: a.password,
          folder: a.folder,
          profile: a.profile,
          utcOffsetMin: a.utcOffsetMin,
        }));
        out.data({ url: dc.url, accounts });
        out.line(
          `simulated distribution centre at ${dc.url} with ${accounts.length} online accesses (seed ${opts.seed}):`,
        );
        for (const a of accounts.slice(0, 20))
          out.line(`  ${dc.url}/${a.folder}  ${a.login} / ${a.password}  (${a.profile})`);
        if (accounts.length > 20) out.line(`  … and ${accounts.length - 20} more`);
        out.line('Ctrl-C stops it.');
        await untilStopped(cli.io);
      } finally {
        await dc.close();
      }
    });
}
