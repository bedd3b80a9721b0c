import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { generateAgentScript, type ScriptRequest } from '../../agents/script-service.js';
import {
  AGENT_OSES,
  SCRIPT_KINDS,
  SYSINFO_FORMATS,
  type AgentOs,
  type ScriptKind,
} from '../../agents/scripts.js';
import { listClients } from '../../inventory/clients.js';
import { listInstallations, type Installation } from '../../inventory/installations.js';
import { NotFoundError } from '../../lib/errors.js';
import type { Runtime } from '../../runtime.js';
import type { Actor } from '../../tenancy/scope.js';
import { CliError } from '../errors.js';
import { dealerByCode, parseId, type CliContext } from '../context.js';

interface ScriptOpts {
  client: string;
  kind: ScriptKind;
  os: AgentOs;
  dealer?: string;
  installation?: number;
  host?: string;
  serverUrl?: string;
  pkUrl?: string;
  proxy?: string;
  format?: ScriptRequest['format'];
  installDir?: string;
  token?: string;
  out?: string;
  json?: boolean;
}

/** The client's agent installation the options point at (by id, host/source name, or the only one). */
async function pickInstallation(rt: Runtime, actor: Actor, opts: ScriptOpts): Promise<Installation> {
  const dealerId = opts.dealer ? (await dealerByCode(rt, actor, opts.dealer)).id : undefined;
  const clients = await listClients(rt.ctx, actor, { shortName: opts.client.trim(), dealerId });
  if (clients.length === 0) throw new NotFoundError(`client ${opts.client}`);
  if (clients.length > 1) {
    throw new CliError(`client ${opts.client} exists at ${clients.length} dealers: name one with --dealer`);
  }
  const all = await listInstallations(rt.ctx, actor, { clientId: clients[0]!.id });
  if (opts.installation !== undefined) {
    const found = all.find((i) => i.id === opts.installation);
    if (!found) throw new NotFoundError(`installation ${opts.installation} of client ${opts.client}`);
    return found;
  }
  if (opts.host !== undefined) {
    const h = opts.host.trim().toLowerCase();
    const found = all.filter((i) => i.sourceKey.toLowerCase() === h || i.address === h);
    if (found.length !== 1) {
      throw new CliError(
        found.length === 0
          ? `client ${opts.client} has no installation ${opts.host}`
          : `${opts.host} matches ${found.length} installations of ${opts.client}: use --installation`,
      );
    }
    return found[0]!;
  }
  const agents = all.filter((i) => i.kind === 'agent');
  if (agents.length === 1) return agents[0]!;
  throw new CliError(
    agents.length === 0
      ? `client ${opts.client} has no agent installation (scripts are for installations that upload)`
      : `client ${opts.client} has ${agents.length} agent installations (${agents
          .map((i) => `${i.id} ${i.sourceKey}`)
          .join(', ')}): choose one with --installation or --host`,
  );
}

/** `smart agent script --client NAME --kind upload|status --os windows|linux` (issue 8, part 1). */
export function registerAgentScript(agent: Command, cli: CliContext): void {
  agent
    .command('script')
    .description(
      'generate a ready smartupload/smartstatus script for a client installation (issues an agent token unless --token)',
    )
    .requiredOption('--client <name>', "the client's short name")
    .addOption(
      new Option('--kind <kind>', 'upload (sysinfo, hourly) or status (/sysmon, every 15 min)')
        .choices(SCRIPT_KINDS)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--os <os>', 'the system the script runs on').choices(AGENT_OSES).makeOptionMandatory(),
    )
    .option('--dealer <code>', 'dealer code, when the client name exists at several dealers')
    .option('--installation <id>', 'installation id, when the client has several', parseId)
    .option('--host <host>', "installation's source name or address, when the client has several")
    .option('--server-url <url>', 'SMART as the client reaches it (default: SMART_PUBLIC_URL)')
    .option(
      '--pk-url <url>',
      "the ПК as the script host reaches it (default: the installation's address, else http://127.0.0.1:80)",
    )
    .option('--proxy <proxy>', 'HTTP proxy for the upload: [user:password@]host:port')
    .addOption(
      new Option(
        '--format <format>',
        'sysinfo as zip or xml (default: zip on Windows, xml on Linux)',
      ).choices(SYSINFO_FORMATS),
    )
    .option(
      '--install-dir <dir>',
      'folder the script goes to (default: C:\\smartupload, /opt/smartupload, ...)',
    )
    .option('--token <token>', 'use this upload token of the dealer instead of issuing a new one')
    .option('--out <file>', 'write the script to this file (readable by the owner only) instead of stdout')
    .action(async (opts: ScriptOpts) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const config = cli.config();
      const script = await cli.withRuntime(async (rt) => {
        const inst = await pickInstallation(rt, actor, opts);
        return generateAgentScript(
          rt.ctx,
          actor,
          inst.id,
          {
            kind: opts.kind,
            os: opts.os,
            serverUrl: opts.serverUrl,
            pkUrl: opts.pkUrl,
            proxy: opts.proxy,
            format: opts.format,
            installDir: opts.installDir,
            token: opts.token,
          },
          { publicUrl: rt.config.publicUrl, origin: null },
        );
      }, config);
      if (opts.out) {
        // The script holds a token (and for smartstatus the smartlogin password).
        fs.writeFileSync(opts.out, script.content, { mode: 0o700 });
        fs.chmodSync(opts.out, 0o700);
      }
      out.data({ ...script, out: opts.out ?? null });
      if (!out.json && !opts.out)
        out.raw(script.content.endsWith('\n') ? script.content : `${script.content}\n`);
      const notes = [
        opts.out ? `wrote ${script.fileName} for installation ${script.installationId} to ${opts.out}` : null,
        script.tokenIssued
          ? `issued agent token ${script.tokenId} for installation ${script.installationId}; it is in the script only (revoke: smart token revoke ${script.tokenId})`
          : `uses upload token ${script.tokenId}`,
        `put it at ${script.scriptPath} and schedule it:`,
        `  ${script.schedule.command}`,
      ].filter((x): x is string => x !== null);
      // Beside a script on stdout the notes go to stderr; with --out, stdout is free for them.
      for (const n of notes) {
        if (opts.out) out.line(n);
        else if (!out.json) out.note(n);
      }
    });
}
