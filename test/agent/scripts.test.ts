import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { statusMinutes, uploadMinute } from '../../src/agents/script-schedule.js';
import { renderAgentScript, type ScriptFacts } from '../../src/agents/scripts.js';
import { ValidationError } from '../../src/lib/errors.js';

/**
 * The generated scripts without a server: no placeholder left, every value read back verbatim by the
 * target shell (bash itself for Linux; for Windows an independent model of how cmd.exe reads a line
 * and how curl's C runtime splits its command line), and the scheduler minutes.
 */

const PLACEHOLDERS = [
  'АДРЕСПК',
  'ИМЯКЛИЕНТА',
  'НАЗВАНИЕКЛИЕНТА',
  'ИМЯДИСТРИБЬЮТОРА',
  'ТОКЕНБЕЗОПАСНОСТИ',
  'ЛОГИН:ПАРОЛЬ',
  'ПОРТ',
];

const BASE: ScriptFacts = {
  kind: 'upload',
  os: 'linux',
  installationId: 42,
  serverUrl: 'https://smart.example.ru/',
  dealer: 'rogaikopita599',
  token: 'smu_ZDvet451dfdggdZDvet451dfdggd',
  clientName: 'romashka_(main)',
  pkUrl: 'http://10.0.0.5:8080',
  smartloginUser: 'smartlogin',
  smartloginPassword: 'Sl-pass.2026',
  generatedAt: Date.UTC(2026, 10, 23),
};

const COMBOS = [
  ['windows', 'upload'],
  ['windows', 'status'],
  ['linux', 'upload'],
  ['linux', 'status'],
] as const;

// ---------------------------------------------------------------- a model of cmd.exe and the CRT

/**
 * How cmd.exe reads one batch line before running it (phases 1 and 2 of its parser): `%%` becomes `%`
 * and any other `%...%` is a variable reference; outside double quotes a caret escapes the next
 * character and `&`, `|`, `<`, `>` are operators. Returns the text after both phases, the operators
 * found and the variable references.
 */
function cmdReadLine(line: string): { text: string; operators: string[]; percentRefs: string[] } {
  let afterPercent = '';
  const percentRefs: string[] = [];
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch !== '%') {
      afterPercent += ch;
      continue;
    }
    if (line[i + 1] === '%') {
      afterPercent += '%';
      i++;
      continue;
    }
    const m = /^%(~[a-z]*\d|\d|[A-Za-z_][A-Za-z0-9_]*%)/.exec(line.slice(i));
    if (!m) throw new Error(`a lone % in: ${line}`);
    percentRefs.push(m[0]);
    afterPercent += m[0];
    i += m[0].length - 1;
  }
  let text = '';
  const operators: string[] = [];
  let quoted = false;
  for (let i = 0; i < afterPercent.length; i++) {
    const ch = afterPercent[i]!;
    if (ch === '"') {
      quoted = !quoted;
      text += ch;
    } else if (!quoted && ch === '^') {
      text += afterPercent[i + 1] ?? '';
      i++;
    } else {
      if (!quoted && '&|<>'.includes(ch)) operators.push(ch);
      text += ch;
    }
  }
  return { text, operators, percentRefs };
}

/** What `set "NAME=value"` stores: the text between the first and the last quote. */
function cmdSetValue(line: string): { name: string; value: string } {
  const { text, operators } = cmdReadLine(line);
  expect(operators, line).toEqual([]);
  const first = text.indexOf('"');
  const last = text.lastIndexOf('"');
  const inner = text.slice(first + 1, last);
  const eq = inner.indexOf('=');
  return { name: inner.slice(0, eq), value: inner.slice(eq + 1) };
}

/** How the C runtime (CommandLineToArgvW rules) reads one argument that starts at `s[0]`. */
function crtFirstArg(s: string): string {
  let out = '';
  let quoted = false;
  let i = 0;
  while (i < s.length) {
    let n = 0;
    while (s[i] === '\\') {
      n++;
      i++;
    }
    if (s[i] === '"') {
      out += '\\'.repeat(Math.floor(n / 2));
      if (n % 2 === 1) {
        out += '"';
      } else if (quoted && s[i + 1] === '"') {
        out += '"';
        i++;
      } else {
        quoted = !quoted;
      }
      i++;
      continue;
    }
    out += '\\'.repeat(n);
    if (i >= s.length) break;
    if (!quoted && (s[i] === ' ' || s[i] === '\t')) break;
    out += s[i];
    i++;
  }
  return out;
}

