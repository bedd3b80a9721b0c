/**
 * What active checks (probes of installations, polls of online accesses) observed, kept three ways:
 * - `check_status`: the current outcome of every check, with the moment it last changed;
 * - `check_events`: every change of outcome or code (the event log);
 * - series samples: 1 ok / 0 failed / -1 not judged, or a state's HTTP code. Written when the value
 *   changes and at least hourly otherwise (a step function), so 5,000 installations probed every
 *   minute do not write 40,000 rows a minute;
 * - `availability_daily`: ok/total per check and UTC day, counted on every observation.
 * Observations are buffered and written in one transaction per flush.
 */
import type { Insertable } from 'kysely';
import type { AppContext } from '../context.js';
import type { CheckEventsTable, CheckStatusTable } from '../db/schema.js';
import { withTx } from '../db/tx.js';
import {
  forgetSeriesIds,
  seriesIdCache,
  writeOwnedSamples,
  type OwnedSample,
  type SeriesSubject,
} from './series-writer.js';

export type CheckOutcome = 'ok' | 'failed' | 'suppressed' | 'unknown';
export type SubjectKind = SeriesSubject['kind'];

export interface CheckObservation {
  subject: SeriesSubject;
  /** e.g. `http200`, `tcp`, `login`, or `state:maintenance` for an abnormal state. */
  check: string;
  outcome: CheckOutcome;
  /** HTTP status, errno or error kind; part of the state (a change of code is an event). */
  code?: string | number | null;
  detail?: string | null;
  latencyMs?: number | null;
  /** The sample value; default 1 ok, 0 failed, -1 not judged. */
  value?: number;
  at: number;
}

export interface CheckSeriesNames {
  /** Metric of the 0/1 samples, labelled {check}. */
  check: string;
  /** Metric of abnormal-state samples, labelled {state}; checks named `state:<name>`. */
  state: string;
  /** Metric of latency samples, labelled {check}. */
  latency: string;
}

export interface CheckRecorderOptions {
  series: Record<SubjectKind, CheckSeriesNames>;
  /** Checks counted in availability_daily, per subject kind. */
  availability: Record<SubjectKind, readonly string[]>;
  /** A sample is written at least this often even when nothing changes. */
  heartbeatMs?: number;
  /** Told which subjects' results were just written (alerts evaluate them). */
  onWritten?: (subjects: SeriesSubject[]) => void;
}

export const DAY_MS = 86_400_000;
export const STATE_PREFIX = 'state:';

export function sampleValue(o: Pick<CheckObservation, 'outcome' | 'value'>): number {
  if (o.value !== undefined) return o.value;
  return o.outcome === 'ok' ? 1 : o.outcome === 'failed' ? 0 : -1;
}

interface StatusRow {
  kind: SubjectKind;
  id: number;
  check: string;
  dealerId: number;
  outcome: string;
  code: string | null;
  since: number;
  sampled_at: number;
}

interface StatusKey {
  key: string;
  kind: SubjectKind;
  id: number;
  check: string;
  outcome: string;
  dealerId: number;
}

export class CheckRecorder {
  private buffer: CheckObservation[] = [];
  private snapshots = new Map<string, { kind: SubjectKind; id: number; checks: string[] }>();
  private readonly heartbeatMs: number;

  constructor(
    private readonly ctx: AppContext,
    private readonly opts: CheckRecorderOptions,
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? 3_600_000;
  }

  /**
   * Buffers observations. With `complete`, they are everything checked on that subject this time:
   * checks of the subject not among them (a Licman address removed, a proxy error gone) are dropped
   * from check_status. Abnormal states are never dropped this way.
   */
  add(observations: CheckObservation[], complete?: SeriesSubject): void {
    for (const o of observations) this.buffer.push(o);
    if (complete) {
      this.snapshots.set(`${complete.kind}:${complete.id}`, {
        kind: complete.kind,
        id: complete.id,
        checks: observations.filter((o) => !o.check.startsWith(STATE_PREFIX)).map((o) => o.check),
      });
    }
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Writes everything buffered. On failure the observations are kept for the next flush. */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    const snapshots = [...this.snapshots.values()];
    this.buffer = [];
    this.snapshots = new Map();
    try {
      await this.write(batch, snapshots);
    } catch (e) {
      // Series of a deleted subject may be cached: forget ids, and keep what is still wanted.
      forgetSeriesIds(this.ctx.db);
      this.buffer = batch.concat(this.buffer).slice(-100_000);
      throw e;
    }
    if (this.opts.onWritten) {
      const subjects = new Map<string, SeriesSubject>();
      for (const o of batch) subjects.set(`${o.subject.kind}:${o.subject.id}`, o.subject);
      this.opts.onWritten([...subjects.values()]);
    }
  }

