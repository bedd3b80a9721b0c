/**
 * The texts of notifications, in the existing service's shapes so that people and mail filters
 * recognise them (spec §1.11): Telegram `СМАРТ.<dealer>` / `FIRING <Name>` / `- <object>` lines / the
 * description / the runbook link; e-mail subject `[FIRING:<n>] <Name>` followed by the priority and the
 * clients (keywords for server-side filters), body "Список:" with the objects.
 */
import { requireAlertDef } from './catalogue.js';

export const TELEGRAM_LIMIT = 4096;

export interface MessageItem {
  name: string;
  labels: Record<string, string>;
  text: string;
  value: number | null;
  filename: string | null;
  state: string;
  activeSince: number;
  firedAt: number | null;
  resolvedAt: number | null;
}

export interface Rendered {
  subject: string;
  body: string;
  payload: unknown;
}

export interface RenderInput {
  kind: 'email' | 'telegram' | 'webhook';
  dealerCode: string;
  /** The name shown: the alert, or its Count sibling. */
  name: string;
  status: 'FIRING' | 'RESOLVED';
  items: MessageItem[];
  /** For a Count message: how many instances fire now. */
  count?: number;
  publicUrl: string;
  /** Names the subject and the body use for the clients (distinct, in order). */
}

export function runbookUrl(publicUrl: string, name: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/docs/errors/${name}.md`;
}

/** The object an item is about, as one short line. */
export function objectLine(i: MessageItem): string {
  const l = i.labels;
  const obj = l.url ? `${l.url}/${l.catalog ?? ''} ${l.user ?? ''}`.trim() : (l.host ?? l.dealer ?? '');
  const client = l.client ? `${l.client}: ` : '';
  const detail = i.text ? ` — ${i.text}` : '';
  return `${client}${obj}${detail}`;
}

function clientsOf(items: MessageItem[]): string[] {
  return [...new Set(items.map((i) => i.labels.client).filter((c): c is string => !!c))];
}

function fitLines(header: string, lines: string[], footer: string, limit: number): string {
  let body = header;
  let used = 0;
  for (const line of lines) {
    const rest = lines.length - used - 1;
    const tail = rest > 0 ? `\n… и ещё ${rest}` : '';
    if (body.length + 1 + line.length + tail.length + 1 + footer.length > limit) {
      body += `\n… и ещё ${lines.length - used}`;
      return `${body}\n${footer}`;
    }
    body += `\n${line}`;
    used += 1;
  }
  return `${body}\n${footer}`;
}

export function renderMessage(input: RenderInput): Rendered {
  const def = requireAlertDef(input.name);
  const link = runbookUrl(input.publicUrl, def.name);
  const n = input.count ?? input.items.length;
  const clients = clientsOf(input.items);
  const lines = input.items.map((i) => `- ${objectLine(i)}`);
  const clientWords =
    clients.length === 0
      ? ''
      : ` ${clients.slice(0, 3).join(', ')}${clients.length > 3 ? ` и ещё ${clients.length - 3}` : ''}`;
  const subject =
    input.status === 'FIRING'
      ? `[FIRING:${n}] ${def.name} ${def.priority} ${def.importance}${clientWords}`
      : `[RESOLVED] ${def.name} ${def.priority} ${def.importance}${clientWords}`;
  const payload = {
    version: 1,
    dealer: input.dealerCode,
    status: input.status.toLowerCase(),
    alertname: def.name,
    priority: def.priority,
    importance: def.importance,
    category: def.category,
    count: n,
    runbook: link,
    alerts: input.items.map((i) => ({
      name: i.name,
      state: i.state,
      labels: i.labels,
      text: i.text,
      value: i.value,
      filename: i.filename,
      activeSince: new Date(i.activeSince).toISOString(),
      firedAt: i.firedAt === null ? null : new Date(i.firedAt).toISOString(),
      resolvedAt: i.resolvedAt === null ? null : new Date(i.resolvedAt).toISOString(),
    })),
  };
  if (input.kind === 'telegram') {
    const header = [
      `СМАРТ.${input.dealerCode}`,
      `${input.status} ${def.name}`,
      ...(input.count !== undefined ? [`Объектов: ${n}`] : []),
    ].join('\n');
    const footer = `${def.summary}\nРазвёрнутое описание аварии: ${link}`;
    return { subject, body: fitLines(header, lines, footer, TELEGRAM_LIMIT), payload };
  }
  const body = [
    `${input.status} ${def.name} (${def.priority}, ${def.importance})`,
    def.summary,
    '',
    input.count !== undefined ? `Объектов: ${n}` : '',
    'Список:',
    ...lines,
    ...input.items.filter((i) => i.filename).map((i) => `Файл: ${i.filename}`),
    '',
    `Развёрнутое описание аварии: ${link}`,
  ]
    .filter((l, idx, a) => !(l === '' && a[idx - 1] === ''))
    .join('\n');
  return { subject, body, payload };
}
