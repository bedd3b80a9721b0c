/**
 * Building blocks of the administration pages: the admin context (who is acting, which dealer, what
 * the role may do), the shared lists (units, managers, clients, ...), form fields with labels and the
 * server's errors shown next to the field they name, form and confirmation dialogs, a toast, the box
 * that shows a secret once with a copy button, and the scaffolding of a list page (`useCrud`,
 * `CrudDialogs`, `EditDeleteButtons`, `actionsColumn`, `queryStatus`).
 *
 * The server enforces every permission; the role checks here only hide or disable what would be
 * refused anyway, and say why.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useId,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { ApiError, apiGet, apiSend, type Me, type Params } from '../api';
import { Dialog } from '../components/Dialog';
import { errorText } from '../components/Panel';
import type { Column } from '../components/TablePanel';
import { Icon } from '../components/icons';
import { L, tx } from './texts';
import type { Catalogue, Client, Installation, Manager, OnlineAccess, Unit, User } from './types';

// ---------------------------------------------------------------- context

export interface AdminCtx {
  me: Me;
  /** The dealer the pages work on: the caller's own, or the one the operator picked (null = all). */
  dealerId: number | null;
  setDealerId(id: number | null): void;
  isOperator: boolean;
  /** operator or dealer-admin: dealer-wide settings (upload tokens, rule order, unregistered sources). */
  isDealerAdmin: boolean;
  /** operator, dealer-admin or head: may change configuration within their scope. */
  canWrite: boolean;
  /** The head's own unit (new objects go there by default), null for dealer-wide roles. */
  ownUnitId: number | null;
}

export const AdminContext = createContext<AdminCtx | null>(null);

export function useAdmin(): AdminCtx {
  const c = useContext(AdminContext);
  if (!c) throw new Error('useAdmin outside AdminApp');
  return c;
}

/** `{dealerId}` for the operator who picked a dealer (list queries and create bodies); else nothing. */
export function useDealerParam(): { dealerId?: number } {
  const a = useAdmin();
  return a.isOperator && a.dealerId !== null ? { dealerId: a.dealerId } : {};
}

// ---------------------------------------------------------------- shared lists

/**
 * A list of the admin API for the dealer the pages work on, cached as `['admin', name, params]`, so
 * `useInvalidate()(name)` refreshes it.
 */
export function useAdminList<T>(name: string, path: string, params: Params = {}) {
  const dp = useDealerParam();
  const all = { ...dp, ...params };
  return useQuery({
    queryKey: ['admin', name, all],
    queryFn: ({ signal }) => apiGet<T[]>(path, all, signal),
  });
}

export const useUnits = () => useAdminList<Unit>('units', '/api/units');
export const useManagers = () => useAdminList<Manager>('managers', '/api/managers');
export const useClients = () => useAdminList<Client>('clients', '/api/clients');
export const useInstallations = () => useAdminList<Installation>('installations', '/api/installations');
export const useOnlineAccesses = () => useAdminList<OnlineAccess>('online', '/api/online-accesses');
export const useUsers = () => useAdminList<User>('users', '/api/users');

export function useCatalogue() {
  const dp = useDealerParam();
  return useQuery({
    queryKey: ['admin', 'catalogue', dp],
    queryFn: ({ signal }) => apiGet<Catalogue>('/api/alert-catalogue', dp, signal),
    staleTime: 5 * 60_000,
  });
}

/** Invalidate admin lists after a change (all of them by default: names appear across pages). */
export function useInvalidate(): (...names: string[]) => Promise<void> {
  const qc = useQueryClient();
  return useCallback(
    async (...names: string[]) => {
      if (names.length === 0) await qc.invalidateQueries({ queryKey: ['admin'] });
      else await Promise.all(names.map((n) => qc.invalidateQueries({ queryKey: ['admin', n] })));
      // The dashboards' variables (units, managers, clients) and the clients page read the same data.
      await qc.invalidateQueries({ queryKey: ['clients'] });
    },
    [qc],
  );
}

/** A map id → item, for showing names in tables. */
export function byId<T extends { id: number }>(list: T[] | undefined): Map<number, T> {
  return new Map((list ?? []).map((x) => [x.id, x]));
}

