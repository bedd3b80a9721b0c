/**
 * The plain-language conclusions of the ЛПР report. Each rule reads the year's figures of the report
 * and its thresholds live in RULES (documented in docs/renewal.md, tested in
 * test/renewal/conclusions.test.ts). Texts are for the client's decision maker: short, concrete, with
 * the numbers that back them.
 */
import type { MetricRow, OnlineRow } from './contract.js';
import { monthName } from './months.js';

export const RULES = {
  /** Seats short: months in which every seat was occupied or a logon was refused for lack of one. */
  seatsShortMonths: 2,
  /** Seats unused: the most seats ever occupied at once is at most this share of the seats… */
  seatsUnusedShare: 0.5,
  /** …over at least this many months with readings, and no logon was refused. */
  seatsUnusedMinMonths: 3,
  /** A limit exhausted "early": its remainder reached 0 before this day of the month… */
  earlyDay: 20,
  /** …in at least this many months of the year. */
  earlyMonths: 2,
  /** Users to train: this share of the year's searches found nothing… */
  emptyShare: 0.2,
  /** …out of at least this many searches. */
  emptyMinSearches: 50,
  /** Low activity of an installation: under this many points (Стандарт сопровождения) in a month… */
  activityPerMonth: 20,
  /** …in at least this share of its months with data. */
  lowActivityShare: 0.5,
  /** Low use of an online access: under this mean % of the document limit used per month. */
  docsUsedPct: 15,
} as const;

export const CONCLUSION_KINDS = [
  'seatsShort',
  'seatsUnused',
  'limitsEarly',
  'emptySearches',
  'lowActivity',
  'availability',
  'allGood',
] as const;
export type ConclusionKind = (typeof CONCLUSION_KINDS)[number];

export interface Conclusion {
  rule: ConclusionKind;
  /** upsell: a reason to expand; risk: something to fix with the client; info: evidence. */
  severity: 'upsell' | 'risk' | 'info';
  title: string;
  text: string;
}

/** What the rules read (the report without its conclusions). */
export interface ConclusionInput {
  months: readonly string[];
  installations: readonly {
    host: string;
    rows: readonly MetricRow[];
    seats: readonly (number | null)[];
    maxInUse: readonly (number | null)[];
    availabilityYear: number | null;
  }[];
  accesses: readonly { login: string; rows: readonly OnlineRow[]; availabilityYear: number | null }[];
  searches: number;
  emptySearches: number;
  emptyTopics: readonly { query: string; count: number }[];
}

const KIND_TITLES: Record<OnlineRow['kind'], string> = {
  docs: '«Документы»',
  search: '«Поиск»',
  print: '«Печать»',
  export: '«Выгрузка»',
};

const row = (rows: readonly MetricRow[], metric: MetricRow['metric']) =>
  rows.find((r) => r.metric === metric)?.values ?? [];

const monthsText = (months: readonly string[]) => months.map(monthName).join(', ');
const pct = (v: number) => `${Math.round(v * 10) / 10} %`.replace('.', ',');

function seatsShort(input: ConclusionInput): Conclusion[] {
  const out: Conclusion[] = [];
  for (const i of input.installations) {
    const refused = row(i.rows, 'refused');
    const hit: string[] = [];
    let refusals = 0;
    input.months.forEach((month, k) => {
      const r = refused[k] ?? 0;
      refusals += r;
      const seats = i.seats[k];
      const used = i.maxInUse[k];
      const full = seats != null && seats > 0 && used != null && used >= seats;
      if (r > 0 || full) hit.push(month);
    });
    if (hit.length < RULES.seatsShortMonths) continue;
    const seats = Math.max(0, ...i.seats.map((s) => s ?? 0));
    out.push({
      rule: 'seatsShort',
      severity: 'upsell',
      title: 'Не хватает рабочих мест',
      text:
        `${i.host}: в ${hit.length} мес. (${monthsText(hit)}) были заняты все рабочие места` +
        (seats > 0 ? ` (${seats})` : '') +
        ` или пользователям отказывали во входе; отказов за год: ${refusals}. ` +
        'Стоит увеличить число рабочих мест, чтобы сотрудники не ждали, пока освободится лицензия.',
    });
  }
  return out;
}

function seatsUnused(input: ConclusionInput): Conclusion[] {
  const out: Conclusion[] = [];
  for (const i of input.installations) {
    const refusals = row(i.rows, 'refused').reduce<number>((s, v) => s + (v ?? 0), 0);
    let months = 0;
    let maxUsed = 0;
    let seats = 0;
    input.months.forEach((_, k) => {
      const s = i.seats[k];
      const u = i.maxInUse[k];
      if (s == null || s <= 0 || u == null) return;
      months += 1;
      maxUsed = Math.max(maxUsed, u);
      seats = Math.max(seats, s);
    });
    if (months < RULES.seatsUnusedMinMonths || refusals > 0) continue;
    if (maxUsed > seats * RULES.seatsUnusedShare) continue;
    out.push({
      rule: 'seatsUnused',
      severity: 'risk',
      title: 'Рабочие места используются не полностью',
      text:
        `${i.host}: из ${seats} рабочих мест одновременно занималось не больше ${maxUsed} ` +
        `(за ${months} мес.). Стоит подключить к системе другие отделы и новых сотрудников.`,
    });
  }
  return out;
}

