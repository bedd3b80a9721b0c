import iconv from 'iconv-lite';
import type { ImportIssue } from './types.js';

export interface DecodedText {
  text: string;
  encoding: 'utf-8' | 'windows-1251';
  warnings: ImportIssue[];
  errors: ImportIssue[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns the uploaded bytes into text. UTF-8 (with or without BOM) is read as is; anything that is
 * not valid UTF-8 is taken for Windows-1251, which is what Excel and Notepad write on Russian Windows,
 * and a warning says so. UTF-16 and binary files are refused.
 */
export function decodeCsvBytes(bytes: Buffer, file: string): DecodedText {
  const none: ImportIssue[] = [];
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return {
      text: '',
      encoding: 'utf-8',
      warnings: none,
      errors: [{ file, line: 1, message: 'the file is UTF-16; save it as UTF-8 (or Windows-1251) text' }],
    };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const line = bytes.subarray(0, nul).toString('latin1').split('\n').length;
    return {
      text: '',
      encoding: 'utf-8',
      warnings: none,
      errors: [
        {
          file,
          line,
          message: 'the file contains NUL bytes: it is not a text CSV (an .xlsx saved by Excel?)',
        },
      ],
    };
  }
  let body = bytes;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) body = bytes.subarray(3);
  try {
    return { text: utf8.decode(body), encoding: 'utf-8', warnings: none, errors: none };
  } catch {
    return {
      text: iconv.decode(body, 'win1251'),
      encoding: 'windows-1251',
      warnings: [
        {
          file,
          line: 1,
          message:
            'the file is not UTF-8; it was read as Windows-1251 (CP1251) and converted. Save it as UTF-8 to avoid this',
        },
      ],
      errors: none,
    };
  }
}
