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

export class TraceRing {
  private readonly records: (TraceRecord | undefined)[];
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
      const r = this.records[(start + i) % this.capacity];
      if (r && r.seq > afterSeq) out.push(r);
    }
    return out;
  }

  clear(): void {
    this.records.fill(undefined);
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
