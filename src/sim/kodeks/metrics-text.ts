/**
 * The metrics a simulated ПК exposes: /sysmon/metrics (the documented set in docs/formats/status.md)
 * and the legacy /sysinfo/metrics body. Pure functions of (profile, instant, faults).
 */
import {
  formatPromText,
  type PromFamily,
  type PromSample,
  type PromType,
} from '../../ingest/parse/prom-text.js';
import type { FaultState } from './faults.js';
import {
  countersSinceStart,
  DAY,
  licenceTermsAt,
  operupTimesAt,
  serverStartedAt,
  sessionsAt,
  volumeErrorsAt,
} from './life.js';
import { pageState } from './page-state.js';
import { hash32 } from './prng.js';
import type { ClientProfile } from './profile.js';

export interface MetricsOptions {
  faults?: FaultState;
}

const SERVICE = 'kodweb';

class Exposition {
  readonly samples: PromSample[] = [];
  readonly families: PromFamily[] = [];
  family(
    name: string,
    type: PromType,
    help: string,
  ): (labels: Record<string, string>, value: number) => void {
    this.families.push({ name, type, help });
    return (labels, value) => this.samples.push({ name, labels, value, timestampMs: null });
  }
  text(): string {
    return formatPromText({ samples: this.samples, families: this.families });
  }
}

function contentCatalogs(p: ClientProfile): string[] {
  return p.catalogs.map((c) => c.path).filter((c) => c !== '/sysmon');
}

/** Catalog → the product-control problem on it, if any (`status` label values seen on real ПК). */
function productControl(p: ClientProfile, atMs: number, faults: FaultState): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of volumeErrorsAt(p, atMs, faults)) {
    if (e.code === null) continue; // "already connected" does not break the set of products
    out.set(e.catalog, 'no required volume DB');
  }
  return out;
}

