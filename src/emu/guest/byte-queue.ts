// A FIFO of bytes with amortised O(1) push/shift and an optional capacity: the guest's tty output
// queue and the ipoctal driver's 4096-byte write ring. Snapshots as a plain number array.

export class ByteQueue {
  private data: Uint8Array;
  private head = 0;
  private count = 0;

  constructor(
    readonly capacity = Number.POSITIVE_INFINITY,
    initial = 64,
  ) {
    this.data = new Uint8Array(Math.min(initial, capacity));
  }

  get length(): number {
    return this.count;
  }

  get room(): number {
    return this.capacity - this.count;
  }

  /** Appends as many bytes as fit; returns how many were taken. */
  push(bytes: ArrayLike<number>, start = 0, end = bytes.length): number {
    const n = Math.min(end - start, this.room);
    if (n <= 0) return 0;
    this.reserve(this.count + n);
    const data = this.data;
    const cap = data.length;
    let at = this.head + this.count;
    if (at >= cap) at -= cap;
    // Two contiguous runs: up to the end of the storage, then from its start.
    const first = Math.min(n, cap - at);
    if (bytes instanceof Uint8Array) {
      data.set(bytes.subarray(start, start + first), at);
      if (first < n) data.set(bytes.subarray(start + first, start + n), 0);
    } else {
      for (let i = 0; i < first; i++) data[at + i] = bytes[start + i];
      for (let i = first; i < n; i++) data[i - first] = bytes[start + i];
    }
    this.count += n;
    return n;
  }

  pushByte(b: number): boolean {
    if (this.count >= this.capacity) return false;
    this.reserve(this.count + 1);
    this.data[(this.head + this.count) % this.data.length] = b;
    this.count++;
    return true;
  }

  /** Removes and returns the oldest byte (-1 if empty). */
  shift(): number {
    if (this.count === 0) return -1;
    const b = this.data[this.head];
    if (++this.head === this.data.length) this.head = 0;
    this.count--;
    return b;
  }

  /**
   * The oldest min(n, length) bytes without removing them: a view of the storage when they are
   * contiguous, else a copy. Valid until the queue next changes.
   */
  peek(n: number): Uint8Array {
    const k = Math.min(n, this.count);
    const cap = this.data.length;
    if (this.head + k <= cap) return this.data.subarray(this.head, this.head + k);
    const out = new Uint8Array(k);
    const first = cap - this.head;
    out.set(this.data.subarray(this.head, cap));
    out.set(this.data.subarray(0, k - first), first);
    return out;
  }

  /**
   * Offers the oldest min(n, length) bytes to `sink` (the storage itself when contiguous, so
   * nothing is allocated) and removes as many as it takes. Returns that count.
   */
  writeTo(sink: (bytes: ArrayLike<number>, start: number, end: number) => number, n: number): number {
    const k = Math.min(n, this.count);
    if (k <= 0) return 0;
    const taken =
      this.head + k <= this.data.length
        ? sink(this.data, this.head, this.head + k)
        : sink(this.peek(k), 0, k);
    this.drop(taken);
    return taken;
  }

  /** Removes the oldest n bytes (at most length). */
  drop(n: number): void {
    const k = Math.min(n, this.count);
    if (k <= 0) return;
    this.head = (this.head + k) % this.data.length;
    this.count -= k;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  toArray(): number[] {
    const out: number[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.data[(this.head + i) % this.data.length];
    return out;
  }

  /** Replaces the contents (restore). */
  load(bytes: readonly number[]): void {
    this.clear();
    this.push(bytes);
  }

  private reserve(n: number): void {
    if (n <= this.data.length) return;
    let size = this.data.length || 1;
    while (size < n) size *= 2;
    const next = new Uint8Array(Math.min(size, this.capacity));
    const old = this.toArray();
    next.set(old);
    this.data = next;
    this.head = 0;
  }
}

/** True when v is an array of integers 0..255 (snapshot validation). */
export function isByteArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0 && b <= 255);
}
