import { InvalidArgumentError, type Command } from 'commander';
import { CliError } from '../errors.js';
import { parseId, type CliContext } from '../context.js';

/**
 * `smart check`: run the active checks of one installation or online access now and print what they
 * find (and record it, like a scheduled run). For verifying a setup: a new smartlogin, a Licman
 * address, an online access's password.
 */
function parseTimeout(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 100 || Number(v) > 120_000) {
    throw new InvalidArgumentError('expected milliseconds from 100 to 120000.');
  }
  return Number(v);
}

export function registerCheck(program: Command, cli: CliContext): void {
  const check = program
    .command('check')
    .description('run the probes of an installation or read an online access now');

  check
    .command('installation')
    .description(
      'probe one installation (ICMP, TCP, main page, smartlogin, key/limit/warning, proxy, Licman)',
    )
    .argument('<id>', 'installation id', parseId)
    .option('--timeout <ms>', 'per-step timeout in ms (100–120000)', parseTimeout, 10_000)
    .action(async (id: number, opts: { json?: boolean; timeout: number }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const { getInstallation } = await import('../../inventory/installations.js');
      const { loadProbeTargets, probeObservations, probeRecorder } = await import('../../probes/service.js');
      const { probeInstallation } = await import('../../probes/probe.js');
      const { ABNORMAL_STATE_TITLES } = await import('../../probes/types.js');
      await cli.withRuntime(async (rt) => {
        const inst = await getInstallation(rt.ctx, actor, id);
        const [target] = await loadProbeTargets(rt.ctx, {}, [inst.id]);
        if (!target) {
          throw new CliError(
            `installation ${id} (${inst.sourceKey}) is not probed: it needs kind polled, an address and probes on`,
            2,
          );
        }
        const result = await probeInstallation(target, {
          timeoutMs: opts.timeout,
          clock: () => rt.ctx.clock.now(),
        });
        const recorder = probeRecorder(rt.ctx);
        recorder.add(probeObservations(target, result, rt.ctx.clock.now()), {
          kind: 'installation',
          id: inst.id,
          dealerId: inst.dealerId,
        });
        await recorder.flush();
        out.data({ installationId: inst.id, ...result });
        out.line(
          `${inst.sourceKey} (${target.protocol}://${target.address}:${target.port}), ${result.durationMs} ms`,
        );
        for (const c of result.checks) {
          const extra = [c.code, c.detail].filter((x) => x !== undefined && x !== '').join(' ');
          out.line(`  ${c.check.padEnd(12)} ${c.outcome.padEnd(10)} ${extra}`.trimEnd());
        }
        if (result.states) {
          const seen = Object.entries(result.states).filter(([, v]) => v !== 0);
          out.line(
            seen.length === 0
              ? '  abnormal states: none'
              : `  abnormal states: ${seen.map(([s, v]) => `${ABNORMAL_STATE_TITLES[s as keyof typeof ABNORMAL_STATE_TITLES]} (${v})`).join(', ')}`,
          );
        }
      });
    });

  check
    .command('online')
    .description('read the profile of one online access (never spends its units)')
    .argument('<id>', 'online access id', parseId)
    .action(async (id: number, opts: { json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const { getOnlineAccess } = await import('../../inventory/online.js');
      const { loadOnlineTargets, storeFailure, storeProfile } = await import('../../online/poller.js');
      const { readProfile, usedPercent } = await import('../../online/client.js');
      const { ONLINE_KINDS } = await import('../../online/types.js');
      await cli.withRuntime(async (rt) => {
        const access = await getOnlineAccess(rt.ctx, actor, id);
        const [target] = await loadOnlineTargets(rt.ctx, {}, [access.id]);
        const r = await readProfile(target!);
        const at = rt.ctx.clock.now();
        if (!r.ok) {
          await storeFailure(rt.ctx, target!, r, at);
          out.data({ accessId: id, ...r });
          throw new CliError(
            `${access.login}@${access.host}/${access.folder}: ${r.error} (${r.code}): ${r.message}`,
            1,
          );
        }
        await storeProfile(rt.ctx, target!, r.profile, at);
        out.data({ accessId: id, ...r });
        out.line(
          `${access.login}@${access.host}/${access.folder}, month ${r.profile.month}, ${Math.round(r.latencyMs)} ms`,
        );
        for (const k of ONLINE_KINDS) {
          const v = r.profile[k];
          out.line(
            `  ${k.padEnd(7)} limit ${v.limit}, used ${v.used}, remaining ${v.remaining} (${usedPercent(v).toFixed(1)} %)`,
          );
        }
      });
    });
}