/** The body of GET /sysmon/metrics. */
export function generateStatusText(p: ClientProfile, atMs: number, opts: MetricsOptions = {}): string {
  const faults = opts.faults ?? {};
  const x = new Exposition();
  const page = pageState(faults);
  const catalogs = contentCatalogs(p);
  const pc = productControl(p, atMs, faults);
  const running = !faults.server_not_started;
  const started = serverStartedAt(p, atMs);
  const sessions = sessionsAt(p, atMs, faults);
  const c = countersSinceStart(p, atMs, faults);

  const mainPage = x.family(
    'kserver_main_page',
    'gauge',
    'Main page of the catalog: 0 = assembled correctly, 1 = error',
  );
  for (const path of catalogs) mainPage({ service: SERVICE, path }, page.broken ? 1 : 0);
  const prod = x.family(
    'kserver_product_control',
    'gauge',
    'Product set of the catalog: 0 = OK, 1 = check the DB set',
  );
  for (const path of catalogs) {
    const problem = pc.get(path);
    prod(problem ? { service: SERVICE, path, status: problem } : { service: SERVICE, path }, problem ? 1 : 0);
  }
  const code = x.family(
    'kserver_main_page_status_code',
    'gauge',
    'HTTP status code of the catalog main page',
  );
  for (const path of catalogs) code({ path }, page.httpStatus);

  x.family('kserver_up', 'gauge', 'The ПК server (ksrv) is started: 1, or not: 0')({}, running ? 1 : 0);
  x.family(
    'kserver_start_time_seconds',
    'gauge',
    'Unix time the ПК server started',
  )({}, Math.floor(started / 1000));
  x.family(
    'kserver_uptime_seconds',
    'gauge',
    'Seconds since the ПК server started',
  )({}, running ? Math.floor((atMs - started) / 1000) : 0);
  x.family('kserver_maintenance', 'gauge', 'Maintenance mode: 1 = on')({}, faults.maintenance ? 1 : 0);
  x.family(
    'kserver_needs_service',
    'gauge',
    'The main page shows the "needs service" message: 1 = yes',
  )({}, faults.needs_service ? 1 : 0);
  x.family('kserver_sessions', 'gauge', 'Open user sessions')({}, sessions.length);
  x.family('kserver_licenses_in_use', 'gauge', 'Workplaces (licences) in use')({}, sessions.length);
  x.family('kserver_licenses_total', 'gauge', 'Workplaces in the reg-file')({}, p.seats);
  x.family(
    'kserver_logons_refused_total',
    'counter',
    'Logons refused since start because all workplaces were taken',
  )({ reason: 'no_free_licenses' }, c.refused);
  x.family(
    'kserver_senselock_key_ok',
    'gauge',
    'SenseLock key found and working: 1, not found: 0',
  )({}, faults.key_lost ? 0 : 1);
  x.family(
    'kserver_spp_up',
    'gauge',
    'The SPP service is running: 1, or not: 0',
  )({}, faults.spp_down ? 0 : 1);
  x.family(
    'kserver_protection_error_code',
    'gauge',
    'Current protection error code, 0 = none',
  )({}, faults.key_lost ? 4111 : 0);
  const exp = x.family(
    'kserver_license_expiry_timestamp_seconds',
    'gauge',
    'End of validity of each licence (Unix time)',
  );
  const terms = licenceTermsAt(p, atMs);
  p.licences.forEach((l, i) => {
    const end = Date.parse(`${terms[i]!.to}T00:00:00Z`) + DAY - p.utcOffsetMin * 60_000;
    exp({ product: l.product }, Math.floor(end / 1000));
  });
  const vols = x.family('kserver_db_volumes', 'gauge', 'Connected DB volumes per catalog');
  for (const path of catalogs) vols({ path }, p.volumes.filter((v) => v.catalog === path).length);
  const errs = x.family(
    'kserver_db_volume_errors',
    'gauge',
    'DB volumes with an error, per catalog and error code',
  );
  const counts = new Map<string, number>();
  for (const e of volumeErrorsAt(p, atMs, faults)) {
    const k = `${e.catalog}\u0000${e.code ?? ''}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  for (const [k, n] of [...counts].sort()) {
    const [path, code2] = k.split('\u0000') as [string, string];
    errs({ path, code: code2 }, n);
  }
  const op = operupTimesAt(p, atMs, faults);
  x.family('kserver_operup_files', 'gauge', 'OperUp files found')({}, op.length);
  x.family(
    'kserver_operup_oldest_timestamp_seconds',
    'gauge',
    'Modification time of the oldest OperUp file',
  )({}, op.length ? Math.floor(Math.min(...op) / 1000) : 0);
  x.family(
    'kserver_server_errors_total',
    'counter',
    'Internal server errors since start',
  )({}, c.serverErrors);
  const searches = x.family('kserver_search_requests_total', 'counter', 'Searches since start by result');
  searches({ status: 'success' }, c.searches - c.empty - c.errors);
  searches({ status: 'empty' }, c.empty);
  searches({ status: 'error' }, c.errors);
  x.family(
    'kserver_search_errors_total',
    'counter',
    'Searches that ended with an error since start',
  )({}, c.errors);
  const pkShort = /^\d+(?:\.\d+)+/.exec(p.pkVersion)?.[0] ?? p.pkVersion;
  x.family('kserver_build_info', 'gauge', 'ПК server version')({ version: p.pkVersion, short: pkShort }, 1);
  x.family(
    'kserver_sysmon_build_info',
    'gauge',
    'Monitoring module (sysmon) version',
  )({ version: p.sysmonVersion ?? 'unknown' }, 1);
  const comp = x.family('kserver_component_info', 'gauge', 'Installed components and their versions');
  comp({ type: 'ksrv', version: pkShort }, 1);
  comp({ type: 'sysinfo', version: p.sysinfoVersion }, 1);
  if (p.kassistVersion) comp({ type: 'kassist', version: p.kassistVersion }, 1);

  // The monitoring module runs on Node (X-Powered-By: Express): its own process metrics come along.
  const h = hash32(p.seed, 'proc', Math.floor(atMs / 60_000));
  x.family(
    'process_start_time_seconds',
    'gauge',
    'Start time of the process since unix epoch in seconds.',
  )({}, Math.floor(started / 1000));
  x.family(
    'process_resident_memory_bytes',
    'gauge',
    'Resident memory size in bytes.',
  )({}, 90_000_000 + (h % 40_000_000));
  x.family(
    'process_cpu_seconds_total',
    'counter',
    'Total user and system CPU time spent in seconds.',
  )({}, Math.round(((atMs - started) / 1000) * 0.02 * 100) / 100);
  x.family('nodejs_eventloop_lag_seconds', 'gauge', 'Lag of event loop in seconds.')({}, (h % 5000) / 1e6);
  return x.text();
}

/** The body of the legacy GET /sysinfo/metrics (spec §2.2 shape). */
export function generateLegacyMetricsText(p: ClientProfile, atMs: number, opts: MetricsOptions = {}): string {
  const faults = opts.faults ?? {};
  const page = pageState(faults);
  const pc = productControl(p, atMs, faults);
  const lines = ['# Sysinfo metrics'];
  for (const path of contentCatalogs(p)) {
    lines.push(`# Path ${path}`);
    lines.push(`kserver_main_page{service="${SERVICE}",path="${path}"} ${page.broken ? 1 : 0}`);
    const problem = pc.get(path);
    lines.push(
      problem
        ? `kserver_product_control{service="${SERVICE}",path="${path}",status="${problem}"} 1`
        : `kserver_product_control{service="${SERVICE}",path="${path}"} 0`,
    );
  }
  lines.push('# End');
  return `${lines.join('\n')}\n`;
}

/** An HTTP date as servers write it: `Thu, 16 Apr 2026 10:08:53 GMT`. */
export function httpDate(atMs: number): string {
  return new Date(atMs).toUTCString();
}

/** A whole .status file as the smartstatus script leaves it (the `find` line ends with CRLF on Windows). */
export function generateStatusFile(
  p: ClientProfile,
  atMs: number,
  opts: MetricsOptions & { crlf?: boolean } = {},
): string {
  return `date: ${httpDate(atMs)}${opts.crlf ? '\r\n' : '\n'}${generateStatusText(p, atMs, opts)}`;
}