export function unitLabel(units: Map<number, Unit>, id: number | null): string {
  if (id === null) return L.noUnit();
  const u = units.get(id);
  if (!u) return `#${id}`;
  // The path is ids (/3/7/): show the names of the chain.
  const names = u.path
    .split('/')
    .filter(Boolean)
    .map((x) => units.get(Number(x))?.name)
    .filter((x): x is string => !!x);
  return names.length ? names.join(' / ') : u.name;
}

/** Units as select options, in tree order, indented by depth. */
export function unitOptions(units: Unit[] | undefined): { value: string; label: string }[] {
  const list = [...(units ?? [])].sort((a, b) => a.path.localeCompare(b.path));
  const known = new Set(list.map((u) => u.id));
  return list.map((u) => {
    const depth = u.path.split('/').filter((x) => x && known.has(Number(x))).length - 1;
    return { value: String(u.id), label: `${'\u00a0\u00a0'.repeat(Math.max(0, depth))}${u.name}` };
  });
}

// ---------------------------------------------------------------- server errors next to fields

export interface FormErrors {
  /** Messages per field name (the first segment of the path after `body.`). */
  fields: Record<string, string>;
  /** What names no field of the form (or a non-validation error). */
  general: string | null;
}

const NO_ERRORS: FormErrors = { fields: {}, general: null };

/**
 * Splits an API error into messages per field. The API names fields as `body.emails.1: Invalid email
 * address` in `details` (or in the message after `invalid request: `); a field the form does not
 * have goes to `general`. A 409 (a duplicate) is put on `conflictField` when the form gives one.
 */
export function formErrors(err: unknown, fields: string[], conflictField?: string): FormErrors {
  if (!(err instanceof ApiError)) return { fields: {}, general: errorText(err) };
  const out: FormErrors = { fields: {}, general: null };
  const general: string[] = [];
  if (err.status === 409 && conflictField && fields.includes(conflictField)) {
    out.fields[conflictField] = err.message;
    return out;
  }
  if (err.status === 400) {
    const items = err.details.length
      ? err.details
      : err.message.replace(/^invalid request: /, '').split(/;\s+(?=[\w.]+: )/);
    for (const item of items) {
      const m = /^(?:body|querystring|params)\.([\w.]+):\s*(.*)$/s.exec(item);
      const path = m?.[1]?.split('.') ?? [];
      // The deepest prefix of the path that is a field of the form: `matchers.alerts.0` → `matchers.alerts`
      let field: string | undefined;
      for (let i = path.length; i > 0 && !field; i--) {
        const p = path.slice(0, i).join('.');
        if (fields.includes(p)) field = p;
      }
      if (m && field) {
        const rest = path.slice(field.split('.').length).join('.');
        const text = rest ? `${rest}: ${m[2]}` : (m[2] ?? '');
        out.fields[field] = out.fields[field] ? `${out.fields[field]}; ${text}` : text;
      } else general.push(item);
    }
    if (general.length) out.general = general.join('; ');
    return out;
  }
  return { fields: {}, general: errorText(err) };
}

/**
 * Form state with the server's errors: `submit(fn)` runs `fn`, and on an API error shows each message
 * next to its field.
 */
export function useForm<T extends object>(initial: T, fieldNames: string[], conflictField?: string) {
  const [values, setValues] = useState<T>(initial);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const set = useCallback(<K extends keyof T>(k: K, v: T[K]) => {
    setValues((s) => ({ ...s, [k]: v }));
    setErrors((e) => {
      if (!((k as string) in e.fields)) return e;
      const fields = { ...e.fields };
      delete fields[k as string];
      return { ...e, fields };
    });
  }, []);
  const submit = async (fn: (v: T) => Promise<void>, clientErrors?: Record<string, string>) => {
    if (clientErrors && Object.keys(clientErrors).length) {
      setErrors({ fields: clientErrors, general: null });
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      await fn(values);
    } catch (e) {
      setErrors(formErrors(e, fieldNames, conflictField));
    } finally {
      setBusy(false);
    }
  };
  return { values, set, setValues, errors, setErrors, busy, submit };
}

// ---------------------------------------------------------------- fields

interface FieldBase {
  label: string;
  error?: string;
  hint?: ReactNode;
  required?: boolean;
  testid?: string;
  className?: string;
}

