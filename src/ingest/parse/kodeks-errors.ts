/**
 * The Kodeks error catalogue (spec: system-requirements.md §4, dashboards-installations.md §5), as the
 * texts a ПК writes into sysinfo. The simulator draws DB errors from it; the parser uses it to recover a
 * code when a report gives only the text. `<volume>` and `<path>` are placeholders.
 */

export type KodeksErrorCategory = 'protection' | 'product' | 'volume' | 'operup' | 'file_access';

export interface KodeksErrorEntry {
  /** The main code; null for the one message without a code ("Том базы данных уже подключен"). */
  code: number | null;
  /** Alternative numbers of the same error. */
  aliases: number[];
  category: KodeksErrorCategory;
  /** The message as the ПК writes it (with placeholders). */
  text: string;
}

export const KODEKS_ERRORS: readonly KodeksErrorEntry[] = [
  { code: 5, aliases: [], category: 'protection', text: 'Ошибка защиты (5) - Неверная лицензия' },
  { code: 6, aliases: [], category: 'protection', text: 'Ошибка защиты (6) - Неверный открытый ключ' },
  {
    code: 50,
    aliases: [4107],
    category: 'protection',
    text: 'Ошибка защиты (50) - Программа не зарегистрирована на данном компьютере',
  },
  { code: 665, aliases: [], category: 'protection', text: 'Ошибка защиты (1) - Нет доступа к драйверу' },
  {
    code: 4111,
    aliases: [],
    category: 'protection',
    text: 'Привязка: SenseLock ключ - Ошибка защиты 4111 Not connected',
  },
  {
    code: 4112,
    aliases: [],
    category: 'protection',
    text: 'Привязка: SenseLock ключ - Ошибка защиты 4112 Response code not supported by LM',
  },
  {
    code: 4113,
    aliases: [],
    category: 'protection',
    text: 'Привязка: SenseLock ключ - Ошибка защиты 4113 Ключ не обнаружен',
  },
  {
    code: 4116,
    aliases: [],
    category: 'protection',
    text: 'Привязка: SenseLock ключ - Ошибка защиты 4116 Could not acquire license manager address',
  },
  {
    code: 4117,
    aliases: [],
    category: 'protection',
    text: 'Привязка: SenseLock ключ - Ошибка защиты 4117 License manager says key blacklisted',
  },
  {
    code: 4118,
    aliases: [],
    category: 'protection',
    text: 'Привязка: SenseLock ключ - Ошибка защиты 4118 Wrong proxy login or password',
  },
  {
    code: 2007,
    aliases: [4103],
    category: 'product',
    text: 'Ошибка защиты (2007) -Нет прав на использование данной копии БД',
  },
  {
    code: 2008,
    aliases: [4106],
    category: 'product',
    text: 'Ошибка защиты (2008) -Количество пользователей превысило максимальное',
  },
  {
    code: 2010,
    aliases: [4100, 4109],
    category: 'product',
    text: 'Ошибка защиты (2010) -В регистрационном файле отсутствует лицензия',
  },
  {
    code: 2020,
    aliases: [4101],
    category: 'product',
    text: 'Ошибка защиты (2020) - Лицензия в регистрационном файле для информационного продукта с другим номером обновления',
  },
  {
    code: 2021,
    aliases: [4110],
    category: 'product',
    text: 'Ошибка защиты (2021) - Истек срок действия (прошла дата) использования лицензии',
  },
  {
    code: 51,
    aliases: [],
    category: 'product',
    text: 'Ошибка защиты (51) - Ошибка доступа к электронному ключу',
  },
  { code: 600, aliases: [], category: 'volume', text: 'Внутренняя ошибка (600)' },
  { code: 601, aliases: [], category: 'volume', text: 'Ошибка в структуре базы данных <volume> (601)' },
  { code: 603, aliases: [], category: 'volume', text: 'Запись не найдена (603)' },
  {
    code: 610,
    aliases: [],
    category: 'volume',
    text: 'Объект заблокирован или Документ был изменен или сейчас редактируется (610)',
  },
  { code: 613, aliases: [], category: 'volume', text: 'Версия базы данных не поддерживается (613)' },
  { code: 615, aliases: [], category: 'volume', text: 'Неверный тип поля (615)' },
  {
    code: 619,
    aliases: [],
    category: 'volume',
    text: 'Неверный знак числа или Неверная электронная подпись (619)',
  },
  { code: 669, aliases: [], category: 'volume', text: 'Ошибка в структуре базы данных <volume> (0)' },
  { code: 696, aliases: [], category: 'volume', text: 'Ошибка 696 (Area: 0012, Atr: 0040)' },
  { code: null, aliases: [], category: 'volume', text: 'Том базы данных уже подключен' },
  { code: 793, aliases: [], category: 'operup', text: 'Пакет уже был добавлен, пропущен' },
  {
    code: 792,
    aliases: [],
    category: 'operup',
    text: 'Пакет для разделов с другим номером обновления, пропущен',
  },
  {
    code: 794,
    aliases: [],
    category: 'operup',
    text: 'Пакет для разделов БД, которые не установлены, пропущен',
  },
  { code: 970, aliases: [], category: 'operup', text: 'Пакет не содержит описания, пропущен' },
  { code: 954, aliases: [], category: 'operup', text: 'Пакет содержит неподходящую дату для лицензии в БД' },
  { code: 955, aliases: [], category: 'operup', text: 'Пакет не содержит лицензии для продукта' },
  {
    code: 4101,
    aliases: [],
    category: 'operup',
    text: 'Пакет содержит неправильную версию для лицензии в БД',
  },
  {
    code: 2,
    aliases: [],
    category: 'file_access',
    text: 'Не могу открыть файл <path> (ошибка 2) - Не удается найти указанный файл - The system cannot find the file specified',
  },
  {
    code: 3,
    aliases: [],
    category: 'file_access',
    text: 'Не могу открыть файл <path> (ошибка 3) - The system cannot find the path specified',
  },
  {
    code: 5,
    aliases: [],
    category: 'file_access',
    text: 'Не могу открыть файл <path> (ошибка 5) - Отказано в доступе - Access is denied',
  },
  {
    code: 53,
    aliases: [],
    category: 'file_access',
    text: 'Не могу открыть файл <path> (ошибка 53) - The network path was not found',
  },
  {
    code: 64,
    aliases: [],
    category: 'file_access',
    text: 'Не могу открыть файл <path> (ошибка 64) - The specified network name is no longer available.',
  },
  {
    code: 67,
    aliases: [],
    category: 'file_access',
    text: 'Не могу открыть файл <path> (ошибка 67) - The network name cannot be found',
  },
];

