/**
 * A fake Telegram Bot API on node:http: getMe and sendMessage with Telegram's answers and flood limits,
 * scripted failures, and a record of what was delivered. docs/simulator-telegram.md.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import { safeEqual } from '../http-util.js';

export const DEFAULT_TOKEN = '123456789:SIMULATED-smart-bot-token';
export const MAX_TEXT = 4096;
const MAX_BODY_BYTES = 1024 * 1024;

export type TelegramFailure =
  | { kind: 'retry_after'; seconds: number; times?: number }
  | { kind: 'status'; status: 500 | 502 | 503; times?: number }
  | { kind: 'blocked' }
  | { kind: 'kicked' }
  | { kind: 'chat_not_found' };

export const TelegramFailureSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('retry_after'),
    seconds: z.number().int().min(1).max(86_400),
    times: z.number().int().min(1).optional(),
  }),
  z.object({
    kind: z.literal('status'),
    status: z.union([z.literal(500), z.literal(502), z.literal(503)]),
    times: z.number().int().min(1).optional(),
  }),
  z.object({ kind: z.literal('blocked') }),
  z.object({ kind: z.literal('kicked') }),
  z.object({ kind: z.literal('chat_not_found') }),
]);

const FailureRequestSchema = z.object({
  chatId: z.union([z.string().min(1), z.number().int()]).transform(String),
  failure: TelegramFailureSchema.nullable(),
});

export interface FakeTelegramOptions {
  /** 0 = any free port. */
  port?: number;
  host?: string;
  token?: string;
  clock?: () => number;
  perChatPerSec?: number;
  perGroupPerMin?: number;
  globalPerSec?: number;
  /**
   * How much earlier than the exact window a message is let through, so that a client pacing itself
   * exactly is not punished for loopback jitter between its clock and ours. 0 = exact.
   */
  toleranceMs?: number;
}

export interface DeliveredMessage {
  chatId: string;
  text: string;
  at: number;
  messageId: number;
}

export interface RejectedMessage {
  chatId: string;
  status: number;
  at: number;
  description: string;
}

export interface FakeTelegram {
  /** The apiBase for a client: `${url}/bot${token}/sendMessage`. */
  url: string;
  port: number;
  host: string;
  token: string;
  messages: DeliveredMessage[];
  rejected: RejectedMessage[];
  /** Scripts the answers for one chat, or for every chat with '*'; null clears. A chat's own failure wins. */
  setFailure(chatId: string, failure: TelegramFailure | null): void;
  /** Resolves once at least n messages were delivered; rejects after timeoutMs. */
  waitForMessages(n: number, timeoutMs: number): Promise<void>;
  /** Forgets messages, rejections, failures and the flood-limit state. */
  reset(): void;
  close(): Promise<void>;
}

interface ApiError {
  status: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
  /** Raw body instead of Telegram's JSON, as a gateway in front of the API would send. */
  html?: string;
}

/** Grant times within the last window; independent of the client's limiter so each checks the other. */
class Window {
  private readonly times: number[] = [];
  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}
  /** Ms until one more message fits, 0 if it fits now. */
  wait(now: number, tolerance: number): number {
    const span = this.windowMs - tolerance;
    while (this.times.length && this.times[0]! <= now - span) this.times.shift();
    return this.times.length < this.limit ? 0 : this.times[this.times.length - this.limit]! + span - now;
  }
  add(now: number): void {
    this.times.push(now);
  }
}

const isGroup = (chatId: string): boolean => chatId.startsWith('-') || chatId.startsWith('@');

function botIdOf(token: string): number {
  const n = Number(token.split(':')[0]);
  return Number.isSafeInteger(n) && n > 0 ? n : 123456789;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Bot API parameters from the query, a JSON body or a urlencoded form, as Telegram accepts them. */
async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (req.method !== 'POST') return params;
  const body = await readBody(req);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('application/json')) {
    const v: unknown = body ? JSON.parse(body) : {};
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    Object.assign(params, v);
  } else if (type.includes('application/x-www-form-urlencoded')) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
  }
  return params;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, e: ApiError): void {
  if (e.html !== undefined) {
    res.writeHead(e.status, {
      'Content-Type': 'text/html',
      'Content-Length': Buffer.byteLength(e.html),
    });
    res.end(e.html);
    return;
  }
  sendJson(res, e.status, {
    ok: false,
    error_code: e.status,
    description: e.description,
    ...(e.parameters ? { parameters: e.parameters } : {}),
  });
}

