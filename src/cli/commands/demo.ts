import { startDemoAsrp } from '../demo-asrp.js';
import type { AsrpSim } from '../../sim/asrp/index.js';
import { InvalidArgumentError, type Command } from 'commander';
import { openRuntime } from '../../runtime.js';
import { backfillDemo, backfillOnline, startDemoFleet } from '../demo-fleet.js';
import { type CliContext } from '../context.js';
import { DEMO_DEALER, seedDemo, type DemoSeedReport } from '../demo-seed.js';
import type { Output } from '../io.js';
import { ensureDemoChannels, startDemoDelivery, type DemoDelivery } from '../demo-alerts.js';
import { browserUrl, parsePort, serveConfig, serveUntilStopped, type ServeOptions } from './serve.js';

function summary(r: DemoSeedReport): string[] {
  const lines: string[] = [];
  if (r.created.length === 0 && r.imports.length === 0)
    lines.push('demo data already in place; nothing changed');
  if (r.created.length > 0) lines.push(`demo data: created ${r.created.join(', ')}`);
  for (const i of r.imports) {
    lines.push(`imported ${i.file}: created ${i.counts.create}, updated ${i.counts.update}`);
  }
  return lines;
}

function printLogins(out: Output, r: DemoSeedReport): void {
  out.line('log in as:');
  const width = Math.max(...r.logins.map((l) => `${l.login} / ${l.password}`.length));
  for (const l of r.logins) out.line(`  ${`${l.login} / ${l.password}`.padEnd(width)}  ${l.role}: ${l.sees}`);
  if (r.uploadToken) {
    out.line(`upload token of dealer ${DEMO_DEALER.code}: ${r.uploadToken}`);
    out.line('  (shown this once; `smart token add --dealer demo` issues another)');
  }
}

function parseDays(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 400) {
    throw new InvalidArgumentError('expected a number of days from 1 to 400.');
  }
  return Number(v);
}

export function registerDemo(program: Command, cli: CliContext): void {
  program
    .command('demo')
    .description('create the demo dealer, users and inventory (idempotent), then serve on SMART_PORT (8080)')
    .option('--host <host>', 'address to listen on (default SMART_HOST or 0.0.0.0)')
    .option('--port <port>', 'port to listen on (default SMART_PORT or 8080)', parsePort)
    .option('--no-serve', 'only create the demo data, then exit')
    .option('--no-fleet', 'do not start the simulated fleet (no new data arrives)')
    .option(
      '--backfill <days>',
      'first generate this many days of history (1–400) through the pipeline',
      parseDays,
    )
    .action(
      async (opts: ServeOptions & { serve: boolean; fleet: boolean; backfill?: number; json?: boolean }) => {
        const out = cli.output(opts);
        // The demo's agents upload every few minutes: keep the terminal for what matters unless asked.
        const config = {
          ...serveConfig(cli, opts),
          ...(cli.io.env.SMART_LOG_LEVEL ? {} : { logLevel: 'warn' as const }),
        };
        const rt = await openRuntime(config);
        let report: DemoSeedReport;
        try {
          report = await seedDemo(rt.ctx, cli.actor());
        } catch (e) {
          await rt.close();
          throw e;
        }
        for (const l of summary(report)) out.line(l);
        const shown = { ...report, dealer: report.dealer.code };
        let delivery: DemoDelivery | undefined;
        let asrp: AsrpSim | undefined;
        const demoFleet =
          (opts.serve && opts.fleet) || opts.backfill ? await startDemoFleet(rt, report.dealer) : null;
        try {
          if (demoFleet && opts.backfill) {
            out.line(`backfilling ${opts.backfill} days of history…`);
            const b = await backfillDemo(rt, demoFleet, opts.backfill, (done, total) =>
              cli.io.stderr.write(`  ${done}/${total} reports\r`),
            );
            cli.io.stderr.write('\n');
            out.line(`backfill: ${b.added} new reports of ${b.reports} (the rest were already there)`);
            out.line(`backfill: ${b.probes.probes} probes of ${b.probes.installations} polled installations`);
            const days = Math.min(opts.backfill, 14);
            const online = await backfillOnline(rt, demoFleet, days);
            out.line(`backfill: ${online} hourly online readings over ${days} days`);
          }
          if (!opts.serve) {
            await rt.close();
            out.data(shown);
            printLogins(out, report);
            return;
          }
          const fleet = opts.fleet ? demoFleet : null;
          await ensureDemoChannels(rt.ctx, report.dealer);
          delivery = await startDemoDelivery(config, (l) => out.line(l));
          asrp = await startDemoAsrp(rt.ctx, cli.actor(), report.dealer);
          await serveUntilStopped(
            cli,
            delivery.config,
            (server) => {
              out.data({ ...shown, url: server.url, fleet: fleet?.fleet.servers.length ?? 0 });
              out.line(`SMART demo is running at ${browserUrl(config, server)} (data in ${config.dataDir})`);
              if (fleet) {
                out.line(
                  `simulated fleet: ${fleet.fleet.servers.length} ПК (${fleet.installations.filter((i) => i.kind === 'polled').length} pulled by SMART, the others send through simulated agents)`,
                );
                fleet.startAgents(server.url);
                out.line(
                  `simulated distribution centres: ${[...fleet.dcs.entries()].map(([h, d]) => `${h} (${d.accounts.length} online accesses)`).join(', ')}`,
                );
              }
              printLogins(out, report);
              out.line(
                `alerts: e-mail goes to an SMTP sink (${delivery!.smtp.url}), Telegram to a fake Bot API; messages are printed here as they arrive`,
              );
              out.line(`ASRP: the demo dealer's sysinfo goes hourly to a simulated ASRP (${asrp!.url})`);
              out.line('Ctrl-C stops it; `npm run demo` again continues with the same data.');
            },
            rt,
            fleet
              ? {
                  pull: { resolveBaseUrl: fleet.resolveBaseUrl },
                  checks: {
                    probes: { resolveEndpoint: fleet.resolveEndpoint },
                    online: { resolveBaseUrl: fleet.resolveOnlineBaseUrl },
                  },
                }
              : {},
          );
        } finally {
          await demoFleet?.close();
          await delivery?.close();
          await asrp?.close();
        }
      },
    );
}
