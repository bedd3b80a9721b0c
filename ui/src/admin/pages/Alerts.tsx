/**
 * «Алерты»: the catalogue of every alert SMART raises (name, the Russian text of its messages,
 * priority, importance, category, the thresholds and timings in force for the dealer, the runbook) and
 * the dealer's own settings of one alert: on/off, thresholds, the …Count threshold, pending and
 * hysteresis times, grouping timings. Values the dealer changed are marked; «Сбросить» drops the
 * dealer's settings and the catalogue's values apply again. Everybody reads; the operator and dealer
 * admins change them (the server enforces the same).
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState, type ReactNode } from 'react';
import { apiGet, apiSend, withQuery } from '../../api';
import { StatusBox } from '../../components/Panel';
import { TablePanel, type Column } from '../../components/TablePanel';
import { fmtDateTime, fmtNum } from '../../lib/format';
import {
  actionsColumn,
  AdminIcon,
  CheckField,
  CrudDialogs,
  FormDialog,
  Notice,
  PageHead,
  queryStatus,
  RowButton,
  TextField,
  useAdmin,
  useCatalogue,
  useCrud,
  useDealerParam,
  useForm,
} from '../common';
import { classNameOf } from '../matchers';
import { L, tx } from '../texts';
import type { AlertSettings, CatalogueAlert, EffectiveSettings } from '../types';

// ---------------------------------------------------------------- durations

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const TEXT_UNITS: [string, number][] = [
  ['d', DAY],
  ['h', HOUR],
  ['m', MIN],
  ['s', SEC],
];

/** 90 000 → «1m30s»: exact, so that what is shown can be typed back. */
export function durationText(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of TEXT_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return rest ? `${out}${rest}ms` : out;
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  мс: 1,
  s: SEC,
  с: SEC,
  m: MIN,
  min: MIN,
  м: MIN,
  мин: MIN,
  h: HOUR,
  ч: HOUR,
  d: DAY,
  д: DAY,
};

/**
 * «90s», «1m30s», «4h», «7d» (or «4ч», «15мин»; a bare number is seconds) → milliseconds; '' → null;
 * NaN when the text is not a duration.
 */
export function parseDuration(text: string): number | null {
  const s = text.trim().toLowerCase().replace(/\s+/g, '').replace(/,/g, '.');
  if (!s) return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * SEC);
  // Longer units first: «ms» before «m», «мин» before «м».
  const part = /(\d+(?:\.\d+)?)(ms|мс|min|мин|s|с|m|м|h|ч|d|д)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    part.lastIndex = pos;
    const m = part.exec(s);
    if (!m) return NaN;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = part.lastIndex;
  }
  return Math.round(total);
}

// ---------------------------------------------------------------- what the settings are

type DurationKey = 'forMs' | 'keepFiringForMs' | 'groupWaitMs' | 'groupIntervalMs' | 'repeatIntervalMs';

interface DurationDef {
  key: DurationKey;
  /** The server's limits (src/alerts/admin.ts, AlertSettingsInput). */
  min: number;
  max: number;
  label(): string;
  short(): string;
  hint(): string;
  of(e: EffectiveSettings): number;
  /** Shown in the table even when the dealer kept the catalogue's value. */
  always(e: EffectiveSettings): boolean;
}

