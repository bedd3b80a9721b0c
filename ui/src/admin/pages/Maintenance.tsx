/**
 * Maintenance windows: while one is active, the alerts of its object (the dealer, a unit, a client, an
 * installation or an online access) are held back. One-off (start and end) or weekly (days, a start
 * time and a duration, optionally within a validity period), in an IANA time zone that defaults to the
 * browser's. Editing sends only what changed (PATCH), so a past window's comment stays editable.
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { apiGet, apiSend } from '../../api';
import { TablePanel, type Column } from '../../components/TablePanel';
import { getLang } from '../../i18n';
import {
  ActionButton,
  byId,
  ConfirmDialog,
  FormDialog,
  Notice,
  PageHead,
  RowButton,
  SelectField,
  TextAreaField,
  TextField,
  unitLabel,
  unitOptions,
  useAdmin,
  useClients,
  useDealerParam,
  useForm,
  useInstallations,
  useInvalidate,
  useOnlineAccesses,
  useToast,
  useUnits,
} from '../common';
import { L, tx } from '../texts';
import { WINDOW_SCOPES, type MaintenanceWindow, type WindowScopeKind } from '../types';
import { localInput } from './Silences';

export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'Europe/Moscow';
  } catch {
    return 'Europe/Moscow';
  }
}

export function timeZones(): string[] {
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  const own = browserZone();
  const common = [
    'Europe/Kaliningrad',
    'Europe/Moscow',
    'Europe/Samara',
    'Asia/Yekaterinburg',
    'Asia/Omsk',
    'Asia/Novosibirsk',
    'Asia/Krasnoyarsk',
    'Asia/Irkutsk',
    'Asia/Yakutsk',
    'Asia/Vladivostok',
    'Asia/Magadan',
    'Asia/Kamchatka',
    'UTC',
  ];
  return [...new Set([own, ...common, ...zones])];
}

/** `YYYY-MM-DDTHH:MM` of an instant in `zone`, for a datetime-local input read in that zone. */
function zoneInput(ms: number | null, zone: string): string {
  if (ms === null) return '';
  try {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(ms)
        .map((p) => [p.type, p.value]),
    );
    return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
  } catch {
    return localInput(ms);
  }
}

function weekdays(): string[] {
  return getLang() === 'ru'
    ? ['Пн', 'Вт', 'Ср', 'Чт', 'Пт', 'Сб', 'Вс']
    : ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
}

