/**
 * «Загрузка sysinfo в АСРП» (spec online-managers §4.8, §6): did every client's sysinfo reach ASRP?
 * Tiles count the installations by the answer to their last upload (a tile narrows the table), the
 * hourly tables «Статус: Принят» and «Статус: не "ок"» show the scale of a problem, and the log lists
 * every upload with ASRP's answer. Administrators also see the settings form and «Отправить сейчас».
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import type {
  AsrpDashboardOut,
  AsrpInstallationRow,
  AsrpLogRow,
  AsrpSettingsOut,
} from '../../../src/asrp/contract';
import { ApiError, apiGet, apiSend, ENDPOINTS } from '../api';
import { canAdmin, useMe } from '../auth';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { MultiSelect } from '../components/MultiSelect';
import { Panel } from '../components/Panel';
import type { StatTile } from '../components/StatTiles';
import { TablePanel, type CellColor, type Column } from '../components/TablePanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtDuration, fmtNum } from '../lib/format';
import { tableStatus } from './analytics-common';
import {
  clientLinkColumn,
  filterTile,
  hostColumn,
  installationRows,
  TilesPanel,
  timeColumn,
  useTileFilter,
} from './tiles-common';

export const DEF: DashboardDef = {
  id: 'asrp',
  titleKey: 'dash.asrp',
  defaultFrom: 'now-30d',
  defaultRefresh: '5m',
  variables: ['unit', 'manager', 'client', 'host'],
};

const DASHBOARD_PATH = ENDPOINTS.asrp;
const SETTINGS_PATH = '/api/asrp/settings';
const RESPONSES = ['ok', 'warning', 'error'] as const;

/** Where an installation stands with ASRP, from its last upload. */
type Standing = 'accepted' | 'repeat' | 'warning' | 'error' | 'never';

function standing(r: AsrpInstallationRow): Standing {
  return r.last ? r.last.outcome : 'never';
}

const COLOR: Record<Standing, CellColor> = {
  accepted: 'green',
  repeat: 'yellow',
  warning: 'red',
  error: 'red',
  never: null,
};

function outcomeText(o: Standing): string {
  switch (o) {
    case 'accepted':
      return tx('Принят', 'Accepted');
    case 'repeat':
      return tx('Повтор', 'Repeat');
    case 'warning':
      return tx('Не принят (warning)', 'Refused (warning)');
    case 'error':
      return tx('Ошибка отправки', 'Upload failed');
    default:
      return tx('Не отправлялся', 'Never sent');
  }
}