const DURATIONS: DurationDef[] = [
  {
    key: 'forMs',
    min: 0,
    max: 7 * DAY,
    label: () => tx('Ожидание перед срабатыванием', 'Pending time before firing'),
    short: () => tx('ожидание', 'pending'),
    hint: () =>
      tx(
        'Условие должно держаться столько, прежде чем авария загорится (защита от дребезга).',
        'The condition must hold this long before the alert fires (flap protection).',
      ),
    of: (e) => e.forMs,
    always: (e) => e.forMs > 0,
  },
  {
    key: 'keepFiringForMs',
    min: 0,
    max: 7 * DAY,
    label: () => tx('Удержание после исчезновения условия', 'Keep firing for'),
    short: () => tx('удержание', 'keep firing'),
    hint: () =>
      tx(
        'Горящая авария гаснет, только когда условие не выполняется столько времени.',
        'A firing alert resolves only after its condition has been clear this long.',
      ),
    of: (e) => e.keepFiringForMs,
    always: (e) => e.keepFiringForMs > 0,
  },
  {
    key: 'groupWaitMs',
    min: 0,
    max: HOUR,
    label: () => tx('Ожидание группы', 'Group wait'),
    short: () => tx('ожидание группы', 'group wait'),
    hint: () =>
      tx(
        'Сколько первое оповещение новой группы ждёт других экземпляров.',
        'How long the first message of a new group waits for more instances.',
      ),
    of: (e) => e.timings.groupWaitMs,
    always: () => false,
  },
  {
    key: 'groupIntervalMs',
    min: SEC,
    max: DAY,
    label: () => tx('Интервал группы', 'Group interval'),
    short: () => tx('интервал группы', 'group interval'),
    hint: () =>
      tx(
        'Как часто изменившаяся группа отправляется снова.',
        'How often a group that changed is sent again.',
      ),
    of: (e) => e.timings.groupIntervalMs,
    always: () => false,
  },
  {
    key: 'repeatIntervalMs',
    min: MIN,
    max: 30 * DAY,
    label: () => tx('Повтор напоминания', 'Repeat interval'),
    short: () => tx('повтор', 'repeat'),
    hint: () =>
      tx('Как часто напоминать о всё ещё горящей аварии.', 'How often a still-firing alert is reminded.'),
    of: (e) => e.timings.repeatIntervalMs,
    always: () => true,
  },
];

export function paramName(key: string): string {
  switch (key) {
    case 'threshold':
      return tx('Порог остатка, единиц', 'Remaining units threshold');
    case 'maxAgeDays':
      return tx('Предельный возраст, дней', 'Maximum age, days');
    case 'maxHours':
      return tx('Предел, часов', 'Limit, hours');
    case 'windowHours':
      return tx('Окно, часов', 'Window, hours');
    case 'windowDays':
      return tx('Окно, дней', 'Window, days');
    case 'days':
      return tx('За сколько дней', 'Days ahead');
    case 'minPoints':
      return tx('Минимум пунктов', 'Minimum points');
    case 'minPercent':
      return tx('Минимум, %', 'Minimum, %');
    case 'fromDay':
      return tx('С какого числа месяца', 'From day of the month');
    case 'missedIntervals':
      return tx('Пропущено интервалов', 'Missed intervals');
    case 'workingDays':
      return tx('Рабочих дней', 'Working days');
    default:
      return key;
  }
}

export function categoryName(c: string): string {
  switch (c) {
    case 'db':
      return tx('Базы данных', 'Databases');
    case 'network':
      return tx('Сеть', 'Network');
    case 'availability':
      return tx('Режим обслуживания', 'Maintenance mode');
    case 'senselock':
      return tx('Ключ SenseLock', 'SenseLock key');
    case 'licence':
      return tx('Лицензии', 'Licences');
    case 'licman':
      return tx('Менеджер лицензий', 'Licence manager');
    case 'users':
      return tx('Пользователи и поиск', 'Users and search');
    case 'online':
      return tx('Онлайн-доступы', 'Online accesses');
    case 'collection':
      return tx('Сбор данных', 'Data collection');
    case 'other':
      return tx('Прочие проверки', 'Other checks');
    case 'delivery':
      return tx('Доставка уведомлений', 'Notification delivery');
    default:
      return c;
  }
}

interface SettingItem {
  /** The field name in the API (`params.days`, `forMs`, ...). */
  key: string;
  /** What the table shows: `maxAgeDays: 3`, `Count > 10`, `повтор: 1d`. */
  text: string;
  /** The long name, for the tooltip and the reset confirmation. */
  title: string;
  value: string;
  byDefault: string;
  overridden: boolean;
}

