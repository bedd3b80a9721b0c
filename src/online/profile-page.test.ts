import { describe, expect, it } from 'vitest';
import { parseProfilePage } from './profile-page.js';

const row = (kind: string, limit: string, used: string, remaining: string): string =>
  `<tr data-kind="${kind}"><td>x</td><td class="limit">${limit}</td><td class="used">${used}</td>` +
  `<td class="remaining">${remaining}</td></tr>`;

const page = (rows: string, month = '<span class="month">2026-04</span>'): string =>
  `<html><body><h1>Профиль пользователя</h1><p>Период: ${month}</p><table>${rows}</table></body></html>`;

const GOOD = [
  row('docs', '400', '120', '280'),
  row('search', '4000', '1500', '2500'),
  row('print', '3000', '10', '2990'),
  row('export', '5000', '0', '5000'),
].join('\n');

const message = (html: string): string => {
  const r = parseProfilePage(html);
  if (r.ok) throw new Error('expected a failure');
  return r.message;
};

describe('parseProfilePage', () => {
  it('reads the simulator markup', () => {
    expect(parseProfilePage(page(GOOD))).toEqual({
      ok: true,
      profile: {
        month: '2026-04',
        docs: { limit: 400, used: 120, remaining: 280 },
        search: { limit: 4000, used: 1500, remaining: 2500 },
        print: { limit: 3000, used: 10, remaining: 2990 },
        export: { limit: 5000, used: 0, remaining: 5000 },
      },
    });
  });

  it('tolerates separators, quoting, extra classes, nested tags, omitted end tags, comments and scripts', () => {
    const html =
      `<!-- <tr data-kind="docs"><td class="limit">1</td> --><script>var s='<tr data-kind="docs">';</script>` +
      `<p><SPAN class='period month'> 2026-<b>12</b> </SPAN></p><table>` +
      `<TR DATA-KIND='docs' class=row><TD class="num limit">1&nbsp;000</TD><td class=used><b>12\u00a0345</b>` +
      `<td class="remaining x">0</td>` +
      `<tr data-kind=search><td class="limit">12 000 000<td class="used">1\u202f000<td class="remaining">11&#160;999&#xA0;000</td></tr>` +
      `<tr data-kind="print"><td class="limit">5</td><td class="used">5</td><td class="remaining">0</td></tr>` +
      `<tr data-kind="export"><td class="limit">0</td><td class="used">0</td><td class="remaining">0</td></tr>` +
      `<tr data-kind="other"><td class="limit">-1</td></tr></table>`;
    const r = parseProfilePage(html);
    expect(r).toEqual({
      ok: true,
      profile: {
        month: '2026-12',
        docs: { limit: 1000, used: 12345, remaining: 0 },
        search: { limit: 12_000_000, used: 1000, remaining: 11_999_000 },
        print: { limit: 5, used: 5, remaining: 0 },
        export: { limit: 0, used: 0, remaining: 0 },
      },
    });
  });

  it('names a missing row', () => {
    expect(message(page(GOOD.replace(/<tr data-kind="print">.*<\/tr>/, '')))).toMatch(
      /print: missing row tr\[data-kind="print"\]/,
    );
  });

  it('names a missing cell', () => {
    expect(message(page(GOOD.replace('<td class="used">10</td>', '<td>10</td>')))).toMatch(
      /print\.used: missing/,
    );
  });

  it('names a negative number', () => {
    expect(message(page(GOOD.replace('<td class="used">120</td>', '<td class="used">-5</td>')))).toMatch(
      /docs\.used: negative/,
    );
    expect(
      message(page(GOOD.replace('<td class="remaining">280</td>', '<td class="remaining">−1</td>'))),
    ).toMatch(/docs\.remaining: negative/);
  });

  it('names remaining > limit', () => {
    expect(
      message(page(GOOD.replace('<td class="remaining">2500</td>', '<td class="remaining">4001</td>'))),
    ).toMatch(/search\.remaining: remaining \(4001\) exceeds limit \(4000\)/);
  });

  it('names text that is not a whole number', () => {
    expect(
      message(page(GOOD.replace('<td class="limit">5000</td>', '<td class="limit">5 000,5</td>'))),
    ).toMatch(/export\.limit: not a whole number/);
    expect(message(page(GOOD.replace('<td class="limit">400</td>', '<td class="limit"></td>')))).toMatch(
      /docs\.limit: not a whole number/,
    );
  });

  it('names a missing or malformed month', () => {
    expect(message(page(GOOD, ''))).toMatch(/month: missing span\.month/);
    expect(message(page(GOOD, '<span class="month">апрель 2026</span>'))).toMatch(/month: not YYYY-MM/);
    expect(message(page(GOOD, '<span class="month">2026-13</span>'))).toMatch(/month: not YYYY-MM/);
  });

  it('refuses a duplicated row', () => {
    expect(message(page(GOOD + row('docs', '1', '1', '0')))).toMatch(/docs: duplicate row/);
  });

  it('refuses a login page or an empty body', () => {
    expect(message('<form><input name="login"></form>')).toMatch(/month: missing/);
    expect(message('')).toMatch(/docs: missing row/);
  });
});
