import { RamMemory } from '../../bus/phys-memory';
import * as M from './spec-tdc-map';
import { TdcDriverProbe } from './tdc-driver-probe';
import {
  ABORT_SETTLE_NS,
  CHANNELS,
  DESC_BYTES,
  type DriverCore,
  type DriverState,
  HOST_PAGE_BYTES,
  K_DMA_KICK,
  K_SWITCH_POLL,
  K_WATCHDOG,
  MS,
  SWITCH_POLL_NS,
  SWITCH_POLL_SLOW_NS,
  structuredCloneLike,
  type TdcCalibration,
  type TdcChannelStatus,
  type TdcDriverMode,
  type TdcDriverSnapshot,
  type Transfer,
  US,
} from './tdc-driver-types';
import { decodeRecords, RECORD_BYTES } from './tdc-record';

export {
  CHANNELS,
  type ChannelPhase,
  type DriverState,
  type TdcCalibration,
  type TdcChannelStatus,
  type TdcDriverMode,
  type TdcDriverOptions,
  type TdcDriverSnapshot,
} from './tdc-driver-types';

export class TdcDriver extends TdcDriverProbe {
  /** Word view of guest RAM for decoding records in place (deliver()). */
  private ramWords: Uint32Array | null = null;

  // ---- public API -------------------------------------------------------------------------

  get state(): DriverState {
    return this.core.state;
  }

  get probeError(): string {
    return this.core.probeError;
  }

  get mode(): TdcDriverMode {
    return this.core.mode;
  }

  setMode(mode: TdcDriverMode): void {
    this.core.mode = mode;
  }

  /** Changes a channel as a user of the driver would (ZIO enable, termination, user-offset). */
  setChannel(ch: number, change: { enabled?: boolean; termination?: boolean; offsetPs?: number }): void {
    if (!Number.isInteger(ch) || ch < 0 || ch >= CHANNELS) throw new RangeError(`tdc: bad channel ${ch}`);
    const c = this.channels[ch];
    const was = { enabled: c.enabled, termination: c.termination, offsetPs: c.offsetPs };
    if (change.enabled !== undefined) c.enabled = change.enabled;
    if (change.termination !== undefined) c.termination = change.termination;
    if (change.offsetPs !== undefined) c.offsetPs = Math.trunc(change.offsetPs);
    if (this.core.state !== 'ready') return; // applied at the end of the probe
    if (c.offsetPs !== was.offsetPs) this.writeOffset(ch);
    if (c.termination !== was.termination || c.enabled !== was.enabled) {
      let ie = this.r0(M.CORE.INPUT_ENABLE);
      if (c.termination !== was.termination) {
        ie = c.termination ? ie | M.inputTermination(ch) : ie & ~M.inputTermination(ch);
        this.w0(M.CORE.INPUT_ENABLE, ie);
      }
      if (c.enabled !== was.enabled) {
        ie = c.enabled ? ie | M.inputEnableChannel(ch) : ie & ~M.inputEnableChannel(ch);
        this.w0(M.CORE.INPUT_ENABLE, ie);
        if (c.enabled) {
          // The hardware restarts the channel's numbering (tdc.md §2.10); records stored before
          // the disable may still come first, so the first record sets the baseline.
          c.expectedSeq = -1;
          c.hasLast = false;
          if (c.phase === 'failed') c.phase = 'idle';
          if (this.core.mode === 'correct') this.w0(M.EIC.IER, M.eicDmaBit(ch));
        }
      }
    }
  }

  channelStatus(ch: number): TdcChannelStatus {
    const c = this.channels[ch];
    return {
      channel: ch + 1,
      enabled: c.enabled,
      termination: c.termination,
      offsetPs: c.offsetPs,
      phase: c.phase,
      timestamps: c.timestamps,
      received: c.received,
      duplicates: c.duplicates,
      sequenceGaps: c.sequenceGaps,
      gapEvents: c.gapEvents,
      sequenceRestarts: c.sequenceRestarts,
      dropped: c.dropped,
      dmaErrors: c.dmaErrors,
      dmaRetries: c.dmaRetries,
      dmaRecoveries: c.dmaRecoveries,
      dmaTimeouts: c.dmaTimeouts,
      blocksLost: c.blocksLost,
      resyncs: c.resyncs,
      switchStalls: c.switchStalls,
      spuriousIrqs: c.spuriousIrqs,
      lastTs: { seconds: c.lastSeconds, ps: c.lastPs },
    };
  }

