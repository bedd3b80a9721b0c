/**
 * A simulated ASRP (the vendor's reporting system fed with sysinfo files) over loopback: it takes a
 * sysinfo upload with HTTP Basic credentials and answers the way SMART records it in «Загрузка
 * sysinfo в АСРП»: `ok`/«Принят» with an upload number and an identifier, `warning`/«Повтор» for a
 * file it already has, `warning` for a file it refuses, 401 for wrong credentials, and, on demand,
 * 5xx answers and requests it never answers. docs/simulator-asrp.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import yauzl from 'yauzl';
import { z } from 'zod';
import { safeEqual } from '../http-util.js';

export const ASRP_UPLOAD_PATH = '/api/v1/sysinfo';
export const DEFAULT_ASRP_LOGIN = 'smart-upload';
export const DEFAULT_ASRP_PASSWORD = 'asrp-secret';
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

export const AsrpFaultSchema = z.discriminatedUnion('kind', [
  /** Answers this status with an HTML error page, as a gateway in front of ASRP would. */
  z.object({
    kind: z.literal('status'),
    status: z.union([z.literal(500), z.literal(502), z.literal(503)]),
    times: z.number().int().min(1).optional(),
  }),
  /** Reads the request and never answers. */
  z.object({ kind: z.literal('timeout'), times: z.number().int().min(1).optional() }),
  /** Keeps the file, then never answers: the answer is lost, the next send of it is «Повтор». */
  z.object({ kind: z.literal('store-then-timeout'), times: z.number().int().min(1).optional() }),
  /** Refuses the file with `warning` and this message. */
  z.object({
    kind: z.literal('warning'),
    message: z.string().min(1).max(500),
    times: z.number().int().min(1).optional(),
  }),
]);
export type AsrpFault = z.infer<typeof AsrpFaultSchema>;

export interface AsrpAnswer {
  /** «Ответ сервера». */
  response: 'ok' | 'warning';
  /** «Состояние»: null when the file was refused. */
  state: 'Принят' | 'Повтор' | null;
  /** «Номер загрузки»: 22 hex digits, the first 8 the Unix time of the upload. */
  uploadNumber: string;
  /** «Идентификатор»: a GUID of the file in ASRP, null when it was refused. */
  id: string | null;
  message: string;
}

export interface ReceivedUpload {
  at: number;
  login: string;
  dealer: string;
  client: string;
  fileName: string;
  sha256: string;
  size: number;
  answer: AsrpAnswer | null;
  /** The fault that shaped the answer, if any. */
  fault: AsrpFault['kind'] | null;
}

export interface AsrpSimOptions {
  /** 0 = any free port. */
  port?: number;
  host?: string;
  /** login → password; default one account `smart-upload` / `asrp-secret`. */
  accounts?: Record<string, string>;
  clock?: () => number;
  /** A sysinfo module version older than this is refused with a warning (e.g. `2.0.6.13`). */
  minSysinfoVersion?: string;
  maxBytes?: number;
}

export interface AsrpSim {
  url: string;
  /** The full upload address: what SMART's ASRP settings take as the endpoint. */
  endpoint: string;
  port: number;
  /** Every request that reached the upload path, authorised or not. */
  requests: number;
  /** Authorised uploads with a file, in order, with the answer given. */
  uploads: ReceivedUpload[];
  /** Files ASRP holds: sha256 → identifier. */
  readonly files: Map<string, string>;
  /** Scripts the answers for one client name, or for every client with '*'; null clears. */
  setFault(client: string, fault: AsrpFault | null): void;
  setAccount(login: string, password: string | null): void;
  reset(): void;
  close(): Promise<void>;
}

interface FaultSlot {
  fault: AsrpFault;
  left: number;
}