/** The catalogue entry for a DB-volume error code (volume, product and file-access errors first). */
export function kodeksErrorFor(code: number | null): KodeksErrorEntry | undefined {
  const order: KodeksErrorCategory[] = ['volume', 'product', 'file_access', 'protection', 'operup'];
  for (const cat of order) {
    const hit = KODEKS_ERRORS.find(
      (e) => e.category === cat && (e.code === code || e.aliases.includes(code ?? -1)),
    );
    if (hit) return hit;
  }
  return undefined;
}

/** The message text with placeholders filled. */
export function kodeksErrorText(entry: KodeksErrorEntry, volume: string, path: string): string {
  return entry.text.replaceAll('<volume>', volume).replaceAll('<path>', path);
}

/**
 * Recovers a code from a message when the report gave none: "Ошибка защиты (2007)", "(ошибка 53)",
 * "Ошибка защиты 4111", "Ошибка 696", "... (601)". "(0)" is not a code. Null when nothing matches.
 */
export function errorCodeFromText(text: string): number | null {
  const patterns = [
    /ошибк[аи] защиты\s*\(?(\d{1,5})\)?/i,
    /\(ошибка\s+(\d{1,5})\)/i,
    /^ошибка\s+(\d{1,5})\b/i,
    /\((\d{1,5})\)\s*$/,
  ];
  for (const re of patterns) {
    const m = re.exec(text);
    if (m && m[1] !== undefined) {
      const n = Number(m[1]);
      if (n > 0) return n;
    }
  }
  const known = KODEKS_ERRORS.find((e) => e.code !== null && text.includes(e.text.replace(/<[a-z]+>/g, '')));
  return known?.code ?? null;
}
