import { Readable } from 'node:stream';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ReportParseError, type ReportParseReason } from './errors.js';
import { SnapshotSchema, type Snapshot } from './snapshot.js';
import { parseSysinfoStream, type SysinfoParseOptions } from './sysinfo-parser.js';

const MSK = 180;
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number =>
  Date.UTC(y, mo - 1, d, h, mi, s);
/** 2026-04-16 13:08:53 Moscow time. */
const CREATED = utc(2026, 4, 16, 10, 8, 53);

const FULL = `<?xml version="1.0" encoding="utf-8"?>
<sysinfo format="1" module="2.0.6.15" created="2026-04-16 13:08:53">
  <server>
    <version>6.4.5.46 (x64) [patch 2]</version>
    <hostname>SRV-KODEKS</hostname>
    <os>Windows Server 2019</os>
    <started>2026-04-16 03:00:12</started>
    <components>
      <component type="ksrv" version="6.4.5.46" full="6.4.5.46 (x64) [patch 2]"/>
      <component type="sysinfo" version="2.0.6.15"/>
      <component type="kassist" version="1.4.0.12"/>
    </components>
  </server>
  <registration>
    <regnum>250_361567</regnum>
    <client>ООО «Ромашка» &amp; партнёры</client>
    <seats>20</seats>
    <inuse>2</inuse>
    <binding>senselock</binding>
    <senselock status="ok" key="1234-5678">Ключ SenseLock найден</senselock>
  </registration>
  <licenses>
    <license product="100001" name="Кодекс: Законодательство" db="kodeks6" from="2025-05-01" to="2026-04-30"/>
  </licenses>
  <catalogs>
    <catalog path="/docs" title="Техэксперт" dbs="kodeks6.dbs"/>
    <catalog path="kodeks02/" dbs="kodeks02.dbs"/>
  </catalogs>
  <databases>
    <volume name="kodeks6_00012" path="D:\\Db\\kodeks6_00012.vol" catalog="/docs" update="2604">
      <error code="2007">Ошибка защиты (2007) -Нет прав на использование данной копии БД</error>
      <error>Не могу открыть файл D:\\Db\\x.vol (ошибка 53) - The network path was not found</error>
    </volume>
    <volume name="kodeks6_00013" path="D:\\Db\\kodeks6_00013.vol" catalog="/docs"/>
  </databases>
  <operups>
    <operup path="C:\\Kodeks\\Techexpert-Intranet\\OperUp\\30725NKV.ud6" modified="2026-04-16 04:12:00" size="123456"/>
  </operups>
  <sessions>
    <session login="ivanov_i" logon="2026-04-16 09:01:12" ip="10.0.0.15" browser="Chrome 124.0" domain="Бухгалтерия" license="1"/>
    <session login="petrova_e" logon="2026-04-16 09:30:00" ip="10.0.0.16" browser="Yandex 24.4" license="1"/>
  </sessions>
  <users>
    <user login="ivanov_i" domain="Бухгалтерия" registered="2024-01-12 10:00:00" lastactivity="2026-04-16 12:58:00">
      <card fullname="Иванов Иван Иванович" phone="+7 (845) 000-00-00" email="ivanov.i@example.ru" position="Бухгалтер" department="Бухгалтерия"/>
      <usage date="2026-04-15" requests="12" docs="8" docslicensed="6" docsfree="2" saved="1" printed="1" services="3" kassist="2"/>
      <usage date="2026-04-16" requests="4" docs="2" docslicensed="2" docsfree="0" saved="0" printed="0" services="0" kassist="0"/>
      <preferences><theme>dark</theme></preferences>
    </user>
    <user login="petrova_e" registered="2025-09-01 09:00:00"/>
  </users>
  <searchlog>
    <search time="2026-04-16 09:12:44" user="ivanov_i" catalog="/docs" type="intelligent" source="ksrv" status="success" duration="412">гост 30245</search>
    <search time="2026-04-16 09:15:00" user="petrova_e" catalog="/kodeks02" type="attribute" source="kassist" status="empty" duration="15200">гост 99999-2031</search>
  </searchlog>
  <refusedlogons>
    <refused login="sidorov_a" time="2026-04-16 10:02:00">Ошибка защиты (2008) -Количество пользователей превысило максимальное</refused>
  </refusedlogons>
  <kassist>
    <links date="2026-04-15" unique="12" nomatch="3" added="40" active="35"/>
  </kassist>
  <environment><setting name="x">y</setting></environment>
</sysinfo>
`;

