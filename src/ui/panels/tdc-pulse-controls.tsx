// A channel's pulse generator (x-tdc-pulses): periodic (by frequency or period), a burst of N,
// or a single pulse, with its width; stop ends the train and the channel's noise (x-tdc-stop).
import { useState } from 'react';
import { tdcPulses, tdcStop } from './tdc-client';
import { type CommandStatus, LocalNumber, NamePrefix, StatusError, StatusNote } from './tdc-machine-inputs';
import { hzOfPeriodNs, type PulseMode, periodNsOfHz, pulseArgs } from './tdc-state';

const MODES: { mode: PulseMode; text: string }[] = [
  { mode: 'periodic', text: 'periodic' },
  { mode: 'burst', text: 'burst of N' },
  { mode: 'single', text: 'single pulse' },
];

const trimHz = (hz: number) => String(+hz.toPrecision(6));

export function TdcPulseControls({ channel }: { channel: number }) {
  const prefix = `channel ${channel}`;
  const [mode, setMode] = useState<PulseMode>('periodic');
  const [frequency, setFrequency] = useState('1000');
  const [period, setPeriod] = useState('1000000');
  const [width, setWidth] = useState('200');
  const [count, setCount] = useState('10');
  const [status, setStatus] = useState<CommandStatus>({});

  const onFrequency = (v: string) => {
    setFrequency(v);
    const hz = Number(v);
    if (hz > 0 && Number.isFinite(hz)) setPeriod(String(periodNsOfHz(hz)));
  };
  const onPeriod = (v: string) => {
    setPeriod(v);
    const ns = Number(v);
    if (ns > 0 && Number.isFinite(ns)) setFrequency(trimHz(hzOfPeriodNs(ns)));
  };
  const start = async () => {
    const r = pulseArgs(channel, {
      mode,
      periodNs: Number(period),
      widthNs: Number(width),
      burstCount: Number(count),
    });
    if ('error' in r) {
      setStatus({ error: r.error });
      return;
    }
    const err = await tdcPulses(r.args);
    setStatus(err ? { error: err } : { text: mode === 'periodic' ? 'running' : 'sent' });
  };
  const stop = async () => {
    const err = await tdcStop(channel);
    setStatus(err ? { error: err } : { text: 'stopped' });
  };

  return (
    <fieldset className="tdc-group">
      <legend className="tdc-group-title">pulse generator</legend>
      <label className="tdc-field">
        <span>
          <NamePrefix prefix={`${prefix} pulse`}>mode</NamePrefix>
        </span>
        <select value={mode} onChange={(e) => setMode(e.target.value as PulseMode)}>
          {MODES.map((m) => (
            <option key={m.mode} value={m.mode}>
              {m.text}
            </option>
          ))}
        </select>
      </label>
      <LocalNumber
        prefix={prefix}
        text="pulse frequency"
        shown="frequency"
        unit="Hz"
        value={frequency}
        disabled={mode === 'single'}
        onChange={onFrequency}
      />
      <LocalNumber
        prefix={prefix}
        text="pulse period"
        shown="period"
        unit="ns"
        value={period}
        disabled={mode === 'single'}
        onChange={onPeriod}
      />
      <LocalNumber
        prefix={prefix}
        text="pulse width"
        shown="width"
        unit="ns"
        value={width}
        onChange={setWidth}
      />
      {mode === 'burst' && (
        <LocalNumber
          prefix={prefix}
          text="burst count"
          shown="count"
          unit="pulses"
          value={count}
          onChange={setCount}
        />
      )}
      <div className="tdc-buttons">
        <button type="button" onClick={start}>
          start
          <span className="visually-hidden"> {prefix} pulses</span>
        </button>
        <button type="button" onClick={stop}>
          stop
          <span className="visually-hidden"> {prefix}</span>
        </button>
        <StatusNote status={status} />
      </div>
      <StatusError status={status} />
    </fieldset>
  );
}