  /** Driver-wide counters. */
  status(): {
    state: DriverState;
    mode: TdcDriverMode;
    probeError: string;
    interrupts: number;
    localBusErrors: number;
    spuriousDmaIrqs: number;
    unexpectedIrqs: number;
    dmaBusy: boolean;
    queuedTransfers: number;
    calibrationSource: DriverCore['calibrationSource'];
    calibration: TdcCalibration;
  } {
    const c = this.core;
    return {
      state: c.state,
      mode: c.mode,
      probeError: c.probeError,
      interrupts: c.interrupts,
      localBusErrors: c.localBusErrors,
      spuriousDmaIrqs: c.spuriousDmaIrqs,
      unexpectedIrqs: c.unexpectedIrqs,
      dmaBusy: c.inFlight,
      queuedTransfers: c.queue.length,
      calibrationSource: c.calibrationSource,
      calibration: { zeroOffsetPs: [...c.calibration.zeroOffsetPs], wrOffsetPs: c.calibration.wrOffsetPs },
    };
  }

  dmesg(): readonly string[] {
    return this.log;
  }

  protected onRuntimeEvent(kind: number, arg: number): void {
    if (kind === K_SWITCH_POLL) this.pollSwitch(arg);
    else if (kind === K_WATCHDOG) this.onWatchdog(arg);
    else if (kind === K_DMA_KICK) this.kickDma();
  }

  // ---- interrupts (tdc.md §1.5, §2.8) ---------------------------------------------------------

  protected onIrq(): void {
    if (this.core.state !== 'ready') return;
    this.core.interrupts++;
    const st = this.r4(M.GN.INT_STAT);
    if (st & M.INT_STAT_ALI) {
      this.w4(M.GN.INT_STAT, st & M.INT_STAT_ALI);
      this.core.localBusErrors++;
      this.printk(-1, `Local bus error 0x${(st & M.INT_STAT_ALI).toString(16)}`);
    }
    if (!(st & M.INT_STAT_GPIO)) return;
    if (!(this.r4(M.GN.GPIO_INT_STATUS) & M.GPIO_VIC)) return;
    if (this.r0(M.VIC.RISR) === 0) return;
    const vector = this.r0(M.VIC.VAR);
    this.inIrq = true;
    try {
      if (vector === M.VIC_LINE_TDC) this.tdcIrq();
      else if (vector === M.VIC_LINE_DMA) this.dmaIrq();
      else this.printk(-1, `unexpected VIC vector ${vector}`);
    } finally {
      this.inIrq = false;
    }
    this.w0(M.VIC.EOIR, 1);
    if (this.unmaskAfterEoi) {
      const bits = this.unmaskAfterEoi;
      this.unmaskAfterEoi = 0;
      this.w0(M.EIC.IER, bits);
    }
    // §1.5 step 2: re-read GPIO_INT_STATUS so a level that has dropped leaves no stale status.
    this.r4(M.GN.GPIO_INT_STATUS);
  }

