/**
 * Silences: matching alerts are still evaluated and shown, but nobody is told while the silence lasts.
 * Lists current (active and future) or expired ones; creates one with matchers, a duration or an end
 * time and a comment; ends one now («Завершить») or deletes it.
 */
import { useMemo, useState } from 'react';
import { apiSend } from '../../api';
import { TablePanel, type Column } from '../../components/TablePanel';
import { fmtDateTime, fmtDuration } from '../../lib/format';
import {
  actionsColumn,
  ActionButton,
  byId,
  ConfirmDialog,
  CrudDialogs,
  EditDeleteButtons,
  FormDialog,
  PageHead,
  queryStatus,
  RowButton,
  SelectField,
  TextAreaField,
  TextField,
  unitLabel,
  unitOptions,
  useAdmin,
  useAdminList,
  useCrud,
  useDealerParam,
  useForm,
  useUnits,
} from '../common';
import { cleanMatchers, MATCHER_FIELDS, MatchersEditor, matchersText } from '../matchers';
import { L, tx } from '../texts';
import type { Matchers, Silence } from '../types';

const STATES = ['current', 'active', 'pending', 'expired', 'all'] as const;
type StateFilter = (typeof STATES)[number];

function stateFilterName(s: StateFilter): string {
  switch (s) {
    case 'current':
      return tx('текущие (действуют и будущие)', 'current (active and future)');
    case 'active':
      return tx('действуют', 'active');
    case 'pending':
      return tx('будущие', 'pending');
    case 'expired':
      return tx('истёкшие', 'expired');
    default:
      return tx('все', 'all');
  }
}

function stateName(s: Silence['state']): string {
  return s === 'active'
    ? tx('действует', 'active')
    : s === 'pending'
      ? tx('ещё не начался', 'pending')
      : tx('истёк', 'expired');
}

const MIN = 60_000;
const DURATIONS = [
  30 * MIN,
  60 * MIN,
  2 * 60 * MIN,
  4 * 60 * MIN,
  8 * 60 * MIN,
  24 * 60 * MIN,
  3 * 24 * 60 * MIN,
  7 * 24 * 60 * MIN,
];

/** `yyyy-MM-ddTHH:mm` of a moment in the browser's zone (for datetime-local inputs). */
export function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function Silences() {
  const admin = useAdmin();
  const [state, setState] = useState<StateFilter>('current');
  const silences = useAdminList<Silence>('silences', '/api/silences', { state });
  const units = useUnits();
  const unitMap = useMemo(() => byId(units.data), [units.data]);
  const crud = useCrud<Silence>({
    label: (s) => s.comment,
    refresh: ['silences'],
    savedText: (s) => tx('Заглушено до {t}', 'Silenced until {t}', { t: fmtDateTime(s.endsAt) }),
  });
  const [expire, setExpire] = useState<Silence | null>(null);
  const why = (s: Silence) => (!admin.canWrite ? L.readOnlyRole() : s.editable ? null : L.notEditable());

  const columns: Column<Silence>[] = [
    {
      key: 'state',
      title: L.state(),
      value: (s) => stateName(s.state),
      render: (s) => (
        <span
          className={`tag ${s.state === 'active' ? 'tag-warn' : s.state === 'pending' ? 'tag-blue' : ''}`}
        >
          {stateName(s.state)}
        </span>
      ),
    },
    {
      key: 'matchers',
      title: tx('Что заглушено', 'What is silenced'),
      value: (s) => matchersText(s.matchers),
      className: 'cell-long',
      render: (s) => <span data-testid="silence-matchers">{matchersText(s.matchers)}</span>,
    },
    {
      key: 'starts',
      title: tx('С', 'From'),
      value: (s) => s.startsAt,
      render: (s) => fmtDateTime(s.startsAt),
      csv: (s) => fmtDateTime(s.startsAt),
    },
    {
      key: 'ends',
      title: tx('До', 'Until'),
      value: (s) => s.endsAt,
      render: (s) => fmtDateTime(s.endsAt),
      csv: (s) => fmtDateTime(s.endsAt),
    },
    { key: 'unit', title: L.unit(), value: (s) => unitLabel(unitMap, s.unitId) },
    { key: 'author', title: L.author(), value: (s) => s.author },
    {
      key: 'comment',
      title: L.comment(),
      value: (s) => s.comment,
      className: 'cell-long',
      render: (s) => <span data-testid="silence-comment">{s.comment}</span>,
    },
    actionsColumn((s) => (
      <EditDeleteButtons crud={crud} item={s} why={why(s)} testid="silence" edit={false}>
        {s.state !== 'expired' && (
          <RowButton
            icon="stop"
            label={`${tx('Завершить сейчас', 'End now')}: ${s.comment}`}
            why={why(s)}
            onClick={() => setExpire(s)}
            testid="silence-expire"
          />
        )}
      </EditDeleteButtons>
    )),
  ];

  return (
    <div className="page">
      <PageHead
        title={tx('Заглушения', 'Silences')}
        description={tx(
          'Пока заглушение действует, подходящие аварии видны, но оповещения не отправляются. Авария, которая ещё горит, будет отправлена, когда заглушение закончится.',
          'While a silence lasts, matching alerts stay visible but nobody is told. An alert still firing when it ends is sent then.',
        )}
        actions={
          <ActionButton
            className="btn btn-primary"
            why={admin.canWrite ? null : L.readOnlyRole()}
            onClick={crud.create}
            testid="silence-create"
          >
            {tx('Новое заглушение', 'New silence')}
          </ActionButton>
        }
      />
      <div className="admin-toolbar">
        <SelectField
          label={tx('Показать', 'Show')}
          value={state}
          onChange={(v) => setState(v as StateFilter)}
          options={STATES.map((s) => ({ value: s, label: stateFilterName(s) }))}
          testid="silence-state"
        />
      </div>
      <div className="grid">
        <TablePanel
          id="silences"
          title={tx('Заглушения: {n}', 'Silences: {n}', { n: silences.data?.length ?? 0 })}
          rows={silences.data ?? []}
          columns={columns}
          rowKey={(s) => s.id}
          rowClass={(s) => (s.state === 'expired' ? 'row-off' : '')}
          status={queryStatus(silences)}
          emptyText={tx('Заглушений нет.', 'No silences.')}
          csvName="silences.csv"
          initialSort={{ key: 'ends', dir: 'desc' }}
          pageSize={25}
        />
      </div>
      {expire && (
        <ConfirmDialog
          title={tx('Завершить заглушение сейчас?', 'End the silence now?')}
          confirmLabel={tx('Завершить', 'End')}
          danger={false}
          onClose={() => setExpire(null)}
          action={async () => {
            await apiSend('POST', `/api/silences/${expire.id}/expire`);
            await crud.refreshLists();
            crud.showToast(tx('Заглушение завершено', 'Silence ended'));
          }}
        >
          <p>
            {matchersText(expire.matchers)} — {expire.comment}
          </p>
          <p className="muted">
            {tx(
              'Горящие аварии будут отправлены в ближайшие 30 секунд.',
              'Alerts still firing are sent within 30 seconds.',
            )}
          </p>
        </ConfirmDialog>
      )}
      <CrudDialogs
        crud={crud}
        editor={({ onClose, onDone }) => <SilenceDialog onClose={onClose} onDone={onDone} />}
        deletePath={(s) => `/api/silences/${s.id}`}
        deleteTitle={() => L.confirmDelete(tx('заглушение', 'the silence'))}
      />
    </div>
  );
}

