import { CommanderError } from 'commander';
import { ZodError } from 'zod';
import { ConfigError } from '../config/index.js';
import { AppError, ValidationError } from '../lib/errors.js';

/** An expected failure with its own exit code (bad usage, a cancelled prompt, a port in use). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** Input field names of the services → the CLI option a user typed, so messages name the option. */
const OPTION_OF_FIELD: Record<string, string> = {
  dealerId: '--dealer',
  unitId: '--unit',
  parentId: '--parent',
  managerId: '--manager',
  emails: '--email',
  telegramChatId: '--telegram',
  displayName: '--display-name',
  password: 'password',
};

function optionName(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  if (head === undefined) return 'input';
  const field = String(head);
  const name = OPTION_OF_FIELD[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const index = rest.find((p) => typeof p === 'number');
  return index === undefined ? name : `${name} (value ${index + 1})`;
}

export interface DescribedError {
  exitCode: number;
  code: string;
  message: string;
  details: string[];
}

/**
 * Turns anything a command threw into what the user sees. Expected errors (bad input, not found,
 * configuration) exit with 2 and never show a stack; anything else exits with 1.
 */
export function describeError(e: unknown): DescribedError {
  if (e instanceof CommanderError) {
    return { exitCode: 2, code: 'usage', message: e.message.replace(/^error: /, ''), details: [] };
  }
  if (e instanceof CliError) {
    return {
      exitCode: e.exitCode,
      code: e.exitCode === 2 ? 'invalid' : 'failed',
      message: e.message,
      details: [],
    };
  }
  if (e instanceof ConfigError) return { exitCode: 2, code: 'config', message: e.message, details: [] };
  if (e instanceof ZodError) {
    const details = e.issues.map((i) => `${optionName(i.path)}: ${i.message}`);
    const message =
      details.length === 1 ? `invalid ${details[0]}` : `invalid input:\n  ${details.join('\n  ')}`;
    return { exitCode: 2, code: 'invalid', message, details };
  }
  if (e instanceof ValidationError && e.field) {
    const detail = `${optionName(e.field)}: ${e.reason}`;
    return { exitCode: 2, code: e.code, message: `invalid ${detail}`, details: [detail] };
  }
  if (e instanceof ValidationError) {
    const message = e.details.length ? `${e.message}:\n  ${e.details.join('\n  ')}` : e.message;
    return { exitCode: 2, code: e.code, message, details: e.details };
  }
  if (e instanceof AppError) {
    return { exitCode: e.status < 500 ? 2 : 1, code: e.code, message: e.message, details: [] };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  // pg reports a refused connection to several addresses as an AggregateError with an empty message.
  const message =
    err.message ||
    (err instanceof AggregateError
      ? err.errors.map((x) => (x instanceof Error ? x.message : String(x))).join('; ')
      : '') ||
    err.name;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '28P01' || code === '3D000') {
    return { exitCode: 1, code: 'unavailable', message: `cannot use the database: ${message}`, details: [] };
  }
  return { exitCode: 1, code: 'failed', message, details: [] };
}
