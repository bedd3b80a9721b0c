/**
 * Bytes → text for the XML parser, chunk by chunk. The encoding comes from the BOM or the XML
 * declaration (`windows-1251` is what Russian Windows software writes); without either we assume UTF-8,
 * and fall back to windows-1251 when the first block is not valid UTF-8.
 */
import iconv from 'iconv-lite';
import { ReportParseError } from './errors.js';

/** Encodings we decode (iconv-lite names). Anything else is rejected, not guessed. */
const SUPPORTED: Record<string, string> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'windows-1251': 'windows-1251',
  'win-1251': 'windows-1251',
  cp1251: 'windows-1251',
  'x-cp1251': 'windows-1251',
  'koi8-r': 'koi8-r',
  cp866: 'cp866',
  ibm866: 'cp866',
  'utf-16': 'utf-16le',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
  'us-ascii': 'utf-8',
  ascii: 'utf-8',
  'iso-8859-1': 'latin1',
  latin1: 'latin1',
};

const SNIFF_BYTES = 1024;
const DECL = /^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/;

export interface DetectedEncoding {
  encoding: string;
  /** Bytes to skip at the start (a BOM). */
  skip: number;
  /** Set when the encoding was guessed rather than declared. */
  guessed: boolean;
}

function isValidUtf8Prefix(buf: Buffer): boolean {
  try {
    // stream: true tolerates a multi-byte sequence cut at the end of the block.
    new TextDecoder('utf-8', { fatal: true }).decode(buf, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** Decides the encoding from the first bytes of the document. */
export function detectEncoding(head: Buffer): DetectedEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf)
    return { encoding: 'utf-8', skip: 3, guessed: false };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', skip: 2, guessed: false };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', skip: 2, guessed: false };
  const ascii = head.subarray(0, SNIFF_BYTES).toString('latin1');
  const m = DECL.exec(ascii);
  if (m && m[1] !== undefined) {
    const name = m[1].toLowerCase();
    const enc = SUPPORTED[name];
    if (!enc || !iconv.encodingExists(enc)) {
      throw new ReportParseError(
        'unsupported_encoding',
        `the XML declares encoding "${m[1]}", which is not supported`,
      );
    }
    return { encoding: enc, skip: 0, guessed: false };
  }
  if (!isValidUtf8Prefix(head)) return { encoding: 'windows-1251', skip: 0, guessed: true };
  return { encoding: 'utf-8', skip: 0, guessed: false };
}

interface Decoder {
  write(b: Buffer): string;
  end(): string | undefined;
}

export interface DecodeResult {
  encoding: DetectedEncoding | null;
}

/**
 * Decodes an async stream of byte chunks into text chunks. `info.encoding` is filled once detected.
 * Holds back at most the first ~64 KiB until the encoding is known.
 */
export async function* decodeXml(
  source: AsyncIterable<Buffer | string>,
  info: DecodeResult,
  sniffBytes = 64 * 1024,
): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const st: { decoder: Decoder | null } = { decoder: null };

  const start = (head: Buffer): string => {
    const det = detectEncoding(head);
    info.encoding = det;
    st.decoder = iconv.getDecoder(det.encoding, { stripBOM: false });
    return st.decoder.write(det.skip > 0 ? head.subarray(det.skip) : head);
  };

  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    if (st.decoder !== null) {
      const text = st.decoder.write(chunk);
      if (text) yield text;
      continue;
    }
    pending.push(chunk);
    pendingLen += chunk.length;
    if (pendingLen >= sniffBytes) {
      const text = start(Buffer.concat(pending, pendingLen));
      pending = [];
      pendingLen = 0;
      if (text) yield text;
    }
  }
  if (st.decoder === null) {
    const text = start(Buffer.concat(pending, pendingLen));
    if (text) yield text;
  }
  const tail = st.decoder?.end();
  if (tail) yield tail;
}
