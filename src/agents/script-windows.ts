/**
 * The Windows scripts (.bat, CRLF). Encoding: UTF-8 with `chcp 65001` at the top, so the Russian
 * comments and messages read correctly in any console; every value is ASCII (client names are Latin by
 * rule, passwords are checked), so nothing depends on the code page. The old code page is restored on
 * exit.
 *
 * Values are set while delayed expansion is off (`batSetLine` keeps them verbatim) and read as `!NAME!`
 * afterwards, which cmd does not parse again: no value can break a line or start a command. For the
 * same reason there is no pipe (the two sides of a pipe run without delayed expansion), so smartstatus
 * saves the ПК's headers to a file and takes the `date:` line from it.
 */
import { batSetLine, crtQuotedContent } from './script-quote.js';
import { SCRIPT_VERSION, type CheckedFacts } from './scripts.js';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function header(f: CheckedFacts, what: string): string[] {
  return [
    '@echo off',
    `for /f "tokens=2 delims=:." %%a in ('chcp') do set /a "SMART_OLDCP=%%a" >nul 2>nul`,
    'chcp 65001 >nul',
    `:: ${f.fileName}: ${what}`,
    `:: Клиент ${f.clientName}, дилер ${f.dealer}, установка №${f.installationId}. Создан SMART ${day(f.generatedAt)}.`,
    `:: Version: ${SCRIPT_VERSION}`,
    '::',
    `:: Установка: положите файл в папку ${f.installDir} (рядом можно положить curl.exe; в Windows 10 и новее`,
    ':: curl уже есть) и создайте задание в командной строке, запущенной от имени администратора:',
    `::   ${f.schedule.command}`,
    ':: Прокси для связи с SMART: впишите в PROXY ниже адрес вида [логин:пароль@]адрес:порт.',
    'setlocal DisableDelayedExpansion',
  ];
}

function params(f: CheckedFacts): string[] {
  const lines = [
    batSetLine('SERVER_URL', f.serverUrl),
    batSetLine('DEALER', f.dealer),
    batSetLine('TOKEN', f.token),
    batSetLine('CLIENT', f.clientName),
    batSetLine('PK_URL', f.pkUrl),
  ];
  if (f.kind === 'status') {
    // Already in the form curl's argv parser reads back (it goes between quotes after -u).
    lines.push(batSetLine('PK_AUTH', crtQuotedContent(`${f.smartloginUser}:${f.smartloginPassword}`)));
  }
  lines.push(
    batSetLine('PROXY', f.proxy),
    batSetLine('VERSION', SCRIPT_VERSION),
    ':: Файлы пишутся в папку скрипта, откуда бы его ни запустил планировщик.',
    'pushd "%~dp0"',
    'if errorlevel 1 goto no_folder',
    'setlocal EnableDelayedExpansion',
    ':: Прокси только для SMART: к ПК curl идёт напрямую (--noproxy).',
    'if defined PROXY (',
    '  set "http_proxy=!PROXY!"',
    '  set "https_proxy=!PROXY!"',
    ')',
  );
  return lines;
}

/** curl writes the HTTP code to a file; `set /p` reads it back. */
const readCode = ['set "CODE="', 'set /p CODE=<smart-http-code.txt'];

function uploadBody(f: CheckedFacts): string[] {
  const data = f.format === 'zip' ? ' -d "type=zip"' : '';
  return [
    `set "FILE=!CLIENT!.${f.format}"`,
    'del /q /f "!FILE!" 2>nul',
    ':: 1. Скачать sysinfo с ПК',
    `curl.exe -A "smartdownload" -k -sS -L --noproxy "*"${data} -c cookies.txt -b cookies.txt -o "!FILE!" -w "%%{http_code}" "!PK_URL!/sysinfo/si_save_request" > smart-http-code.txt`,
    'if errorlevel 1 goto pk_down',
    ...readCode,
    'if not "!CODE!"=="200" goto pk_http',
    'echo ПК: HTTP 200, файл !FILE!',
    ':: 2. Отправить файл на обработку',
    'goto upload',
  ];
}

