import type { Command } from 'commander';
import { createUnit, listUnits, type OrgUnit } from '../../tenancy/units.js';
import { dealerByCode, unitByRef, unitNamePaths, type CliContext } from '../context.js';

/** Indented tree lines, children under their parent in name order. */
export function unitTree(units: OrgUnit[]): string[] {
  const lines: string[] = [];
  const children = (parentId: number | null) =>
    units.filter((u) => u.parentId === parentId).sort((a, b) => a.name.localeCompare(b.name));
  const walk = (parentId: number | null, depth: number) => {
    for (const u of children(parentId)) {
      lines.push(`${'  '.repeat(depth)}${u.name}  [id ${u.id}]`);
      walk(u.id, depth + 1);
    }
  };
  walk(null, 0);
  return lines;
}

export function registerUnit(program: Command, cli: CliContext): void {
  const unit = program.command('unit').description('org units (branches, departments): add, list');

  unit
    .command('add')
    .description('create an org unit at the top of the dealer or below another unit')
    .requiredOption('--dealer <code>', 'dealer code')
    .requiredOption('--name <name>', 'unit name, e.g. "Филиал Север"')
    .option('--parent <unit>', 'parent unit: id or name path such as "Филиал Север/Отдел продаж"')
    .action(async (opts: { dealer: string; name: string; parent?: string; json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const created = await cli.withRuntime(async (rt) => {
        const d = await dealerByCode(rt, actor, opts.dealer);
        const parent = opts.parent === undefined ? null : await unitByRef(rt, actor, d, opts.parent);
        return createUnit(rt.ctx, actor, { dealerId: d.id, parentId: parent?.id ?? null, name: opts.name });
      });
      out.data(created);
      out.line(`created unit "${created.name}", id ${created.id}`);
    });

  unit
    .command('list')
    .description("show a dealer's org units as a tree")
    .requiredOption('--dealer <code>', 'dealer code')
    .action(async (opts: { dealer: string; json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const units = await cli.withRuntime(async (rt) => {
        const d = await dealerByCode(rt, actor, opts.dealer);
        return listUnits(rt.ctx, actor, d.id);
      });
      const paths = unitNamePaths(units);
      out.data(units.map((u) => ({ ...u, namePath: paths.get(u.id) })));
      if (units.length === 0) return out.line(`dealer ${opts.dealer} has no units`);
      for (const l of unitTree(units)) out.line(l);
    });
}
