/**
 * «Скрипт агента» on the client page: pick smartupload or smartstatus and the system, get the ready
 * script (with a new agent token of this installation in it) and the scheduler command, copy or
 * download them. Loaded on demand from the installation card.
 */
import { useState } from 'react';
import { FormDialog, SelectField, TextField } from '../admin/common';
import '../admin/admin.css';
import { ApiError, apiSend } from '../api';
import { Icon } from '../components/icons';
import { tx } from '../i18n';

interface ScriptOut {
  fileName: string;
  content: string;
  scriptPath: string;
  serverUrl: string;
  pkUrl: string;
  schedule: { command: string; minutes: number[]; intervalMinutes: number };
  tokenId: number;
  tokenIssued: boolean;
}

function CopyButton({ text, testid }: { text: string; testid: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-small"
      data-testid={testid}
      onClick={() => {
        void navigator.clipboard.writeText(text).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 2000);
        });
      }}
    >
      <Icon name={copied ? 'check' : 'link'} size={14} />
      {copied ? tx('Скопировано', 'Copied') : tx('Копировать', 'Copy')}
    </button>
  );
}

function download(fileName: string, content: string): void {
  // UTF-8, as the script expects (the .bat switches the console to code page 65001).
  const url = URL.createObjectURL(new Blob([content], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export default function AgentScriptDialog({
  installationId,
  host,
  onClose,
}: {
  installationId: number;
  host: string;
  onClose(): void;
}) {
  const [kind, setKind] = useState<'upload' | 'status'>('upload');
  const [os, setOs] = useState<'windows' | 'linux'>('windows');
  const [pkUrl, setPkUrl] = useState('');
  const [proxy, setProxy] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [script, setScript] = useState<ScriptOut | null>(null);

  const generate = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = {
        kind,
        os,
        ...(pkUrl.trim() ? { pkUrl: pkUrl.trim() } : {}),
        ...(proxy.trim() ? { proxy: proxy.trim() } : {}),
      };
      setScript(await apiSend<ScriptOut>('POST', `/api/installations/${installationId}/agent-script`, body));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <FormDialog
      title={`${tx('Скрипт агента', 'Agent script')}: ${host}`}
      onClose={onClose}
      onSubmit={() => (script ? onClose() : void generate())}
      busy={busy}
      error={error}
      wide
      hideCancel={script !== null}
      submitLabel={script ? tx('Готово', 'Done') : tx('Создать скрипт', 'Generate script')}
      testid="agent-script-dialog"
    >
      {script === null ? (
        <>
          <SelectField
            label={tx('Скрипт', 'Script')}
            value={kind}
            onChange={(v) => setKind(v as 'upload' | 'status')}
            options={[
              { value: 'upload', label: tx('smartupload: sysinfo раз в час', 'smartupload: sysinfo hourly') },
              {
                value: 'status',
                label: tx(
                  'smartstatus: метрики /sysmon каждые 15 минут',
                  'smartstatus: /sysmon metrics every 15 min',
                ),
              },
            ]}
            testid="agent-script-kind"
          />
          <SelectField
            label={tx('Система', 'System')}
            value={os}
            onChange={(v) => setOs(v as 'windows' | 'linux')}
            options={[
              { value: 'windows', label: 'Windows (.bat)' },
              { value: 'linux', label: 'Linux (.sh)' },
            ]}
            testid="agent-script-os"
          />
          <TextField
            label={tx('Адрес ПК для скрипта', 'ПК address for the script')}
            value={pkUrl}
            onChange={setPkUrl}
            placeholder="http://127.0.0.1:80"
            hint={tx(
              'Пусто: адрес установки, а если его нет, тот же компьютер (127.0.0.1:80).',
              "Empty: the installation's address, or the same computer (127.0.0.1:80) if it has none.",
            )}
            testid="agent-script-pk"
          />
          <TextField
            label={tx('Прокси (необязательно)', 'Proxy (optional)')}
            value={proxy}
            onChange={setProxy}
            placeholder="user:password@192.168.0.1:3128"
            testid="agent-script-proxy"
          />
          <p className="muted">
            {tx(
              'Для скрипта SMART выпустит новый токен агента, привязанный к этой установке. Он будет только в скрипте; отозвать его можно в разделе «Токены загрузки».',
              'SMART issues a new agent token bound to this installation for the script. It is only in the script; revoke it under «Upload tokens».',
            )}
          </p>
        </>
      ) : (
        <div data-testid="agent-script-result">
          <p>
            {script.tokenIssued
              ? tx(
                  `Выпущен токен агента №${script.tokenId}. Положите файл в ${script.scriptPath}.`,
                  `Agent token ${script.tokenId} issued. Put the file at ${script.scriptPath}.`,
                )
              : tx(`Положите файл в ${script.scriptPath}.`, `Put the file at ${script.scriptPath}.`)}
          </p>
          <div className="field admin-field">
            <label htmlFor="agent-script-text">{script.fileName}</label>
            <textarea
              id="agent-script-text"
              className="mono"
              readOnly
              rows={14}
              value={script.content}
              data-testid="agent-script-content"
            />
          </div>
          <div style={{ display: 'flex', gap: 8, margin: '6px 0 14px' }}>
            <CopyButton text={script.content} testid="agent-script-copy" />
            <button
              type="button"
              className="btn btn-small"
              onClick={() => download(script.fileName, script.content)}
              data-testid="agent-script-download"
            >
              <Icon name="download" size={14} />
              {tx('Скачать', 'Download')} {script.fileName}
            </button>
          </div>
          <div className="field admin-field">
            <label htmlFor="agent-script-schedule">
              {os === 'windows'
                ? tx(
                    'Задание планировщика (cmd от имени администратора)',
                    'Scheduler task (cmd as administrator)',
                  )
                : tx('Строка crontab', 'crontab line')}
            </label>
            <input
              id="agent-script-schedule"
              className="mono"
              readOnly
              value={script.schedule.command}
              onFocus={(e) => e.target.select()}
              data-testid="agent-script-schedule"
            />
          </div>
          <CopyButton text={script.schedule.command} testid="agent-script-schedule-copy" />
        </div>
      )}
    </FormDialog>
  );
}
