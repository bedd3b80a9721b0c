/**
 * Alert routing: the dealer's channels (a mailbox, a Telegram chat or a webhook; class high /
 * analytics / all; the last delivery error shown prominently), the rules applied in order (matchers,
 * add or replace, moved up and down → reorder), and «Кто получит?»: who would be told if a given alert
 * fired on a given installation or online access now.
 */
import { useMemo, useState } from 'react';
import { apiSend } from '../../api';
import { errorText } from '../../components/Panel';
import { TablePanel, type Column } from '../../components/TablePanel';
import { fmtDateTime } from '../../lib/format';
import {
  actionsColumn,
  ActionButton,
  byId,
  CheckField,
  CheckList,
  CrudDialogs,
  EditDeleteButtons,
  FormDialog,
  FormError,
  Notice,
  PageHead,
  queryStatus,
  RowButton,
  SelectField,
  TextField,
  unitLabel,
  unitOptions,
  useAdmin,
  useAdminList,
  useCatalogue,
  useClients,
  useCrud,
  useDealerParam,
  useForm,
  useInstallations,
  useInvalidate,
  useOnlineAccesses,
  useToast,
  useUnits,
} from '../common';
import {
  classNameOf,
  cleanMatchers,
  MATCHER_FIELDS,
  MatchersEditor,
  matchersText,
  parseLabels,
} from '../matchers';
import { L, tx } from '../texts';
import {
  CHANNEL_CLASSES,
  CHANNEL_KINDS,
  type Channel,
  type ChannelClass,
  type ChannelKind,
  type Matchers,
  type Rule,
  type RoutingPreview,
} from '../types';

export function kindLabel(k: string): string {
  return k === 'email' ? 'E-mail' : k === 'telegram' ? 'Telegram' : k === 'webhook' ? 'Webhook' : k;
}

const useChannels = () => useAdminList<Channel>('channels', '/api/notification-channels');
const useRules = () => useAdminList<Rule>('rules', '/api/notification-rules');

export function Routing() {
  const [toast, showToast] = useToast();
  return (
    <div className="page">
      <PageHead
        title={tx('Маршрутизация оповещений', 'Alert routing')}
        description={tx(
          'Менеджеры объекта всегда получают письма. Каналы добавляют получателей по классу аварии; правила по порядку добавляют каналы (add) или заменяют весь список (replace) — первое подходящее replace останавливает разбор.',
          "The object's managers always get the e-mail. Channels add receivers by the alert's class; rules, in order, add channels (add) or replace the whole list (replace); the first matching replace stops.",
        )}
      />
      <Channels showToast={showToast} />
      <Rules showToast={showToast} />
      <Preview />
      {toast}
    </div>
  );
}

// ---------------------------------------------------------------- channels

