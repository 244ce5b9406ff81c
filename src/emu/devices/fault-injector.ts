// Fault injection plan for the SPEC + FMC TDC, spec tdc.md §3 (scenarios P1–P8, D1–D10, I1–I3,
// B1–B8) and §7. Every fault gets a record: when it was armed, the virtual time it fired and its
// register-visible effect, or firedAtNs = null if it never fired (e.g. a dmaError armed but no
// DMA was ever started).
//
// Scenario → API (signal-side scenarios use TdcSignalSource; "register-level" = the guest or a
// test programs it, nothing to inject):
//
// | ID  | Scenario                                   | API                                                    |
// |-----|--------------------------------------------|--------------------------------------------------------|
// | P1  | clean pulse ≥ 100 ns                       | signals.pulse(ch, atNs, widthNs)                       |
// | P2  | pulse on a disabled channel / global off   | signals.pulse(...) with INPUT_ENABLE bits cleared      |
// | P2b | channel on, its DMA CSR.ENABLE = 0         | signals.pulse(...) with buffer CSR.ENABLE = 0          |
// | P3  | glitch < 88 ns                             | signals.glitch(ch, atNs, widthNs); signals.noise(...)  |
// | P4  | pulse 88–96 ns                             | signals.pulse(ch, atNs, 90)                            |
// | P5  | pulse ≥ 1 s                                | signals.pulse(ch, atNs, 1.5e9)                         |
// | P6a | rising edge lost (duplicate record)        | signals.edgeLoss(ch, 'rising', p)                      |
// | P6b | falling edge lost (pulse silently lost)    | signals.edgeLoss(ch, 'falling', p)                     |
// | P7  | edges < 5.5 ns apart / beyond 32 hits      | signals.burst(ch, {n, spacingNs, widthNs})             |
// | P8  | reflections when unterminated              | signals.reflection(ch, {probability})                  |
// | D1  | DMA ends in error                          | faults.dmaError('next')                                |
// | D2  | error after k bytes of a chained transfer  | faults.dmaError({ afterBytes })                        |
// | D3  | DMA never completes                        | faults.dmaHang()                                       |
// | D4  | spurious DMA interrupt                     | faults.dmaSpuriousIrq()                                |
// | D5  | zero / unaligned length                    | register-level: LEN < 4 → STAT error at START          |
// | D6  | bus mastering off                          | faults.noBusMaster() (or the guest clears cmd bit 2)   |
// | D7  | DDR not calibrated                         | faults.ddrNotCalibrated()                              |
// | D8  | SWITCH never reports DONE                  | faults.switchStall(ch)                                 |
// | D9  | host too slow, current buffer fills        | faults.bufferCapacity(ch, records) + a pulse train     |
// | D10 | FIFO full (FIFO build)                     | n/a: the SPEC model is the DMA build                   |
// | I1  | EIC bit of a disabled channel              | faults.spuriousTdcIrq(ch)                              |
// | I2  | VIC EOI never written                      | guest-side bug; the VIC keeps its output (no injection)|
// | I3  | GN4124 local-bus error                     | faults.localBusError(n)                                |
// | B1  | no mezzanine                               | faults.noMezzanine()                                   |
// | B2  | EEPROM FRU damaged / wrong product name    | faults.eeprom('fru-corrupt' | 'wrong-name')            |
// | B3  | calibration block unreadable               | faults.eeprom('calib-nack')                            |
// | B4  | ACAM PLL never locks                       | faults.acamUnlocked()                                  |
// | B5  | thermometer invalid                        | faults.thermometerInvalid()                            |
// | B6  | White Rabbit link lost                     | faults.wrLinkDown()                                    |
// | B7  | sequence counter wrap                      | faults.sequencePreset(ch, 0x0FFFFFFE)                  |
// | B8  | carrier metadata wrong                     | faults.carrierMetadata({ version | bom | vendor ... })  |
//
// inject(kind, params) takes the same faults by kebab-case name (x-inject-fault).

