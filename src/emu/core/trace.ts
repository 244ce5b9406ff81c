// Bus-access trace: a bounded ring of every guest access (config space, BAR, width, offset,
// value) decoded to register names, plus the two kinds of odd access QEMU keeps apart:
// 'guest-error' (the guest did something the hardware forbids) and 'unimp' (we did not model it).

export type TraceKind = 'cfg-read' | 'cfg-write' | 'read' | 'write' | 'guest-error' | 'unimp' | 'event';

export interface TraceRecord {
  seq: number;
  atNs: number;
  kind: TraceKind;
  /** Device or function name, e.g. "tpci200", "ipoctal.A", "spec0". */
  device: string;
  /** Address space or BAR, e.g. "cfg", "BAR2", "IO", "MEM". */
  space: string;
  offset: number;
  /** Access width in bytes (1, 2 or 4); 0 for events and messages. */
  width: number;
  value: number;
  /** Decoded register name and fields, e.g. "SRA RXRDY|TXRDY" or a message. */
  text: string;
}

/**
 * Decodes an access later, from the integer context taken when it happened (lazy trace text;
 * PciFunction.describe with its traceContext).
 */
export interface TraceDecoder {
  describe?(
    bar: number,
    offset: number,
    dir: 'read' | 'write',
    value: number,
    width: 1 | 2 | 4,
    ctx?: number,
  ): string;
}

const KINDS: readonly TraceKind[] = [
  'cfg-read',
  'cfg-write',
  'read',
  'write',
  'guest-error',
  'unimp',
  'event',
];
const KIND_CODE: Record<TraceKind, number> = {
  'cfg-read': 0,
  'cfg-write': 1,
  read: 2,
  write: 3,
  'guest-error': 4,
  unimp: 5,
  event: 6,
};

/**
 * The ring keeps each field in its own array (numbers in typed arrays): recording an access
 * stores a few numbers and two string references, no object; since() builds the records.
 */
export class TraceRing {
  private readonly seqs: Float64Array;
  private readonly times: Float64Array;
  private readonly kinds: Uint8Array;
  private readonly devices: string[];
  private readonly spaces: string[];
  private readonly offsets: Float64Array;
  private readonly widths: Uint8Array;
  private readonly values: Float64Array;
  private readonly texts: string[];
  /** Per ring slot: the decoder of a record whose text is not built yet (recordLazy), its BAR and context. */
  private readonly lazyDecoder: (TraceDecoder | undefined)[];
  private readonly lazyBar: Int32Array;
  private readonly lazyCtx: Int32Array;
  private head = 0;
  private count = 0;
  private seq = 0;
  /** When false, record() drops everything (the trace is paused or not wanted). */
  enabled = true;

  constructor(
    readonly capacity = 4096,
    private readonly clock: () => number = () => 0,
  ) {
    this.seqs = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.devices = new Array(capacity).fill('');
    this.spaces = new Array(capacity).fill('');
    this.offsets = new Float64Array(capacity);
    this.widths = new Uint8Array(capacity);
    this.values = new Float64Array(capacity);
    this.texts = new Array(capacity).fill('');
    this.lazyDecoder = new Array(capacity).fill(undefined);
    this.lazyBar = new Int32Array(capacity);
    this.lazyCtx = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Sequence number of the newest record (0 if none). */
  get lastSeq(): number {
    return this.seq;
  }

  record(
    kind: TraceKind,
    device: string,
    space: string,
    offset: number,
    width: number,
    value: number,
    text = '',
  ): void {
    if (!this.enabled && kind !== 'guest-error' && kind !== 'unimp') return;
    this.lazyDecoder[this.head] = undefined;
    this.push(KIND_CODE[kind], device, space, offset, width, value, text);
  }

  /**
   * A BAR access whose text is decoded only when someone reads the record (since()):
   * decoder.describe(bar, offset, dir, value, width, ctx), ctx being the state it needs as it
   * was at the access. The text is the same as record() with that describe() call made now.
   */
  recordLazy(
    kind: 'read' | 'write',
    device: string,
    space: string,
    offset: number,
    width: 1 | 2 | 4,
    value: number,
    decoder: TraceDecoder,
    bar: number,
    ctx: number,
  ): void {
    if (!this.enabled) return;
    const i = this.head;
    this.lazyDecoder[i] = decoder;
    this.lazyBar[i] = bar;
    this.lazyCtx[i] = ctx;
    this.push(kind === 'read' ? 2 : 3, device, space, offset, width, value, '');
  }

  private push(
    kind: number,
    device: string,
    space: string,
    offset: number,
    width: number,
    value: number,
    text: string,
  ): void {
    const i = this.head;
    this.seqs[i] = ++this.seq;
    this.times[i] = this.clock();
    this.kinds[i] = kind;
    this.devices[i] = device;
    this.spaces[i] = space;
    this.offsets[i] = offset;
    this.widths[i] = width;
    this.values[i] = value;
    this.texts[i] = text;
    this.head = i + 1 === this.capacity ? 0 : i + 1;
    if (this.count < this.capacity) this.count++;
  }

  /** Records newer than afterSeq, oldest first (the worker ships these in batches). */
  since(afterSeq: number): TraceRecord[] {
    const out: TraceRecord[] = [];
    const start = (this.head - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const at = (start + i) % this.capacity;
      if (this.seqs[at] <= afterSeq) continue;
      const kind = KINDS[this.kinds[at]];
      const decoder = this.lazyDecoder[at];
      if (decoder !== undefined) {
        const dir = kind === 'read' ? 'read' : 'write';
        const width = this.widths[at] as 1 | 2 | 4;
        const ctx = this.lazyCtx[at];
        this.texts[at] =
          decoder.describe?.(this.lazyBar[at], this.offsets[at], dir, this.values[at], width, ctx) ?? '';
        this.lazyDecoder[at] = undefined;
      }
      out.push({
        seq: this.seqs[at],
        atNs: this.times[at],
        kind,
        device: this.devices[at],
        space: this.spaces[at],
        offset: this.offsets[at],
        width: this.widths[at],
        value: this.values[at],
        text: this.texts[at],
      });
    }
    return out;
  }

  clear(): void {
    this.lazyDecoder.fill(undefined);
    this.texts.fill('');
    this.head = 0;
    this.count = 0;
  }
}

/** CSV export of trace records, one access a line. */
export function traceToCsv(records: readonly TraceRecord[]): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['seq,time_ns,kind,device,space,offset,width,value,decoded'];
  for (const r of records) {
    lines.push(
      [
        r.seq,
        r.atNs,
        r.kind,
        quote(r.device),
        quote(r.space),
        `0x${r.offset.toString(16)}`,
        r.width,
        `0x${(r.value >>> 0).toString(16)}`,
        quote(r.text),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