function inZone(ms: number | null, zone: string): string {
  if (ms === null) return '—';
  try {
    return new Intl.DateTimeFormat(getLang() === 'ru' ? 'ru-RU' : 'en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    }).format(ms);
  } catch {
    return new Date(ms).toISOString();
  }
}

function scheduleText(w: MaintenanceWindow): string {
  if (w.kind === 'once') return `${inZone(w.startsAt, w.timeZone)} — ${inZone(w.endsAt, w.timeZone)}`;
  const days = w.days.map((d) => weekdays()[d - 1]).join(', ');
  let s = tx('{d} в {t}, {m} мин', '{d} at {t}, {m} min', {
    d: days,
    t: w.startTime ?? '',
    m: w.durationMin ?? 0,
  });
  if (w.validFrom) s += tx(', с {x}', ', from {x}', { x: inZone(w.validFrom, w.timeZone) });
  if (w.validUntil) s += tx(', до {x}', ', until {x}', { x: inZone(w.validUntil, w.timeZone) });
  return s;
}

function scopeKindName(k: WindowScopeKind): string {
  switch (k) {
    case 'dealer':
      return tx('весь дилер', 'whole dealer');
    case 'unit':
      return tx('подразделение', 'unit');
    case 'client':
      return tx('клиент', 'client');
    case 'installation':
      return tx('инсталляция', 'installation');
    default:
      return tx('онлайн-доступ', 'online access');
  }
}

/** The objects a window may cover, per scope kind, as select options. */
function useScopeObjects() {
  const admin = useAdmin();
  const units = useUnits();
  const clients = useClients();
  const installations = useInstallations();
  const online = useOnlineAccesses();
  return useMemo(() => {
    const cm = byId(clients.data);
    const um = byId(units.data);
    const cname = (id: number) => cm.get(id)?.shortName ?? `#${id}`;
    const opts: Record<WindowScopeKind, { value: string; label: string }[]> = {
      dealer:
        admin.dealerId !== null
          ? [{ value: String(admin.dealerId), label: admin.me.dealer?.name ?? `#${admin.dealerId}` }]
          : [],
      unit: unitOptions(units.data),
      client: (clients.data ?? []).map((c) => ({ value: String(c.id), label: c.shortName })),
      installation: (installations.data ?? []).map((i) => ({
        value: String(i.id),
        label: `${cname(i.clientId)} — ${i.sourceKey}`,
      })),
      online: (online.data ?? []).map((a) => ({
        value: String(a.id),
        label: `${cname(a.clientId)} — ${a.login}@${a.host}/${a.folder}`,
      })),
    };
    for (const k of ['client', 'installation', 'online'] as const)
      opts[k].sort((a, b) => a.label.localeCompare(b.label, 'ru'));
    const label = (k: WindowScopeKind, id: number): string => {
      if (k === 'unit') return unitLabel(um, id);
      return opts[k].find((o) => o.value === String(id))?.label ?? `#${id}`;
    };
    return { opts, label };
  }, [admin, units.data, clients.data, installations.data, online.data]);
}

export function Maintenance() {
  const admin = useAdmin();
  const dp = useDealerParam();
  const windows = useQuery({
    queryKey: ['admin', 'windows', dp],
    queryFn: ({ signal }) => apiGet<MaintenanceWindow[]>('/api/maintenance-windows', dp, signal),
  });
  const scope = useScopeObjects();
  const [create, setCreate] = useState(false);
  const [edit, setEdit] = useState<MaintenanceWindow | null>(null);
  const [del, setDel] = useState<MaintenanceWindow | null>(null);
  const [toast, showToast] = useToast();
  const invalidate = useInvalidate();
  const why = (w: MaintenanceWindow) =>
    !admin.canWrite ? L.readOnlyRole() : w.editable ? null : L.notEditable();

  const columns: Column<MaintenanceWindow>[] = [
    {
      key: 'active',
      title: L.state(),
      value: (w) => (w.active ? tx('идёт сейчас', 'active now') : tx('не сейчас', 'not now')),
      render: (w) => (
        <span className={`tag ${w.active ? 'tag-warn' : ''}`}>
          {w.active ? tx('идёт сейчас', 'active now') : tx('не сейчас', 'not now')}
        </span>
      ),
    },
    {
      key: 'scope',
      title: tx('Объект', 'Object'),
      value: (w) => `${scopeKindName(w.scope.kind)}: ${scope.label(w.scope.kind, w.scope.id)}`,
    },
    {
      key: 'kind',
      title: L.kind(),
      value: (w) => (w.kind === 'once' ? tx('разовое', 'one-off') : tx('еженедельное', 'weekly')),
    },
    { key: 'schedule', title: tx('Когда', 'When'), value: scheduleText, className: 'cell-long' },
    { key: 'tz', title: tx('Пояс', 'Zone'), value: (w) => w.timeZone },
    { key: 'author', title: L.author(), value: (w) => w.author },
    {
      key: 'comment',
      title: L.comment(),
      value: (w) => w.comment,
      className: 'cell-long',
      render: (w) => <span data-testid="window-comment">{w.comment}</span>,
    },
    {
      key: 'actions',
      title: L.actions(),
      filter: false,
      value: () => null,
      csv: () => '',
      render: (w) => (
        <span className="cell-actions">
          <RowButton
            icon="edit"
            label={`${L.edit()}: ${w.comment}`}
            why={why(w)}
            onClick={() => setEdit(w)}
            testid="window-edit"
          />
          <RowButton
            icon="trash"
            danger
            label={`${L.remove()}: ${w.comment}`}
            why={why(w)}
            onClick={() => setDel(w)}
            testid="window-delete"
          />
        </span>
      ),
    },
  ];

  return (
    <div className="page">
      <PageHead
        title={tx('Окна обслуживания', 'Maintenance windows')}
        description={tx(
          'Пока окно идёт, оповещения об авариях его объекта не отправляются (аварии видны). Время задаётся в выбранном часовом поясе.',
          "While a window is on, its object's alerts are not sent (they stay visible). Times are in the chosen time zone.",
        )}
        actions={
          <ActionButton
            className="btn btn-primary"
            why={admin.canWrite ? null : L.readOnlyRole()}
            onClick={() => setCreate(true)}
            testid="window-create"
          >
            {tx('Новое окно', 'New window')}
          </ActionButton>
        }
      />
      <div className="grid">
        <TablePanel
          id="windows"
          title={tx('Окна: {n}', 'Windows: {n}', { n: windows.data?.length ?? 0 })}
          rows={windows.data ?? []}
          columns={columns}
          rowKey={(w) => w.id}
          status={{ loading: windows.isLoading, error: windows.error, onRetry: () => void windows.refetch() }}
          emptyText={tx('Окон обслуживания нет.', 'No maintenance windows.')}
          csvName="maintenance-windows.csv"
          pageSize={25}
        />
      </div>
      {create && (
        <WindowDialog
          onClose={() => setCreate(false)}
          onDone={() => {
            void invalidate('windows');
            showToast(tx('Окно создано', 'Window created'));
          }}
        />
      )}
      {edit && (
        <WindowDialog
          window={edit}
          onClose={() => setEdit(null)}
          onDone={() => {
            void invalidate('windows');
            showToast(L.saved(edit.comment));
          }}
        />
      )}
      {del && (
        <ConfirmDialog
          title={L.confirmDelete(tx('окно обслуживания', 'the maintenance window'))}
          confirmLabel={L.remove()}
          onClose={() => setDel(null)}
          action={async () => {
            await apiSend('DELETE', `/api/maintenance-windows/${del.id}`);
            await invalidate('windows');
            showToast(L.deleted(del.comment));
          }}
        >
          <p>
            {scheduleText(del)} — {del.comment}
          </p>
        </ConfirmDialog>
      )}
      {toast}
    </div>
  );
}

type WindowForm = {
  scopeKind: WindowScopeKind;
  scopeId: string;
  kind: 'once' | 'weekly';
  timeZone: string;
  start: string;
  end: string;
  days: number[];
  startTime: string;
  durationMin: string;
  validFrom: string;
  validUntil: string;
  comment: string;
};

/** The create body of a form's values (local times are read in the window's zone by the server). */
function windowBody(v: WindowForm): Record<string, unknown> {
  const common = {
    scope: { kind: v.scopeKind, id: Number(v.scopeId) },
    timeZone: v.timeZone,
    comment: v.comment.trim(),
  };
  return v.kind === 'once'
    ? { ...common, kind: 'once', start: v.start, end: v.end }
    : {
        ...common,
        kind: 'weekly',
        days: [...v.days].sort(),
        startTime: v.startTime,
        durationMin: Number(v.durationMin),
        ...(v.validFrom ? { validFrom: v.validFrom } : {}),
        ...(v.validUntil ? { validUntil: v.validUntil } : {}),
      };
}

/**
 * What an edit sends: only the fields that changed, so an untouched past window is not refused for
 * ending in the past. Local times go again when the zone changes, since the form shows them in it;
 * a validity bound that was cleared goes as null.
 */
function windowChanges(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, unknown> {
  const same = (k: string) => JSON.stringify(before[k]) === JSON.stringify(after[k]);
  const whole = before.kind !== after.kind || before.timeZone !== after.timeZone;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(after)) if (whole || !same(k)) out[k] = x;
  if (!whole) for (const k of ['validFrom', 'validUntil']) if (k in before && !(k in after)) out[k] = null;
  return out;
}

/** A new window (no `window`) or changes to one. */
function WindowDialog({
  window: w,
  onClose,
  onDone,
}: {
  window?: MaintenanceWindow;
  onClose(): void;
  onDone(): void;
}) {
  const admin = useAdmin();
  const dp = useDealerParam();
  const scope = useScopeObjects();
  const zones = useMemo(timeZones, []);
  const [now] = useState(() => Date.now());
  const [initial] = useState(() =>
    w
      ? {
          scopeKind: w.scope.kind,
          scopeId: String(w.scope.id),
          kind: w.kind,
          timeZone: w.timeZone,
          start: w.kind === 'once' ? zoneInput(w.startsAt, w.timeZone) : '',
          end: w.kind === 'once' ? zoneInput(w.endsAt, w.timeZone) : '',
          days: w.days,
          startTime: w.startTime ?? '22:00',
          durationMin: String(w.durationMin ?? 120),
          validFrom: zoneInput(w.validFrom, w.timeZone),
          validUntil: zoneInput(w.validUntil, w.timeZone),
          comment: w.comment,
        }
      : {
          scopeKind: (admin.isDealerAdmin ? 'dealer' : 'unit') as WindowScopeKind,
          scopeId:
            admin.isDealerAdmin && admin.dealerId !== null
              ? String(admin.dealerId)
              : admin.ownUnitId
                ? String(admin.ownUnitId)
                : '',
          kind: 'once' as 'once' | 'weekly',
          timeZone: browserZone(),
          start: localInput(now + 60 * 60_000).slice(0, 14) + '00',
          end: localInput(now + 3 * 60 * 60_000).slice(0, 14) + '00',
          days: [] as number[],
          startTime: '22:00',
          durationMin: '120',
          validFrom: '',
          validUntil: '',
          comment: '',
        },
  );
  const f = useForm(initial, [
    'scope',
    'scope.id',
    'scope.kind',
    'timeZone',
    'kind',
    'start',
    'end',
    'days',
    'startTime',
    'durationMin',
    'validFrom',
    'validUntil',
    'comment',
    'dealerId',
  ]);
  const v = f.values;
  const save = () => {
    const e: Record<string, string> = {};
    if (!v.scopeId) e.scope = tx('Выберите объект', 'Choose the object');
    if (!v.comment.trim()) e.comment = tx('Напишите, что за работы', 'Say what the work is');
    if (v.kind === 'once' && v.start && v.end && v.end <= v.start)
      e.end = tx('Конец должен быть позже начала', 'The end must be after the start');
    if (v.kind === 'weekly') {
      if (!v.days.length) e.days = tx('Выберите дни недели', 'Choose the weekdays');
      const d = Number(v.durationMin);
      if (!Number.isInteger(d) || d < 1 || d > 10080)
        e.durationMin = tx('От 1 до 10080 минут', 'From 1 to 10080 minutes');
    }
    return f.submit(async () => {
      const body = windowBody(v);
      if (w)
        await apiSend('PATCH', `/api/maintenance-windows/${w.id}`, windowChanges(windowBody(initial), body));
      else await apiSend('POST', '/api/maintenance-windows', { ...dp, ...body });
      onDone();
      onClose();
    }, e);
  };
  const kinds = WINDOW_SCOPES.filter((k) => k !== 'dealer' || admin.isDealerAdmin);
  return (
    <FormDialog
      title={
        w
          ? tx('Окно обслуживания', 'Maintenance window')
          : tx('Новое окно обслуживания', 'New maintenance window')
      }
      onClose={onClose}
      onSubmit={() => void save()}
      busy={f.busy}
      error={f.errors.general}
      submitLabel={w ? L.save() : L.create()}
      testid="window-dialog"
      wide
    >
      {!admin.isDealerAdmin && (
        <Notice>
          {tx(
            'Окно на весь дилер создаёт администратор дилера.',
            'A dealer-wide window is created by the dealer admin.',
          )}
        </Notice>
      )}
      <div className="field-row">
        <SelectField
          label={tx('Область', 'Scope')}
          value={v.scopeKind}
          onChange={(x) => {
            f.set('scopeKind', x as WindowScopeKind);
            f.set('scopeId', x === 'dealer' && admin.dealerId !== null ? String(admin.dealerId) : '');
          }}
          options={kinds.map((k) => ({ value: k, label: scopeKindName(k) }))}
          testid="window-scope-kind"
        />
        <SelectField
          label={tx('Объект', 'Object')}
          value={v.scopeId}
          onChange={(x) => f.set('scopeId', x)}
          options={scope.opts[v.scopeKind]}
          placeholder={L.choose()}
          error={f.errors.fields.scope ?? f.errors.fields['scope.id']}
          required
          testid="window-scope-id"
        />
      </div>
      <div className="field-row">
        <SelectField
          label={tx('Повторение', 'Repeat')}
          value={v.kind}
          onChange={(x) => f.set('kind', x as 'once' | 'weekly')}
          options={[
            { value: 'once', label: tx('разовое', 'one-off') },
            { value: 'weekly', label: tx('каждую неделю', 'every week') },
          ]}
          testid="window-kind"
        />
        <SelectField
          label={tx('Часовой пояс', 'Time zone')}
          value={v.timeZone}
          onChange={(x) => f.set('timeZone', x)}
          options={zones.map((z) => ({
            value: z,
            label: z === browserZone() ? `${z} ${tx('(ваш)', '(yours)')}` : z,
          }))}
          error={f.errors.fields.timeZone}
          testid="window-tz"
        />
      </div>
      {v.kind === 'once' ? (
        <div className="field-row">
          <TextField
            label={tx('Начало', 'Start')}
            type="datetime-local"
            value={v.start}
            onChange={(x) => f.set('start', x)}
            error={f.errors.fields.start}
            required
          />
          <TextField
            label={tx('Конец', 'End')}
            type="datetime-local"
            value={v.end}
            onChange={(x) => f.set('end', x)}
            error={f.errors.fields.end}
            required
          />
        </div>
      ) : (
        <>
          <fieldset className="field">
            <legend>{tx('Дни недели', 'Weekdays')}</legend>
            <div className="chip-toggles weekdays">
              {weekdays().map((d, i) => {
                const n = i + 1;
                const on = v.days.includes(n);
                return (
                  <button
                    key={n}
                    type="button"
                    className="chip-toggle"
                    aria-pressed={on}
                    onClick={() => f.set('days', on ? v.days.filter((x) => x !== n) : [...v.days, n])}
                  >
                    {d}
                  </button>
                );
              })}
            </div>
            {f.errors.fields.days && (
              <span className="field-error" role="alert">
                {f.errors.fields.days}
              </span>
            )}
          </fieldset>
          <div className="field-row">
            <TextField
              label={tx('Начало (местное время)', 'Start (local time)')}
              type="time"
              value={v.startTime}
              onChange={(x) => f.set('startTime', x)}
              error={f.errors.fields.startTime}
              required
            />
            <TextField
              label={tx('Длительность, мин', 'Duration, min')}
              value={v.durationMin}
              onChange={(x) => f.set('durationMin', x)}
              error={f.errors.fields.durationMin}
              inputMode="numeric"
              hint={tx(
                'Окно, начавшееся в выбранный день, длится полностью, даже через полночь.',
                'A window that starts on a chosen day runs its full length, across midnight too.',
              )}
            />
          </div>
          <div className="field-row">
            <TextField
              label={tx('Действует с (необязательно)', 'Valid from (optional)')}
              type="datetime-local"
              value={v.validFrom}
              onChange={(x) => f.set('validFrom', x)}
              error={f.errors.fields.validFrom}
            />
            <TextField
              label={tx('Действует до (необязательно)', 'Valid until (optional)')}
              type="datetime-local"
              value={v.validUntil}
              onChange={(x) => f.set('validUntil', x)}
              error={f.errors.fields.validUntil}
            />
          </div>
        </>
      )}
      <TextAreaField
        label={L.comment()}
        value={v.comment}
        onChange={(x) => f.set('comment', x)}
        error={f.errors.fields.comment}
        required
        rows={2}
        placeholder={tx('Ночное обновление баз', 'Nightly database update')}
        testid="window-comment-input"
      />
    </FormDialog>
  );
}
