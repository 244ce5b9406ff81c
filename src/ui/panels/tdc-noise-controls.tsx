// A channel's noise source: glitches (rate and width; shorter than the input's minimum pulse
// width they are filtered out), lost rising edges, and reflections (only while unterminated).
import { useState } from 'react';
import { tdcNoise } from './tdc-client';
import { type CommandStatus, LocalNumber, StatusError, StatusNote } from './tdc-machine-inputs';

export function TdcNoiseControls({ channel, terminated }: { channel: number; terminated: boolean }) {
  const prefix = `channel ${channel}`;
  const [rate, setRate] = useState('0');
  const [width, setWidth] = useState('20');
  const [lost, setLost] = useState('0');
  const [reflections, setReflections] = useState('0');
  const [status, setStatus] = useState<CommandStatus>({});

  const apply = async () => {
    const n = {
      glitchRateHz: Number(rate),
      glitchWidthNs: Number(width),
      lostEdges: Number(lost) / 100,
      reflections: Number(reflections) / 100,
    };
    if (Object.values(n).some((v) => !Number.isFinite(v) || v < 0)) {
      setStatus({ error: 'noise settings must be numbers ≥ 0' });
      return;
    }
    const err = await tdcNoise(channel, n);
    setStatus(err ? { error: err } : { text: n.glitchRateHz > 0 ? 'noise on' : 'applied' });
  };

  return (
    <details className="tdc-group">
      <summary className="tdc-group-title">noise</summary>
      <LocalNumber prefix={prefix} text="glitch rate" unit="Hz" value={rate} onChange={setRate} />
      <LocalNumber prefix={prefix} text="glitch width" unit="ns" value={width} onChange={setWidth} />
      <LocalNumber prefix={prefix} text="lost edges" unit="%" value={lost} onChange={setLost} />
      <LocalNumber
        prefix={prefix}
        text="reflections"
        unit="%"
        value={reflections}
        onChange={setReflections}
      />
      {terminated && <p className="muted small">reflections need the termination off</p>}
      <div className="tdc-buttons">
        <button type="button" onClick={apply}>
          apply
          <span className="visually-hidden"> {prefix} noise</span>
        </button>
        <StatusNote status={status} />
      </div>
      <StatusError status={status} />
    </details>
  );
}