function FieldShell({
  label,
  error,
  hint,
  required,
  className,
  children,
}: FieldBase & { children: (ids: { id: string; describedBy?: string }) => ReactNode }) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  const describedBy = [hint ? hintId : '', error ? errId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field admin-field${error ? ' has-error' : ''} ${className ?? ''}`}>
      <label htmlFor={id}>
        {label}
        {required && (
          <span className="req" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {children({ id, describedBy })}
      {hint && (
        <span id={hintId} className="hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={errId} className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function TextField({
  value,
  onChange,
  type = 'text',
  placeholder,
  autoComplete,
  autoFocus,
  name,
  maxLength,
  inputMode,
  readOnly,
  ...base
}: FieldBase & {
  readOnly?: boolean;
  value: string;
  onChange(v: string): void;
  type?: 'text' | 'password' | 'email' | 'number' | 'url' | 'time' | 'datetime-local' | 'date';
  placeholder?: string;
  autoComplete?: string;
  autoFocus?: boolean;
  name?: string;
  maxLength?: number;
  inputMode?: 'numeric' | 'text' | 'email' | 'url';
}) {
  return (
    <FieldShell {...base}>
      {({ id, describedBy }) => (
        <input
          id={id}
          name={name}
          type={type}
          value={value}
          placeholder={placeholder}
          autoComplete={autoComplete ?? (type === 'password' ? 'new-password' : 'off')}
          autoFocus={autoFocus}
          maxLength={maxLength}
          inputMode={inputMode}
          readOnly={readOnly}
          required={base.required}
          aria-invalid={base.error ? true : undefined}
          aria-describedby={describedBy}
          data-testid={base.testid}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </FieldShell>
  );
}

export function TextAreaField({
  value,
  onChange,
  rows = 3,
  placeholder,
  ...base
}: FieldBase & { value: string; onChange(v: string): void; rows?: number; placeholder?: string }) {
  return (
    <FieldShell {...base}>
      {({ id, describedBy }) => (
        <textarea
          id={id}
          value={value}
          rows={rows}
          placeholder={placeholder}
          required={base.required}
          aria-invalid={base.error ? true : undefined}
          aria-describedby={describedBy}
          data-testid={base.testid}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </FieldShell>
  );
}

export interface SelectOption {
  value: string;
  label: string;
  disabled?: boolean;
}

export function SelectField({
  value,
  onChange,
  options,
  disabled,
  placeholder,
  ...base
}: FieldBase & {
  value: string;
  onChange(v: string): void;
  options: SelectOption[];
  disabled?: boolean;
  /** A first, empty choice. */
  placeholder?: string;
}) {
  return (
    <FieldShell {...base}>
      {({ id, describedBy }) => (
        <select
          id={id}
          value={value}
          disabled={disabled}
          required={base.required}
          aria-invalid={base.error ? true : undefined}
          aria-describedby={describedBy}
          data-testid={base.testid}
          onChange={(e) => onChange(e.target.value)}
        >
          {placeholder !== undefined && <option value="">{placeholder}</option>}
          {options.map((o) => (
            <option key={o.value} value={o.value} disabled={o.disabled}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </FieldShell>
  );
}

export function CheckField({
  label,
  checked,
  onChange,
  hint,
  error,
  testid,
  disabled,
}: {
  label: string;
  checked: boolean;
  onChange(v: boolean): void;
  hint?: ReactNode;
  error?: string;
  testid?: string;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className={`field admin-check${error ? ' has-error' : ''}`}>
      <label htmlFor={id} className="check-label">
        <input
          id={id}
          type="checkbox"
          checked={checked}
          disabled={disabled}
          data-testid={testid}
          aria-describedby={hint || error ? `${id}-d` : undefined}
          onChange={(e) => onChange(e.target.checked)}
        />
        <span>{label}</span>
      </label>
      {(hint || error) && (
        <span id={`${id}-d`} className={error ? 'field-error' : 'hint'} role={error ? 'alert' : undefined}>
          {error ?? hint}
        </span>
      )}
    </div>
  );
}

/**
 * Several choices as a list of checkboxes inside a fieldset, with a filter when the list is long.
 * (The dashboards' MultiSelect means «Все» when nothing is chosen, which is wrong for a form.)
 */
export function CheckList({
  legend,
  options,
  value,
  onChange,
  error,
  hint,
  testid,
  columns = 1,
}: {
  legend: string;
  options: SelectOption[];
  value: string[];
  onChange(v: string[]): void;
  error?: string;
  hint?: ReactNode;
  testid?: string;
  columns?: number;
}) {
  const [q, setQ] = useState('');
  const chosen = new Set(value);
  const shown = q.trim()
    ? options.filter((o) => o.label.toLowerCase().includes(q.trim().toLowerCase()))
    : options;
  const errId = useId();
  return (
    <fieldset
      className={`field checklist${error ? ' has-error' : ''}`}
      data-testid={testid}
      aria-describedby={error ? errId : undefined}
    >
      <legend>
        {legend}
        {value.length > 0 && <span className="badge">{value.length}</span>}
      </legend>
      {options.length > 8 && (
        <input
          type="search"
          className="checklist-filter"
          placeholder={tx('Фильтр…', 'Filter…')}
          aria-label={`${tx('Фильтр', 'Filter')}: ${legend}`}
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
      )}
      <div className="checklist-items" style={{ columns }}>
        {shown.map((o) => (
          <label key={o.value} className="check-label">
            <input
              type="checkbox"
              checked={chosen.has(o.value)}
              disabled={o.disabled}
              onChange={(e) =>
                onChange(e.target.checked ? [...value, o.value] : value.filter((v) => v !== o.value))
              }
            />
            <span>{o.label}</span>
          </label>
        ))}
        {shown.length === 0 && <span className="muted">{tx('Нет вариантов', 'No choices')}</span>}
      </div>
      {hint && <span className="hint">{hint}</span>}
      {error && (
        <span id={errId} className="field-error" role="alert">
          {error}
        </span>
      )}
    </fieldset>
  );
}

// ---------------------------------------------------------------- dialogs

export function FormError({ text }: { text: string | null | undefined }) {
  if (!text) return null;
  return (
    <p className="form-error" role="alert" data-testid="form-error">
      <Icon name="alert" size={14} /> {text}
    </p>
  );
}

/** A dialog with a form: Cancel and a submit button; Esc and the cross close it. */
export function FormDialog({
  title,
  onClose,
  onSubmit,
  busy,
  submitLabel,
  error,
  children,
  testid,
  wide,
  danger,
  submitDisabled,
  extraButtons,
  hideCancel,
}: {
  hideCancel?: boolean;
  title: string;
  onClose(): void;
  onSubmit(): void;
  busy?: boolean;
  submitLabel?: string;
  error?: string | null;
  children: ReactNode;
  testid?: string;
  wide?: boolean;
  danger?: boolean;
  submitDisabled?: boolean;
  extraButtons?: ReactNode;
}) {
  return (
    <Dialog
      title={title}
      onClose={onClose}
      onSubmit={() => {
        if (!busy && !submitDisabled) onSubmit();
      }}
      footer={
        <>
          {extraButtons}
          {!hideCancel && (
            <button type="button" className="btn" onClick={onClose} data-testid="dialog-cancel">
              {L.cancel()}
            </button>
          )}
          <button
            type="submit"
            className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`}
            disabled={busy || submitDisabled}
            data-testid="dialog-submit"
          >
            {busy && <span className="spinner spinner-small" aria-hidden="true" />}
            {submitLabel ?? L.save()}
          </button>
        </>
      }
    >
      <div className={`admin-dialog${wide ? ' admin-wide' : ''}`} data-testid={testid}>
        <FormError text={error} />
        {children}
      </div>
    </Dialog>
  );
}

