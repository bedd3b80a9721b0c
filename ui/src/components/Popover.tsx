/**
 * Drop-downs: `usePopover` (open state closed by Esc and by a click outside, focus returned to the
 * trigger) and `Menu`, a button with a keyboard-navigable `role="menu"` list (arrows, Home/End,
 * Enter/Space, Esc).
 */
import { useCallback, useEffect, useId, useRef, useState, type ReactNode, type RefObject } from 'react';
import { Icon, type IconName } from './icons';

export function usePopover<T extends HTMLElement = HTMLDivElement>(): {
  open: boolean;
  setOpen(v: boolean): void;
  toggle(): void;
  rootRef: RefObject<T | null>;
  triggerRef: RefObject<HTMLButtonElement | null>;
  close(focusTrigger?: boolean): void;
} {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<T | null>(null);
  const triggerRef = useRef<HTMLButtonElement | null>(null);
  const close = useCallback((focusTrigger = true) => {
    setOpen(false);
    if (focusTrigger) triggerRef.current?.focus();
  }, []);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (rootRef.current && !rootRef.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        close();
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey, true);
    };
  }, [open, close]);
  return { open, setOpen, toggle: () => setOpen((v) => !v), rootRef, triggerRef, close };
}

export interface MenuItem {
  label: string;
  icon?: IconName;
  onSelect(): void;
  checked?: boolean;
  disabled?: boolean;
  hint?: string;
}

/** Moves focus between the `[role=menuitem]`/`[role=menuitemradio]` children of a list with the keyboard. */
export function menuKeys(e: React.KeyboardEvent<HTMLElement>): void {
  const items = Array.from(
    e.currentTarget.querySelectorAll<HTMLElement>('[role^="menuitem"]:not([aria-disabled="true"])'),
  );
  const i = items.indexOf(document.activeElement as HTMLElement);
  let next = -1;
  if (e.key === 'ArrowDown') next = (i + 1) % items.length;
  else if (e.key === 'ArrowUp') next = (i - 1 + items.length) % items.length;
  else if (e.key === 'Home') next = 0;
  else if (e.key === 'End') next = items.length - 1;
  if (next >= 0) {
    e.preventDefault();
    items[next]?.focus();
  }
}

export function Menu({
  label,
  buttonContent,
  items,
  header,
  align = 'left',
  className = '',
  title,
}: {
  /** Accessible name of the trigger. */
  label: string;
  buttonContent: ReactNode;
  items: MenuItem[];
  header?: ReactNode;
  align?: 'left' | 'right';
  className?: string;
  title?: string;
}) {
  const pop = usePopover<HTMLDivElement>();
  const id = useId();
  const listRef = useRef<HTMLDivElement | null>(null);
  useEffect(() => {
    if (pop.open) {
      const first =
        listRef.current?.querySelector<HTMLElement>('[aria-checked="true"]') ??
        listRef.current?.querySelector<HTMLElement>('[role^="menuitem"]');
      first?.focus();
    }
  }, [pop.open]);
  const radio = items.some((i) => i.checked !== undefined);
  return (
    <div className={`menu ${className}`} ref={pop.rootRef}>
      <button
        ref={pop.triggerRef}
        type="button"
        className="btn"
        aria-haspopup="menu"
        aria-expanded={pop.open}
        aria-controls={pop.open ? id : undefined}
        aria-label={label}
        title={title ?? label}
        onClick={pop.toggle}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !pop.open) {
            e.preventDefault();
            pop.setOpen(true);
          }
        }}
      >
        {buttonContent}
      </button>
      {pop.open && (
        <div
          id={id}
          ref={listRef}
          className={`menu-list menu-${align}`}
          role="menu"
          aria-label={label}
          onKeyDown={menuKeys}
        >
          {header}
          {items.map((it) => (
            <button
              key={it.label}
              type="button"
              role={radio ? 'menuitemradio' : 'menuitem'}
              aria-checked={radio ? !!it.checked : undefined}
              aria-disabled={it.disabled || undefined}
              className={`menu-item${it.checked ? ' checked' : ''}`}
              title={it.hint}
              tabIndex={-1}
              onClick={() => {
                if (it.disabled) return;
                pop.close();
                it.onSelect();
              }}
            >
              <span className="menu-check">{it.checked ? <Icon name="check" size={14} /> : null}</span>
              {it.icon && <Icon name={it.icon} />}
              <span>{it.label}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
