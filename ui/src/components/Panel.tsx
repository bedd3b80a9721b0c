/**
 * The frame of every panel: title, description, «Просмотр» (View: the panel full screen, Esc exits,
 * kept in the URL as viewPanel), a note such as «показаны 50 из 120», and the loading / error / empty
 * states, each saying what is missing.
 */
import type { ReactNode } from 'react';
import { useId } from 'react';
import { ApiError } from '../api';
import { t } from '../i18n';
import { useDashboard } from '../lib/dashboard';
import { Icon } from './icons';

export type PanelSpan = 'full' | 'half' | 'third' | 'twothirds';

export interface PanelStatus {
  loading: boolean;
  error: unknown;
  empty: boolean;
  emptyText: string;
  onRetry?: () => void;
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 404 && error.message.startsWith('no route'))
      return t('common.errorNoEndpoint', { path: error.message.replace(/^no route \w+ /, '') });
    return error.message;
  }
  return (error as Error)?.message ?? String(error);
}

export function StatusBox({ status, children }: { status: PanelStatus; children: ReactNode }) {
  if (status.loading)
    return (
      <div className="panel-state loading" role="status">
        <span className="spinner" aria-hidden="true" />
        {t('panel.loading')}
      </div>
    );
  if (status.error)
    return (
      <div className="panel-state error" role="alert">
        <Icon name="alert" />
        <span>{t('common.errorLoad', { message: errorText(status.error) })}</span>
        {status.onRetry && (
          <button type="button" className="btn btn-small" onClick={status.onRetry}>
            {t('common.retry')}
          </button>
        )}
      </div>
    );
  if (status.empty)
    return (
      <div className="panel-state empty" role="status">
        <Icon name="info" />
        <span>{status.emptyText}</span>
      </div>
    );
  return <>{children}</>;
}

export function Panel({
  id,
  title,
  description,
  span = 'half',
  height = 320,
  note,
  tools,
  status,
  children,
  className = '',
}: {
  id: string;
  title: string;
  description?: string;
  span?: PanelSpan;
  height?: number | 'auto';
  note?: ReactNode;
  tools?: ReactNode;
  status?: PanelStatus;
  children: ReactNode;
  className?: string;
}) {
  const dash = useDashboard();
  const headingId = useId();
  const descId = useId();
  const viewing = dash?.viewPanel === id;
  if (dash?.viewPanel && !viewing) return null;
  return (
    <section
      className={`panel span-${span}${viewing ? ' viewing' : ''} ${className}`}
      style={viewing || height === 'auto' ? undefined : { height }}
      aria-labelledby={headingId}
      aria-describedby={description ? descId : undefined}
      data-panel={id}
    >
      <header className="panel-header">
        <h2 id={headingId} className="panel-title" title={title}>
          {title}
        </h2>
        {description && (
          <span className="panel-info" tabIndex={0} aria-label={t('panel.info')} data-tip={description}>
            <Icon name="info" size={14} />
            <span id={descId} className="sr-only">
              {description}
            </span>
          </span>
        )}
        {note && <span className="panel-note">{note}</span>}
        <span className="panel-tools">
          {tools}
          {dash && (
            <button
              type="button"
              className="btn btn-icon btn-ghost panel-view"
              aria-label={viewing ? t('panel.exitView') : `${t('panel.view')}: ${title}`}
              title={viewing ? t('panel.exitView') : t('panel.view')}
              aria-pressed={viewing}
              onClick={() => dash.setViewPanel(viewing ? null : id)}
            >
              <Icon name={viewing ? 'x' : 'expand'} size={14} />
            </button>
          )}
        </span>
      </header>
      <div className="panel-body">
        {status ? <StatusBox status={status}>{children}</StatusBox> : children}
      </div>
    </section>
  );
}
