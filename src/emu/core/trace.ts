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

export class TraceRing {
  private readonly records: (TraceRecord | undefined)[];
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
    this.records = new Array(capacity);
    this.lazyDecoder = new Array(capacity);
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
    this.push(kind, device, space, offset, width, value, text);
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
    this.push(kind, device, space, offset, width, value, '');
  }

  private push(
    kind: TraceKind,
    device: string,
    space: string,
    offset: number,
    width: number,
    value: number,
    text: string,
  ): void {
    this.seq++;
    this.records[this.head] = {
      seq: this.seq,
      atNs: this.clock(),
      kind,
      device,
      space,
      offset,
      width,
      value,
      text,
    };
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Records newer than afterSeq, oldest first (the worker ships these in batches). */
  since(afterSeq: number): TraceRecord[] {
    const out: TraceRecord[] = [];
    const start = (this.head - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const at = (start + i) % this.capacity;
      const r = this.records[at];
      if (!r || r.seq <= afterSeq) continue;
      const decoder = this.lazyDecoder[at];
      if (decoder !== undefined) {
        const dir = r.kind === 'read' ? 'read' : 'write';
        const width = r.width as 1 | 2 | 4;
        r.text = decoder.describe?.(this.lazyBar[at], r.offset, dir, r.value, width, this.lazyCtx[at]) ?? '';
        this.lazyDecoder[at] = undefined;
      }
      out.push(r);
    }
    return out;
  }

  clear(): void {
    this.records.fill(undefined);
    this.lazyDecoder.fill(undefined);
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
