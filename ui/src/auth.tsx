/**
 * The session: who is logged in (`GET /api/me`, null when not), the login form, logout, and role
 * helpers shared by the navigation and the admin pages.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, apiGet, apiSend, type Me, type Role } from './api';
import { t, useLang } from './i18n';

export const ME_KEY = ['me'] as const;

export function useMe() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: async ({ signal }) => {
      try {
        return await apiGet<Me>('/api/me', undefined, signal);
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: 5 * 60_000,
    retry: false,
  });
}

/** Roles that see the administration section. */
export const ADMIN_ROLES: Role[] = ['operator', 'dealer-admin', 'head'];

export function canAdmin(role: Role | undefined): boolean {
  return !!role && ADMIN_ROLES.includes(role);
}

/** Every role but the viewer may acknowledge; silences need operator, dealer-admin or head. */
export function canAck(role: Role | undefined): boolean {
  return !!role && role !== 'viewer';
}
export function canSilence(role: Role | undefined): boolean {
  return canAdmin(role);
}

/** Forgets every cached answer but the session's own (its observer must stay attached). */
function forgetData(qc: ReturnType<typeof useQueryClient>): void {
  qc.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
}

export function useLogout(): () => Promise<void> {
  const qc = useQueryClient();
  return async () => {
    try {
      await apiSend('POST', '/api/logout');
    } catch {
      // the session may already be gone
    }
    forgetData(qc);
    qc.setQueryData(ME_KEY, null);
  };
}

export function LoginPage() {
  const qc = useQueryClient();
  const [lang, setLang] = useLang();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await apiSend<Me>('POST', '/api/login', { login, password });
      forgetData(qc);
      qc.setQueryData(ME_KEY, me);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError(t('login.failed'));
      else if (err instanceof ApiError && err.status === 429)
        setError(t('login.tooMany', { message: err.message }));
      else setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login-page">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          <span>
            <strong>SMART</strong>
            <small>{t('appTagline')}</small>
          </span>
        </div>
        <h1 id="login-title">{t('login.title')}</h1>
        <label className="field">
          <span>{t('login.login')}</span>
          <input
            name="login"
            autoComplete="username"
            value={login}
            onChange={(e) => setLogin(e.target.value)}
            required
            autoFocus
          />
        </label>
        <label className="field">
          <span>{t('login.password')}</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
        <div className="login-lang" role="group" aria-label={t('lang.switch')}>
          {(['ru', 'en'] as const).map((l) => (
            <button
              key={l}
              type="button"
              className={`btn-link${lang === l ? ' active' : ''}`}
              aria-pressed={lang === l}
              onClick={() => setLang(l)}
            >
              {l === 'ru' ? 'Русский' : 'English'}
            </button>
          ))}
        </div>
      </form>
    </div>
  );
}
