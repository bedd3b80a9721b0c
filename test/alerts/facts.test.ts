/** The facts loader: what the rules see of one installation's recent events. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInstallationFacts } from '../../src/alerts/facts.js';
import { evaluateInstallation } from '../../src/alerts/rules/index.js';
import { settingsFrom } from '../../src/alerts/settings.js';
import { createInstallation, type Installation } from '../../src/inventory/installations.js';
import { DB_KINDS } from '../helpers/db.js';
import { op, startAlertWorld, type AlertWorld } from './harness.js';

describe.each(DB_KINDS)('alert facts (%s)', (kind) => {
  let w: AlertWorld;
  let inst: Installation;
  beforeAll(async () => {
    w = await startAlertWorld(kind);
    inst = await createInstallation(w.t.ctx, op, { clientId: w.client.id, kind: 'closed' });
  });
  afterAll(async () => {
    await w.close();
  });

  it('a flood of empty searches does not hide a search error', async () => {
    const now = w.t.clock.now();
    const row = (i: number, status: string) => ({
      installation_id: inst.id,
      at: now - 60_000 - i * 1_000,
      login: `user${i % 7}`,
      query: `запрос ${i}`,
      catalog: '/docs',
      type: 'intelligent',
      source: 'ksrv',
      status,
      duration_ms: 12_000,
    });
    // The error is older than 300 empty searches.
    await w.t.ctx.db.insertInto('search_log').values(row(400, 'error')).execute();
    for (let i = 0; i < 300; i += 100) {
      await w.t.ctx.db
        .insertInto('search_log')
        .values(Array.from({ length: 100 }, (_, k) => row(i + k, 'empty')))
        .execute();
    }
    const [facts] = await loadInstallationFacts(w.t.ctx, [inst.id], now);
    expect(facts!.searches.filter((s) => s.status === 'error')).toHaveLength(1);
    expect(facts!.searches.filter((s) => s.status === 'empty')).toHaveLength(200);
    const settings = settingsFrom(new Map());
    const names = evaluateInstallation(facts!, now, (n) => settings.params(n)).map((c) => c.name);
    expect(names).toContain('KodeksSearchError');
    expect(names).toContain('KodeksSearchIsEmpty');
  });
});
