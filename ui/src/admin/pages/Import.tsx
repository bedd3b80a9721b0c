/**
 * CSV import with a preview, and CSV export. Choose the kind (managers.csv or online.csv), a file
 * (the file input or drag-and-drop), the unit new objects go to and whether to prune; «Проверить»
 * sends the file with ?dryRun=1 and shows what would change (create/update/remove per object,
 * counts, warnings; errors as file:line: column …). Nothing is written until «Применить», which sends
 * the same file with the same options and shows the result.
 */
import { useMemo, useRef, useState, type DragEvent } from 'react';
import { ApiError, apiUpload, withQuery } from '../../api';
import { TablePanel, type Column } from '../../components/TablePanel';
import { errorText } from '../../components/Panel';
import { Icon } from '../../components/icons';
import {
  AdminIcon,
  CheckField,
  FormError,
  Notice,
  PageHead,
  SelectField,
  unitOptions,
  useAdmin,
  useInvalidate,
  useUnits,
} from '../common';
import { L, tx } from '../texts';
import type { ImportChange, ImportIssue, ImportKind, ImportResult } from '../types';

async function postImport(
  kind: ImportKind,
  file: File,
  params: Record<string, string | undefined>,
): Promise<ImportResult> {
  const fd = new FormData();
  fd.append('file', file, file.name);
  // 200: valid (applied or listed); 422: the file has errors, and the body is the same result.
  const r = await apiUpload<ImportResult | undefined>(`/api/import/${kind}`, fd, {
    params,
    okStatuses: [422],
  });
  if (!r || !Array.isArray(r.changes)) {
    throw new ApiError(
      422,
      'http',
      tx('Сервер не вернул результат импорта', 'The server sent no import result'),
    );
  }
  return r;
}

function entityName(e: ImportChange['entity']): string {
  switch (e) {
    case 'client':
      return tx('клиент', 'client');
    case 'manager':
      return tx('менеджер', 'manager');
    case 'installation':
      return tx('инсталляция', 'installation');
    default:
      return tx('онлайн-доступ', 'online access');
  }
}

function actionName(a: ImportChange['action']): string {
  return a === 'create'
    ? tx('создать', 'create')
    : a === 'update'
      ? tx('изменить', 'update')
      : tx('удалить', 'remove');
}

