// Per-channel DMA buffer controller of the FMC TDC SPEC build (TDC+0x6000 + 0x40·ch), spec tdc.md
// §2.7 (double buffer, switch, DONE), §2.14 (IRQ coalescing by IRQ_TIMEOUT), §3.2 (D8, D9).
//
// Interface (used by fmc-tdc.ts, tdc-channel.ts, train-loop.ts): acceptRecord(w0..w3, nowNs) (or
// accept(words)) for every numbered timestamp of the channel; storeRun(words, at, n) for a run of
// them while each is a plain store, ddrHull() for the DDR bytes it may write;
// channelDisabled() (flushes the partial burst); read/write of the block; irq(level) → EIC bit
// 5+ch. Behaviour as §2.7 restates the HDL: store at CUR_BASE + 16·count while CUR is valid and
// not full; full → automatic switch; CUR invalid → drop (counted; OVERFLOW is not connected in v8
// and reads 0). A switch latches CUR_COUNT, promotes NEXT (clearing NEXT.VALID), clears the
// interrupt request if the promoted buffer is valid, flushes the partial burst and sets DONE
// switchDoneNs later. The request raises the EIC line IRQ_TIMEOUT ms after it was first set
// (0 = at once). Records reach DDR in bursts of BURST_SIZE (the DDR image lags CUR's count).
// Faults: switchStall (DONE never comes, D8), capacityLimit (hardware fills after N records, D9).

import type { Scheduler } from '../../core/scheduler';
import { check, cloneState } from '../../core/snapshot';
import {
  TDC_DMABUF_CSR_BURST_SIZE_MASK,
  TDC_DMABUF_CSR_BURST_SIZE_SHIFT,
  TDC_DMABUF_CSR_DONE,
  TDC_DMABUF_CSR_ENABLE,
  TDC_DMABUF_CSR_IRQ_TIMEOUT_MASK,
  TDC_DMABUF_CSR_IRQ_TIMEOUT_SHIFT,
  TDC_DMABUF_CSR_SWITCH_BUFFERS,
  TDC_DMABUF_REGS,
  TDC_DMABUF_SIZE_MASK,
  TDC_DMABUF_SIZE_VALID,
  TDC_RECORD_BYTES,
} from '../../hw/spec-tdc-regs';
import type { SparseDdr } from '../spec/ddr';
import type { RecordWords } from './record';

const R = TDC_DMABUF_REGS;
const NS_PER_MS = 1_000_000;
/** BURST_SIZE is a 10-bit field. */
const MAX_BURST = 1023;

export interface DmaBufferCounters {
  stored: number;
  droppedNoBuffer: number;
  /** P2b: a waiting timestamp replaced by a newer one while CSR.ENABLE = 0. */
  replacedWhileDisabled: number;
  autoSwitches: number;
  switches: number;
}

export interface DmaBufferState {
  /** CSR bits ENABLE, IRQ_TIMEOUT, BURST_SIZE as written. */
  csr: number;
  done: boolean;
  curBase: number;
  curSize: number;
  count: number;
  curCount: number;
  nextBase: number;
  nextSize: number;
  /** Records stored but not yet written to DDR (the open burst; kept in typed arrays while running). */
  burst: { addr: number; words: RecordWords }[];
  /** Timestamp waiting in the converter while CSR.ENABLE = 0 (P2b). */
  waiting: RecordWords | null;
  irqRequest: boolean;
  irqRequestAtNs: number;
  irqLine: boolean;
  irqEvent: number;
  doneEvent: number;
  switchStall: boolean;
  capacityLimit: number;
  counters: DmaBufferCounters;
}

export interface DmaBufferSnapshot extends DmaBufferState {
  v: 1;
}

const EV_IRQ = 1;
const EV_DONE = 2;

