// The controls under one serial terminal: program, null-modem cable, error injection, host line
// settings (follow the guest, or fixed to show a mismatch), unpaced input, and the log download.
// Every control is one x-serial-* QMP command; the status shown is what the machine reports back.
import { type ReactNode, useState } from 'react';
import type { SerialPortStatus } from '../../worker/serial-protocol';
import { useLab } from '../store';
import {
  INJECT_KINDS,
  PROGRAMS,
  serialConnect,
  serialHost,
  serialInject,
  serialProgram,
} from '../terminal/rack-client';
import { SERIAL_PORT_COUNT, serialLogs } from '../terminal/serial-hub';

const HOST_BAUDS = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];
const HOST_FORMATS = ['8N1', '8E1', '8O1', '8N2', '7E1', '7O1', '7N1'];

type Run = (action: Promise<string | undefined>) => void;

/** How long a control shows the value just chosen while the machine's report catches up. */
const OPTIMISTIC_MS = 1500;

/** The machine's value, or the one just chosen until the machine reports back. */
function useChosen<T>(reported: T): [T, (v: T) => void] {
  const [chosen, setChosen] = useState<{ value: T; atMs: number } | null>(null);
  const fresh = chosen !== null && performance.now() - chosen.atMs < OPTIMISTIC_MS;
  return [
    fresh ? (chosen as { value: T }).value : reported,
    (value) => setChosen({ value, atMs: performance.now() }),
  ];
}

export function PortControls({ status, run }: { status: SerialPortStatus; run: Run }) {
  const port = status.port;
  // The Linux guest's /init runs its own programs (a shell on port 0, cat echo loops on 1–7).
  const linux = useLab((s) => s.linux.guest === 'linux');
  const [program, setProgram] = useChosen(status.program);
  const [peer, setPeer] = useChosen(status.peer === null ? '' : String(status.peer));
  const [unpaced, setUnpaced] = useChosen(status.unpaced);
  return (
    <div className="serial-controls">
      <div className="serial-row">
        <label>
          program{' '}
          <select
            aria-label={`port ${port} program`}
            disabled={linux}
            title={linux ? 'Linux runs its own programs: sh on port 0, cat on 1–7 (guest/init)' : undefined}
            value={linux ? 'linux' : program}
            onChange={(e) => {
              setProgram(e.target.value);
              run(serialProgram(port, e.target.value));
            }}
          >
            {linux && <option value="linux">Linux init</option>}
            {PROGRAMS.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          cable{' '}
          <select
            aria-label={`port ${port} connect`}
            value={peer}
            onChange={(e) => {
              setPeer(e.target.value);
              run(serialConnect(port, e.target.value === '' ? null : Number(e.target.value)));
            }}
          >
            <option value="">none</option>
            {Array.from({ length: SERIAL_PORT_COUNT }, (_, p) => p)
              .filter((p) => p !== port)
              .map((p) => (
                <option key={p} value={p}>
                  ↔ port {p}
                </option>
              ))}
          </select>
        </label>
        <button
          type="button"
          className="push-right"
          aria-label={`port ${port} download log`}
          title="download this port's output with virtual timestamps"
          onClick={() => downloadLog(port)}
        >
          log ⤓
        </button>
      </div>
      <fieldset className="serial-row">
        <legend className="visually-hidden">port {port} inject error</legend>
        <span className="muted small" aria-hidden="true">
          inject
        </span>
        {INJECT_KINDS.map((kind) => (
          <button
            key={kind}
            type="button"
            className="inject"
            aria-label={`port ${port} inject ${kind}`}
            title={
              kind === 'break' ? 'send a break now' : `the next character received carries a ${kind} error`
            }
            onClick={() => run(serialInject(port, kind))}
          >
            {kind}
          </button>
        ))}
      </fieldset>
      <HostSettings status={status} run={run}>
        <label className="serial-check">
          <input
            type="checkbox"
            aria-label={`port ${port} unpaced`}
            checked={unpaced}
            onChange={(e) => {
              setUnpaced(e.target.checked);
              run(serialHost(port, { unpaced: e.target.checked }));
            }}
          />
          unpaced
        </label>
      </HostSettings>
    </div>
  );
}

function HostSettings({
  status,
  run,
  children,
}: {
  status: SerialPortStatus;
  run: Run;
  children: ReactNode;
}) {
  const port = status.port;
  const fixed = status.host !== 'follow' ? status.host : undefined;
  const [draft, setDraft] = useState({ baud: status.baud, format: status.format });
  const apply = (s: { baud: number; format: string }) => {
    setDraft(s);
    run(serialHost(port, { settings: s }));
  };
  return (
    <div className="serial-row">
      <label>
        host{' '}
        <select
          aria-label={`port ${port} host settings`}
          value={fixed ? 'fixed' : 'follow'}
          onChange={(e) =>
            e.target.value === 'follow'
              ? run(serialHost(port, { settings: 'follow' }))
              : apply({ baud: status.baud, format: status.format })
          }
        >
          <option value="follow">follows the guest</option>
          <option value="fixed">fixed host settings</option>
        </select>
      </label>
      {fixed && (
        <>
          <select
            aria-label={`port ${port} host baud`}
            value={String(fixed.baud)}
            onChange={(e) => apply({ ...draft, baud: Number(e.target.value) })}
          >
            {[...new Set([...HOST_BAUDS, fixed.baud])]
              .sort((a, b) => a - b)
              .map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
          </select>
          <select
            aria-label={`port ${port} host format`}
            value={fixed.format}
            onChange={(e) => apply({ ...draft, format: e.target.value })}
          >
            {[...new Set([...HOST_FORMATS, fixed.format])].map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </>
      )}
      {children}
      {status.hostLost > 0 && (
        <span className="serial-lost" title="characters the host end could not frame">
          host lost {status.hostLost}
        </span>
      )}
    </div>
  );
}

function downloadLog(port: number): void {
  const blob = new Blob([serialLogs[port].text()], { type: 'text/plain' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `ipoctal.0.0.${port}.log`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
