// A real i386 Linux 6.1 in v86 whose unmodified tpci200 and ipoctal drivers drive the lab's own
// TPCI200 / IP-Octal 232 models (linux-guest.md; issue 5, "Integration").
//
// API (everything a caller needs; the core takes buffers and never touches the file system, so
// the same code runs in Node and in the lab's Web Worker):
//
//   const lab = standaloneLab();                         // or createLinuxMachine(opts).lab
//   const guest = await LinuxGuest.start({
//     lab, wasm, bios,                                   // v86.wasm bytes (or a compiled Module), SeaBIOS
//     bzImage, initrd,                                   // cold boot ('cold')
//     snapshot,                                          // or start from a saved state ('snapshot')
//     prompt: '/ # ',                                    // manifest.json "prompt"
//     hostInput: 'unpaced',                              // default; or 'line-rate' (see the option)
//   });
//   guest.from                                           // 'snapshot' | 'cold'
//   guest.onConsole((bytes) => ...)                      // ttyS0 (kernel log, console shell)
//   guest.consoleText() / guest.consoleWrite('ls\n')
//   await guest.waitForPrompt(10_000)                    // console shell prompt after the banner
//   await guest.runCommand('ls /dev/ipoctal*')           // console shell: output of one command
//   guest.rack.hostWrite(5, 'x') / guest.rack.hostOutput(3) / inject / connect ...  (SerialRack)
//   await guest.waitForPort(0, '/ # ', 5_000)
//   const snap = await guest.saveSnapshot()              // { v86: ArrayBuffer, lab: LinuxLabSnapshot }
//   await guest.pause() / guest.resume()
//   await guest.destroy()
//
// Time: the lab's clock follows v86's (lab-clock.ts); this mode is real-time, not deterministic.
// What Linux 6.1's ipoctal driver does, faithfully reproduced (real hardware does the same):
//  - trap 2: it never calls tty_wakeup(), so a LAST close with bytes still queued waits
//    closing_wait (30 s); and every close (ipoctal_close → ipoctal_free_channel) drops the bytes
//    still queued, even when another process keeps the port open. Keep a port open until its
//    bytes are out (`exec 3>/dev/ipoctal.0.0.3; echo hi >&3`, close later);
//  - it knows 75..38400 baud only (stty 57600 / 115200 fail, the port stays at 38400);
//  - set_termios turns the receiver off on an open port (it clears rx_enable, then re-enables
//    RX only if rx_enable): set modes while the port is closed (stty -F), as guest/init does.
import { V86 } from 'v86';
import type { SerialRackSnapshot } from '../emu/serial/serial-rack';
import { V86Clock } from './lab-clock';
import type { LinuxLab } from './lab-host';
import { Tpci200Bridge } from './pci-bridge';
import { checkV86Version, V86Internals } from './v86-internals';
import { type CompiledWasm, type WasmInstance, wasmApi } from './wasm';

/** The kernel command line the guest image is built for. */
export const LINUX_CMDLINE = 'console=ttyS0 tsc=reliable mitigations=off random.trust_cpu=on';
/** Guest RAM (snapshots only restore into the same size; v86 puts the initrd at 64 MiB). */
export const LINUX_MEMORY_BYTES = 128 * 1024 * 1024;
/** VGA memory: the guest is serial-only, so the smallest v86 accepts keeps snapshots small. */
export const LINUX_VGA_MEMORY_BYTES = 2 * 1024 * 1024;
/** What init prints on ttyS0 once everything is up (guest/init). */
export const LINUX_BANNER = 'device-lab guest ready';
/** The shell prompt of every guest shell (guest/init PS1), unless the manifest says otherwise. */
export const LINUX_PROMPT = '/ # ';
/** Console bytes kept for consoleText() (older ones are dropped). */
export const CONSOLE_KEEP = 1 << 20;

/** The lab's part of a Linux-guest snapshot (v86's own state travels beside it, as bytes). */
export interface LinuxLabSnapshot {
  v: 1;
  kind: 'linux-guest-lab';
  /** The serial rack, taken while no serial event was pending (so it fits any lab's clock). */
  rack: SerialRackSnapshot;
}

export interface LinuxGuestSnapshot {
  v86: ArrayBuffer;
  lab: LinuxLabSnapshot;
}

