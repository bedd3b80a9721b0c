/**
 * A Grafana-style variable: a labelled button showing «Все» or the chosen values, opening a searchable
 * `role="listbox"` with several choices. Keyboard: arrows move, Space/Enter toggles, Esc closes; typing
 * goes to the search box.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { t } from '../i18n';
import { Icon } from './icons';
import { usePopover } from './Popover';

export interface Option {
  value: string;
  label: string;
  /** A second line (e.g. the client of a host). */
  hint?: string;
}

export function MultiSelect({
  label,
  options,
  value,
  onChange,
  title,
  loading,
}: {
  label: string;
  options: Option[];
  value: string[];
  onChange(values: string[]): void;
  title?: string;
  loading?: boolean;
}) {
  const pop = usePopover<HTMLDivElement>();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const listId = useId();
  const labelId = useId();
  const searchRef = useRef<HTMLInputElement | null>(null);
  const selected = useMemo(() => new Set(value), [value]);
  const filtered = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return options;
    return options.filter((o) => o.label.toLowerCase().includes(q) || o.hint?.toLowerCase().includes(q));
  }, [options, query]);
  // Row 0 is «Все», then the filtered options.
  const rows = filtered.length + 1;

  useEffect(() => {
    if (pop.open) {
      setQuery('');
      setActive(0);
      searchRef.current?.focus();
    }
  }, [pop.open]);

  const byValue = useMemo(() => new Map(options.map((o) => [o.value, o])), [options]);
  const shown =
    value.length === 0
      ? t('common.all')
      : value.length <= 2
        ? value.map((v) => byValue.get(v)?.label ?? v).join(', ')
        : t('common.selected', { n: value.length });

  const toggle = (v: string) => {
    if (selected.has(v)) onChange(value.filter((x) => x !== v));
    else onChange([...value, v]);
  };
  const choose = (row: number) => {
    if (row === 0) onChange([]);
    else {
      const o = filtered[row - 1];
      if (o) toggle(o.value);
    }
  };

  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(rows - 1, a + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'Enter' || (e.key === ' ' && (e.target as HTMLElement).tagName !== 'INPUT')) {
      e.preventDefault();
      choose(active);
    } else if (e.key === 'Tab') {
      pop.close(false);
    }
  };
  useEffect(() => {
    document.getElementById(`${listId}-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active, listId]);

  return (
    <div className="variable" ref={pop.rootRef}>
      <span className="variable-label" id={labelId} title={title}>
        {label}
      </span>
      <button
        ref={pop.triggerRef}
        type="button"
        className={`variable-value${value.length ? ' set' : ''}`}
        aria-haspopup="listbox"
        aria-expanded={pop.open}
        aria-labelledby={`${labelId} ${labelId}-v`}
        onClick={pop.toggle}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !pop.open) {
            e.preventDefault();
            pop.setOpen(true);
          }
        }}
      >
        <span id={`${labelId}-v`} className="variable-text">
          {shown}
        </span>
        <Icon name="down" size={14} />
      </button>
      {pop.open && (
        <div className="variable-pop" onKeyDown={onKey}>
          <div className="variable-search">
            <Icon name="search" size={14} />
            <input
              ref={searchRef}
              type="search"
              aria-label={`${t('var.filter')}: ${label}`}
              placeholder={t('var.filter')}
              value={query}
              role="combobox"
              aria-expanded="true"
              aria-controls={listId}
              aria-activedescendant={`${listId}-${active}`}
              onChange={(e) => {
                setQuery(e.target.value);
                setActive(e.target.value ? 1 : 0);
              }}
            />
          </div>
          <ul
            id={listId}
            role="listbox"
            aria-multiselectable="true"
            aria-label={label}
            className="variable-list"
          >
            <li
              id={`${listId}-0`}
              role="option"
              aria-selected={value.length === 0}
              className={`variable-option${active === 0 ? ' active' : ''}`}
              onMouseEnter={() => setActive(0)}
              onClick={() => choose(0)}
            >
              <span className={`checkbox${value.length === 0 ? ' on' : ''}`} aria-hidden="true">
                {value.length === 0 && <Icon name="check" size={12} />}
              </span>
              <span>{t('common.all')}</span>
            </li>
            {filtered.map((o, i) => (
              <li
                key={o.value}
                id={`${listId}-${i + 1}`}
                role="option"
                aria-selected={selected.has(o.value)}
                className={`variable-option${active === i + 1 ? ' active' : ''}`}
                onMouseEnter={() => setActive(i + 1)}
                onClick={() => choose(i + 1)}
              >
                <span className={`checkbox${selected.has(o.value) ? ' on' : ''}`} aria-hidden="true">
                  {selected.has(o.value) && <Icon name="check" size={12} />}
                </span>
                <span className="option-text">
                  {o.label}
                  {o.hint && <small>{o.hint}</small>}
                </span>
              </li>
            ))}
            {filtered.length === 0 && (
              <li className="variable-empty" role="presentation">
                {loading ? t('common.loading') : t('var.noOptions')}
              </li>
            )}
          </ul>
        </div>
      )}
    </div>
  );
}