/**
 * The settings of an alert as the table shows them; a value the dealer stored is overridden (even
 * when it equals the catalogue's).
 */
function settingItems(a: CatalogueAlert): SettingItem[] {
  const e = a.effective;
  const d = a.defaults;
  const stored = a.override;
  const out: SettingItem[] = [];
  for (const k of Object.keys(d.params)) {
    const value = fmtNum(e.params[k] ?? null);
    out.push({
      key: `params.${k}`,
      text: `${k}: ${value}`,
      title: paramName(k),
      value,
      byDefault: fmtNum(d.params[k] ?? null),
      overridden: stored?.params[k] !== undefined,
    });
  }
  if (d.countThreshold !== null) {
    const value = fmtNum(e.countThreshold);
    out.push({
      key: 'countThreshold',
      text: `Count > ${value}`,
      title: tx('Порог сводки {s}', 'Threshold of {s}', { s: a.countSibling ?? '…Count' }),
      value,
      byDefault: fmtNum(d.countThreshold),
      overridden: stored?.countThreshold != null,
    });
  }
  for (const x of DURATIONS) {
    const overridden = stored?.[x.key] != null;
    if (!overridden && !x.always(e)) continue;
    const value = durationText(x.of(e));
    out.push({
      key: x.key,
      text: `${x.short()}: ${value}`,
      title: x.label(),
      value,
      byDefault: durationText(x.of(d)),
      overridden,
    });
  }
  return out;
}

function settingsText(a: CatalogueAlert): string {
  return settingItems(a)
    .map((i) => `${i.text}${i.overridden ? ` (${L.overridden()})` : ''}`)
    .join('; ');
}

function stateText(a: CatalogueAlert): string {
  if (!a.effective.enabled) return tx('выключен', 'off');
  return a.overridden ? L.overridden() : L.byDefault();
}

function RunbookLink({ alert, children }: { alert: CatalogueAlert; children: ReactNode }) {
  const label = tx('Описание аварии {n} (в новой вкладке)', 'Runbook of {n} (new tab)', { n: alert.name });
  return (
    <a
      href={alert.runbookUrl}
      target="_blank"
      rel="noopener noreferrer"
      className="cell-link"
      data-testid="alert-runbook"
      aria-label={label}
      title={label}
    >
      {children}
    </a>
  );
}

// ---------------------------------------------------------------- the page

