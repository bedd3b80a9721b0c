import { FULL_SCALE, type Scale } from '../dashboards/scale.js';

/** The full scale's proportions, for `installations`. */
export function fleetScale(installations: number, days: number): Scale {
  const f = installations / FULL_SCALE.installations;
  return {
    ...FULL_SCALE,
    installations,
    accesses: Math.round(FULL_SCALE.accesses * f),
    clients: Math.max(1, Math.round(FULL_SCALE.clients * f)),
    managers: Math.max(1, Math.round(FULL_SCALE.managers * f)),
    alerts: Math.round(FULL_SCALE.alerts * f),
    days,
  };
}