  private async write(
    batch: CheckObservation[],
    snapshots: { kind: SubjectKind; id: number; checks: string[] }[],
  ): Promise<void> {
    await withTx(this.ctx, async (db) => {
      const tctx = { ...this.ctx, db };
      const current = await this.loadStatus(tctx, batch);
      const gone: StatusKey[] = [];
      for (const s of snapshots) {
        const keep = new Set(s.checks);
        for (const [key, row] of current) {
          if (
            row.kind === s.kind &&
            row.id === s.id &&
            !row.check.startsWith(STATE_PREFIX) &&
            !keep.has(row.check)
          ) {
            gone.push({
              key,
              kind: s.kind,
              id: s.id,
              check: row.check,
              outcome: row.outcome,
              dealerId: row.dealerId,
            });
          }
        }
      }
      const samples: OwnedSample[] = [];
      const events: Insertable<CheckEventsTable>[] = [];
      const upserts = new Map<string, Insertable<CheckStatusTable>>();
      // A check no longer made (a Licman address removed, a proxy error gone): not judged any more.
      for (const g of gone) {
        events.push({
          subject_kind: g.kind,
          subject_id: g.id,
          dealer_id: g.dealerId,
          at:
            batch.find((o) => o.subject.kind === g.kind && o.subject.id === g.id)?.at ?? this.ctx.clock.now(),
          check_name: g.check,
          from_outcome: g.outcome,
          to_outcome: 'unknown',
          code: null,
          detail: 'no longer checked',
        });
        current.delete(g.key);
        await db
          .deleteFrom('check_status')
          .where('subject_kind', '=', g.kind)
          .where('subject_id', '=', g.id)
          .where('check_name', '=', g.check)
          .execute();
      }
      const avail = new Map<
        string,
        { kind: string; id: number; dealerId: number; check: string; day: number; ok: number; total: number }
      >();

      for (const o of batch) {
        const key = statusKey(o.subject.kind, o.subject.id, o.check);
        const code = o.code === undefined || o.code === null ? null : String(o.code);
        const prev = current.get(key);
        const changed = !prev || prev.outcome !== o.outcome || prev.code !== code;
        const sampleDue = changed || o.at - prev.sampled_at >= this.heartbeatMs;
        if (changed) {
          events.push({
            subject_kind: o.subject.kind,
            subject_id: o.subject.id,
            dealer_id: o.subject.dealerId,
            at: o.at,
            check_name: o.check,
            from_outcome: prev?.outcome ?? null,
            to_outcome: o.outcome,
            code,
            detail: o.detail ?? null,
          });
        }
        if (changed || sampleDue) {
          const row = {
            subject_kind: o.subject.kind,
            subject_id: o.subject.id,
            check_name: o.check,
            dealer_id: o.subject.dealerId,
            outcome: o.outcome,
            code,
            detail: o.detail ?? null,
            latency_ms: typeof o.latencyMs === 'number' ? Math.round(o.latencyMs) : null,
            since: changed ? o.at : prev.since,
            sampled_at: o.at,
          };
          upserts.set(key, row);
          current.set(key, {
            kind: o.subject.kind,
            id: o.subject.id,
            check: o.check,
            dealerId: o.subject.dealerId,
            outcome: o.outcome,
            code,
            since: row.since,
            sampled_at: o.at,
          });
          const names = this.opts.series[o.subject.kind];
          if (o.check.startsWith(STATE_PREFIX)) {
            samples.push({
              subject: o.subject,
              metric: names.state,
              labels: { state: o.check.slice(STATE_PREFIX.length) },
              ts: o.at,
              value: sampleValue(o),
            });
          } else {
            samples.push({
              subject: o.subject,
              metric: names.check,
              labels: { check: o.check },
              ts: o.at,
              value: sampleValue(o),
            });
            if (typeof o.latencyMs === 'number') {
              samples.push({
                subject: o.subject,
                metric: names.latency,
                labels: { check: o.check },
                ts: o.at,
                value: o.latencyMs,
              });
            }
          }
        }
        if (this.opts.availability[o.subject.kind].includes(o.check) && o.outcome !== 'unknown') {
          const day = Math.floor(o.at / DAY_MS) * DAY_MS;
          const akey = `${key}\u0000${day}`;
          const a = avail.get(akey) ?? {
            kind: o.subject.kind,
            id: o.subject.id,
            dealerId: o.subject.dealerId,
            check: o.check,
            day,
            ok: 0,
            total: 0,
          };
          // Suppressed (maintenance) counts as unavailable: users could not work then either.
          a.total += 1;
          if (o.outcome === 'ok') a.ok += 1;
          avail.set(akey, a);
        }
      }

      const rows = [...upserts.values()];
      for (let i = 0; i < rows.length; i += 200) await this.upsertStatus(tctx, rows.slice(i, i + 200));
      for (let i = 0; i < events.length; i += 300) {
        await db
          .insertInto('check_events')
          .values(events.slice(i, i + 300))
          .execute();
      }
      // One multi-row upsert per chunk: the keys are unique within the batch (aggregated above).
      const counts = [...avail.values()].map((a) => ({
        subject_kind: a.kind,
        subject_id: a.id,
        check_name: a.check,
        day: a.day,
        dealer_id: a.dealerId,
        ok: a.ok,
        total: a.total,
      }));
      for (let i = 0; i < counts.length; i += 300) {
        await db
          .insertInto('availability_daily')
          .values(counts.slice(i, i + 300))
          .onConflict((oc) =>
            oc.columns(['subject_kind', 'subject_id', 'check_name', 'day']).doUpdateSet((eb) => ({
              ok: eb('availability_daily.ok', '+', eb.ref('excluded.ok')),
              total: eb('availability_daily.total', '+', eb.ref('excluded.total')),
            })),
          )
          .execute();
      }
      await writeOwnedSamples(tctx, samples, seriesIdCache(this.ctx.db));
    });
  }

