// Save the machine's state and go back to it (DESIGN rule 7): restore + run equals run.
import { useState } from 'react';
import { formatClock } from '../format';
import { requestSnapshot, restoreSnapshot } from '../lab-client';
import { useLab } from '../store';

export function SnapshotControls() {
  const generation = useLab((s) => s.generation);
  const [saved, setSaved] = useState<{ snapshot: unknown; atNs: number; generation: number }>();
  const [error, setError] = useState<string>();
  const usable = saved && saved.generation === generation;

  const save = async () => {
    const atNs = useLab.getState().nowNs;
    const snapshot = await requestSnapshot();
    if (snapshot === undefined) setError('this machine cannot take snapshots');
    else {
      setSaved({ snapshot, atNs, generation });
      setError(undefined);
    }
  };

  return (
    <span className="snapshot-controls">
      <button type="button" onClick={save}>
        Save state
      </button>
      <button
        type="button"
        disabled={!usable}
        title={usable ? `back to ${formatClock(saved.atNs)}` : 'save a state first'}
        onClick={async () => usable && setError(await restoreSnapshot(saved.snapshot))}
      >
        Restore state
      </button>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </span>
  );
}
