/**
 * HTML a simulated ПК serves. The real pages are not public; ours carry the state texts of the spec
 * plus stable markers (`data-state`, `data-notice`) that docs/simulator.md documents for the probes.
 */
import { formatLocalDay } from '../../ingest/parse/local-time.js';
import { escText as esc } from './sysinfo-xml.js';
import { licenceTermsAt, senselockAt } from './life.js';
import type { FaultState } from './faults.js';
import type { PageState } from './page-state.js';
import type { ClientProfile, SimCatalog } from './profile.js';

function layout(title: string, body: string): string {
  return (
    `<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8"><title>${esc(title)}</title></head>\n` +
    `<body>\n${body}\n</body></html>\n`
  );
}

function loginForm(catalog: string, error?: string): string {
  return (
    `<form id="login" method="post" action="${esc(catalog)}/login">` +
    (error ? `<p class="error">${esc(error)}</p>` : '') +
    '<label>Имя пользователя <input name="login"></label>' +
    '<label>Пароль <input name="password" type="password"></label>' +
    '<button type="submit">Войти</button></form>'
  );
}

export function mainPageHtml(p: ClientProfile, c: SimCatalog, state: PageState, user: string | null): string {
  const parts = [`<div id="kserver-state" data-state="${state.condition}">`];
  if (state.message) parts.push(`<div class="service-message">${esc(state.message)}</div>`);
  if (state.condition === 'ok' || state.condition === 'needs_service') {
    parts.push(`<h1>${esc(c.title)}</h1>`);
    if (user) {
      parts.push(`<p class="user">Пользователь: ${esc(user)}</p>`);
      for (const n of state.notices)
        parts.push(`<div class="notice" data-notice="${n.kind}">${esc(n.text)}</div>`);
      parts.push('<ul class="sections"><li>Поиск</li><li>Документы</li><li>Новости</li></ul>');
    } else {
      parts.push(loginForm(c.path));
    }
    parts.push(`<p class="footer">Зарегистрирована на: ${esc(p.legalName)}</p>`);
  }
  parts.push('</div>');
  return layout(c.title, parts.join('\n'));
}

export function loginPageHtml(c: SimCatalog, error?: string): string {
  return layout(`${c.title}: вход`, loginForm(c.path, error));
}

export function messagePageHtml(title: string, text: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p>${esc(text)}</p>`);
}

/** /admin: the title page (fields named as in the spec's Appendix B). */
export function adminPageHtml(p: ClientProfile, atMs: number, sessions: number): string {
  const last =
    licenceTermsAt(p, atMs)
      .map((t) => t.to)
      .sort()[0] ?? '';
  const rows = [
    `Регистрационный номер: ${p.regnum}`,
    `Зарегистрирована на: ${p.legalName}`,
    `Ограничение по сроку работы системы: до ${last.split('-').reverse().join('.')}`,
    `Ограничение рег. файла: ${p.seats}`,
    `Всего соединений (сессии): ${sessions}`,
    `Версия: ${p.pkVersion}`,
    `Дата: ${formatLocalDay(atMs, p.utcOffsetMin)}`,
  ];
  return layout(
    'Администрирование',
    `<h1>Администрирование</h1>\n<ul>${rows.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`,
  );
}

/** /admin/lic: binding and the licence table. */
export function adminLicPageHtml(p: ClientProfile, atMs: number, faults: FaultState): string {
  const key = senselockAt(p, faults);
  const terms = licenceTermsAt(p, atMs);
  const rows = p.licences
    .map(
      (l, i) =>
        `<tr><td>${esc(l.product)}</td><td>${esc(l.name)}</td><td>${terms[i]!.from}</td><td>${terms[i]!.to}</td></tr>`,
    )
    .join('');
  const binding = key.status === 'ok' ? `Привязка: SenseLock ключ ${p.senselockKey}` : key.message;
  return layout(
    'Лицензии',
    `<h1>Лицензии</h1>\n<p class="binding">${esc(binding)}</p>\n<table><tr><th>Продукт</th><th>Название</th><th>С</th><th>До</th></tr>${rows}</table>`,
  );
}

export const PROXY_502_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
