import { CliError } from './errors.js';
import type { CliIo } from './io.js';

/** Reads the whole of stdin as the password; one trailing newline (from `echo` or a file) is dropped. */
export async function readPasswordFromStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (text.length === 0) throw new CliError('--password-stdin: stdin held no password');
  return text;
}

/**
 * Reads lines from the terminal without echo. Raw mode is switched on before the first prompt and kept
 * until the last answer, so nothing typed ahead is ever echoed.
 */
async function readHidden(io: CliIo, prompts: string[]): Promise<string[]> {
  const stdin = io.stdin;
  const setRaw = stdin.setRawMode?.bind(stdin);
  if (!stdin.isTTY || !setRaw) {
    throw new CliError('stdin is not a terminal: pipe the password in and add --password-stdin');
  }
  setRaw(true);
  stdin.setEncoding('utf8');
  const answers: string[] = [];
  let value = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const finish = (err?: Error) => {
        stdin.off('data', onData);
        stdin.off('end', onEnd);
        if (err) reject(err);
        else resolve();
      };
      const onData = (chunk: string | Buffer) => {
        for (const ch of String(chunk)) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            io.stderr.write('\n');
            answers.push(value);
            value = '';
            if (answers.length === prompts.length) return finish();
            io.stderr.write(prompts[answers.length] as string);
          } else if (ch === '\u0003') {
            io.stderr.write('\n');
            return finish(new CliError('cancelled', 130));
          } else if (ch === '\u007f' || ch === '\b') {
            value = [...value].slice(0, -1).join('');
          } else {
            value += ch;
          }
        }
      };
      const onEnd = () => finish(new CliError('stdin closed before a password was entered'));
      stdin.on('data', onData);
      stdin.on('end', onEnd);
      io.stderr.write(prompts[0] as string);
      stdin.resume();
    });
  } finally {
    setRaw(false);
    stdin.pause();
  }
  return answers;
}

/** The password for a new user or a change: from stdin with --password-stdin, else prompted twice. */
export async function obtainPassword(io: CliIo, fromStdin: boolean): Promise<string> {
  if (fromStdin) return readPasswordFromStdin(io);
  const [first, second] = await readHidden(io, ['Password: ', 'Repeat the password: ']);
  if (first !== second) throw new CliError('the two passwords differ; nothing changed');
  if (!first) throw new CliError('empty password; nothing changed');
  return first;
}
