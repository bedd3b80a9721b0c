/**
 * Big numbers in a row (Grafana's «stat» panel): each tile a value, a label and a colour that answers
 * the tile's question (green good, yellow attention, red act). A tile may be a button (e.g. a filter).
 */
import type { ReactNode } from 'react';
import './StatTiles.css';

export type StatColor = 'red' | 'yellow' | 'green' | 'blue' | 'grey';

export interface StatTile {
  key: string;
  label: string;
  value: ReactNode;
  color?: StatColor;
  /** A second line under the value (e.g. «из 457»). */
  sub?: ReactNode;
  /** Hover text: how the number is computed. */
  hint?: string;
  onClick?: () => void;
  pressed?: boolean;
}

export function StatTiles({ tiles, label }: { tiles: StatTile[]; label: string }) {
  return (
    <div className="stat-tiles" role="list" aria-label={label}>
      {tiles.map((x) => {
        const body = (
          <>
            <span className="stat-label">{x.label}</span>
            <span className="stat-value">{x.value}</span>
            {x.sub !== undefined && <span className="stat-sub">{x.sub}</span>}
          </>
        );
        const cls = `stat-tile stat-${x.color ?? 'grey'}${x.pressed ? ' pressed' : ''}`;
        return (
          <div key={x.key} role="listitem" data-stat={x.key} className="stat-cell" title={x.hint}>
            {x.onClick ? (
              <button type="button" className={cls} aria-pressed={x.pressed} onClick={x.onClick}>
                {body}
              </button>
            ) : (
              <div className={cls}>{body}</div>
            )}
          </div>
        );
      })}
    </div>
  );
}
