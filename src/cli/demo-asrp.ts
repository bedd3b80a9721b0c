/**
 * ASRP for the demo: a simulated ASRP on loopback, and the demo dealer's upload settings pointed at it
 * (hourly rather than weekly, so «Загрузка sysinfo в АСРП» fills within the first hour). The simulator's
 * port changes with every start, so the settings are written again each time.
 */
import type { AppContext } from '../context.js';
import { putAsrpSettings } from '../asrp/settings.js';
import { DEFAULT_ASRP_LOGIN, DEFAULT_ASRP_PASSWORD, startAsrpSim, type AsrpSim } from '../sim/asrp/index.js';
import type { Dealer } from '../tenancy/dealers.js';
import type { Actor } from '../tenancy/scope.js';

const DEMO_ASRP_SCHEDULE_S = 3600;

export async function startDemoAsrp(ctx: AppContext, actor: Actor, dealer: Dealer): Promise<AsrpSim> {
  const sim = await startAsrpSim({ host: '127.0.0.1' });
  try {
    await putAsrpSettings(ctx, actor, {
      dealerId: dealer.id,
      enabled: true,
      endpoint: sim.endpoint,
      login: DEFAULT_ASRP_LOGIN,
      password: DEFAULT_ASRP_PASSWORD,
      scheduleS: DEMO_ASRP_SCHEDULE_S,
    });
  } catch (e) {
    await sim.close();
    throw e;
  }
  return sim;
}