const NGINX_502 = [
  '<html>',
  '<head><title>502 Bad Gateway</title></head>',
  '<body>',
  '<center><h1>502 Bad Gateway</h1></center>',
  '<hr><center>nginx/1.18.0</center>',
  '</body>',
  '</html>',
  '',
].join('\r\n');

const STATUS_TEXT: Record<500 | 502 | 503, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

function failureError(f: TelegramFailure): ApiError {
  switch (f.kind) {
    case 'retry_after':
      return {
        status: 429,
        description: `Too Many Requests: retry after ${f.seconds}`,
        parameters: { retry_after: f.seconds },
      };
    case 'status':
      // Telegram's front answers 502 with nginx's HTML page, not with the API's JSON.
      return f.status === 502
        ? {
            status: 502,
            description: STATUS_TEXT[502],
            html: NGINX_502,
          }
        : { status: f.status, description: STATUS_TEXT[f.status] };
    case 'blocked':
      return { status: 403, description: 'Forbidden: bot was blocked by the user' };
    case 'kicked':
      return { status: 403, description: 'Forbidden: bot was kicked from the group chat' };
    case 'chat_not_found':
      return { status: 400, description: 'Bad Request: chat not found' };
  }
}

/** A chat_id as Telegram takes it: an integer, or @username of a public chat. */
function chatIdOf(v: unknown): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v !== 'string') return null;
  const s = v.trim();
  return /^-?\d{1,20}$/.test(s) || /^@[A-Za-z][A-Za-z0-9_]{3,31}$/.test(s) ? s : null;
}