/** «Удалить X?» and the like: a confirmation that runs `action` and shows its error. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  action,
  onClose,
  onDone,
  danger = true,
  testid = 'confirm-dialog',
}: {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  action(): Promise<void>;
  onClose(): void;
  onDone?(): void;
  danger?: boolean;
  testid?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <FormDialog
      title={title}
      onClose={onClose}
      busy={busy}
      danger={danger}
      submitLabel={confirmLabel}
      error={error}
      testid={testid}
      onSubmit={async () => {
        setBusy(true);
        setError(null);
        try {
          await action();
          onDone?.();
          onClose();
        } catch (e) {
          setError(errorText(e));
        } finally {
          setBusy(false);
        }
      }}
    >
      {children ?? <p>{L.cannotUndo()}</p>}
    </FormDialog>
  );
}

/** A secret (a token) shown once: read-only, selected, with a copy button and a warning. */
export function SecretOnce({
  value,
  label,
  testid = 'secret-once',
}: {
  value: string;
  label: string;
  testid?: string;
}) {
  const [copied, setCopied] = useState(false);
  const ref = useRef<HTMLInputElement | null>(null);
  const id = useId();
  useEffect(() => {
    ref.current?.select();
  }, []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      ref.current?.select();
      document.execCommand?.('copy');
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return (
    <div className="secret-once">
      <label htmlFor={id}>{label}</label>
      <div className="secret-row">
        <input
          id={id}
          ref={ref}
          readOnly
          value={value}
          data-testid={testid}
          onFocus={(e) => e.target.select()}
        />
        <button type="button" className="btn" onClick={() => void copy()} data-testid="secret-copy">
          <Icon name={copied ? 'check' : 'link'} size={14} />
          {copied ? tx('Скопировано', 'Copied') : tx('Копировать', 'Copy')}
        </button>
      </div>
      <p className="secret-warn" role="note">
        <Icon name="alert" size={14} />
        {tx(
          'Значение показано один раз: SMART хранит только его хэш. Скопируйте его сейчас.',
          'The value is shown once: SMART keeps only its hash. Copy it now.',
        )}
      </p>
    </div>
  );
}

// ---------------------------------------------------------------- page parts

export function PageHead({
  title,
  description,
  actions,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  useEffect(() => {
    document.title = `${title} · SMART`;
  }, [title]);
  return (
    <div className="admin-head">
      <div>
        <h1 className="dash-title">{title}</h1>
        {description && <p className="admin-desc">{description}</p>}
      </div>
      {actions && <div className="admin-actions">{actions}</div>}
    </div>
  );
}

/** A button that is disabled with the reason as its title (and for screen readers) when `why` is set. */
export function ActionButton({
  why,
  onClick,
  children,
  className = 'btn',
  testid,
  label,
}: {
  why?: string | null;
  onClick(): void;
  children: ReactNode;
  className?: string;
  testid?: string;
  label?: string;
}) {
  const id = useId();
  return (
    <span className="action-wrap">
      <button
        type="button"
        className={className}
        disabled={!!why}
        title={why ?? label}
        aria-label={label}
        aria-describedby={why ? id : undefined}
        onClick={onClick}
        data-testid={testid}
      >
        {children}
      </button>
      {why && (
        <span id={id} className="why-note" data-testid={testid ? `${testid}-why` : undefined}>
          {why}
        </span>
      )}
    </span>
  );
}

/** A notice explaining why actions are missing. */
export function Notice({
  children,
  kind = 'info',
}: {
  children: ReactNode;
  kind?: 'info' | 'warn' | 'error';
}) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'note'}>
      <Icon name={kind === 'info' ? 'info' : 'alert'} size={16} />
      <div>{children}</div>
    </div>
  );
}

