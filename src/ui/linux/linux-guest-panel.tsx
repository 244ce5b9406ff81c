// The guest selector (issue 5, "In the browser"): the TypeScript guest (deterministic) or a real
// Linux 6.1 in v86 whose unmodified tpci200/ipoctal drivers drive the same device models. Starts
// Linux from the snapshot (progress bar) or cold (the kernel log streams to the console), shows
// the ttyS0 console as a ninth terminal, and says what Linux mode changes: real time, and the
// upstream driver's 30 s close (trap 2). Without a built image it says how to build one.
import { useEffect, useId, useState } from 'react';
import type { LinuxStart } from '../../worker/linux-protocol';
import { useLab } from '../store';
import { SerialTerminal } from '../terminal/serial-terminal';
import { consoleIo } from './console-hub';
import { probeLinuxImage, selectGuest } from './linux-client';
import { isBusy, type LinuxState, progressText } from './linux-state';
import './linux.css';

export const TS_GUEST_LABEL = 'TypeScript guest (deterministic)';
export const LINUX_GUEST_LABEL = 'Linux 6.1 in v86 (real drivers, real-time)';

export function LinuxGuestPanel() {
  const linux = useLab((s) => s.linux);
  const [from, setFrom] = useState<LinuxStart>('snapshot');
  const id = useId();
  useEffect(() => {
    if (!useLab.getState().linux.image) probeLinuxImage();
  }, []);
  const image = linux.image;
  const busy = isBusy(linux);
  const linuxChosen = linux.guest === 'linux' || (busy && linux.phase !== 'idle');
  const canLinux = image?.available === true;
  const snapshotOk = image?.available === true && image.snapshot;
  const start = from === 'snapshot' && !snapshotOk ? 'cold' : from;
  const showConsole = linux.guest === 'linux' || linux.phase === 'booting' || linux.phase === 'restoring';

  return (
    <section className="panel linux-panel" aria-labelledby={`${id}-title`}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>Guest</h2>
        <span className="muted small">the operating system whose drivers drive the IP-Octal ports</span>
      </div>
      <div className="linux-choices">
        {/* The TypeScript guest stays selectable while Linux starts: choosing it cancels the start. */}
        <fieldset className="linux-guest">
          <legend>Guest driving the rack</legend>
          <label>
            <input
              type="radio"
              name={`${id}-guest`}
              checked={!linuxChosen}
              onChange={() => selectGuest('ts')}
            />
            {TS_GUEST_LABEL}
          </label>
          <label>
            <input
              type="radio"
              name={`${id}-guest`}
              checked={linuxChosen}
              disabled={!canLinux || busy}
              aria-describedby={`${id}-image`}
              onChange={() => selectGuest('linux', start)}
            />
            {LINUX_GUEST_LABEL}
          </label>
        </fieldset>
        <fieldset className="linux-start" disabled={busy || !canLinux}>
          <legend>Start Linux</legend>
          <label>
            <input
              type="radio"
              name={`${id}-from`}
              checked={start === 'snapshot'}
              disabled={!snapshotOk}
              onChange={() => setFrom('snapshot')}
            />
            from the snapshot at the prompt
          </label>
          <label>
            <input
              type="radio"
              name={`${id}-from`}
              checked={start === 'cold'}
              onChange={() => setFrom('cold')}
            />
            cold boot (shows the kernel log)
          </label>
          {linux.guest === 'linux' && !busy && (
            <button type="button" onClick={() => selectGuest('linux', start)}>
              Restart Linux
            </button>
          )}
        </fieldset>
      </div>
      <ImageNote id={`${id}-image`} linux={linux} />
      <Progress linux={linux} />
      {(linuxChosen || linux.phase === 'failed') && <LinuxNotice />}
      {showConsole && (
        <div className="linux-console">
          <h3>Console (ttyS0): kernel log and a root shell</h3>
          <SerialTerminal port={8} screenReader={false} io={consoleIo} />
        </div>
      )}
    </section>
  );
}

function ImageNote({ id, linux }: { id: string; linux: LinuxState }) {
  const image = linux.image;
  if (!image)
    return (
      <p id={id} className="muted small">
        looking for the Linux guest image…
      </p>
    );
  if (!image.available)
    return (
      <div id={id} className="linux-missing" role="note">
        <p>
          The Linux guest is not available: its image is not built. Run <code>npm run guest:build</code> (it
          builds a Linux 6.1 kernel with the tpci200 and ipoctal drivers, a busybox initramfs and a snapshot
          into <code>public/guest/</code>), then reload this page. The TypeScript guest works without it.
        </p>
        <p className="muted small">{image.message}</p>
      </div>
    );
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return (
    <p id={id} className="muted small">
      image: Linux {image.kernelRelease}
      {image.snapshot ? `, snapshot ${mb(image.bytes.snapshot)}` : ', no snapshot (cold boot only)'}, cold
      boot {mb(image.bytes.cold)}
    </p>
  );
}

function Progress({ linux }: { linux: LinuxState }) {
  const text = progressText(linux);
  if (!text) return null;
  if (linux.phase === 'failed')
    return (
      <p role="alert" className="error">
        {text} — the TypeScript guest drives the rack again.
      </p>
    );
  if (linux.phase === 'ready')
    return (
      <p role="status" className="linux-ready">
        {text}
      </p>
    );
  const determinate = linux.phase === 'downloading' && linux.total > 0;
  return (
    <div className="linux-progress">
      <div
        role="progressbar"
        aria-label="Linux guest start"
        aria-valuemin={0}
        aria-valuemax={determinate ? linux.total : undefined}
        aria-valuenow={determinate ? linux.loaded : undefined}
        aria-valuetext={text}
        className={determinate ? 'bar' : 'bar indeterminate'}
      >
        <span style={determinate ? { width: `${(100 * linux.loaded) / linux.total}%` } : undefined} />
      </div>
      <span className="small">{text}</span>
    </div>
  );
}

function LinuxNotice() {
  return (
    <div className="linux-notice" role="note">
      <p>
        <strong>Real time, not bit-deterministic.</strong> Linux runs in v86 against the wall clock and the
        lab's clock follows it: the speed and step controls do not apply, and two runs differ. Switch back to
        the TypeScript guest for the deterministic, paced mode (the lab then starts again from its description
        and seed; switching to Linux keeps the disks and the TDC running where they were). The ports' counters
        above each terminal are the line as the device model sees it; Linux keeps its driver's own counters.
      </p>
      <p>
        <strong>Keep a port open while writing.</strong> The upstream ipoctal driver never calls{' '}
        <code>tty_wakeup()</code>, so closing a port with bytes still queued waits <code>closing_wait</code>{' '}
        (30 s): <code>echo hi &gt; /dev/ipoctal.0.0.3</code> takes 31 s, as on real hardware. Open it once
        instead: <code>exec 3&gt;/dev/ipoctal.0.0.3; echo hi &gt;&amp;3</code>.
      </p>
      <p>
        <strong>Set termios while a port is closed.</strong> <code>stty</code> on a port some process holds
        open leaves its receiver off until the port is closed and opened again (the driver's set_termios
        clears its rx_enable flag, then tests it). Port 0's shell and the echo loops on 1–7 hold their ports
        open.
      </p>
    </div>
  );
}
