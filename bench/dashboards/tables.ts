/**
 * The tables the history generator fills, with the columns it sets (the rest keep their defaults).
 * Column lists follow the migrations in src/db/migrations; rows are built in this order.
 */
import type { TableSpec } from './sink.js';

export const SAMPLES: TableSpec = {
  name: 'samples',
  columns: [
    ['series_id', 'int'],
    ['ts', 'int'],
    ['value', 'float'],
  ],
};

export const SEARCH_LOG: TableSpec = {
  name: 'search_log',
  columns: [
    ['installation_id', 'int'],
    ['at', 'int'],
    ['login', 'text'],
    ['query', 'text'],
    ['catalog', 'text'],
    ['type', 'text'],
    ['source', 'text'],
    ['status', 'text'],
    ['duration_ms', 'int'],
  ],
};

export const USER_USAGE_DAILY: TableSpec = {
  name: 'user_usage_daily',
  columns: [
    ['installation_id', 'int'],
    ['login', 'text'],
    ['day', 'text'],
    ['db_requests', 'int'],
    ['docs_counted', 'int'],
    ['docs_licensed', 'int'],
    ['docs_free', 'int'],
    ['saved', 'int'],
    ['printed', 'int'],
    ['services', 'int'],
    ['kassist_requests', 'int'],
  ],
};

export const INSTALLATION_USERS: TableSpec = {
  name: 'installation_users',
  columns: [
    ['installation_id', 'int'],
    ['login', 'text'],
    ['domain', 'text'],
    ['registered_at', 'int'],
    ['last_activity_at', 'int'],
    ['fullname', 'text'],
    ['phone', 'text'],
    ['email', 'text'],
    ['position', 'text'],
    ['department', 'text'],
    ['blocked', 'int'],
    ['last_seen_in_report_at', 'int'],
  ],
};

export const INSTALLATION_STATE: TableSpec = {
  name: 'installation_state',
  columns: [
    ['installation_id', 'int'],
    ['report_id', 'int'],
    ['report_at', 'int'],
    ['client_name', 'text'],
    ['regnum', 'text'],
    ['seats', 'int'],
    ['licences_in_use', 'int'],
    ['pk_version', 'text'],
    ['pk_version_short', 'text'],
    ['sysinfo_version', 'text'],
    ['senselock_status', 'text'],
    ['senselock_code', 'int'],
    ['senselock_message', 'text'],
    ['host_name', 'text'],
    ['host_started_at', 'int'],
    ['updated_at', 'int'],
  ],
};

export const INSTALLATION_LICENCES: TableSpec = {
  name: 'installation_licences',
  columns: [
    ['installation_id', 'int'],
    ['product', 'text'],
    ['name', 'text'],
    ['db', 'text'],
    ['valid_from', 'int'],
    ['valid_to_day', 'text'],
    ['expires_at', 'int'],
  ],
};

export const INSTALLATION_OPERUPS: TableSpec = {
  name: 'installation_operups',
  columns: [
    ['installation_id', 'int'],
    ['path', 'text'],
    ['modified_at', 'int'],
    ['size_bytes', 'int'],
  ],
};

export const INSTALLATION_COMPONENTS: TableSpec = {
  name: 'installation_components',
  columns: [
    ['installation_id', 'int'],
    ['type', 'text'],
    ['version', 'text'],
    ['full_version', 'text'],
    ['first_seen_at', 'int'],
    ['last_seen_at', 'int'],
  ],
};

export const INSTALLATION_CHANNELS: TableSpec = {
  name: 'installation_channels',
  columns: [
    ['installation_id', 'int'],
    ['channel', 'text'],
    ['last_received_at', 'int'],
    ['last_processed_at', 'int'],
    ['last_data_at', 'int'],
    ['consecutive_failures', 'int'],
  ],
};

export const AVAILABILITY_DAILY: TableSpec = {
  name: 'availability_daily',
  columns: [
    ['subject_kind', 'text'],
    ['subject_id', 'int'],
    ['check_name', 'text'],
    ['day', 'int'],
    ['dealer_id', 'int'],
    ['ok', 'int'],
    ['total', 'int'],
  ],
};