/** A short-lived message at the bottom right. */
export function useToast(): [ReactNode, (text: string) => void] {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    if (!text) return;
    const h = setTimeout(() => setText(null), 4000);
    return () => clearTimeout(h);
  }, [text]);
  const node = text ? (
    <div className="toast" role="status" data-testid="toast">
      <Icon name="check" /> {text}
    </div>
  ) : null;
  return [node, setText];
}

/** Small icon buttons in a table row. */
export function RowButton({
  icon,
  label,
  onClick,
  why,
  testid,
  danger,
}: {
  icon: 'edit' | 'trash' | 'up' | 'down' | 'key' | 'eye' | 'stop' | 'link' | 'plus' | 'undo';
  label: string;
  onClick(): void;
  why?: string | null;
  testid?: string;
  danger?: boolean;
}) {
  return (
    <button
      type="button"
      className={`btn btn-small btn-icon btn-ghost row-btn${danger ? ' row-btn-danger' : ''}`}
      aria-label={why ? `${label} (${why})` : label}
      title={why ?? label}
      disabled={!!why}
      onClick={onClick}
      data-testid={testid}
    >
      <AdminIcon name={icon} />
    </button>
  );
}

const ICONS: Record<string, ReactNode> = {
  edit: <path d="M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4" />,
  trash: <path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6" />,
  up: <path d="M12 19V5M6 11l6-6 6 6" />,
  down: <path d="M12 5v14M6 13l6 6 6-6" />,
  key: (
    <>
      <circle cx="8" cy="15" r="4" />
      <path d="M11 12l9-9M16 7l3 3M14 9l2 2" />
    </>
  ),
  eye: (
    <>
      <path d="M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12z" />
      <circle cx="12" cy="12" r="3" />
    </>
  ),
  stop: (
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M9 9h6v6H9z" />
    </>
  ),
  link: (
    <path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" />
  ),
  plus: <path d="M12 5v14M5 12h14" />,
  undo: <path d="M9 14 4 9l5-5M4 9h10.5a5.5 5.5 0 0 1 0 11H11" />,
  upload: <path d="M12 21V9m0 0-4 4m4-4 4 4M4 7V4h16v3" />,
  file: <path d="M6 3h8l4 4v14H6zM14 3v4h4" />,
};