export class TdcDmaBuffer {
  private s: DmaBufferState = TdcDmaBuffer.initialState();
  private readonly owner: number;
  /** The open burst: DDR address and four words per record (s.burst stays empty while running). */
  private readonly burstAddr = new Uint32Array(MAX_BURST);
  private readonly burstWords = new Uint32Array(4 * MAX_BURST);
  private burstLen = 0;
  /** Some record of the open burst does not follow the one before it in DDR. */
  private burstScattered = false;
  /** Run before state is looked at or changed from outside (the TDC time-tags the edges due). */
  beforeAccess: () => void = () => {};
  /** Run after an outside change (the TDC re-plans its wake). */
  afterChange: () => void = () => {};
  /** Called when a switch is requested while switchStall is set (for the fault report). */
  onSwitchStalled: () => void = () => {};

  constructor(
    private readonly sched: Scheduler,
    ownerName: string,
    private readonly ddr: SparseDdr,
    private readonly irq: (level: boolean) => void,
    private readonly switchDoneNs = 200,
  ) {
    this.owner = sched.register(ownerName, (kind) => {
      if (kind === EV_IRQ) {
        this.s.irqEvent = 0;
        this.s.irqLine = this.s.irqRequest;
        this.irq(this.s.irqLine);
      } else if (kind === EV_DONE) {
        this.s.doneEvent = 0;
        this.s.done = true;
      }
    });
  }

  private static initialState(): DmaBufferState {
    return {
      csr: 0,
      done: false,
      curBase: 0,
      curSize: 0,
      count: 0,
      curCount: 0,
      nextBase: 0,
      nextSize: 0,
      burst: [],
      waiting: null,
      irqRequest: false,
      irqRequestAtNs: 0,
      irqLine: false,
      irqEvent: 0,
      doneEvent: 0,
      switchStall: false,
      capacityLimit: 0,
      counters: { stored: 0, droppedNoBuffer: 0, replacedWhileDisabled: 0, autoSwitches: 0, switches: 0 },
    };
  }

  reset(): void {
    if (this.s.irqEvent) this.sched.cancel(this.s.irqEvent);
    if (this.s.doneEvent) this.sched.cancel(this.s.doneEvent);
    // Built as initialState() builds it (one hidden class for the state, fresh or reset).
    const { counters, switchStall, capacityLimit } = this.s;
    const s = TdcDmaBuffer.initialState();
    s.counters = counters;
    s.switchStall = switchStall;
    s.capacityLimit = capacityLimit;
    this.s = s;
    this.burstLen = 0;
    this.burstScattered = false;
    this.irq(false);
  }

  get state(): Readonly<DmaBufferState> {
    this.beforeAccess();
    return { ...this.s, burst: this.burstList() };
  }

  private burstList(): { addr: number; words: RecordWords }[] {
    const out: { addr: number; words: RecordWords }[] = [];
    const w = this.burstWords;
    for (let i = 0; i < this.burstLen; i++) {
      out.push({ addr: this.burstAddr[i], words: [w[4 * i], w[4 * i + 1], w[4 * i + 2], w[4 * i + 3]] });
    }
    return out;
  }

  get irqLine(): boolean {
    return this.s.irqLine;
  }

  get enabled(): boolean {
    return (this.s.csr & TDC_DMABUF_CSR_ENABLE) !== 0;
  }

  get irqTimeoutMs(): number {
    return (this.s.csr & TDC_DMABUF_CSR_IRQ_TIMEOUT_MASK) >>> TDC_DMABUF_CSR_IRQ_TIMEOUT_SHIFT;
  }

  get burstSize(): number {
    return Math.max(1, (this.s.csr & TDC_DMABUF_CSR_BURST_SIZE_MASK) >>> TDC_DMABUF_CSR_BURST_SIZE_SHIFT);
  }

  get enabledAndValid(): boolean {
    return (this.s.csr & TDC_DMABUF_CSR_ENABLE) !== 0 && (this.s.curSize & TDC_DMABUF_SIZE_VALID) !== 0;
  }

  /** Stores left before the next one that switches buffers on its own (CUR valid), else Infinity. */
  get storesBeforeAutoSwitch(): number {
    if (!(this.s.curSize & TDC_DMABUF_SIZE_VALID)) return Number.POSITIVE_INFINITY;
    return Math.max(0, this.capacity - this.s.count);
  }