export interface LinuxGuestOptions {
  lab: LinuxLab;
  /** v86.wasm (node_modules/v86/build/v86.wasm), as bytes or compiled (a WebAssembly.Module). */
  wasm: ArrayBuffer | CompiledWasm;
  /** SeaBIOS (bios.bin). */
  bios: ArrayBuffer;
  /** Cold boot: the kernel and its initramfs. */
  bzImage?: ArrayBuffer;
  initrd?: ArrayBuffer;
  /** Start from this state instead of booting (bzImage and initrd are then not needed). */
  snapshot?: LinuxGuestSnapshot;
  prompt?: string;
  banner?: string;
  cmdline?: string;
  memoryBytes?: number;
  /**
   * How host input enters the eight receivers (default 'unpaced'). v86 runs on the wall clock
   * and stalls whenever its process is not scheduled (40 ms seen on a loaded host), while the
   * lab's clock follows v86's: characters arriving at line rate pile up in the 4-byte receive
   * FIFO during a stall and overrun, which real hardware with a running CPU would not do.
   * 'unpaced' lets host bytes in as fast as the guest drains the FIFO (the model's bulk mode);
   * 'line-rate' keeps the line timing (overruns then mean the emulator stalled).
   */
  hostInput?: 'unpaced' | 'line-rate';
}

type ConsoleListener = (bytes: Uint8Array) => void;

interface Waiter {
  check(): boolean;
  resolve(): void;
}

/** Throws with the command to run when a guest file is missing. */
export function requireImage<T>(value: T | undefined, name: string): T {
  if (value === undefined)
    throw new Error(
      `Linux guest image: ${name} is missing; run npm run guest:build (it writes public/guest/)`,
    );
  return value;
}

export class LinuxGuest {
  readonly rack: LinuxLab['rack'];
  readonly prompt: string;
  readonly banner: string;
  private readonly listeners: ConsoleListener[] = [];
  private consoleChunks: string[] = [];
  private consoleLength = 0;
  private consoleDropped = 0;
  private readonly waiters = new Set<Waiter>();
  private pollHandle: ReturnType<typeof setTimeout> | null = null;
  private destroyed = false;
  private unhookSlice: () => void = () => {};

  private constructor(
    readonly lab: LinuxLab,
    private readonly emulator: V86,
    readonly bridge: Tpci200Bridge,
    readonly clock: V86Clock,
    readonly from: 'snapshot' | 'cold',
    options: LinuxGuestOptions,
  ) {
    this.rack = lab.rack;
    this.prompt = options.prompt ?? LINUX_PROMPT;
    this.banner = options.banner ?? LINUX_BANNER;
  }

  /** Creates v86, puts the lab's TPCI200 on its bus, restores or boots, and starts the CPU. */
  static async start(options: LinuxGuestOptions): Promise<LinuxGuest> {
    checkV86Version();
    const snapshot = options.snapshot;
    if (snapshot) checkLabSnapshot(snapshot.lab);
    else {
      requireImage(options.bzImage, 'bzImage');
      requireImage(options.initrd, 'initramfs.cpio');
    }
    const wasm = options.wasm;
    const consoleBytes: number[] = [];
    let guest: LinuxGuest | null = null;
    const emulator = new V86({
      wasm_fn: async (imports: object) => {
        // From bytes: { module, instance }; from a compiled module: the instance itself.
        const r = (await wasmApi().instantiate(wasm, imports)) as { instance?: WasmInstance } & WasmInstance;
        return (r.instance ?? r).exports;
      },
      bios: { buffer: options.bios },
      ...(snapshot
        ? {}
        : {
            bzimage: { buffer: options.bzImage as ArrayBuffer },
            initrd: { buffer: options.initrd as ArrayBuffer },
            cmdline: options.cmdline ?? LINUX_CMDLINE,
          }),
      memory_size: options.memoryBytes ?? LINUX_MEMORY_BYTES,
      vga_memory_size: LINUX_VGA_MEMORY_BYTES,
      autostart: false,
      disable_keyboard: true,
      disable_mouse: true,
      disable_speaker: true,
    } as unknown as ConstructorParameters<typeof V86>[0]);
    emulator.add_listener('serial0-output-byte', (byte: number) => {
      if (guest) guest.consoleByte(byte);
      else consoleBytes.push(byte);
    });
    await new Promise<void>((resolve) => emulator.add_listener('emulator-loaded', () => resolve()));
    const internals = V86Internals.of(emulator);
    const clock = new V86Clock(() => internals.microtickMs(), options.lab);
    const bridge = new Tpci200Bridge(internals, options.lab.rack, clock);
    if (snapshot) {
      await emulator.restore_state(snapshot.v86);
      try {
        options.lab.rack.restore(snapshot.lab.rack);
      } catch (e) {
        await emulator.destroy();
        throw new Error(
          `Linux guest snapshot: its device-model state does not fit the current models ` +
            `(${e instanceof Error ? e.message : String(e)}); run npm run guest:build to take it again`,
        );
      }
      clock.rebase();
      bridge.resyncIrq();
    }
    // Receivers only: the transmitters stay paced at the programmed rate.
    const unpaced = (options.hostInput ?? 'unpaced') === 'unpaced';
    for (const ch of options.lab.rack.channels) ch.setUnpaced(unpaced, false);
    guest = new LinuxGuest(options.lab, emulator, bridge, clock, snapshot ? 'snapshot' : 'cold', options);
    for (const b of consoleBytes) guest.consoleByte(b);
    guest.unhookSlice = internals.afterEachSlice(() => guest?.afterSlice());
    await emulator.run();
    clock.tick();
    return guest;
  }

