// The ONE module that touches v86's internals (linux-guest.md, "The v86 internals that a device
// model needs"). v86 0.5.462 has no public API for an external PCI device, so the adapter
// reaches into the emulator object: everything it uses is typed here, documented, and checked
// once at start-up against the pinned version. Nothing else in the project may use
// `emulator.v86` or anything below it.
//
// What is used, and what to know about it (all measured on 0.5.462):
//   emulator.v86.cpu.devices.pci.register_device({pci_id, pci_space, pci_bars, name})
//       adds a PCI function; call it after "emulator-loaded" and before run() (SeaBIOS
//       enumerates the bus when the CPU starts). pci_id is bus·256 + device·8 + function.
//       Memory BARs never move (writes other than a size probe are ignored) and COMMAND writes
//       are not stored: the config space we give is what the guest sees.
//   emulator.v86.cpu.devices.pci.raise_irq(pci_id) / lower_irq(pci_id)
//       INTx level through the PIIX3 PIRQ routing SeaBIOS programs (device 0x10 → PIRQD → 11).
//       The interrupt is delivered at once, even from inside an MMIO handler in the middle of
//       an instruction (see IrqBridge in pci-bridge.ts: trap 1).
//   emulator.v86.cpu.io.mmap_register(addr, size, read8, write8, read32, write32)
//       MMIO in 128 KiB-aligned blocks; handlers get the physical address as a signed int32;
//       a 16-bit access arrives as two 8-bit calls, low byte first.
//   emulator.v86.do_tick (own property set on the instance)
//       wrapped to learn when each run slice (one cpu.main_loop call) has ended.
//   v86 main class .microtick()
//       v86's clock (ms, performance.now in Node and browsers): its PIT/RTC run on it.
//   emulator.save_state() / restore_state() (public, listed for their catch)
//       the state holds v86's own devices only; an external device must be registered before
//       restore_state (its config space is restored into the registered slot) and its model
//       state saved beside.
import type { V86 } from 'v86';
import v86Package from 'v86/package.json' with { type: 'json' };

/** The v86 version this module was written and measured against (package.json pins it). */
export const V86_PINNED_VERSION = '0.5.462';

/** A PCI function as v86's bus takes it. */
export interface V86PciDevice {
  /** bus << 8 | device << 3 | function. */
  pci_id: number;
  /** Configuration space, 256 bytes (v86 keeps its own copy as 64 little-endian words). */
  pci_space: number[];
  /** Per BAR, its size (memory BARs) or undefined when not implemented. */
  pci_bars: ({ size: number } | undefined)[];
  name: string;
}

export interface MmioBlockHandlers {
  read8(addr: number): number;
  write8(addr: number, value: number): void;
  read32(addr: number): number;
  write32(addr: number, value: number): void;
}

/** MMIO is mapped in blocks of this size and alignment. */
export const V86_MMAP_BLOCK = 0x2_0000;

interface PciInternals {
  register_device(device: V86PciDevice): Int32Array;
  raise_irq(pciId: number): void;
  lower_irq(pciId: number): void;
}

interface IoInternals {
  mmap_register(
    addr: number,
    size: number,
    read8: (addr: number) => number,
    write8: (addr: number, value: number) => void,
    read32: (addr: number) => number,
    write32: (addr: number, value: number) => void,
  ): void;
}

interface MainInternals {
  cpu: { devices: { pci: PciInternals }; io: IoInternals };
  do_tick(): void;
}

interface MainClass {
  microtick(): number;
}

function fail(what: string): never {
  throw new Error(
    `v86 internals: ${what}. The Linux guest adapter needs v86 ${V86_PINNED_VERSION} exactly ` +
      `(npm install --save-exact v86@${V86_PINNED_VERSION}); found ${v86Package.version}.`,
  );
}

/** Throws with a clear message unless the installed v86 is the pinned version. */
export function checkV86Version(version: string = v86Package.version): void {
  const base = version.split('+')[0];
  if (base !== V86_PINNED_VERSION)
    throw new Error(
      `v86 ${version} is installed, but the Linux guest adapter is written against v86 ` +
        `${V86_PINNED_VERSION} (it uses internals that change between versions): ` +
        `npm install --save-exact v86@${V86_PINNED_VERSION}`,
    );
}

const isFunction = (v: unknown): boolean => typeof v === 'function';

/** Typed access to the internals of one started emulator (after "emulator-loaded"). */
export class V86Internals {
  private readonly main: MainInternals;
  private readonly clock: MainClass;

  private constructor(main: MainInternals, clock: MainClass) {
    this.main = main;
    this.clock = clock;
  }

  /** Checks the version and the shape of every internal used; throws a clear Error otherwise. */
  static of(emulator: V86): V86Internals {
    checkV86Version();
    const main = (emulator as unknown as { v86?: MainInternals }).v86;
    if (!main?.cpu) fail('emulator.v86.cpu is missing (call after "emulator-loaded")');
    const pci = main.cpu.devices?.pci;
    if (!pci || !isFunction(pci.register_device) || !isFunction(pci.raise_irq) || !isFunction(pci.lower_irq))
      fail('cpu.devices.pci.register_device/raise_irq/lower_irq not found');
    if (!isFunction(main.cpu.io?.mmap_register)) fail('cpu.io.mmap_register not found');
    if (!isFunction(main.do_tick)) fail('v86.do_tick not found');
    const clock = Object.getPrototypeOf(main).constructor as Partial<MainClass>;
    if (!isFunction(clock.microtick)) fail('the v86 class has no microtick()');
    return new V86Internals(main, clock as MainClass);
  }

  /** v86's clock in milliseconds (what its timers run on). */
  microtickMs(): number {
    return this.clock.microtick();
  }

  /** Adds a PCI function; returns v86's live copy of its config space (64 words). */
  registerPciDevice(device: V86PciDevice): Int32Array {
    if (device.pci_space.length !== 256) throw new RangeError('v86 internals: pci_space must be 256 bytes');
    return this.main.cpu.devices.pci.register_device(device);
  }

  raiseIrq(pciId: number): void {
    this.main.cpu.devices.pci.raise_irq(pciId);
  }

  lowerIrq(pciId: number): void {
    this.main.cpu.devices.pci.lower_irq(pciId);
  }

  /**
   * Maps [base, base + size) to the handlers. base and size must be multiples of 128 KiB;
   * handlers receive the address as a signed int32 (use `(addr - base) | 0` for offsets).
   */
  mmapRegister(base: number, size: number, h: MmioBlockHandlers): void {
    if (base % V86_MMAP_BLOCK !== 0 || size <= 0 || size % V86_MMAP_BLOCK !== 0)
      throw new RangeError(
        `v86 internals: MMIO 0x${base.toString(16)} + 0x${size.toString(16)} is not in 128 KiB blocks`,
      );
    this.main.cpu.io.mmap_register(
      base | 0,
      size,
      (a) => h.read8(a),
      (a, v) => h.write8(a, v),
      (a) => h.read32(a),
      (a, v) => h.write32(a, v),
    );
  }

  /**
   * Calls after() at the end of every run slice (each do_tick: one cpu.main_loop call, then the
   * next tick is queued). Returns a function that removes the hook.
   */
  afterEachSlice(after: () => void): () => void {
    const main = this.main;
    const proto = Object.getPrototypeOf(main) as MainInternals;
    main.do_tick = function (this: MainInternals) {
      proto.do_tick.call(this);
      after();
    };
    return () => {
      delete (main as Partial<MainInternals>).do_tick;
    };
  }
}