function statusBody(): string[] {
  return [
    'set "FILE=!CLIENT!.status"',
    'del /q /f "!FILE!" smart-headers.txt smart-body.txt 2>nul',
    ':: 1. Получить метрики с ПК от имени smartlogin (один запрос: и заголовок date, и метрики)',
    'curl.exe -A "smartdownload" -k -sS -L --noproxy "*" -c cookies.txt -b cookies.txt -u "!PK_AUTH!" -D smart-headers.txt -o smart-body.txt -w "%%{http_code}" "!PK_URL!/sysmon/metrics" > smart-http-code.txt',
    'if errorlevel 1 goto pk_down',
    ...readCode,
    'if "!CODE!"=="401" goto pk_auth',
    'if "!CODE!"=="403" goto pk_auth',
    'if "!CODE!"=="404" goto pk_no_sysmon',
    'if not "!CODE!"=="200" goto pk_http',
    ':: 2. Файл: строка date: из ответа ПК (время в UTC), затем метрики',
    'findstr /b /i /l "date:" smart-headers.txt > "!FILE!"',
    'type smart-body.txt >> "!FILE!"',
    'echo ПК: HTTP 200, файл !FILE!',
    ':: 3. Отправить файл на обработку',
    'goto upload',
  ];
}

function uploadAndErrors(f: CheckedFacts): string[] {
  const statusErrors =
    f.kind === 'status'
      ? [
          ':pk_auth',
          'echo ОШИБКА: ПК не принял пользователя smartlogin, HTTP !CODE!. Проверьте его пароль и доступ группы metrics к /sysmon.',
          'goto failed',
          ':pk_no_sysmon',
          'echo ОШИБКА: на ПК нет /sysmon/metrics, HTTP 404. Нужен ПК 6.4.5.127 или новее с каталогом /sysmon.',
          'goto failed',
        ]
      : [];
  return [
    '',
    ':upload',
    `curl.exe -sS -A "${f.fileName}/!VERSION!" --retry 2 --connect-timeout 30 --max-time 600 -H "upload: yes" -H "dealer: !DEALER!" -H "Authorization: Bearer !TOKEN!" -F "file=@!FILE!" -o smart-answer.txt -w "%%{http_code}" "!SERVER_URL!/upload" > smart-http-code.txt`,
    'if errorlevel 1 goto smart_down',
    ...readCode,
    'echo SMART: HTTP !CODE!',
    'type smart-answer.txt',
    'echo.',
    'if "!CODE!"=="401" goto smart_token',
    'if not "!CODE!"=="200" goto smart_http',
    'set "RC=0"',
    'goto done',
    '',
    ':no_folder',
    'echo ОШИБКА: нет доступа к папке скрипта.',
    'goto failed',
    ':pk_down',
    'echo ОШИБКА: ПК не отвечает по адресу !PK_URL!. Проверьте адрес и порт ПК.',
    'goto failed',
    ':pk_http',
    'echo ОШИБКА: ПК ответил HTTP !CODE!. Проверьте адрес ПК и модуль sysinfo.',
    'goto failed',
    ...statusErrors,
    ':smart_down',
    'echo ОШИБКА: SMART не отвечает по адресу !SERVER_URL!. Проверьте доступ в интернет, прокси и сетевой экран.',
    'goto failed',
    ':smart_token',
    'echo ОШИБКА: SMART не принял код дилера или токен, HTTP 401. Получите скрипт в SMART заново.',
    'goto failed',
    ':smart_http',
    'echo ОШИБКА: SMART ответил HTTP !CODE!.',
    'goto failed',
    '',
    ':failed',
    'set "RC=1"',
    ':done',
    'popd',
    'chcp %SMART_OLDCP% >nul 2>nul',
    'exit /b %RC%',
    '',
  ];
}

export function renderWindowsScript(f: CheckedFacts): string {
  const what =
    f.kind === 'upload'
      ? 'sysinfo ПК в SMART, раз в час'
      : 'метрики мониторинга ПК (/sysmon) в SMART, каждые 15 минут';
  return [
    ...header(f, what),
    ...params(f),
    ...(f.kind === 'upload' ? uploadBody(f) : statusBody()),
    ...uploadAndErrors(f),
  ].join('\r\n');
}
