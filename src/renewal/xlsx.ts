/**
 * The ЛПР report as an XLSX workbook: «Сводка», «По месяцам» (064), «Онлайн» (081), «Доступность»,
 * «Пустые запросы», «Выводы». Figures are numbers (a manager sums and charts them in Excel); a month
 * without data is an empty cell, an infinite change is the text «∞».
 */
import ExcelJS from 'exceljs';
import type { Change, MetricRow } from './contract.js';
import { RU_MONTHS } from './months.js';
import type { RenewalReport } from './report-data.js';
import { METRIC_TITLES, ONLINE_TITLES } from './titles.js';

export const SHEETS = ['Сводка', 'По месяцам', 'Онлайн', 'Доступность', 'Пустые запросы', 'Выводы'] as const;

type Cell = string | number | null;

const changeCell = (c: Change): Cell => (c === 'inf' ? '∞' : c);
const yearSum = (values: readonly (number | null)[]) => values.reduce<number>((s, v) => s + (v ?? 0), 0);

function header(ws: ExcelJS.Worksheet, first: string, extra: string[] = []): void {
  const row = ws.addRow([first, ...RU_MONTHS, ...extra]);
  row.font = { bold: true };
  ws.getColumn(1).width = 60;
  for (let c = 2; c <= 13 + extra.length; c++) ws.getColumn(c).width = 11;
}

function metricRows(ws: ExcelJS.Worksheet, rows: readonly MetricRow[], prefix = ''): void {
  for (const r of rows) {
    const t = METRIC_TITLES[r.metric];
    ws.addRow([prefix + t.value, ...r.values, yearSum(r.values)]);
    const chg = ws.addRow([prefix + t.change, ...r.changes.map(changeCell)]);
    chg.font = { italic: true };
  }
}

export async function renderReportXlsx(r: RenewalReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'SMART';
  wb.created = new Date(r.generatedAt);

  const summary = wb.addWorksheet('Сводка');
  summary.getColumn(1).width = 40;
  summary.getColumn(2).width = 40;
  const sum = (m: MetricRow['metric']) => yearSum(r.totals.find((x) => x.metric === m)?.values ?? []);
  const pairs: [string, Cell][] = [
    ['Клиент', r.client],
    ['Юридическое лицо', r.legalName],
    ['Год', r.year],
    ['Менеджер', r.managers.join(', ')],
    ['Установок', r.installations.length],
    ['Онлайн-доступов', r.accesses.length],
    ['Запрошено документов', sum('docsRequested')],
    ['Сохранено документов', sum('docsSaved')],
    ['Распечатано', sum('docsPrinted')],
    ['Отказов во входе из-за нехватки лицензий', sum('refused')],
    ['Активность', sum('activity')],
    ['Поисковых запросов', r.searches],
    ['Из них без результата', r.emptySearches],
  ];
  for (const a of r.accesses) {
    const docs = a.rows.find((x) => x.kind === 'docs');
    pairs.push([`Документов использовано, логин ${a.login}`, yearSum(docs?.used ?? [])]);
  }
  for (const [k, v] of pairs) summary.addRow([k, v]);

  const months = wb.addWorksheet('По месяцам');
  header(months, 'Показатель', ['За год']);
  metricRows(months, r.totals);
  if (r.installations.length > 1) {
    for (const i of r.installations) {
      months.addRow([]);
      months.addRow([i.host]).font = { bold: true };
      metricRows(months, i.rows);
    }
  }
  months.addRow([]);
  for (const i of r.installations) {
    months.addRow([`${i.host}: рабочих мест`, ...i.seats]);
    months.addRow([`${i.host}: занято одновременно, макс.`, ...i.maxInUse]);
  }

  const online = wb.addWorksheet('Онлайн');
  header(online, 'Показатель', ['За год']);
  for (const a of r.accesses) {
    online.addRow([`Логин ${a.login} (${a.host}/${a.catalog})`]).font = { bold: true };
    for (const row of a.rows) {
      const t = ONLINE_TITLES[row.kind];
      online.addRow([t.remaining, ...row.remaining]);
      online.addRow([`${t.used}`, ...row.used, yearSum(row.used)]);
      online.addRow([`${t.used}: % изменения к предыдущему месяцу`, ...row.changes.map(changeCell)]).font = {
        italic: true,
      };
      online.addRow([`${t.remaining}: день, когда остаток стал 0`, ...row.exhaustedDay]);
    }
    online.addRow([]);
  }

  const avail = wb.addWorksheet('Доступность');
  header(avail, 'Объект, % успешных проверок', ['За год']);
  for (const i of r.installations) avail.addRow([i.host, ...i.availability, i.availabilityYear]);
  for (const a of r.accesses) avail.addRow([`Логин ${a.login}`, ...a.availability, a.availabilityYear]);

  const topics = wb.addWorksheet('Пустые запросы');
  topics.getColumn(1).width = 60;
  topics.addRow(['Запрос', 'Раз']).font = { bold: true };
  for (const t of r.emptyTopics) topics.addRow([t.query, t.count]);

  const concl = wb.addWorksheet('Выводы');
  concl.getColumn(1).width = 40;
  concl.getColumn(2).width = 120;
  concl.addRow(['Вывод', 'Пояснение']).font = { bold: true };
  for (const c of r.conclusions) concl.addRow([c.title, c.text]);

  return Buffer.from(await wb.xlsx.writeBuffer());
}