export function AdminIcon({ name, size = 14 }: { name: keyof typeof ICONS | string; size?: number }) {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      {ICONS[name]}
    </svg>
  );
}

/** Digits only (for number inputs kept as text); '' → null. */
export function intOrNull(s: string): number | null {
  const v = s.trim();
  if (!v) return null;
  return /^-?\d+$/.test(v) ? Number(v) : NaN;
}

/**
 * Manager links of an installation or online access are `{managerId, email}` pairs: a manager with
 * several e-mails is offered once per address. Values are `id|email`.
 */
export function managerEmailOptions(managers: Manager[] | undefined): SelectOption[] {
  const out: SelectOption[] = [];
  for (const m of [...(managers ?? [])].sort((a, b) => a.name.localeCompare(b.name, 'ru'))) {
    if (m.emails.length === 0)
      out.push({ value: `${m.id}|`, label: `${m.name} (${tx('нет e-mail', 'no e-mail')})`, disabled: true });
    for (const e of m.emails) out.push({ value: `${m.id}|${e}`, label: `${m.name} <${e}>` });
  }
  return out;
}

export function linksFromValues(values: string[]): { managerId: number; email: string }[] {
  return values
    .map((v) => {
      const [id, email] = v.split('|');
      return { managerId: Number(id), email: email ?? '' };
    })
    .filter((l) => l.managerId > 0 && l.email);
}

export function valuesFromLinks(links: { managerId: number; email: string }[]): string[] {
  return links.map((l) => `${l.managerId}|${l.email}`);
}

export function linksText(
  links: { managerId: number; email: string }[],
  managers: Map<number, Manager>,
): string {
  return links.map((l) => managers.get(l.managerId)?.name ?? l.email).join(', ');
}

// ---------------------------------------------------------------- list pages

/** A TablePanel's (or StatusBox's) status from a query: loading, its error, and «Повторить». */
export function queryStatus(q: { isLoading: boolean; error: unknown; refetch(): unknown }) {
  return { loading: q.isLoading, error: q.error, onRetry: () => void q.refetch() };
}

/** The «Действия» column of a table: no filter, nothing to sort by, empty in the CSV. */
export function actionsColumn<T>(render: (row: T) => ReactNode): Column<T> {
  return { key: 'actions', title: L.actions(), filter: false, value: () => null, csv: () => '', render };
}

/** The admin lists to refresh after a change: some by name, or all of them (names appear across pages). */
export type Refresh = string[] | 'all';

/** The state of a list page's create/edit dialog and delete confirmation, and its toast. */
export interface Crud<T> {
  /** The item in the edit dialog, 'new' for the create dialog, null when it is closed. */
  editing: T | 'new' | null;
  /** The item whose deletion awaits confirmation. */
  deleting: T | null;
  create(): void;
  edit(item: T): void;
  remove(item: T): void;
  closeEdit(): void;
  closeDelete(): void;
  /** For the dialog's onDone: refreshes the lists and says what was saved. */
  saved(item: T): void;
  /** Refreshes admin lists (`crud.refresh` when not given). */
  refreshLists(which?: Refresh): Promise<void>;
  /** How buttons, confirmations and toasts name an item. */
  label(item: T): string;
  showToast(text: string): void;
  /** The page's toast; null when the page passed its own `showToast`. */
  toast: ReactNode;
}