export function Alerts() {
  const admin = useAdmin();
  const dp = useDealerParam();
  const catalogue = useCatalogue();
  const [query, setQuery] = useState('');
  const [onlyChanged, setOnlyChanged] = useState(false);
  const crud = useCrud<CatalogueAlert>({ label: (a) => a.name, refresh: ['catalogue', 'alert-settings'] });

  const noDealer = admin.isOperator && admin.dealerId === null;
  const why = !admin.isDealerAdmin
    ? L.onlyDealerAdmin()
    : noDealer
      ? tx(
          'Выберите дилера слева: у каждого дилера свои настройки.',
          'Pick a dealer on the left: each dealer has its own settings.',
        )
      : null;

  const rows = useMemo(() => {
    const needle = query.trim().toLowerCase();
    return (catalogue.data?.alerts ?? []).filter((a) => {
      if (onlyChanged && !a.overridden) return false;
      if (!needle) return true;
      return [a.name, ...a.aliases, a.summary, a.condition, a.category, categoryName(a.category)].some((s) =>
        s.toLowerCase().includes(needle),
      );
    });
  }, [catalogue.data, query, onlyChanged]);

  const columns: Column<CatalogueAlert>[] = [
    {
      key: 'name',
      title: tx('Имя', 'Name'),
      value: (a) => a.name,
      titleOf: (a) => [a.name, ...a.aliases].join(', '),
      render: (a) => (
        <>
          <span className="mono" data-testid="alert-name">
            {a.name}
          </span>{' '}
          <RunbookLink alert={a}>
            <AdminIcon name="file" />
          </RunbookLink>
          {a.aliases.length > 0 && <span className="muted"> ({a.aliases.join(', ')})</span>}
        </>
      ),
    },
    {
      key: 'summary',
      title: tx('Заголовок', 'Russian title'),
      value: (a) => a.summary,
      className: 'alert-text',
    },
    {
      key: 'priority',
      title: tx('Приоритет', 'Priority'),
      value: (a) => a.priority,
      render: (a) => <span className={`tag${a.priority === 'K1' ? ' tag-bad' : ''}`}>{a.priority}</span>,
    },
    { key: 'importance', title: tx('Важность', 'Importance'), value: (a) => a.importance },
    {
      key: 'category',
      title: tx('Категория', 'Category'),
      value: (a) => categoryName(a.category),
      className: 'alert-wrap',
    },
    {
      key: 'settings',
      title: tx('Пороги и время', 'Thresholds and timings'),
      value: settingsText,
      className: 'alert-text',
      render: (a) => (
        <span className="chips" data-testid="alert-settings">
          {settingItems(a).map((i) => (
            <span
              key={i.key}
              className={`tag${i.overridden ? ' tag-warn' : ''}`}
              title={i.overridden ? `${i.title}. ${L.defaultIs(i.byDefault)}` : i.title}
              data-setting={i.key}
              data-overridden={i.overridden ? 'true' : undefined}
            >
              {i.text}
              {i.overridden && (
                <span className="sr-only">
                  {' '}
                  ({L.overridden()}. {L.defaultIs(i.byDefault)})
                </span>
              )}
            </span>
          ))}
        </span>
      ),
    },
    {
      key: 'state',
      title: L.state(),
      value: stateText,
      render: (a) => (
        <span
          className={`tag ${!a.effective.enabled ? 'tag-bad' : a.overridden ? 'tag-warn' : 'tag-muted'}`}
          data-testid="alert-state"
        >
          {stateText(a)}
        </span>
      ),
    },
    actionsColumn((a) => (
      <span className="cell-actions">
        <RowButton
          icon="edit"
          label={`${tx('Настроить', 'Configure')}: ${a.name}`}
          why={why}
          onClick={() => crud.edit(a)}
          testid="alert-edit"
        />
        <RowButton
          icon="undo"
          danger
          label={`${L.reset()}: ${a.name}`}
          why={
            why ?? (a.overridden ? null : tx('Действуют значения по умолчанию', 'The defaults are in force'))
          }
          onClick={() => crud.remove(a)}
          testid="alert-reset"
        />
      </span>
    )),
  ];

  const total = catalogue.data?.alerts.length ?? 0;
  const changed = (catalogue.data?.alerts ?? []).filter((a) => a.overridden).length;

  return (
    <div className="page">
      <PageHead
        title={L.alerts()}
        description={tx(
          'Все аварии, которые поднимает SMART, и их настройки у дилера: пороги, время ожидания и повтора. Изменённые значения отмечены жёлтым (в подсказке — значение по умолчанию); «Сбросить» возвращает значения каталога.',
          "Every alert SMART raises and the dealer's settings of it: thresholds, pending and repeat times. Changed values are yellow (the tooltip gives the default); «Reset» brings back the catalogue's values.",
        )}
      />
      {noDealer ? (
        <Notice>
          {tx(
            'Показаны значения каталога. Выберите дилера слева, чтобы увидеть и изменить его настройки.',
            "The catalogue's values are shown. Pick a dealer on the left to see and change its settings.",
          )}
        </Notice>
      ) : (
        !admin.isDealerAdmin && <Notice>{`${L.readOnlyRole()} ${L.onlyDealerAdmin()}`}</Notice>
      )}
      <div className="admin-toolbar">
        <TextField
          label={tx('Поиск', 'Search')}
          value={query}
          onChange={setQuery}
          placeholder={tx('имя, текст или категория', 'name, text or category')}
          testid="alerts-search"
        />
        <CheckField
          label={tx('Только изменённые ({n})', 'Changed only ({n})', { n: changed })}
          checked={onlyChanged}
          onChange={setOnlyChanged}
          testid="alerts-changed"
        />
      </div>
      <div className="grid">
        <TablePanel
          id="alerts"
          title={tx('Алерты: {n} из {m}', 'Alerts: {n} of {m}', { n: rows.length, m: total })}
          rows={rows}
          columns={columns}
          rowKey={(a) => a.name}
          rowClass={(a) => (a.effective.enabled ? '' : 'row-off')}
          status={queryStatus(catalogue)}
          emptyText={tx('Ничего не найдено.', 'Nothing found.')}
          csvName="alerts.csv"
          initialSort={{ key: 'name', dir: 'asc' }}
          pageSize={25}
        />
      </div>
      <CrudDialogs
        crud={crud}
        editor={({ item, ...p }) => item && <AlertSettingsDialog alert={item} {...p} />}
        deletePath={(a) => withQuery(`/api/alert-settings/${encodeURIComponent(a.name)}`, dp)}
        deleteTitle={(a) => tx('Сбросить настройки {n}?', 'Reset the settings of {n}?', { n: a.name })}
        deleteLabel={L.reset()}
        deletedText={(a) =>
          tx('Действуют значения по умолчанию: {n}', 'Back to the defaults: {n}', { n: a.name })
        }
        deleteBody={(a) => {
          const changedItems = settingItems(a).filter((i) => i.overridden);
          return (
            <>
              {changedItems.length > 0 && (
                <ul>
                  {changedItems.map((i) => (
                    <li key={i.key}>
                      {i.title}: {i.value} → {i.byDefault}
                    </li>
                  ))}
                </ul>
              )}
              {!a.effective.enabled && (
                <p>{tx('Алерт снова будет включён.', 'The alert is switched on again.')}</p>
              )}
              <p>
                {tx(
                  'Настройки дилера для этого алерта будут удалены, снова будут действовать значения каталога.',
                  "The dealer's settings of this alert are deleted; the catalogue's values apply again.",
                )}
              </p>
            </>
          );
        }}
      />
    </div>
  );
}

