/**
 * A few thousand alert instances over the history window, as the engine leaves them: one row per
 * lifetime of an alert on an installation or online access (pending → firing → resolved, with the
 * transitions), the labels the engine sets, and a few dozen still open at the end, some acknowledged.
 * Names come from the catalogue (instance alerts only; the Count siblings are dealer-level).
 */
import { CATALOGUE, type AlertDef } from '../../../src/alerts/catalogue.js';
import { Rng } from '../../../src/sim/kodeks/prng.js';
import type { Fleet } from '../inventory.js';
import type { Cell, RowSink } from '../sink.js';
import { ALERT_INSTANCES, ALERT_TRANSITIONS } from '../tables.js';
import type { Window } from './sysinfo.js';

const MIN = 60_000;
/** Share of instances still open at the end (the "current emergencies" view). */
const OPEN_SHARE = 0.04;

export async function writeAlertHistory(
  sink: RowSink,
  fleet: Fleet,
  dealerCode: string,
  count: number,
  w: Window,
): Promise<void> {
  const rng = new Rng(1, 'bench-alerts');
  const defs = CATALOGUE.filter((d) => !d.countOf && !d.subjects.includes('dealer'));
  const byKind = (k: 'installation' | 'online') => defs.filter((d) => d.subjects.includes(k));
  const instDefs = byKind('installation');
  const onlineDefs = byKind('online');
  const open = new Set<string>();
  const instances: Cell[][] = [];
  const transitions: Cell[][] = [];
  for (let id = 1; id <= count; id += 1) {
    const online = rng.chance(0.3) && onlineDefs.length > 0;
    const def: AlertDef = rng.pick(online ? onlineDefs : instDefs);
    const subject = online ? rng.pick(fleet.accesses) : rng.pick(fleet.installations);
    const fingerprint = `${online ? 'online' : 'installation'}:${subject.id}`;
    const stillOpen = rng.chance(OPEN_SHARE) && !open.has(`${def.name}\u0000${fingerprint}`);
    const pendingAt = w.start + Math.floor(rng.next() * (w.end - w.start - 10 * MIN));
    const firedAt = pendingAt + def.forMs;
    const resolvedAt = stillOpen ? null : Math.min(w.end, firedAt + rng.int(10, 3 * 24 * 60) * MIN);
    if (stillOpen) open.add(`${def.name}\u0000${fingerprint}`);
    const labels: Record<string, string> = {
      dealer: dealerCode,
      client: subject.client,
      client_id: String(subject.clientId),
      ...(subject.unitId === null ? {} : { unit: String(subject.unitId) }),
      ...('login' in subject
        ? {
            online: String(subject.id),
            user: subject.login,
            url: `https://${subject.host}`,
            catalog: subject.folder,
          }
        : { installation: String(subject.id), host: subject.host }),
    };
    const acked = stillOpen && rng.chance(0.3) ? firedAt + rng.int(5, 600) * MIN : null;
    instances.push([
      id,
      fleet.dealerId,
      def.name,
      fingerprint,
      online ? 'online' : 'installation',
      subject.id,
      subject.clientId,
      subject.unitId,
      JSON.stringify(labels),
      def.summary,
      null,
      null,
      stillOpen ? 'firing' : 'resolved',
      pendingAt,
      pendingAt,
      firedAt,
      resolvedAt,
      resolvedAt,
      resolvedAt ?? w.end,
      null,
      acked,
      acked === null ? null : 'bench-admin',
    ]);
    transitions.push([id, fleet.dealerId, pendingAt, null, 'pending', 'condition met']);
    transitions.push([id, fleet.dealerId, firedAt, 'pending', 'firing', 'pending for the for-time']);
    if (resolvedAt !== null)
      transitions.push([id, fleet.dealerId, resolvedAt, 'firing', 'resolved', 'condition cleared']);
  }
  await sink.write(ALERT_INSTANCES, instances);
  await sink.flushTable(ALERT_INSTANCES.name);
  await sink.write(ALERT_TRANSITIONS, transitions);
}
