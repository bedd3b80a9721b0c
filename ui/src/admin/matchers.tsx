/**
 * The matchers of routing rules and silences (docs/api.md, «Matchers»): alert names, categories,
 * priorities, importance, routing classes and labels. Every field given must match; a list matches any
 * of its values; labels match by equality.
 */
import { useMemo, useState } from 'react';
import { CheckList, TextAreaField, useCatalogue } from './common';
import { tx } from './texts';
import { ALERT_CATEGORIES, ALERT_CLASSES, IMPORTANCES, PRIORITIES, type Matchers } from './types';

export function classNameOf(c: string): string {
  switch (c) {
    case 'high':
      return tx('высокий приоритет', 'high priority');
    case 'normal':
      return tx('обычный', 'normal');
    case 'analytics':
      return tx('аналитика', 'analytics');
    case 'all':
      return tx('все', 'all');
    default:
      return c;
  }
}

/** One line for a table: «K1, K2 · network · host=x». */
export function matchersText(m: Matchers): string {
  const parts: string[] = [];
  if (m.alerts?.length) parts.push(m.alerts.join(', '));
  if (m.categories?.length) parts.push(m.categories.join(', '));
  if (m.priorities?.length) parts.push(m.priorities.join(', '));
  if (m.importance?.length) parts.push(m.importance.join(', '));
  if (m.classes?.length) parts.push(m.classes.map(classNameOf).join(', '));
  const labels = Object.entries(m.labels ?? {});
  if (labels.length) parts.push(labels.map(([k, v]) => `${k}=${v}`).join(', '));
  return parts.length ? parts.join(' · ') : tx('все аварии', 'every alert');
}

/** `key=value` lines → an object; null when a line is not of that form. */
export function parseLabels(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const line of text
    .split(/\n/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const i = line.indexOf('=');
    if (i <= 0) return null;
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export function labelsText(l: Record<string, string> | undefined): string {
  return Object.entries(l ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

/** Drops empty lists, so that the API gets only the matchers that are set. */
export function cleanMatchers(m: Matchers): Matchers {
  const out: Matchers = {};
  for (const k of ['alerts', 'categories', 'priorities', 'importance', 'classes'] as const) {
    const v = m[k];
    if (v && v.length) out[k] = v;
  }
  if (m.labels && Object.keys(m.labels).length) out.labels = m.labels;
  return out;
}

function Chips({
  legend,
  values,
  value,
  onChange,
  name,
}: {
  legend: string;
  values: readonly string[];
  value: string[] | undefined;
  onChange(v: string[]): void;
  name?: (v: string) => string;
}) {
  const chosen = new Set(value ?? []);
  return (
    <fieldset className="field">
      <legend>{legend}</legend>
      <div className="chip-toggles">
        {values.map((v) => (
          <button
            key={v}
            type="button"
            className="chip-toggle"
            aria-pressed={chosen.has(v)}
            onClick={() =>
              onChange(chosen.has(v) ? (value ?? []).filter((x) => x !== v) : [...(value ?? []), v])
            }
          >
            {name ? name(v) : v}
          </button>
        ))}
      </div>
    </fieldset>
  );
}

export const MATCHER_FIELDS = [
  'matchers',
  'matchers.alerts',
  'matchers.categories',
  'matchers.priorities',
  'matchers.importance',
  'matchers.classes',
  'matchers.labels',
];

export function MatchersEditor({
  value,
  onChange,
  errors,
  legend,
  hint,
}: {
  value: Matchers;
  onChange(m: Matchers): void;
  errors: Record<string, string>;
  legend?: string;
  hint?: string;
}) {
  const catalogue = useCatalogue();
  const [labels, setLabels] = useState(labelsText(value.labels));
  const [labelsError, setLabelsError] = useState<string | null>(null);
  const alertOptions = useMemo(
    () =>
      (catalogue.data?.alerts ?? [])
        .map((a) => ({ value: a.name, label: `${a.name} · ${a.priority}` }))
        .sort((a, b) => a.value.localeCompare(b.value)),
    [catalogue.data],
  );
  const set = <K extends keyof Matchers>(k: K, v: Matchers[K]) => onChange({ ...value, [k]: v });
  return (
    <fieldset className="matchers-editor" data-testid="matchers-editor">
      <legend>{legend ?? tx('Каких аварий касается', 'Which alerts')}</legend>
      {hint && <p className="hint">{hint}</p>}
      {errors.matchers && (
        <p className="field-error" role="alert">
          {errors.matchers}
        </p>
      )}
      <CheckList
        legend={tx('Аварии', 'Alerts')}
        options={alertOptions}
        value={value.alerts ?? []}
        onChange={(v) => set('alerts', v)}
        error={errors['matchers.alerts']}
        testid="matchers-alerts"
        columns={2}
      />
      <div className="matchers-grid">
        <Chips
          legend={tx('Приоритет', 'Priority')}
          values={PRIORITIES}
          value={value.priorities}
          onChange={(v) => set('priorities', v)}
        />
        <Chips
          legend={tx('Важность', 'Importance')}
          values={IMPORTANCES}
          value={value.importance}
          onChange={(v) => set('importance', v)}
        />
        <Chips
          legend={tx('Класс', 'Class')}
          values={ALERT_CLASSES}
          value={value.classes}
          onChange={(v) => set('classes', v)}
          name={classNameOf}
        />
      </div>
      <Chips
        legend={tx('Категория', 'Category')}
        values={ALERT_CATEGORIES}
        value={value.categories}
        onChange={(v) => set('categories', v)}
      />
      <TextAreaField
        label={tx('Метки (ключ=значение, по одной в строке)', 'Labels (key=value, one a line)')}
        value={labels}
        rows={2}
        placeholder={'client=romashka\nhost=12345.te-cloud.ru'}
        error={labelsError ?? errors['matchers.labels']}
        hint={tx(
          'Метки объекта: dealer, client, client_id, unit, host, installation, online, user, url, catalog.',
          "The object's labels: dealer, client, client_id, unit, host, installation, online, user, url, catalog.",
        )}
        onChange={(t) => {
          setLabels(t);
          const parsed = parseLabels(t);
          if (parsed === null) setLabelsError(tx('Каждая строка — ключ=значение', 'Each line is key=value'));
          else {
            setLabelsError(null);
            set('labels', parsed);
          }
        }}
      />
    </fieldset>
  );
}