export const CHECK_STATUS: TableSpec = {
  name: 'check_status',
  columns: [
    ['subject_kind', 'text'],
    ['subject_id', 'int'],
    ['check_name', 'text'],
    ['dealer_id', 'int'],
    ['outcome', 'text'],
    ['code', 'text'],
    ['detail', 'text'],
    ['latency_ms', 'int'],
    ['since', 'int'],
    ['sampled_at', 'int'],
  ],
};

export const CHECK_EVENTS: TableSpec = {
  name: 'check_events',
  columns: [
    ['subject_kind', 'text'],
    ['subject_id', 'int'],
    ['dealer_id', 'int'],
    ['at', 'int'],
    ['check_name', 'text'],
    ['from_outcome', 'text'],
    ['to_outcome', 'text'],
    ['code', 'text'],
    ['detail', 'text'],
  ],
};

export const ONLINE_STATE: TableSpec = {
  name: 'online_state',
  columns: [
    ['online_access_id', 'int'],
    ['dealer_id', 'int'],
    ['checked_at', 'int'],
    ['ok', 'int'],
    ['read_at', 'int'],
    ['month', 'text'],
    ['docs_limit', 'int'],
    ['docs_remaining', 'int'],
    ['search_limit', 'int'],
    ['search_remaining', 'int'],
    ['print_limit', 'int'],
    ['print_remaining', 'int'],
    ['export_limit', 'int'],
    ['export_remaining', 'int'],
    ['error', 'text'],
    ['error_code', 'text'],
    ['error_message', 'text'],
    ['error_since', 'int'],
    ['last_used_at', 'int'],
  ],
};

export const ONLINE_USAGE_MONTHLY: TableSpec = {
  name: 'online_usage_monthly',
  columns: [
    ['online_access_id', 'int'],
    ['month', 'text'],
    ['kind', 'text'],
    ['dealer_id', 'int'],
    ['limit_units', 'int'],
    ['remaining', 'int'],
    ['read_at', 'int'],
  ],
};

export const ALERT_INSTANCES: TableSpec = {
  name: 'alert_instances',
  columns: [
    ['id', 'int'],
    ['dealer_id', 'int'],
    ['name', 'text'],
    ['fingerprint', 'text'],
    ['subject_kind', 'text'],
    ['subject_id', 'int'],
    ['client_id', 'int'],
    ['unit_id', 'int'],
    ['labels', 'text'],
    ['text', 'text'],
    ['value', 'float'],
    ['filename', 'text'],
    ['state', 'text'],
    ['active_since', 'int'],
    ['pending_at', 'int'],
    ['fired_at', 'int'],
    ['resolved_at', 'int'],
    ['clear_since', 'int'],
    ['last_eval_at', 'int'],
    ['inhibited_by', 'text'],
    ['acked_at', 'int'],
    ['acked_by', 'text'],
  ],
};

export const ALERT_TRANSITIONS: TableSpec = {
  name: 'alert_transitions',
  columns: [
    ['instance_id', 'int'],
    ['dealer_id', 'int'],
    ['at', 'int'],
    ['from_state', 'text'],
    ['to_state', 'text'],
    ['reason', 'text'],
  ],
};

export const REFUSED_LOGONS: TableSpec = {
  name: 'refused_logons',
  columns: [
    ['installation_id', 'int'],
    ['login', 'text'],
    ['at', 'int'],
    ['reason', 'text'],
  ],
};

export const KASSIST_LINKS_DAILY: TableSpec = {
  name: 'kassist_links_daily',
  columns: [
    ['installation_id', 'int'],
    ['day', 'text'],
    ['unique_added', 'int'],
    ['no_match', 'int'],
    ['added', 'int'],
    ['active_verified', 'int'],
  ],
};

export const INSTALLATION_SESSIONS: TableSpec = {
  name: 'installation_sessions',
  columns: [
    ['installation_id', 'int'],
    ['login', 'text'],
    ['logon_at', 'int'],
    ['ip', 'text'],
    ['browser', 'text'],
    ['domain', 'text'],
    ['holds_licence', 'int'],
  ],
};

export const ONLINE_SEARCH_LOG: TableSpec = {
  name: 'online_search_log',
  columns: [
    ['online_access_id', 'int'],
    ['dealer_id', 'int'],
    ['day', 'text'],
    ['at', 'int'],
    ['user_name', 'text'],
    ['query', 'text'],
    ['type', 'text'],
    ['status', 'text'],
  ],
};
