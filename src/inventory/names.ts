import { z } from 'zod';

/** Characters the existing service forbids in client names (they end up in file names and URLs). */
export const FORBIDDEN_NAME_CHARS = [
  '#',
  '%',
  '&',
  '{',
  '}',
  '\\',
  '<',
  '>',
  '*',
  '?',
  '/',
  ' ',
  '$',
  '!',
  "'",
  '"',
  ':',
  '@',
  '+',
  '`',
  '|',
  '=',
];

/** Why an agent source name (the client name used in the scripts) is not acceptable, or null. */
export function agentNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > 100) return 'is longer than 100 characters';
  const bad = [...new Set([...name].filter((ch) => FORBIDDEN_NAME_CHARS.includes(ch)))];
  if (bad.length > 0) {
    const shown = bad.map((c) => (c === ' ' ? 'space' : `"${c}"`)).join(', ');
    return `contains forbidden character${bad.length > 1 ? 's' : ''} ${shown}`;
  }
  if (!/^[A-Za-z0-9._()[\]^~-]+$/.test(name)) {
    return 'may contain only Latin letters, digits and - _ . ( ) [ ] ^ ~ (it is the file name the agent uploads)';
  }
  return null;
}

export const AgentName = z.string().superRefine((v, c) => {
  const p = agentNameProblem(v);
  if (p) c.addIssue({ code: 'custom', message: `client name ${p}` });
});

/** A client's display name: any printable text (online firm names may be Cyrillic). */
export const ClientName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200)
  .refine((s) => !/\p{Cc}/u.test(s), 'must not contain control characters');

export const HostName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
    'must be a host name or IPv4 address, without scheme, port or path',
  );

export const Protocol = z.enum(['http', 'https']);
export const Port = z.number().int().min(1).max(65535);

export function defaultPort(protocol: 'http' | 'https'): number {
  return protocol === 'https' ? 443 : 80;
}

/** managers.csv time-zone column: v means UTC+(4+v) hours (the old service counted from Saratov). */
export function tzColumnToOffsetMin(v: number): number {
  return (4 + v) * 60;
}

export function offsetMinToTzColumn(offsetMin: number): number {
  return offsetMin / 60 - 4;
}
