// Edits one disk's guest workload with fio's names through x-workload-set.
import { memo, useEffect, useState } from 'react';
import { qmp, qmpError } from '../lab-client';

const RW = ['read', 'write', 'randread', 'randwrite', 'randrw', 'none'] as const;
const NUMBER_FIELDS = ['rwmixread', 'bs', 'iodepth', 'rate_iops', 'rate'] as const;
type NumberField = (typeof NUMBER_FIELDS)[number];
const HINTS: Record<NumberField, string> = {
  rwmixread: 'percentage of reads in a mixed workload (0–100)',
  bs: 'block size in bytes',
  iodepth: 'requests kept in flight',
  rate_iops: 'cap on operations per second issued by the guest (0 = none)',
  rate: 'cap on bytes per second issued by the guest (0 = none)',
};

export interface Workload {
  rw: (typeof RW)[number];
  rwmixread: number;
  bs: number;
  iodepth: number;
  rate_iops: number;
  rate: number;
}

/** The default workload of a drive described only by -drive (automation.md §3). */
export const DEFAULT_WORKLOAD: Workload = {
  rw: 'randrw',
  rwmixread: 50,
  bs: 4096,
  iodepth: 32,
  rate_iops: 0,
  rate: 0,
};

/** Edits one disk's workload; its state is local, so it re-renders only on its own input. */
export const WorkloadForm = memo(function WorkloadForm({ device }: { device: string }) {
  const [w, setW] = useState<Workload>(DEFAULT_WORKLOAD);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);

  // Start from what the machine runs now (a lab file or the QMP console may have changed it).
  useEffect(() => {
    let live = true;
    qmp({ execute: 'x-query-workloads' }).then((r) => {
      if (!live || !('return' in r)) return;
      const mine = (r.return as (Workload & { device: string })[]).find((x) => x.device === device);
      if (mine) {
        const { device: _device, ...current } = mine;
        setW(current);
      }
    });
    return () => {
      live = false;
    };
  }, [device]);

  const apply = async () => {
    const args: Record<string, unknown> = { device, rw: w.rw };
    if (w.rw !== 'none') {
      for (const f of NUMBER_FIELDS) if (f.startsWith('rate') ? w[f] > 0 : true) args[f] = w[f];
    }
    const err = qmpError(await qmp({ execute: 'x-workload-set', arguments: args }));
    setError(err);
    setSaved(!err);
  };
  const setNumber = (f: NumberField, text: string) => {
    setSaved(false);
    setW({ ...w, [f]: Number(text) });
  };

  return (
    <form
      className="workload-form"
      onSubmit={(e) => {
        e.preventDefault();
        apply();
      }}
    >
      <label>
        <span>rw</span>
        <select
          aria-label={`${device} rw`}
          value={w.rw}
          onChange={(e) => {
            setSaved(false);
            setW({ ...w, rw: e.target.value as Workload['rw'] });
          }}
        >
          {RW.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      {NUMBER_FIELDS.map((f) => (
        <label key={f}>
          <span>{f}</span>
          <input
            type="number"
            title={HINTS[f]}
            aria-label={`${device} ${f}`}
            value={w[f]}
            min={0}
            onChange={(e) => setNumber(f, e.target.value)}
          />
        </label>
      ))}
      <button type="submit" aria-label={`apply ${device} workload`}>
        Apply
      </button>
      {saved && <span className="ok">applied</span>}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
});
