/** Counts the SQL statements a database handle runs, by verb and table (a Kysely plugin). */
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

const VERBS: Record<string, string> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

/** The first table a statement names (its target: `into`, `table`, or the first of `from`). */
function firstTable(node: unknown, depth = 0): string | null {
  if (typeof node !== 'object' || node === null || depth > 6) return null;
  const n = node as { kind?: unknown; table?: { identifier?: { name?: unknown } } };
  if (n.kind === 'TableNode' && typeof n.table?.identifier?.name === 'string') return n.table.identifier.name;
  for (const value of Object.values(node)) {
    const items: unknown[] = Array.isArray(value) ? value : [value];
    for (const item of items) {
      const found = firstTable(item, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

function describe(node: RootOperationNode): string {
  const verb = VERBS[node.kind] ?? node.kind;
  const target =
    node.kind === 'InsertQueryNode'
      ? node.into
      : node.kind === 'UpdateQueryNode'
        ? node.table
        : node.kind === 'SelectQueryNode' || node.kind === 'DeleteQueryNode'
          ? node.from
          : undefined;
  const upsert = node.kind === 'InsertQueryNode' && node.onConflict ? ' (upsert)' : '';
  return `${verb} ${firstTable(target) ?? '?'}${upsert}`;
}

export class StatementCounter implements KyselyPlugin {
  private counts = new Map<string, number>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const key = describe(args.node);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }

  reset(): void {
    this.counts = new Map();
  }

  /** Statements since the last reset, most frequent first. */
  snapshot(): [string, number][] {
    return [...this.counts.entries()].sort((a, b) => b[1] - a[1]);
  }
}
