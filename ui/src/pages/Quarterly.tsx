/**
 * «Квартальная аналитика» (our definition; the existing service left it empty): for the selected
 * quarter, tiles of the clients per usage class and the quarter's incidents, downtime and empty
 * searches, each with its change against the quarter before (a tile filters the client list); the
 * stacked bars of the classes per quarter (a bar picks the quarter); the table per manager × quarter;
 * and the clients of the selected quarter with their class then and the quarter before, so a head sees
 * who moved (e.g. from normal to low). The end of the time range picks the last quarter; `quarters`,
 * `quarter`, `class` and `moved` are kept in the URL.
 */
import type {
  Change,
  PortfolioQuarter,
  QuarterClient,
  QuarterlyOut,
  UsageClass,
} from '../../../src/dashboards/contract-quarterly';
import { ENDPOINTS } from '../api';
import { DashboardFrame, useDashQuery } from '../components/DashboardFrame';
import { Panel } from '../components/Panel';
import { StatTiles, type StatColor } from '../components/StatTiles';
import { TablePanel, type CellColor, type Column } from '../components/TablePanel';
import { tx } from '../i18n';
import { useDashboardState, type DashboardDef } from '../lib/dashboard';
import { fmtNum } from '../lib/format';
import { ClientLink } from './BillingStats';
import './Quarterly.css';

export const DEF: DashboardDef = {
  id: 'quarterly',
  titleKey: 'dash.quarterly',
  defaultFrom: 'now-1y',
  defaultRefresh: '1h',
  variables: ['unit', 'manager', 'client'],
};

const CLASSES: UsageClass[] = ['noData', 'unused', 'low', 'normal', 'exhausting'];
/** Bottom to top in the bars: working clients first. */
const STACK: UsageClass[] = ['exhausting', 'normal', 'low', 'unused', 'noData'];
const QUARTER_CHOICES = [1, 2, 3, 4, 5, 6, 7, 8];
const DEFAULT_QUARTERS = 4;

export function classTitle(c: UsageClass): string {
  switch (c) {
    case 'noData':
      return tx('Нет данных', 'No data');
    case 'unused':
      return tx('Не используют', 'Unused');
    case 'low':
      return tx('Низкое использование', 'Low use');
    case 'normal':
      return tx('Норма', 'Normal');
    case 'exhausting':
      return tx('Исчерпывают лимиты', 'Exhausting limits');
  }
}

/** Red: nobody works; yellow: below the norms; green: working; blue: at the limits (upsell). */
export const CLASS_COLOR: Record<UsageClass, Exclude<CellColor, null>> = {
  noData: 'grey',
  unused: 'red',
  low: 'yellow',
  normal: 'green',
  exhausting: 'blue',
};

/** Which way a change is good: fewer unused or low clients, more normal ones, fewer incidents. */
const BETTER_WHEN: Record<string, 'up' | 'down' | null> = {
  noData: 'down',
  unused: 'down',
  low: 'down',
  normal: 'up',
  exhausting: null,
  emptySearches: 'down',
  incidents: 'down',
  downtimeHours: 'down',
};

function quarterLabel(key: string): string {
  const [year, q] = key.split('-Q');
  return tx('{q} кв. {year}', 'Q{q} {year}', { q: q ?? '', year: year ?? '' });
}

/** The keys of `count` quarters ending with the one holding `to` (Moscow calendar, as the server). */
export function quarterKeys(to: number, count: number): string[] {
  const d = new Date(to + 3 * 3_600_000);
  let index = d.getUTCFullYear() * 4 + Math.floor(d.getUTCMonth() / 3);
  const out: string[] = [];
  for (let k = 0; k < count; k += 1, index -= 1) out.unshift(`${Math.floor(index / 4)}-Q${(index % 4) + 1}`);
  return out;
}

