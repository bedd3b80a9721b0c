/**
 * A free-text variable in the variables bar (e.g. «Пользователь», a query substring): a label and an
 * input, applied on Enter or when the field loses focus (not on every keystroke, which would send a
 * query per letter). Esc restores the applied value.
 */
import { useEffect, useId, useState } from 'react';
import './StatTiles.css';

export function TextVariable({
  label,
  value,
  onChange,
  placeholder,
  title,
}: {
  label: string;
  value: string;
  onChange(value: string): void;
  placeholder?: string;
  title?: string;
}) {
  const id = useId();
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const apply = () => {
    if (text.trim() !== value) onChange(text.trim());
  };
  return (
    <div className="variable">
      <label className="variable-label" htmlFor={id} title={title}>
        {label}
      </label>
      <input
        id={id}
        type="search"
        className="text-variable"
        value={text}
        placeholder={placeholder}
        title={title}
        onChange={(e) => setText(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            apply();
          } else if (e.key === 'Escape') {
            e.preventDefault();
            setText(value);
          }
        }}
      />
    </div>
  );
}
