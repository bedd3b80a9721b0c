import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPromText, parsePromText, PromParseError, type PromSample } from './prom-text.js';

describe('Prometheus text parser', () => {
  it('reads HELP, TYPE, comments, labels and values', () => {
    const doc = parsePromText(
      [
        '# Sysinfo metrics',
        '# HELP kserver_main_page Main page state\\nsecond line \\\\ done',
        '# TYPE kserver_main_page gauge',
        'kserver_main_page{service="kodweb",path="/docs"} 0',
        'kserver_main_page{service="kodweb",path="/kodeks02",} 1',
        '',
        '   up 1 1776334133000',
        'nan_metric NaN',
        'inf_metric{a="x"} +Inf',
        'neg_inf -Inf',
        'sci 1.5e3',
        'quoted{v="a \\"b\\" \\\\ c\\nd"} -2.25',
      ].join('\n'),
    );
    expect(doc.comments).toEqual(['Sysinfo metrics']);
    expect(doc.families).toEqual([
      { name: 'kserver_main_page', help: 'Main page state\nsecond line \\ done', type: 'gauge' },
    ]);
    expect(doc.samples[0]).toEqual({
      name: 'kserver_main_page',
      labels: { service: 'kodweb', path: '/docs' },
      value: 0,
      timestampMs: null,
    });
    expect(doc.samples[1]!.labels.path).toBe('/kodeks02');
    expect(doc.samples[2]).toEqual({ name: 'up', labels: {}, value: 1, timestampMs: 1776334133000 });
    expect(Number.isNaN(doc.samples[3]!.value)).toBe(true);
    expect(doc.samples[4]!.value).toBe(Infinity);
    expect(doc.samples[5]!.value).toBe(-Infinity);
    expect(doc.samples[6]!.value).toBe(1500);
    expect(doc.samples[7]!.labels.v).toBe('a "b" \\ c\nd');
  });

  it('accepts CRLF line ends (files written on Windows)', () => {
    const doc = parsePromText('# TYPE a counter\r\na_total 3\r\nb 4\r\n');
    expect(doc.samples.map((s) => [s.name, s.value])).toEqual([
      ['a_total', 3],
      ['b', 4],
    ]);
  });

  it('reports the line and column of the first problem', () => {
    const cases: [string, number, RegExp][] = [
      ['ok 1\nbad{a="x" 1\n', 2, /labels|unexpected/],
      ['ok 1\n\nx{a=unquoted} 1', 3, /quoted value/],
      ['x notanumber', 1, /not a number/],
      ['x 1 12.5', 1, /timestamp/],
      ['x 1 2 3', 1, /after the timestamp/],
      ['x{a="1",a="2"} 1', 1, /twice/],
      ['x{a="\\t"} 1', 1, /escape/],
      ['# TYPE x whatever', 1, /unknown metric type/],
      ['# TYPE x gauge\n# TYPE x counter', 2, /second TYPE/],
      ['x', 1, /no value/],
      ['{a="b"} 1', 1, /metric name/],
      ['x{a="b} 1', 1, /not closed/],
    ];
    for (const [text, line, re] of cases) {
      let err: unknown;
      try {
        parsePromText(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(PromParseError);
      expect((err as PromParseError).line, text).toBe(line);
      expect((err as PromParseError).message, text).toMatch(re);
    }
  });

  it('bounds line length, label count and series count', () => {
    expect(() => parsePromText(`x{a="${'y'.repeat(200)}"} 1`, { maxLineLength: 100 })).toThrow(
      /longer than 100/,
    );
    const labels = Array.from({ length: 5 }, (_, i) => `l${i}="v"`).join(',');
    expect(() => parsePromText(`x{${labels}} 1`, { maxLabels: 4 })).toThrow(/more than 4 labels/);
    expect(() => parsePromText('a 1\nb 2\nc 3', { maxSeries: 2 })).toThrow(/line 3.*more than 2 series/);
  });

  it('accepts the unquoted label values of some ПК builds only when lenient', () => {
    const text = 'kserver_product_control{service="kodweb",path="/docs",status=update DB} 1';
    expect(() => parsePromText(text)).toThrow(PromParseError);
    expect(parsePromText(text, { lenient: true }).samples[0]!.labels).toEqual({
      service: 'kodweb',
      path: '/docs',
      status: 'update DB',
    });
  });

  it('never evaluates anything: label values are kept verbatim', () => {
    const doc = parsePromText('x{v="${process.exit(1)}",w="__proto__"} 1\ny{__proto__="p"} 2');
    expect(doc.samples[0]!.labels.v).toBe('${process.exit(1)}');
    expect(Object.keys(doc.samples[1]!.labels)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(doc.samples[1]!.labels)).toBe(Object.prototype);
  });

  const name = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/);
  const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/);
  const sample: fc.Arbitrary<PromSample> = fc.record({
    name,
    labels: fc.dictionary(labelName, fc.string({ unit: 'binary', maxLength: 20 }), { maxKeys: 5 }),
    value: fc.double(),
    timestampMs: fc.option(fc.integer({ min: -1e15, max: 1e15 }), { nil: null }),
  });

  it('round-trips any samples through format → parse (property)', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 20 }), (samples) => {
        const parsed = parsePromText(formatPromText({ samples }));
        expect(parsed.samples).toEqual(samples);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips HELP and TYPE metadata (property)', () => {
    fc.assert(
      fc.property(
        name,
        fc.string({ maxLength: 40 }).map((s) => s.replace(/^[ \t]+/, '')),
        fc.constantFrom('counter', 'gauge', 'histogram', 'summary', 'untyped') as fc.Arbitrary<'gauge'>,
        (n, help, type) => {
          const text = formatPromText({
            samples: [{ name: n, labels: {}, value: 1, timestampMs: null }],
            families: [{ name: n, help, type }],
          });
          expect(parsePromText(text).families).toEqual([{ name: n, help, type }]);
        },
      ),
    );
  });

  it('throws nothing but PromParseError on arbitrary input (property)', () => {
    const junk = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc
        .array(
          fc.constantFrom('#', ' ', '{', '}', '"', '\\', '=', ',', '\n', 'a', '1', 'NaN', 'HELP', 'TYPE'),
          { maxLength: 60 },
        )
        .map((a) => a.join('')),
    );
    fc.assert(
      fc.property(junk, (text) => {
        try {
          parsePromText(text);
        } catch (e) {
          expect(e).toBeInstanceOf(PromParseError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
