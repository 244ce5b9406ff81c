// A typed-in speed (e.g. ×3, ×0.5) beside the preset buttons. Enter or leaving the field applies
// it; a value out of range shows why and keeps the current pacing.
import { useEffect, useState } from 'react';
import { isValidSpeed, MAX_SPEED, MIN_SPEED, SPEEDS, type Speed } from '../../worker/protocol';
import { resume, setSpeed } from '../lab-client';

export function CustomSpeed({ current, paused }: { current: Speed; paused: boolean }) {
  const custom = !SPEEDS.includes(current);
  const [text, setText] = useState(custom ? String(current) : '');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (custom) setText(String(current));
  }, [custom, current]);

  const apply = () => {
    if (text.trim() === '') {
      setError(null);
      return;
    }
    const value = Number(text);
    if (!isValidSpeed(value)) {
      setError(`speed must be a number from ${MIN_SPEED} to ${MAX_SPEED}`);
      return;
    }
    setError(null);
    setSpeed(value);
    if (paused) resume();
  };

  return (
    <span className="custom-speed">
      <label>
        <span aria-hidden="true">×</span>
        <input
          type="number"
          inputMode="decimal"
          min={MIN_SPEED}
          max={MAX_SPEED}
          step="any"
          placeholder="speed"
          aria-label="custom speed"
          aria-invalid={error !== null}
          aria-describedby={error ? 'custom-speed-error' : undefined}
          className={custom && !paused ? 'active' : undefined}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') apply();
            if (e.key === 'Escape') {
              setText(custom ? String(current) : '');
              setError(null);
            }
          }}
          onBlur={apply}
        />
      </label>
      {error && (
        <span id="custom-speed-error" role="alert" className="error">
          {error}
        </span>
      )}
    </span>
  );
}
