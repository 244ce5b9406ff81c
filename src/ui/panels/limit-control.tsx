// One throttle limit of one group: a slider and an exact number input, with a visible label.
// Accessible names: the slider is "<group> <param>" (e.g. "foo iops"), the number input
// "<group> <param> value". A change is applied when the slider is released (pointer or key) or
// when Enter is pressed / focus leaves the number input; QEMU's error shows beside the control.
import { useId, useState } from 'react';
import { parseLimit, sliderRange } from '../throttle-params';

interface Props {
  group: string;
  param: string;
  /** The value the machine reports now. */
  value: number;
  /** Applies a value; resolves with QEMU's error message, or undefined on success. */
  apply(value: number): Promise<string | undefined>;
}

export function LimitControl({ group, param, value, apply }: Props) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const shown = draft ?? String(value);
  const range = sliderRange(param, Math.max(value, Number(shown) || 0));

  const commit = async (text: string) => {
    if (draft === null || text === String(value)) {
      setDraft(null);
      setError(undefined);
      return;
    }
    const parsed = parseLimit(text);
    if (typeof parsed === 'string') {
      setError(parsed);
      return;
    }
    const err = await apply(parsed);
    setError(err);
    if (!err) setDraft(null);
  };

  return (
    <div className={`limit-control${error ? ' has-error' : ''}`}>
      <label htmlFor={`${id}-n`}>{param}</label>
      <div className="limit-inputs">
        <input
          type="range"
          aria-label={`${group} ${param}`}
          min={range.min}
          max={range.max}
          step={range.step}
          value={Number(shown) || 0}
          aria-describedby={error ? `${id}-e` : undefined}
          onChange={(e) => setDraft(e.target.value)}
          onPointerUp={(e) => commit(e.currentTarget.value)}
          onKeyUp={(e) => commit(e.currentTarget.value)}
        />
        <input
          id={`${id}-n`}
          type="text"
          inputMode="numeric"
          aria-label={`${group} ${param} value`}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-e` : undefined}
          value={shown}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit(e.currentTarget.value);
            if (e.key === 'Escape') {
              setDraft(null);
              setError(undefined);
            }
          }}
          onBlur={(e) => commit(e.currentTarget.value)}
        />
      </div>
      {error && (
        <p role="alert" id={`${id}-e`} className="error">
          {error}
        </p>
      )}
    </div>
  );
}