async function parse(
  input: string | Buffer | Buffer[],
  opts: Partial<SysinfoParseOptions> = {},
): Promise<Snapshot> {
  const chunks = Array.isArray(input)
    ? input
    : [typeof input === 'string' ? Buffer.from(input, 'utf8') : input];
  return parseSysinfoStream(Readable.from(chunks), { utcOffsetMin: MSK, ...opts });
}

async function failure(
  input: string | Buffer,
  opts: Partial<SysinfoParseOptions> = {},
): Promise<ReportParseError> {
  try {
    await parse(input, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ReportParseError);
    return e as ReportParseError;
  }
  throw new Error('expected the parse to fail');
}

function chunked(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

describe('sysinfo parser: our model', () => {
  it('maps every section of the model to the Snapshot', async () => {
    const s = await parse(FULL);
    expect(() => SnapshotSchema.parse(s)).not.toThrow();
    expect(s.schemaVersion).toBe(1);
    expect(s.producedAt).toBe(CREATED);
    expect(s.source).toMatchObject({
      container: 'xml',
      encoding: 'utf-8',
      root: 'sysinfo',
      formatVersion: '1',
    });
    expect(s.software).toEqual({
      pkVersion: '6.4.5.46 (x64) [patch 2]',
      pkVersionShort: '6.4.5.46',
      sysinfoVersion: '2.0.6.15',
    });
    expect(s.host).toEqual({
      name: 'SRV-KODEKS',
      os: 'Windows Server 2019',
      startedAt: utc(2026, 4, 16, 0, 0, 12),
    });
    expect(s.client).toEqual({ name: 'ООО «Ромашка» & партнёры', regnum: '250_361567' });
    expect(s.licensing).toEqual({
      seats: 20,
      inUse: 2,
      binding: 'senselock',
      senselock: { status: 'ok', code: null, message: 'Ключ SenseLock найден', keyNumber: '1234-5678' },
    });
    expect(s.components.map((c) => `${c.type} ${c.version}`)).toEqual([
      'ksrv 6.4.5.46',
      'sysinfo 2.0.6.15',
      'kassist 1.4.0.12',
    ]);
    expect(s.licences).toEqual([
      {
        product: '100001',
        name: 'Кодекс: Законодательство',
        db: 'kodeks6',
        validFrom: utc(2025, 4, 30, 21),
        validToDay: '2026-04-30',
        expiresAt: utc(2026, 4, 30, 21),
      },
    ]);
    expect(s.catalogs.map((c) => c.path)).toEqual(['/docs', '/kodeks02']);
    expect(s.volumes).toHaveLength(2);
    expect(s.volumeErrors).toEqual([
      {
        volume: 'kodeks6_00012',
        path: 'D:\\Db\\kodeks6_00012.vol',
        catalog: '/docs',
        code: 2007,
        text: 'Ошибка защиты (2007) -Нет прав на использование данной копии БД',
      },
      expect.objectContaining({ code: 53 }), // recovered from the text
    ]);
    expect(s.operups).toEqual([
      {
        path: 'C:\\Kodeks\\Techexpert-Intranet\\OperUp\\30725NKV.ud6',
        modifiedAt: utc(2026, 4, 16, 1, 12),
        sizeBytes: 123456,
      },
    ]);
    expect(s.sessions[0]).toEqual({
      login: 'ivanov_i',
      logonAt: utc(2026, 4, 16, 6, 1, 12),
      ip: '10.0.0.15',
      browser: 'Chrome 124.0',
      domain: 'Бухгалтерия',
      holdsLicence: true,
    });
    expect(s.sessions[1]!.domain).toBe('НеОпределён');
    expect(s.users[0]).toEqual({
      login: 'ivanov_i',
      domain: 'Бухгалтерия',
      registeredAt: utc(2024, 1, 12, 7),
      lastActivityAt: utc(2026, 4, 16, 9, 58),
      fullname: 'Иванов Иван Иванович',
      phone: '+7 (845) 000-00-00',
      email: 'ivanov.i@example.ru',
      position: 'Бухгалтер',
      department: 'Бухгалтерия',
      blocked: false,
    });
    expect(s.users[1]).toMatchObject({
      login: 'petrova_e',
      domain: 'НеОпределён',
      lastActivityAt: null,
      fullname: null,
    });
    expect(s.usage).toEqual([
      {
        login: 'ivanov_i',
        day: '2026-04-15',
        dbRequests: 12,
        docsCounted: 8,
        docsLicensed: 6,
        docsFree: 2,
        saved: 1,
        printed: 1,
        services: 3,
        kassistRequests: 2,
      },
      expect.objectContaining({ login: 'ivanov_i', day: '2026-04-16', dbRequests: 4 }),
    ]);
    expect(s.searches).toEqual([
      {
        at: utc(2026, 4, 16, 6, 12, 44),
        login: 'ivanov_i',
        query: 'гост 30245',
        catalog: '/docs',
        type: 'intelligent',
        source: 'ksrv',
        status: 'success',
        durationMs: 412,
      },
      {
        at: utc(2026, 4, 16, 6, 15),
        login: 'petrova_e',
        query: 'гост 99999-2031',
        catalog: '/kodeks02',
        type: 'attribute',
        source: 'kassist',
        status: 'empty',
        durationMs: 15200,
      },
    ]);
    expect(s.refusedLogons).toEqual([
      {
        login: 'sidorov_a',
        at: utc(2026, 4, 16, 7, 2),
        reason: 'Ошибка защиты (2008) -Количество пользователей превысило максимальное',
      },
    ]);
    expect(s.kassistLinks).toEqual([
      { day: '2026-04-15', uniqueAdded: 12, noMatch: 3, added: 40, activeVerified: 35 },
    ]);
    expect(s.skipped).toBe(0);
    expect(s.warnings).toEqual([]);
    expect(Object.values(s.dropped).every((n) => n === 0)).toBe(true);
  });

  it('converts local times with the offset it is given', async () => {
    const vladivostok = await parse(FULL, { utcOffsetMin: 600 });
    expect(vladivostok.producedAt).toBe(CREATED - 7 * 3_600_000);
    expect(vladivostok.utcOffsetMin).toBe(600);
  });

  it('gives the same result whatever the chunk boundaries (multi-byte characters split)', async () => {
    const whole = await parse(FULL);
    const buf = Buffer.from(FULL, 'utf8');
    for (const size of [1, 2, 3, 7, 13, 64, 1000]) {
      expect(await parse(chunked(buf, size))).toEqual(whole);
    }
  });
});

describe('sysinfo parser: tolerance to variants', () => {
  it('reads child elements as well as attributes, any case, with namespace prefixes', async () => {
    const s = await parse(`<?xml version="1.0"?>
<si:SysInfo xmlns:si="urn:x" Created="16.04.2026 13:08">
  <Registration Seats="15"><RegNum>100_000001</RegNum><ClientName>АО «Тест»</ClientName>
    <SenseLock Code="4111">Привязка: SenseLock ключ - Ошибка защиты 4111 Not connected</SenseLock></Registration>
  <Users>
    <User><Login>a_b</Login><Domain>Юристы</Domain><LastActivity>2026-04-10T08:00:00</LastActivity>
      <Card><FullName>Ааа Ббб</FullName><Email>a@b.ru</Email></Card></User>
  </Users>
  <Usage><Entry login="a_b" date="16.04.2026" requests="3"/></Usage>
  <Searches><Search><Time>2026-04-16 09:00:00</Time><User>a_b</User><Text><![CDATA[ст. 81 ТК <РФ>]]></Text><Type>Инт</Type><Status>Пустой</Status></Search></Searches>
  <Connections><Connection user="a_b" time="2026-04-16 08:59:00"/></Connections>
</si:SysInfo>`);
    expect(s.source.root).toBe('sysinfo');
    expect(s.producedAt).toBe(utc(2026, 4, 16, 10, 8));
    expect(s.client).toEqual({ name: 'АО «Тест»', regnum: '100_000001' });
    expect(s.licensing.seats).toBe(15);
    expect(s.licensing.senselock).toMatchObject({ status: 'not_found', code: 4111 });
    expect(s.users[0]).toMatchObject({
      login: 'a_b',
      domain: 'Юристы',
      fullname: 'Ааа Ббб',
      email: 'a@b.ru',
    });
    expect(s.usage[0]).toMatchObject({ login: 'a_b', day: '2026-04-16', dbRequests: 3, docsCounted: 0 });
    expect(s.searches[0]).toMatchObject({
      query: 'ст. 81 ТК <РФ>',
      type: 'intelligent',
      status: 'empty',
      source: 'ksrv',
    });
    // No explicit "in use": counted from the sessions holding a licence.
    expect(s.licensing.inUse).toBe(1);
  });

  it('ignores unknown elements and attributes anywhere, at any depth', async () => {
    const s = await parse(
      `<sysinfo created="2026-04-16 13:08:53" unknown="1"><mystery a="b"><users><user login="ghost"/></users></mystery>
       <users><user login="real" shoe-size="44"><x><y><z>deep</z></y></x></user></users><trailer/></sysinfo>`,
    );
    expect(s.users.map((u) => u.login)).toEqual(['real']);
    expect(s.licensing.inUse).toBeNull(); // no session list at all: unknown, not zero
    expect(s.licensing.senselock).toBeNull();
  });

  it('skips records without a required field and warns about unreadable values', async () => {
    const s = await parse(`<sysinfo created="2026-04-16 13:08:53">
      <searchlog><search user="a" time="2026-04-16 09:00">ok</search><search time="2026-04-16 09:00">no user</search>
        <search user="b" time="yesterday">bad time</search></searchlog>
      <users><user login="u" lastactivity="2026-13-01"/></users></sysinfo>`);
    expect(s.searches).toHaveLength(1);
    expect(s.skipped).toBe(2);
    expect(s.users[0]!.lastActivityAt).toBeNull();
    expect(s.warnings.join('\n')).toMatch(/unreadable at "yesterday"/);
    expect(s.warnings.join('\n')).toMatch(/unreadable lastActivityAt "2026-13-01"/);
  });

  it('warns when the time the file was produced is missing', async () => {
    const s = await parse('<sysinfo><registration><seats>5</seats></registration></sysinfo>');
    expect(s.producedAt).toBeNull();
    expect(s.warnings).toContain('report: the time the file was produced is missing');
  });
});

describe('sysinfo parser: encodings', () => {
  it('decodes a windows-1251 report by its declaration', async () => {
    const text = FULL.replace('encoding="utf-8"', 'encoding="windows-1251"');
    const s = await parse(chunked(iconv.encode(text, 'windows-1251'), 5));
    expect(s.source.encoding).toBe('windows-1251');
    expect(s.client.name).toBe('ООО «Ромашка» & партнёры');
    expect(s.users[0]!.fullname).toBe('Иванов Иван Иванович');
    expect(s.searches[0]!.query).toBe('гост 30245');
  });

  it('reads an undeclared non-UTF-8 report as windows-1251, with a warning', async () => {
    const text = FULL.replace('<?xml version="1.0" encoding="utf-8"?>\n', '');
    const s = await parse(iconv.encode(text, 'windows-1251'));
    expect(s.source.encoding).toBe('windows-1251');
    expect(s.client.name).toBe('ООО «Ромашка» & партнёры');
    expect(s.warnings.join()).toMatch(/windows-1251/);
  });

  it('skips a UTF-8 byte-order mark', async () => {
    const s = await parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(FULL, 'utf8')]));
    expect(s.client.regnum).toBe('250_361567');
  });

  it('rejects an encoding it does not know', async () => {
    const e = await failure(FULL.replace('encoding="utf-8"', 'encoding="x-klingon"'));
    expect(e.reason).toBe('unsupported_encoding');
    expect(e.message).toMatch(/x-klingon/);
  });
});

