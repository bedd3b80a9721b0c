/**
 * «Загрузить файл отчёта»: a report file carried in from a closed contour (the Node agent's output
 * folder) is uploaded for one installation; the server checks and stores it like an agent upload.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { apiUpload, ApiError } from '../api';
import { tx } from '../i18n';

interface UploadOut {
  reportId: number;
  fileName: string;
  duplicate: boolean;
}

export function ReportUploadButton({ installationId }: { installationId: number }) {
  const id = useId();
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);

  const upload = async (file: File) => {
    const form = new FormData();
    form.append('file', file, file.name);
    setBusy(true);
    setMsg(null);
    try {
      const r = await apiUpload<UploadOut>(`/api/installations/${installationId}/reports`, form);
      setMsg({
        ok: true,
        text: r.duplicate
          ? tx('Этот файл уже был загружен', 'This file was already uploaded')
          : tx(
              `Принят как ${r.fileName}, обработка займёт до минуты`,
              `Accepted as ${r.fileName}; processing takes up to a minute`,
            ),
      });
      void qc.invalidateQueries();
    } catch (e) {
      setMsg({ ok: false, text: e instanceof ApiError ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className="report-upload">
      <label htmlFor={id} className="btn btn-small" aria-disabled={busy} data-testid="report-upload-open">
        {tx('Загрузить файл отчёта', 'Upload report file')}
      </label>
      <input
        id={id}
        type="file"
        accept=".zip,.xml,.status"
        className="sr-only"
        disabled={busy}
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void upload(f);
        }}
      />
      {msg && (
        <span className={msg.ok ? 'muted' : 'field-error'} role={msg.ok ? 'status' : 'alert'}>
          {msg.text}
        </span>
      )}
    </span>
  );
}