function SilenceDialog({ onClose, onDone }: { onClose(): void; onDone(s: Silence): void }) {
  const admin = useAdmin();
  const dp = useDealerParam();
  const units = useUnits();
  const [now] = useState(() => Date.now());
  const f = useForm(
    {
      matchers: {} as Matchers,
      duration: String(2 * 60 * MIN),
      endsAt: localInput(now + 2 * 60 * MIN),
      comment: '',
      unitId: '',
    },
    ['startsAt', 'endsAt', 'comment', 'unitId', ...MATCHER_FIELDS],
  );
  const v = f.values;
  const custom = v.duration === 'custom';
  const endMs = custom ? new Date(v.endsAt).getTime() : Date.now() + Number(v.duration);
  const save = () => {
    const e: Record<string, string> = {};
    if (Object.keys(cleanMatchers(v.matchers)).length === 0)
      e.matchers = tx(
        'Выберите хотя бы одно условие: заглушить всё — это окно обслуживания.',
        'Give at least one matcher: silencing everything is a maintenance window.',
      );
    if (!v.comment.trim())
      e.comment = tx('Напишите, зачем: это увидят коллеги', 'Say why: colleagues will see it');
    if (custom && !(endMs > Date.now()))
      e.endsAt = tx('Конец должен быть в будущем', 'The end must be in the future');
    return f.submit(async () => {
      const out = await apiSend<Silence>('POST', '/api/silences', {
        ...dp,
        matchers: cleanMatchers(v.matchers),
        endsAt: custom ? endMs : Date.now() + Number(v.duration),
        comment: v.comment.trim(),
        ...(v.unitId ? { unitId: Number(v.unitId) } : {}),
      });
      onDone(out);
      onClose();
    }, e);
  };
  return (
    <FormDialog
      title={tx('Новое заглушение', 'New silence')}
      onClose={onClose}
      onSubmit={() => void save()}
      busy={f.busy}
      error={f.errors.general}
      submitLabel={tx('Заглушить', 'Silence')}
      testid="silence-dialog"
      wide
    >
      <MatchersEditor
        value={v.matchers}
        onChange={(m) => f.set('matchers', m)}
        errors={f.errors.fields}
        legend={tx('Что заглушить', 'What to silence')}
      />
      <div className="field-row">
        <SelectField
          label={tx('На сколько', 'For how long')}
          value={v.duration}
          onChange={(x) => f.set('duration', x)}
          options={[
            ...DURATIONS.map((d) => ({ value: String(d), label: fmtDuration(d) })),
            { value: 'custom', label: tx('до даты и времени…', 'until a date and time…') },
          ]}
          testid="silence-duration"
        />
        {custom && (
          <TextField
            label={tx('До (ваше время)', 'Until (your time)')}
            type="datetime-local"
            value={v.endsAt}
            onChange={(x) => f.set('endsAt', x)}
            error={f.errors.fields.endsAt}
          />
        )}
      </div>
      {!custom && f.errors.fields.endsAt && <p className="field-error">{f.errors.fields.endsAt}</p>}
      <p className="hint">
        {tx('Закончится {t}', 'Ends {t}', { t: Number.isFinite(endMs) ? fmtDateTime(endMs) : '—' })}
      </p>
      <TextAreaField
        label={L.comment()}
        value={v.comment}
        onChange={(x) => f.set('comment', x)}
        error={f.errors.fields.comment}
        required
        rows={2}
        placeholder={tx('Плановые работы у клиента', 'Planned work at the client')}
        testid="silence-comment-input"
      />
      <SelectField
        label={L.unit()}
        value={v.unitId}
        onChange={(x) => f.set('unitId', x)}
        options={unitOptions(units.data)}
        placeholder={admin.ownUnitId ? tx('— ваше подразделение —', '— your unit —') : L.noUnit()}
        error={f.errors.fields.unitId}
        hint={tx(
          'Заглушение подразделения касается только его объектов.',
          "A unit's silence covers only its objects.",
        )}
      />
    </FormDialog>
  );
}
