/**
 * Runbooks: `GET /docs/errors/<Name>.md`, the "Развёрнутое описание аварии" link of every alert message
 * (spec §1.11), and `GET /docs/errors/`, the index. Public, like the existing service's links.
 *
 * The name comes from the URL but is only ever looked up in the alert catalogue: a file is read from
 * docs/errors only under a catalogue name, so nothing in the URL reaches the file system. An alias serves
 * its primary's page. A browser (Accept with text/html) gets HTML, anyone else the markdown.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Marked } from 'marked';
import {
  ALERT_CATEGORIES,
  CATALOGUE,
  alertDef,
  type AlertCategory,
  type AlertClass,
  type AlertDef,
  type AlertSource,
} from '../../alerts/catalogue.js';

export interface RunbookRouteOptions {
  /** Where the runbooks are (default: docs/errors of the package). Tests point it elsewhere. */
  dir?: string;
}

/** The directory holding package.json, walking up from `from` (works from src/ under tsx and from dist/). */
export function findPackageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(from);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json in any directory above ${from}`);
    dir = up;
  }
}

/** docs/errors of the package. */
export function runbookDir(): string {
  return path.join(findPackageRoot(), 'docs', 'errors');
}

const CATEGORY_TITLES: Record<AlertCategory, string> = {
  db: 'Базы данных и OperUp',
  network: 'Сеть и доступность по сети',
  availability: 'Режим обслуживания ПК',
  senselock: 'Ключ SenseLock',
  licence: 'Лицензии и рабочие места',
  licman: 'Менеджер лицензий',
  users: 'Пользователи и поиск',
  online: 'Онлайн-доступы',
  collection: 'Сбор данных',
  other: 'Прочие проверки ПК',
  delivery: 'Доставка уведомлений',
};

const CLASS_TEXT: Record<AlertClass, string> = {
  high: 'менеджерам на почту, в ящик высокого приоритета и в чаты Telegram',
  normal: 'менеджерам на почту',
  analytics: 'менеджерам на почту и в аналитический ящик',
};

const CLASS_SHORT: Record<AlertClass, string> = {
  high: 'почта + Telegram',
  normal: 'почта',
  analytics: 'почта + аналитика',
};

const SOURCE_TEXT: Record<AlertSource, string> = {
  sysinfo: 'отчёт sysinfo',
  status: 'метрики СМАРТ.Статус',
  probe: 'сетевые проверки СМАРТ',
  online: 'опрос онлайн-доступа',
  ingest: 'приём отчётов агентов',
  engine: 'подсчёт горящих алертов у дилера',
  delivery: 'доставка уведомлений',
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A markdown table cell: no pipes, no line breaks. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
}

/** Only relative links and http(s)/mailto: a `javascript:` link in a runbook renders as plain text. */
function safeHref(href: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(href.trim());
  return !scheme || ['http', 'https', 'mailto'].includes(scheme[1]!.toLowerCase());
}

/** Markdown to HTML with raw HTML shown as text, unsafe links as their text, and no images. */
function makeRenderer(): (markdown: string) => string {
  const marked = new Marked({ gfm: true, async: false });
  marked.use({
    renderer: {
      html(token) {
        const text = escapeHtml(token.text);
        return token.block ? `<p>${text}</p>\n` : text;
      },
      link(token) {
        if (safeHref(token.href)) return false;
        return this.parser.parseInline(token.tokens);
      },
      image(token) {
        return escapeHtml(token.text);
      },
    },
  });
  return (markdown) => marked.parse(markdown, { async: false });
}

const STYLE = `
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff}
main{max-width:54rem;margin:0 auto;padding:1rem 1.25rem 3rem}
nav{max-width:54rem;margin:0 auto;padding:.75rem 1.25rem 0;font-size:.9rem}
h1{font-size:1.7rem;margin:.5rem 0 .75rem;word-break:break-word}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem;padding-bottom:.2rem;border-bottom:1px solid #d0d7de}
a{color:#0969da}
code{font:.9em ui-monospace,SFMono-Regular,Consolas,monospace;background:#f3f4f6;padding:.1em .3em;border-radius:4px}
table{border-collapse:collapse;width:100%;margin:.75rem 0;font-size:.92rem;display:block;overflow-x:auto}
th,td{border:1px solid #d0d7de;padding:.35rem .55rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
hr{border:0;border-top:1px solid #d0d7de;margin:2rem 0 1rem}
@media (prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}a{color:#58a6ff}
code{background:#161b22}th{background:#161b22}th,td,h2,hr{border-color:#30363d}}
`;

function htmlPage(title: string, body: string, back: string | null): string {
  const nav = back === null ? '' : `<nav><a href="${escapeHtml(back)}">← Все алерты СМАРТ</a></nav>\n`;
  return (
    '<!doctype html>\n<html lang="ru">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${nav}<main>\n${body}</main>\n</body>\n</html>\n`
  );
}

/** The facts of an alert, from the catalogue, appended to its runbook so that they never go stale. */
function passport(d: AlertDef): string {
  const lines = [
    '',
    '---',
    '',
    '## Параметры алерта',
    '',
    `- Приоритет: **${d.priority}**, важность: **${d.importance}**` +
      (d.stated ? ' (заданы прежним сервисом)' : ''),
    `- Кому приходит: ${CLASS_TEXT[d.class]}`,
    `- Источник данных: ${d.sources.map((s) => SOURCE_TEXT[s]).join(', ')}`,
  ];
  if (d.aliases.length) lines.push(`- Другие имена: ${d.aliases.map((a) => `\`${a}\``).join(', ')}`);
  if (d.countOf) lines.push(`- Считает экземпляры алерта [${d.countOf}](${d.countOf}.md)`);
  const sibling = alertDef(`${d.name}Count`);
  if (sibling && d.countThreshold !== undefined) {
    lines.push(
      `- Когда у дилера одновременно горит больше ${d.countThreshold} экземпляров, в Telegram вместо них приходит ` +
        `сводка [${sibling.name}](${sibling.name}.md)`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The index, with links relative to `base` ('' under /docs/errors/, 'errors/' under /docs/errors). */
function indexMarkdown(base: string): string {
  const out = [
    '# Алерты СМАРТ',
    '',
    'Описание каждого алерта СМАРТ: что он значит, почему возникает, что проверить и как исправить. ' +
      'Приоритет от K1 (самый высокий) до K5 (самый низкий), важность — info или critical.',
  ];
  for (const category of ALERT_CATEGORIES) {
    const defs = CATALOGUE.filter((d) => d.category === category);
    if (!defs.length) continue;
    out.push('', `## ${CATEGORY_TITLES[category]}`, '');
    out.push(
      '| Алерт | Приоритет | Важность | Куда | Что означает | Другие имена |',
      '|---|---|---|---|---|---|',
    );
    for (const d of defs) {
      const aliases = d.aliases.map((a) => `\`${a}\``).join(', ');
      out.push(
        `| [${d.name}](${base}${d.name}.md) | ${d.priority} | ${d.importance} | ${CLASS_SHORT[d.class]} | ` +
          `${cell(d.summary)} | ${cell(aliases)} |`,
      );
    }
  }
  return out.join('\n') + '\n';
}

function wantsHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept;
  return typeof accept === 'string' && accept.toLowerCase().includes('text/html');
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT';
}

export async function runbookRoutes(app: FastifyInstance, opts: RunbookRouteOptions = {}): Promise<void> {
  const dir = opts.dir ?? runbookDir();
  const render = makeRenderer();
  /** Markdown (file + passport) by primary name; a missing file is not cached, so adding it later works. */
  const markdownCache = new Map<string, Promise<string | null>>();
  const htmlCache = new Map<string, string>();
  const lowerNames = new Map(
    CATALOGUE.flatMap((d) => [d.name, ...d.aliases]).map((n) => [n.toLowerCase(), n] as const),
  );

  function runbook(d: AlertDef): Promise<string | null> {
    let hit = markdownCache.get(d.name);
    if (!hit) {
      // d.name comes from the catalogue, never from the request.
      hit = readFile(path.join(dir, `${d.name}.md`), 'utf8').then(
        (text) => text.replace(/\r\n/g, '\n').trimEnd() + '\n' + passport(d),
        (err: unknown) => {
          markdownCache.delete(d.name);
          if (isNotFound(err)) return null;
          throw err;
        },
      );
      markdownCache.set(d.name, hit);
    }
    return hit;
  }

  function send(
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    title: string,
    md: string,
    back: string | null,
    key?: string,
  ) {
    reply.code(status).header('vary', 'Accept').header('x-content-type-options', 'nosniff');
    if (!wantsHtml(req)) return reply.type('text/markdown; charset=utf-8').send(md);
    let html = key === undefined ? undefined : htmlCache.get(key);
    if (html === undefined) {
      html = htmlPage(title, render(md), back);
      if (key !== undefined) htmlCache.set(key, html);
    }
    return reply
      .type('text/html; charset=utf-8')
      .header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      )
      .send(html);
  }

  function notFound(req: FastifyRequest, reply: FastifyReply, message: string, russian: string) {
    reply.code(404).header('vary', 'Accept');
    if (!wantsHtml(req)) {
      return reply.type('application/json; charset=utf-8').send({ error: 'not_found', message });
    }
    const body = `<h1>Описание не найдено</h1>\n<p>${escapeHtml(russian)}</p>\n`;
    return reply.type('text/html; charset=utf-8').send(htmlPage('Описание не найдено', body, './'));
  }

  const index = (base: string) => async (req: FastifyRequest, reply: FastifyReply) =>
    send(req, reply, 200, 'Алерты СМАРТ', indexMarkdown(base), null, `index:${base}`);

  app.get('/docs/errors/', { schema: { hide: true } }, index(''));
  if (!app.hasRoute({ method: 'GET', url: '/docs/errors' })) {
    app.get('/docs/errors', { schema: { hide: true } }, index('errors/'));
  }

  app.get<{ Params: { file: string } }>(
    '/docs/errors/:file',
    { schema: { hide: true } },
    async (req, reply) => {
      const file = req.params.file;
      const name = file.endsWith('.md') ? file.slice(0, -3) : file;
      const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
      const d = alertDef(name);
      if (!d) {
        const near = lowerNames.get(name.toLowerCase());
        const hint = near ? ` Did you mean ${near}.md?` : '';
        const hintRu = near ? ` Возможно, вы имели в виду ${near}.md.` : '';
        return notFound(
          req,
          reply,
          `no alert named "${shown}": see /docs/errors/ for the list.${hint}`,
          `Алерта «${shown}» нет в каталоге СМАРТ.${hintRu} Список всех алертов — по ссылке выше.`,
        );
      }
      const md = await runbook(d);
      if (md === null) {
        req.log.warn({ alert: d.name, dir }, 'runbook file is missing');
        return notFound(
          req,
          reply,
          `the runbook of ${d.name} has not been written yet`,
          `Описание алерта ${d.name} ещё не написано.`,
        );
      }
      return send(req, reply, 200, d.name, md, './', d.name);
    },
  );
}