function Channels({ showToast }: { showToast(text: string): void }) {
  const admin = useAdmin();
  const channels = useChannels();
  const units = useUnits();
  const unitMap = useMemo(() => byId(units.data), [units.data]);
  const crud = useCrud<Channel>({ label: (c) => c.name, refresh: ['channels'], showToast });
  const failing = (channels.data ?? []).filter((c) => c.lastError);
  const why = (c: Channel) => (!admin.canWrite ? L.readOnlyRole() : c.editable ? null : L.notEditable());

  const columns: Column<Channel>[] = [
    {
      key: 'name',
      title: L.name(),
      value: (c) => c.name,
      render: (c) => <span data-testid="channel-name">{c.name}</span>,
    },
    { key: 'kind', title: L.kind(), value: (c) => kindLabel(c.kind) },
    { key: 'class', title: tx('Класс аварий', 'Alert class'), value: (c) => classNameOf(c.class) },
    {
      key: 'target',
      title: tx('Адрес', 'Target'),
      value: (c) => c.target,
      render: (c) => <span className="mono">{c.target}</span>,
    },
    { key: 'unit', title: L.unit(), value: (c) => unitLabel(unitMap, c.unitId) },
    {
      key: 'enabled',
      title: L.state(),
      value: (c) => (c.enabled ? tx('включён', 'on') : tx('выключен', 'off')),
      render: (c) => (
        <span className={`tag ${c.enabled ? 'tag-ok' : ''}`}>
          {c.enabled ? tx('включён', 'on') : tx('выключен', 'off')}
        </span>
      ),
    },
    {
      key: 'error',
      title: tx('Последняя ошибка', 'Last error'),
      value: (c) => c.lastError,
      titleOf: (c) => c.lastError ?? '',
      render: (c) =>
        c.lastError ? (
          <span className="err-text" data-testid="channel-error">
            {c.lastErrorAt ? `${fmtDateTime(c.lastErrorAt)}: ` : ''}
            {c.lastError}
          </span>
        ) : (
          <span className="muted">—</span>
        ),
    },
    actionsColumn((c) => <EditDeleteButtons crud={crud} item={c} why={why(c)} testid="channel" />),
  ];

  return (
    <section aria-labelledby="channels-h">
      <h2 id="channels-h" className="admin-section-title">
        {tx('Каналы', 'Channels')}
        <ActionButton
          className="btn btn-small btn-primary"
          why={admin.canWrite ? null : L.readOnlyRole()}
          onClick={crud.create}
          testid="channel-create"
        >
          {tx('Новый канал', 'New channel')}
        </ActionButton>
      </h2>
      {failing.length > 0 && (
        <Notice kind="error">
          <strong>{tx('Каналы с ошибкой доставки', 'Channels failing to deliver')}</strong>
          <ul data-testid="channels-failing">
            {failing.map((c) => (
              <li key={c.id}>
                <strong>{c.name}</strong> ({kindLabel(c.kind)}, {c.target}): {c.lastError}
                {c.lastErrorAt ? ` — ${fmtDateTime(c.lastErrorAt)}` : ''}
              </li>
            ))}
          </ul>
        </Notice>
      )}
      <div className="grid">
        <TablePanel
          id="channels"
          title={tx('Каналы: {n}', 'Channels: {n}', { n: channels.data?.length ?? 0 })}
          rows={channels.data ?? []}
          columns={columns}
          rowKey={(c) => c.id}
          rowClass={(c) => (c.lastError ? 'row-error' : c.enabled ? '' : 'row-off')}
          status={queryStatus(channels)}
          emptyText={tx(
            'Каналов нет: аварии получают только менеджеры объектов.',
            "No channels: only the objects' managers get alerts.",
          )}
          csvName="channels.csv"
          pageSize={15}
        />
      </div>
      <CrudDialogs
        crud={crud}
        editor={({ item, ...p }) => <ChannelDialog channel={item} {...p} />}
        deletePath={(c) => `/api/notification-channels/${c.id}`}
        refreshOnDelete={['channels', 'rules']}
        deleteBody={() => (
          <p>
            {tx(
              'Канал будет убран и из правил, которые его называют.',
              'The channel is also removed from the rules that name it.',
            )}
          </p>
        )}
      />
    </section>
  );
}

function targetHint(kind: ChannelKind): string {
  switch (kind) {
    case 'email':
      return tx('Адрес почты, например duty@dealer.ru', 'A mailbox, e.g. duty@dealer.ru');
    case 'telegram':
      return tx(
        'Числовой id чата (-1001234567890) или @канал',
        'A numeric chat id (-1001234567890) or an @channel',
      );
    default:
      return tx(
        'URL http(s)://…; тем, кто не может менять канал, показывается только его начало',
        'An http(s):// URL; those who may not change the channel see only its origin',
      );
  }
}

function targetProblem(kind: ChannelKind, target: string): string | null {
  const t = target.trim();
  if (!t) return tx('Введите адрес', 'Enter the target');
  if (kind === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(t))
    return tx('Не похоже на e-mail', 'Not an e-mail address');
  if (kind === 'telegram' && !/^-?\d{1,20}$|^@[A-Za-z0-9_]{5,64}$/.test(t)) return targetHint('telegram');
  if (kind === 'webhook' && !/^https?:\/\/[^/]+/.test(t))
    return tx('Нужен URL http:// или https://', 'An http:// or https:// URL');
  return null;
}

