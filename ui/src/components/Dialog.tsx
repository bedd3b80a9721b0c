/**
 * A modal dialog on the native <dialog> element: focus is kept inside, Esc closes, focus returns to
 * where it was.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { t } from '../i18n';
import { Icon } from './icons';

export function Dialog({
  title,
  onClose,
  children,
  footer,
  onSubmit,
}: {
  title: string;
  onClose(): void;
  children: ReactNode;
  footer: ReactNode;
  onSubmit(): void;
}) {
  const ref = useRef<HTMLDialogElement | null>(null);
  const titleId = useId();
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => prev?.focus?.();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      role="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <header className="dialog-header">
          <h2 id={titleId}>{title}</h2>
          <button
            type="button"
            className="btn btn-icon btn-ghost"
            aria-label={t('common.close')}
            onClick={onClose}
          >
            <Icon name="x" />
          </button>
        </header>
        <div className="dialog-body">{children}</div>
        <footer className="dialog-footer">{footer}</footer>
      </form>
    </dialog>
  );
}