  private tdcIrq(): void {
    const core = this.core;
    const isr = this.r0(M.EIC.ISR);
    const imr = this.r0(M.EIC.IMR);
    const pending = isr & imr & M.EIC_DMA_ALL;
    let foreign = 0;
    for (let ch = 0; ch < CHANNELS; ch++)
      if (pending & M.eicDmaBit(ch) && !this.channels[ch].enabled) foreign |= M.eicDmaBit(ch);
    if (core.mode === 'fmc-tdc-v8') {
      if (foreign) {
        // "not mine": the level stays, the VIC fires again (scenario I1).
        core.unexpectedIrqs++;
        for (let ch = 0; ch < CHANNELS; ch++) if (foreign & M.eicDmaBit(ch)) this.channels[ch].spuriousIrqs++;
        if (core.unexpectedIrqs <= 3) this.printk(-1, 'WARN: Received an unexpected interrupt');
        return;
      }
      if (pending === 0) return;
      if (core.v8Outstanding > 0) this.printk(-1, 'Possible data loss: IRQ arrived while pending DMA');
      core.v8SavedImr = imr;
      this.w0(M.EIC.IDR, imr);
      for (let ch = 0; ch < CHANNELS; ch++) if (pending & M.eicDmaBit(ch)) core.v8Outstanding++;
      for (let ch = 0; ch < CHANNELS; ch++) if (pending & M.eicDmaBit(ch)) this.startReadout(ch);
      return;
    }
    if (pending === 0) return;
    this.w0(M.EIC.IDR, pending);
    for (let ch = 0; ch < CHANNELS; ch++) {
      if (!(pending & M.eicDmaBit(ch))) continue;
      const c = this.channels[ch];
      if (foreign & M.eicDmaBit(ch)) {
        // Scenario I1: leave the source masked and count it.
        c.spuriousIrqs++;
        core.unexpectedIrqs++;
        this.printk(ch, 'interrupt for a disabled channel, masked');
        continue;
      }
      if (c.phase !== 'idle') continue;
      this.startReadout(ch);
    }
  }

  // ---- buffer switch (tdc.md §2.7) ------------------------------------------------------------

  private startReadout(ch: number): void {
    const c = this.channels[ch];
    c.phase = 'switching';
    c.autoSwitched = false;
    if (this.core.mode === 'correct') {
      // Scenario D9: read back which buffer the hardware is filling before switching.
      const curBase = this.r0(M.bufCurBase(ch));
      c.autoSwitched = curBase !== M.ddrBufferBase(ch, c.active);
      // The hardware's own switch latched the full buffer's count; ours will overwrite it.
      if (c.autoSwitched) c.autoCount = this.r0(M.bufCurCount(ch));
    }
    this.w0(M.bufCsr(ch), this.csrValue() | M.BUF_CSR_SWITCH);
    c.switchStartNs = this.platform.nowNs();
    this.pollSwitch(ch);
  }

  private pollSwitch(ch: number): void {
    const c = this.channels[ch];
    if (c.phase !== 'switching') return;
    const csr = this.r0(M.bufCsr(ch));
    if (csr & M.BUF_CSR_DONE) {
      this.w0(M.bufCsr(ch), csr & ~M.BUF_CSR_SWITCH); // writing DONE = 1 clears it
      this.afterSwitch(ch);
      return;
    }
    const waitedNs = this.platform.nowNs() - c.switchStartNs;
    if (this.core.mode === 'correct' && waitedNs >= this.opts.switchPollLimitNs) {
      // Scenario D8: report and disable the channel.
      c.switchStalls++;
      c.phase = 'failed';
      c.enabled = false;
      this.w0(M.CORE.INPUT_ENABLE, this.r0(M.CORE.INPUT_ENABLE) & ~M.inputEnableChannel(ch));
      this.printk(ch, 'buffer switch never completed, channel disabled');
      return;
    }
    const delay = waitedNs < this.opts.switchPollLimitNs ? SWITCH_POLL_NS : SWITCH_POLL_SLOW_NS;
    this.sched.after(delay, this.owner, K_SWITCH_POLL, ch);
  }