export async function startFakeTelegram(opts: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? DEFAULT_TOKEN;
  const clock = opts.clock ?? Date.now;
  const tolerance = opts.toleranceMs ?? 50;
  const perChat = opts.perChatPerSec ?? 1;
  const perGroup = opts.perGroupPerMin ?? 20;
  const botId = botIdOf(token);

  const messages: DeliveredMessage[] = [];
  const rejected: RejectedMessage[] = [];
  const failures = new Map<string, TelegramFailure & { left?: number }>();
  let global = new Window(opts.globalPerSec ?? 30, 1_000);
  let chats = new Map<string, Window>();
  let groups = new Map<string, Window>();
  let nextMessageId = 1;
  let waiters: { n: number; resolve: () => void; fail: (err: Error) => void }[] = [];
  const sockets = new Set<Socket>();

  /** The scripted failure that answers this request, counting down `times`. */
  const takeFailure = (chatId: string): TelegramFailure | null => {
    const key = failures.has(chatId) ? chatId : failures.has('*') ? '*' : null;
    if (key === null) return null;
    const f = failures.get(key)!;
    if (f.left !== undefined && --f.left <= 0) failures.delete(key);
    return f;
  };

  /** The flood-limit verdict: retry_after in seconds, or 0 to deliver (the windows are charged). */
  const floodCheck = (chatId: string, now: number): number => {
    const windowOf = (map: Map<string, Window>, limit: number, ms: number): Window => {
      let w = map.get(chatId);
      if (!w) map.set(chatId, (w = new Window(limit, ms)));
      return w;
    };
    const applicable = [windowOf(chats, perChat, 1_000), global];
    if (isGroup(chatId)) applicable.push(windowOf(groups, perGroup, 60_000));
    const wait = Math.max(...applicable.map((w) => w.wait(now, tolerance)));
    if (wait > 0) return Math.max(1, Math.ceil(wait / 1000));
    for (const w of applicable) w.add(now);
    return 0;
  };

  const sendMessage = (params: Record<string, unknown>, res: ServerResponse): void => {
    const now = clock();
    const reject = (chatId: string, e: ApiError): void => {
      rejected.push({ chatId, status: e.status, at: now, description: e.description });
      sendError(res, e);
    };
    const raw = params.chat_id;
    if (raw === undefined || raw === '')
      return reject('', { status: 400, description: 'Bad Request: chat_id is empty' });
    const chatId = chatIdOf(raw);
    if (chatId === null)
      return reject(String(raw), { status: 400, description: 'Bad Request: chat not found' });
    const text =
      typeof params.text === 'string'
        ? params.text
        : typeof params.text === 'number'
          ? String(params.text)
          : '';
    if (!text.trim())
      return reject(chatId, { status: 400, description: 'Bad Request: message text is empty' });
    if (text.length > MAX_TEXT)
      return reject(chatId, { status: 400, description: 'Bad Request: message is too long' });
    const failure = takeFailure(chatId);
    if (failure) return reject(chatId, failureError(failure));
    const retryAfter = floodCheck(chatId, now);
    if (retryAfter > 0)
      return reject(chatId, {
        status: 429,
        description: `Too Many Requests: retry after ${retryAfter}`,
        parameters: { retry_after: retryAfter },
      });

    const messageId = nextMessageId++;
    messages.push({ chatId, text, at: now, messageId });
    const numeric = /^-?\d+$/.test(chatId) ? Number(chatId) : undefined;
    sendJson(res, 200, {
      ok: true,
      result: {
        message_id: messageId,
        from: { id: botId, is_bot: true, first_name: 'SMART', username: 'smart_sim_bot' },
        chat: isGroup(chatId)
          ? { id: numeric ?? -1000000000001, title: `Group ${chatId}`, type: numeric ? 'group' : 'channel' }
          : { id: numeric, first_name: `User ${chatId}`, type: 'private' },
        date: Math.floor(now / 1000),
        text,
      },
    });
    const ready = waiters.filter((w) => messages.length >= w.n);
    waiters = waiters.filter((w) => messages.length < w.n);
    for (const w of ready) w.resolve();
  };

  const botApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return sendError(res, { status: 404, description: 'Not Found' });
    const method = m[2]!.toLowerCase();
    let params: Record<string, unknown>;
    try {
      params = await readParams(req, url);
    } catch {
      return sendError(res, { status: 400, description: "Bad Request: can't parse JSON object" });
    }
    let tokenOk = false;
    try {
      tokenOk = safeEqual(decodeURIComponent(m[1]!), token);
    } catch {
      // a malformed %-escape is just another wrong token
    }
    if (!tokenOk) {
      const e = { status: 401, description: 'Unauthorized' };
      if (method === 'sendmessage')
        rejected.push({
          chatId: String(params.chat_id ?? ''),
          status: 401,
          at: clock(),
          description: e.description,
        });
      return sendError(res, e);
    }
    if (method === 'getme')
      return sendJson(res, 200, {
        ok: true,
        result: {
          id: botId,
          is_bot: true,
          first_name: 'SMART',
          username: 'smart_sim_bot',
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        },
      });
    if (method === 'sendmessage') return sendMessage(params, res);
    return sendError(res, { status: 404, description: 'Not Found' });
  };

  const simApi = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path === '/__sim/messages' && req.method === 'GET') return sendJson(res, 200, { messages, rejected });
    if (path === '/__sim/failures' && req.method === 'POST') {
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        return sendJson(res, 400, { error: 'expected a JSON body {chatId, failure}' });
      }
      const parsed = FailureRequestSchema.safeParse(body);
      if (!parsed.success) return sendJson(res, 400, { error: z.prettifyError(parsed.error) });
      api.setFailure(parsed.data.chatId, parsed.data.failure);
      return sendJson(res, 200, { ok: true });
    }
    return sendJson(res, 404, { error: 'unknown simulator endpoint' });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://telegram.local');
    const handler = url.pathname.startsWith('/__sim/')
      ? simApi(req, res, url.pathname)
      : botApi(req, res, url);
    handler.catch(() => {
      if (!res.headersSent) sendError(res, { status: 500, description: 'Internal Server Error' });
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  const api: FakeTelegram = {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    token,
    messages,
    rejected,
    setFailure(chatId, failure) {
      if (failure === null) failures.delete(chatId);
      else
        failures.set(chatId, {
          ...TelegramFailureSchema.parse(failure),
          ...('times' in failure && failure.times !== undefined ? { left: failure.times } : {}),
        });
    },
    waitForMessages(n, timeoutMs) {
      if (messages.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          fail: (err: Error) => {
            clearTimeout(timer);
            reject(err);
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`fake Telegram: ${messages.length} of ${n} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    reset() {
      messages.length = 0;
      rejected.length = 0;
      failures.clear();
      global = new Window(global.limit, global.windowMs);
      chats = new Map();
      groups = new Map();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of waiters) w.fail(new Error('fake Telegram closed'));
        waiters = [];
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
  return api;
}
