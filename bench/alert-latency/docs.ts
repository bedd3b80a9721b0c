/**
 * Writes the "Alert latency" section of docs/performance.md from a run's results, leaving every other
 * section of the file as it is (other benchmarks own theirs).
 */
import { PERFORMANCE_MD, replaceSection } from '../lib/docs-section.js';
import { machineLine } from '../lib/machine.js';
import { fmt } from '../lib/stats.js';
import { renderMarkdown } from '../lib/table.js';
import {
  ALERT,
  latencyTable,
  loadLine,
  meaning,
  ratioTable,
  stagesTable,
  verdict,
  type AlertLatencyResults,
} from './results.js';

export { PERFORMANCE_MD };

const HEADING = '## Alert latency';

function command(r: AlertLatencyResults): string {
  const args: string[] = [];
  if (r.runs !== 200) args.push(`--runs ${r.runs}`);
  if (r.lanes !== 1) args.push(`--lanes ${r.lanes}`);
  return `npm run bench:alert-latency${args.length ? ` -- ${args.join(' ')}` : ''}`;
}

export function alertLatencySection(r: AlertLatencyResults): string {
  const lines = [
    HEADING,
    '',
    `Run on ${r.date} with \`${command(r)}\` (${fmt(r.totalMs / 60_000)} min): ${machineLine(r.machine)}; ` +
      `${loadLine(r)}.`,
    '',
    `From the end of an upload that makes an installation faulty to the message arriving, as \`smart serve\` ` +
      `runs it: one process with the HTTP server on 127.0.0.1, the ingest node (parser pool, processor), the ` +
      `alerts node (touch-driven evaluation, scheduled per-dealer pass, dispatcher) on SQLite in a temporary ` +
      `data directory, active checks off; delivery over loopback to the SMTP sink (\`src/sim/smtp-sink.ts\`) ` +
      `and the fake Telegram Bot API (\`src/sim/telegram\`). Each of the ${r.runs} runs uploads a sysinfo ` +
      `zip made by the Kodeks simulator with the fault \`key_lost\` (SenseLock 4111) through \`POST /upload\` ` +
      `with the dealer header and upload token, as smartupload does; t0 is the end of the HTTP response, the ` +
      `arrival is the sink's or the fake API's \`Date.now()\` when the message came in: the manager's e-mail ` +
      `whose subject names ${ALERT} and the client, and the chat's Telegram message for it. Every run has ` +
      `its own dealer (manager, client, agent installation, high-priority Telegram chat and mailbox): ` +
      `notifications are grouped per receiver × alert name and a group that has just sent waits its group ` +
      `interval (1 min for K1) before the next, so a second installation of the same dealer would measure ` +
      `the group interval, not the path. ${r.lanes === 1 ? 'Runs go one after another.' : `${r.lanes} runs go at once.`}`,
    '',
    renderMarkdown(latencyTable(r)),
    '',
    `${ALERT} is K1: the dispatcher holds a new group for its group wait (${r.groupWaitMs} ms, ` +
      `\`DEFAULT_TIMINGS\` in \`src/alerts/catalogue.ts\`) so that what breaks together is told in one ` +
      `message; that part of the latency is deliberate.`,
    '',
    renderMarkdown(ratioTable(r)),
    '',
    '### Where the time goes',
    '',
    renderMarkdown(stagesTable(r)),
    '',
    `From the database's own timestamps (same clock): \`reports.processed_at\`, \`alert_instances.fired_at\`, ` +
      `\`notifications.created_at\` (the group flushed into messages) and \`sent_at\` (written once the ` +
      `channel has answered, so after the arrival).`,
    '',
    '### What it means',
    '',
    `- ${verdict(r)}`,
    ...meaning(r).map((s) => `- ${s}`),
    '',
  ];
  return lines.join('\n');
}

/** Replaces the "## Alert latency" section (up to the next "## " heading), or appends it. */
export function writeAlertLatencySection(r: AlertLatencyResults, file = PERFORMANCE_MD): void {
  replaceSection(file, HEADING, alertLatencySection(r), '# Performance\n');
}
