// Every guest access to the rack's hardware (config space, BAR, width, offset, value), decoded to
// register names and fields by the device's own table. Records stream only while capturing;
// the last TRACE_ROWS_KEPT are kept, the newest shown, and all kept rows export as CSV.
import { useEffect, useMemo, useState } from 'react';
import type { TraceRow } from '../../worker/serial-protocol';
import { useLab } from '../store';
import { traceStream } from '../terminal/rack-client';
import { TRACE_ROWS_KEPT, traceCsv, traceUnit } from '../terminal/rack-state';

/** Rows rendered (the newest matching the filter); the rest stay available to the export. */
const ROWS_SHOWN = 300;

export function BusTracePanel() {
  const rows = useLab((s) => s.rack.trace);
  const dropped = useLab((s) => s.rack.traceDropped);
  const setRack = useLab((s) => s.setRack);
  const [capturing, setCapturing] = useState(false);
  const [unit, setUnit] = useState('all');
  const [text, setText] = useState('');

  useEffect(() => {
    traceStream(capturing);
  }, [capturing]);
  useEffect(() => () => traceStream(false), []);

  const units = useMemo(() => [...new Set(rows.map(traceUnit))].sort(), [rows]);
  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    const match = (r: TraceRow) =>
      (unit === 'all' || traceUnit(r) === unit) && (!needle || r.text.toLowerCase().includes(needle));
    const out: TraceRow[] = [];
    for (let i = rows.length - 1; i >= 0 && out.length < ROWS_SHOWN; i--)
      if (match(rows[i])) out.push(rows[i]);
    return out;
  }, [rows, unit, text]);

  const exportCsv = () => {
    const filtered = rows.filter(
      (r) =>
        (unit === 'all' || traceUnit(r) === unit) && r.text.toLowerCase().includes(text.trim().toLowerCase()),
    );
    const url = URL.createObjectURL(new Blob([traceCsv(filtered)], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'bus-trace.csv';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <section className="panel rack-card bus-trace-panel" aria-labelledby="trace-title">
      <div className="panel-head">
        <h2 id="trace-title">Bus trace</h2>
        <span className="muted small">
          {rows.length.toLocaleString('en-US')} of the last {TRACE_ROWS_KEPT.toLocaleString('en-US')} accesses
          {dropped > 0 && ` · ${dropped.toLocaleString('en-US')} not kept`}
        </span>
      </div>
      <div className="row">
        <button type="button" aria-pressed={capturing} onClick={() => setCapturing(!capturing)}>
          {capturing ? 'pause trace' : 'capture trace'}
        </button>
        <label>
          device{' '}
          <select aria-label="trace device" value={unit} onChange={(e) => setUnit(e.target.value)}>
            <option value="all">all</option>
            {units.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </label>
        <input
          type="search"
          aria-label="trace filter"
          placeholder="register, e.g. SRC"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="button" onClick={() => setRack({ trace: [], traceDropped: 0 })}>
          clear
        </button>
        <button type="button" onClick={exportCsv} disabled={rows.length === 0}>
          export CSV
        </button>
      </div>
      <div className="trace-scroll">
        <table className="trace-table" aria-label="bus accesses, newest first">
          <thead>
            <tr>
              <th scope="col" className="num">
                time (s)
              </th>
              <th scope="col">access</th>
              <th scope="col">device</th>
              <th scope="col">space</th>
              <th scope="col" className="num">
                offset
              </th>
              <th scope="col" className="num">
                value
              </th>
              <th scope="col">decoded</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr
                key={r.seq}
                className={r.kind === 'guest-error' || r.kind === 'unimp' ? 'odd-access' : undefined}
              >
                <td className="num">{(r.atNs / 1e9).toFixed(6)}</td>
                <td>
                  {r.kind}
                  {r.width > 0 && <span className="muted">{` ${r.width * 8}`}</span>}
                </td>
                <td>{traceUnit(r)}</td>
                <td>{r.space}</td>
                <td className="num">0x{r.offset.toString(16)}</td>
                <td className="num">0x{(r.value >>> 0).toString(16).padStart(r.width * 2, '0')}</td>
                <td className="decoded">{r.text.replace(/^[a-z][\w-]*\.[A-D]\s/, '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.length === 0 && (
          <p className="muted small">
            {capturing
              ? 'Waiting for guest accesses… type in a terminal.'
              : 'Press “capture trace” to record.'}
          </p>
        )}
      </div>
    </section>
  );
}
