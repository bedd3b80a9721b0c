import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, alertDef, allAlertNames } from '../../src/alerts/catalogue.js';
import { findPackageRoot, runbookDir, runbookRoutes } from '../../src/http/routes/runbooks.js';

const SECTIONS = ['Что это значит', 'Вероятные причины', 'Что проверить', 'Как исправить'];
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const PRIMARY = CATALOGUE.map((d) => d.name);
const NOT_HTML: Record<string, string>[] = [{}, { accept: 'text/markdown' }, { accept: '*/*' }];

async function start(opts: { dir?: string } = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = fastify({ logger: false });
  await app.register(runbookRoutes, opts);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

/** The `href`s of the `<a>` elements of a page. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/<a href="([^"]*)"/g)].map((m) => m[1]!.replace(/&#38;/g, '&'));
}

describe('runbook pages', () => {
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => ({ app, url } = await start()));
  afterAll(async () => app.close());

  it('answers every catalogue name and alias as HTML to a browser', async () => {
    for (const name of allAlertNames()) {
      const primary = alertDef(name)!.name;
      const res = await fetch(`${url}/docs/errors/${name}.md`, { headers: HTML });
      const html = await res.text();
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('vary')).toMatch(/accept/i);
      expect(html).toMatch(/^<!doctype html>\n<html lang="ru">/);
      expect(html).toContain(`<title>${primary}</title>`);
      expect(html).toContain(`<h1>${primary}</h1>`);
      for (const s of SECTIONS) expect(html, `${name}: ${s}`).toContain(`<h2>${s}</h2>`);
      expect(hrefs(html)).toContain('./');
    }
  });

  it('answers every catalogue name and alias as markdown to anyone else', async () => {
    for (const name of allAlertNames()) {
      const primary = alertDef(name)!.name;
      for (const headers of NOT_HTML) {
        const res = await fetch(`${url}/docs/errors/${name}.md`, { headers });
        const md = await res.text();
        expect(res.status, name).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
        expect(md.startsWith(`# ${primary}\n`), name).toBe(true);
        for (const s of SECTIONS) expect(md, `${name}: ${s}`).toContain(`\n## ${s}\n`);
      }
    }
  });

  it('serves the examples of the existing service: KodeksDBerrorsCode1 and OnlineBillingSearch150', async () => {
    const a = await fetch(`${url}/docs/errors/KodeksDBerrorsCode1.md`);
    expect(a.status).toBe(200);
    expect(await a.text()).toMatch(/^# KodeksDBerrorsNoCode\n/);
    const b = await fetch(`${url}/docs/errors/OnlineBillingSearch150.md`, { headers: HTML });
    expect(b.status).toBe(200);
    expect(await b.text()).toContain('<h1>OnlineBillingSearchLeft150</h1>');
  });

  it('appends the catalogue facts (priority, importance, aliases) to each page', async () => {
    const md = await (await fetch(`${url}/docs/errors/KodeksDBOperUpToOld.md`)).text();
    expect(md).toContain('## Параметры алерта');
    expect(md).toContain('Приоритет: **K5**, важность: **info**');
    expect(md).toContain('`KodeksDBOperUpTooOld`');
    expect(md).toContain('[KodeksDBOperUpToOldCount](KodeksDBOperUpToOldCount.md)');
  });

  it('links between runbooks and back to the index resolve', async () => {
    const seen = new Set<string>();
    for (const name of PRIMARY) {
      const page = `${url}/docs/errors/${name}.md`;
      const html = await (await fetch(page, { headers: HTML })).text();
      for (const href of hrefs(html)) seen.add(new URL(href, page).href);
    }
    expect(seen.size).toBeGreaterThan(PRIMARY.length / 2);
    for (const link of seen) {
      const res = await fetch(link, { headers: HTML });
      expect(res.status, link).toBe(200);
    }
  });

  it('answers 404 with a clear message for an unknown name', async () => {
    const res = await fetch(`${url}/docs/errors/KodeksNoSuchAlert.md`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: 'not_found',
      message: 'no alert named "KodeksNoSuchAlert": see /docs/errors/ for the list.',
    });
    const html = await fetch(`${url}/docs/errors/KodeksNoSuchAlert.md`, { headers: HTML });
    expect(html.status).toBe(404);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await html.text()).toContain('Алерта «KodeksNoSuchAlert» нет в каталоге СМАРТ.');
    const wrongCase = await fetch(`${url}/docs/errors/kodeksicmp.md`);
    expect(wrongCase.status).toBe(404);
    expect(((await wrongCase.json()) as { message: string }).message).toContain(
      'Did you mean KodeksIcmp.md?',
    );
  });

  it('escapes the name in the HTML 404 page', async () => {
    const res = await fetch(`${url}/docs/errors/%3Cscript%3Ealert(1)%3C%2Fscript%3E.md`, { headers: HTML });
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
  });

  it('never reads a path from the URL', async () => {
    const attempts = [
      '..%2Fpackage.json',
      '..%2F..%2Fpackage.json',
      '%2E%2E%2Fpackage.json',
      '..%5Cpackage.json',
      '..%2F..%2Fdocs%2Ferrors%2FKodeksIcmp.md',
      'KodeksIcmp.md%2F..%2F..%2F..%2Fpackage.json',
      'KodeksIcmp.md%00',
      '%2Fetc%2Fpasswd',
      'package.json',
      '__proto__.md',
      'constructor.md',
      'KodeksIcmp.md.md',
    ];
    for (const a of attempts) {
      const res = await fetch(`${url}/docs/errors/${a}`);
      const body = await res.text();
      expect(res.status, a).toBe(404);
      expect(body, a).not.toContain('"name": "smart"');
      expect(body, a).not.toContain('root:');
    }
    // fetch resolves dot segments itself; the server sees /package.json, which it does not serve.
    const dots = await fetch(`${url}/docs/errors/../../package.json`);
    expect(dots.status).toBe(404);
    expect(await dots.text()).not.toContain('"name": "smart"');
  });
});

describe('runbook index', () => {
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => ({ app, url } = await start()));
  afterAll(async () => app.close());

  for (const suffix of ['/docs/errors/', '/docs/errors']) {
    it(`${suffix} lists every primary name, grouped by category, with working links`, async () => {
      const page = `${url}${suffix}`;
      const md = await fetch(page);
      expect(md.status).toBe(200);
      expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
      const text = await md.text();
      expect(text).toMatch(/^# Алерты СМАРТ\n/);
      expect(text).toContain('## Базы данных и OperUp');
      expect(text).toContain('## Онлайн-доступы');
      for (const d of CATALOGUE) {
        expect(text, d.name).toMatch(
          new RegExp(`\\[${d.name}\\]\\([a-z/]*${d.name}\\.md\\) \\| ${d.priority} \\| ${d.importance} \\|`),
        );
      }

      const res = await fetch(page, { headers: HTML });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<html lang="ru">');
      expect(html).toContain('<h1>Алерты СМАРТ</h1>');
      const links = hrefs(html).map((h) => new URL(h, page).pathname);
      for (const name of PRIMARY) expect(links).toContain(`/docs/errors/${name}.md`);
      for (const link of links.slice(0, 5)) expect((await fetch(`${url}${link}`)).status).toBe(200);
    });
  }
});

describe('runbook rendering', () => {
  let dir: string;
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-runbooks-'));
    fs.writeFileSync(
      path.join(dir, 'KodeksIcmp.md'),
      [
        '# KodeksIcmp',
        '',
        'Текст <script>alert(1)</script> и <b onclick="x()">жирный</b>.',
        '',
        '<div><img src=x onerror="alert(2)"></div>',
        '',
        '[плохая ссылка](javascript:alert(3)) [хорошая](KodeksTcpStatus.md) [внешняя](https://example.org/)',
        '',
        '![картинка](https://example.org/x.png)',
        '',
        '## Что это значит',
        '',
      ].join('\n'),
    );
    ({ app, url } = await start({ dir }));
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows raw HTML as text, drops unsafe links and images', async () => {
    const res = await fetch(`${url}/docs/errors/KodeksIcmp.md`, { headers: HTML });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    const main = html.slice(html.indexOf('<main>'));
    expect(main).not.toMatch(/<(script|b|div|img)[\s>]/i);
    expect(main).not.toContain('javascript:');
    expect(main).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(main).toContain('плохая ссылка');
    expect(main).toContain('<a href="KodeksTcpStatus.md">хорошая</a>');
    expect(main).toContain('<a href="https://example.org/">внешняя</a>');
  });

  it('reads a file once and keeps it in memory', async () => {
    const first = await (await fetch(`${url}/docs/errors/KodeksIcmp.md`)).text();
    fs.writeFileSync(path.join(dir, 'KodeksIcmp.md'), '# changed\n');
    const second = await (await fetch(`${url}/docs/errors/KodeksIcmp.md`)).text();
    expect(second).toBe(first);
  });

  it('answers 404 for a catalogue name whose runbook is missing', async () => {
    const res = await fetch(`${url}/docs/errors/KodeksTcpStatus.md`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toBe(
      'the runbook of KodeksTcpStatus has not been written yet',
    );
  });
});

describe('docs/errors', () => {
  const dir = runbookDir();
  const files = fs.readdirSync(dir);

  it('is found from src/ and from dist/ alike', () => {
    const root = findPackageRoot();
    expect(fs.existsSync(path.join(root, 'package.json'))).toBe(true);
    expect(dir).toBe(path.join(root, 'docs', 'errors'));
    expect(findPackageRoot(path.join(root, 'dist', 'http', 'routes', 'runbooks.js'))).toBe(root);
  });

  it('has a runbook for every primary name and nothing else (no orphans, no alias files)', () => {
    const orphans = files.filter((f) => !PRIMARY.includes(f.replace(/\.md$/, '')) || !f.endsWith('.md'));
    expect(orphans).toEqual([]);
    expect(PRIMARY.filter((n) => !files.includes(`${n}.md`))).toEqual([]);
  });

  it('every runbook has the structure and links only to primary names', () => {
    for (const f of files) {
      const name = f.replace(/\.md$/, '');
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      const lines = text.trimEnd().split('\n');
      expect(lines[0], f).toBe(`# ${name}`);
      expect(lines[1], f).toBe('');
      expect(lines[2]?.length, f).toBeGreaterThan(10);
      expect(lines.length, f).toBeGreaterThanOrEqual(20);
      expect(lines.length, f).toBeLessThanOrEqual(60);
      let at = 0;
      for (const s of SECTIONS) {
        const i = lines.indexOf(`## ${s}`);
        expect(i, `${f}: ${s}`).toBeGreaterThan(at);
        at = i;
      }
      for (const [, target] of text.matchAll(/\]\(([^)]+)\)/g)) {
        expect(
          PRIMARY.map((n) => `${n}.md`),
          `${f} → ${target}`,
        ).toContain(target);
      }
      expect(text, f).not.toMatch(/<[a-z]/i);
    }
  });
});
