/**
 * The Linux scripts: bash with `set -eu`, values in single quotes, the same curl requests as the
 * existing smartupload.sh/smartstatus, and `-t [user:password@]host:port` for a proxy as before.
 */
import { shQuote } from './script-quote.js';
import { SCRIPT_VERSION, type CheckedFacts } from './scripts.js';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function header(f: CheckedFacts, what: string): string[] {
  return [
    '#!/usr/bin/env bash',
    `# ${f.fileName}: ${what}`,
    `# Клиент ${f.clientName}, дилер ${f.dealer}, установка №${f.installationId}. Создан SMART ${day(f.generatedAt)}.`,
    `# Version: ${SCRIPT_VERSION}`,
    '#',
    `# Установка: положите файл в ${f.installDir}/ (можно рядом с ПК), затем`,
    `#   chmod 700 ${f.scriptPath}   # в файле токен${f.kind === 'status' ? ' и пароль smartlogin' : ''}: только для владельца`,
    '# и добавьте строку в crontab (crontab -e):',
    `#   ${f.schedule.command}`,
    '# Прокси для связи с SMART: ключ -t [логин:пароль@]адрес:порт, например -t 192.168.0.1:3128',
    '# Нужен curl любой версии: yum -y install curl или apt-get install curl.',
    'set -eu',
    '',
  ];
}

function params(f: CheckedFacts): string[] {
  const lines = [
    `SERVER_URL=${shQuote(f.serverUrl)}`,
    `DEALER=${shQuote(f.dealer)}`,
    `TOKEN=${shQuote(f.token)}`,
    `CLIENT=${shQuote(f.clientName)}`,
    `PK_URL=${shQuote(f.pkUrl)}`,
  ];
  if (f.kind === 'status') {
    lines.push(`PK_USER=${shQuote(f.smartloginUser)}`, `PK_PASSWORD=${shQuote(f.smartloginPassword)}`);
  }
  lines.push(`PROXY=${shQuote(f.proxy)}`, `VERSION=${shQuote(SCRIPT_VERSION)}`, '');
  return lines;
}

function prologue(f: CheckedFacts): string[] {
  const name = f.kind === 'upload' ? 'smartupload' : 'smartstatus';
  return [
    'fail() {',
    `  echo "${name}: ОШИБКА: $*" >&2`,
    '  exit 1',
    '}',
    '',
    "while getopts 't:' opt; do",
    '  case $opt in',
    '    t) PROXY=$OPTARG ;;',
    '    *)',
    '      echo "usage: $0 [-t [user:password@]proxyhost:port]" >&2',
    '      exit 2',
    '      ;;',
    '  esac',
    'done',
    '',
    "command -v curl > /dev/null 2>&1 || fail 'нет curl: установите его (yum -y install curl или apt-get install curl)'",
    '# Файлы пишутся в папку скрипта, откуда бы его ни запустили.',
    'cd "$(dirname "$0")" || fail "нет доступа к папке скрипта $(dirname "$0")"',
    '# Прокси только для SMART: к ПК curl идёт напрямую (--noproxy).',
    'if [ -n "$PROXY" ]; then',
    '  export http_proxy="$PROXY" https_proxy="$PROXY"',
    'fi',
    'CODE_FILE=.smart-http-code',
    'ANSWER=.smart-answer',
    '',
  ];
}

/** Upload `$1` to SMART; a clear message and exit 1 on any failure. */
function uploadStep(): string[] {
  return [
    'upload() {',
    '  if ! curl -sS -A "${0##*/}/$VERSION" --retry 2 --connect-timeout 30 --max-time 600 \\',
    '    -H "upload: yes" -H "dealer: $DEALER" -H "Authorization: Bearer $TOKEN" \\',
    '    -F "file=@$1" -o "$ANSWER" -w "%{http_code}" "$SERVER_URL/upload" > "$CODE_FILE"; then',
    '    fail "SMART не отвечает по адресу $SERVER_URL: проверьте доступ в интернет, прокси (-t) и сетевой экран"',
    '  fi',
    '  code=$(cat "$CODE_FILE")',
    '  answer=$(head -c 500 "$ANSWER" 2> /dev/null || true)',
    '  case $code in',
    '    200) echo "SMART: HTTP 200 $answer" ;;',
    '    401) fail "SMART не принял код дилера или токен (HTTP 401): получите скрипт в SMART заново" ;;',
    '    *) fail "SMART ответил HTTP $code: $answer" ;;',
    '  esac',
    '}',
    '',
  ];
}

