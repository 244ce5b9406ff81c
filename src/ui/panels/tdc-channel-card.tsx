// One TDC input channel: its driver settings (enable, 50 Ω termination, offset — through
// x-tdc-channel-set, as a user of the driver would), its pulse generator and its noise source.
import { useState } from 'react';
import { useLab } from '../store';
import { tdcChannelSet } from './tdc-client';
import { MachineCheckbox, MachineNumber } from './tdc-machine-inputs';
import { TdcNoiseControls } from './tdc-noise-controls';
import { TdcPulseControls } from './tdc-pulse-controls';
import { formatRate } from './tdc-state';

export function TdcChannelCard({ channel }: { channel: number }) {
  const enabled = useLab((s) => s.tdc.channels[channel - 1]?.enabled);
  const termination = useLab((s) => s.tdc.channels[channel - 1]?.termination);
  const offsetPs = useLab((s) => s.tdc.channels[channel - 1]?.offsetPs);
  const rate = useLab((s) => s.tdc.channels[channel - 1]?.ratePerS);
  const [error, setError] = useState<string>();
  const prefix = `channel ${channel}`;
  return (
    <fieldset className="tdc-card">
      <legend>
        Channel {channel}
        <span className="tdc-card-rate num" aria-hidden="true">
          {rate === undefined ? '' : formatRate(rate)}
        </span>
      </legend>
      <div className="tdc-settings">
        <MachineCheckbox
          prefix={prefix}
          text="enabled"
          value={enabled}
          onSet={(v) => tdcChannelSet(channel, { enabled: v })}
          onError={setError}
        />
        <MachineCheckbox
          prefix={prefix}
          text="termination"
          value={termination}
          onSet={(v) => tdcChannelSet(channel, { termination: v })}
          onError={setError}
        />
        <span className="muted small" aria-hidden="true">
          50 Ω
        </span>
      </div>
      <MachineNumber
        prefix={prefix}
        text="offset"
        unit="ps"
        value={offsetPs}
        onSet={(v) => tdcChannelSet(channel, { offset_ps: Math.round(v) })}
        onError={setError}
      />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <TdcPulseControls channel={channel} />
      <TdcNoiseControls channel={channel} terminated={termination !== false} />
    </fieldset>
  );
}