  get irqRequested(): boolean {
    return this.s.irqRequest;
  }

  /** Capacity of CUR in records (the fault may make the hardware fill earlier). */
  get capacity(): number {
    const size = this.s.curSize & TDC_DMABUF_SIZE_MASK;
    return this.s.capacityLimit > 0 ? Math.min(size, this.s.capacityLimit) : size;
  }

  setSwitchStall(on: boolean): void {
    this.beforeAccess();
    this.s.switchStall = on;
    this.afterChange();
  }

  setCapacityLimit(records: number): void {
    this.beforeAccess();
    this.s.capacityLimit = Math.max(0, Math.floor(records));
    this.afterChange();
  }

  /** A numbered timestamp of this channel arrives from the converter. */
  accept(words: RecordWords): void {
    this.acceptWords(Uint32Array.from(words), this.sched.nowNs);
  }

  /** accept() of the record in words[0..3] (copied), converted at nowNs (≤ the clock). */
  acceptWords(words: Uint32Array, nowNs: number): void {
    this.acceptRecord(words[0], words[1], words[2], words[3], nowNs);
  }

  /** accept() of the record w0..w3, converted at nowNs (≤ the clock): the per-timestamp path. */
  acceptRecord(w0: number, w1: number, w2: number, w3: number, nowNs: number): void {
    if (!(this.s.csr & TDC_DMABUF_CSR_ENABLE)) {
      if (this.s.waiting) this.s.counters.replacedWhileDisabled++;
      this.s.waiting = [w0, w1, w2, w3];
      return;
    }
    this.store(w0, w1, w2, w3, nowNs);
  }

  /**
   * The records in words[at ..] (n of them, four words each) stored one after another while each is
   * a plain store — CSR.ENABLE set, CUR valid and not full, the interrupt already requested — so
   * that none of them schedules, switches or drops anything: the same state and DDR bytes as
   * acceptRecord() for each. Returns how many were stored (it stops before the first other one).
   */
  storeRun(words: Uint32Array, at: number, n: number): number {
    const s = this.s;
    if (!(s.csr & TDC_DMABUF_CSR_ENABLE) || !(s.curSize & TDC_DMABUF_SIZE_VALID) || !s.irqRequest) return 0;
    const m = Math.min(n, this.capacity - s.count);
    if (m <= 0) return 0;
    const burstSize = this.burstSize;
    let len = this.burstLen;
    let addr = (s.curBase + TDC_RECORD_BYTES * s.count) >>> 0;
    let k = 0;
    // The open burst first, record by record as store() fills it.
    while (k < m && len > 0) {
      this.append(len++, addr, words, at + 4 * k++);
      addr = (addr + TDC_RECORD_BYTES) >>> 0;
      if (len >= burstSize) {
        this.burstLen = len;
        this.flushBurst();
        len = 0;
      }
    }
    // Whole bursts of consecutive records: the bytes their flushes would write, in one go.
    const whole = Math.floor((m - k) / burstSize) * burstSize;
    if (whole > 0) {
      this.ddr.writeRecords(addr, words, whole, at + 4 * k);
      addr = (addr + TDC_RECORD_BYTES * whole) >>> 0;
      k += whole;
    }
    // The rest opens a burst (empty here, so consecutive).
    for (; k < m; k++) {
      this.append(len++, addr, words, at + 4 * k);
      addr = (addr + TDC_RECORD_BYTES) >>> 0;
    }
    this.burstLen = len;
    s.count += m;
    s.counters.stored += m;
    return m;
  }

  /** Record words[src..src + 3] at DDR address addr as entry i of the open burst. */
  private append(i: number, addr: number, words: Uint32Array, src: number): void {
    if (i > 0 && addr !== (this.burstAddr[i - 1] + TDC_RECORD_BYTES) >>> 0) this.burstScattered = true;
    this.burstAddr[i] = addr;
    const w = this.burstWords;
    const dst = 4 * i;
    w[dst] = words[src];
    w[dst + 1] = words[src + 1];
    w[dst + 2] = words[src + 2];
    w[dst + 3] = words[src + 3];
  }