  private afterSwitch(ch: number): void {
    const c = this.channels[ch];
    const count = this.r0(M.bufCurCount(ch));
    c.received += count;
    // Scenario D5: nothing was stored. Acknowledge the source so a stuck (forced) EIC level does
    // not come straight back; a real one is cleared by the switch anyway.
    if (count === 0 && !c.autoSwitched && this.core.mode === 'correct') this.w0(M.EIC.ISR, M.eicDmaBit(ch));
    const done = c.active;
    const other: 0 | 1 = done === 0 ? 1 : 0;
    const size = (this.opts.bufferRecords | M.BUF_SIZE_VALID) >>> 0;
    const transfers: Transfer[] = [];
    const t = (addr: number, records: number, rearm: number, rearmAsCur: boolean): Transfer => ({
      ch,
      ddrAddr: addr,
      records,
      doneRecords: 0,
      attempts: 0,
      hadError: false,
      rearm,
      rearmAsCur,
    });
    if (this.core.mode === 'fmc-tdc-v8') {
      this.w0(M.bufNextBase(ch), M.ddrBufferBase(ch, done));
      this.w0(M.bufNextSize(ch), size);
      c.active = other;
      transfers.push(t(M.ddrBufferBase(ch, done), count, -1, false));
    } else if (c.autoSwitched) {
      // The hardware filled `done`, switched to `other` on its own, and our SWITCH left CUR
      // invalid: move both, re-arm `done` as CUR and `other` as NEXT.
      c.resyncs++;
      c.received += c.autoCount;
      this.printk(ch, 'buffer switched by hardware while the host was late: resynchronised');
      transfers.push(t(M.ddrBufferBase(ch, done), c.autoCount, done, true));
      transfers.push(t(M.ddrBufferBase(ch, other), count, other, false));
    } else {
      c.active = other;
      transfers.push(t(M.ddrBufferBase(ch, done), count, done, false));
    }
    c.phase = 'transfer';
    c.transfersLeft = transfers.length;
    this.core.queue.push(...transfers);
    this.kickDma();
  }

  // ---- DMA (tdc.md §1.8, §1.9) ------------------------------------------------------------------

  private kickDma(): void {
    const core = this.core;
    while (!core.inFlight && core.queue.length > 0) {
      const t = core.queue[0];
      if (t.records - t.doneRecords <= 0) {
        core.queue.shift();
        this.finishTransfer(t); // scenario D5: nothing to move, just re-arm
        continue;
      }
      this.startChunk(t);
    }
  }

  /**
   * One DMA transfer of up to the staging size, as a scatter-gather list with one segment per
   * host page (as the v8 driver maps a ZIO block): the first segment goes into the registers, the
   * others into 32-byte descriptors in guest RAM chained through NEXT with ATTR.MORE (§1.8).
   */
  private startChunk(t: Transfer): void {
    const core = this.core;
    const n = Math.min(t.records - t.doneRecords, this.stagingRecords);
    const len = n * RECORD_BYTES;
    const card = t.ddrAddr + t.doneRecords * RECORD_BYTES;
    const segments = Math.ceil(len / HOST_PAGE_BYTES);
    const ram = this.platform.ram;
    for (let i = 1; i < segments; i++) {
      const d = core.descAddr + DESC_BYTES * (i - 1);
      const more = i < segments - 1;
      ram.write32(d + 0x00, card + i * HOST_PAGE_BYTES);
      ram.write32(d + 0x04, core.stagingAddr + i * HOST_PAGE_BYTES);
      ram.write32(d + 0x08, 0);
      ram.write32(d + 0x0c, Math.min(HOST_PAGE_BYTES, len - i * HOST_PAGE_BYTES));
      ram.write32(d + 0x10, more ? d + DESC_BYTES : 0);
      ram.write32(d + 0x14, 0);
      ram.write32(d + 0x18, more ? M.DMA_ATTR_MORE : 0);
    }
    this.w0(M.DMA.CSTART, card);
    this.w0(M.DMA.HSTARTL, core.stagingAddr);
    this.w0(M.DMA.HSTARTH, 0);
    this.w0(M.DMA.LEN, Math.min(HOST_PAGE_BYTES, len));
    this.w0(M.DMA.NEXTL, segments > 1 ? core.descAddr : 0);
    this.w0(M.DMA.NEXTH, 0);
    this.w0(M.DMA.ATTR, segments > 1 ? M.DMA_ATTR_MORE : 0);
    this.w0(M.DMA.CTRL, 0);
    this.w0(M.DMA.CTRL, M.DMA_CTRL_START);
    core.inFlight = true;
    core.chunkRecords = n;
    core.dmaSerial++;
    if (core.mode === 'correct') {
      // Scenario D3 watchdog: 10 ms + length at 50 MB/s + 10 µs per descriptor.
      core.watchdogAtNs = this.platform.nowNs() + 10 * MS + len * 20 + segments * 10 * US;
      core.watchdogId = this.sched.at(core.watchdogAtNs, this.owner, K_WATCHDOG, core.dmaSerial);
    }
  }