/** The values a .bat sets, as cmd stores them. */
function batValues(content: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of content.split('\r\n')) {
    if (/^set "[A-Z_]+=/.test(line)) {
      const { name, value } = cmdSetValue(line);
      out.set(name, value);
    }
  }
  return out;
}

/** What curl receives after `-u "!PK_AUTH!"` (delayed expansion pastes the value as is). */
function curlUserArg(content: string): string {
  const line = content.split('\r\n').find((l) => l.includes('-u "!PK_AUTH!"'))!;
  const auth = batValues(content).get('PK_AUTH')!;
  const expanded = cmdReadLine(line).text.replace('!PK_AUTH!', () => auth);
  return crtFirstArg(expanded.slice(expanded.indexOf('-u "') + 3));
}

// ---------------------------------------------------------------- bash

/** Runs the parameter block of a Linux script in bash and prints the named variables. */
function bashValues(content: string, names: string[], cwd: string): string[] {
  const lines = content.split('\n');
  const from = lines.indexOf('set -eu');
  const to = lines.findIndex((l) => l.startsWith('VERSION='));
  const program = [...lines.slice(from, to + 1), ...names.map((n) => `printf '%s\\0' "$${n}"`)].join('\n');
  const r = spawnSync('bash', ['-c', program], { cwd, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\0').slice(0, names.length);
}

describe('generated agent scripts', () => {
  it('leave no placeholder and carry every value, for both systems and both kinds', () => {
    for (const [os, kind] of COMBOS) {
      const s = renderAgentScript({ ...BASE, os, kind });
      for (const p of PLACEHOLDERS) expect(s.content, `${os} ${kind}: ${p}`).not.toContain(p);
      expect(s.content).not.toMatch(/EXAMPLE|<[A-Z_]+>/);
      for (const v of ['https://smart.example.ru', BASE.dealer, BASE.token, BASE.clientName, BASE.pkUrl]) {
        expect(s.content, `${os} ${kind} lacks ${v}`).toContain(v);
      }
      expect(s.content.includes(BASE.smartloginPassword!)).toBe(kind === 'status');
      // The existing scripts' requests, recognisable: the ПК request, then the upload with its headers.
      expect(s.content).toContain('-A "smartdownload"');
      expect(s.content).toContain(kind === 'upload' ? '/sysinfo/si_save_request' : '/sysmon/metrics');
      expect(s.content).toContain('-H "upload: yes"');
      expect(s.content).toContain('/upload"');
      expect(s.fileName).toBe(`smart${kind}.${os === 'windows' ? 'bat' : 'sh'}`);
      expect(s.content).toContain(s.schedule.command);
    }
  });

  it('writes Windows scripts with CRLF and UTF-8 chcp, Linux ones with LF and set -eu', () => {
    const win = renderAgentScript({ ...BASE, os: 'windows' });
    expect(win.content.split('\n').every((l, i, all) => i === all.length - 1 || l.endsWith('\r'))).toBe(true);
    expect(win.content.split('\r\n').slice(0, 3)).toContain('chcp 65001 >nul');
    // Every value is ASCII, so the script does not depend on the code page it is read in.
    for (const v of batValues(win.content).values()) expect(v).toMatch(/^[\x20-\x7e]*$/);
    const sh = renderAgentScript(BASE);
    expect(sh.content).not.toContain('\r');
    expect(sh.content.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(sh.content).toContain('\nset -eu\n');
    const check = spawnSync('bash', ['-n'], { input: sh.content, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  });

  it('defaults the sysinfo format per system as the existing scripts do, and takes another', () => {
    expect(renderAgentScript({ ...BASE, os: 'windows' }).content).toContain('-d "type=zip"');
    const sh = renderAgentScript(BASE).content;
    expect(sh).toContain('FILE="$CLIENT.xml"');
    expect(sh).not.toContain('type=zip');
    expect(renderAgentScript({ ...BASE, format: 'zip' }).content).toContain('FILE="$CLIENT.zip"');
  });

  const HOSTILE = [
    `a"&calc&"b`,
    `" & del /q C:\\* & "`,
    '%PATH%x%%y',
    '!PK_URL!^^',
    '^&|<>()',
    'back\\slash\\',
    '\\"quoted\\\\"',
    `$(touch pwned)\`touch pwned2\`'"$HOME`,
    'pass word with spaces',
  ];

  it('keeps a hostile smartlogin password verbatim in a .bat: no operator, no variable, curl gets it', () => {
    for (const password of HOSTILE) {
      const s = renderAgentScript({ ...BASE, os: 'windows', kind: 'status', smartloginPassword: password });
      for (const line of s.content.split('\r\n').filter((l) => l && !l.startsWith('::'))) {
        const { operators, percentRefs } = cmdReadLine(line);
        expect(
          operators.filter((o) => o === '&' || o === '|'),
          line,
        ).toEqual([]);
        for (const ref of percentRefs) expect(['%~dp0', '%SMART_OLDCP%', '%RC%'], line).toContain(ref);
      }
      expect(curlUserArg(s.content)).toBe(`smartlogin:${password}`);
    }
  });

  it('keeps any printable ASCII password and proxy verbatim in a .bat (property)', () => {
    const printable = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 40,
    });
    fc.assert(
      fc.property(printable, printable, (password, proxyUser) => {
        const proxyCreds = proxyUser.replace(/[\s@/]/g, 'x');
        const proxy = `${proxyCreds}@proxy.local:3128`;
        const s = renderAgentScript({
          ...BASE,
          os: 'windows',
          kind: 'status',
          smartloginPassword: password,
          proxy,
        });
        expect(curlUserArg(s.content)).toBe(`smartlogin:${password}`);
        expect(batValues(s.content).get('PROXY')).toBe(proxy);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a hostile password verbatim in bash and runs nothing from it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-sh-'));
    try {
      for (const password of [...HOSTILE, 'пароль с кириллицей', "it's"]) {
        const s = renderAgentScript({ ...BASE, kind: 'status', smartloginPassword: password });
        expect(bashValues(s.content, ['PK_PASSWORD', 'CLIENT', 'TOKEN'], dir)).toEqual([
          password,
          BASE.clientName,
          BASE.token,
        ]);
      }
      fc.assert(
        fc.property(fc.string({ minLength: 1, maxLength: 30 }), (raw) => {
          const password = raw.replace(/\p{Cc}/gu, '') || 'x';
          const s = renderAgentScript({ ...BASE, kind: 'status', smartloginPassword: password });
          expect(bashValues(s.content, ['PK_PASSWORD'], dir)).toEqual([password]);
        }),
        { numRuns: 40 },
      );
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what a script cannot carry, naming the field', () => {
    const refused = (patch: Partial<ScriptFacts>, field: string) => {
      try {
        renderAgentScript({ ...BASE, ...patch });
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        expect((e as ValidationError).field).toEqual([field]);
        return;
      }
      throw new Error(`accepted ${JSON.stringify(patch)}`);
    };
    refused({ serverUrl: 'ftp://smart.example.ru' }, 'serverUrl');
    refused({ serverUrl: 'https://smart.example.ru/?a=1&b=2' }, 'serverUrl');
    refused({ pkUrl: 'http://10.0.0.5:8080/docs' }, 'pkUrl');
    refused({ pkUrl: 'http://10.0.0.5:8080" & calc' }, 'pkUrl');
    refused({ proxy: 'proxy host:3128' }, 'proxy');
    refused({ token: 'short' }, 'token');
    refused({ token: 'smu_abcdefghijklmnop"&calc' }, 'token');
    refused({ clientName: 'has space' }, 'clientName');
    refused({ clientName: 'Ромашка' }, 'clientName');
    refused({ kind: 'status', smartloginPassword: null }, 'smartloginPassword');
    refused({ kind: 'status', smartloginPassword: 'line\nbreak' }, 'smartloginPassword');
    refused({ kind: 'status', os: 'windows', smartloginPassword: 'пароль' }, 'smartloginPassword');
    refused({ installDir: '/opt/smart upload' }, 'installDir');
    refused({ installDir: 'relative/dir' }, 'installDir');
    refused({ os: 'windows', installDir: 'C:\\a&b' }, 'installDir');
  });

  it('puts the scripts in the given folder and names it in the scheduler command', () => {
    const sh = renderAgentScript({ ...BASE, installDir: '/srv/kodeks/smartupload/' });
    expect(sh.scriptPath).toBe('/srv/kodeks/smartupload/smartupload.sh');
    expect(sh.schedule.command).toContain(
      ' /srv/kodeks/smartupload/smartupload.sh > /srv/kodeks/smartupload/last-run.log 2>&1',
    );
    const bat = renderAgentScript({ ...BASE, os: 'windows', installDir: 'D:\\Kodeks\\smart status' });
    expect(bat.scriptPath).toBe('D:\\Kodeks\\smart status\\smartupload.bat');
    expect(bat.schedule.command).toContain('/TR "\\"D:\\Kodeks\\smart status\\smartupload.bat\\""');
    expect(renderAgentScript({ ...BASE, os: 'windows', kind: 'status' }).scriptPath).toBe(
      'C:\\smartstatus\\smartstatus.bat',
    );
  });
});

describe('scheduler jitter', () => {
  it('is stable: regenerating gives the same minute and the same scheduler command', () => {
    for (const id of [1, 2, 59, 60, 61, 1234, 99991]) {
      expect(uploadMinute(id)).toBe(uploadMinute(id));
      const a = renderAgentScript({ ...BASE, installationId: id, token: 'smu_aaaaaaaaaaaaaaaaaaaa' });
      const b = renderAgentScript({ ...BASE, installationId: id, token: 'smu_bbbbbbbbbbbbbbbbbbbb' });
      expect(a.schedule).toEqual(b.schedule);
    }
  });

  it('spreads installations evenly over the hour', () => {
    const count = (ids: number[]) => {
      const perMinute = new Array<number>(60).fill(0);
      for (const id of ids) perMinute[uploadMinute(id)]!++;
      return perMinute;
    };
    // Any 600 consecutive ids: every minute used exactly 10 times.
    for (const start of [1, 1000, 777_777]) {
      const ids = Array.from({ length: 600 }, (_, i) => start + i);
      expect(new Set(count(ids))).toEqual(new Set([10]));
    }
    // A dealer's 25 consecutive installations never share a minute.
    const small = Array.from({ length: 25 }, (_, i) => 300 + i);
    expect(new Set(small.map(uploadMinute)).size).toBe(25);
  });

  it('runs smartstatus every 15 minutes, never in the upload minute', () => {
    for (let id = 1; id <= 240; id++) {
      const m = statusMinutes(id);
      expect(m).toHaveLength(4);
      expect(m.every((x, i) => i === 0 || x - m[i - 1]! === 15)).toBe(true);
      expect(m[0]).toBeGreaterThanOrEqual(0);
      expect(m[3]).toBeLessThan(60);
      expect(m).not.toContain(uploadMinute(id));
    }
    const win = renderAgentScript({ ...BASE, os: 'windows', kind: 'status', installationId: 7 });
    expect(win.schedule.command).toMatch(/\/SC MINUTE \/MO 15 \/ST 00:(\d\d) /);
    expect(Number(/\/ST 00:(\d\d)/.exec(win.schedule.command)![1])).toBe(statusMinutes(7)[0]);
    const cron = renderAgentScript({ ...BASE, kind: 'status', installationId: 7 }).schedule.command;
    expect(cron.split(' ')[0]!.split(',').map(Number)).toEqual(statusMinutes(7));
    const hourly = renderAgentScript({ ...BASE, installationId: 7 }).schedule.command;
    expect(hourly).toMatch(new RegExp(`^${uploadMinute(7)} \\* \\* \\* \\* `));
  });
});