  /**
   * Lowest and highest DDR byte address (+1) this controller can write before its next switch or
   * register write (open burst, CUR and NEXT areas by their size fields): out[at], out[at + 1].
   * False when that goes past the end of the DDR (addresses wrap there).
   */
  ddrHull(out: Float64Array, at: number): boolean {
    const s = this.s;
    let lo = s.curBase;
    let hi = s.curBase + TDC_RECORD_BYTES * (s.curSize & TDC_DMABUF_SIZE_MASK);
    const nextLo = s.nextBase;
    const nextHi = s.nextBase + TDC_RECORD_BYTES * (s.nextSize & TDC_DMABUF_SIZE_MASK);
    if (nextLo < lo) lo = nextLo;
    if (nextHi > hi) hi = nextHi;
    for (let i = 0; i < this.burstLen; i++) {
      const a = this.burstAddr[i];
      if (a < lo) lo = a;
      if (a + TDC_RECORD_BYTES > hi) hi = a + TDC_RECORD_BYTES;
    }
    out[at] = lo;
    out[at + 1] = hi;
    return hi <= this.ddr.size;
  }

  /** The channel's acquisition enable went off: the open burst goes to DDR. */
  channelDisabled(): void {
    this.flushBurst();
  }

  private store(w0: number, w1: number, w2: number, w3: number, nowNs: number): void {
    const s = this.s;
    if (s.curSize & TDC_DMABUF_SIZE_VALID && s.count >= this.capacity) {
      s.counters.autoSwitches++;
      this.switchBuffers(nowNs);
      if (!(s.curSize & TDC_DMABUF_SIZE_VALID) || s.count >= this.capacity) {
        s.counters.droppedNoBuffer++;
        return;
      }
    } else if (!(s.curSize & TDC_DMABUF_SIZE_VALID)) {
      s.counters.droppedNoBuffer++;
      return;
    }
    const i = this.burstLen++;
    const addr = (s.curBase + TDC_RECORD_BYTES * s.count) >>> 0;
    if (i > 0 && addr !== (this.burstAddr[i - 1] + TDC_RECORD_BYTES) >>> 0) this.burstScattered = true;
    this.burstAddr[i] = addr;
    const w = this.burstWords;
    const b = 4 * i;
    w[b] = w0;
    w[b + 1] = w1;
    w[b + 2] = w2;
    w[b + 3] = w3;
    s.count++;
    s.counters.stored++;
    if (this.burstLen >= this.burstSize) this.flushBurst();
    if (!s.irqRequest) {
      s.irqRequest = true;
      s.irqRequestAtNs = nowNs;
      this.armIrq();
    }
  }

  /** The open burst to DDR: one run of consecutive records unless CUR_BASE moved under it. */
  private flushBurst(): void {
    const n = this.burstLen;
    if (n === 0) return;
    this.burstLen = 0;
    if (!this.burstScattered) {
      this.ddr.writeRecords(this.burstAddr[0], this.burstWords, n);
      return;
    }
    this.burstScattered = false;
    for (let i = 0; i < n; i++) this.ddr.writeRecord(this.burstAddr[i], this.burstWords, 4 * i);
  }

  private armIrq(): void {
    const s = this.s;
    if (s.irqEvent) this.sched.cancel(s.irqEvent);
    s.irqEvent = 0;
    if (!s.irqRequest || s.irqLine) return;
    const at = s.irqRequestAtNs + this.irqTimeoutMs * NS_PER_MS;
    s.irqEvent = this.sched.at(at, this.owner, EV_IRQ);
  }

