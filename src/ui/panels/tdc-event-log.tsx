// Injected faults and the guest driver's reactions, newest first: every fault shows the virtual
// time it fired and its register-visible effect; a fault armed but never fired is flagged.
import type { TdcEventRow } from '../../worker/tdc-protocol';
import { useLab } from '../store';

const seconds = (ns: number) => `${(ns / 1e9).toFixed(6)} s`;

function Entry({ e }: { e: TdcEventRow }) {
  if (e.source === 'driver')
    return (
      <li className="tdc-event">
        <span className="tdc-event-time num">{seconds(e.atNs)}</span>
        <span className="tdc-badge">{e.what}</span>
        <span>{e.text}</span>
      </li>
    );
  return (
    <li className={e.fired ? 'tdc-event tdc-fault' : 'tdc-event tdc-fault tdc-unfired'}>
      <span className="tdc-event-time num">{e.fired ? seconds(e.atNs) : '—'}</span>
      <span className="tdc-badge tdc-badge-fault">fault {e.what}</span>
      {e.fired ? (
        <span>
          fired: {e.text} <span className="muted small">(armed {seconds(e.armedAtNs ?? e.atNs)})</span>
        </span>
      ) : (
        <span>
          <strong>not fired</strong> (armed {seconds(e.armedAtNs ?? e.atNs)})
        </span>
      )}
    </li>
  );
}

export function TdcEventLog() {
  const events = useLab((s) => s.tdc.events);
  const shown = [...events].reverse();
  return (
    <div className="tdc-view">
      <h3 id="tdc-log-title">Event log</h3>
      <ol className="tdc-log" aria-labelledby="tdc-log-title">
        {shown.length === 0 && <li className="muted">no faults or driver events yet</li>}
        {shown.map((e) => (
          <Entry key={`${e.source}:${e.atNs}:${e.armedAtNs}:${e.what}:${e.text}`} e={e} />
        ))}
      </ol>
    </div>
  );
}