/** Oldest-first comparison of dotted versions (`2.0.6.12` < `2.0.6.15`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A GUID made from the content hash: the same file gets the same identifier. */
function guidOf(sha: string): string {
  const h = sha.slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function xmlHead(buf: Buffer): Promise<string | null> {
  if (buf.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return zipXmlHead(buf);
  const text = buf.subarray(0, 64 * 1024).toString('latin1');
  return Promise.resolve(text.includes('<sysinfo') ? text : null);
}

/** The first 64 KiB of the zip's first .xml entry. */
function zipXmlHead(buf: Buffer): Promise<string | null> {
  return new Promise((resolve) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return resolve(null);
      let done = false;
      const finish = (v: string | null) => {
        if (done) return;
        done = true;
        zip.close();
        resolve(v);
      };
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!entry.fileName.toLowerCase().endsWith('.xml')) return zip.readEntry();
        zip.openReadStream(entry, (e2, stream) => {
          if (e2 || !stream) return finish(null);
          const parts: Buffer[] = [];
          let size = 0;
          stream.on('data', (c: Buffer) => {
            parts.push(c);
            size += c.length;
            if (size >= 64 * 1024) {
              stream.destroy();
              finish(Buffer.concat(parts).toString('latin1'));
            }
          });
          stream.on('end', () => finish(Buffer.concat(parts).toString('latin1')));
          stream.on('error', () => finish(null));
        });
      });
      zip.on('end', () => finish(null));
      zip.on('error', () => finish(null));
      zip.readEntry();
    });
  });
}

const GATEWAY_PAGE = (status: number) =>
  `<html><head><title>${status}</title></head><body><h1>${status}</h1><hr>nginx</body></html>`;

