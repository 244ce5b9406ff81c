// GN4124 DMA engine, "current" register profile (BAR0+0xC0), spec tdc.md §1.8–1.9, §7, §8.
//
// Interface: BAR0 sub-block read/write (offsets relative to 0xC0); irq(level) → VIC line 2;
// setBusMaster(on) from the PCI command register; armFault() for the fault injector.
// Moves data between the carrier DDR (card side) and guest memory (PhysMemory) at
// startLatencyNs + bytes × nsPerByte per segment (stand-in 2 µs + 4 ns/byte) and descFetchNs per
// chained descriptor (1 µs); data lands when a segment completes. STAT[1:0] = idle/busy/error/
// aborted, STAT bit 2 = interrupt flag (write 0x4 acks). States after START: LEN < 4, a segment
// outside host memory, or bus mastering off → error; ABORT while busy → aborted (no interrupt,
// [X]); START while busy is ignored and traced as a guest error ([X]: the driver refuses it).

import type { PhysMemory } from '../../bus/types';
import { RegMap } from '../../core/regs';
import type { Scheduler } from '../../core/scheduler';
import { check, cloneState } from '../../core/snapshot';
import type { TraceRing } from '../../core/trace';
import {
  DMA_ATTR_DIR_P2L,
  DMA_ATTR_MORE,
  DMA_CTRL_ABORT,
  DMA_CTRL_START,
  DMA_DESC,
  DMA_REGS,
  DMA_STAT_ABORTED,
  DMA_STAT_BUSY,
  DMA_STAT_ERROR,
  DMA_STAT_IDLE,
  DMA_STAT_IRQ,
} from '../../hw/spec-tdc-regs';
import type { SparseDdr } from './ddr';

export const DMA_MAP = new RegMap(DMA_REGS);
const R = DMA_REGS;

/** Card → host segments up to 256 MiB (§4). */
const MAX_SEGMENT_BYTES = 256 * 1024 * 1024;

export interface DmaTiming {
  startLatencyNs: number;
  nsPerByte: number;
  descFetchNs: number;
}

export const DMA_DEFAULT_TIMING: DmaTiming = { startLatencyNs: 2000, nsPerByte: 4, descFetchNs: 1000 };

/** A fault armed by the injector; applied to the next START. */
export interface DmaArmedFault {
  id: number;
  kind: 'error' | 'error-after' | 'hang';
  /** error-after: bytes written to the host before the error. */
  bytes?: number;
}

export type DmaFaultReporter = (id: number, effect: string) => void;

export interface DmaState {
  ctrl: number;
  status: number;
  irqFlag: boolean;
  cstart: number;
  hstartl: number;
  hstarth: number;
  len: number;
  nextl: number;
  nexth: number;
  attr: number;
  cur: { cstart: number; hstartl: number; hstarth: number; len: number };
  /** What the pending event is for. */
  phase: 'none' | 'segment' | 'fetch';
  event: number;
  bytesDone: number;
  fault: DmaArmedFault | null;
  armed: DmaArmedFault[];
  busMaster: boolean;
  /** Fault D6: the engine behaves as if bus mastering were off, whatever the command register says. */
  busMasterBlocked: boolean;
  /** Counters for the UI. */
  transfers: number;
  errors: number;
  bytesMoved: number;
}

export interface DmaSnapshot extends DmaState {
  v: 1;
}

const EV_SEGMENT_DONE = 1;
const EV_FETCH_DONE = 2;

export class Gn4124Dma {
  private s: DmaState = Gn4124Dma.initialState(false, []);
  private readonly owner: number;
  private irqLevel = false;

  constructor(
    private readonly sched: Scheduler,
    ownerName: string,
    private readonly host: PhysMemory,
    private readonly ddr: SparseDdr,
    private readonly irq: (level: boolean) => void,
    readonly timing: DmaTiming = { ...DMA_DEFAULT_TIMING },
    private readonly trace?: TraceRing,
    private readonly traceName = 'spec.dma',
  ) {
    this.owner = sched.register(ownerName, (kind) => {
      this.s.event = 0;
      if (kind === EV_SEGMENT_DONE) this.segmentDone();
      else if (kind === EV_FETCH_DONE) this.fetchDone();
    });
  }

  /** Reporter the fault injector installs to learn when an armed fault fires. */
  onFaultFired: DmaFaultReporter = () => {};

  private static initialState(busMaster: boolean, armed: DmaArmedFault[]): DmaState {
    return {
      ctrl: 0,
      status: DMA_STAT_IDLE,
      irqFlag: false,
      cstart: 0,
      hstartl: 0,
      hstarth: 0,
      len: 0,
      nextl: 0,
      nexth: 0,
      attr: 0,
      cur: { cstart: 0, hstartl: 0, hstarth: 0, len: 0 },
      phase: 'none',
      event: 0,
      bytesDone: 0,
      fault: null,
      armed,
      busMaster,
      busMasterBlocked: false,
      transfers: 0,
      errors: 0,
      bytesMoved: 0,
    };
  }