function signed(v: number, digits = 0): string {
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${fmtNum(Math.abs(v), digits)}`;
}

/** «+2 (+50%)», or «нет данных за прошлый квартал». */
function changeText(c: Change, digits = 0): string {
  if (c.delta === null) return tx('прошлый квартал без данных', 'no data the quarter before');
  const pct = c.pct === null ? '' : ` (${signed(c.pct, 1)}%)`;
  return `${signed(c.delta, digits)}${pct}`;
}

function trendClass(key: string, c: Change): string {
  if (c.delta === null || c.delta === 0) return 'q-delta';
  const better = BETTER_WHEN[key];
  if (!better) return 'q-delta q-delta-neutral';
  const good = better === 'up' ? c.delta > 0 : c.delta < 0;
  return `q-delta ${good ? 'q-delta-good' : 'q-delta-bad'}`;
}

function ChangeCell({ k, c, digits = 0 }: { k: string; c: Change; digits?: number }) {
  return (
    <span className="q-change">
      <span className="q-value">{fmtNum(c.value, digits)}</span>
      {c.delta !== null && (
        <span className={trendClass(k, c)} title={changeText(c, digits)}>
          {signed(c.delta, digits)}
        </span>
      )}
    </span>
  );
}

/** The stacked bars: a column per quarter, a segment per class; a click picks the quarter (and class). */
function ClassBars({
  rows,
  selected,
  onPick,
}: {
  rows: PortfolioQuarter[];
  selected: string;
  onPick: (quarter: string, cls: UsageClass | null) => void;
}) {
  const W = 760;
  const H = 250;
  const top = 22;
  const bottom = 28;
  const max = Math.max(1, ...rows.map((r) => r.clients));
  const slot = W / Math.max(1, rows.length);
  const bar = Math.min(110, slot * 0.56);
  const scale = (H - top - bottom) / max;
  const summary = rows
    .map(
      (r) =>
        `${quarterLabel(r.quarter)}: ${CLASSES.map((c) => `${classTitle(c)} ${r.classes[c].value}`).join(', ')}`,
    )
    .join('; ');
  return (
    <div className="q-bars">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        {rows.map((r, i) => {
          const x = i * slot + (slot - bar) / 2;
          let y = H - bottom;
          return (
            <g
              key={r.quarter}
              className={`q-bar${r.quarter === selected ? ' q-bar-selected' : ''}`}
              data-quarter={r.quarter}
            >
              <rect
                className="q-bar-hit"
                x={i * slot + 4}
                y={0}
                width={slot - 8}
                height={H}
                onClick={() => onPick(r.quarter, null)}
              />
              {STACK.map((c) => {
                const n = r.classes[c].value;
                if (n === 0) return null;
                const h = n * scale;
                y -= h;
                return (
                  <g key={c} onClick={() => onPick(r.quarter, c)} className="q-seg">
                    <rect
                      x={x}
                      y={y}
                      width={bar}
                      height={Math.max(1, h - 1)}
                      className={`q-fill-${CLASS_COLOR[c]}`}
                    >
                      <title>{`${quarterLabel(r.quarter)} · ${classTitle(c)}: ${n} (${changeText(r.classes[c])})`}</title>
                    </rect>
                    {h >= 16 && (
                      <text x={x + bar / 2} y={y + h / 2 + 4} className="q-seg-label">
                        {n}
                      </text>
                    )}
                  </g>
                );
              })}
              <text x={x + bar / 2} y={y - 6} className="q-total-label">
                {r.clients}
              </text>
              <text x={x + bar / 2} y={H - 8} className="q-axis-label">
                {quarterLabel(r.quarter)}
              </text>
            </g>
          );
        })}
      </svg>
      <ul className="q-legend">
        {STACK.map((c) => (
          <li key={c}>
            <span className={`q-swatch q-fill-${CLASS_COLOR[c]}`} />
            {classTitle(c)}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** How well a class works for the client: normal and exhausting are both working clients. */
const HEALTH: Record<UsageClass, number> = { noData: 0, unused: 1, low: 2, normal: 3, exhausting: 3 };

/** ▲/▼ by the class order; green when the client works better, red when worse, blue between the two working classes. */
function MoveMark({ from, to }: { from: UsageClass; to: UsageClass }) {
  const up = CLASSES.indexOf(to) > CLASSES.indexOf(from);
  const health = HEALTH[to] - HEALTH[from];
  const tone = health > 0 ? 'q-delta-good' : health < 0 ? 'q-delta-bad' : 'q-delta-neutral';
  return (
    <span
      className={`q-move ${tone}`}
      title={tx('было: {from}', 'was: {from}', { from: classTitle(from) })}
      aria-label={tx('класс сменился', 'class changed')}
    >
      {up ? '▲' : '▼'}
    </span>
  );
}

interface PortfolioRow {
  key: string;
  managerId: number | null;
  manager: string;
  total: boolean;
  p: PortfolioQuarter;
}

export function QuarterlyPage() {
  const state = useDashboardState(DEF);
  const count = Math.min(8, Math.max(1, Number(state.extra('quarters')) || DEFAULT_QUARTERS));
  const keys = quarterKeys(state.range.to, count);
  const wanted = state.extra('quarter');
  const selected = wanted && keys.includes(wanted) ? wanted : keys[keys.length - 1]!;
  const clsParam = state.extra('class');
  const cls = CLASSES.includes(clsParam as UsageClass) ? (clsParam as UsageClass) : null;
  const moved = state.extra('moved') === '1';

  const q = useDashQuery<QuarterlyOut>(state, ENDPOINTS.quarterly, { quarters: count, quarter: selected });
  const data = q.data;
  const status = {
    loading: q.isLoading && !data,
    error: data ? null : q.error,
    onRetry: () => void q.refetch(),
  };
  const current = data?.total.find((t) => t.quarter === data.quarter);
  const norms = data?.norms;

  const pick = (quarter: string, c: UsageClass | null) => {
    state.setExtra('quarter', quarter === keys[keys.length - 1] ? null : quarter);
    state.setExtra('class', c);
  };
  const toggleClass = (c: UsageClass) => state.setExtra('class', cls === c ? null : c);

  const classHint = (c: UsageClass): string => {
    const n = norms ?? { activityPerMonth: 20, involvementPct: 60, docsUsedPct: 15 };
    switch (c) {
      case 'noData':
        return tx(
          'За квартал не пришло ни одного отчёта sysinfo и ни одного чтения онлайн-доступа клиента.',
          'No sysinfo report and no online reading of the client arrived in the quarter.',
        );
      case 'unused':
        return tx(
          'Отчёты приходят, но за квартал ни одного запроса к БД, документа или поиска; в онлайн-доступе не потрачено ни одной единицы.',
          'Reports arrive, but no DB request, document or search in the quarter; no unit of the online access was spent.',
        );
      case 'low':
        return tx(
          'Ниже норм Стандарта: активность меньше {a} пунктов в месяц или вовлечённость меньше {i}% (установки), меньше {d}% лимита документов в месяц (онлайн).',
          'Below the Standard: activity under {a} points a month or involvement under {i}% (installations), under {d}% of the document limit a month (online).',
          { a: n.activityPerMonth, i: n.involvementPct, d: n.docsUsedPct },
        );
      case 'normal':
        return tx('Используют на уровне норм Стандарта и выше.', 'Used at or above the Standard’s norms.');
      case 'exhausting':
        return tx(
          'Хотя бы в одном месяце: заняты все лицензии или были отказы во входе (установки), исчерпан лимит документов (онлайн). Повод для допродажи.',
          'In at least one month: every licence occupied or logons refused (installations), the document limit exhausted (online). An upsell lead.',
        );
    }
  };

  const quartersSelect = (
    <div className="variable">
      <label className="variable-label" htmlFor="quarterly-count">
        {tx('Кварталов', 'Quarters')}
      </label>
      <select
        id="quarterly-count"
        className="variable-value"
        value={count}
        onChange={(e) => {
          const n = Number(e.target.value);
          state.setExtra('quarters', n === DEFAULT_QUARTERS ? null : String(n));
        }}
      >
        {QUARTER_CHOICES.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
      <label className="variable-label" htmlFor="quarterly-quarter">
        {tx('Квартал списка', 'Quarter listed')}
      </label>
      <select
        id="quarterly-quarter"
        className="variable-value"
        value={selected}
        onChange={(e) => pick(e.target.value, cls)}
      >
        {keys.map((k) => (
          <option key={k} value={k}>
            {quarterLabel(k)}
          </option>
        ))}
      </select>
    </div>
  );

  // ---------------------------------------------------------------- tiles
  const tiles = current
    ? [
        ...CLASSES.map((c) => ({
          key: c,
          label: classTitle(c),
          value: fmtNum(current.classes[c].value, 0),
          color: CLASS_COLOR[c] as StatColor,
          sub: changeText(current.classes[c]),
          hint: classHint(c),
          onClick: () => toggleClass(c),
          pressed: cls === c,
        })),
        {
          key: 'incidents',
          label: tx('Инциденты K1–K2', 'Incidents K1–K2'),
          value: fmtNum(current.incidents.value, 0),
          color: (current.incidents.value > 0 ? 'red' : 'green') as StatColor,
          sub: changeText(current.incidents),
          hint: tx(
            'Алерты приоритета K1 и K2 по установкам и онлайн-доступам клиентов, сработавшие в квартале.',
            'Alerts of priority K1 and K2 about the clients’ installations and online accesses that fired in the quarter.',
          ),
        },
        {
          key: 'downtime',
          label: tx('Простой, ч', 'Downtime, h'),
          value: fmtNum(current.downtimeHours.value, 1),
          color: (current.downtimeHours.value > 0 ? 'yellow' : 'green') as StatColor,
          sub: changeText(current.downtimeHours, 1),
          hint: tx(
            'Часы недоступности интерфейса ПК и входа в онлайн-доступы клиентов (доля неудачных проверок за сутки × 24 ч).',
            'Hours the clients’ ПК interface and online logins were unavailable (a day’s failed share of checks × 24 h).',
          ),
        },
        {
          key: 'empty',
          label: tx('Пустые поиски', 'Empty searches'),
          value: fmtNum(current.emptySearches.value, 0),
          color: 'grey' as StatColor,
          sub: changeText(current.emptySearches),
          hint: tx(
            'Поиски, которые ничего не нашли: журналы установок и онлайн-доступов. Повод предложить комплект.',
            'Searches that found nothing, in installations’ and online accesses’ logs: a reason to offer a kit.',
          ),
        },
      ]
    : [];

  // ---------------------------------------------------------------- the table per manager × quarter
  const portfolioRows: PortfolioRow[] = [];
  if (data) {
    data.total.forEach((p) =>
      portfolioRows.push({ key: `all:${p.quarter}`, managerId: null, manager: '', total: true, p }),
    );
    for (const m of data.managers)
      for (const p of m.quarters)
        portfolioRows.push({
          key: `m:${m.managerId ?? 'none'}:${p.quarter}`,
          managerId: m.managerId,
          manager: m.manager,
          total: false,
          p,
        });
  }
  const managerName = (r: PortfolioRow) =>
    r.total
      ? tx('Все клиенты', 'All clients')
      : r.managerId === null
        ? tx('Без менеджера', 'No manager')
        : r.manager;
  const changeColumn = (
    key: keyof PortfolioQuarter['classes'] | 'emptySearches' | 'incidents' | 'downtimeHours',
    title: string,
    digits = 0,
  ): Column<PortfolioRow> => {
    const of = (r: PortfolioRow): Change =>
      key === 'emptySearches' || key === 'incidents' || key === 'downtimeHours' ? r.p[key] : r.p.classes[key];
    return {
      key,
      title,
      value: (r) => of(r).value,
      render: (r) => <ChangeCell k={key} c={of(r)} digits={digits} />,
      csv: (r) => {
        const c = of(r);
        return c.delta === null ? String(c.value) : `${c.value} (${signed(c.delta, digits)})`;
      },
      numeric: true,
      digits,
    };
  };
  const portfolioColumns: Column<PortfolioRow>[] = [
    { key: 'manager', title: tx('Менеджер', 'Manager'), value: managerName },
    {
      key: 'quarter',
      title: tx('Квартал', 'Quarter'),
      value: (r) => r.p.quarter,
      render: (r) => quarterLabel(r.p.quarter),
      csv: (r) => r.p.quarter,
    },
    { key: 'clients', title: tx('Клиентов', 'Clients'), value: (r) => r.p.clients, numeric: true, digits: 0 },
    changeColumn('normal', tx('Норма', 'Normal')),
    changeColumn('exhausting', tx('Исчерпывают', 'Exhausting')),
    changeColumn('low', tx('Низкое', 'Low')),
    changeColumn('unused', tx('Не используют', 'Unused')),
    changeColumn('noData', tx('Нет данных', 'No data')),
    changeColumn('emptySearches', tx('Пустые поиски', 'Empty searches')),
    changeColumn('incidents', tx('Инциденты', 'Incidents')),
    changeColumn('downtimeHours', tx('Простой, ч', 'Downtime, h'), 1),
  ];

  // ---------------------------------------------------------------- the clients of the quarter
  const clientRows = (data?.clients ?? []).filter(
    (c) => (!cls || c.class === cls) && (!moved || c.class !== c.prevClass),
  );
  const classCell = (c: UsageClass) => (
    <span className={`q-chip q-chip-${CLASS_COLOR[c]}`}>{classTitle(c)}</span>
  );
  const clientColumns: Column<QuarterClient>[] = [
    {
      key: 'client',
      title: tx('Клиент', 'Client'),
      value: (r) => r.client,
      render: (r) => <ClientLink id={r.clientId} name={r.client} />,
    },
    { key: 'managers', title: tx('Менеджер', 'Manager'), value: (r) => r.managers.join(', ') },
    {
      key: 'class',
      title: tx('Класс', 'Class'),
      value: (r) => classTitle(r.class),
      sortValue: (r) => CLASSES.indexOf(r.class),
      render: (r) => classCell(r.class),
    },
    {
      key: 'prevClass',
      title: tx('Кварталом раньше', 'The quarter before'),
      value: (r) => classTitle(r.prevClass),
      sortValue: (r) => CLASSES.indexOf(r.prevClass),
      render: (r) => (
        <span className="q-prev">
          {classCell(r.prevClass)}
          {r.prevClass !== r.class && <MoveMark from={r.prevClass} to={r.class} />}
        </span>
      ),
    },
    {
      key: 'activity',
      title: tx('Активность в месяц', 'Activity a month'),
      value: (r) => r.activityPerMonth,
      numeric: true,
      digits: 0,
      color: (v) => (typeof v === 'number' && norms && v < norms.activityPerMonth ? 'yellow' : null),
    },
    {
      key: 'involvement',
      title: tx('Вовлечённость, %', 'Involvement, %'),
      value: (r) => r.involvementPct,
      numeric: true,
      digits: 1,
      color: (v) => (typeof v === 'number' && norms && v < norms.involvementPct ? 'yellow' : null),
    },
    {
      key: 'docsPct',
      title: tx('% исп. док.', '% docs used'),
      value: (r) => r.docsUsedPct,
      numeric: true,
      digits: 1,
      color: (v) => (typeof v === 'number' && norms && v < norms.docsUsedPct ? 'yellow' : null),
    },
    {
      key: 'atLimit',
      title: tx('Дней без свободных лицензий', 'Days with no free licence'),
      value: (r) => r.daysAtLicenceLimit,
      numeric: true,
      digits: 0,
      color: (v) => (typeof v === 'number' && v > 0 ? 'blue' : null),
    },
    {
      key: 'refused',
      title: tx('Отказы во входе', 'Refused logons'),
      value: (r) => r.refusedLogons,
      numeric: true,
      digits: 0,
      color: (v) => (typeof v === 'number' && v > 0 ? 'blue' : null),
    },
    {
      key: 'exhausted',
      title: tx('Мес. с исчерпанием документов', 'Months documents ran out'),
      value: (r) => r.docsExhaustedMonths,
      numeric: true,
      digits: 0,
      color: (v) => (typeof v === 'number' && v > 0 ? 'blue' : null),
    },
    {
      key: 'empty',
      title: tx('Пустые поиски', 'Empty searches'),
      value: (r) => r.emptySearches,
      numeric: true,
      digits: 0,
    },
    {
      key: 'incidents',
      title: tx('Инциденты', 'Incidents'),
      value: (r) => r.incidents,
      numeric: true,
      digits: 0,
      color: (v) => (typeof v === 'number' && v > 0 ? 'red' : null),
    },
    {
      key: 'downtime',
      title: tx('Простой, ч', 'Downtime, h'),
      value: (r) => r.downtimeHours,
      numeric: true,
      digits: 1,
      color: (v) => (typeof v === 'number' && v > 0 ? 'yellow' : null),
    },
  ];

  const selectedQuarter = data?.quarters.find((x) => x.key === data.quarter);
  const partialNote =
    selectedQuarter?.partial === true
      ? tx('квартал идёт: {n} из {d} дней', 'quarter in progress: {n} of {d} days', {
          n: selectedQuarter.elapsedDays,
          d: selectedQuarter.days,
        })
      : undefined;
  const filterNote = [
    cls ? classTitle(cls) : null,
    moved ? tx('сменившие класс', 'changed class') : null,
    tx('{n} из {total}', '{n} of {total}', { n: clientRows.length, total: data?.clients.length ?? 0 }),
  ]
    .filter(Boolean)
    .join(' · ');

  return (
    <DashboardFrame state={state} fetching={q.isFetching} extraVars={quartersSelect}>
      <Panel
        id="summary"
        title={tx('Итоги квартала: {q}', 'Quarter summary: {q}', { q: quarterLabel(selected) })}
        description={tx(
          'Клиенты по классам использования и итоги квартала; под числом — изменение к предыдущему кварталу. Щелчок по классу отбирает клиентов в списке ниже.',
          'Clients per usage class and the quarter’s totals; under each number, the change against the quarter before. A click on a class filters the client list below.',
        )}
        span="full"
        height="auto"
        note={partialNote}
        status={{ ...status, empty: !current, emptyText: tx('Нет клиентов', 'No clients') }}
      >
        <StatTiles label={tx('Итоги квартала', 'Quarter summary')} tiles={tiles} />
      </Panel>
      <Panel
        id="classes"
        title={tx('Клиенты по классам использования', 'Clients per usage class')}
        description={tx(
          'Сколько клиентов в каждом классе в каждом квартале. Последний квартал — тот, в котором конец выбранного интервала времени. Щелчок по столбцу выбирает квартал списка, по части столбца — ещё и класс.',
          'How many clients are in each class in each quarter. The last quarter is the one holding the end of the time range. A click on a column picks the listed quarter, on a segment also the class.',
        )}
        span="full"
        height="auto"
        status={{ ...status, empty: !data?.total.length, emptyText: tx('Нет клиентов', 'No clients') }}
      >
        {data && <ClassBars rows={data.total} selected={data.quarter} onPick={pick} />}
      </Panel>
      <TablePanel
        id="managers"
        title={tx('Портфель менеджеров по кварталам', 'Managers’ portfolios by quarter')}
        description={tx(
          'По каждому менеджеру и кварталу: клиенты по классам, пустые поиски, инциденты и простой; рядом — изменение к предыдущему кварталу (зелёное — к лучшему, красное — к худшему). Клиент с двумя менеджерами считается у обоих; «Все клиенты» — каждый по одному разу.',
          'Per manager and quarter: clients per class, empty searches, incidents and downtime, each with the change against the quarter before (green for better, red for worse). A client with two managers counts for both; «All clients» counts each once.',
        )}
        rows={portfolioRows}
        columns={portfolioColumns}
        rowKey={(r) => r.key}
        rowClass={(r) => (r.total ? 'q-total-row' : r.p.quarter === selected ? 'q-selected-row' : '')}
        pageSize={Math.max(count * 6, 12)}
        csvName="quarterly-managers.csv"
        emptyText={tx('Нет клиентов в выбранных переменных', 'No clients for the chosen variables')}
        status={status}
      />
      <TablePanel
        id="clients"
        title={tx('Клиенты в квартале: {q}', 'Clients in the quarter: {q}', { q: quarterLabel(selected) })}
        description={tx(
          'Класс клиента в выбранном квартале и кварталом раньше, и цифры, по которым он определён: активность (документы + поиски) в месяц и вовлечённость лучшей установки, % лимита документов лучшего онлайн-доступа, признаки исчерпания, пустые поиски, инциденты и простой.',
          'The client’s class in the selected quarter and the quarter before, and the figures behind it: activity (documents + searches) a month and involvement of its best installation, % of the document limit of its best online access, the signs of exhaustion, empty searches, incidents and downtime.',
        )}
        rows={clientRows}
        columns={clientColumns}
        rowKey={(r) => r.clientId}
        rowLink={(r) => `/clients/${r.clientId}`}
        pageSize={20}
        csvName={`quarterly-clients-${selected}.csv`}
        note={filterNote}
        tools={
          <>
            <button
              type="button"
              className="btn btn-small btn-ghost"
              aria-pressed={moved}
              onClick={() => state.setExtra('moved', moved ? null : '1')}
            >
              {tx('Только сменившие класс', 'Changed class only')}
            </button>
            {cls && (
              <button
                type="button"
                className="btn btn-small btn-ghost"
                onClick={() => state.setExtra('class', null)}
              >
                {tx('Все классы', 'All classes')}
              </button>
            )}
          </>
        }
        emptyText={tx('Нет клиентов с такими условиями', 'No clients match')}
        status={status}
      />
    </DashboardFrame>
  );
}
