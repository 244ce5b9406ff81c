// One xterm.js terminal bound to a serial port: output from the hub (one write per frame),
// keystrokes to the hub (sent once per frame), refitted when its box changes size. A visually
// hidden log region repeats the last lines for assistive technology at most once a second
// (xterm's own screen-reader mode can be switched on from the panel).
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useMemo, useRef, useState } from 'react';
import { attachSink, serialLogs, typeInto } from './serial-hub';
import type { SerialLog } from './serial-log';

const LIVE_LINES = 4;
const LIVE_EVERY_MS = 1000;

const THEME = {
  background: '#0f172a',
  foreground: '#e2e8f0',
  cursor: '#93c5fd',
  selectionBackground: '#334155',
};

/** Another byte source than a serial port (the Linux guest's ttyS0 console). */
export interface TerminalIo {
  /** The terminal region's accessible name ("port N terminal" for ports). */
  label: string;
  /** The live log region's name. */
  logLabel: string;
  log: SerialLog;
  /** Shows bytes with `sink` from now on; returns the detach function. */
  attach(sink: (data: Uint8Array) => void): () => void;
  type(data: string): void;
}

function portIo(port: number): TerminalIo {
  return {
    label: `port ${port} terminal`,
    logLabel: `port ${port} output`,
    log: serialLogs[port],
    attach: (sink) => attachSink(port, sink),
    type: (data) => typeInto(port, data),
  };
}

export function SerialTerminal({
  port,
  screenReader,
  io,
}: {
  port: number;
  screenReader: boolean;
  io?: TerminalIo;
}) {
  const box = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const source = useMemo(() => io ?? portIo(port), [port, io]);
  const live = useLiveLines(source.log);

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
    const detach = source.attach((data) => t.write(data));
    const input = t.onData((data) => source.type(data));
    const observer = new ResizeObserver(refit);
    observer.observe(el);
    return () => {
      observer.disconnect();
      input.dispose();
      detach();
      t.dispose();
      term.current = null;
    };
  }, [source]);

  useEffect(() => {
    if (term.current) term.current.options.screenReaderMode = screenReader;
  }, [screenReader]);

  return (
    <section className="serial-terminal" aria-label={source.label}>
      <div className="serial-xterm" ref={box} />
      <div className="visually-hidden" role="log" aria-live="polite" aria-label={source.logLabel}>
        {live.map((line, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines are positional
          <div key={i}>{line}</div>
        ))}
      </div>
    </section>
  );
}

/** The log's last few output lines, refreshed at most once a second. */
function useLiveLines(log: SerialLog): string[] {
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => {
    let seen = -1;
    const id = setInterval(() => {
      if (log.version === seen) return;
      seen = log.version;
      setLines(log.tail(LIVE_LINES));
    }, LIVE_EVERY_MS);
    return () => clearInterval(id);
  }, [log]);
  return lines;
}
