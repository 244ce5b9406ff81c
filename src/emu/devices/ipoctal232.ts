// GE (SBS/GreenSpring) IP-Octal 232: an IndustryPack module with one SCC2698B (8 RS-232
// channels), a format-1 ID PROM and one 8-bit interrupt vector register (ipack.md §3).
//
// Interface (IndustryPack, addresses are IP byte addresses):
//   IO   SCC2698B register r at odd address 2r+1 (D7–D0); even addresses read 0, writes ignored
//   ID   PROM byte k at 2k+1 (ID_PROM: "IPAC", 0xF0, model, 0xA1, 0, 0, 0, 0x0C, CRC)
//   INT  acknowledge of INT0 or INT1 returns the vector; it clears nothing
//   MEM  the vector register at offsets 0/1 (byte or word writes, Linux writes MEM8+1);
//        ID odd addresses ≥ 0x40 also load it (carriers with a 128-byte ID window)
//   IRQ  INT0 = blocks A+B (channels 0–3), INT1 = blocks C+D (channels 4–7)
//
// ---------------------------------------------------------------------------------------------
// PUBLIC API for the machine and the guest-side integration (H5):
//
//   import { createIpOctalRack } from '../devices/ipoctal232';
//   const rack = createIpOctalRack(sched, pci, { pciSlot: 4, trace });   // TPCI200 + IP-Octal in A
//   pci.assignResources();                         // firmware; the guest then enumerates
//   const port = rack.ipoctal.channel(3);          // host end of channel 3 (/dev/ipoctal.0.0.3)
//   port.attach({ onTxByte: (byte, frame) => ..., onTxBreak?, onRtsChange? });
//   port.receiveFromHost(0x41);                    // a keystroke, enters at the current time
//   port.receiveFromHost(0x41, frame, 'parity');   // forced error: 'framing'|'parity'|'break'|'overrun'
//   port.receiveBytes(bytes);                      // plain bytes in bulk (a paste)
//   port.sendBreak();                              // = receiveFromHost(0, undefined, 'break')
//   port.receiveFromWire(byte, frame);             // null-modem cable: call from the peer's onTxByte
//   port.setUnpaced(true);                         // bulk: as fast as the FIFO drains, no overrun,
//                                                  // TX as fast as THR is written (tx = false: paced)
//   port.setHostFrame({ baud: 9600, dataBits: 8, parity: 'none', stopBits: 1 }); // or null = match
//   port.setCts(false);                            // CTS input (used when MR2[4] is set)
//   rack.snapshot() / rack.restore(s)              // carrier + bus + module (after sched.restore)
// The rack's PCI function is rack.tpci200 (plugged at pciSlot); its name is "tpci200".
// ---------------------------------------------------------------------------------------------

import {
  buildIdProm,
  IpackBus,
  type IpackModule,
  type IpackSlotPort,
  type IpLine,
  type IpSpace,
  type IpWidth,
} from '../bus/ipack';
import type { PciBus } from '../bus/pci';
import { defineRegs } from '../core/regs';
import type { Scheduler } from '../core/scheduler';
import { check } from '../core/snapshot';
import type { TraceRing } from '../core/trace';
import { Scc2698, type Scc2698Snapshot, type SccIrqSink } from './scc2698';
import type { FrameFormat, RxCondition, SerialHostEnd } from './serial-backend';
import { Tpci200, type Tpci200Snapshot } from './tpci200';

/** Module locations outside the SCC (IO space: scc2698.ts BLOCK_REGS at 2r+1). */
export const IPOCTAL_REGS = defineRegs({
  ID_PROM: { offset: 0x01, access: 'r', note: 'ID space: PROM byte k at 2k+1, 12 bytes' },
  VECTOR: { offset: 0x01, access: 'rw', reset: 0, note: 'MEM space 0x00/0x01; also ID odd ≥ 0x40' },
  INT0_ACK: { offset: 0x00, access: 'r', note: 'INT space: acknowledge INT0, returns VECTOR' },
  INT1_ACK: { offset: 0x02, access: 'r', note: 'INT space: acknowledge INT1, returns VECTOR' },
});

export const IPOCTAL_MODELS = { 'ipoctal-232': 0x22, 'ipoctal-422': 0x2a, 'ipoctal-485': 0x48 } as const;
export type IpOctalModel = keyof typeof IPOCTAL_MODELS;

export interface IpOctalSnapshot {
  v: 1;
  vector: number;
  scc: Scc2698Snapshot;
}