export async function startAsrpSim(opts: AsrpSimOptions = {}): Promise<AsrpSim> {
  const clock = opts.clock ?? (() => Date.now());
  const accounts = new Map(Object.entries(opts.accounts ?? { [DEFAULT_ASRP_LOGIN]: DEFAULT_ASRP_PASSWORD }));
  const faults = new Map<string, FaultSlot>();
  const files = new Map<string, string>();
  const hanging = new Set<() => void>();
  let counter = randomBytes(3).readUIntBE(0, 3);

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 64 * 1024 });
  await app.register(multipart, {
    limits: { files: 1, fileSize: (opts.maxBytes ?? DEFAULT_MAX_BYTES) + 1, fields: 10, fieldSize: 1024 },
    throwFileSizeLimit: true,
  });

  const uploadNumber = (): string => {
    counter = (counter + 1) % 0xffffff;
    const t = Math.floor(clock() / 1000)
      .toString(16)
      .padStart(8, '0');
    return t + randomBytes(4).toString('hex') + counter.toString(16).padStart(6, '0');
  };

  const takeFault = (client: string): AsrpFault | null => {
    const key = faults.has(client) ? client : faults.has('*') ? '*' : null;
    if (key === null) return null;
    const slot = faults.get(key)!;
    slot.left -= 1;
    if (slot.left <= 0) faults.delete(key);
    return slot.fault;
  };

  const hang = (): Promise<void> =>
    new Promise((resolve) => {
      hanging.add(resolve);
    });

  const sim: AsrpSim = {
    url: '',
    endpoint: '',
    port: 0,
    requests: 0,
    uploads: [],
    files,
    setFault(client, fault) {
      if (fault === null) faults.delete(client);
      else faults.set(client, { fault: AsrpFaultSchema.parse(fault), left: fault.times ?? Infinity });
    },
    setAccount(login, password) {
      if (password === null) accounts.delete(login);
      else accounts.set(login, password);
    },
    reset() {
      sim.requests = 0;
      sim.uploads.length = 0;
      files.clear();
      faults.clear();
    },
    async close() {
      for (const r of hanging) r();
      hanging.clear();
      await app.close();
    },
  };

  const authorised = (req: FastifyRequest): string | null => {
    const h = req.headers.authorization ?? '';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(h);
    if (!m) return null;
    const text = Buffer.from(m[1]!, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i < 0) return null;
    const login = text.slice(0, i);
    const expected = accounts.get(login);
    return expected !== undefined && safeEqual(expected, text.slice(i + 1)) ? login : null;
  };

  app.post(ASRP_UPLOAD_PATH, async (req: FastifyRequest, reply: FastifyReply) => {
    sim.requests += 1;
    const login = authorised(req);
    if (!login) {
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="ASRP"')
        .send({ error: 'unauthorized', message: 'Неверный логин или пароль' });
    }
    if (!req.isMultipart()) {
      return reply
        .code(400)
        .send({ error: 'bad_request', message: 'Ожидается multipart/form-data с полем file' });
    }
    const fields: Record<string, string> = {};
    let file: { name: string; data: Buffer } | null = null;
    try {
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          const data = await part.toBuffer();
          if (part.fieldname === 'file') file = { name: part.filename, data };
        } else {
          fields[part.fieldname] = String(part.value);
        }
      }
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE')
        return reply.code(413).send({ error: 'too_large', message: 'Файл слишком большой' });
      return reply.code(400).send({ error: 'bad_request', message: (e as Error).message });
    }
    if (!file || file.data.length === 0) {
      return reply.code(400).send({ error: 'bad_request', message: 'Нет файла в поле file' });
    }
    const dealer = fields.dealer ?? '';
    const client = fields.client ?? '';
    const sha256 = createHash('sha256').update(file.data).digest('hex');
    const record: ReceivedUpload = {
      at: clock(),
      login,
      dealer,
      client,
      fileName: file.name,
      sha256,
      size: file.data.length,
      answer: null,
      fault: null,
    };
    sim.uploads.push(record);

    const fault = takeFault(client);
    record.fault = fault?.kind ?? null;
    if (fault?.kind === 'status') {
      return reply.code(fault.status).type('text/html').send(GATEWAY_PAGE(fault.status));
    }
    if (fault?.kind === 'timeout') {
      await hang();
      return reply;
    }
    if (fault?.kind === 'warning') {
      record.answer = {
        response: 'warning',
        state: null,
        uploadNumber: uploadNumber(),
        id: null,
        message: fault.message,
      };
      return reply.send(record.answer);
    }

    const known = files.get(sha256);
    if (known !== undefined) {
      record.answer = {
        response: 'warning',
        state: 'Повтор',
        uploadNumber: uploadNumber(),
        id: known,
        message: 'Файл уже загружен в АСРП',
      };
      return reply.send(record.answer);
    }
    const head = await xmlHead(file.data);
    if (head === null) {
      record.answer = {
        response: 'warning',
        state: null,
        uploadNumber: uploadNumber(),
        id: null,
        message: 'Файл не является выгрузкой sysinfo',
      };
      return reply.send(record.answer);
    }
    const version = /<sysinfo\b[^>]*\bmodule="([^"]+)"/.exec(head)?.[1];
    if (opts.minSysinfoVersion && (!version || compareVersions(version, opts.minSysinfoVersion) < 0)) {
      record.answer = {
        response: 'warning',
        state: null,
        uploadNumber: uploadNumber(),
        id: null,
        message: `Устаревшая версия sysinfo ${version ?? '(не указана)'}, нужна ${opts.minSysinfoVersion} или новее`,
      };
      return reply.send(record.answer);
    }
    const id = guidOf(sha256);
    files.set(sha256, id);
    if (fault?.kind === 'store-then-timeout') {
      await hang();
      return reply;
    }
    record.answer = {
      response: 'ok',
      state: 'Принят',
      uploadNumber: uploadNumber(),
      id,
      message: 'Файл поставлен в очередь на обработку',
    };
    return reply.send(record.answer);
  });

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const host = opts.host ?? '127.0.0.1';
  sim.port = port;
  sim.url = `http://${host}:${port}`;
  sim.endpoint = `${sim.url}${ASRP_UPLOAD_PATH}`;
  return sim;
}