/** The ПК's answer code, read after curl wrote it to $CODE_FILE. */
const pkCode = ['code=$(cat "$CODE_FILE")'];

function uploadBody(f: CheckedFacts): string[] {
  const data = f.format === 'zip' ? ' -d "type=zip"' : '';
  return [
    `FILE="$CLIENT.${f.format}"`,
    'rm -f "$FILE"',
    '# 1. Скачать sysinfo с ПК',
    `if ! curl -A "smartdownload" -k -sS -L --noproxy "*"${data} -c cookies.txt -b cookies.txt \\`,
    '  -o "$FILE" -w "%{http_code}" "$PK_URL/sysinfo/si_save_request" > "$CODE_FILE"; then',
    '  fail "ПК не отвечает по адресу $PK_URL: проверьте адрес и порт ПК"',
    'fi',
    ...pkCode,
    '[ "$code" = 200 ] || fail "ПК ответил HTTP $code на $PK_URL/sysinfo/si_save_request: проверьте адрес ПК и модуль sysinfo"',
    '[ -s "$FILE" ] || fail "ПК прислал пустой файл"',
    'echo "ПК: HTTP 200, $FILE, $(wc -c < "$FILE") байт"',
    '# 2. Отправить файл на обработку',
    'upload "$FILE"',
    '',
  ];
}

function statusBody(): string[] {
  return [
    'FILE="$CLIENT.status"',
    'HEADERS=.sysmon-headers',
    'BODY=.sysmon-body',
    'rm -f "$FILE" "$HEADERS" "$BODY"',
    '# 1. Получить метрики с ПК от имени smartlogin (один запрос: и заголовок date, и метрики)',
    'if ! curl -A "smartdownload" -k -sS -L --noproxy "*" -c cookies.txt -b cookies.txt \\',
    '  -u "$PK_USER:$PK_PASSWORD" -D "$HEADERS" -o "$BODY" -w "%{http_code}" "$PK_URL/sysmon/metrics" > "$CODE_FILE"; then',
    '  fail "ПК не отвечает по адресу $PK_URL: проверьте адрес и порт ПК"',
    'fi',
    ...pkCode,
    'case $code in',
    '  200) ;;',
    '  401 | 403) fail "ПК не принял пользователя $PK_USER (HTTP $code): проверьте его пароль и доступ группы metrics к /sysmon" ;;',
    '  404) fail "на ПК нет /sysmon/metrics (HTTP 404): нужен ПК 6.4.5.127 или новее с каталогом /sysmon" ;;',
    '  *) fail "ПК ответил HTTP $code на $PK_URL/sysmon/metrics" ;;',
    'esac',
    '# 2. Файл: строка date: из ответа ПК (время в UTC), затем метрики',
    "date_line=$(grep -i '^date:' \"$HEADERS\" | tail -n 1 | tr -d '\\r' || true)",
    'if [ -z "$date_line" ]; then',
    '  date_line="date: $(LC_ALL=C date -u \'+%a, %d %b %Y %H:%M:%S GMT\')"',
    'fi',
    '{',
    '  printf \'%s\\n\' "$date_line"',
    '  cat "$BODY"',
    '} > "$FILE"',
    'echo "ПК: HTTP 200, $FILE, $(wc -c < "$FILE") байт"',
    '# 3. Отправить файл на обработку',
    'upload "$FILE"',
    '',
  ];
}

export function renderLinuxScript(f: CheckedFacts): string {
  const what =
    f.kind === 'upload'
      ? 'sysinfo ПК в SMART, раз в час'
      : 'метрики мониторинга ПК (/sysmon) в SMART, каждые 15 минут';
  return [
    ...header(f, what),
    ...params(f),
    ...prologue(f),
    ...uploadStep(),
    ...(f.kind === 'upload' ? uploadBody(f) : statusBody()),
  ].join('\n');
}
