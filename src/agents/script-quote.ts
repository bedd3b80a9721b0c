/**
 * Quoting of values written into generated agent scripts. Each function turns any string into text the
 * target shell reads back as exactly that string, so a client name, password or proxy with quotes,
 * `$`, `%`, `&` or spaces can neither break the script nor run a command.
 */

/** A bash word that is the value verbatim: single quotes, with `'` written as `'\''`. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The text to put between double quotes on a Windows command line so that the program's C runtime
 * (curl's argv) reads back `value`: `"` becomes `\"`, and backslashes before a quote or the closing
 * quote are doubled (the CommandLineToArgvW rules).
 */
export function crtQuotedContent(value: string): string {
  let out = '';
  let backslashes = 0;
  for (const ch of value) {
    if (ch === '\\') {
      backslashes++;
      continue;
    }
    if (ch === '"') out += '\\'.repeat(backslashes * 2 + 1) + '"';
    else out += '\\'.repeat(backslashes) + ch;
    backslashes = 0;
  }
  return out + '\\'.repeat(backslashes * 2);
}

/**
 * A `set "NAME=value"` line of a .bat that stores `value` verbatim, read while delayed expansion is
 * off. `%` is doubled (percent expansion runs everywhere); each `"` in the value toggles cmd's quote
 * state, and in the stretches it leaves unquoted the characters cmd would act on are escaped with `^`.
 * `set` keeps everything between the first and the last quote of the line, so the stored value is
 * the original one. Later lines read it as `!NAME!`, whose result cmd does not parse again.
 */
export function batSetLine(name: string, value: string): string {
  if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`bad variable name ${name}`);
  if (/[\r\n\0]/.test(value)) throw new Error(`${name} contains a line break`);
  let out = `set "${name}=`;
  let quoted = true;
  for (const ch of value) {
    if (ch === '"') {
      quoted = !quoted;
      out += ch;
    } else if (ch === '%') {
      out += '%%';
    } else if (!quoted && '^&|<>()'.includes(ch)) {
      out += `^${ch}`;
    } else {
      out += ch;
    }
  }
  return `${out}"`;
}