  // --- console (ttyS0) ----------------------------------------------------------------------------

  private pendingConsole: number[] = [];
  private consoleFlushQueued = false;

  private consoleByte(byte: number): void {
    this.pendingConsole.push(byte);
    if (this.consoleFlushQueued) return;
    this.consoleFlushQueued = true;
    queueMicrotask(() => this.flushConsole());
  }

  private flushConsole(): void {
    this.consoleFlushQueued = false;
    if (this.pendingConsole.length === 0) return;
    const bytes = Uint8Array.from(this.pendingConsole);
    this.pendingConsole = [];
    const text = String.fromCharCode(...bytes);
    this.consoleChunks.push(text);
    this.consoleLength += text.length;
    if (this.consoleLength > 2 * CONSOLE_KEEP) {
      const all = this.consoleChunks.join('');
      const keep = all.slice(all.length - CONSOLE_KEEP);
      this.consoleDropped += all.length - keep.length;
      this.consoleChunks = [keep];
      this.consoleLength = keep.length;
    }
    for (const l of this.listeners) l(bytes);
    this.checkWaiters();
  }

  /** Calls listener with every chunk of console output from now on; returns the unsubscribe. */
  onConsole(listener: ConsoleListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Console output so far (the last CONSOLE_KEEP bytes at least), one char per byte. */
  consoleText(): string {
    this.flushConsole();
    if (this.consoleChunks.length > 1) this.consoleChunks = [this.consoleChunks.join('')];
    return this.consoleChunks[0] ?? '';
  }

  /** Position in the whole console stream where consoleText() begins. */
  get consoleOffset(): number {
    return this.consoleDropped;
  }

  /** Bytes typed at the console (ttyS0). */
  consoleWrite(text: string): void {
    if (this.destroyed) throw new Error('Linux guest: destroyed');
    this.emulator.serial0_send(text);
  }

  // --- waiting ------------------------------------------------------------------------------------

  private checkWaiters(): void {
    for (const w of [...this.waiters])
      if (w.check()) {
        this.waiters.delete(w);
        w.resolve();
      }
    if (this.waiters.size === 0 && this.pollHandle !== null) {
      clearTimeout(this.pollHandle);
      this.pollHandle = null;
    }
  }

  private poll(): void {
    this.pollHandle = null;
    this.checkWaiters();
    if (this.waiters.size > 0) this.pollHandle = setTimeout(() => this.poll(), 5);
  }

  /** Resolves when check() holds (checked on console output and every 5 ms), or rejects at timeoutMs. */
  waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`Linux guest: ${what} not seen within ${timeoutMs} ms`));
      }, timeoutMs);
      const w: Waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.add(w);
      if (this.pollHandle === null) this.pollHandle = setTimeout(() => this.poll(), 5);
    });
  }

  /** Waits until the console shows text (after stream position `from`); returns the position after it. */
  async waitForConsole(text: string, timeoutMs: number, from = 0): Promise<number> {
    let at = -1;
    await this.waitUntil(
      () => {
        const out = this.consoleText();
        at = out.indexOf(text, Math.max(0, from - this.consoleDropped));
        return at >= 0;
      },
      timeoutMs,
      `console text ${JSON.stringify(text)}`,
    );
    return this.consoleDropped + at + text.length;
  }

  /** Waits for init's banner and the console shell's prompt after it. */
  async waitForPrompt(timeoutMs: number): Promise<void> {
    if (this.from === 'snapshot') {
      // The snapshot was taken at the prompt: ask the shell to print another one.
      const from = this.consoleDropped + this.consoleText().length;
      this.consoleWrite('\n');
      await this.waitForConsole(this.prompt, timeoutMs, from);
      return;
    }
    const after = await this.waitForConsole(this.banner, timeoutMs);
    await this.waitForConsole(this.prompt, timeoutMs, after);
  }

  /**
   * Types a command at the console shell and returns what it printed (between the echoed
   * command line and the next prompt).
   */
  async runCommand(command: string, timeoutMs = 10_000): Promise<string> {
    const from = this.consoleDropped + this.consoleText().length;
    this.consoleWrite(`${command}\n`);
    const end = await this.waitForConsole(this.prompt, timeoutMs, from);
    const text = this.consoleText().slice(from - this.consoleDropped, end - this.consoleDropped);
    const body = text.slice(0, text.length - this.prompt.length);
    const nl = body.indexOf('\n');
    return (nl >= 0 ? body.slice(nl + 1) : '').replace(/\r/g, '');
  }

  /** Waits until the host end of a port has received text (at or after character `from`). */
  async waitForPort(port: number, text: string, timeoutMs: number, from = 0): Promise<number> {
    let at = -1;
    await this.waitUntil(
      () => {
        at = this.rack.hostOutput(port).indexOf(text, from);
        return at >= 0;
      },
      timeoutMs,
      `port ${port} text ${JSON.stringify(text)}`,
    );
    return at + text.length;
  }

  // --- time -----------------------------------------------------------------------------------

  private afterSlice(): void {
    this.clock.tick();
  }

  /** The lab's virtual time (following v86's clock), in ns. */
  nowNs(): number {
    this.clock.sync();
    return this.lab.nowNs();
  }

  /** Resolves after ms of wall time while the guest runs (the event loop keeps turning). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  // --- lifecycle ----------------------------------------------------------------------------

  /** Stops the CPU; the lab's clock stops with it. */
  async pause(): Promise<void> {
    this.clock.sync();
    this.clock.stop();
    await this.emulator.stop();
  }

  async resume(): Promise<void> {
    if (this.destroyed) throw new Error('Linux guest: destroyed');
    this.clock.resume();
    await this.emulator.run();
  }

  /**
   * v86's state plus the rack's. Waits (up to 2 s) for a moment when no lab event is pending,
   * so the lab part does not depend on the clock it was taken on.
   */
  async saveSnapshot(): Promise<LinuxGuestSnapshot> {
    await this.waitUntil(
      () => {
        this.clock.sync();
        return !Number.isFinite(this.lab.nextEventNs()) && !this.bridge.irq.level;
      },
      2_000,
      'a quiet moment (no lab event pending) for the snapshot',
    );
    await this.pause();
    try {
      const v86 = await this.emulator.save_state();
      return { v86, lab: { v: 1, kind: 'linux-guest-lab', rack: this.rack.snapshot() } };
    } finally {
      await this.resume();
    }
  }

  /** Stops v86 and frees it; the lab (rack) stays usable but nobody drives it any more. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.clock.stop();
    this.unhookSlice();
    this.bridge.destroy();
    if (this.pollHandle !== null) clearTimeout(this.pollHandle);
    this.waiters.clear();
    await this.emulator.destroy();
  }
}

function checkLabSnapshot(s: LinuxLabSnapshot): void {
  if (s?.v !== 1 || s.kind !== 'linux-guest-lab' || typeof s.rack !== 'object' || s.rack === null)
    throw new Error('Linux guest snapshot: the lab part is not a linux-guest-lab v1 snapshot');
}