function ChannelDialog({
  channel: c,
  onClose,
  onDone,
}: {
  channel: Channel | null;
  onClose(): void;
  onDone(c: Channel): void;
}) {
  const admin = useAdmin();
  const dp = useDealerParam();
  const units = useUnits();
  const f = useForm(
    {
      name: c?.name ?? '',
      kind: (c?.kind ?? 'email') as ChannelKind,
      class: (c?.class ?? 'high') as ChannelClass,
      target: c?.target ?? '',
      unitId: c?.unitId ? String(c.unitId) : '',
      enabled: c?.enabled ?? true,
    },
    ['name', 'kind', 'class', 'target', 'unitId', 'enabled', 'dealerId'],
  );
  const v = f.values;
  const save = () => {
    const e: Record<string, string> = {};
    if (!v.name.trim()) e.name = tx('Введите название', 'Enter a name');
    const tp = targetProblem(v.kind, v.target);
    if (tp) e.target = tp;
    return f.submit(async () => {
      const body = {
        name: v.name.trim(),
        kind: v.kind,
        class: v.class,
        target: v.target.trim(),
        unitId: v.unitId ? Number(v.unitId) : null,
        enabled: v.enabled,
      };
      const out = c
        ? await apiSend<Channel>('PATCH', `/api/notification-channels/${c.id}`, body)
        : await apiSend<Channel>('POST', '/api/notification-channels', { ...dp, ...body });
      onDone(out);
      onClose();
    }, e);
  };
  return (
    <FormDialog
      title={c ? tx('Канал {n}', 'Channel {n}', { n: c.name }) : tx('Новый канал', 'New channel')}
      onClose={onClose}
      onSubmit={() => void save()}
      busy={f.busy}
      error={f.errors.general}
      submitLabel={c ? L.save() : L.create()}
      testid="channel-dialog"
    >
      <TextField
        label={L.name()}
        value={v.name}
        onChange={(x) => f.set('name', x)}
        error={f.errors.fields.name}
        required
        autoFocus
        maxLength={200}
        testid="channel-name-input"
      />
      <div className="field-row">
        <SelectField
          label={L.kind()}
          value={v.kind}
          onChange={(x) => f.set('kind', x as ChannelKind)}
          options={CHANNEL_KINDS.map((k) => ({ value: k, label: kindLabel(k) }))}
          error={f.errors.fields.kind}
          testid="channel-kind"
        />
        <SelectField
          label={tx('Класс аварий', 'Alert class')}
          value={v.class}
          onChange={(x) => f.set('class', x as ChannelClass)}
          options={CHANNEL_CLASSES.map((k) => ({ value: k, label: classNameOf(k) }))}
          error={f.errors.fields.class}
          hint={tx(
            'high — срочные (и сводки …Count в Telegram), analytics — аналитика, all — все.',
            'high: urgent ones (and …Count summaries in Telegram), analytics, or all.',
          )}
          testid="channel-class"
        />
      </div>
      <TextField
        label={tx('Адрес', 'Target')}
        value={v.target}
        onChange={(x) => f.set('target', x)}
        error={f.errors.fields.target}
        required
        hint={targetHint(v.kind)}
        testid="channel-target-input"
      />
      <SelectField
        label={L.unit()}
        value={v.unitId}
        onChange={(x) => f.set('unitId', x)}
        options={unitOptions(units.data)}
        placeholder={admin.ownUnitId ? tx('— ваше подразделение —', '— your unit —') : L.noUnit()}
        error={f.errors.fields.unitId}
        hint={tx(
          'Канал подразделения слышит аварии всего, что ниже него.',
          "A unit's channel hears the alerts of everything below it.",
        )}
      />
      <CheckField
        label={L.enabled()}
        checked={v.enabled}
        onChange={(x) => f.set('enabled', x)}
        error={f.errors.fields.enabled}
      />
    </FormDialog>
  );
}

// ---------------------------------------------------------------- rules

