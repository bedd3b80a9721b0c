import { describe, expect, it } from 'vitest';
import { KODEKS_ERRORS, kodeksErrorText } from '../../ingest/parse/kodeks-errors.js';
import { analyseDbError, canonicalDbErrorCode, classifyDbError, dbErrorMeaning } from './db-errors.js';

const VOL = 'kodeks6_00012';
const PATH = 'D:\\Kodeks\\Techexpert-Intranet\\Db\\kodeks6\\kodeks6_00012.vol';
const textOf = (code: number): string => {
  const e = KODEKS_ERRORS.find((x) => x.code === code);
  if (!e) throw new Error(`no catalogue entry ${code}`);
  return kodeksErrorText(e, VOL, PATH);
};

describe('DB error classifier', () => {
  it('2007 and its alias 4103 are Code2007', () => {
    expect(classifyDbError({ code: 2007, text: textOf(2007) })).toBe('Code2007');
    expect(analyseDbError({ code: 4103, text: 'Ошибка защиты (4103)' })).toEqual({
      class: 'Code2007',
      code: 2007,
      rawCode: 4103,
    });
  });

  it('4103 of a sysmon audit module ("product not found") is not a DB fault', () => {
    expect(classifyDbError({ code: 4103, text: 'Не найден продукт' })).toBeNull();
    expect(classifyDbError({ code: 4103, text: 'Ошибка защиты (4103)', catalog: '/sysmon' })).toBeNull();
  });

  it('maps the aliases to their main codes', () => {
    expect(
      [4107, 4103, 4106, 4100, 4109, 4101, 4110].map((c) => [c, canonicalDbErrorCode(c)] as const),
    ).toEqual([
      [4107, 50],
      [4103, 2007],
      [4106, 2008],
      [4100, 2010],
      [4109, 2010],
      [4101, 2020],
      [4110, 2021],
    ]);
    expect(analyseDbError({ code: 4110, text: 'x' })).toEqual({
      class: 'CodeXXX',
      code: 2021,
      rawCode: 4110,
    });
  });

  it('recovers a code from the text when the report gave none', () => {
    expect(analyseDbError({ code: null, text: textOf(2007) })).toMatchObject({
      class: 'Code2007',
      code: 2007,
    });
    expect(analyseDbError({ code: null, text: textOf(53) })).toMatchObject({ class: 'CodeXXX', code: 53 });
    expect(analyseDbError({ code: null, text: 'Ошибка 696 (Area: 0012, Atr: 0040)' })).toMatchObject({
      code: 696,
    });
    // "(0)" is not a code, but the text is the catalogue's broken-signature message.
    expect(analyseDbError({ code: null, text: textOf(669) })).toMatchObject({ class: 'CodeXXX', code: 669 });
    // Spacing differs between ПК versions.
    expect(
      analyseDbError({ code: null, text: 'Ошибка  защиты (2021)  -  Истек срок действия' }),
    ).toMatchObject({ code: 2021 });
  });

  it('an error with no recognisable code is NoCode', () => {
    expect(classifyDbError({ code: null, text: 'Что-то пошло не так' })).toBe('NoCode');
    expect(classifyDbError({ code: 0, text: '' })).toBe('NoCode');
  });

  it('informational errors and "already connected" are not alerted', () => {
    for (const c of [603, 610, 793, 794]) expect(classifyDbError({ code: c, text: textOf(c) })).toBeNull();
    expect(classifyDbError({ code: null, text: 'Запись не найдена (603)' })).toBeNull();
    expect(classifyDbError({ code: null, text: 'Том базы данных уже подключен' })).toBeNull();
    expect(classifyDbError({ code: null, text: 'Том базы данных  уже подключен: kodeks6_1' })).toBeNull();
  });

  it('any other code, known or not, is CodeXXX', () => {
    expect(classifyDbError({ code: 12345, text: 'Неизвестная ошибка' })).toBe('CodeXXX');
    expect(classifyDbError({ code: 2, text: textOf(2) })).toBe('CodeXXX');
    expect(classifyDbError({ code: 600, text: textOf(600) })).toBe('CodeXXX');
  });

  it('classifies every catalogue message consistently with and without its code', () => {
    const info = new Set([603, 610, 793, 794]);
    for (const e of KODEKS_ERRORS) {
      const text = kodeksErrorText(e, VOL, PATH);
      const expected = e.code === null || info.has(e.code) ? null : e.code === 2007 ? 'Code2007' : 'CodeXXX';
      expect(classifyDbError({ code: e.code, text }), text).toBe(expected);
      expect(classifyDbError({ code: null, text }), text).toBe(expected);
    }
  });
});

describe('DB error meanings', () => {
  it('give a short Russian meaning by code, aliases included', () => {
    expect(dbErrorMeaning(2007)).toBe('нет прав на использование БД');
    expect(dbErrorMeaning(4103)).toBe('нет прав на использование БД');
    expect(dbErrorMeaning(601)).toBe('ошибка в структуре БД');
    expect(dbErrorMeaning(99999)).toBeNull();
  });

  it('tell the two meanings of 5 apart by the text', () => {
    expect(dbErrorMeaning(5, textOf(5))).toBe('неверная лицензия');
    const access = KODEKS_ERRORS.find((e) => e.code === 5 && e.category === 'file_access')!;
    expect(dbErrorMeaning(5, kodeksErrorText(access, VOL, PATH))).toBe('отказано в доступе к тому');
    // Without a text, a DB volume's 5 is the access error.
    expect(dbErrorMeaning(5)).toBe('отказано в доступе к тому');
  });
});
