/** The pure alert rules: facts of one subject and the time in, conditions out (types.ts). */
import type { Condition, ParamsOf, SubjectFacts } from '../types.js';
import { evaluateInstallation, INSTALLATION_ALERT_NAMES } from './installation.js';
import { evaluateOnline, ONLINE_ALERT_NAMES } from './online.js';

export { evaluateInstallation } from './installation.js';
export { evaluateOnline } from './online.js';
export { analyseDbError, canonicalDbErrorCode, classifyDbError, dbErrorMeaning } from './db-errors.js';
export type { DbErrorClass, DbErrorInput, DbErrorVerdict } from './db-errors.js';
export { searchKey } from './util.js';

/** Every alert name the rules can produce (catalogue primary names only). */
export const RULE_NAMES: ReadonlySet<string> = new Set([...INSTALLATION_ALERT_NAMES, ...ONLINE_ALERT_NAMES]);

/** The rules of whichever kind of subject the facts are about. */
export function evaluateSubject(f: SubjectFacts, now: number, params: ParamsOf): Condition[] {
  return f.kind === 'installation' ? evaluateInstallation(f, now, params) : evaluateOnline(f, now, params);
}