function Rules({ showToast }: { showToast(text: string): void }) {
  const admin = useAdmin();
  const dp = useDealerParam();
  const rules = useRules();
  const channels = useChannels();
  const units = useUnits();
  const unitMap = useMemo(() => byId(units.data), [units.data]);
  const channelMap = useMemo(() => byId(channels.data), [channels.data]);
  const crud = useCrud<Rule>({ label: (r) => r.name, refresh: ['rules'], showToast });
  const [moveError, setMoveError] = useState<string | null>(null);
  const invalidate = useInvalidate();
  const list = useMemo(
    () => [...(rules.data ?? [])].sort((a, b) => a.position - b.position || a.id - b.id),
    [rules.data],
  );
  const why = (r: Rule) => (!admin.canWrite ? L.readOnlyRole() : r.editable ? null : L.notEditable());
  const whyMove = !admin.canWrite
    ? L.readOnlyRole()
    : admin.isDealerAdmin
      ? null
      : tx(
          'Порядок правил общий для дилера: его меняет администратор дилера',
          'The rule order is dealer-wide: the dealer admin changes it',
        );

  const move = async (r: Rule, dir: -1 | 1) => {
    const ids = list.map((x) => x.id);
    const i = ids.indexOf(r.id);
    const j = i + dir;
    if (j < 0 || j >= ids.length) return;
    [ids[i], ids[j]] = [ids[j] as number, ids[i] as number];
    setMoveError(null);
    try {
      await apiSend('POST', '/api/notification-rules/reorder', { ...dp, ids });
      await invalidate('rules');
    } catch (e) {
      setMoveError(errorText(e));
    }
  };

  const columns: Column<Rule>[] = [
    { key: 'pos', title: '#', numeric: true, value: (r) => list.indexOf(r) + 1, width: 40 },
    {
      key: 'name',
      title: L.name(),
      value: (r) => r.name,
      render: (r) => <span data-testid="rule-name">{r.name}</span>,
    },
    {
      key: 'matchers',
      title: tx('Условия', 'Matchers'),
      value: (r) => matchersText(r.matchers),
      className: 'cell-long',
    },
    {
      key: 'mode',
      title: tx('Режим', 'Mode'),
      value: (r) => (r.mode === 'add' ? tx('добавить', 'add') : tx('заменить', 'replace')),
    },
    {
      key: 'channels',
      title: tx('Каналы', 'Channels'),
      value: (r) => r.channelIds.map((id) => channelMap.get(id)?.name ?? `#${id}`).join(', '),
    },
    {
      key: 'managers',
      title: L.managers(),
      value: (r) => (r.mode === 'add' || r.managers ? L.yes() : L.no()),
    },
    { key: 'unit', title: L.unit(), value: (r) => unitLabel(unitMap, r.unitId) },
    {
      key: 'enabled',
      title: L.state(),
      value: (r) => (r.enabled ? tx('включено', 'on') : tx('выключено', 'off')),
    },
    actionsColumn((r) => {
      const i = list.indexOf(r);
      return (
        <EditDeleteButtons crud={crud} item={r} why={why(r)} testid="rule">
          <RowButton
            icon="up"
            label={`${tx('Выше', 'Up')}: ${r.name}`}
            why={whyMove ?? (i === 0 ? tx('Уже первое', 'Already first') : null)}
            onClick={() => void move(r, -1)}
            testid="rule-up"
          />
          <RowButton
            icon="down"
            label={`${tx('Ниже', 'Down')}: ${r.name}`}
            why={whyMove ?? (i === list.length - 1 ? tx('Уже последнее', 'Already last') : null)}
            onClick={() => void move(r, 1)}
            testid="rule-down"
          />
        </EditDeleteButtons>
      );
    }),
  ];

  return (
    <section aria-labelledby="rules-h">
      <h2 id="rules-h" className="admin-section-title">
        {tx('Правила', 'Rules')}
        <ActionButton
          className="btn btn-small btn-primary"
          why={admin.canWrite ? null : L.readOnlyRole()}
          onClick={crud.create}
          testid="rule-create"
        >
          {tx('Новое правило', 'New rule')}
        </ActionButton>
      </h2>
      <FormError text={moveError} />
      <div className="grid">
        <TablePanel
          id="rules"
          title={tx('Правила по порядку применения: {n}', 'Rules in the order they apply: {n}', {
            n: list.length,
          })}
          rows={list}
          columns={columns}
          rowKey={(r) => r.id}
          rowClass={(r) => (r.enabled ? '' : 'row-off')}
          status={queryStatus(rules)}
          emptyText={tx(
            'Правил нет: аварии идут менеджерам и в каналы своего класса.',
            'No rules: alerts go to the managers and to the channels of their class.',
          )}
          csvName="rules.csv"
          pageSize={25}
        />
      </div>
      <CrudDialogs
        crud={crud}
        editor={({ item, ...p }) => <RuleDialog rule={item} channels={channels.data ?? []} {...p} />}
        deletePath={(r) => `/api/notification-rules/${r.id}`}
      />
    </section>
  );
}

