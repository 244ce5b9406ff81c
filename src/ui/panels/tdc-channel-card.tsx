// One TDC input channel: its driver settings (enable, 50 Ω termination, offset — through
// x-tdc-channel-set, as a user of the driver would), its pulse generator and its noise source.
import { memo, useState } from 'react';
import { useLab } from '../store';
import { tdcChannelSet } from './tdc-client';
import { MachineCheckbox, MachineNumber } from './tdc-machine-inputs';
import { TdcNoiseControls as NoiseControls } from './tdc-noise-controls';
import { TdcPulseControls as PulseControls } from './tdc-pulse-controls';
import { formatRate } from './tdc-state';

export function TdcChannelCard({ channel }: { channel: number }) {
  const enabled = useLab((s) => s.tdc.channels[channel - 1]?.enabled);
  const termination = useLab((s) => s.tdc.channels[channel - 1]?.termination);
  const offsetPs = useLab((s) => s.tdc.channels[channel - 1]?.offsetPs);
  const [error, setError] = useState<string>();
  const prefix = `channel ${channel}`;
  return (
    <fieldset className="tdc-card">
      <legend>
        Channel {channel}
        <ChannelRate channel={channel} />
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

// The generator and noise forms hold their own state: the card's live updates do not re-render them.
const TdcPulseControls = memo(PulseControls);
const TdcNoiseControls = memo(NoiseControls);

/** The channel's delivered rate beside its title (the counters table has it for screen readers). */
function ChannelRate({ channel }: { channel: number }) {
  const rate = useLab((s) => s.tdc.channels[channel - 1]?.ratePerS);
  return (
    <span className="tdc-card-rate num" aria-hidden="true">
      {rate === undefined ? '' : formatRate(rate)}
    </span>
  );
}
