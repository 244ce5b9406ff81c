// One serial port: its device name, the line settings the guest programmed, the guest driver's
// counters, its terminal and its controls. Maximize fills the window; Escape restores.
import { memo, useCallback, useState } from 'react';
import type { SerialPortStatus } from '../../worker/serial-protocol';
import { lineSettings } from '../terminal/rack-state';
import { SerialTerminal } from '../terminal/serial-terminal';
import { PortControls } from './serial-port-controls';

const COUNTERS = ['rx', 'tx', 'framing', 'parity', 'break', 'overrun'] as const;
/** One formatter for every counter (toLocaleString builds a new one per call: slow at 10 Hz × 48). */
const COUNT = new Intl.NumberFormat('en-US');

interface Props {
  port: number;
  status: SerialPortStatus | undefined;
  maximized: boolean;
  onMaximize(port: number | null): void;
  screenReader: boolean;
}

export const PortCard = memo(function PortCard({ port, status, maximized, onMaximize, screenReader }: Props) {
  const [error, setError] = useState<string>();
  const run = useCallback((action: Promise<string | undefined>) => {
    action.then(setError, (e: unknown) => setError(String(e)));
  }, []);
  const titleId = `serial-port-${port}-title`;
  return (
    <section
      className={maximized ? 'serial-card maximized' : 'serial-card'}
      aria-labelledby={titleId}
      onKeyDownCapture={(e) => {
        if (maximized && e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          onMaximize(null);
        }
      }}
    >
      <header className="serial-head">
        <h3 id={titleId}>/dev/ipoctal.0.0.{port}</h3>
        <span className="serial-settings" title="line settings the guest programmed">
          {status ? lineSettings(status) : '…'}
        </span>
        {status && status.peer !== null && <span className="serial-cable">↔ port {status.peer}</span>}
        <button
          type="button"
          className="serial-max"
          aria-label={`port ${port} maximize`}
          aria-pressed={maximized}
          title={maximized ? 'restore (Escape)' : 'maximize'}
          onClick={() => onMaximize(maximized ? null : port)}
        >
          {maximized ? '⤡' : '⤢'}
        </button>
      </header>
      <dl className="serial-counters">
        {COUNTERS.map((k) => (
          <div key={k} className={k !== 'rx' && k !== 'tx' && status && status[k] > 0 ? 'bad' : undefined}>
            <dt>{k}</dt>
            <dd data-counter={k}>{status ? COUNT.format(status[k]) : '–'}</dd>
          </div>
        ))}
      </dl>
      <SerialTerminal port={port} screenReader={screenReader} />
      {status && <PortControls status={status} run={run} />}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
});