function RuleDialog({
  rule: r,
  channels,
  onClose,
  onDone,
}: {
  rule: Rule | null;
  channels: Channel[];
  onClose(): void;
  onDone(r: Rule): void;
}) {
  const admin = useAdmin();
  const dp = useDealerParam();
  const units = useUnits();
  const f = useForm(
    {
      name: r?.name ?? '',
      mode: (r?.mode ?? 'add') as 'add' | 'replace',
      channelIds: (r?.channelIds ?? []).map(String),
      managers: r?.managers ?? true,
      enabled: r?.enabled ?? true,
      unitId: r?.unitId ? String(r.unitId) : '',
      matchers: (r?.matchers ?? {}) as Matchers,
    },
    ['name', 'mode', 'channelIds', 'managers', 'enabled', 'unitId', ...MATCHER_FIELDS],
  );
  const v = f.values;
  const save = () => {
    const e: Record<string, string> = {};
    if (!v.name.trim()) e.name = tx('Введите название', 'Enter a name');
    if (v.mode === 'add' && v.channelIds.length === 0)
      e.channelIds = tx('Правилу add нужен хотя бы один канал', 'An add rule needs at least one channel');
    return f.submit(async () => {
      const body = {
        name: v.name.trim(),
        mode: v.mode,
        channelIds: v.channelIds.map(Number),
        managers: v.managers,
        enabled: v.enabled,
        unitId: v.unitId ? Number(v.unitId) : null,
        matchers: cleanMatchers(v.matchers),
      };
      const out = r
        ? await apiSend<Rule>('PATCH', `/api/notification-rules/${r.id}`, body)
        : await apiSend<Rule>('POST', '/api/notification-rules', { ...dp, ...body });
      onDone(out);
      onClose();
    }, e);
  };
  return (
    <FormDialog
      title={r ? tx('Правило {n}', 'Rule {n}', { n: r.name }) : tx('Новое правило', 'New rule')}
      onClose={onClose}
      onSubmit={() => void save()}
      busy={f.busy}
      error={f.errors.general}
      submitLabel={r ? L.save() : L.create()}
      testid="rule-dialog"
      wide
    >
      <div className="field-row">
        <TextField
          label={L.name()}
          value={v.name}
          onChange={(x) => f.set('name', x)}
          error={f.errors.fields.name}
          required
          autoFocus
          maxLength={200}
          testid="rule-name-input"
        />
        <SelectField
          label={tx('Режим', 'Mode')}
          value={v.mode}
          onChange={(x) => f.set('mode', x as 'add' | 'replace')}
          options={[
            { value: 'add', label: tx('add — добавить эти каналы', 'add: these channels too') },
            { value: 'replace', label: tx('replace — только эти каналы', 'replace: only these channels') },
          ]}
          error={f.errors.fields.mode}
          testid="rule-mode"
        />
      </div>
      <CheckList
        legend={tx('Каналы', 'Channels')}
        options={channels.map((c) => ({ value: String(c.id), label: `${c.name} (${kindLabel(c.kind)})` }))}
        value={v.channelIds}
        onChange={(x) => f.set('channelIds', x)}
        error={f.errors.fields.channelIds}
        testid="rule-channels"
        columns={2}
      />
      <div className="field-row">
        {v.mode === 'replace' && (
          <CheckField
            label={tx('Менеджеры объекта тоже получают', "The object's managers still get it")}
            checked={v.managers}
            onChange={(x) => f.set('managers', x)}
            error={f.errors.fields.managers}
          />
        )}
        <CheckField
          label={tx('Включено', 'Enabled')}
          checked={v.enabled}
          onChange={(x) => f.set('enabled', x)}
          error={f.errors.fields.enabled}
        />
      </div>
      <SelectField
        label={L.unit()}
        value={v.unitId}
        onChange={(x) => f.set('unitId', x)}
        options={unitOptions(units.data)}
        placeholder={admin.ownUnitId ? tx('— ваше подразделение —', '— your unit —') : L.noUnit()}
        error={f.errors.fields.unitId}
      />
      <MatchersEditor
        value={v.matchers}
        onChange={(m) => f.set('matchers', m)}
        errors={f.errors.fields}
        hint={tx('Пусто — правило касается всех аварий.', 'Empty: the rule applies to every alert.')}
      />
    </FormDialog>
  );
}

// ---------------------------------------------------------------- preview