  private cancelWatchdog(): void {
    if (this.core.watchdogId) this.sched.cancel(this.core.watchdogId);
    this.core.watchdogId = 0;
    this.core.watchdogAtNs = 0;
  }

  private dmaIrq(): void {
    const core = this.core;
    this.w0(M.DMA.STAT, M.DMA_STAT_IRQ);
    const state = this.r0(M.DMA.STAT) & 3;
    if (!core.inFlight) {
      core.spuriousDmaIrqs++;
      if (core.mode === 'fmc-tdc-v8') this.printk(-1, 'WARN: Invalid transfer descriptor');
      return;
    }
    if (state === M.DMA_STATE_BUSY) {
      core.spuriousDmaIrqs++;
      return;
    }
    this.cancelWatchdog();
    core.inFlight = false;
    const t = core.queue[0];
    if (state === M.DMA_STATE_IDLE) this.chunkDone(t);
    else this.chunkFailed(t, state === M.DMA_STATE_ERROR ? 'error' : 'aborted');
    this.kickDma();
  }

  private onWatchdog(serial: number): void {
    const core = this.core;
    core.watchdogId = 0;
    if (!core.inFlight || serial !== core.dmaSerial) return;
    core.watchdogAtNs = 0;
    const t = core.queue[0];
    this.channels[t.ch].dmaTimeouts++;
    this.printk(t.ch, 'DMA transfer timed out, aborting');
    this.w0(M.DMA.CTRL, M.DMA_CTRL_ABORT);
    const stat = this.r0(M.DMA.STAT);
    if (stat & M.DMA_STAT_IRQ) this.w0(M.DMA.STAT, M.DMA_STAT_IRQ);
    core.inFlight = false;
    this.chunkFailed(t, 'timeout');
    // Let the engine settle after the abort before the retry.
    this.sched.after(ABORT_SETTLE_NS, this.owner, K_DMA_KICK);
  }

  private chunkDone(t: Transfer): void {
    const c = this.channels[t.ch];
    this.deliver(t.ch, this.core.chunkRecords);
    t.doneRecords += this.core.chunkRecords;
    if (t.hadError) {
      c.dmaRecoveries++;
      t.hadError = false;
      this.printk(t.ch, 'DMA retry succeeded');
    }
    t.attempts = 0;
    if (t.doneRecords >= t.records) {
      this.core.queue.shift();
      this.finishTransfer(t);
    }
  }

  private chunkFailed(t: Transfer, why: string): void {
    const c = this.channels[t.ch];
    c.dmaErrors++;
    if (this.core.mode === 'fmc-tdc-v8') {
      // The DMA driver frees the descriptor; the TDC completion is never called (§1.9).
      this.printk(-1, `DMA transfer failed: ${why}`);
      this.core.queue.shift();
      c.phase = 'stalled';
      return;
    }
    if (t.attempts < this.opts.dmaRetries) {
      t.attempts++;
      t.hadError = true;
      c.dmaRetries++;
      this.printk(t.ch, `DMA transfer failed (${why}), retry ${t.attempts}`);
      return;
    }
    const lost = t.records - t.doneRecords;
    c.dropped += lost;
    c.blocksLost++;
    this.printk(t.ch, `DMA transfer failed (${why}), ${lost} timestamps lost (LOST_BLOCK)`);
    this.core.queue.shift();
    this.finishTransfer(t);
  }

