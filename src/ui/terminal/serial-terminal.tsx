// One xterm.js terminal bound to a serial port: output from the hub (one write per frame),
// keystrokes to the hub (sent once per frame), refitted when its box changes size. A visually
// hidden log region repeats the last lines for assistive technology at most once a second
// (xterm's own screen-reader mode can be switched on from the panel).
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { attachSink, serialLogs, typeInto } from './serial-hub';

const LIVE_LINES = 4;
const LIVE_EVERY_MS = 1000;

const THEME = {
  background: '#0f172a',
  foreground: '#e2e8f0',
  cursor: '#93c5fd',
  selectionBackground: '#334155',
};

export function SerialTerminal({ port, screenReader }: { port: number; screenReader: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const live = useLiveLines(port);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const t = new Terminal({
      fontSize: 12,
      lineHeight: 1.1,
      scrollback: 2000,
      cursorBlink: false,
      theme: THEME,
      fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
    });
    const fit = new FitAddon();
    t.loadAddon(fit);
    t.open(el);
    term.current = t;
    const refit = () => {
      if (el.clientWidth > 0 && el.clientHeight > 0) fit.fit();
    };
    refit();
    const detach = attachSink(port, (data) => t.write(data));
    const input = t.onData((data) => typeInto(port, data));
    const observer = new ResizeObserver(refit);
    observer.observe(el);
    return () => {
      observer.disconnect();
      input.dispose();
      detach();
      t.dispose();
      term.current = null;
    };
  }, [port]);

  useEffect(() => {
    if (term.current) term.current.options.screenReaderMode = screenReader;
  }, [screenReader]);

  return (
    <section className="serial-terminal" aria-label={`port ${port} terminal`}>
      <div className="serial-xterm" ref={box} />
      <div className="visually-hidden" role="log" aria-live="polite" aria-label={`port ${port} output`}>
        {live.map((line, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines are positional
          <div key={i}>{line}</div>
        ))}
      </div>
    </section>
  );
}

/** The port's last few output lines, refreshed at most once a second. */
function useLiveLines(port: number): string[] {
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => {
    let seen = -1;
    const id = setInterval(() => {
      const log = serialLogs[port];
      if (log.version === seen) return;
      seen = log.version;
      setLines(log.tail(LIVE_LINES));
    }, LIVE_EVERY_MS);
    return () => clearInterval(id);
  }, [port]);
  return lines;
}
