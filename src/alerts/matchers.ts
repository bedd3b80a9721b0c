/**
 * Matchers shared by routing rules and silences: every field given must match (lists match any of
 * their values); labels match by equality. An empty matcher matches everything.
 */
import { z } from 'zod';
import { ALERT_CATEGORIES, ALERT_CLASSES, IMPORTANCES, PRIORITIES, alertDef } from './catalogue.js';

export const AlertMatchersSchema = z
  .object({
    alerts: z.array(z.string().min(1).max(100)).max(200).optional(),
    categories: z.array(z.enum(ALERT_CATEGORIES)).max(20).optional(),
    priorities: z.array(z.enum(PRIORITIES)).max(5).optional(),
    importance: z.array(z.enum(IMPORTANCES)).max(2).optional(),
    classes: z.array(z.enum(ALERT_CLASSES)).max(3).optional(),
    labels: z.record(z.string().min(1).max(60), z.string().max(500)).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (const [i, a] of (m.alerts ?? []).entries()) {
      if (!alertDef(a)) ctx.addIssue({ code: 'custom', path: ['alerts', i], message: `unknown alert ${a}` });
    }
  });
export type AlertMatchers = z.infer<typeof AlertMatchersSchema>;

/** What a matcher is tested against. */
export interface MatchSubject {
  name: string;
  labels: Record<string, string>;
}

export function matches(m: AlertMatchers, s: MatchSubject): boolean {
  const def = alertDef(s.name);
  if (!def) return false;
  if (m.alerts && !m.alerts.some((a) => alertDef(a)?.name === def.name)) return false;
  if (m.categories && !m.categories.includes(def.category)) return false;
  if (m.priorities && !m.priorities.includes(def.priority)) return false;
  if (m.importance && !m.importance.includes(def.importance)) return false;
  if (m.classes && !m.classes.includes(def.class)) return false;
  for (const [k, v] of Object.entries(m.labels ?? {})) if (s.labels[k] !== v) return false;
  return true;
}

export function parseMatchers(json: string): AlertMatchers {
  return AlertMatchersSchema.parse(JSON.parse(json));
}