  private finishTransfer(t: Transfer): void {
    const c = this.channels[t.ch];
    const ch = t.ch;
    if (t.rearm >= 0) {
      const size = (this.opts.bufferRecords | M.BUF_SIZE_VALID) >>> 0;
      const base = M.ddrBufferBase(ch, t.rearm as 0 | 1);
      if (t.rearmAsCur) {
        this.w0(M.bufCurBase(ch), base);
        this.w0(M.bufCurSize(ch), size);
        c.active = t.rearm as 0 | 1;
      } else {
        this.w0(M.bufNextBase(ch), base);
        this.w0(M.bufNextSize(ch), size);
      }
    }
    c.transfersLeft--;
    if (c.transfersLeft > 0) return;
    c.phase = 'idle';
    let unmask = 0;
    if (this.core.mode === 'fmc-tdc-v8') {
      this.core.v8Outstanding--;
      if (this.core.v8Outstanding <= 0) {
        this.core.v8Outstanding = 0;
        unmask = this.core.v8SavedImr;
      }
    } else if (c.enabled) unmask = M.eicDmaBit(ch);
    if (!unmask) return;
    if (this.inIrq) this.unmaskAfterEoi |= unmask;
    else this.w0(M.EIC.IER, unmask);
  }

  // ---- decoding (tdc.md §2.10) ------------------------------------------------------------------

  private deliver(ch: number, n: number): void {
    const c = this.channels[ch];
    // The records are read where the DMA put them: through a word view of guest RAM when the
    // platform's RAM is a plain array (as a kernel reads its own buffer), else copied out.
    const ram = this.platform.ram;
    const addr = this.core.stagingAddr;
    let words: Uint32Array;
    let at = 0;
    if (
      ram instanceof RamMemory &&
      ((addr | ram.bytes.byteOffset) & 3) === 0 &&
      addr + n * RECORD_BYTES <= ram.size
    ) {
      if (this.ramWords?.buffer !== ram.bytes.buffer) {
        this.ramWords = new Uint32Array(ram.bytes.buffer, ram.bytes.byteOffset, ram.bytes.length >>> 2);
      }
      words = this.ramWords;
      at = addr >>> 2;
    } else {
      const bytes = ram.readBytes(addr, n * RECORD_BYTES);
      words = new Uint32Array(bytes.buffer, bytes.byteOffset, n * 4);
    }
    const duplicatesBefore = c.duplicates;
    const out = decodeRecords(words, n, ch, c, this.core.mode === 'correct', this.outSeconds, this.outPs, at);
    if (
      c.duplicates > duplicatesBefore &&
      !c.termination &&
      !c.terminationHinted &&
      this.core.mode === 'correct'
    ) {
      c.terminationHinted = true;
      this.printk(ch, 'duplicate timestamps on an unterminated input: enable 50 Ohm termination?');
    }
    c.timestamps += out;
    if (out > 0) {
      c.lastSeconds = this.outSeconds[out - 1];
      c.lastPs = this.outPs[out - 1];
      this.options.onTimestamps?.(ch, this.outSeconds, this.outPs, out);
    }
  }

  // ---- snapshot -----------------------------------------------------------------------------

  snapshot(): TdcDriverSnapshot {
    return structuredCloneLike({ v: 1, core: this.core, channels: this.channels, log: this.log });
  }

  restore(s: TdcDriverSnapshot): void {
    if (
      s?.v !== 1 ||
      typeof s.core !== 'object' ||
      s.core === null ||
      !Array.isArray(s.channels) ||
      s.channels.length !== CHANNELS ||
      !Array.isArray(s.log) ||
      !Array.isArray(s.core.queue)
    )
      throw new Error('tdc driver snapshot: bad data');
    const core = structuredCloneLike(s.core);
    this.core = core;
    this.channels = structuredCloneLike(s.channels);
    this.log = [...s.log];
    if (core.state === 'ready' && core.irqLine >= 0) this.requestIrq();
  }
}
