/**
 * Series rows for the generated samples. Ids are handed out here, in generation order, and the rows
 * written with them (the identity sequence is moved past them at the end on PostgreSQL), so samples
 * can be written without a round trip per series. Labels are canonical JSON, as the app stores them.
 */
import { canonicalLabels, type Labels } from '../../src/metrics/series.js';
import type { Cell, RowSink, TableSpec } from './sink.js';

const SERIES: TableSpec = {
  name: 'series',
  columns: [
    ['id', 'int'],
    ['dealer_id', 'int'],
    ['installation_id', 'int'],
    ['online_access_id', 'int'],
    ['metric', 'text'],
    ['labels', 'text'],
  ],
};

export interface Owner {
  kind: 'installation' | 'online';
  id: number;
  dealerId: number;
}

export class SeriesIds {
  private next = 1;
  private pending: Cell[][] = [];

  /** A new series of `owner` (each owner's series are asked for once, when its history is made). */
  create(owner: Owner, metric: string, labels: Labels): number {
    const id = this.next++;
    this.pending.push([
      id,
      owner.dealerId,
      owner.kind === 'installation' ? owner.id : null,
      owner.kind === 'online' ? owner.id : null,
      metric,
      canonicalLabels(labels),
    ]);
    return id;
  }

  /** Hands the series created so far to the sink (before their samples, for the foreign key). */
  async write(sink: RowSink): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    await sink.write(SERIES, rows);
    await sink.flushTable(SERIES.name);
  }

  get count(): number {
    return this.next - 1;
  }
}
