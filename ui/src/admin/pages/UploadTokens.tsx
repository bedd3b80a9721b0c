/**
 * The dealer's upload tokens, which agents send with their reports: create (the token is shown once),
 * rotate (a new token first; the old one is revoked after you confirm the agents use the new one) and
 * revoke. Per-installation tokens are listed too. Dealer admins and the operator only (the server
 * answers 403 to a head).
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { apiGet, apiSend } from '../../api';
import { errorText } from '../../components/Panel';
import { TablePanel, type Column } from '../../components/TablePanel';
import { fmtDateTime } from '../../lib/format';
import {
  ActionButton,
  byId,
  ConfirmDialog,
  FormDialog,
  Notice,
  PageHead,
  RowButton,
  SecretOnce,
  TextField,
  useAdmin,
  useInstallations,
  useInvalidate,
  useToast,
} from '../common';
import { L, tx } from '../texts';
import type { CreatedToken, UploadToken } from '../types';

function issue(
  dealerId: number,
  t: Pick<UploadToken, 'installationId'>,
  label: string,
): Promise<CreatedToken> {
  return t.installationId
    ? apiSend<CreatedToken>('POST', `/api/installations/${t.installationId}/agent-tokens`, { label })
    : apiSend<CreatedToken>('POST', `/api/dealers/${dealerId}/upload-tokens`, { label });
}

export function UploadTokens() {
  const admin = useAdmin();
  const dealerId = admin.dealerId;
  const tokens = useQuery({
    queryKey: ['admin', 'upload-tokens', dealerId],
    queryFn: ({ signal }) =>
      apiGet<UploadToken[]>(`/api/dealers/${dealerId}/upload-tokens`, undefined, signal),
    enabled: admin.isDealerAdmin && dealerId !== null,
  });
  const installations = useInstallations();
  const instMap = useMemo(() => byId(installations.data), [installations.data]);
  const [showRevoked, setShowRevoked] = useState(false);
  const [create, setCreate] = useState(false);
  const [rotate, setRotate] = useState<UploadToken | null>(null);
  const [revoke, setRevoke] = useState<UploadToken | null>(null);
  const [toast, showToast] = useToast();
  const invalidate = useInvalidate();
  const rows = (tokens.data ?? []).filter((t) => showRevoked || !t.revokedAt);
  const dealerCode = admin.me.dealer?.code ?? '';

  const columns: Column<UploadToken>[] = [
    {
      key: 'label',
      title: tx('Метка', 'Label'),
      value: (t) => t.label,
      render: (t) => <span data-testid="token-label">{t.label}</span>,
    },
    {
      key: 'prefix',
      title: tx('Начало токена', 'Token prefix'),
      value: (t) => `${t.prefix}…`,
      render: (t) => <span className="mono">{t.prefix}…</span>,
    },
    {
      key: 'scope',
      title: tx('Для', 'For'),
      value: (t) =>
        t.installationId
          ? (instMap.get(t.installationId)?.sourceKey ?? `#${t.installationId}`)
          : tx('все агенты дилера', "all of the dealer's agents"),
    },
    {
      key: 'created',
      title: L.created(),
      value: (t) => t.createdAt,
      render: (t) => fmtDateTime(t.createdAt),
      csv: (t) => fmtDateTime(t.createdAt),
    },
    {
      key: 'used',
      title: tx('Последнее использование', 'Last used'),
      value: (t) => t.lastUsedAt,
      render: (t) =>
        t.lastUsedAt ? fmtDateTime(t.lastUsedAt) : <span className="muted">{tx('никогда', 'never')}</span>,
      csv: (t) => (t.lastUsedAt ? fmtDateTime(t.lastUsedAt) : ''),
    },
    {
      key: 'state',
      title: L.state(),
      value: (t) => (t.revokedAt ? tx('отозван', 'revoked') : tx('действует', 'valid')),
      render: (t) =>
        t.revokedAt ? (
          <span className="tag tag-bad" title={fmtDateTime(t.revokedAt)}>
            {tx('отозван {d}', 'revoked {d}', { d: fmtDateTime(t.revokedAt) })}
          </span>
        ) : (
          <span className="tag tag-ok">{tx('действует', 'valid')}</span>
        ),
    },
    {
      key: 'actions',
      title: L.actions(),
      filter: false,
      value: () => null,
      csv: () => '',
      render: (t) =>
        t.revokedAt ? null : (
          <span className="cell-actions">
            <RowButton
              icon="key"
              label={`${tx('Заменить', 'Rotate')}: ${t.label}`}
              onClick={() => setRotate(t)}
              testid="token-rotate"
            />
            <RowButton
              icon="trash"
              danger
              label={`${L.revoke()}: ${t.label}`}
              onClick={() => setRevoke(t)}
              testid="token-revoke"
            />
          </span>
        ),
    },
  ];

  return (
    <div className="page">
      <PageHead
        title={tx('Токены загрузки', 'Upload tokens')}
        description={tx(
          'Агенты (smartupload, smartstatus) отправляют отчёты с кодом дилера «{c}» и токеном. Токенов может быть несколько: так токен заменяют, не останавливая агентов. SMART хранит только хэш: токен виден один раз.',
          'Agents (smartupload, smartstatus) send reports with the dealer code “{c}” and a token. Several tokens may be valid at once, so one can be rotated without stopping the agents. SMART keeps only a hash: a token is shown once.',
          { c: dealerCode || '…' },
        )}
        actions={
          <ActionButton
            className="btn btn-primary"
            why={
              !admin.isDealerAdmin
                ? L.onlyDealerAdmin()
                : dealerId === null
                  ? tx('Выберите дилера', 'Pick a dealer')
                  : null
            }
            onClick={() => setCreate(true)}
            testid="token-create"
          >
            {tx('Новый токен', 'New token')}
          </ActionButton>
        }
      />
      {!admin.isDealerAdmin ? (
        <Notice>{L.onlyDealerAdmin()}</Notice>
      ) : dealerId === null ? (
        <Notice>{tx('Выберите дилера слева.', 'Pick a dealer on the left.')}</Notice>
      ) : (
        <>
          <div className="admin-toolbar">
            <label className="check-label">
              <input
                type="checkbox"
                checked={showRevoked}
                onChange={(e) => setShowRevoked(e.target.checked)}
              />
              <span>{tx('Показывать отозванные', 'Show revoked')}</span>
            </label>
          </div>
          <div className="grid">
            <TablePanel
              id="upload-tokens"
              title={tx('Токены: {n}', 'Tokens: {n}', { n: rows.length })}
              rows={rows}
              columns={columns}
              rowKey={(t) => t.id}
              rowClass={(t) => (t.revokedAt ? 'row-off' : '')}
              status={{
                loading: tokens.isLoading,
                error: tokens.error,
                onRetry: () => void tokens.refetch(),
              }}
              emptyText={tx(
                'Действующих токенов нет: агенты не смогут загружать отчёты.',
                'No valid tokens: agents cannot upload.',
              )}
              csvName="upload-tokens.csv"
              pageSize={25}
            />
          </div>
        </>
      )}
      {create && dealerId !== null && (
        <CreateTokenDialog
          dealerId={dealerId}
          onClose={() => setCreate(false)}
          onDone={() => void invalidate('upload-tokens')}
        />
      )}
      {rotate && dealerId !== null && (
        <RotateDialog
          dealerId={dealerId}
          old={rotate}
          onClose={() => setRotate(null)}
          onChanged={() => void invalidate('upload-tokens')}
          onRevoked={() => showToast(tx('Старый токен отозван', 'The old token is revoked'))}
        />
      )}
      {revoke && (
        <ConfirmDialog
          title={tx('Отозвать токен «{l}»?', 'Revoke the token “{l}”?', { l: revoke.label })}
          confirmLabel={L.revoke()}
          onClose={() => setRevoke(null)}
          testid="revoke-dialog"
          action={async () => {
            await apiSend('DELETE', `/api/upload-tokens/${revoke.id}`);
            await invalidate('upload-tokens');
            showToast(tx('Токен отозван', 'Token revoked'));
          }}
        >
          <p>
            {tx(
              'Агенты, которые загружают с этим токеном ({p}…), сразу получат 401 и перестанут присылать отчёты.',
              'Agents uploading with this token ({p}…) get 401 at once and stop sending reports.',
              { p: revoke.prefix },
            )}
          </p>
        </ConfirmDialog>
      )}
      {toast}
    </div>
  );
}

function CreateTokenDialog({
  dealerId,
  onClose,
  onDone,
}: {
  dealerId: number;
  onClose(): void;
  onDone(): void;
}) {
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  return (
    <FormDialog
      title={tx('Новый токен загрузки', 'New upload token')}
      onClose={onClose}
      busy={busy}
      error={error}
      submitLabel={created ? L.close() : L.create()}
      testid="token-dialog"
      onSubmit={async () => {
        if (created) return onClose();
        setBusy(true);
        setError(null);
        try {
          setCreated(await issue(dealerId, { installationId: null }, label));
          onDone();
        } catch (e) {
          setError(errorText(e));
        } finally {
          setBusy(false);
        }
      }}
    >
      {created ? (
        <SecretOnce
          value={created.token}
          label={tx('Токен «{l}»', 'Token “{l}”', { l: created.info.label })}
        />
      ) : (
        <TextField
          label={tx('Метка', 'Label')}
          value={label}
          onChange={setLabel}
          placeholder={tx('например, «агенты филиала Север»', 'e.g. “north branch agents”')}
          maxLength={100}
          autoFocus
          testid="token-label-input"
        />
      )}
    </FormDialog>
  );
}

/** Rotation: issue a new token, show it, then revoke the old one once the user confirms. */
function RotateDialog({
  dealerId,
  old,
  onClose,
  onChanged,
  onRevoked,
}: {
  dealerId: number;
  old: UploadToken;
  onClose(): void;
  onChanged(): void;
  onRevoked(): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const step2 = created !== null;
  return (
    <FormDialog
      title={tx('Замена токена «{l}»', 'Rotating “{l}”', { l: old.label })}
      onClose={onClose}
      busy={busy}
      error={error}
      danger={step2}
      submitLabel={
        step2
          ? tx('Отозвать старый токен', 'Revoke the old token')
          : tx('Создать новый токен', 'Create the new token')
      }
      testid="rotate-dialog"
      hideCancel={step2}
      extraButtons={
        step2 ? (
          <button type="button" className="btn" onClick={onClose} data-testid="rotate-keep-old">
            {tx('Отозвать позже', 'Revoke later')}
          </button>
        ) : undefined
      }
      onSubmit={async () => {
        setBusy(true);
        setError(null);
        try {
          if (!step2) {
            const label = old.label.replace(/ \(\d{4}-\d{2}-\d{2}\)$/, '');
            setCreated(await issue(dealerId, old, `${label} (${new Date().toISOString().slice(0, 10)})`));
            onChanged();
          } else {
            await apiSend('DELETE', `/api/upload-tokens/${old.id}`);
            onChanged();
            onRevoked();
            onClose();
          }
        } catch (e) {
          setError(errorText(e));
        } finally {
          setBusy(false);
        }
      }}
    >
      {!step2 ? (
        <>
          <p>
            {tx(
              'Шаг 1 из 2. SMART выпустит новый токен; старый ({p}…) продолжит действовать, пока вы его не отзовёте.',
              'Step 1 of 2. SMART issues a new token; the old one ({p}…) keeps working until you revoke it.',
              { p: old.prefix },
            )}
          </p>
        </>
      ) : (
        <>
          <SecretOnce
            value={created.token}
            label={tx('Новый токен «{l}»', 'New token “{l}”', { l: created.info.label })}
          />
          <Notice kind="warn">
            {tx(
              'Шаг 2 из 2. Пропишите новый токен во всех агентах, которые используют старый ({p}…). Затем отзовите старый: агенты со старым токеном перестанут загружать отчёты.',
              'Step 2 of 2. Put the new token into every agent that uses the old one ({p}…). Then revoke the old one: agents still using it stop uploading.',
              { p: old.prefix },
            )}
            {old.lastUsedAt && (
              <div>
                {tx('Старый токен последний раз использован {d}.', 'The old token was last used {d}.', {
                  d: fmtDateTime(old.lastUsedAt),
                })}
              </div>
            )}
          </Notice>
        </>
      )}
    </FormDialog>
  );
}