export function ImportPage() {
  const admin = useAdmin();
  const units = useUnits();
  const invalidate = useInvalidate();
  const [kind, setKind] = useState<ImportKind>('managers');
  const [file, setFile] = useState<File | null>(null);
  const [unitId, setUnitId] = useState('');
  const [prune, setPrune] = useState(false);
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState<'check' | 'apply' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [withSecrets, setWithSecrets] = useState(false);
  const inputRef = useRef<HTMLInputElement | null>(null);

  const why = admin.canWrite ? null : L.readOnlyRole();
  const dealer = admin.isOperator && admin.dealerId !== null ? String(admin.dealerId) : undefined;
  const params = { dealer, unit: unitId || undefined, prune: prune ? '1' : undefined };

  // Any change of the input makes the preview stale: it must be checked again before applying.
  const reset = () => {
    setPreview(null);
    setResult(null);
    setError(null);
  };
  const pick = (f: File | null | undefined) => {
    if (!f) return;
    setFile(f);
    reset();
    if (/online/i.test(f.name)) setKind('online');
    else if (/managers/i.test(f.name)) setKind('managers');
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    pick(e.dataTransfer.files?.[0]);
  };

  const run = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(dryRun ? 'check' : 'apply');
    setError(null);
    try {
      const r = await postImport(kind, file, { ...params, dryRun: dryRun ? '1' : undefined });
      if (dryRun) {
        setPreview(r);
        setResult(null);
      } else {
        setResult(r);
        setPreview(null);
        if (r.applied) await invalidate();
      }
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  const shown = result ?? preview;
  const exportHref = (k: ImportKind) =>
    withQuery(`/api/export/${k}`, { dealer, withSecrets: withSecrets ? 'true' : undefined });

  return (
    <div className="page">
      <PageHead
        title={tx('Импорт и экспорт CSV', 'CSV import and export')}
        description={tx(
          'managers.csv — инсталляции (опрос по адресу и агенты) с менеджерами; online.csv — онлайн-доступы. Сначала SMART показывает, что изменится; записывается всё или ничего.',
          'managers.csv: installations (polled and agents) with their managers; online.csv: online accesses. SMART first shows what would change; all of a file is written or nothing.',
        )}
      />
      {admin.isOperator && admin.dealerId === null && (
        <Notice kind="warn">
          {tx(
            'Выберите дилера слева: оператор импортирует для конкретного дилера.',
            'Pick a dealer on the left: the operator imports for one dealer.',
          )}
        </Notice>
      )}
      <div className="import-grid">
        <div className="card-box" data-testid="import-form">
          <h2>{tx('Импорт', 'Import')}</h2>
          <fieldset
            className="field segmented-field"
            role="radiogroup"
            aria-label={tx('Что импортировать', 'What to import')}
          >
            <span>{tx('Файл', 'File')}</span>
            <div className="segmented">
              {(['managers', 'online'] as const).map((k) => (
                <button
                  key={k}
                  type="button"
                  role="radio"
                  aria-checked={kind === k}
                  className={kind === k ? 'active' : ''}
                  onClick={() => {
                    setKind(k);
                    reset();
                  }}
                  data-testid={`import-kind-${k}`}
                >
                  {k}.csv
                </button>
              ))}
            </div>
          </fieldset>
          <label
            className={`dropzone${over ? ' over' : ''}`}
            onDragOver={(e) => {
              e.preventDefault();
              setOver(true);
            }}
            onDragLeave={() => setOver(false)}
            onDrop={onDrop}
            data-testid="import-dropzone"
          >
            <AdminIcon name="upload" size={26} />
            {file ? (
              <>
                <strong data-testid="import-file-name">{file.name}</strong>
                <span>
                  {tx('{n} байт · выбрать другой файл', '{n} bytes · choose another file', { n: file.size })}
                </span>
              </>
            ) : (
              <>
                <strong>{tx('Перетащите файл сюда', 'Drop the file here')}</strong>
                <span>
                  {tx(
                    'или нажмите, чтобы выбрать (UTF-8 или CP1251)',
                    'or click to choose (UTF-8 or CP1251)',
                  )}
                </span>
              </>
            )}
            <input
              ref={inputRef}
              type="file"
              accept=".csv,text/csv,text/plain"
              className="sr-only"
              aria-label={tx('CSV-файл для импорта', 'The CSV file to import')}
              data-testid="import-file"
              onChange={(e) => {
                pick(e.target.files?.[0]);
                e.target.value = '';
              }}
            />
          </label>
          <SelectField
            label={tx('Подразделение для новых клиентов и менеджеров', 'Unit for new clients and managers')}
            value={unitId}
            onChange={(v) => {
              setUnitId(v);
              reset();
            }}
            options={unitOptions(units.data)}
            placeholder={
              admin.ownUnitId
                ? tx('— ваше подразделение —', '— your unit —')
                : tx('— верхний уровень дилера —', "— the dealer's top level —")
            }
            testid="import-unit"
          />
          <CheckField
            label={tx('Удалить то, чего нет в файле', 'Remove what the file no longer lists')}
            checked={prune}
            onChange={(v) => {
              setPrune(v);
              reset();
            }}
            hint={tx(
              'Объекты этого вида, которых нет в файле, будут удалены (покажутся как «удалить»).',
              'Objects of this kind missing from the file are removed (listed as “remove”).',
            )}
            testid="import-prune"
          />
          <FormError text={error} />
          <div className="admin-actions">
            <button
              type="button"
              className="btn"
              disabled={!file || !!busy || !!why}
              title={why ?? undefined}
              onClick={() => void run(true)}
              data-testid="import-check"
            >
              {busy === 'check' && <span className="spinner spinner-small" aria-hidden="true" />}
              <Icon name="search" size={14} />
              {tx('Проверить', 'Check')}
            </button>
            <button
              type="button"
              className="btn btn-primary"
              disabled={!preview || preview.errors.length > 0 || !!busy || !!why}
              title={
                why ??
                (!preview
                  ? tx('Сначала проверьте файл', 'Check the file first')
                  : preview.errors.length
                    ? tx('В файле есть ошибки', 'The file has errors')
                    : undefined)
              }
              onClick={() => void run(false)}
              data-testid="import-apply"
            >
              {busy === 'apply' && <span className="spinner spinner-small" aria-hidden="true" />}
              {tx('Применить', 'Apply')}
            </button>
          </div>
          {why && <p className="hint">{why}</p>}

          <h2 className="admin-section-title">{tx('Экспорт', 'Export')}</h2>
          <p className="muted">
            {tx(
              'Тот же формат, что читает импорт; только объекты, которые вы видите.',
              'The format the import reads; only the objects you see.',
            )}
          </p>
          {admin.isDealerAdmin && (
            <CheckField
              label={tx('С паролями онлайн-доступов', 'With online-access passwords')}
              checked={withSecrets}
              onChange={setWithSecrets}
              hint={tx(
                'Файл будет содержать пароли открытым текстом: храните его бережно.',
                'The file will hold passwords in clear text: keep it safe.',
              )}
            />
          )}
          <div className="admin-actions">
            {(['managers', 'online'] as const).map((k) => (
              <a key={k} className="btn" href={exportHref(k)} download data-testid={`export-${k}`}>
                <Icon name="download" size={14} />
                {k}.csv
              </a>
            ))}
          </div>
        </div>

        <div data-testid={result ? 'import-result' : preview ? 'import-preview' : 'import-empty'}>
          {!shown && (
            <div className="card-box muted">
              {tx(
                'Выберите файл и нажмите «Проверить»: здесь появится список изменений. До «Применить» ничего не записывается.',
                'Choose a file and press “Check”: the list of changes appears here. Nothing is written before “Apply”.',
              )}
            </div>
          )}
          {shown && <ImportView r={shown} />}
        </div>
      </div>
    </div>
  );
}

function ImportView({ r }: { r: ImportResult }) {
  const columns: Column<ImportChange>[] = useMemo(
    () => [
      {
        key: 'action',
        title: tx('Действие', 'Action'),
        value: (c) => actionName(c.action),
        render: (c) => <span className={`action-${c.action}`}>{actionName(c.action)}</span>,
      },
      { key: 'entity', title: tx('Объект', 'Object'), value: (c) => entityName(c.entity) },
      {
        key: 'key',
        title: tx('Ключ', 'Key'),
        value: (c) => c.key,
        render: (c) => (
          <span className="mono" data-testid="import-change-key">
            {c.key}
          </span>
        ),
      },
      { key: 'fields', title: tx('Поля', 'Fields'), value: (c) => (c.fields ?? []).join(', ') },
    ],
    [],
  );
  const heading = r.errors.length
    ? tx('Файл {f} содержит ошибки: ничего не записано', 'The file {f} has errors: nothing was written', {
        f: r.file,
      })
    : r.dryRun
      ? tx('Предпросмотр {f}: так изменятся данные', 'Preview of {f}: what would change', { f: r.file })
      : r.applied
        ? tx('Импорт {f} применён', '{f} imported', { f: r.file })
        : tx('Импорт {f}: изменений нет', '{f}: nothing to change', { f: r.file });
  return (
    <div className="card-box">
      <h2 data-testid="import-heading">{heading}</h2>
      {r.dryRun && !r.errors.length && (
        <Notice>
          {tx(
            'Это предпросмотр: данные не изменены. Нажмите «Применить», чтобы записать изменения.',
            'This is a preview: nothing changed yet. Press “Apply” to write the changes.',
          )}
        </Notice>
      )}
      <div className="counts" data-testid="import-counts">
        {(['create', 'update', 'remove', 'unchanged'] as const).map((k) => (
          <div key={k} className={`count count-${k}`} data-testid={`import-count-${k}`}>
            <strong>{r.counts[k]}</strong>
            <span>
              {k === 'create'
                ? tx('создать', 'create')
                : k === 'update'
                  ? tx('изменить', 'update')
                  : k === 'remove'
                    ? tx('удалить', 'remove')
                    : tx('без изменений', 'unchanged')}
            </span>
          </div>
        ))}
      </div>
      <Issues title={tx('Ошибки', 'Errors')} items={r.errors} testid="import-errors" />
      <Issues title={tx('Предупреждения', 'Warnings')} items={r.warnings} warn testid="import-warnings" />
      {r.changes.length > 0 && (
        <div className="grid">
          <TablePanel
            id="import-changes"
            title={tx('Изменения: {n}', 'Changes: {n}', { n: r.changes.length })}
            rows={r.changes}
            columns={columns}
            rowKey={(c) => `${c.action}:${c.entity}:${c.key}`}
            csvName={`${r.kind}-changes.csv`}
            pageSize={30}
          />
        </div>
      )}
    </div>
  );
}

function Issues({
  title,
  items,
  warn,
  testid,
}: {
  title: string;
  items: ImportIssue[];
  warn?: boolean;
  testid: string;
}) {
  if (!items.length) return null;
  return (
    <>
      <h3 className="admin-section-title">
        {title} <span className="badge">{items.length}</span>
      </h3>
      <ul className={`issues${warn ? ' warnings' : ''}`} data-testid={testid}>
        {items.map((i, n) => (
          <li key={n}>{i.text}</li>
        ))}
      </ul>
    </>
  );
}