  private async loadStatus(ctx: AppContext, batch: CheckObservation[]): Promise<Map<string, StatusRow>> {
    const out = new Map<string, StatusRow>();
    for (const kind of ['installation', 'online'] as const) {
      const ids = [...new Set(batch.filter((o) => o.subject.kind === kind).map((o) => o.subject.id))];
      for (let i = 0; i < ids.length; i += 400) {
        const rows = await ctx.db
          .selectFrom('check_status')
          .select(['subject_id', 'check_name', 'dealer_id', 'outcome', 'code', 'since', 'sampled_at'])
          .where('subject_kind', '=', kind)
          .where('subject_id', 'in', ids.slice(i, i + 400))
          .execute();
        for (const r of rows) {
          out.set(statusKey(kind, r.subject_id, r.check_name), {
            kind,
            id: r.subject_id,
            check: r.check_name,
            dealerId: r.dealer_id,
            outcome: r.outcome,
            code: r.code,
            since: r.since,
            sampled_at: r.sampled_at,
          });
        }
      }
    }
    return out;
  }

  private async upsertStatus(ctx: AppContext, rows: Insertable<CheckStatusTable>[]): Promise<void> {
    if (rows.length === 0) return;
    await ctx.db
      .insertInto('check_status')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['subject_kind', 'subject_id', 'check_name']).doUpdateSet((eb) => ({
          outcome: eb.ref('excluded.outcome'),
          code: eb.ref('excluded.code'),
          detail: eb.ref('excluded.detail'),
          latency_ms: eb.ref('excluded.latency_ms'),
          since: eb.ref('excluded.since'),
          sampled_at: eb.ref('excluded.sampled_at'),
        })),
      )
      .execute();
  }
}

/** Current-state rows of subjects that no longer have a `jobKind` job (deleted, or checks switched off). */
export async function dropStaleStatus(ctx: AppContext, kind: SubjectKind, jobKind: string): Promise<void> {
  await ctx.db
    .deleteFrom('check_status')
    .where('subject_kind', '=', kind)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('jobs')
            .select('jobs.id')
            .where('jobs.kind', '=', jobKind)
            .whereRef('jobs.subject_id', '=', 'check_status.subject_id'),
        ),
      ),
    )
    .execute();
}

function statusKey(kind: string, id: number, check: string): string {
  return `${kind}:${id}\u0000${check}`;
}