function errorText(r: { errorKind: string | null }): string {
  switch (r.errorKind) {
    case 'auth':
      return tx('АСРП не принял логин или пароль', 'ASRP refused the login or password');
    case 'timeout':
      return tx('АСРП не ответил вовремя', 'ASRP did not answer in time');
    case 'network':
      return tx('АСРП недоступен', 'ASRP is unreachable');
    case 'file':
      return tx('Файл sysinfo не прочитан', 'The sysinfo file could not be read');
    case 'http':
      return tx('Ошибка HTTP', 'HTTP error');
    default:
      return '';
  }
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function AsrpPage() {
  const state = useDashboardState(DEF);
  const response = state.extra('response');
  const q = useDashQuery<AsrpDashboardOut>(state, DASHBOARD_PATH, response ? { response } : {});
  const me = useMe();
  const role = me.data?.role;
  const all = q.data?.installations ?? [];
  const filter = useTileFilter(state, 'show', q.data !== undefined);
  const chosen = filter.chosen;
  const count = (s: Standing) => all.filter((r) => standing(r) === s).length;

  const tiles: StatTile[] = [
    filterTile(filter, null, all.length, { label: tx('Установок', 'Installations'), color: 'blue' }),
    ...(['accepted', 'repeat', 'warning', 'error', 'never'] as const).map((s) => {
      const n = count(s);
      return filterTile(filter, s, n, {
        label: capitalized(outcomeText(s)),
        color: s === 'never' || n === 0 ? 'grey' : (COLOR[s] ?? 'grey'),
        hint:
          s === 'repeat'
            ? tx(
                'АСРП уже имеет этот файл: обычно значит, что свежей выгрузки не было за неделю',
                'ASRP already has this file: usually no fresh export arrived within a week',
              )
            : undefined,
      });
    }),
  ];
  const rows = chosen ? all.filter((r) => standing(r) === chosen) : all;

  const columns: Column<AsrpInstallationRow>[] = [
    clientLinkColumn(),
    hostColumn(),
    {
      key: 'state',
      title: tx('Состояние', 'State'),
      value: (r) => outcomeText(standing(r)),
      color: (_v, r) => COLOR[standing(r)],
      titleOf: (r) => r.last?.message ?? '',
    },
    timeColumn('at', tx('Последняя отправка', 'Last upload'), (r) => r.last?.at ?? null),
    {
      key: 'response',
      title: tx('Ответ сервера', 'Server response'),
      value: (r) => r.last?.response ?? (r.last ? errorText(r.last) : null),
      color: (_v, r) => COLOR[standing(r)],
    },
    {
      key: 'number',
      title: tx('Номер загрузки', 'Upload number'),
      value: (r) => r.last?.uploadNumber ?? null,
    },
    { key: 'identifier', title: tx('Идентификатор', 'Identifier'), value: (r) => r.last?.identifier ?? null },
    {
      key: 'message',
      title: tx('Сообщение', 'Message'),
      value: (r) => r.last?.message ?? null,
      className: 'cell-long',
      titleOf: (r) => r.last?.message ?? '',
    },
    {
      key: 'age',
      title: tx('Возраст sysinfo', 'sysinfo age'),
      value: (r) => r.sysinfoAgeMs,
      render: (r) => (r.sysinfoAgeMs === null ? tx('нет', 'none') : fmtDuration(r.sysinfoAgeMs)),
      csv: (r) => (r.sysinfoAgeMs === null ? '' : String(Math.round(r.sysinfoAgeMs / 60_000))),
      color: (_v, r) => (r.stale ? 'red' : null),
      titleOf: (r) =>
        r.stale
          ? tx(
              'За период расписания новой выгрузки не было: отправлять нечего',
              'No new export within the schedule period: nothing to send',
            )
          : '',
      numeric: true,
      filter: false,
    },
    {
      key: 'pending',
      title: tx('Ждёт отправки', 'Waiting'),
      value: (r) => (r.pending ? tx('да', 'yes') : ''),
    },
    {
      key: 'errors',
      title: tx('Ошибок подряд', 'Errors in a row'),
      value: (r) => r.errorsInRow,
      color: (v) => (typeof v === 'number' && v > 0 ? 'red' : null),
      numeric: true,
      filter: false,
    },
    timeColumn('accepted', tx('Последний «Принят»', 'Last accepted'), (r) => r.lastAcceptedAt),
    timeColumn('next', tx('Следующая попытка', 'Next attempt'), (r) => r.nextRunAt),
  ];

  const logColumns: Column<AsrpLogRow>[] = [
    timeColumn('at', tx('Время', 'Time'), (r) => r.at),
    clientLinkColumn(),
    {
      key: 'state',
      title: tx('Состояние', 'State'),
      value: (r) => r.state ?? outcomeText(r.outcome),
      color: (_v, r) => COLOR[r.outcome],
    },
    {
      key: 'response',
      title: tx('Ответ сервера', 'Server response'),
      value: (r) => r.response ?? errorText(r),
      color: (_v, r) => COLOR[r.outcome],
      titleOf: (r) => r.message ?? '',
    },
    { key: 'number', title: tx('Номер загрузки', 'Upload number'), value: (r) => r.uploadNumber },
    { key: 'identifier', title: tx('Идентификатор', 'Identifier'), value: (r) => r.identifier },
    { key: 'dealer', title: 'dealername', value: (r) => r.dealer },
    {
      key: 'message',
      title: tx('Сообщение', 'Message'),
      value: (r) => r.message,
      className: 'cell-long',
      titleOf: (r) => r.message ?? '',
    },
  ];

  const hourly = q.data?.hourly ?? [];
  const hourColumns = (
    field: 'accepted' | 'notOk',
  ): Column<{ hour: number; accepted: number; notOk: number }>[] => [
    timeColumn('hour', tx('Время', 'Time'), (r) => r.hour),
    {
      key: field,
      title: tx('Число за час', 'Per hour'),
      value: (r) => r[field],
      numeric: true,
      filter: false,
    },
  ];
  // «Статус: Принят» and «Статус: не "ок"»: the hours with at least one such upload.
  const hourPanel = ({
    field,
    ...text
  }: {
    field: 'accepted' | 'notOk';
    id: string;
    title: string;
    description: string;
    emptyText: string;
  }) => (
    <TablePanel
      {...text}
      rows={hourly.filter((h) => h[field] > 0)}
      columns={hourColumns(field)}
      rowKey={(r) => r.hour}
      pageSize={10}
      csvName={`asrp-${text.id}.csv`}
      span="half"
      status={tableStatus(q)}
    />
  );

  return (
    <DashboardFrame
      state={state}
      fetching={q.isFetching}
      extraVars={
        <MultiSelect
          label="Response"
          title={tx(
            'Ответ АСРП в таблицах по часам и журнале: ok, warning (отказ или «Повтор»), error (ответа не было)',
            'ASRP response in the hourly tables and the log: ok, warning (refused or «Повтор»), error (no answer)',
          )}
          options={RESPONSES.map((r) => ({ value: r, label: r }))}
          value={response ? response.split(',') : []}
          onChange={(v) => state.setExtra('response', v.length ? v.join(',') : null)}
        />
      }
    >
      <TilesPanel
        id="summary"
        title={tx('Последняя отправка каждой установки', 'Last upload of each installation')}
        description={tx(
          'Ответ АСРП на последнюю отправку каждой установки. Щелчок по плитке оставляет в таблице только эти установки.',
          "ASRP's answer to each installation's last upload. A click on a tile narrows the table.",
        )}
        label={tx('Состояние отправки', 'Upload state')}
        tiles={tiles}
      />
      {hourPanel({
        field: 'accepted',
        id: 'accepted',
        title: tx('Статус: Принят', 'Status: accepted'),
        description: tx(
          'Сколько файлов sysinfo АСРП принял в обработку за час. При большом объёме АСРП может обрабатывать их медленно.',
          'How many sysinfo files ASRP accepted for processing per hour.',
        ),
        emptyText: tx('Нет принятых файлов за период', 'Nothing accepted in the range'),
      })}
      {hourPanel({
        field: 'notOk',
        id: 'not-ok',
        title: tx('Статус: не "ок"', 'Status: not "ok"'),
        description: tx(
          'Сколько отправок за час не закончились приёмом: «Повтор», отказ АСРП или ошибка отправки. Показывает масштаб проблемы.',
          'Uploads per hour that did not end in acceptance: «Повтор», a refusal or a failed upload.',
        ),
        emptyText: tx('Проблем за период нет', 'No problems in the range'),
      })}
      <TablePanel
        id="installations"
        title={tx('Установки', 'Installations')}
        description={tx(
          'Дошёл ли sysinfo каждого клиента до АСРП. Неизменённый файл повторно не отправляется; «Возраст sysinfo» красный, если новой выгрузки не было дольше периода расписания (smartupload не работает, ПК недоступен, неверная авторизация на ПК).',
          "Did each client's sysinfo reach ASRP? An unchanged file is never sent again; «sysinfo age» is red when no new export arrived within the schedule period.",
        )}
        rows={rows}
        columns={columns}
        {...installationRows}
        pageSize={25}
        csvName="asrp-installations.csv"
        emptyText={tx('Нет таких установок', 'No such installations')}
        status={tableStatus(q)}
      />
      <TablePanel
        id="log"
        title={tx('Загрузка sysinfo в АСРП', 'sysinfo upload to ASRP')}
        description={tx(
          'Каждая отправка за период, новые сверху: Принят — файл в очереди АСРП; Повтор — такой файл в АСРП уже есть; warning — файл не принят.',
          'Every upload in the range, newest first: accepted, repeat (ASRP already has the file), warning (refused).',
        )}
        rows={q.data?.log ?? []}
        columns={logColumns}
        rowKey={(r) => r.id}
        pageSize={25}
        csvName="asrp-log.csv"
        note={
          q.data && q.data.logTotal > q.data.log.length
            ? tx('Показаны {n} из {total}', 'Showing {n} of {total}', {
                n: fmtNum(q.data.log.length),
                total: fmtNum(q.data.logTotal),
              })
            : undefined
        }
        emptyText={tx('Отправок за период не было', 'No uploads in the range')}
        status={tableStatus(q)}
      />
      {canAdmin(role) && <SendNowPanel />}
      {/* The operator belongs to no dealer: they set a dealer's ASRP settings through the API. */}
      {role === 'dealer-admin' && <SettingsPanel />}
    </DashboardFrame>
  );
}

function SendNowPanel() {
  const qc = useQueryClient();
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async () => {
    setBusy(true);
    try {
      const r = await apiSend<{ queued: number }>('POST', '/api/asrp/send', {});
      setNote(
        tx(
          'Поставлено в очередь: {n}. Неизменённые файлы не отправляются.',
          'Queued: {n}. Unchanged files are not sent.',
          { n: fmtNum(r.queued) },
        ),
      );
      void qc.invalidateQueries({ queryKey: ['dash', DASHBOARD_PATH] });
    } catch (e) {
      setNote(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel
      id="send"
      title={tx('Отправить сейчас', 'Send now')}
      description={tx(
        'Отправляет в АСРП новый sysinfo видимых установок, не дожидаясь расписания.',
        'Sends the new sysinfo of the visible installations to ASRP without waiting for the schedule.',
      )}
      span="half"
      height="auto"
    >
      <button
        type="button"
        className="btn btn-primary"
        disabled={busy}
        onClick={() => void send()}
        data-testid="asrp-send"
      >
        {tx('Отправить сейчас', 'Send now')}
      </button>
      {note && (
        <p className="hint" role="status">
          {note}
        </p>
      )}
    </Panel>
  );
}

function SettingsPanel() {
  const [loaded, setLoaded] = useState<AsrpSettingsOut | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [form, setForm] = useState({
    enabled: false,
    endpoint: '',
    login: '',
    password: '',
    scheduleDays: '7',
  });

  useEffect(() => {
    const ctl = new AbortController();
    apiGet<AsrpSettingsOut>(SETTINGS_PATH, undefined, ctl.signal)
      .then((s) => {
        setLoaded(s);
        setForm({
          enabled: s.enabled,
          endpoint: s.endpoint,
          login: s.login,
          password: '',
          scheduleDays: String(s.scheduleS / 86_400),
        });
      })
      .catch((e: unknown) => {
        if ((e as Error).name !== 'AbortError') setError(e instanceof ApiError ? e.message : String(e));
      });
    return () => ctl.abort();
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const s = await apiSend<AsrpSettingsOut>('PUT', SETTINGS_PATH, {
        enabled: form.enabled,
        endpoint: form.endpoint,
        login: form.login,
        ...(form.password ? { password: form.password } : {}),
        scheduleS: Math.round(Number(form.scheduleDays.replace(',', '.')) * 86_400),
      });
      setLoaded(s);
      setForm((f) => ({ ...f, password: '' }));
      setSaved(true);
    } catch (err) {
      setError(
        err instanceof ApiError ? [err.message, ...err.details].filter(Boolean).join('\n') : String(err),
      );
    }
  };

  return (
    <Panel
      id="settings"
      title={tx('Настройки выгрузки в АСРП', 'ASRP upload settings')}
      description={tx(
        'Адрес загрузки АСРП, учётная запись дилера и расписание (по умолчанию раз в неделю, 604800 с). Пароль хранится зашифрованным и не показывается.',
        "ASRP's upload address, the dealer's account and the schedule (weekly by default, 604800 s). The password is stored encrypted and never shown.",
      )}
      span="half"
      height="auto"
    >
      <form onSubmit={(e) => void submit(e)} data-testid="asrp-settings">
        <label className="field">
          <span>{tx('Адрес загрузки (https://…)', 'Upload address (https://…)')}</span>
          <input
            type="url"
            required
            maxLength={2000}
            value={form.endpoint}
            onChange={(e) => setForm({ ...form, endpoint: e.target.value })}
          />
        </label>
        <label className="field">
          <span>{tx('Логин', 'Login')}</span>
          <input
            required
            maxLength={200}
            autoComplete="off"
            value={form.login}
            onChange={(e) => setForm({ ...form, login: e.target.value })}
          />
        </label>
        <label className="field">
          <span>
            {loaded?.passwordSet
              ? tx('Пароль (сохранён; пусто — не менять)', 'Password (stored; leave empty to keep)')
              : tx('Пароль', 'Password')}
          </span>
          <input
            type="password"
            maxLength={500}
            autoComplete="new-password"
            required={!loaded?.passwordSet}
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
        </label>
        <label className="field">
          <span>{tx('Период, дней', 'Period, days')}</span>
          <input
            type="number"
            min={1 / 24}
            max={31}
            step="any"
            required
            value={form.scheduleDays}
            onChange={(e) => setForm({ ...form, scheduleDays: e.target.value })}
          />
        </label>
        <label className="check-label">
          <input
            type="checkbox"
            checked={form.enabled}
            onChange={(e) => setForm({ ...form, enabled: e.target.checked })}
          />{' '}
          {tx('Выгружать в АСРП', 'Upload to ASRP')}
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {saved && (
          <p className="hint" role="status">
            {tx('Сохранено', 'Saved')}
          </p>
        )}
        <p>
          <button type="submit" className="btn btn-primary" data-testid="asrp-save">
            {tx('Сохранить', 'Save')}
          </button>
        </p>
      </form>
    </Panel>
  );
}
