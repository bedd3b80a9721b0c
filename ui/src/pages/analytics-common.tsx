/**
 * Pieces shared by the analytics pages of issue 7 («Ошибки БД», «Контроль версий», «Время внутри файла
 * SYSINFO», «Карточки пользователей», «Подключённые пользователи», «Поисковые запросы», «Статистика в
 * разрезе MS AD»): page-specific filters kept in the URL, the table status, server paging by offset,
 * the text panel and a few formatters.
 */
import type { ReactNode } from 'react';
import { Panel, type PanelSpan } from '../components/Panel';
import { tx } from '../i18n';
import type { DashboardState } from '../lib/dashboard';
import { fmtNum } from '../lib/format';

/** A page filter kept in the URL as one comma-separated parameter (absent = all). */
export function useListParam(state: DashboardState, name: string): [string[], (v: string[]) => void] {
  const raw = state.extra(name);
  const values = raw ? raw.split(',').filter(Boolean) : [];
  return [values, (v) => state.setExtra(name, v.length ? v.join(',') : null)];
}

/** The loading / error state of a table fed by one query (stale rows stay while a new answer loads). */
export function tableStatus(q: { isLoading: boolean; error: unknown; data: unknown; refetch(): unknown }) {
  return {
    loading: q.isLoading && !q.data,
    error: q.data ? null : q.error,
    onRetry: () => void q.refetch(),
  };
}

/** `{from}–{to} из {total}` with «назад» / «вперёд» buttons for a list the server pages by offset. */
export function OffsetPager({
  offset,
  limit,
  shown,
  total,
  onOffset,
  label,
}: {
  offset: number;
  limit: number;
  shown: number;
  total: number;
  onOffset(offset: number): void;
  label: string;
}) {
  if (total <= limit && offset === 0) return null;
  return (
    <nav className="load-more" aria-label={label}>
      <span aria-live="polite">
        {tx('Загружены строки {from}–{to} из {total}', 'Rows {from}–{to} of {total} loaded', {
          from: fmtNum(shown ? offset + 1 : 0),
          to: fmtNum(offset + shown),
          total: fmtNum(total),
        })}
      </span>
      <span>
        <button
          type="button"
          className="btn btn-small"
          disabled={offset === 0}
          onClick={() => onOffset(Math.max(0, offset - limit))}
        >
          {tx('← Предыдущие {n}', '← Previous {n}', { n: limit })}
        </button>{' '}
        <button
          type="button"
          className="btn btn-small"
          disabled={offset + shown >= total}
          onClick={() => onOffset(offset + limit)}
        >
          {tx('Следующие {n} →', 'Next {n} →', { n: limit })}
        </button>
      </span>
    </nav>
  );
}

/** A text panel (Grafana's «Text»): how to use the dashboard, what it shows. */
export function TextPanel({
  id,
  title,
  children,
  span = 'full',
}: {
  id: string;
  title: string;
  children: ReactNode;
  span?: PanelSpan;
}) {
  return (
    <Panel id={id} title={title} span={span} height="auto">
      <div className="text-panel">{children}</div>
    </Panel>
  );
}

/** A cell value that is absent: an em dash the reader sees as «не заполнено». */
export function Missing() {
  return (
    <span className="muted" aria-label={tx('не заполнено', 'empty')}>
      —
    </span>
  );
}

export const joinManagers = (m: readonly string[]): string => m.join(', ');