/** The host end of one channel, as the machine and the UI use it. */
export interface IpOctalChannel {
  readonly index: number;
  attach(host: SerialHostEnd | undefined): void;
  receiveFromHost(byte: number, frame?: FrameFormat, condition?: RxCondition): void;
  /** receiveFromHost(byte) for each of bytes[start..end) (a paste, a bulk write). */
  receiveBytes(bytes: ArrayLike<number>, start?: number, end?: number): void;
  /** From another UART's onTxByte (a cable): the character completes now, already clocked. */
  receiveFromWire(byte: number, frame: FrameFormat): void;
  sendBreak(): void;
  /** Host bytes as fast as the FIFO drains; tx (default: the same) also unpaces the transmitter. */
  setUnpaced(unpaced: boolean, tx?: boolean): void;
  setHostFrame(frame: FrameFormat | null): void;
  setCts(asserted: boolean): void;
  /** Host bytes not yet in the receiver. */
  backlog(): number;
  /** The frame the channel transmits with now (from MR1/MR2/CSR/ACR). */
  txFrame(): FrameFormat;
}

export class IpOctal232 implements IpackModule, SccIrqSink {
  readonly kind = 'ipoctal';
  readonly idProm: Uint8Array;
  private vector = IPOCTAL_REGS.VECTOR.reset;
  private port?: IpackSlotPort;
  private scc?: Scc2698;
  private lastReadName = new Map<number, string>();

  constructor(
    private readonly sched: Scheduler,
    private readonly trace?: TraceRing,
    model: IpOctalModel = 'ipoctal-232',
  ) {
    this.idProm = buildIdProm({ manufacturer: 0xf0, model: IPOCTAL_MODELS[model], revision: 0xa1 });
  }

  attach(port: IpackSlotPort): void {
    this.port = port;
    this.scc = new Scc2698(this.sched, `ipoctal.${port.slotName}`, this.trace);
    this.scc.addIrqSink(this);
    this.updateIrq();
  }

  /** The SCC2698B (for tests and the register inspector). Throws before the module is plugged. */
  get chip(): Scc2698 {
    if (!this.scc) throw new Error('ipoctal: not plugged into a slot yet');
    return this.scc;
  }

  reset(): void {
    this.vector = IPOCTAL_REGS.VECTOR.reset;
    this.scc?.reset();
    this.updateIrq();
  }

  /** A block request of the SCC changed (SccIrqSink): only its line (INT0: A+B, INT1: C+D) can. */
  sccIrqChanged(block: number): void {
    const scc = this.scc;
    if (!scc || !this.port) return;
    const line: IpLine = block < 2 ? 0 : 1;
    this.port.setIrq(line, scc.irqLevel(2 * line) || scc.irqLevel(2 * line + 1));
  }

  private updateIrq(): void {
    const scc = this.scc;
    if (!scc || !this.port) return;
    this.port.setIrq(0, scc.irqLevel(0) || scc.irqLevel(1));
    this.port.setIrq(1, scc.irqLevel(2) || scc.irqLevel(3));
  }

  // IO space: odd byte = register, 16-bit word = register on D7–D0, D15–D8 undriven (0).
  ioRead(addr: number, width: IpWidth): number {
    const scc = this.scc as Scc2698; // a module answers cycles only once plugged (attach)
    const a = addr & 0x7f;
    const odd = width === 2 ? a | 1 : a;
    if (!(odd & 1)) return 0;
    const r = odd >> 1;
    if ((r & 7) === 0) this.noteMrRead(r);
    return scc.read(r) & 0xff;
  }

  /** MR1/MR2 share an index and the read moves the pointer: keep the name for the trace. */
  private noteMrRead(r: number): void {
    this.lastReadName.set(r, this.chip.regName(r, 'read') as string);
  }

  ioWrite(addr: number, value: number, width: IpWidth): void {
    const scc = this.scc as Scc2698;
    const a = addr & 0x7f;
    if (width === 2) scc.write((a | 1) >> 1, value & 0xff);
    else if (a & 1) scc.write(a >> 1, value & 0xff);
  }

  idRead(addr: number, width: IpWidth): number {
    const byteAt = (odd: number) => {
      const k = (odd - 1) >> 1;
      return k < this.idProm.length ? this.idProm[k] : 0;
    };
    if (width === 2) return byteAt((addr & ~1) + 1);
    return addr & 1 ? byteAt(addr) : 0;
  }

  idWrite(addr: number, value: number, width: IpWidth): void {
    if ((addr & 0x7f) >= 0x40 && (width === 2 || addr & 1)) this.vector = value & 0xff;
  }

  intAck(_line: IpLine): number {
    return this.vector;
  }

  memRead(addr: number, width: IpWidth): number {
    if (addr === 0 && width === 2) return this.vector;
    if (addr === 1 && width === 1) return this.vector;
    return 0;
  }

  memWrite(addr: number, value: number, width: IpWidth): void {
    if (addr === 0 || addr === 1) this.vector = value & 0xff;
    else
      this.trace?.record(
        'guest-error',
        `ipoctal.${this.port?.slotName ?? '?'}`,
        'MEM',
        addr,
        width,
        value,
        'MEM write outside the vector register',
      );
  }

