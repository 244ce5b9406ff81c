// The eight serial ports of the IP-Octal 232, each a live terminal on /dev/ipoctal.0.0.N.
import { useState } from 'react';
import { useLab } from '../store';
import { SERIAL_PORT_COUNT } from '../terminal/serial-hub';
import { PortCard } from './serial-port-card';

const PORTS = Array.from({ length: SERIAL_PORT_COUNT }, (_, i) => i);

export function SerialPanel() {
  const ports = useLab((s) => s.rack.ports);
  const hasRack = useLab((s) => s.rack.topology.some((n) => n.id === 'pci'));
  const [maximized, setMaximized] = useState<number | null>(null);
  const [screenReader, setScreenReader] = useState(false);
  const linux = useLab((s) => s.linux.guest === 'linux');
  return (
    <section className="panel serial-panel" aria-labelledby="serial-title">
      <div className="panel-head">
        <h2 id="serial-title">Serial terminals</h2>
        <span className="muted small">
          IP-Octal 232 in TPCI200 slot A ·{' '}
          {linux ? 'Linux ipoctal driver: sh on port 0, cat echo on 1–7' : 'shell on port 0, echo on 1–7'}
        </span>
        <label className="serial-check push-right">
          <input type="checkbox" checked={screenReader} onChange={(e) => setScreenReader(e.target.checked)} />
          screen reader mode
        </label>
      </div>
      {!hasRack && <p className="muted">This lab has no serial rack.</p>}
      {hasRack && (
        <div className={maximized === null ? 'serial-grid' : 'serial-grid has-maximized'}>
          {PORTS.map((port) => (
            <PortCard
              key={port}
              port={port}
              status={ports[port]}
              maximized={maximized === port}
              onMaximize={setMaximized}
              screenReader={screenReader}
            />
          ))}
        </div>
      )}
    </section>
  );
}
