import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table types. Every timestamp is integer milliseconds since the epoch, UTC.
 * Booleans are stored as 0/1 integers on both databases so that one query shape serves both.
 */
export interface DealersTable {
  id: Generated<number>;
  code: string;
  name: string;
  created_at: number;
  updated_at: number;
}

export interface UploadTokensTable {
  id: Generated<number>;
  dealer_id: number;
  /** Set for a per-installation agent token; null for a dealer-wide token. */
  installation_id: number | null;
  label: string;
  /** First characters of the token, shown in lists so a token can be recognised. */
  prefix: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface OrgUnitsTable {
  id: Generated<number>;
  dealer_id: number;
  parent_id: number | null;
  name: string;
  /** Materialized path of ids, `/3/7/`: a subtree is `path LIKE '/3/%'`. */
  path: string;
  created_at: number;
  updated_at: number;
}

export interface UsersTable {
  id: Generated<number>;
  /** Null only for the instance operator. */
  dealer_id: number | null;
  unit_id: number | null;
  manager_id: number | null;
  login: string;
  display_name: string;
  password_hash: string;
  role: string;
  disabled: number;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  created_at: number;
  expires_at: number;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  label: string;
  prefix: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface ManagersTable {
  id: Generated<number>;
  dealer_id: number;
  unit_id: number | null;
  name: string;
  /** JSON array of e-mail addresses. */
  emails: string;
  telegram_chat_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface ClientsTable {
  id: Generated<number>;
  dealer_id: number;
  unit_id: number | null;
  short_name: string;
  legal_name: string | null;
  created_at: number;
  updated_at: number;
}

export interface ClientManagersTable {
  client_id: number;
  manager_id: number;
}

export interface InstallationsTable {
  id: Generated<number>;
  dealer_id: number;
  client_id: number;
  /** polled | agent | closed */
  kind: string;
  /** Identity within the dealer: `host:port` for polled, the client short name for agent/closed. */
  source_key: string;
  address: string | null;
  port: number | null;
  protocol: string | null;
  probe_enabled: number;
  collect_interval_s: number;
  asrp_period_s: number;
  utc_offset_min: number;
  smartlogin_user: string | null;
  smartlogin_password_enc: string | null;
  probe_interval_s: Generated<number>;
  /** 1 when a reverse proxy fronts the ПК: its gateway errors are the KodeksBehindProxyDown check. */
  behind_proxy: Generated<number>;
  /** License manager (Licman) address, probed by ICMP and TCP when set. */
  licman_address: string | null;
  licman_port: number | null;
  created_at: number;
  updated_at: number;
}

export interface InstallationManagersTable {
  installation_id: number;
  manager_id: number;
  /** The e-mail given on the CSV row for this installation and manager. */
  email: string;
}

export interface OnlineAccessesTable {
  id: Generated<number>;
  dealer_id: number;
  client_id: number;
  login: string;
  password_enc: string;
  host: string;
  folder: string;
  protocol: string;
  /** Minutes east of UTC: the billing month starts at local midnight on the 1st. */
  utc_offset_min: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface OnlineAccessManagersTable {
  online_access_id: number;
  manager_id: number;
  email: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  dealer_id: number | null;
  actor: string;
  action: string;
  entity: string;
  entity_id: string;
  details: string;
}

export interface ReportsTable {
  id: Generated<number>;
  dealer_id: number;
  /** Null while the source name matches no installation ("unregistered source"). */
  installation_id: number | null;
  /** The client name the file was sent under (file name without extension). */
  source_name: string;
  file_name: string;
  /** sysinfo | status */
  channel: string;
  /** zip | xml | status */
  format: string;
  /** agent | pull | manual */
  via: string;
  sha256: string;
  size_bytes: number;
  /** The node whose spool holds the file: only that node processes it. */
  node_id: string;
  spool_path: string;
  received_at: number;
  /** received | processing | processed | quarantined | unregistered */
  status: string;
  attempts: Generated<number>;
  lease_until: number | null;
  processed_at: number | null;
  /** The time the report itself says it was produced (UTC ms). */
  report_at: number | null;
  error_reason: string | null;
  error_message: string | null;
}

export interface InstallationChannelsTable {
  installation_id: number;
  channel: string;
  last_received_at: number | null;
  last_processed_at: number | null;
  last_data_at: number | null;
  last_error_at: number | null;
  last_error_reason: string | null;
  last_error_message: string | null;
  consecutive_failures: number;
}

export interface SeriesTable {
  id: Generated<number>;
  dealer_id: number;
  installation_id: number | null;
  online_access_id: number | null;
  metric: string;
  /** Canonical JSON of the labels, keys sorted. */
  labels: string;
}

export interface SamplesTable {
  series_id: number;
  ts: number;
  value: number;
}

export interface InstallationStateTable {
  installation_id: number;
  report_id: number | null;
  report_at: number | null;
  client_name: string | null;
  regnum: string | null;
  seats: number | null;
  licences_in_use: number | null;
  pk_version: string | null;
  pk_version_short: string | null;
  sysinfo_version: string | null;
  senselock_status: string | null;
  senselock_code: number | null;
  senselock_message: string | null;
  host_name: string | null;
  host_started_at: number | null;
  updated_at: number;
  /** Accounts not used for 60 days at the report (migration 0006; null before it). */
  users_inactive_60d: number | null;
}

export interface InstallationComponentsTable {
  installation_id: number;
  type: string;
  version: string;
  full_version: string | null;
  first_seen_at: number;
  last_seen_at: number;
}

export interface InstallationLicencesTable {
  installation_id: number;
  product: string | null;
  name: string | null;
  db: string | null;
  valid_from: number | null;
  valid_to_day: string | null;
  expires_at: number | null;
}

export interface InstallationCatalogsTable {
  installation_id: number;
  path: string;
  title: string | null;
  dbs: string | null;
}

export interface InstallationVolumesTable {
  installation_id: number;
  name: string;
  path: string | null;
  catalog: string | null;
  update_label: string | null;
}

export interface InstallationVolumeErrorsTable {
  installation_id: number;
  volume: string | null;
  path: string | null;
  catalog: string | null;
  code: number | null;
  text: string;
}

export interface InstallationOperupsTable {
  installation_id: number;
  path: string;
  modified_at: number | null;
  size_bytes: number | null;
}

export interface InstallationSessionsTable {
  installation_id: number;
  login: string;
  logon_at: number | null;
  ip: string | null;
  browser: string | null;
  domain: string;
  holds_licence: number;
}

export interface InstallationUsersTable {
  installation_id: number;
  login: string;
  domain: string;
  registered_at: number | null;
  last_activity_at: number | null;
  fullname: string | null;
  phone: string | null;
  email: string | null;
  position: string | null;
  department: string | null;
  blocked: number;
  last_seen_in_report_at: number;
}

export interface UserUsageDailyTable {
  installation_id: number;
  login: string;
  day: string;
  db_requests: number;
  docs_counted: number;
  docs_licensed: number;
  docs_free: number;
  saved: number;
  printed: number;
  services: number;
  kassist_requests: number;
}

/**
 * Daily rollup of every series (migration 0006): one row per series and day, the day starting at
 * midnight Moscow time (`ROLLUP_OFFSET_MIN`), as ms UTC. Kept by the sample writers in the same
 * transaction as the samples; the dashboards read it for steps of a day or more.
 */
export interface SamplesDailyTable {
  series_id: number;
  day: number;
  min: number;
  max: number;
  /** The value of the day's newest sample, and its time. */
  last: number;
  last_ts: number;
  sum: number;
  count: number;
}

/** Migration 0015: the hourly rollup, `hour` the hour's start in ms UTC; the columns of samples_daily. */
export interface SamplesHourlyTable {
  series_id: number;
  hour: number;
  min: number;
  max: number;
  last: number;
  last_ts: number;
  sum: number;
  count: number;
}

/** Migration 0014: one row per `smart serve` node sharing the database (src/cluster/). */
export interface ClusterNodesTable {
  node_id: string;
  host: string;
  pid: number;
  version: string;
  url: string | null;
  roles: string;
  started_at: number;
  heartbeat_at: number;
  stopped_at: number | null;
  stats: Generated<string>;
  taken_over_at: number | null;
  taken_over_by: string | null;
}

interface UsageCounters {
  installation_id: number;
  day: string;
  db_requests: number;
  docs_counted: number;
  docs_licensed: number;
  docs_free: number;
  saved: number;
  printed: number;
  services: number;
  kassist_requests: number;
  /** Users with at least one DB request that day. */
  active_users: number;
  searches: number;
  empty_searches: number;
}

/**
 * Per installation and local day of the ПК: the users' daily counters summed, the searches of the
 * search log, and whether a sysinfo report arrived that day (migration 0006). Kept where reports are
 * stored.
 */
export interface InstallationUsageDailyTable extends UsageCounters {
  /** 1 when a sysinfo report was produced that (local) day. */
  reported: Generated<number>;
}

/** The counters per AD domain of the users (the analytics dashboard's `domain` variable). */
export interface InstallationUsageDomainDailyTable extends UsageCounters {
  domain: string;
}

/**
 * Per installation, local month (`YYYY-MM`) of the ПК and user: the user's daily counters summed, the
 * days with DB requests, and the user's searches (migration 0008). Kept where reports are stored.
 */
export interface UserUsageMonthlyTable {
  installation_id: number;
  month: string;
  login: string;
  db_requests: Generated<number>;
  docs_counted: Generated<number>;
  docs_licensed: Generated<number>;
  docs_free: Generated<number>;
  saved: Generated<number>;
  printed: Generated<number>;
  services: Generated<number>;
  kassist_requests: Generated<number>;
  /** Days of the month with at least one DB request. */
  active_days: Generated<number>;
  /** The first and the last of those days (`YYYY-MM-DD`; null when none). */
  first_active_day: string | null;
  last_active_day: string | null;
  searches: Generated<number>;
  intelligent_searches: Generated<number>;
  empty_searches: Generated<number>;
}

/** Per online access and local day: the searches of its log and the empty ones (migration 0010). */
export interface OnlineSearchDailyTable {
  online_access_id: number;
  day: string;
  searches: number;
  empty_searches: number;
}

export interface SearchLogTable {
  id: Generated<number>;
  installation_id: number;
  at: number;
  login: string;
  query: string;
  catalog: string | null;
  type: string;
  source: string;
  status: string;
  duration_ms: number | null;
}

export interface RefusedLogonsTable {
  installation_id: number;
  login: string;
  at: number;
  reason: string | null;
}

/** Migration 0011: refusals per installation, local day and login (src/ingest/refused-daily.ts). */
/** Per installation and local month (YYYY-MM): migration 0017, kept by addRefusals. */
export interface RefusedLogonsMonthlyTable {
  installation_id: number;
  month: string;
  refusals: number;
  /** Daily rows (login-days) of the month with a refusal for want of a free workplace. */
  licence_days: number;
}

export interface RefusedLogonsDailyTable {
  installation_id: number;
  day: string;
  login: string;
  refusals: number;
  /** Refused for want of a free workplace (isLicenceRefusal). */
  licence_refusals: number;
  /** Bit h set: a refusal in local hour h. */
  hours: number;
}

export interface KassistLinksDailyTable {
  installation_id: number;
  day: string;
  unique_added: number;
  no_match: number;
  added: number;
  active_verified: number;
}

export interface JobsTable {
  id: Generated<number>;
  /** probe | online_profile | online_searchlog | sync … */
  kind: string;
  subject_id: number;
  dealer_id: number | null;
  /** The host the job talks to, for per-host concurrency limits. */
  host: string | null;
  interval_ms: number;
  next_run_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_started_at: number | null;
  last_finished_at: number | null;
  last_duration_ms: number | null;
  last_outcome: string | null;
  last_error: string | null;
  runs: Generated<number>;
  /** Runs that started more than one interval after they were due. */
  missed: Generated<number>;
}

export interface CheckStatusTable {
  /** installation | online */
  subject_kind: string;
  subject_id: number;
  check_name: string;
  dealer_id: number;
  /** ok | failed | suppressed | unknown */
  outcome: string;
  code: string | null;
  detail: string | null;
  latency_ms: number | null;
  /** When the outcome (or code) last changed. */
  since: number;
  /** When a sample was last written to its series (on change, and hourly otherwise). */
  sampled_at: number;
}

export interface CheckEventsTable {
  id: Generated<number>;
  subject_kind: string;
  subject_id: number;
  dealer_id: number;
  at: number;
  check_name: string;
  from_outcome: string | null;
  to_outcome: string;
  code: string | null;
  detail: string | null;
}

export interface AvailabilityDailyTable {
  subject_kind: string;
  subject_id: number;
  check_name: string;
  /** Start of the UTC day, ms. */
  day: number;
  dealer_id: number;
  ok: number;
  total: number;
}

export interface OnlineStateTable {
  online_access_id: number;
  dealer_id: number;
  checked_at: number;
  ok: number;
  read_at: number | null;
  month: string | null;
  docs_limit: number | null;
  docs_remaining: number | null;
  search_limit: number | null;
  search_remaining: number | null;
  print_limit: number | null;
  print_remaining: number | null;
  export_limit: number | null;
  export_remaining: number | null;
  error: string | null;
  error_code: string | null;
  error_message: string | null;
  error_since: number | null;
  /** The last local day whose search log is stored (YYYY-MM-DD). */
  searchlog_through: string | null;
  /** The last time units were spent or a search was logged. */
  last_used_at: number | null;
}

export interface OnlineUsageMonthlyTable {
  online_access_id: number;
  /** YYYY-MM in the access's time zone. */
  month: string;
  kind: string;
  dealer_id: number;
  limit_units: number;
  remaining: number;
  read_at: number;
}

export interface OnlineSearchLogTable {
  id: Generated<number>;
  online_access_id: number;
  dealer_id: number;
  /** Local day (YYYY-MM-DD) the entry belongs to. */
  day: string;
  at: number;
  user_name: string;
  query: string;
  type: string;
  status: string;
}

export interface AlertInstancesTable {
  id: Generated<number>;
  dealer_id: number;
  name: string;
  /** subject_kind:subject_id[:key] */
  fingerprint: string;
  /** installation | online | dealer */
  subject_kind: string;
  subject_id: number;
  client_id: number | null;
  unit_id: number | null;
  /** JSON object of string labels. */
  labels: string;
  text: string;
  value: number | null;
  filename: string | null;
  /** pending | firing | resolved */
  state: string;
  /** When the condition began (may precede pending_at). */
  active_since: number;
  pending_at: number;
  fired_at: number | null;
  resolved_at: number | null;
  /** Hysteresis: when the condition was first seen clear while firing. */
  clear_since: number | null;
  last_eval_at: number;
  /** The firing alert of the same subject that inhibits this one. */
  inhibited_by: string | null;
  acked_at: number | null;
  acked_by: string | null;
}

export interface AlertTransitionsTable {
  id: Generated<number>;
  instance_id: number;
  dealer_id: number;
  at: number;
  from_state: string | null;
  to_state: string;
  reason: string | null;
}

export interface AlertSettingsTable {
  dealer_id: number;
  name: string;
  enabled: number;
  count_threshold: number | null;
  for_ms: number | null;
  keep_firing_for_ms: number | null;
  group_wait_ms: number | null;
  group_interval_ms: number | null;
  repeat_interval_ms: number | null;
  /** JSON object of numbers. */
  params: string | null;
  updated_at: number;
}

export interface NotificationChannelsTable {
  id: Generated<number>;
  dealer_id: number;
  unit_id: number | null;
  /** email | telegram | webhook */
  kind: string;
  /** high | analytics | all */
  class: string;
  name: string;
  target: string;
  enabled: number;
  last_error: string | null;
  last_error_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface NotificationRulesTable {
  id: Generated<number>;
  dealer_id: number;
  unit_id: number | null;
  position: number;
  name: string;
  /** JSON AlertMatchers */
  matchers: string;
  /** add | replace */
  mode: string;
  /** JSON number[] */
  channel_ids: string;
  managers: number;
  enabled: number;
  created_at: number;
  updated_at: number;
}

export interface NotifyGroupsTable {
  id: Generated<number>;
  dealer_id: number;
  /** email | telegram | webhook */
  receiver_kind: string;
  receiver_target: string;
  channel_id: number | null;
  alert_name: string;
  next_flush_at: number | null;
  last_flush_at: number | null;
  count_firing_sent: number;
  count_only: number;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
}

export interface NotifyMembersTable {
  group_id: number;
  instance_id: number;
  firing_sent_at: number | null;
  resolved_sent_at: number | null;
  last_sent_at: number | null;
}

export interface NotificationsTable {
  id: Generated<number>;
  dealer_id: number | null;
  group_id: number | null;
  channel_id: number | null;
  kind: string;
  target: string;
  alert_name: string;
  /** firing | resolved | repeat | count_firing | count_resolved | system */
  reason: string;
  subject: string;
  body: string;
  payload: string | null;
  instance_count: number;
  /** queued | sent | failed */
  status: string;
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  sent_at: number | null;
  last_error: string | null;
}

export interface NotificationAttemptsTable {
  id: Generated<number>;
  notification_id: number;
  at: number;
  node_id: string;
  ok: number;
  permanent: number;
  error: string | null;
  code: string | null;
  retry_after_ms: number | null;
  duration_ms: number;
}

export interface SilencesTable {
  id: Generated<number>;
  dealer_id: number;
  unit_id: number | null;
  /** JSON AlertMatchers */
  matchers: string;
  starts_at: number;
  ends_at: number;
  author: string;
  comment: string;
  created_at: number;
}

export interface MaintenanceWindowsTable {
  id: Generated<number>;
  dealer_id: number;
  /** dealer | unit | client | installation | online */
  scope_kind: string;
  scope_id: number;
  /** IANA zone, e.g. Asia/Yekaterinburg */
  time_zone: string;
  /** once | weekly */
  kind: string;
  starts_at: number | null;
  ends_at: number | null;
  /** JSON ISO weekdays 1–7 (weekly) */
  days: string | null;
  /** HH:MM local (weekly) */
  start_time: string | null;
  duration_min: number | null;
  valid_from: number | null;
  valid_until: number | null;
  author: string;
  comment: string;
  created_at: number;
}

/** ASRP upload settings of a dealer (migration 0012). */
export interface AsrpSettingsTable {
  dealer_id: number;
  enabled: number;
  endpoint: string;
  login: string;
  password_enc: string;
  schedule_s: number;
  updated_at: number;
}

/** One attempt to send an installation's sysinfo to ASRP, with ASRP's answer (migration 0012). */
export interface AsrpUploadsTable {
  id: Generated<number>;
  dealer_id: number;
  installation_id: number;
  report_id: number | null;
  sha256: string | null;
  size_bytes: number | null;
  sent_at: number;
  /** accepted | repeat | warning | error */
  outcome: string;
  response: string | null;
  state: string | null;
  upload_number: string | null;
  identifier: string | null;
  /** auth | http | timeout | network | file */
  error_kind: string | null;
  http_status: number | null;
  message: string | null;
  duration_ms: number | null;
}

/** Client health per client and local day (migration 0013, docs/health.md). */
export interface ClientHealthDailyTable {
  client_id: number;
  /** The dealer's local day, YYYY-MM-DD. */
  day: string;
  dealer_id: number;
  /** 0–100; null when no measure had data. */
  score: number | null;
  /** healthy | watch | risk | critical | nodata */
  band: string;
  /** JSON: measure name → value 0..1 (null = no data) and the raw figures. */
  measures: string;
  /** regular | episodic-quarterly | episodic-half-yearly | idle | sharing | irregular | new */
  profile: string;
  /** JSON: the detector's evidence (active months, period, phase, fit). */
  profile_detail: string;
  /** Months exhausted before the 20th among the last M (the early-exhaustion signal). */
  early_exhaustion: Generated<number>;
  /** JSON array of signals raised that day. */
  signals: string;
  computed_at: number;
}

/** Per dealer: the early-exhaustion N of M and the local times of the health jobs (migration 0013). */
export interface ClientHealthSettingsTable {
  dealer_id: number;
  exhaust_n: number;
  exhaust_m: number;
  time_zone: string;
  daily_hour: number;
  morning_hour: number;
  /** ISO weekday, 1 = Monday. */
  weekly_day: number;
  weekly_hour: number;
  digests_enabled: number;
  updated_at: number;
}

/** One row per digest sent: (dealer, kind, period, target) is the at-most-once key (migration 0013). */
export interface HealthDigestsTable {
  id: Generated<number>;
  dealer_id: number;
  /** weekly | morning */
  kind: string;
  /** ISO week (2026-W48) or local day (2026-11-23). */
  period: string;
  target: string;
  manager_id: number | null;
  notification_id: number | null;
  items: number;
  created_at: number;
}

export interface Database {
  dealers: DealersTable;
  upload_tokens: UploadTokensTable;
  org_units: OrgUnitsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  managers: ManagersTable;
  clients: ClientsTable;
  client_managers: ClientManagersTable;
  installations: InstallationsTable;
  installation_managers: InstallationManagersTable;
  online_accesses: OnlineAccessesTable;
  online_access_managers: OnlineAccessManagersTable;
  audit_log: AuditLogTable;
  reports: ReportsTable;
  installation_channels: InstallationChannelsTable;
  series: SeriesTable;
  samples: SamplesTable;
  samples_hourly: SamplesHourlyTable;
  cluster_nodes: ClusterNodesTable;
  installation_state: InstallationStateTable;
  installation_components: InstallationComponentsTable;
  installation_licences: InstallationLicencesTable;
  installation_catalogs: InstallationCatalogsTable;
  installation_volumes: InstallationVolumesTable;
  installation_volume_errors: InstallationVolumeErrorsTable;
  installation_operups: InstallationOperupsTable;
  installation_sessions: InstallationSessionsTable;
  installation_users: InstallationUsersTable;
  user_usage_daily: UserUsageDailyTable;
  search_log: SearchLogTable;
  samples_daily: SamplesDailyTable;
  installation_usage_daily: InstallationUsageDailyTable;
  installation_usage_domain_daily: InstallationUsageDomainDailyTable;
  user_usage_monthly: UserUsageMonthlyTable;
  refused_logons: RefusedLogonsTable;
  refused_logons_daily: RefusedLogonsDailyTable;
  refused_logons_monthly: RefusedLogonsMonthlyTable;
  kassist_links_daily: KassistLinksDailyTable;
  jobs: JobsTable;
  check_status: CheckStatusTable;
  check_events: CheckEventsTable;
  availability_daily: AvailabilityDailyTable;
  online_state: OnlineStateTable;
  online_usage_monthly: OnlineUsageMonthlyTable;
  online_search_log: OnlineSearchLogTable;
  online_search_daily: OnlineSearchDailyTable;
  alert_instances: AlertInstancesTable;
  alert_transitions: AlertTransitionsTable;
  alert_settings: AlertSettingsTable;
  notification_channels: NotificationChannelsTable;
  notification_rules: NotificationRulesTable;
  notify_groups: NotifyGroupsTable;
  notify_members: NotifyMembersTable;
  notifications: NotificationsTable;
  notification_attempts: NotificationAttemptsTable;
  silences: SilencesTable;
  maintenance_windows: MaintenanceWindowsTable;
  asrp_settings: AsrpSettingsTable;
  asrp_uploads: AsrpUploadsTable;
  client_health_daily: ClientHealthDailyTable;
  client_health_settings: ClientHealthSettingsTable;
  health_digests: HealthDigestsTable;
}

export type JobRow = Selectable<JobsTable>;

export type DealerRow = Selectable<DealersTable>;
export type OrgUnitRow = Selectable<OrgUnitsTable>;
export type UserRow = Selectable<UsersTable>;
export type ManagerRow = Selectable<ManagersTable>;
export type ClientRow = Selectable<ClientsTable>;
export type InstallationRow = Selectable<InstallationsTable>;
export type NewInstallation = Insertable<InstallationsTable>;
export type InstallationUpdate = Updateable<InstallationsTable>;
export type OnlineAccessRow = Selectable<OnlineAccessesTable>;
export type UploadTokenRow = Selectable<UploadTokensTable>;
export type ReportRow = Selectable<ReportsTable>;