  /**
   * Trace context (IpackModule.traceContext): INT → the vector; an MR read → 2 | (1 if it read
   * MR2) (its name was taken at the read); an MR write → the MR pointer before it; else 0.
   */
  traceContext(space: IpSpace, addr: number, dir: 'read' | 'write', width: IpWidth): number {
    if (space === 'INT') return this.vector;
    if (space !== 'IO') return 0;
    const a = addr & 0x7f;
    const odd = width === 2 ? a | 1 : a;
    if (!(odd & 1) || ((odd >> 1) & 7) !== 0) return 0;
    const r = odd >> 1;
    if (dir === 'read') {
      const name = this.lastReadName.get(r);
      return name === undefined ? 0 : 2 | (name.startsWith('MR2') ? 1 : 0);
    }
    return this.chip.mrPointer(r);
  }

  describe(
    space: IpSpace,
    addr: number,
    dir: 'read' | 'write',
    value: number,
    width: IpWidth,
    ctx?: number,
  ): string {
    if (space === 'IO') {
      const a = addr & 0x7f;
      const odd = width === 2 ? (a & ~1) + 1 : a;
      if (!(odd & 1)) return `IO 0x${a.toString(16)} (no register on D15–D8)`;
      const r = odd >> 1;
      let name: string | undefined;
      if (dir === 'read') {
        if (ctx === undefined) name = this.lastReadName.get(r);
        else if ((r & 7) === 0 && ctx & 2) name = `MR${ctx & 1 ? 2 : 1}${r & 8 ? 'B' : 'A'}`;
      }
      if (name && (name === 'MR1A' || name === 'MR1B' || name === 'MR2A' || name === 'MR2B')) {
        const letter = 'ABCDEFGH'[(r >> 4) * 2 + ((r & 15) >> 3)];
        return `${name.slice(0, 3)}${letter} 0x${(value & 0xff).toString(16)}`;
      }
      return this.chip.describe(r, dir, value & 0xff, ctx === undefined ? undefined : ((ctx & 1) as 0 | 1));
    }
    if (space === 'ID') return `ID PROM byte ${(addr - 1) >> 1}`;
    const vector = ctx ?? this.vector;
    if (space === 'INT') return `INT${(addr >> 1) & 1} acknowledge → vector 0x${vector.toString(16)}`;
    return addr <= 1 ? 'VECTOR' : `MEM 0x${addr.toString(16)}`;
  }

  /** The host end of channel c (0–7). */
  channel(c: number): IpOctalChannel {
    if (!Number.isInteger(c) || c < 0 || c > 7) throw new RangeError(`ipoctal: no channel ${c}`);
    const scc = this.chip;
    return {
      index: c,
      attach: (host) => scc.setHostEnd(c, host),
      receiveFromHost: (byte, frame, condition) => scc.receiveFromHost(c, byte, frame, condition),
      receiveBytes: (bytes, start, end) => scc.receiveBytesFromHost(c, bytes, start, end),
      receiveFromWire: (byte, frame) => scc.receiveFromWire(c, byte, frame),
      sendBreak: () => scc.receiveFromHost(c, 0, undefined, 'break'),
      setUnpaced: (on, tx) => scc.setUnpaced(c, on, tx),
      setHostFrame: (frame) => scc.setHostFrame(c, frame),
      setCts: (asserted) => scc.setCts(c, asserted),
      backlog: () => scc.hostBacklog(c),
      txFrame: () => scc.txFrame(c),
    };
  }

  snapshot(): IpOctalSnapshot {
    return { v: 1, vector: this.vector, scc: this.chip.snapshot() };
  }

  restore(s: unknown): void {
    const snap = s as IpOctalSnapshot;
    check(snap?.v === 1 && Number.isInteger(snap.vector), 'ipoctal: version');
    this.chip.restore(snap.scc);
    this.vector = snap.vector & 0xff;
    this.updateIrq();
  }
}

export interface IpOctalRack {
  tpci200: Tpci200;
  ipack: IpackBus;
  ipoctal: IpOctal232;
  snapshot(): { v: 1; tpci200: Tpci200Snapshot; ipoctal: IpOctalSnapshot };
  restore(s: { v: 1; tpci200: Tpci200Snapshot; ipoctal: IpOctalSnapshot }): void;
}

/** TPCI200 carrier plugged at pciSlot with an IP-Octal in IndustryPack slot A (0). */
export function createIpOctalRack(
  sched: Scheduler,
  pci: PciBus,
  options: { pciSlot?: number; trace?: TraceRing; model?: IpOctalModel; ipSlot?: number } = {},
): IpOctalRack {
  const ipack = new IpackBus('ipack0');
  const tpci200 = new Tpci200(ipack, options.trace);
  const ipoctal = new IpOctal232(sched, options.trace, options.model);
  ipack.plug(options.ipSlot ?? 0, ipoctal);
  pci.plug(options.pciSlot ?? 4, tpci200);
  return {
    tpci200,
    ipack,
    ipoctal,
    snapshot: () => ({ v: 1, tpci200: tpci200.snapshot(), ipoctal: ipoctal.snapshot() }),
    restore: (s) => {
      check(s?.v === 1, 'ipoctal rack: version');
      ipoctal.restore(s.ipoctal);
      tpci200.restore(s.tpci200);
    },
  };
}
