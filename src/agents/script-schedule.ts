/**
 * When a generated agent runs: smartupload hourly, smartstatus every 15 minutes, each at a minute
 * fixed per installation so that a dealer's installations do not all upload at the top of the hour.
 */
import type { AgentOs, ScriptKind } from './scripts.js';

/**
 * Multiplying by a number coprime to 60 maps any 60 consecutive installation ids onto the 60 minutes
 * one to one: the spread is even by construction, and the same id always gets the same minute.
 */
const SPREAD = 37;

/** The minute past the hour (0–59) at which the installation's smartupload runs. */
export function uploadMinute(installationId: number): number {
  return (((installationId * SPREAD) % 60) + 60) % 60;
}

/**
 * The minutes past the hour of the installation's smartstatus runs, four a quarter-hour apart. They are
 * 8 minutes after the upload minute (mod 15), so the two agents never start in the same minute.
 */
export function statusMinutes(installationId: number): number[] {
  const first = (uploadMinute(installationId) + 8) % 15;
  return [first, first + 15, first + 30, first + 45];
}

export interface Schedule {
  /** The command that installs the schedule: schtasks (cmd as administrator) or a crontab line. */
  command: string;
  /** The minutes past the hour the agent runs at. */
  minutes: number[];
  intervalMinutes: 60 | 15;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * Windows: a schtasks command creating a task that runs as SYSTEM (whether anyone is logged on or not,
 * no console window, no stored password). Linux: a crontab line keeping the last run's output.
 * `scriptPath` and `taskName` are validated by the caller (no quotes or shell characters).
 */
export function scheduleFor(
  os: AgentOs,
  kind: ScriptKind,
  installationId: number,
  scriptPath: string,
  logPath: string,
  taskName: string,
): Schedule {
  const minutes = kind === 'upload' ? [uploadMinute(installationId)] : statusMinutes(installationId);
  const intervalMinutes = kind === 'upload' ? 60 : 15;
  if (os === 'windows') {
    const every = kind === 'upload' ? '/SC HOURLY /MO 1' : '/SC MINUTE /MO 15';
    const start = `00:${pad2(minutes[0] ?? 0)}`;
    return {
      command: `schtasks /Create /F /TN "${taskName}" /TR "\\"${scriptPath}\\"" ${every} /ST ${start} /RU SYSTEM`,
      minutes,
      intervalMinutes,
    };
  }
  return {
    command: `${minutes.join(',')} * * * * ${scriptPath} > ${logPath} 2>&1`,
    minutes,
    intervalMinutes,
  };
}
