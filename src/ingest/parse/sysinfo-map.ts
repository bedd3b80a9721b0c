/**
 * THE mapping from sysinfo XML to the Snapshot (docs/formats/sysinfo.md). When a real ПК report turns
 * out to name things differently, edit this table only: the parser is driven by it.
 *
 * Paths are relative to the root element, lower-case, namespace prefixes dropped. A key names where a
 * value is read from, relative to a context element (the root for scalars, the record element for
 * records):
 *   'a/b'      text of the descendant element a/b
 *   'a/b/@x'   attribute x of the descendant element a/b
 *   '@x'       attribute x of the context element
 *   '.'        text of the context element
 *   '../@x'    (records only) attribute x of the enclosing record element, e.g. a user's login for the
 *              usage records nested in it; '../a' reads a child of the enclosing record that came earlier.
 * The first key that yields a value wins, so aliases are simply listed.
 */
import type { SnapshotCollection, SnapshotItems } from './snapshot.js';

export type ValueType =
  | 'string'
  | 'int'
  | 'count'
  | 'bool'
  | 'localTime'
  | 'day'
  | 'validUntil'
  | 'searchType'
  | 'searchStatus'
  | 'senselockStatus'
  | 'errorCode';

export interface FieldRule {
  keys: readonly string[];
  type: ValueType;
  /** A record without this field is skipped (and counted in `skipped`). */
  required?: boolean;
}

export type RecordFields<C extends SnapshotCollection> = { [K in keyof SnapshotItems[C]]?: FieldRule };

export interface RecordRule<C extends SnapshotCollection> {
  collection: C;
  /** Element paths of one record each. */
  paths: readonly string[];
  fields: RecordFields<C>;
}

export type RecordRules = { [C in SnapshotCollection]: RecordRule<C> };

export const SCALAR_FIELDS = [
  'producedAt',
  'formatVersion',
  'sysinfoVersion',
  'pkVersion',
  'hostName',
  'os',
  'startedAt',
  'clientName',
  'regnum',
  'seats',
  'inUse',
  'binding',
  'senselockStatus',
  'senselockCode',
  'senselockMessage',
  'senselockKey',
] as const;
export type ScalarField = (typeof SCALAR_FIELDS)[number];

/** Accepted root elements. Anything else is "not a sysinfo report". */
export const ROOTS: readonly string[] = ['sysinfo', 'si', 'sysinfo_report', 'kodekssysinfo', 'report'];

const s = (...keys: string[]): FieldRule => ({ keys, type: 'string' });
const t = (type: ValueType, ...keys: string[]): FieldRule => ({ keys, type });
const req = (rule: FieldRule): FieldRule => ({ ...rule, required: true });

export const SCALARS: { [K in ScalarField]: FieldRule } = {
  producedAt: t(
    'localTime',
    '@created',
    '@time',
    '@date',
    'created',
    'header/created',
    'header/@created',
    'time',
  ),
  formatVersion: s('@format', '@formatversion', 'header/@format'),
  sysinfoVersion: s(
    '@module',
    '@version',
    'module/@version',
    'header/module',
    'sysinfo/version',
    'sysinfoversion',
  ),
  pkVersion: s('server/version', 'server/@version', 'pk/version', 'version'),
  hostName: s('server/hostname', 'server/@hostname', 'server/host', 'hostname'),
  os: s('server/os', 'server/@os'),
  startedAt: t('localTime', 'server/started', 'server/@started', 'server/starttime'),
  clientName: s(
    'registration/client',
    'registration/@client',
    'registration/clientname',
    'registration/owner',
    'clientname',
    'client',
  ),
  regnum: s('registration/regnum', 'registration/@regnum', 'registration/number', 'regnum'),
  seats: t(
    'count',
    'registration/seats',
    'registration/@seats',
    'registration/workplaces',
    'seats',
    'licenses/@total',
  ),
  inUse: t(
    'count',
    'registration/inuse',
    'registration/@inuse',
    'licenses/@inuse',
    'sessions/@licensed',
    'inuse',
  ),
  binding: s('registration/binding', 'registration/@binding'),
  senselockStatus: t(
    'senselockStatus',
    'registration/senselock/@status',
    'registration/senselock/status',
    'senselock/@status',
    'senselock/status',
  ),
  senselockCode: t('int', 'registration/senselock/@code', 'registration/senselock/code', 'senselock/@code'),
  senselockMessage: s(
    'registration/senselock',
    'registration/senselock/message',
    'senselock',
    'senselock/message',
  ),
  senselockKey: s('registration/senselock/@key', 'registration/senselock/@number', 'senselock/@key'),
};