describe('sysinfo parser: hostile and broken input', () => {
  it('rejects a DOCTYPE', async () => {
    const e = await failure('<?xml version="1.0"?><!DOCTYPE sysinfo><sysinfo/>');
    expect(e.reason).toBe('dtd_forbidden');
    expect(e.message).toMatch(/DOCTYPE/);
  });

  it('rejects the billion laughs before expanding anything', async () => {
    const lol = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      ' <!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => {
        const prev = i === 0 ? 'lol' : `lol${i}`;
        return ` <!ENTITY lol${i + 1} "${`&${prev};`.repeat(10)}">`;
      }),
      ']>',
      '<sysinfo><registration><client>&lol9;</client></registration></sysinfo>',
    ].join('\n');
    const before = process.memoryUsage().heapUsed;
    const e = await failure(lol);
    expect(e.reason).toBe('dtd_forbidden');
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  });

  it('rejects an external entity (XXE)', async () => {
    const e = await failure(
      '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><sysinfo><client>&xxe;</client></sysinfo>',
    );
    expect(e.reason).toBe('dtd_forbidden');
  });

  it('does not expand an undeclared entity', async () => {
    const e = await failure('<sysinfo><registration><client>&lol9;</client></registration></sysinfo>');
    expect(e.reason).toBe('malformed_xml');
  });

  it('reports malformed XML with its position', async () => {
    const cases = [
      '<sysinfo>\n<users>\n<user login="a">\n</users></sysinfo>',
      '<sysinfo><users></sysinfo>',
      '<sysinfo a="1" a="2"/>',
      '<sysinfo></sysinfo>trailing text',
      '<sysinfo><user login="a></sysinfo>',
    ];
    for (const xml of cases) {
      const e = await failure(xml);
      expect(e.reason, xml).toBe('malformed_xml');
    }
    expect((await failure(cases[0]!)).message).toMatch(/4:\d+/);
  });

  it('rejects documents that are not sysinfo reports', async () => {
    expect((await failure('<html><body>502 Bad Gateway</body></html>')).reason).toBe('not_sysinfo');
    expect((await failure('')).reason).toBe('not_sysinfo');
  });

  it('limits nesting depth', async () => {
    const deep = `<sysinfo>${'<a>'.repeat(100)}${'</a>'.repeat(100)}</sysinfo>`;
    const e = await failure(deep);
    expect(e.reason).toBe('too_deep');
  });

  it('limits the XML size', async () => {
    const e = await failure(FULL, { limits: { maxXmlBytes: 1000 } });
    expect(e.reason).toBe('too_large');
  });

  it('refuses a giant text node or tag instead of buffering it', async () => {
    const text = `<sysinfo><client>${'x'.repeat(3000)}</client></sysinfo>`;
    expect((await failure(text, { limits: { maxTokenChars: 1000 } })).reason).toBe('too_large');
    const attr = `<sysinfo created="${'1'.repeat(3000)}"/>`;
    expect((await failure(attr, { limits: { maxTokenChars: 1000 } })).reason).toBe('too_large');
    expect((await parse(text, { limits: { maxTokenChars: 5000 } })).source.root).toBe('sysinfo');
  });

  it('keeps at most the cap of each collection and counts the rest', async () => {
    const searches = Array.from(
      { length: 10 },
      (_, i) => `<search user="u${i}" time="2026-04-16 09:00:0${i}">q${i}</search>`,
    ).join('');
    const s = await parse(
      `<sysinfo created="2026-04-16 13:08:53"><searchlog>${searches}</searchlog></sysinfo>`,
      {
        limits: { caps: { searches: 3 } },
      },
    );
    expect(s.searches.map((x) => x.query)).toEqual(['q0', 'q1', 'q2']);
    expect(s.dropped.searches).toBe(7);
  });

  it('cuts over-long values', async () => {
    const s = await parse(
      `<sysinfo created="2026-04-16 13:08:53"><searchlog><search user="u" time="2026-04-16 09:00">${'я'.repeat(5000)}</search></searchlog></sysinfo>`,
      { limits: { maxValueChars: 100 } },
    );
    expect(s.searches[0]!.query).toHaveLength(100);
    expect(s.warnings.join()).toMatch(/cut to 100/);
  });

  it('throws nothing but ReportParseError on arbitrary bytes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        try {
          await parse(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(ReportParseError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but ReportParseError on XML-like token soup (property)', async () => {
    const token = fc.constantFrom(
      '<sysinfo>',
      '</sysinfo>',
      '<users>',
      '</users>',
      '<user login="a">',
      '</user>',
      '<user/>',
      '<search time="2026-04-16 09:00" user="x">',
      '</search>',
      '<searchlog>',
      '</searchlog>',
      '<![CDATA[x]]>',
      '<!-- c -->',
      '<!DOCTYPE x>',
      '&amp;',
      '&bogus;',
      '<?pi x?>',
      'text',
      ' ',
      '"',
      '<',
      '>',
      '=',
      'я',
    );
    const expected: ReportParseReason[] = ['malformed_xml', 'not_sysinfo', 'dtd_forbidden'];
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 40 }), async (parts) => {
        try {
          const s = await parse(parts.join(''));
          expect(() => SnapshotSchema.parse(s)).not.toThrow();
        } catch (e) {
          expect(e).toBeInstanceOf(ReportParseError);
          expect(expected).toContain((e as ReportParseError).reason);
        }
      }),
      { numRuns: 500 },
    );
  });
});
