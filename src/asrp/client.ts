/**
 * One upload of a sysinfo file to ASRP, and the mapping of whatever happens onto what the ledger
 * records. ASRP's API is not documented (spec online-managers §6, question 32); SMART speaks the form
 * its simulator serves (docs/simulator-asrp.md): `POST <endpoint>` with HTTP Basic credentials and a
 * multipart body (`dealer`, `client`, `file`), answered with JSON `{response, state, uploadNumber, id,
 * message}`. TLS certificates are verified (Node's default); there is no switch to turn that off.
 */
import { z } from 'zod';
import type { AsrpErrorKind, AsrpOutcome } from './contract.js';

export interface AsrpTarget {
  endpoint: string;
  login: string;
  password: string;
}

export interface AsrpFile {
  dealer: string;
  client: string;
  fileName: string;
  data: Uint8Array;
}

export interface AsrpResult {
  outcome: AsrpOutcome;
  response: string | null;
  state: string | null;
  uploadNumber: string | null;
  identifier: string | null;
  errorKind: AsrpErrorKind | null;
  httpStatus: number | null;
  message: string | null;
  durationMs: number;
}

/** Largest answer read from ASRP: its JSON is a few hundred bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_MESSAGE = 1000;

const Answer = z.object({
  response: z.string().max(50),
  state: z.string().max(50).nullish(),
  uploadNumber: z.string().max(100).nullish(),
  id: z.string().max(100).nullish(),
  message: z.string().nullish(),
});

const ErrorAnswer = z.object({ message: z.string() }).partial();

const clip = (s: string): string => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s);

/** Transient failures are retried (with back-off); auth, refusals and file problems wait for a change. */
export function isTransient(r: Pick<AsrpResult, 'outcome' | 'errorKind' | 'httpStatus'>): boolean {
  if (r.outcome !== 'error') return false;
  if (r.errorKind === 'timeout' || r.errorKind === 'network') return true;
  return r.errorKind === 'http' && (r.httpStatus === null || r.httpStatus >= 500 || r.httpStatus === 429);
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw Object.assign(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`), {
        code: 'TOO_LARGE',
      });
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

function errorResult(
  kind: AsrpErrorKind,
  message: string,
  durationMs: number,
  httpStatus: number | null = null,
): AsrpResult {
  return {
    outcome: 'error',
    response: null,
    state: null,
    uploadNumber: null,
    identifier: null,
    errorKind: kind,
    httpStatus,
    message: clip(message),
    durationMs,
  };
}

/** The outcome of an answer: «Принят» is accepted, «Повтор» repeat, any other warning refused. */
export function outcomeOf(response: string, state: string | null | undefined): AsrpOutcome | null {
  const r = response.trim().toLowerCase();
  const s = (state ?? '').trim().toLowerCase();
  if (s === 'повтор') return 'repeat';
  if ((r === 'ok' || r === 'ок') && (s === 'принят' || s === '')) return 'accepted';
  if (r === 'warning') return 'warning';
  return null;
}

function networkMessage(e: unknown): { kind: AsrpErrorKind; message: string } {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const code = err.cause?.code;
  const detail = err.cause?.message ?? err.message;
  return { kind: 'network', message: code ? `${code}: ${detail}` : detail };
}

/**
 * Sends one file. Never throws: every failure is an `error` result naming what went wrong, in words
 * an administrator can act on.
 */
export async function sendToAsrp(
  target: AsrpTarget,
  file: AsrpFile,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<AsrpResult> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const form = new FormData();
  form.append('dealer', file.dealer);
  form.append('client', file.client);
  form.append('file', new Blob([file.data]), file.fileName);
  const auth = Buffer.from(`${target.login}:${target.password}`, 'utf8').toString('base64');
  let res: Response;
  let text: string;
  try {
    res = await fetch(target.endpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${auth}`, accept: 'application/json', 'user-agent': 'SMART-asrp/0.1' },
      body: form,
      redirect: 'error',
      signal,
    });
    text = await readCapped(res);
  } catch (e) {
    if (timeout.aborted)
      return errorResult('timeout', `ASRP did not answer within ${opts.timeoutMs} ms`, elapsed());
    if (opts.signal?.aborted)
      return errorResult('timeout', 'the upload was stopped before ASRP answered', elapsed());
    if ((e as { code?: string }).code === 'TOO_LARGE')
      return errorResult('http', (e as Error).message, elapsed());
    const n = networkMessage(e);
    return errorResult(n.kind, `cannot reach ASRP at ${target.endpoint}: ${n.message}`, elapsed());
  }
  const status = res.status;
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const said = ErrorAnswer.safeParse(json).data?.message;
  if (status === 401 || status === 403) {
    return errorResult(
      'auth',
      `ASRP refused the login "${target.login}" (HTTP ${status}${said ? `: ${said}` : ''}); check the login and password`,
      elapsed(),
      status,
    );
  }
  if (status !== 200) {
    return errorResult('http', `ASRP answered HTTP ${status}${said ? `: ${said}` : ''}`, elapsed(), status);
  }
  const answer = Answer.safeParse(json);
  const outcome = answer.success ? outcomeOf(answer.data.response, answer.data.state) : null;
  if (!answer.success || outcome === null) {
    return errorResult(
      'http',
      `ASRP answered 200 with an unexpected body: ${clip(text.slice(0, 200))}`,
      elapsed(),
      status,
    );
  }
  return {
    outcome,
    response: answer.data.response,
    state: answer.data.state ?? null,
    uploadNumber: answer.data.uploadNumber ?? null,
    identifier: answer.data.id ?? null,
    errorKind: null,
    httpStatus: status,
    message: answer.data.message ? clip(answer.data.message) : null,
    durationMs: elapsed(),
  };
}