export const RECORDS: RecordRules = {
  components: {
    collection: 'components',
    paths: ['server/components/component', 'components/component', 'versions/component'],
    fields: {
      type: req(s('@type', '@name', 'type', 'name')),
      version: req(s('@version', 'version', '.')),
      full: s('@full', 'full'),
    },
  },
  licences: {
    collection: 'licences',
    paths: ['licenses/license', 'licences/licence', 'registration/licenses/license'],
    fields: {
      product: s('@product', '@code', 'product'),
      name: s('@name', 'name', '.'),
      db: s('@db', 'db'),
      validFrom: t('localTime', '@from', 'from', '@start'),
      validToDay: t('day', '@to', 'to', '@until', '@expires'),
      expiresAt: t('validUntil', '@to', 'to', '@until', '@expires'),
    },
  },
  catalogs: {
    collection: 'catalogs',
    paths: ['catalogs/catalog'],
    fields: {
      path: req(s('@path', 'path', '@name', '.')),
      title: s('@title', 'title'),
      dbs: s('@dbs', 'dbs', '@base'),
    },
  },
  volumes: {
    collection: 'volumes',
    paths: ['databases/volume', 'databases/database/volume', 'volumes/volume'],
    fields: {
      name: req(s('@name', 'name')),
      path: s('@path', 'path'),
      catalog: s('@catalog', 'catalog', '../@catalog'),
      update: s('@update', 'update'),
    },
  },
  volumeErrors: {
    collection: 'volumeErrors',
    paths: [
      'databases/volume/error',
      'databases/database/volume/error',
      'volumes/volume/error',
      'dberrors/error',
    ],
    fields: {
      volume: s('@volume', '../@name', '../name'),
      path: s('@path', '../@path', '../path'),
      catalog: s('@catalog', '../@catalog', '../catalog'),
      code: t('errorCode', '@code', 'code'),
      text: req(s('.', '@text', 'text', '@message')),
    },
  },
  operups: {
    collection: 'operups',
    paths: ['operups/operup', 'operups/file', 'operup/file'],
    fields: {
      path: req(s('@path', 'path', '.')),
      modifiedAt: t('localTime', '@modified', 'modified', '@time', '@date'),
      sizeBytes: t('count', '@size', 'size'),
    },
  },
  sessions: {
    collection: 'sessions',
    paths: ['sessions/session', 'connections/connection'],
    fields: {
      login: req(s('@login', 'login', '@user')),
      logonAt: t('localTime', '@logon', 'logon', '@time'),
      ip: s('@ip', 'ip'),
      browser: s('@browser', 'browser', '@agent'),
      domain: s('@domain', 'domain', '@group'),
      holdsLicence: t('bool', '@license', '@licence', 'license'),
    },
  },
  users: {
    collection: 'users',
    paths: ['users/user'],
    fields: {
      login: req(s('@login', 'login', '@name')),
      domain: s('@domain', 'domain', '@group', 'card/@domain'),
      registeredAt: t('localTime', '@registered', 'registered', '@created'),
      lastActivityAt: t('localTime', '@lastactivity', 'lastactivity', '@lastseen', '@last'),
      fullname: s('card/@fullname', 'card/fullname', '@fullname', 'fullname'),
      phone: s('card/@phone', 'card/phone', '@phone', 'phone'),
      email: s('card/@email', 'card/email', '@email', 'email'),
      position: s('card/@position', 'card/position', '@position', 'position'),
      department: s('card/@department', 'card/department', '@department', 'department'),
      blocked: t('bool', '@blocked', 'blocked', '@disabled'),
    },
  },
  usage: {
    collection: 'usage',
    paths: ['users/user/usage', 'usage/day', 'usage/entry'],
    fields: {
      login: req(s('@login', 'login', '../@login', '../login')),
      day: req(t('day', '@date', 'date', '@day')),
      dbRequests: t('count', '@requests', 'requests'),
      docsCounted: t('count', '@docs', 'docs'),
      docsLicensed: t('count', '@docslicensed', 'docslicensed'),
      docsFree: t('count', '@docsfree', 'docsfree'),
      saved: t('count', '@saved', 'saved'),
      printed: t('count', '@printed', 'printed'),
      services: t('count', '@services', 'services'),
      kassistRequests: t('count', '@kassist', 'kassist'),
    },
  },
  searches: {
    collection: 'searches',
    paths: ['searchlog/search', 'searches/search', 'searchlog/query'],
    fields: {
      at: req(t('localTime', '@time', 'time')),
      login: req(s('@user', '@login', 'user', 'login')),
      query: req(s('.', 'text', '@text', '@query', 'query')),
      catalog: s('@catalog', 'catalog'),
      type: t('searchType', '@type', 'type'),
      source: s('@source', 'source'),
      status: t('searchStatus', '@status', 'status'),
      durationMs: t('count', '@duration', 'duration', '@ms'),
    },
  },
  refusedLogons: {
    collection: 'refusedLogons',
    paths: ['refusedlogons/refused', 'refusedlogons/logon', 'refused/logon'],
    fields: {
      login: req(s('@login', 'login', '@user')),
      at: req(t('localTime', '@time', 'time')),
      reason: s('@reason', 'reason', '.'),
    },
  },
  kassistLinks: {
    collection: 'kassistLinks',
    paths: ['kassist/links', 'kassist/day'],
    fields: {
      day: req(t('day', '@date', 'date')),
      uniqueAdded: t('count', '@unique', 'unique'),
      noMatch: t('count', '@nomatch', 'nomatch'),
      added: t('count', '@added', 'added'),
      activeVerified: t('count', '@active', 'active'),
    },
  },
};

/** Vocabulary of enumerated values (lower-case), so variants in real reports normalize alike. */
export const VOCABULARY = {
  searchType: {
    intelligent: ['intelligent', 'инт', 'интеллектуальный поиск', 'интеллектуальный', 'i', 'smart'],
    attribute: ['attribute', 'атрибутный', 'атрибутный поиск', 'атр', 'a', 'attr'],
  },
  searchStatus: {
    success: ['success', 'успех', 'ok', 'found', '1', 'true'],
    empty: ['empty', 'пустой', 'notfound', 'none', '0', 'false'],
    error: ['error', 'ошибка', 'failed', 'fail'],
  },
  senselockStatus: {
    ok: ['ok', 'active', 'работает', 'найден', 'found', '1', 'true'],
    not_found: [
      'not_found',
      'notfound',
      'missing',
      'lost',
      'absent',
      'не найден',
      'ключ не найден',
      '0',
      'false',
    ],
    error: ['error', 'ошибка', 'failed'],
  },
  bool: {
    true: ['1', 'true', 'yes', 'да', 'y'],
    false: ['0', 'false', 'no', 'нет', 'n'],
  },
} as const;