function Preview() {
  const installations = useInstallations();
  const online = useOnlineAccesses();
  const clients = useClients();
  const catalogue = useCatalogue();
  const clientMap = useMemo(() => byId(clients.data), [clients.data]);
  const [kind, setKind] = useState<'installation' | 'online'>('installation');
  const [objectId, setObjectId] = useState('');
  const [alertName, setAlertName] = useState('');
  const [labels, setLabels] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<RoutingPreview | null>(null);

  const objects =
    kind === 'installation'
      ? (installations.data ?? []).map((i) => ({
          value: String(i.id),
          label: `${clientMap.get(i.clientId)?.shortName ?? '?'} — ${i.sourceKey}`,
        }))
      : (online.data ?? []).map((a) => ({
          value: String(a.id),
          label: `${clientMap.get(a.clientId)?.shortName ?? '?'} — ${a.login}@${a.host}/${a.folder}`,
        }));
  objects.sort((a, b) => a.label.localeCompare(b.label, 'ru'));
  const alerts = (catalogue.data?.alerts ?? [])
    .filter((a) => a.subjects.includes(kind))
    .map((a) => ({ value: a.name, label: `${a.name} (${a.priority}, ${classNameOf(a.class)})` }))
    .sort((a, b) => a.value.localeCompare(b.value));

  const run = async () => {
    const parsed = parseLabels(labels.trim().split(/\s+/).join('\n'));
    if (!objectId || !alertName || parsed === null) {
      setError(
        parsed === null
          ? tx('Метки: каждая строка — ключ=значение', 'Labels: each line is key=value')
          : tx('Выберите объект и аварию', 'Choose an object and an alert'),
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setResult(
        await apiSend<RoutingPreview>('POST', '/api/routing/preview', {
          [kind === 'installation' ? 'installationId' : 'onlineAccessId']: Number(objectId),
          alertName,
          ...(Object.keys(parsed).length ? { labels: parsed } : {}),
        }),
      );
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section
      aria-labelledby="preview-h"
      className="card-box"
      style={{ marginTop: 14 }}
      data-testid="routing-preview"
    >
      <h2 id="preview-h">{tx('Кто получит? Проверка маршрута', 'Who would receive it? Route check')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <div className="admin-toolbar">
          <SelectField
            label={tx('Объект', 'Object')}
            value={kind}
            onChange={(x) => {
              setKind(x as 'installation' | 'online');
              setObjectId('');
              setAlertName('');
              setResult(null);
            }}
            options={[
              { value: 'installation', label: tx('инсталляция', 'installation') },
              { value: 'online', label: tx('онлайн-доступ', 'online access') },
            ]}
          />
          <SelectField
            label={
              kind === 'installation'
                ? tx('Инсталляция', 'Installation')
                : tx('Онлайн-доступ', 'Online access')
            }
            value={objectId}
            onChange={setObjectId}
            options={objects}
            placeholder={L.choose()}
            testid="preview-object"
          />
          <SelectField
            label={tx('Авария', 'Alert')}
            value={alertName}
            onChange={setAlertName}
            options={alerts}
            placeholder={L.choose()}
            testid="preview-alert"
          />
          <TextField
            label={tx('Доп. метки (к=з через пробел)', 'Extra labels (k=v, space-separated)')}
            value={labels}
            onChange={setLabels}
            placeholder="db=kodeks"
          />
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="preview-submit">
            {busy && <span className="spinner spinner-small" aria-hidden="true" />}
            {tx('Показать получателей', 'Show receivers')}
          </button>
        </div>
      </form>
      <FormError text={error} />
      {result && (
        <div className="preview-result" data-testid="preview-result" aria-live="polite">
          {result.suppressedBy && (
            <Notice kind="warn">
              {tx(
                'Сейчас оповещение было бы задержано: {s}',
                'Right now the message would be held back: {s}',
                { s: result.suppressedBy },
              )}
            </Notice>
          )}
          <h3>{tx('Получатели', 'Receivers')}</h3>
          {result.receivers.length ? (
            <ul className="receivers">
              {result.receivers.map((x, i) => (
                <li key={i} data-testid="preview-receiver">
                  <span className="tag tag-blue">{kindLabel(x.kind)}</span>
                  <span className="mono">{x.target}</span>
                  <span className="muted">
                    {x.channelName ?? tx('менеджер объекта', "the object's manager")}
                  </span>
                  {x.countOnly && (
                    <span className="tag tag-warn">
                      {tx('только сводка …Count', 'only the …Count summary')}
                    </span>
                  )}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{tx('Никто: оповещение не уйдёт.', 'Nobody: no message would be sent.')}</p>
          )}
          <h3>{tx('Сработавшие правила', 'Matched rules')}</h3>
          <p>
            {result.matchedRules.length
              ? result.matchedRules.map((m) => `${m.name} (${m.mode})`).join(', ')
              : tx('нет', 'none')}
          </p>
          <h3>{tx('Метки объекта', "The object's labels")}</h3>
          <p className="mono">
            {Object.entries(result.labels)
              .map(([k, v]) => `${k}=${v}`)
              .join('  ')}
          </p>
          <p className="muted">
            {result.alertName}: {result.priority}, {classNameOf(result.class)}
          </p>
        </div>
      )}
    </section>
  );
}
