import { InvalidArgumentError } from 'commander';
import { loadConfig, type Config } from '../config/index.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { getDealerByCode, type Dealer } from '../tenancy/dealers.js';
import { cliActor, type Actor } from '../tenancy/scope.js';
import { resolveUnitRef, type OrgUnit } from '../tenancy/units.js';
import { Output, type CliIo } from './io.js';

/** What every command gets: the io, the operator actor, and the runtime on demand. */
export class CliContext {
  /** The exit code a command wants when it finishes without throwing (e.g. 2 for an import with errors). */
  exitCode = 0;

  constructor(readonly io: CliIo) {}

  output(opts: { json?: boolean }): Output {
    return new Output(this.io, opts.json === true);
  }

  /** The CLI acts as the instance operator; the audit trail records the OS user. */
  actor(): Actor {
    return cliActor(`cli:${this.io.env.USER ?? this.io.env.USERNAME ?? 'unknown'}`);
  }

  config(overrides: Record<string, string> = {}): Config {
    return loadConfig({ ...this.io.env, ...overrides });
  }

  /** Opens (and migrates) the database for the duration of fn. */
  async withRuntime<T>(fn: (rt: Runtime) => Promise<T>, config: Config = this.config()): Promise<T> {
    const rt = await openRuntime(config);
    try {
      return await fn(rt);
    } finally {
      await rt.close();
    }
  }
}

export function dealerByCode(rt: Runtime, actor: Actor, code: string): Promise<Dealer> {
  return getDealerByCode(rt.ctx, actor, code.trim());
}

export function unitByRef(rt: Runtime, actor: Actor, dealer: Dealer, ref: string): Promise<OrgUnit> {
  return resolveUnitRef(rt.ctx, actor, dealer.id, ref);
}

/** `Branch/Department` for every unit, the form `--unit` and `--parent` accept. */
export function unitNamePaths(units: OrgUnit[]): Map<number, string> {
  const byId = new Map(units.map((u) => [u.id, u]));
  const out = new Map<number, string>();
  for (const u of units) {
    const names: string[] = [];
    for (
      let cur: OrgUnit | undefined = u;
      cur;
      cur = cur.parentId === null ? undefined : byId.get(cur.parentId)
    ) {
      names.unshift(cur.name);
    }
    out.set(u.id, names.join('/'));
  }
  return out;
}

/** Collects a repeatable option (`--email a --email b`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parseId(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a positive integer id.');
  return Number(value);
}
