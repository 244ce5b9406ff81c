// The ttyS0 console's bytes, outside React and the store: kept (bounded) so the console terminal
// shows the whole kernel log even when it mounts late or remounts, written to the terminal once
// per animation frame; keystrokes go to the worker once per frame.

import { SerialLog } from '../terminal/serial-log';
import type { TerminalIo } from '../terminal/serial-terminal';

/** Console bytes kept for a terminal that mounts later (older ones are dropped). */
const HISTORY_MAX = 256 * 1024;

let history: Uint8Array[] = [];
let historyBytes = 0;
let pending: Uint8Array[] = [];
let sink: ((data: Uint8Array) => void) | null = null;
let input = '';
let frameRequested = false;
let sendInput: (data: string) => void = () => {};
const log = new SerialLog();
/** Virtual time stamps are not meaningful for the console: lines are stamped 0. */
const NO_TIME = 0;

function requestFrame(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(flush);
}

function flush(): void {
  frameRequested = false;
  if (input) {
    sendInput(input);
    input = '';
  }
  if (sink && pending.length > 0) for (const p of pending) sink(p);
  pending = [];
}

/** Output from the worker. */
export function receiveConsole(bytes: Uint8Array): void {
  history.push(bytes);
  historyBytes += bytes.length;
  while (historyBytes > HISTORY_MAX && history.length > 1) historyBytes -= history.shift()?.length ?? 0;
  log.append(bytes, NO_TIME);
  if (sink) {
    pending.push(bytes);
    requestFrame();
  }
}

/** A new Linux start: the console starts empty. */
export function resetConsole(): void {
  history = [];
  historyBytes = 0;
  pending = [];
  log.clear();
}

export function setConsoleSender(send: (data: string) => void): void {
  sendInput = send;
}

/** The console as a terminal's source: replays the history on attach. */
export const consoleIo: TerminalIo = {
  label: 'console terminal',
  logLabel: 'console output',
  log,
  attach(s) {
    sink = s;
    pending = [...history];
    requestFrame();
    return () => {
      if (sink === s) sink = null;
    };
  },
  type(data) {
    input += data;
    requestFrame();
  },
};
