/**
 * The time picker of the top bar, as in Grafana: ◀ [range ▾] ▶ and zoom out. The drop-down has custom
 * whole-day ranges (two date inputs) and the presets «Последние 5 минут» … «Последние 2 года».
 */
import { useEffect, useId, useRef, useState } from 'react';
import { t } from '../i18n';
import { fmtDuration, isoDay } from '../lib/format';
import {
  PRESETS,
  dayStart,
  endOfDay,
  isRelative,
  nextPreset,
  presetOf,
  rangeLabel,
  relMs,
  resolveRange,
  shiftRange,
  shiftStep,
  zoomOut,
  DAY,
  type RawRange,
} from '../lib/time';
import { Icon } from './icons';
import { menuKeys, usePopover } from './Popover';

export function TimePicker({ raw, onChange }: { raw: RawRange; onChange(r: RawRange): void }) {
  const pop = usePopover<HTMLDivElement>();
  const now = Date.now();
  const { from, to } = resolveRange(raw, now);
  const len = to - from;
  const step = shiftStep(len);
  const shiftTitle = (dir: string) =>
    step === 10 * DAY ? t('tp.shiftHint10', { dir }) : t('tp.shiftHintLen', { len: fmtDuration(step), dir });
  const next = isRelative(raw) ? nextPreset(relMs(raw.from)!) : null;
  const zoomTitle = isRelative(raw)
    ? next
      ? t('tp.zoomOutHintPreset', { next: t(next.key) })
      : t('tp.zoomOut')
    : t('tp.zoomOutHintCustom');
  const label = rangeLabel(raw, now);
  const panelId = useId();

  return (
    <div className="timepicker" ref={pop.rootRef} role="group" aria-label={t('tp.label')}>
      <button
        type="button"
        className="btn btn-icon"
        onClick={() => onChange(shiftRange(raw, -1, Date.now()))}
        aria-label={shiftTitle(t('tp.earlier'))}
        title={shiftTitle(t('tp.earlier'))}
      >
        <Icon name="left" />
      </button>
      <button
        ref={pop.triggerRef}
        type="button"
        className="btn timepicker-button"
        aria-haspopup="dialog"
        aria-expanded={pop.open}
        aria-controls={pop.open ? panelId : undefined}
        aria-label={`${t('tp.label')}: ${label}`}
        onClick={pop.toggle}
      >
        <Icon name="clock" />
        <span className="timepicker-label">{label}</span>
        <Icon name="down" size={14} />
      </button>
      <button
        type="button"
        className="btn btn-icon"
        onClick={() => onChange(shiftRange(raw, 1, Date.now()))}
        aria-label={shiftTitle(t('tp.later'))}
        title={shiftTitle(t('tp.later'))}
        disabled={raw.to === 'now'}
      >
        <Icon name="right" />
      </button>
      <button
        type="button"
        className="btn btn-icon"
        onClick={() => onChange(zoomOut(raw, Date.now()))}
        aria-label={zoomTitle}
        title={zoomTitle}
      >
        <Icon name="zoomOut" />
      </button>
      {pop.open && (
        <TimePanel
          id={panelId}
          raw={raw}
          from={from}
          to={to}
          onPick={(r) => {
            onChange(r);
            pop.close();
          }}
        />
      )}
    </div>
  );
}

function TimePanel({
  id,
  raw,
  from,
  to,
  onPick,
}: {
  id: string;
  raw: RawRange;
  from: number;
  to: number;
  onPick(r: RawRange): void;
}) {
  const [fromDay, setFromDay] = useState(isoDay(from));
  // An absolute whole-day range ends at the next midnight: show the last day it covers.
  const [toDay, setToDay] = useState(isoDay(isRelative(raw) ? to : to - 1));
  const [error, setError] = useState<string | null>(null);
  const firstRef = useRef<HTMLInputElement | null>(null);
  const current = presetOf(raw);
  useEffect(() => firstRef.current?.focus(), []);

  const apply = (e: React.FormEvent) => {
    e.preventDefault();
    if (!fromDay || !toDay) return;
    const f = dayStart(fromDay);
    const tt = endOfDay(dayStart(toDay));
    if (tt <= f) {
      setError(t('tp.invalid'));
      return;
    }
    onPick({ from: String(f), to: String(tt) });
  };

  return (
    <div id={id} className="timepicker-pop" role="dialog" aria-label={t('tp.label')}>
      <form className="timepicker-custom" onSubmit={apply}>
        <h3>{t('tp.custom')}</h3>
        <label>
          <span>{t('tp.from')}</span>
          <input
            ref={firstRef}
            type="date"
            value={fromDay}
            max={isoDay(Date.now())}
            onChange={(e) => setFromDay(e.target.value)}
            required
          />
        </label>
        <label>
          <span>{t('tp.to')}</span>
          <input
            type="date"
            value={toDay}
            max={isoDay(Date.now())}
            onChange={(e) => setToDay(e.target.value)}
            required
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary">
          {t('tp.apply')}
        </button>
      </form>
      <div className="timepicker-presets">
        <h3 id={`${id}-presets`}>{t('tp.presets')}</h3>
        <div role="menu" aria-labelledby={`${id}-presets`} onKeyDown={menuKeys}>
          {PRESETS.map((p) => (
            <button
              key={p.from}
              type="button"
              role="menuitemradio"
              aria-checked={current?.from === p.from}
              className={`preset${current?.from === p.from ? ' checked' : ''}`}
              onClick={() => onPick({ from: p.from, to: 'now' })}
            >
              {t(p.key)}
            </button>
          ))}
        </div>
      </div>
    </div>
  );
}
