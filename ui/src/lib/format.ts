/**
 * Numbers and dates as the readers expect them: `1 234,5` in Russian (`1,234.5` in English), dates
 * `dd.MM.yyyy HH:mm` in the browser's time zone.
 */
import { getLang, locale } from '../i18n';

const numberFormats = new Map<string, Intl.NumberFormat>();

function nf(digits: number | 'auto', compact = false): Intl.NumberFormat {
  const key = `${locale()}|${digits}|${compact}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale(), {
      ...(digits === 'auto'
        ? { maximumFractionDigits: 2 }
        : { minimumFractionDigits: digits, maximumFractionDigits: digits }),
      ...(compact ? { notation: 'compact' as const, maximumFractionDigits: 1 } : {}),
    });
    numberFormats.set(key, f);
  }
  return f;
}

/** A number for people; `digits` fixes the decimals, otherwise up to two are shown. */
export function fmtNum(v: number | null | undefined, digits: number | 'auto' = 'auto'): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const d = digits === 'auto' ? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2) : digits;
  return nf(digits === 'auto' ? 'auto' : d).format(digits === 'auto' ? Number(v.toFixed(d)) : v);
}

/** A short number for axes: 3 250 → «3,3 тыс.». */
export function fmtCompact(v: number): string {
  if (Math.abs(v) < 10_000) return fmtNum(v);
  return nf('auto', true).format(v);
}

export function fmtPct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined) return '—';
  return `${fmtNum(v, digits)}%`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** dd.MM.yyyy HH:mm in the browser's zone. */
export function fmtDateTime(ms: number | null | undefined, seconds = false): string {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  const base = `${pad(d.getDate())}.${pad(d.getMonth() + 1)}.${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return seconds ? `${base}:${pad(d.getSeconds())}` : base;
}

/** dd.MM.yyyy in the browser's zone. */
export function fmtDate(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  return `${pad(d.getDate())}.${pad(d.getMonth() + 1)}.${d.getFullYear()}`;
}

/** HH:mm in the browser's zone. */
export function fmtTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** yyyy-MM-dd of the local day (for `<input type="date">`). */
export function isoDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** A duration in the largest sensible unit: «45 с», «12 мин», «3 ч 10 мин», «5 дн.». */
export function fmtDuration(ms: number): string {
  const ru = getLang() === 'ru';
  const a = Math.abs(ms);
  if (a < MIN) return ru ? `${Math.round(a / 1000)} с` : `${Math.round(a / 1000)} s`;
  if (a < HOUR) return ru ? `${Math.round(a / MIN)} мин` : `${Math.round(a / MIN)} min`;
  if (a < DAY) {
    const h = Math.floor(a / HOUR);
    const m = Math.round((a - h * HOUR) / MIN);
    if (ru) return m && h < 10 ? `${h} ч ${m} мин` : `${h} ч`;
    return m && h < 10 ? `${h} h ${m} min` : `${h} h`;
  }
  const d = a / DAY;
  if (d < 60) return ru ? `${fmtNum(Math.floor(d))} дн.` : `${Math.floor(d)} d`;
  if (d < 730) return ru ? `${Math.floor(d / 30)} мес.` : `${Math.floor(d / 30)} mo`;
  return ru ? `${fmtNum(Math.floor(d / 365))} г.` : `${Math.floor(d / 365)} y`;
}