  /** FPGA reset: registers and any transfer in flight are lost; armed faults and bus master stay. */
  reset(): void {
    if (this.s.event) this.sched.cancel(this.s.event);
    const blocked = this.s.busMasterBlocked;
    this.s = Gn4124Dma.initialState(this.s.busMaster, this.s.armed);
    this.s.busMasterBlocked = blocked;
    this.update();
  }

  get state(): Readonly<DmaState> {
    return this.s;
  }

  get irqPending(): boolean {
    return this.s.irqFlag;
  }

  setBusMaster(on: boolean): void {
    this.s.busMaster = on;
  }

  setBusMasterBlocked(on: boolean): void {
    this.s.busMasterBlocked = on;
  }

  armFault(f: DmaArmedFault): void {
    this.s.armed.push({ ...f });
  }

  /** Fault D4: raise the interrupt flag with no transfer. */
  spuriousIrq(): void {
    this.s.irqFlag = true;
    this.update();
  }

  read(offset: number): number {
    const s = this.s;
    switch (offset) {
      case R.CTRL.offset:
        return s.ctrl & ~DMA_CTRL_START;
      case R.STAT.offset:
        return s.status | (s.irqFlag ? DMA_STAT_IRQ : 0);
      case R.CSTART.offset:
        return s.cstart;
      case R.HSTARTL.offset:
        return s.hstartl;
      case R.HSTARTH.offset:
        return s.hstarth;
      case R.LEN.offset:
        return s.len;
      case R.NEXTL.offset:
        return s.nextl;
      case R.NEXTH.offset:
        return s.nexth;
      case R.ATTR.offset:
        return s.attr;
      case R.CUR_CSTART.offset:
        return s.cur.cstart;
      case R.CUR_HSTARTL.offset:
        return s.cur.hstartl;
      case R.CUR_HSTARTH.offset:
        return s.cur.hstarth;
      case R.CUR_LEN.offset:
        return s.cur.len;
      default:
        return 0;
    }
  }

  write(offset: number, value: number): void {
    const v = value >>> 0;
    const s = this.s;
    switch (offset) {
      case R.CTRL.offset:
        s.ctrl = v & 0xe;
        if (v & DMA_CTRL_ABORT) this.abort();
        if (v & DMA_CTRL_START) this.start();
        break;
      case R.STAT.offset:
        if (v & DMA_STAT_IRQ) s.irqFlag = false;
        break;
      case R.CSTART.offset:
        s.cstart = v;
        break;
      case R.HSTARTL.offset:
        s.hstartl = v;
        break;
      case R.HSTARTH.offset:
        s.hstarth = v;
        break;
      case R.LEN.offset:
        s.len = v;
        break;
      case R.NEXTL.offset:
        s.nextl = v;
        break;
      case R.NEXTH.offset:
        s.nexth = v;
        break;
      case R.ATTR.offset:
        s.attr = v & 0x3;
        break;
      default:
        return;
    }
    this.update();
  }

  private start(): void {
    const s = this.s;
    if (s.status === DMA_STAT_BUSY) {
      this.trace?.record(
        'guest-error',
        this.traceName,
        'BAR0',
        0xc0,
        4,
        s.ctrl,
        'DMA START while busy: ignored',
      );
      return;
    }
    s.transfers++;
    s.bytesDone = 0;
    s.fault = s.armed.shift() ?? null;
    s.status = DMA_STAT_BUSY;
    if (s.fault?.kind === 'hang') {
      this.onFaultFired(s.fault.id, 'STAT=1 (busy) forever, no interrupt');
      s.fault = null;
      return;
    }
    this.beginSegment();
  }

  private beginSegment(): void {
    const s = this.s;
    s.cur = { cstart: s.cstart, hstartl: s.hstartl, hstarth: s.hstarth, len: s.len };
    if (s.len < 4 || s.len > MAX_SEGMENT_BYTES) {
      this.finish(DMA_STAT_ERROR, `bad length ${s.len}`);
      return;
    }
    const ns = this.timing.startLatencyNs + Math.ceil(s.len * this.timing.nsPerByte);
    s.phase = 'segment';
    s.event = this.sched.after(ns, this.owner, EV_SEGMENT_DONE);
  }