import type { Scheduler } from '../core/scheduler';
import { check, cloneState } from '../core/snapshot';
import { FMC_EEPROM_CALIB_OFFSET } from '../hw/spec-tdc-regs';
import type { MetaOverride } from './spec/carrier-csr';
import { buildFru } from './spec/fmc-eeprom';
import type { SpecCarrier } from './spec/spec';

export interface FaultRecord {
  id: number;
  /** kebab-case kind, as inject() takes it. */
  kind: string;
  params: Record<string, number | string | boolean>;
  armedAtNs: number;
  firedAtNs: number | null;
  effect: string | null;
}

export interface FaultInjectorSnapshot {
  v: 1;
  nextId: number;
  records: FaultRecord[];
}

export type FaultParams = Record<string, number | string | boolean | undefined>;

export const FAULT_KINDS = [
  'dma-error',
  'dma-error-after',
  'dma-hang',
  'dma-spurious-irq',
  'no-bus-master',
  'ddr-not-calibrated',
  'switch-stall',
  'buffer-capacity',
  'spurious-tdc-irq',
  'local-bus-error',
  'no-mezzanine',
  'eeprom',
  'acam-unlocked',
  'thermometer-invalid',
  'wr-link-down',
  'wr-link-up',
  'sequence-preset',
  'carrier-metadata',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What the 'eeprom' fault does (params.kind or params.what): B2 = fru-corrupt / wrong-name, B3 = calib-nack. */
export const EEPROM_FAULTS = ['fru-corrupt', 'wrong-name', 'calib-nack', 'absent', 'none'] as const;
export type EepromFaultKind = (typeof EEPROM_FAULTS)[number];

export class FaultInjector {
  private records: FaultRecord[] = [];
  private nextId = 1;

  constructor(
    private readonly sched: Scheduler,
    private readonly spec: SpecCarrier,
  ) {
    spec.dma.onFaultFired = (id, effect) => this.fired(id, effect);
    spec.tdc.buffers.forEach((b, ch) => {
      b.onSwitchStalled = () => {
        const r = this.records.find(
          (x) => x.kind === 'switch-stall' && x.params.channel === ch && x.firedAtNs === null,
        );
        if (r) this.fired(r.id, `BUF${ch + 1} CSR.DONE stays 0 after SWITCH_BUFFERS`);
      };
    });
  }

  /** Every fault armed so far, with when it fired (null = never). */
  report(): readonly FaultRecord[] {
    return this.records;
  }

  dmaError(when: 'next' | { afterBytes: number }): number {
    if (when === 'next') {
      const id = this.arm('dma-error', {});
      this.spec.dma.armFault({ id, kind: 'error' });
      return id;
    }
    const bytes = Math.max(0, Math.floor(when.afterBytes));
    const id = this.arm('dma-error-after', { bytes });
    this.spec.dma.armFault({ id, kind: 'error-after', bytes });
    return id;
  }

  dmaHang(): number {
    const id = this.arm('dma-hang', {});
    this.spec.dma.armFault({ id, kind: 'hang' });
    return id;
  }

  dmaSpuriousIrq(): number {
    const id = this.arm('dma-spurious-irq', {});
    this.spec.dma.spuriousIrq();
    return this.fired(id, 'DMA STAT bit 2 set with no transfer; VIC line 2 active');
  }

  noBusMaster(on = true): number {
    const id = this.arm('no-bus-master', { on });
    this.spec.dma.setBusMasterBlocked(on);
    return this.fired(
      id,
      on ? 'DMA transfers end in error (STAT=2)' : 'DMA follows the PCI command register again',
    );
  }

  ddrNotCalibrated(on = true): number {
    const id = this.arm('ddr-not-calibrated', { on });
    this.spec.carrier.setDdrCalibrated(!on);
    return this.fired(id, `CSR 0x50 DDR_STATUS = ${on ? 0 : 1}`);
  }

  switchStall(ch: number, on = true): number {
    const id = this.arm('switch-stall', { channel: ch, on });
    this.spec.tdc.buffers[this.channel(ch)].setSwitchStall(on);
    if (!on) return this.fired(id, `BUF${ch + 1} switches report DONE again`);
    return id;
  }

  bufferCapacity(ch: number, records: number): number {
    const id = this.arm('buffer-capacity', { channel: ch, records });
    this.spec.tdc.buffers[this.channel(ch)].setCapacityLimit(records);
    return this.fired(
      id,
      records > 0 ? `BUF${ch + 1} fills after ${records} records` : `BUF${ch + 1} full size`,
    );
  }

  spuriousTdcIrq(ch: number): number {
    const id = this.arm('spurious-tdc-irq', { channel: ch });
    this.spec.tdc.forceEicBit(5 + this.channel(ch));
    return this.fired(id, `EIC ISR bit ${5 + ch} set until written 1`);
  }

  localBusError(n: number): number {
    const id = this.arm('local-bus-error', { bit: n });
    this.spec.gn4124.raiseLocalBusError(n);
    return this.fired(id, `GN4124 INT_STAT bit ${8 + (n % 7)} (ALI${n % 7})`);
  }

  noMezzanine(on = true): number {
    const id = this.arm('no-mezzanine', { on });
    this.spec.carrier.setFmcPresent(!on);
    this.spec.tdc.setPresent(!on);
    this.spec.eeprom.fault = on ? 'absent' : 'none';
    return this.fired(id, `CSR 0x48 FMC_PRESENCE = ${on ? 0 : 1}`);
  }

  eeprom(kind: EepromFaultKind): number {
    const id = this.arm('eeprom', { kind });
    const e = this.spec.eeprom;
    switch (kind) {
      case 'fru-corrupt':
        e.image[7] ^= 0x5a; // common-header checksum
        break;
      case 'wrong-name':
        e.image.fill(0xff, 0, FMC_EEPROM_CALIB_OFFSET);
        e.image.set(buildFru('FmcDel1ns4cha'), 0);
        break;
      default:
        e.fault = kind;
    }
    return this.fired(id, `EEPROM ${kind}`);
  }

  acamUnlocked(on = true): number {
    const id = this.arm('acam-unlocked', { on });
    this.spec.tdc.acam.setNeverLocks(on);
    return this.fired(id, on ? 'ACAM READBACK(12) bit 10 stays 1' : 'ACAM PLL locks after LOAD');
  }

  thermometerInvalid(on = true): number {
    const id = this.arm('thermometer-invalid', { on });
    this.spec.tdc.onewire.setInvalid(on);
    return this.fired(id, `one-wire CSR.VALID = ${on ? 0 : 1}`);
  }

  wrLinkDown(): number {
    const id = this.arm('wr-link-down', {});
    this.spec.tdc.timeBase.setWrLink(false);
    return this.fired(id, 'WR_STAT link/locked/time-valid bits 2, 4, 5, 7, 8 = 0; local clock');
  }

  wrLinkUp(): number {
    const id = this.arm('wr-link-up', {});
    this.spec.tdc.timeBase.setWrLink(true);
    return this.fired(id, 'WR_STAT bit 2 = 1; locks if WR_CTRL.ENABLE');
  }

  sequencePreset(ch: number, seq: number): number {
    const id = this.arm('sequence-preset', { channel: ch, seq });
    this.spec.tdc.channels[this.channel(ch)].presetSequence(seq);
    return this.fired(id, `channel ${ch + 1} sequence counter = ${seq >>> 0}`);
  }

  carrierMetadata(m: MetaOverride): number {
    const id = this.arm('carrier-metadata', { ...m });
    this.spec.carrier.overrideMeta(m);
    return this.fired(id, `carrier metadata ${JSON.stringify(m)}`);
  }

  /** By name (x-inject-fault): count repeats the fault; returns the ids. */
  inject(kind: string, params: FaultParams = {}, count = 1): number[] {
    const n = (key: string, dflt = 0) => {
      const v = params[key];
      return typeof v === 'number' ? v : dflt;
    };
    const on = params.on !== false;
    const ids: number[] = [];
    for (let i = 0; i < Math.max(1, Math.floor(count)); i++) {
      switch (kind as FaultKind) {
        case 'dma-error':
          ids.push(this.dmaError('next'));
          break;
        case 'dma-error-after':
          ids.push(this.dmaError({ afterBytes: n('bytes') }));
          break;
        case 'dma-hang':
          ids.push(this.dmaHang());
          break;
        case 'dma-spurious-irq':
          ids.push(this.dmaSpuriousIrq());
          break;
        case 'no-bus-master':
          ids.push(this.noBusMaster(on));
          break;
        case 'ddr-not-calibrated':
          ids.push(this.ddrNotCalibrated(on));
          break;
        case 'switch-stall':
          ids.push(this.switchStall(n('channel'), on));
          break;
        case 'buffer-capacity':
          ids.push(this.bufferCapacity(n('channel'), n('records')));
          break;
        case 'spurious-tdc-irq':
          ids.push(this.spuriousTdcIrq(n('channel')));
          break;
        case 'local-bus-error':
          ids.push(this.localBusError(n('bit')));
          break;
        case 'no-mezzanine':
          ids.push(this.noMezzanine(on));
          break;
        case 'eeprom': {
          const what = params.kind ?? params.what ?? 'fru-corrupt';
          if (!EEPROM_FAULTS.includes(what as EepromFaultKind)) {
            throw new RangeError(
              `unknown EEPROM fault "${String(what)}" (known: ${EEPROM_FAULTS.join(', ')})`,
            );
          }
          ids.push(this.eeprom(what as EepromFaultKind));
          break;
        }
        case 'acam-unlocked':
          ids.push(this.acamUnlocked(on));
          break;
        case 'thermometer-invalid':
          ids.push(this.thermometerInvalid(on));
          break;
        case 'wr-link-down':
          ids.push(this.wrLinkDown());
          break;
        case 'wr-link-up':
          ids.push(this.wrLinkUp());
          break;
        case 'sequence-preset':
          ids.push(this.sequencePreset(n('channel'), n('seq', 0x0ffffffe)));
          break;
        case 'carrier-metadata': {
          const m: MetaOverride = {};
          for (const k of ['vendor', 'device', 'version', 'bom', 'caps'] as const) {
            if (typeof params[k] === 'number') m[k] = params[k] as number;
          }
          ids.push(this.carrierMetadata(m));
          break;
        }
        default:
          throw new RangeError(`unknown fault kind "${kind}" (known: ${FAULT_KINDS.join(', ')})`);
      }
    }
    return ids;
  }

  private channel(ch: number): number {
    if (!Number.isInteger(ch) || ch < 0 || ch >= this.spec.tdc.channels.length) {
      throw new RangeError(`fault: no TDC channel ${ch}`);
    }
    return ch;
  }

  private arm(kind: string, params: FaultParams): number {
    const clean: FaultRecord['params'] = {};
    for (const [k, v] of Object.entries(params)) if (v !== undefined) clean[k] = v;
    const id = this.nextId++;
    this.records.push({
      id,
      kind,
      params: clean,
      armedAtNs: this.sched.nowNs,
      firedAtNs: null,
      effect: null,
    });
    return id;
  }

  private fired(id: number, effect: string): number {
    const r = this.records.find((x) => x.id === id);
    if (r && r.firedAtNs === null) {
      r.firedAtNs = this.sched.nowNs;
      r.effect = effect;
    }
    return id;
  }

  snapshot(): FaultInjectorSnapshot {
    return { v: 1, nextId: this.nextId, records: cloneState(this.records) };
  }

  /** The device-side effects live in the device snapshots; this restores the plan and its log. */
  restore(s: FaultInjectorSnapshot): void {
    check(
      s?.v === 1 && Number.isInteger(s.nextId) && Array.isArray(s.records),
      'fault injector: bad snapshot',
    );
    check(
      s.records.every((r) => Number.isInteger(r.id) && typeof r.kind === 'string'),
      'fault injector: bad record',
    );
    this.nextId = s.nextId;
    this.records = cloneState(s.records);
  }
}