  private switchBuffers(nowNs = this.sched.nowNs): void {
    const s = this.s;
    s.counters.switches++;
    this.flushBurst();
    s.curCount = s.count;
    s.count = 0;
    s.curBase = s.nextBase;
    s.curSize = s.nextSize;
    s.nextSize = (s.nextSize & ~TDC_DMABUF_SIZE_VALID) >>> 0;
    if (s.curSize & TDC_DMABUF_SIZE_VALID) {
      s.irqRequest = false;
      if (s.irqEvent) this.sched.cancel(s.irqEvent);
      s.irqEvent = 0;
      if (s.irqLine) {
        s.irqLine = false;
        this.irq(false);
      }
    }
    if (s.doneEvent) this.sched.cancel(s.doneEvent);
    s.doneEvent = 0;
    s.done = false;
    if (s.switchStall) this.onSwitchStalled();
    else s.doneEvent = this.sched.at(nowNs + this.switchDoneNs, this.owner, EV_DONE);
  }

  read(offset: number): number {
    const s = this.s;
    switch (offset) {
      case R.CSR.offset:
        return (s.csr | (s.done ? TDC_DMABUF_CSR_DONE : 0)) >>> 0;
      case R.CUR_BASE.offset:
        return s.curBase;
      case R.CUR_COUNT.offset:
        return s.curCount;
      case R.CUR_SIZE.offset:
        return s.curSize;
      case R.NEXT_BASE.offset:
        return s.nextBase;
      case R.NEXT_SIZE.offset:
        return s.nextSize;
      default:
        return 0;
    }
  }

  write(offset: number, value: number): void {
    this.beforeAccess();
    this.writeReg(offset, value >>> 0);
    this.afterChange();
  }

  private writeReg(offset: number, v: number): void {
    const s = this.s;
    switch (offset) {
      case R.CSR.offset: {
        const wasEnabled = this.enabled;
        const oldTimeout = this.irqTimeoutMs;
        s.csr = v & 0x1fffff;
        if (v & TDC_DMABUF_CSR_DONE) s.done = false;
        if (v & TDC_DMABUF_CSR_SWITCH_BUFFERS) this.switchBuffers();
        if (wasEnabled && !this.enabled) this.flushBurst();
        if (!wasEnabled && this.enabled && s.waiting) {
          const w = s.waiting;
          s.waiting = null;
          this.store(w[0], w[1], w[2], w[3], this.sched.nowNs);
        }
        if (oldTimeout !== this.irqTimeoutMs) this.armIrq();
        break;
      }
      case R.CUR_BASE.offset:
        s.curBase = v;
        break;
      case R.CUR_SIZE.offset:
        s.curSize = v & (TDC_DMABUF_SIZE_MASK | TDC_DMABUF_SIZE_VALID);
        break;
      case R.NEXT_BASE.offset:
        s.nextBase = v;
        break;
      case R.NEXT_SIZE.offset:
        s.nextSize = v & (TDC_DMABUF_SIZE_MASK | TDC_DMABUF_SIZE_VALID);
        break;
    }
  }

  snapshot(): DmaBufferSnapshot {
    this.beforeAccess();
    return cloneState({ v: 1 as const, ...this.s, burst: this.burstList() });
  }

  restore(snap: DmaBufferSnapshot): void {
    check(
      snap?.v === 1 && Array.isArray(snap.burst) && typeof snap.counters === 'object',
      'dma buffer: bad snapshot',
    );
    check(Number.isInteger(snap.count) && snap.count >= 0, 'dma buffer: bad count');
    check(
      snap.burst.length <= MAX_BURST &&
        snap.burst.every((r) => Number.isFinite(r?.addr) && Array.isArray(r.words) && r.words.length === 4),
      'dma buffer: bad burst',
    );
    const { v: _v, ...rest } = cloneState(snap);
    this.burstLen = 0;
    this.burstScattered = false;
    for (const r of rest.burst) {
      const i = this.burstLen++;
      this.burstAddr[i] = r.addr;
      if (i > 0 && this.burstAddr[i] !== (this.burstAddr[i - 1] + TDC_RECORD_BYTES) >>> 0) {
        this.burstScattered = true;
      }
      for (let k = 0; k < 4; k++) this.burstWords[4 * i + k] = r.words[k] >>> 0;
    }
    rest.burst = [];
    this.s = rest;
    this.irq(this.s.irqLine);
  }
}