// ---------------------------------------------------------------- the settings dialog

function AlertSettingsDialog({
  alert,
  onClose,
  onDone,
}: {
  alert: CatalogueAlert;
  onClose(): void;
  onDone(a: CatalogueAlert): void;
}) {
  const dp = useDealerParam();
  // The catalogue says only whether anything is stored; the form needs exactly what is.
  const settings = useQuery({
    queryKey: ['admin', 'alert-settings', alert.name, dp],
    queryFn: ({ signal }) =>
      apiGet<AlertSettings>(`/api/alert-settings/${encodeURIComponent(alert.name)}`, dp, signal),
  });
  if (!settings.data)
    return (
      <FormDialog
        title={tx('Настройки {n}', 'Settings of {n}', { n: alert.name })}
        onClose={onClose}
        onSubmit={() => undefined}
        submitDisabled
        testid="alert-dialog"
      >
        <StatusBox status={{ ...queryStatus(settings), empty: false, emptyText: '' }}>{null}</StatusBox>
      </FormDialog>
    );
  return <SettingsForm alert={alert} stored={settings.data.override} onClose={onClose} onDone={onDone} />;
}

type FormValues = { enabled: boolean; countThreshold: string; params: Record<string, string> } & Record<
  DurationKey,
  string
>;

function SettingsForm({
  alert,
  stored,
  onClose,
  onDone,
}: {
  alert: CatalogueAlert;
  stored: AlertSettings['override'];
  onClose(): void;
  onDone(a: CatalogueAlert): void;
}) {
  const dp = useDealerParam();
  const d = alert.defaults;
  const paramKeys = Object.keys(d.params);
  const hasCount = d.countThreshold !== null;
  const storedDuration = (k: DurationKey) => {
    const v = stored?.[k];
    return v === null || v === undefined ? '' : durationText(v);
  };
  const f = useForm<FormValues>(
    {
      enabled: stored?.enabled ?? true,
      countThreshold: stored?.countThreshold != null ? String(stored.countThreshold) : '',
      params: Object.fromEntries(
        paramKeys.map((k) => [k, stored?.params[k] !== undefined ? String(stored.params[k]) : '']),
      ),
      forMs: storedDuration('forMs'),
      keepFiringForMs: storedDuration('keepFiringForMs'),
      groupWaitMs: storedDuration('groupWaitMs'),
      groupIntervalMs: storedDuration('groupIntervalMs'),
      repeatIntervalMs: storedDuration('repeatIntervalMs'),
    },
    [
      'enabled',
      'countThreshold',
      'params',
      ...paramKeys.map((k) => `params.${k}`),
      ...DURATIONS.map((x) => x.key),
      'dealerId',
    ],
  );
  const v = f.values;
  const setParam = (k: string, x: string) => {
    f.set('params', { ...v.params, [k]: x });
    f.setErrors((e) => {
      if (!(`params.${k}` in e.fields)) return e;
      const fields = { ...e.fields };
      delete fields[`params.${k}`];
      return { ...e, fields };
    });
  };
  const changedMark = (isStored: boolean) =>
    isStored ? (
      <>
        {' '}
        <span className="tag tag-warn">{L.overridden()}</span>
      </>
    ) : null;

  const save = () => {
    const e: Record<string, string> = {};
    let countThreshold: number | null = null;
    if (hasCount && v.countThreshold.trim()) {
      const n = Number(v.countThreshold.trim());
      if (!Number.isInteger(n) || n < 1 || n > 10_000)
        e.countThreshold = tx('Целое число от 1 до 10 000', 'A whole number from 1 to 10,000');
      else countThreshold = n;
    }
    const durations: Partial<Record<DurationKey, number | null>> = {};
    for (const x of DURATIONS) {
      const ms = parseDuration(v[x.key]);
      if (ms !== null && Number.isNaN(ms))
        e[x.key] = tx('Например 90s, 5m, 4h или 7d', 'For example 90s, 5m, 4h or 7d');
      else if (ms !== null && (ms < x.min || ms > x.max))
        e[x.key] = tx('От {a} до {b}', 'From {a} to {b}', { a: durationText(x.min), b: durationText(x.max) });
      else durations[x.key] = ms;
    }
    const params: Record<string, number> = {};
    for (const k of paramKeys) {
      const text = (v.params[k] ?? '').trim();
      if (!text) continue;
      const n = Number(text.replace(',', '.'));
      if (!Number.isFinite(n) || n < 0 || n > 1e9)
        e[`params.${k}`] = tx('Неотрицательное число', 'A non-negative number');
      else params[k] = n;
    }
    return f.submit(async () => {
      // PUT replaces the dealer's settings: an empty field goes as null, i.e. the catalogue's value.
      await apiSend<AlertSettings>('PUT', `/api/alert-settings/${encodeURIComponent(alert.name)}`, {
        ...dp,
        enabled: v.enabled,
        ...(hasCount ? { countThreshold } : {}),
        ...durations,
        params,
      });
      onDone(alert);
      onClose();
    }, e);
  };

  return (
    <FormDialog
      title={tx('Настройки {n}', 'Settings of {n}', { n: alert.name })}
      onClose={onClose}
      onSubmit={() => void save()}
      busy={f.busy}
      error={f.errors.general}
      testid="alert-dialog"
      wide
    >
      <p>
        <strong>{alert.summary}</strong>
        <br />
        <span className="muted">
          {alert.priority} · {alert.importance} · {classNameOf(alert.class)} · {categoryName(alert.category)}
          {' · '}
          <RunbookLink alert={alert}>{tx('описание аварии', 'runbook')}</RunbookLink>
        </span>
      </p>
      <p className="hint mono">{alert.condition}</p>
      <p className="hint">
        {stored
          ? tx(
              'Настройки дилера сохранены {t}. Пустое поле — значение каталога.',
              "The dealer's settings were saved {t}. An empty field takes the catalogue's value.",
              { t: fmtDateTime(stored.updatedAt) },
            )
          : tx(
              'Действуют значения каталога. Пустое поле — значение каталога.',
              "The catalogue's values are in force. An empty field takes the catalogue's value.",
            )}
      </p>
      <CheckField
        label={tx('Алерт включён', 'The alert is on')}
        checked={v.enabled}
        onChange={(x) => f.set('enabled', x)}
        error={f.errors.fields.enabled}
        hint={
          <>
            {tx(
              'Выключенный алерт не вычисляется: он не загорится и никому не придёт.',
              'A switched-off alert is not evaluated: it never fires and nobody is told.',
            )}
            {changedMark(stored !== null && !stored.enabled)}
          </>
        }
        testid="alert-enabled"
      />
      {(paramKeys.length > 0 || hasCount) && (
        <fieldset className="group">
          <legend>{tx('Пороги', 'Thresholds')}</legend>
          <div className="field-row">
            {paramKeys.map((k) => (
              <TextField
                key={k}
                label={`${paramName(k)} (${k})`}
                value={v.params[k] ?? ''}
                onChange={(x) => setParam(k, x)}
                placeholder={String(d.params[k])}
                error={f.errors.fields[`params.${k}`]}
                hint={
                  <>
                    {L.defaultIs(fmtNum(d.params[k] ?? null))}
                    {changedMark(stored?.params[k] !== undefined)}
                  </>
                }
                testid={`alert-param-${k}`}
              />
            ))}
            {hasCount && (
              <TextField
                label={tx('Порог сводки {s}', 'Threshold of {s}', { s: alert.countSibling ?? 'Count' })}
                value={v.countThreshold}
                onChange={(x) => f.set('countThreshold', x)}
                placeholder={String(d.countThreshold)}
                error={f.errors.fields.countThreshold}
                hint={
                  <>
                    {tx(
                      'Больше стольких горящих экземпляров у дилера — загорается сводка. ',
                      'More firing instances than this in the dealer fire the summary. ',
                    )}
                    {L.defaultIs(fmtNum(d.countThreshold))}
                    {changedMark(stored?.countThreshold != null)}
                  </>
                }
                testid="alert-count-threshold"
              />
            )}
          </div>
        </fieldset>
      )}
      <fieldset className="group">
        <legend>{tx('Время', 'Timings')}</legend>
        <div className="field-row">
          {DURATIONS.map((x) => (
            <TextField
              key={x.key}
              label={x.label()}
              value={v[x.key]}
              onChange={(s) => f.set(x.key, s)}
              placeholder={durationText(x.of(d))}
              error={f.errors.fields[x.key]}
              hint={
                <>
                  {x.hint()} {L.defaultIs(durationText(x.of(d)))}
                  {changedMark(stored?.[x.key] != null)}
                </>
              }
              testid={`alert-${x.key}`}
            />
          ))}
        </div>
        <p className="hint">
          {tx(
            'Длительность: 90s, 15m, 4h, 7d или 1h30m (можно 4ч, 15мин); число без единиц — секунды.',
            'Durations: 90s, 15m, 4h, 7d or 1h30m; a number without a unit is seconds.',
          )}
        </p>
      </fieldset>
    </FormDialog>
  );
}
