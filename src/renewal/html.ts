/**
 * The ЛПР report as one self-contained, print-ready HTML page: inline CSS (A4, page breaks before
 * the big sections), server-drawn SVG charts, no script and no external resource, so it can be saved,
 * mailed or printed to PDF from any browser. Every text from the data is escaped.
 */
import type { Change, MetricRow } from './contract.js';
import { escapeHtml as e } from './escape.js';
import { RU_MONTHS } from './months.js';
import type { RenewalReport } from './report-data.js';
import { barChart } from './svg.js';
import { METRIC_TITLES, ONLINE_TITLES } from './titles.js';

const NO_DATA = 'нет данных';
const nf = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 1 });
const num = (v: number | null) => (v === null ? `<span class="nd">${NO_DATA}</span>` : nf.format(v));
const change = (c: Change) => {
  if (c === null) return '<span class="nd">—</span>';
  if (c === 'inf') return '∞';
  const cls = c > 0 ? 'up' : c < 0 ? 'down' : '';
  return `<span class="${cls}">${c > 0 ? '+' : ''}${nf.format(c)} %</span>`;
};
const SHORT = RU_MONTHS.map((m) => m.slice(0, 3));

const CSS = `
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font: 11pt/1.4 "Segoe UI", Arial, sans-serif; color: #1d2733; margin: 0 auto; max-width: 190mm; padding: 8mm 0; }
h1 { font-size: 18pt; margin: 0 0 4pt; }
h2 { font-size: 13pt; margin: 16pt 0 6pt; border-bottom: 1px solid #c9d3de; padding-bottom: 2pt; }
h3 { font-size: 11pt; margin: 10pt 0 4pt; }
.meta { color: #5b6b7c; margin-bottom: 8pt; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; margin-bottom: 6pt; }
th, td { border: 1px solid #d5dde6; padding: 2pt 3pt; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #eef2f6; }
tr.chg td { color: #5b6b7c; font-style: italic; }
.nd { color: #9aa7b4; }
.up { color: #1c7c3a; }
.down { color: #b3261e; }
.zero { background: #fde2e0; }
.tiles { display: flex; flex-wrap: wrap; gap: 6pt; }
.tile { border: 1px solid #d5dde6; border-radius: 4pt; padding: 4pt 8pt; min-width: 36mm; }
.tile b { display: block; font-size: 14pt; }
.concl { border-left: 4pt solid #8aa1b8; padding: 3pt 8pt; margin: 4pt 0; background: #f6f8fa; }
.concl.upsell { border-color: #1c6fd1; }
.concl.risk { border-color: #d18b1c; }
.concl h3 { margin: 0; }
.chart { margin: 4pt 0 8pt; }
.break { break-before: page; page-break-before: always; }
@media print { body { padding: 0; } a { color: inherit; text-decoration: none; } }
`;

function monthHead(first: string): string {
  return `<thead><tr><th>${e(first)}</th>${SHORT.map((m) => `<th>${m}</th>`).join('')}</tr></thead>`;
}

function metricTable(rows: readonly MetricRow[]): string {
  const body = rows
    .map((r) => {
      const t = METRIC_TITLES[r.metric];
      return (
        `<tr><td>${e(t.value)}</td>${r.values.map((v) => `<td>${num(v)}</td>`).join('')}</tr>` +
        `<tr class="chg"><td>${e(t.change)}</td>${r.changes.map((c) => `<td>${change(c)}</td>`).join('')}</tr>`
      );
    })
    .join('');
  return `<table class="months">${monthHead('Показатель')}<tbody>${body}</tbody></table>`;
}

function yearSum(row: MetricRow | undefined): number {
  return (row?.values ?? []).reduce<number>((s, v) => s + (v ?? 0), 0);
}

function summary(r: RenewalReport): string {
  const by = (m: MetricRow['metric']) => r.totals.find((x) => x.metric === m);
  const tiles: [string, string][] = [];
  if (r.installations.length > 0) {
    tiles.push(['Запрошено документов', nf.format(yearSum(by('docsRequested')))]);
    tiles.push(['Активность за год', nf.format(yearSum(by('activity')))]);
    tiles.push(['Отказов во входе', nf.format(yearSum(by('refused')))]);
  }
  if (r.accesses.length > 0) {
    const docs = r.accesses.flatMap((a) => a.rows.find((x) => x.kind === 'docs')?.used ?? []);
    tiles.push(['Документов в онлайн-доступах', nf.format(docs.reduce<number>((s, v) => s + (v ?? 0), 0))]);
  }
  tiles.push(['Поисковых запросов', nf.format(r.searches)]);
  tiles.push([
    'Из них без результата',
    r.searches > 0 ? `${nf.format((r.emptySearches / r.searches) * 100)} %` : NO_DATA,
  ]);
  return `<div class="tiles">${tiles
    .map(([k, v]) => `<div class="tile">${e(k)}<b>${e(v)}</b></div>`)
    .join('')}</div>`;
}

