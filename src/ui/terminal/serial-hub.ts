// Where serial bytes meet the terminals, outside React and the store: output chunks from the
// worker are queued per port and written to each terminal once per animation frame (one write
// per port per frame, however many batches arrived); keystrokes are collected per port and sent
// to the worker once per frame. Each port also keeps a SerialLog (download, live region).
import type { SerialChunk } from '../../worker/serial-protocol';
import { SerialLog } from './serial-log';

export const SERIAL_PORT_COUNT = 8;
/** Bytes queued per port while no frame has run (a hidden tab); older bytes are dropped. */
const QUEUE_MAX_BYTES = 256 * 1024;
/**
 * A terminal is written at most this often (wall ms): every write makes xterm re-render its
 * rows, so a streaming port repaints at ~10 Hz (text scrolling past faster than it can be read),
 * which keeps eight streaming terminals within the page's 60 frames a second. A port that was
 * quiet is written at once (typed echo shows immediately).
 */
const WRITE_EVERY_MS = 100;
const lastWriteMs = new Array<number>(SERIAL_PORT_COUNT).fill(Number.NEGATIVE_INFINITY);
/**
 * Terminals written in one frame, at most: eight streaming ports would otherwise all come due in
 * the same frame (and stay in step), making one long frame then idle ones. Capped, they spread
 * over the frames between two writes (round robin from `nextPort`).
 */
const WRITES_PER_FRAME = 3;
let nextPort = 0;

type Sink = (data: Uint8Array) => void;
type SendInput = (port: number, data: string) => void;

const queues: Uint8Array[][] = Array.from({ length: SERIAL_PORT_COUNT }, () => []);
const queuedBytes = new Array<number>(SERIAL_PORT_COUNT).fill(0);
const sinks = new Map<number, Sink>();
const input = new Array<string>(SERIAL_PORT_COUNT).fill('');
let sendInput: SendInput = () => {};
let frameRequested = false;

export const serialLogs: SerialLog[] = Array.from({ length: SERIAL_PORT_COUNT }, () => new SerialLog());

/** Bytes each port's terminal was given since the page loaded. */
export const bytesShown = new Array<number>(SERIAL_PORT_COUNT).fill(0);

function requestFrame(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(flush);
}

function flush(nowMs: number): void {
  frameRequested = false;
  let waiting = false;
  let writes = 0;
  const first = nextPort;
  for (let i = 0; i < SERIAL_PORT_COUNT; i++) {
    const port = (first + i) % SERIAL_PORT_COUNT;
    if (input[port]) {
      sendInput(port, input[port]);
      input[port] = '';
    }
    const q = queues[port];
    // No terminal yet (output before the panel mounted, e.g. the boot prompt): keep it queued.
    const sink = sinks.get(port);
    if (q.length === 0 || !sink) continue;
    if (nowMs - lastWriteMs[port] < WRITE_EVERY_MS || writes === WRITES_PER_FRAME) {
      waiting = true;
      continue;
    }
    writes++;
    nextPort = (port + 1) % SERIAL_PORT_COUNT;
    lastWriteMs[port] = nowMs;
    const data = q.length === 1 ? q[0] : concat(q, queuedBytes[port]);
    queues[port] = [];
    queuedBytes[port] = 0;
    bytesShown[port] += data.length;
    sink(data);
  }
  if (waiting) requestFrame();
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Output from the worker: logged now, written to the terminal at the next frame. */
export function receiveSerial(chunks: readonly SerialChunk[]): void {
  for (const c of chunks) {
    if (c.port < 0 || c.port >= SERIAL_PORT_COUNT) continue;
    serialLogs[c.port].append(c.bytes, c.atNs);
    const q = queues[c.port];
    q.push(c.bytes);
    queuedBytes[c.port] += c.bytes.length;
    while (queuedBytes[c.port] > QUEUE_MAX_BYTES && q.length > 1)
      queuedBytes[c.port] -= q.shift()?.length ?? 0;
  }
  requestFrame();
}

/** A terminal shows this port's output from now on; returns the detach function. */
export function attachSink(port: number, sink: Sink): () => void {
  sinks.set(port, sink);
  if (queues[port].length > 0) requestFrame();
  return () => {
    if (sinks.get(port) === sink) sinks.delete(port);
  };
}

/** Keystrokes typed in a port's terminal; sent with the next frame. */
export function typeInto(port: number, data: string): void {
  input[port] += data;
  requestFrame();
}

/** How input leaves (rack-client.ts sets the worker message). */
export function setInputSender(send: SendInput): void {
  sendInput = send;
}

/** A new machine: forget the old one's queues and logs. */
export function resetSerial(): void {
  for (let port = 0; port < SERIAL_PORT_COUNT; port++) {
    queues[port] = [];
    queuedBytes[port] = 0;
    input[port] = '';
    serialLogs[port].clear();
  }
}
