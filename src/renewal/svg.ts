/**
 * Bar charts drawn on the server as inline SVG, so the printed report needs no script: twelve month
 * groups, one bar per series, a value axis from 0 with a few round ticks, "нет данных" months empty.
 */
import { escapeHtml } from './escape.js';

export interface BarSeries {
  name: string;
  color: string;
  values: readonly (number | null)[];
}

const W = 680;
const H = 220;
const PAD = { left: 48, right: 8, top: 24, bottom: 36 };

/** A round step giving about four ticks up to `max`. */
function tickStep(max: number): number {
  const raw = max / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * p) return m * p;
  return 10 * p;
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

export function barChart(
  title: string,
  labels: readonly string[],
  series: readonly BarSeries[],
  unit = '',
): string {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = Math.max(1, ...all);
  const step = tickStep(max);
  const top = Math.ceil(max / step) * step;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const groupW = plotW / labels.length;
  const barW = Math.max(2, (groupW * 0.8) / Math.max(1, series.length));
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const parts: string[] = [];
  for (let t = 0; t <= top + 1e-9; t += step) {
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`,
      `<text x="${PAD.left - 4}" y="${y(t) + 4}" text-anchor="end" font-size="10">${fmt(t)}</text>`,
    );
  }
  labels.forEach((label, i) => {
    const gx = PAD.left + i * groupW + groupW * 0.1;
    series.forEach((s, k) => {
      const v = s.values[i];
      if (v === null || v === undefined) return;
      const yy = y(v);
      parts.push(
        `<rect x="${(gx + k * barW).toFixed(1)}" y="${yy.toFixed(1)}" width="${(barW - 1).toFixed(1)}" ` +
          `height="${(PAD.top + plotH - yy).toFixed(1)}" fill="${s.color}"><title>${escapeHtml(
            `${s.name}, ${label}: ${fmt(v)}${unit}`,
          )}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${(PAD.left + (i + 0.5) * groupW).toFixed(1)}" y="${H - PAD.bottom + 14}" ` +
        `text-anchor="middle" font-size="10">${escapeHtml(label)}</text>`,
    );
  });
  const legend = series
    .map(
      (s, k) =>
        `<rect x="${PAD.left + k * 160}" y="${H - 14}" width="10" height="10" fill="${s.color}"/>` +
        `<text x="${PAD.left + k * 160 + 14}" y="${H - 5}" font-size="10">${escapeHtml(s.name)}</text>`,
    )
    .join('');
  return (
    `<svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${W} ${H}" ` +
    `width="100%" xmlns="http://www.w3.org/2000/svg">` +
    `<text x="${PAD.left}" y="14" font-size="12" font-weight="bold">${escapeHtml(title)}</text>` +
    parts.join('') +
    legend +
    '</svg>'
  );
}
