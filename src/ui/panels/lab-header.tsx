// The header: virtual clock, speed control (×1, ×10, ×100, max, or a typed-in speed), pause/resume
// and single step.
import { useEffect, useRef, useState } from 'react';
import { SPEEDS, type Speed } from '../../worker/protocol';
import { formatClock } from '../format';
import { pause, resume, setSpeed, step } from '../lab-client';
import { useLab } from '../store';
import { CustomSpeed } from './custom-speed';
import { SectionNav } from './section-nav';
import { SnapshotControls } from './snapshot-controls';

const STEP_CHOICES_NS = [1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

const speedLabel = (s: Speed) => (s === 'max' ? 'max' : `×${s}`);
const stepLabel = (ns: number) => (ns >= 1e9 ? `${ns / 1e9} s` : `${ns / 1e6} ms`);

export function LabHeader() {
  const nowNs = useLab((s) => s.nowNs);
  const speed = useLab((s) => s.speed);
  const paused = useLab((s) => s.paused);
  const achieved = useLab((s) => s.achievedSpeed);
  const connected = useLab((s) => s.connected);
  // The Linux guest: the clock follows v86's wall-clock time, so speed and step do not apply.
  const realtime = useLab((s) => s.clock === 'realtime');
  const [stepNs, setStepNs] = useState(STEP_CHOICES_NS[1]);
  const header = useRef<HTMLElement>(null);
  // The header wraps to more lines on a narrow window: its height is published for the
  // headings' scroll margin (styles.css), so a section link lands below it at any width.
  useEffect(() => {
    const el = header.current;
    if (!el) return;
    const publish = () =>
      document.documentElement.style.setProperty('--header-height', `${el.offsetHeight}px`);
    publish();
    const observer = new ResizeObserver(publish);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  return (
    <header ref={header} className="lab-header">
      <h1>Device Lab</h1>
      <div className="clock">
        <span className="clock-label" id="clock-label">
          virtual time
        </span>
        <span role="timer" aria-labelledby="clock-label" className="clock-value">
          {formatClock(nowNs)}
        </span>
        <span className="achieved" title="virtual seconds per wall second, over the last second">
          {connected
            ? paused
              ? 'paused'
              : `×${achieved.toFixed(achieved < 10 ? 2 : 0)} achieved`
            : 'starting…'}
        </span>
        {realtime && (
          <span className="realtime" id="realtime-note">
            real time: the Linux guest's clock (not deterministic; speed and step are off)
          </span>
        )}
      </div>
      <fieldset className="speed-control" aria-describedby={realtime ? 'realtime-note' : undefined}>
        <legend className="visually-hidden">Speed</legend>
        {SPEEDS.map((s) => (
          <button
            key={String(s)}
            type="button"
            aria-label={`speed ${speedLabel(s)}`}
            aria-pressed={!paused && !realtime && speed === s}
            disabled={realtime}
            onClick={() => {
              setSpeed(s);
              if (paused) resume();
            }}
          >
            {speedLabel(s)}
          </button>
        ))}
        {!realtime && <CustomSpeed current={speed} paused={paused} />}
        <button type="button" aria-pressed={paused} onClick={() => (paused ? resume() : pause())}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button
          type="button"
          aria-label={`step ${stepLabel(stepNs)}`}
          disabled={realtime}
          onClick={() => step(stepNs)}
        >
          Step
        </button>
        <label className="step-size">
          <span className="visually-hidden">step size</span>
          <select value={stepNs} onChange={(e) => setStepNs(Number(e.target.value))} aria-label="step size">
            {STEP_CHOICES_NS.map((ns) => (
              <option key={ns} value={ns}>
                {stepLabel(ns)}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      <SnapshotControls />
      <SectionNav />
    </header>
  );
}