function limitsEarly(input: ConclusionInput): Conclusion[] {
  const out: Conclusion[] = [];
  for (const a of input.accesses) {
    const parts: string[] = [];
    for (const r of a.rows) {
      const early = input.months.filter((_, k) => {
        const d = r.exhaustedDay[k];
        return d != null && d < RULES.earlyDay;
      });
      if (early.length >= RULES.earlyMonths)
        parts.push(`${KIND_TITLES[r.kind]} — в ${early.length} мес. (${monthsText(early)})`);
    }
    if (parts.length === 0) continue;
    out.push({
      rule: 'limitsEarly',
      severity: 'upsell',
      title: 'Лимиты заканчиваются раньше срока',
      text:
        `Логин ${a.login}: лимит исчерпывался до ${RULES.earlyDay}-го числа: ${parts.join('; ')}. ` +
        'Доступом, похоже, пользуются несколько человек: стоит добавить ещё один логин или перейти на ' +
        'сетевую версию.',
    });
  }
  return out;
}

function emptySearches(input: ConclusionInput): Conclusion[] {
  if (input.searches < RULES.emptyMinSearches) return [];
  const share = input.emptySearches / input.searches;
  if (share < RULES.emptyShare) return [];
  const topics = input.emptyTopics.slice(0, 3).map((t) => `«${t.query}»`);
  return [
    {
      rule: 'emptySearches',
      severity: 'risk',
      title: 'Много запросов без результата',
      text:
        `${input.emptySearches} из ${input.searches} поисковых запросов (${pct(share * 100)}) ничего не нашли. ` +
        'Пользователям стоит показать, как формулировать запросы' +
        (topics.length ? `; частые темы (${topics.join(', ')}) — повод проверить состав комплектов.` : '.'),
    },
  ];
}

function lowActivity(input: ConclusionInput): Conclusion[] {
  const names: string[] = [];
  for (const i of input.installations) {
    const values = row(i.rows, 'activity').filter((v): v is number => v !== null);
    if (values.length === 0) continue;
    const low = values.filter((v) => v < RULES.activityPerMonth).length;
    if (low / values.length >= RULES.lowActivityShare)
      names.push(`${i.host} (${low} из ${values.length} мес.)`);
  }
  for (const a of input.accesses) {
    const docs = a.rows.find((r) => r.kind === 'docs');
    if (!docs) continue;
    const pcts: number[] = [];
    docs.limits.forEach((limit, k) => {
      const used = docs.used[k];
      if (limit != null && limit > 0 && used != null) pcts.push((used / limit) * 100);
    });
    if (pcts.length === 0) continue;
    const mean = pcts.reduce((s, v) => s + v, 0) / pcts.length;
    if (mean < RULES.docsUsedPct) names.push(`логин ${a.login} (в среднем ${pct(mean)} лимита документов)`);
  }
  if (names.length === 0) return [];
  return [
    {
      rule: 'lowActivity',
      severity: 'risk',
      title: 'Систему используют мало',
      text:
        `Низкая активность: ${names.join('; ')}. Предлагаем обучение пользователей: ` +
        'короткое занятие по поиску и работе с документами обычно заметно повышает пользу от системы.',
    },
  ];
}

function availability(input: ConclusionInput): Conclusion[] {
  const figures = [
    ...input.installations.map((i) => [i.host, i.availabilityYear] as const),
    ...input.accesses.map((a) => [`логин ${a.login}`, a.availabilityYear] as const),
  ].filter((x): x is readonly [string, number] => x[1] !== null);
  if (figures.length === 0) return [];
  return [
    {
      rule: 'availability',
      severity: 'info',
      title: 'Доступность',
      text: `Доступность за год: ${figures.map(([n, v]) => `${n} — ${pct(v)}`).join('; ')}.`,
    },
  ];
}

export function conclude(input: ConclusionInput): Conclusion[] {
  const found = [
    ...seatsShort(input),
    ...seatsUnused(input),
    ...limitsEarly(input),
    ...emptySearches(input),
    ...lowActivity(input),
  ];
  const out = [...found, ...availability(input)];
  if (found.length === 0) {
    out.push({
      rule: 'allGood',
      severity: 'info',
      title: 'Замечаний нет',
      text:
        'По данным за год ни одно из правил отчёта не сработало: нехватки рабочих мест, ранних ' +
        'исчерпаний лимитов, частых пустых запросов и низкой активности не видно.',
    });
  }
  return out;
}
