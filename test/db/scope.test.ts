import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getClient, listClients } from '../../src/inventory/clients.js';
import { getInstallation, listInstallations } from '../../src/inventory/installations.js';
import { listOnlineAccesses } from '../../src/inventory/online.js';
import { listManagers } from '../../src/tenancy/managers.js';
import { listUnits } from '../../src/tenancy/units.js';
import { listUsers } from '../../src/tenancy/users.js';
import { NotFoundError } from '../../src/lib/errors.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { buildDealerWorld, type DealerWorld } from '../helpers/tenants.js';

describe.each(DB_KINDS)('scopes in the query layer (%s)', (kind) => {
  let t: TestContext;
  let a: DealerWorld;
  let b: DealerWorld;
  beforeAll(async () => {
    t = await openTestContext(kind);
    a = await buildDealerWorld(t.ctx, 'deala');
    b = await buildDealerWorld(t.ctx, 'dealb');
  });
  afterAll(() => t.close());

  const names = (xs: { shortName: string }[]) => xs.map((x) => x.shortName).sort();

  it('a dealer admin sees all of their dealer and nothing of another', async () => {
    expect(names(await listClients(t.ctx, a.actors.admin))).toEqual([
      'alphadeala',
      'betadeala',
      'gammadeala',
    ]);
    expect((await listInstallations(t.ctx, a.actors.admin)).length).toBe(3);
    await expect(getClient(t.ctx, a.actors.admin, b.c1.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getInstallation(t.ctx, a.actors.admin, b.i2.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a head sees their subtree only', async () => {
    expect(names(await listClients(t.ctx, a.actors.head1))).toEqual(['alphadeala']);
    expect((await listUnits(t.ctx, a.actors.head1)).map((u) => u.name).sort()).toEqual(['Branch 1', 'Dept']);
    expect((await listManagers(t.ctx, a.actors.head1)).map((m) => m.id)).toEqual([a.m1.id]);
    expect((await listUsers(t.ctx, a.actors.head1)).map((u) => u.login).sort()).toEqual([
      'head1.deala',
      'headdept.deala',
      'manager1.deala',
    ]);
    expect((await listUnits(t.ctx, a.actors.headDept)).map((u) => u.name)).toEqual(['Dept']);
    await expect(getClient(t.ctx, a.actors.head1, a.c2.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getClient(t.ctx, a.actors.head1, a.c3.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a manager sees their own clients and what belongs to them', async () => {
    expect(names(await listClients(t.ctx, a.actors.manager1))).toEqual(['alphadeala']);
    expect((await listInstallations(t.ctx, a.actors.manager1)).map((i) => i.id)).toEqual([a.i1.id]);
    expect((await listOnlineAccesses(t.ctx, a.actors.manager1)).map((o) => o.id)).toEqual([a.o1.id]);
    expect((await listUsers(t.ctx, a.actors.manager1)).map((u) => u.login)).toEqual(['manager1.deala']);
  });

  it('a viewer of branch 2 sees branch 2', async () => {
    expect(names(await listClients(t.ctx, a.actors.viewer2))).toEqual(['betadeala']);
    expect((await listOnlineAccesses(t.ctx, a.actors.viewer2)).map((o) => o.id)).toEqual([a.o2.id]);
  });
});