  private segmentDone(): void {
    const s = this.s;
    s.phase = 'none';
    if (!s.busMaster || s.busMasterBlocked) {
      this.finish(DMA_STAT_ERROR, 'bus mastering disabled');
      return;
    }
    const fault = s.fault;
    if (fault?.kind === 'error') {
      s.fault = null;
      this.onFaultFired(fault.id, 'STAT=0x6 (error + irq), no data written');
      this.finish(DMA_STAT_ERROR, 'injected error');
      return;
    }
    let length = s.len;
    let failAfter = false;
    if (fault?.kind === 'error-after' && s.bytesDone + length > (fault.bytes ?? 0)) {
      length = Math.max(0, (fault.bytes ?? 0) - s.bytesDone);
      failAfter = true;
    }
    const host = this.hostAddress(s.hstartl, s.hstarth, s.len);
    if (host < 0) {
      this.finish(DMA_STAT_ERROR, 'host address outside memory');
      return;
    }
    this.copy(host, s.cstart, length, (s.attr & DMA_ATTR_DIR_P2L) !== 0);
    s.bytesDone += length;
    s.bytesMoved += length;
    if (failAfter && fault) {
      s.fault = null;
      this.onFaultFired(fault.id, `STAT=0x6 after ${s.bytesDone} bytes written to the host`);
      this.finish(DMA_STAT_ERROR, 'injected error');
      return;
    }
    if (s.attr & DMA_ATTR_MORE) {
      s.phase = 'fetch';
      s.event = this.sched.after(this.timing.descFetchNs, this.owner, EV_FETCH_DONE);
      return;
    }
    this.finish(DMA_STAT_IDLE, '');
  }

  private fetchDone(): void {
    const s = this.s;
    s.phase = 'none';
    const at = this.hostAddress(s.nextl, s.nexth, 28);
    if (at < 0 || !s.busMaster || s.busMasterBlocked) {
      this.finish(DMA_STAT_ERROR, 'descriptor fetch failed');
      return;
    }
    s.cstart = this.host.read32(at + DMA_DESC.CSTART);
    s.hstartl = this.host.read32(at + DMA_DESC.HSTARTL);
    s.hstarth = this.host.read32(at + DMA_DESC.HSTARTH);
    s.len = this.host.read32(at + DMA_DESC.LEN);
    s.nextl = this.host.read32(at + DMA_DESC.NEXTL);
    s.nexth = this.host.read32(at + DMA_DESC.NEXTH);
    s.attr = this.host.read32(at + DMA_DESC.ATTR) & 0x3;
    this.beginSegment();
  }

  private abort(): void {
    const s = this.s;
    if (s.status !== DMA_STAT_BUSY) return;
    if (s.event) this.sched.cancel(s.event);
    s.event = 0;
    s.phase = 'none';
    s.fault = null;
    s.status = DMA_STAT_ABORTED;
  }

  private finish(status: number, why: string): void {
    const s = this.s;
    s.status = status;
    s.phase = 'none';
    s.fault = null;
    s.irqFlag = true;
    if (status === DMA_STAT_ERROR) {
      s.errors++;
      this.trace?.record('event', this.traceName, 'BAR0', 0xc4, 4, status, `DMA error: ${why}`);
    }
    this.update();
  }

  /** Host bus address as a RAM offset, or -1 when [addr, addr+len) is not in guest memory. */
  private hostAddress(lo: number, hi: number, len: number): number {
    if (hi !== 0) return -1;
    return lo + len <= this.host.size ? lo : -1;
  }

  private copy(hostAddr: number, cardAddr: number, length: number, toCard: boolean): void {
    const swap = (this.s.ctrl >>> 2) & 3;
    if (toCard) {
      this.ddr.writeBytes(cardAddr, swapBytes(this.host.readBytes(hostAddr, length), swap));
    } else if (swap === 0) {
      this.ddr.readRuns(cardAddr, length, (run, at) => this.host.writeBytes(hostAddr + at, run));
    } else {
      this.host.writeBytes(hostAddr, swapBytes(this.ddr.readBytes(cardAddr, length), swap));
    }
  }

  private update(): void {
    if (this.s.irqFlag !== this.irqLevel) {
      this.irqLevel = this.s.irqFlag;
      this.irq(this.irqLevel);
    }
  }

  snapshot(): DmaSnapshot {
    return cloneState({ v: 1 as const, ...this.s });
  }

  restore(snap: DmaSnapshot): void {
    check(snap?.v === 1 && Array.isArray(snap.armed) && typeof snap.cur === 'object', 'dma: bad snapshot');
    check(['none', 'segment', 'fetch'].includes(snap.phase), 'dma: bad phase');
    check(Number.isInteger(snap.status) && snap.status >= 0 && snap.status <= 3, 'dma: bad status');
    const { v: _v, ...rest } = cloneState(snap);
    this.s = rest;
    this.update();
  }
}

/** CTRL.SWAP: 0 none, 1 bytes within 16-bit words, 2 16-bit halves within 32-bit words, 3 full 32-bit. */
export function swapBytes(data: Uint8Array, swap: number): Uint8Array {
  if (swap === 0) return data;
  const out = new Uint8Array(data.length);
  out.set(data);
  for (let i = 0; i + 3 < data.length; i += 4) {
    const [a, b, c, d] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    const w = swap === 1 ? [b, a, d, c] : swap === 2 ? [c, d, a, b] : [d, c, b, a];
    out.set(w, i);
  }
  return out;
}
