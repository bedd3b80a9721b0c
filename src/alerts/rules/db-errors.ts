/**
 * Classifies the DB-volume errors of a sysinfo report for the KodeksDBerrors* alerts (spec
 * system-requirements.md §4, R-ALR-11/12). A code alone is ambiguous (5 is a protection error and an OS
 * "access denied"; 4101 is an alias of 2020 and an operup error), so the text is read as well, and an
 * error without a code gets one from its text when the Kodeks catalogue recognises it.
 */
import {
  KODEKS_ERRORS,
  errorCodeFromText,
  kodeksErrorFor,
  type KodeksErrorEntry,
} from '../../ingest/parse/kodeks-errors.js';

export type DbErrorClass = 'Code2007' | 'NoCode' | 'CodeXXX';

export interface DbErrorInput {
  code: number | null;
  text: string;
  /** The catalog of the volume (`/docs`, `/sysmon`), when known. */
  catalog?: string | null;
}

export interface DbErrorVerdict {
  /** null: informational, not alerted. */
  class: DbErrorClass | null;
  /** The main code after alias mapping (4103 → 2007 …); null when none could be recognised. */
  code: number | null;
  /** The number the report gave or the text carried, before alias mapping. */
  rawCode: number | null;
}

/** Errors that are benign or transient (R-ALR-12): not alerted. */
const INFORMATIONAL = new Set([603, 610, 793, 794]);

/** Alternative numbers → main code, from the catalogue (4107→50, 4103→2007, 4106→2008, 4100/4109→2010, 4101→2020, 4110→2021). */
const ALIAS_TO_CODE: ReadonlyMap<number, number> = new Map(
  KODEKS_ERRORS.flatMap((e) => {
    const main = e.code;
    return main === null ? [] : e.aliases.map((a): [number, number] => [a, main]);
  }),
);

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The catalogue texts as patterns: placeholders match anything, spacing is loose ("(2007) -Нет" and
 * "(2007) - Нет" both occur), case is ignored. Longest first, so a specific text wins over a short one.
 */
const TEXT_PATTERNS: readonly { entry: KodeksErrorEntry; re: RegExp }[] = [...KODEKS_ERRORS]
  .sort((a, b) => b.text.length - a.text.length)
  .map((entry) => {
    const body = entry.text
      .split(/(<[a-z]+>)/)
      .map((part) => (/^<[a-z]+>$/.test(part) ? '.*?' : escapeRe(part).replace(/\s+/g, '\\s*')))
      .join('');
    return { entry, re: new RegExp(body, 'i') };
  });

/** The catalogue entry whose text the message is, if any. */
function entryByText(text: string): KodeksErrorEntry | undefined {
  return TEXT_PATTERNS.find((p) => p.re.test(text))?.entry;
}

const ALREADY_CONNECTED = /уже\s+подключен/i;
/** 4103 also means "product not found" for an unlicensed sysmon audit module: not a DB fault (spec §4). */
const PRODUCT_NOT_FOUND = /не\s+найден\s+продукт/i;

/** The main code for a number (aliases mapped). */
export function canonicalDbErrorCode(code: number): number {
  return ALIAS_TO_CODE.get(code) ?? code;
}

export function analyseDbError(e: DbErrorInput): DbErrorVerdict {
  // Spacing varies between ПК versions; the catalogue's recogniser expects single spaces.
  const text = e.text.replace(/\s+/g, ' ').trim();
  // A reported 0 is "no code" (the ПК writes "(0)" for a broken signature, which is 669 by its text).
  const given = e.code !== null && e.code > 0 ? e.code : null;
  const byText = given === null ? entryByText(text) : undefined;
  const rawCode = given ?? errorCodeFromText(text) ?? byText?.code ?? null;
  if (rawCode === null) {
    // The one message without a code is harmless (a duplicate volume connection).
    if (ALREADY_CONNECTED.test(text) || (byText && byText.code === null))
      return { class: null, code: null, rawCode: null };
    return { class: 'NoCode', code: null, rawCode: null };
  }
  const code = canonicalDbErrorCode(rawCode);
  if (code === 2007) {
    if (rawCode === 4103 && (PRODUCT_NOT_FOUND.test(text) || e.catalog === '/sysmon'))
      return { class: null, code, rawCode };
    return { class: 'Code2007', code, rawCode };
  }
  if (INFORMATIONAL.has(code)) return { class: null, code, rawCode };
  return { class: 'CodeXXX', code, rawCode };
}

/** 'Code2007' | 'NoCode' | 'CodeXXX', or null for an informational error that is not alerted. */
export function classifyDbError(e: DbErrorInput): DbErrorClass | null {
  return analyseDbError(e).class;
}

/** Short meanings, by catalogue category and code (5 differs between protection and file access). */
const MEANINGS: Readonly<Record<string, string>> = {
  'protection:5': 'неверная лицензия',
  'protection:6': 'неверный открытый ключ',
  'protection:50': 'программа не зарегистрирована на этом компьютере',
  'protection:665': 'нет доступа к драйверу защиты',
  'protection:4111': 'ключ SenseLock не подключён',
  'protection:4112': 'по адресу менеджера лицензий отвечает не он',
  'protection:4113': 'ключ не обнаружен',
  'protection:4116': 'не задан адрес менеджера лицензий',
  'protection:4117': 'ключ в чёрном списке менеджера лицензий',
  'protection:4118': 'неверный логин или пароль прокси',
  'product:2007': 'нет прав на использование БД',
  'product:2008': 'число пользователей превысило максимальное',
  'product:2010': 'в регистрационном файле нет лицензии',
  'product:2020': 'лицензия для другого номера обновления',
  'product:2021': 'истёк срок действия лицензии',
  'product:51': 'ошибка доступа к электронному ключу',
  'volume:600': 'внутренняя ошибка, том, возможно, повреждён',
  'volume:601': 'ошибка в структуре БД',
  'volume:603': 'запись не найдена',
  'volume:610': 'объект заблокирован',
  'volume:613': 'версия БД не поддерживается',
  'volume:615': 'неверный тип поля',
  'volume:619': 'неверная электронная подпись тома',
  'volume:669': 'нарушена подпись тома',
  'volume:696': 'структура тома отличается от других томов',
  'operup:792': 'пакет для другого номера обновления',
  'operup:793': 'пакет уже был добавлен',
  'operup:794': 'пакет для неустановленных разделов БД',
  'operup:954': 'дата пакета не подходит для лицензии',
  'operup:955': 'в пакете нет лицензии для продукта',
  'operup:970': 'пакет без описания',
  'operup:4101': 'версия пакета не подходит для лицензии',
  'file_access:2': 'файл тома не найден',
  'file_access:3': 'путь к тому не найден',
  'file_access:5': 'отказано в доступе к тому',
  'file_access:53': 'сетевой путь к тому не найден',
  'file_access:64': 'сетевое имя больше недоступно',
  'file_access:67': 'сетевое имя не найдено',
};

/**
 * A short Russian meaning of an error code ("нет прав на использование БД"), null for an unknown code.
 * The text, when given, picks between homonyms (5: protection or access denied).
 */
export function dbErrorMeaning(code: number, text?: string): string | null {
  const main = canonicalDbErrorCode(code);
  const byText = text ? entryByText(text) : undefined;
  const entry = byText && byText.code === main ? byText : kodeksErrorFor(main);
  if (!entry || entry.code === null) return null;
  return MEANINGS[`${entry.category}:${entry.code}`] ?? null;
}
