// Fault injection on the SPEC (x-inject-fault, tdc.md §3): the DMA faults one click away, the
// other scenarios in a menu with their parameter, and the guest driver's error-handling mode.
import { useState } from 'react';
import { useLab } from '../store';
import { tdcDriverMode, tdcInjectFault } from './tdc-client';
import { ChannelSelect, type CommandStatus, StatusError } from './tdc-machine-inputs';

interface FaultChoice {
  id: string;
  text: string;
  kind: string;
  channel?: boolean;
  /** The numeric parameter this fault takes, with its default. */
  value?: { key: string; text: string; dflt: string };
  toggles?: boolean;
  fixed?: Record<string, unknown>;
}

export const FAULT_MENU: FaultChoice[] = [
  { id: 'no-bus-master', kind: 'no-bus-master', text: 'bus mastering off (D6)', toggles: true },
  { id: 'ddr', kind: 'ddr-not-calibrated', text: 'DDR not calibrated (D7)', toggles: true },
  { id: 'switch-stall', kind: 'switch-stall', text: 'SWITCH never DONE (D8)', channel: true, toggles: true },
  {
    id: 'buffer',
    kind: 'buffer-capacity',
    text: 'small DDR buffer (D9)',
    channel: true,
    value: { key: 'records', text: 'records', dflt: '64' },
  },
  { id: 'spurious-tdc', kind: 'spurious-tdc-irq', text: 'spurious TDC interrupt (I1)', channel: true },
  {
    id: 'lbe',
    kind: 'local-bus-error',
    text: 'local-bus error (I3)',
    value: { key: 'bit', text: 'bit', dflt: '0' },
  },
  { id: 'no-mezz', kind: 'no-mezzanine', text: 'no mezzanine (B1)', toggles: true },
  { id: 'fru', kind: 'eeprom', text: 'EEPROM FRU damaged (B2)', fixed: { what: 'fru-corrupt' } },
  { id: 'calib', kind: 'eeprom', text: 'calibration unreadable (B3)', fixed: { what: 'calib-nack' } },
  { id: 'acam', kind: 'acam-unlocked', text: 'ACAM PLL never locks (B4)', toggles: true },
  { id: 'thermo', kind: 'thermometer-invalid', text: 'thermometer invalid (B5)', toggles: true },
  { id: 'wr-down', kind: 'wr-link-down', text: 'White Rabbit link lost (B6)' },
  { id: 'wr-up', kind: 'wr-link-up', text: 'White Rabbit link back' },
  {
    id: 'seq',
    kind: 'sequence-preset',
    text: 'sequence counter near wrap (B7)',
    channel: true,
    value: { key: 'seq', text: 'sequence', dflt: '268435440' },
  },
  {
    id: 'meta',
    kind: 'carrier-metadata',
    text: 'carrier metadata wrong (B8)',
    value: { key: 'version', text: 'version', dflt: '0' },
  },
];

export function TdcFaultBar() {
  const [bytes, setBytes] = useState('4096');
  const [choiceId, setChoiceId] = useState(FAULT_MENU[0].id);
  const [channel, setChannel] = useState(1);
  const [value, setValue] = useState<string>();
  const [on, setOn] = useState(true);
  const [status, setStatus] = useState<CommandStatus>({});
  const choice = FAULT_MENU.find((f) => f.id === choiceId) ?? FAULT_MENU[0];

  const inject = async (kind: string, params: Record<string, unknown>, text: string) => {
    const err = await tdcInjectFault(kind, params);
    setStatus(err ? { error: err } : { text: `${text}: armed` });
  };
  const injectChoice = () => {
    const params: Record<string, unknown> = { ...choice.fixed };
    if (choice.channel) params.channel = channel;
    if (choice.toggles) params.on = on;
    if (choice.value) {
      const n = Number(value ?? choice.value.dflt);
      if (!Number.isInteger(n)) {
        setStatus({ error: `${choice.value.text} must be a whole number` });
        return;
      }
      params[choice.value.key] = n;
    }
    return inject(choice.kind, params, choice.text);
  };

  return (
    <div className="tdc-faults">
      <div className="tdc-fault-row">
        <span className="tdc-group-title">DMA faults</span>
        <button type="button" className="tdc-primary" onClick={() => inject('dma-error', {}, 'DMA error')}>
          inject DMA error
        </button>
        <span className="tdc-joined">
          <button
            type="button"
            onClick={() =>
              inject('dma-error-after', { bytes: Number(bytes) }, `DMA error after ${bytes} bytes`)
            }
          >
            inject DMA error after
          </button>
          <input
            className="tdc-bytes"
            aria-label="DMA error after bytes"
            inputMode="numeric"
            value={bytes}
            onChange={(e) => setBytes(e.target.value)}
          />
          <span className="muted small">bytes</span>
        </span>
        <button type="button" onClick={() => inject('dma-hang', {}, 'DMA hang')}>
          inject DMA hang
        </button>
        <button type="button" onClick={() => inject('dma-spurious-irq', {}, 'spurious DMA interrupt')}>
          inject spurious DMA interrupt
        </button>
        <DriverMode />
      </div>
      <div className="tdc-fault-row">
        <span className="tdc-group-title">other faults</span>
        <label className="inline">
          <span className="visually-hidden">fault kind</span>
          <select
            aria-label="fault kind"
            value={choiceId}
            onChange={(e) => {
              setChoiceId(e.target.value);
              setValue(undefined);
            }}
          >
            {FAULT_MENU.map((f) => (
              <option key={f.id} value={f.id}>
                {f.text}
              </option>
            ))}
          </select>
        </label>
        {choice.channel && <ChannelSelect name="fault channel" value={channel} onChange={setChannel} />}
        {choice.value && (
          <label className="inline">
            <span>{choice.value.text}</span>
            <input
              className="tdc-bytes"
              aria-label={`fault ${choice.value.text}`}
              value={value ?? choice.value.dflt}
              onChange={(e) => setValue(e.target.value)}
            />
          </label>
        )}
        {choice.toggles && (
          <label className="inline">
            <input type="checkbox" checked={on} onChange={(e) => setOn(e.target.checked)} />
            <span>on (clear to undo)</span>
          </label>
        )}
        <button type="button" onClick={injectChoice}>
          inject fault
        </button>
        <span aria-live="polite" className="muted small">
          {status.text}
        </span>
      </div>
      <StatusError status={status} />
    </div>
  );
}

function DriverMode() {
  const mode = useLab((s) => s.tdc.mode);
  const [error, setError] = useState<string>();
  return (
    <label className="inline push-right">
      <span>driver mode</span>
      <select
        aria-label="driver mode"
        value={mode}
        onChange={async (e) => setError(await tdcDriverMode(e.target.value))}
      >
        <option value="correct">correct</option>
        <option value="fmc-tdc-v8">behave like fmc-tdc v8.0</option>
      </select>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </label>
  );
}