function installationsSection(r: RenewalReport): string {
  if (r.installations.length === 0) return '';
  const byMetric = (m: MetricRow['metric']) => r.totals.find((x) => x.metric === m)?.values ?? [];
  const chart = barChart('Активность и запрошенные документы по месяцам', SHORT, [
    { name: 'Активность', color: '#1c6fd1', values: byMetric('activity') },
    { name: 'Документы', color: '#7fb069', values: byMetric('docsRequested') },
  ]);
  const hosts = r.installations.map((i) => e(i.host)).join(', ');
  const seats = r.installations
    .map(
      (i) =>
        `<tr><td>${e(i.host)}: рабочих мест</td>${i.seats.map((v) => `<td>${num(v)}</td>`).join('')}</tr>` +
        `<tr><td>${e(i.host)}: занято одновременно, макс.</td>${i.maxInUse
          .map((v, k) => {
            const s = i.seats[k];
            const full = v !== null && s !== null && s !== undefined && s > 0 && v >= s;
            return `<td${full ? ' class="zero"' : ''}>${num(v)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  return (
    `<h2 class="break">Данные для пролонгации: установки</h2>` +
    `<p class="meta">Установки: ${hosts}. Изменение к предыдущему месяцу: (текущий − предыдущий) ÷ ` +
    `предыдущий × 100; ∞ — в предыдущем месяце был 0.</p>` +
    metricTable(r.totals) +
    chart +
    `<h3>Рабочие места</h3><table>${monthHead('Установка')}<tbody>${seats}</tbody></table>`
  );
}

function onlineSection(r: RenewalReport): string {
  if (r.accesses.length === 0) return '';
  const parts = r.accesses.map((a) => {
    const rows = a.rows
      .map((row) => {
        const t = ONLINE_TITLES[row.kind];
        const rem = row.remaining
          .map((v, k) => {
            const d = row.exhaustedDay[k];
            const note = d !== null && d !== undefined ? ` <small>(0 с ${d}-го)</small>` : '';
            return `<td${v === 0 ? ' class="zero"' : ''}>${num(v)}${note}</td>`;
          })
          .join('');
        return (
          `<tr><td>${e(t.remaining)}</td>${rem}</tr>` +
          `<tr class="chg"><td>${e(t.used)}, изменение</td>${row.changes.map((c) => `<td>${change(c)}</td>`).join('')}</tr>`
        );
      })
      .join('');
    const docs = a.rows.find((x) => x.kind === 'docs');
    const pct = (docs?.used ?? []).map((u, k) => {
      const l = docs?.limits[k];
      return u === null || l === null || l === undefined || l <= 0 ? null : Math.round((u / l) * 1000) / 10;
    });
    return (
      `<h3>Логин ${e(a.login)} (${e(a.host)}/${e(a.catalog)})</h3>` +
      `<table>${monthHead('Показатель')}<tbody>${rows}</tbody></table>` +
      barChart(`Использование лимита документов, % — ${a.login}`, SHORT, [
        { name: '% лимита документов', color: '#1c6fd1', values: pct },
      ])
    );
  });
  return `<h2 class="break">Биллинг Онлайн. Данные для пролонгации</h2>${parts.join('')}`;
}

function availabilitySection(r: RenewalReport): string {
  const rows = [
    ...r.installations.map((i) => [i.host, i.availability, i.availabilityYear] as const),
    ...r.accesses.map((a) => [`Логин ${a.login}`, a.availability, a.availabilityYear] as const),
  ].filter(([, , y]) => y !== null);
  if (rows.length === 0) return '';
  const pct = (v: number | null) => (v === null ? `<span class="nd">${NO_DATA}</span>` : `${nf.format(v)} %`);
  const body = rows
    .map(
      ([name, months, year]) =>
        `<tr><td>${e(name)}</td>${months.map((v) => `<td>${pct(v)}</td>`).join('')}<td><b>${pct(year)}</b></td></tr>`,
    )
    .join('');
  return (
    `<h2>Доступность</h2><p class="meta">Доля успешных проверок: веб-интерфейс ПК для установок, вход в ` +
    `онлайн-доступ.</p><table><thead><tr><th>Объект</th>${SHORT.map((m) => `<th>${m}</th>`).join('')}` +
    `<th>Год</th></tr></thead><tbody>${body}</tbody></table>`
  );
}

function topicsSection(r: RenewalReport): string {
  if (r.emptyTopics.length === 0) return '';
  const body = r.emptyTopics
    .map((t) => `<tr><td>${e(t.query)}</td><td>${nf.format(t.count)}</td></tr>`)
    .join('');
  return (
    `<h2>Частые запросы без результата</h2><p class="meta">Что искали и не нашли: темы для обучения и ` +
    `для проверки состава комплектов.</p><table><thead><tr><th>Запрос</th><th>Раз</th></tr></thead>` +
    `<tbody>${body}</tbody></table>`
  );
}

export function renderReportHtml(r: RenewalReport): string {
  const generated = new Date(r.generatedAt + 180 * 60_000).toISOString().slice(0, 10);
  const conclusions = r.conclusions
    .map(
      (c) =>
        `<div class="concl ${c.severity}" data-rule="${c.rule}"><h3>${e(c.title)}</h3><p>${e(c.text)}</p></div>`,
    )
    .join('');
  return (
    `<!doctype html>
<html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(`Отчёт за ${r.year} год — ${r.client}`)}</title>
<style>${CSS}</style></head>
<body>
<h1>Отчёт об использовании системы за ${r.year} год</h1>
<div class="meta">Клиент: <b>${e(r.client)}</b>${r.legalName ? ` (${e(r.legalName)})` : ''}` +
    `${r.managers.length ? ` · Менеджер: ${e(r.managers.join(', '))}` : ''} · Сформирован ${generated}</div>
<h2>Выводы</h2>
${conclusions}
<h2>Сводка</h2>
${summary(r)}
${availabilitySection(r)}
${topicsSection(r)}
${installationsSection(r)}
${onlineSection(r)}
</body></html>
`
  );
}