export function useCrud<T>({
  label,
  refresh,
  savedText,
  showToast,
}: {
  label(item: T): string;
  /** Lists to refresh after a save (and, unless CrudDialogs says otherwise, after a delete). */
  refresh: Refresh;
  /** The toast after a save; «Сохранено: <label>» by default. */
  savedText?(item: T): string;
  /** A toast shared by several lists of one page; else the hook keeps its own. */
  showToast?(text: string): void;
}): Crud<T> {
  const [editing, setEditing] = useState<T | 'new' | null>(null);
  const [deleting, setDeleting] = useState<T | null>(null);
  const [ownToast, showOwnToast] = useToast();
  const invalidate = useInvalidate();
  const show = showToast ?? showOwnToast;
  const refreshLists = (which: Refresh = refresh) => (which === 'all' ? invalidate() : invalidate(...which));
  return {
    editing,
    deleting,
    create: () => setEditing('new'),
    edit: setEditing,
    remove: setDeleting,
    closeEdit: () => setEditing(null),
    closeDelete: () => setDeleting(null),
    saved: (item) => {
      void refreshLists();
      show(savedText ? savedText(item) : L.saved(label(item)));
    },
    refreshLists,
    label,
    showToast: show,
    toast: showToast ? null : ownToast,
  };
}

/** «Изменить» and «Удалить» of a row (after `children`, the row's other buttons). */
export function EditDeleteButtons<T>({
  crud,
  item,
  testid,
  why,
  whyDelete,
  edit = true,
  children,
}: {
  crud: Crud<T>;
  item: T;
  /** Prefix of the buttons' test ids: `<testid>-edit`, `<testid>-delete`. */
  testid: string;
  /** Why the buttons are disabled (null: enabled). */
  why?: string | null;
  /** Why deleting is disabled, when it differs from `why`. */
  whyDelete?: string | null;
  /** False for lists whose items are not edited. */
  edit?: boolean;
  children?: ReactNode;
}) {
  const name = crud.label(item);
  return (
    <span className="cell-actions">
      {children}
      {edit && (
        <RowButton
          icon="edit"
          label={`${L.edit()}: ${name}`}
          why={why}
          onClick={() => crud.edit(item)}
          testid={`${testid}-edit`}
        />
      )}
      <RowButton
        icon="trash"
        danger
        label={`${L.remove()}: ${name}`}
        why={whyDelete === undefined ? why : whyDelete}
        onClick={() => crud.remove(item)}
        testid={`${testid}-delete`}
      />
    </span>
  );
}

/**
 * The dialogs of a list page: the create/edit dialog while `crud.editing` is set, the confirmation
 * that sends `DELETE deletePath(item)` while `crud.deleting` is set, and the page's toast.
 */
export function CrudDialogs<T>({
  crud,
  editor,
  deletePath,
  refreshOnDelete,
  deleteTitle,
  deleteLabel,
  deletedText,
  deleteBody,
}: {
  crud: Crud<T>;
  /** The create/edit dialog (item null: create); `onDone` refreshes the lists and shows the toast. */
  editor?(props: { item: T | null; onClose(): void; onDone(saved: T): void }): ReactNode;
  deletePath?(item: T): string;
  /** Lists to refresh after a delete; the crud's `refresh` by default. */
  refreshOnDelete?: Refresh;
  /** «Удалить <label>?» by default. */
  deleteTitle?(item: T): string;
  /** «Удалить» by default. */
  deleteLabel?: string;
  /** «Удалено: <label>» by default. */
  deletedText?(item: T): string;
  /** «Это действие нельзя отменить.» by default. */
  deleteBody?(item: T): ReactNode;
}) {
  const { editing, deleting } = crud;
  return (
    <>
      {editing &&
        editor?.({ item: editing === 'new' ? null : editing, onClose: crud.closeEdit, onDone: crud.saved })}
      {deleting && deletePath && (
        <ConfirmDialog
          title={deleteTitle ? deleteTitle(deleting) : L.confirmDelete(crud.label(deleting))}
          confirmLabel={deleteLabel ?? L.remove()}
          onClose={crud.closeDelete}
          action={async () => {
            await apiSend('DELETE', deletePath(deleting));
            await crud.refreshLists(refreshOnDelete);
            crud.showToast(deletedText ? deletedText(deleting) : L.deleted(crud.label(deleting)));
          }}
        >
          {deleteBody?.(deleting)}
        </ConfirmDialog>
      )}
      {crud.toast}
    </>
  );
}
