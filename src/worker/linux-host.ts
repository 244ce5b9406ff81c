// The worker side of the Linux guest (issue 5, "In the browser"): switches the guest that
// drives the IP-Octal ports between the TypeScript guest (deterministic, paced by LabHost) and a
// real Linux 6.1 in v86 (real-time), streams the ttyS0 console and the start-up progress.
//
// Selecting Linux: fetch the image (progress), build a Machine of the same lab whose serial rack
// is driven by an external guest (src/linux-guest/lab-host.ts), carry the running lab's disks,
// TDC and clock into it, hand it to LabHost with v86 as its clock, and start v86 from the
// snapshot or cold. The rack views (serial streams, trace,
// topology, injection) attach to that machine as to any other: they live in the device models.
// Selecting the TypeScript guest (or loading a lab / restoring a snapshot) stops v86 and rebuilds
// the lab from its description and seed, paced and deterministic again. v86 runs in this worker, on the same thread as the models.
import type { Machine } from '../emu/machine';
import { transplantAllButSerial } from '../emu/machine-transplant';
import type { LinuxGuest } from '../linux-guest/linux-guest';
import type { ExternalClock, LabHost } from './lab-host';
import type { LinuxImageInfo, LinuxItem, LinuxProgress, LinuxStart } from './linux-protocol';
import { GUEST_BUILD_HINT } from './linux-protocol';
import type { ToWorker } from './protocol';

export const CONSOLE_EVERY_MS = 1000 / 60;
const PROGRESS_EVERY_MS = 100;
/** The console prompt must show within this (wall ms) after a restore, and after a cold boot. */
const PROMPT_TIMEOUT_MS = { snapshot: 20_000, cold: 120_000 } as const;
/** Console bytes kept between two items (older ones are dropped). */
const CONSOLE_BUFFER_MAX = 1 << 20;

export interface LinuxHostOptions {
  host: LabHost;
  emit(item: LinuxItem, transfer?: ArrayBuffer[]): void;
  /** The machine the TypeScript guest runs now (its lab and seed are what Linux mode rebuilds). */
  current(): Machine | undefined;
  /** Attaches the rack and TDC views to a machine built here. */
  attachViews(machine: Machine): void;
  /** Where public/guest/ is served (ends with '/'). */
  guestBase: string;
  /** URL of v86.wasm. */
  wasmUrl: string;
  wallMs(): number;
}

/**
 * The whole lab has an event due every few microseconds (the disks' workloads), so v86's clock
 * would poll it without pause (lab-clock.ts polls events due within 1.5 ms) and starve v86 and
 * this worker's messages. The lab's clock is still advanced at every v86 slice and device
 * access; between those it is woken at most every WAKE_FLOOR_NS (a serial character at 115200
 * baud may then reach the guest up to that much later while Linux idles).
 */
export const WAKE_FLOOR_NS = 2_000_000;

export function coarseWake<L extends { nowNs(): number; nextEventNs(): number }>(lab: L): L {
  return {
    ...lab,
    nextEventNs: () => {
      const next = lab.nextEventNs();
      return Number.isFinite(next) ? Math.max(next, lab.nowNs() + WAKE_FLOOR_NS) : next;
    },
  };
}

export class LinuxHost {
  private guest: LinuxGuest | null = null;
  /** A switch is under way: further selections wait for it. */
  private busy: Promise<void> | null = null;
  /** The TypeScript guest's lab, rebuilt when Linux mode ends. */
  private tsLab: { lab: Record<string, unknown>; seed: number } | null = null;
  private console: number[] = [];
  private lastConsoleMs = Number.NEGATIVE_INFINITY;
  private lastProgressMs = Number.NEGATIVE_INFINITY;
  private detachConsole: () => void = () => {};
  /** Rejects the start under way (its waits for files and for the prompt), if any. */
  private cancelStart: (() => void) | null = null;

  constructor(private readonly opts: LinuxHostOptions) {}

  get active(): boolean {
    return this.guest !== null || this.tsLab !== null;
  }

  /** Handles a Linux message, or one LabHost must not see while Linux runs; false otherwise. */
  handle(msg: ToWorker): boolean {
    switch (msg.kind) {
      case 'linuxProbe':
        void this.probe();
        return true;
      case 'selectGuest':
        // A new choice cancels a start still under way (a cold boot takes seconds).
        this.cancelStart?.();
        if (msg.guest === 'linux')
          this.queue(() => this.startLinux(msg.from === 'cold' ? 'cold' : 'snapshot'));
        else this.queue(() => this.stopLinux());
        return true;
      case 'consoleInput':
        if (this.guest && typeof msg.data === 'string') this.guest.consoleWrite(msg.data);
        return true;
      case 'loadLab':
      case 'restoreSnapshot':
        if (!this.active && !this.busy) return false;
        // The lab changes under the Linux guest: back to the TypeScript guest first.
        this.queue(async () => {
          await this.stopLinux();
          this.opts.host.handle(msg);
        });
        return true;
      case 'requestSnapshot':
        if (!this.active) return false;
        // v86's state is not part of a lab snapshot: there is none to give in Linux mode.
        this.opts.host.emit({ kind: 'snapshot', id: msg.id, snapshot: undefined });
        return true;
      default:
        return false;
    }
  }

  /** Emits the console bytes gathered since the last item (at most every CONSOLE_EVERY_MS). */
  collect(wallMs: number): void {
    if (this.console.length === 0 || wallMs - this.lastConsoleMs < CONSOLE_EVERY_MS) return;
    this.lastConsoleMs = wallMs;
    const bytes = Uint8Array.from(this.console);
    this.console = [];
    this.opts.emit({ kind: 'linuxConsole', bytes }, [bytes.buffer as ArrayBuffer]);
  }

  private queue(task: () => Promise<void>): void {
    const run = async () => {
      try {
        await task();
      } finally {
        if (this.busy === current) this.busy = null;
      }
    };
    const current: Promise<void> = (this.busy ?? Promise.resolve()).then(run, run);
    this.busy = current;
  }

  private progress(p: Omit<LinuxProgress, 'kind'>): void {
    this.opts.emit({ kind: 'linuxProgress', ...p });
  }

  private async probe(): Promise<void> {
    const {
      compileV86Wasm,
      fetchManifest,
      hasSnapshot,
      manifestBytes,
      BIOS_FILE,
      COLD_FILES,
      SNAPSHOT_FILES,
    } = await import('../linux-guest/browser-images');
    let image: LinuxImageInfo;
    try {
      const m = await fetchManifest(this.opts.guestBase);
      const sum = (names: readonly string[]) =>
        [BIOS_FILE, ...names].reduce((t, n) => t + manifestBytes(m, n), 0);
      image = {
        available: true,
        kernelRelease: m.kernelRelease ?? '6.1',
        snapshot: hasSnapshot(m),
        bytes: { snapshot: sum(SNAPSHOT_FILES), cold: sum(COLD_FILES) },
      };
      // The image is there: compile v86 and load the guest's modules now, in the background, so
      // choosing Linux waits only for the image itself (fetched when chosen). Both are memoised:
      // a start awaits the same work, and a failure here is met again, and reported, there.
      compileV86Wasm(this.opts.wasmUrl).catch(() => {});
      import('../linux-guest/linux-guest').catch(() => {});
      import('../linux-guest/lab-host').catch(() => {});
    } catch (e) {
      image = {
        available: false,
        message: `${GUEST_BUILD_HINT} (${e instanceof Error ? e.message : String(e)})`,
      };
    }
    this.opts.emit({ kind: 'linuxImage', image });
  }

  private async startLinux(from: LinuxStart): Promise<void> {
    if (this.guest) await this.stopLinux();
    const t0 = this.opts.wallMs();
    const guestNow = (): 'ts' | 'linux' => (this.tsLab ? 'linux' : 'ts');
    let cancelled = false;
    const cancel = new Promise<never>((_, reject) => {
      this.cancelStart = () => {
        cancelled = true;
        reject(new Error('cancelled'));
      };
    });
    cancel.catch(() => {});
    const unlessCancelled = <T>(p: Promise<T>): Promise<T> => Promise.race([p, cancel]);
    try {
      this.progress({ guest: 'ts', phase: 'downloading', from, loaded: 0, total: 0 });
      const images = await import('../linux-guest/browser-images');
      const base = this.opts.guestBase;
      const manifest = await images.fetchManifest(base);
      if (from === 'snapshot' && !images.hasSnapshot(manifest))
        throw new Error('the image has no snapshot (npm run guest:build makes one): use cold boot');
      const names = [images.BIOS_FILE, ...(from === 'snapshot' ? images.SNAPSHOT_FILES : images.COLD_FILES)];
      const total = names.reduce((t, n) => t + images.manifestBytes(manifest, n), 0);
      const [files, wasm, core, labHost] = await unlessCancelled(
        Promise.all([
          images.fetchFiles(base, names, total, (loaded, all) => {
            const now = this.opts.wallMs();
            if (now - this.lastProgressMs < PROGRESS_EVERY_MS && loaded < all) return;
            this.lastProgressMs = now;
            this.progress({ guest: 'ts', phase: 'downloading', from, loaded, total: all });
          }),
          images.compileV86Wasm(this.opts.wasmUrl),
          import('../linux-guest/linux-guest'),
          import('../linux-guest/lab-host'),
        ]),
      );
      const ts = this.opts.current();
      if (!ts) throw new Error('no lab is loaded');
      this.progress({ guest: 'ts', phase: from === 'snapshot' ? 'restoring' : 'booting', from });
      // The same lab, its serial rack driven by Linux; the rest of it runs on v86's clock.
      const { machine, lab: machineLab } = labHost.createLinuxMachine({ lab: ts.lab, seed: ts.seed });
      // The disks and the TDC go on where they were (and the clock from where it was).
      transplantAllButSerial(ts, machine);
      const lab = coarseWake(machineLab);
      this.tsLab = { lab: ts.lab as unknown as Record<string, unknown>, seed: ts.seed };
      this.console = [];
      this.opts.attachViews(machine);
      const clock: ExternalClock = {
        pause: () => void this.guest?.pause(),
        resume: () => void this.guest?.resume(),
      };
      this.opts.host.adopt(machine, clock);
      const guest = await core.LinuxGuest.start({
        lab,
        wasm,
        bios: files.get(images.BIOS_FILE) as ArrayBuffer,
        ...(from === 'snapshot'
          ? { snapshot: images.snapshotFrom(files) }
          : { bzImage: files.get('bzImage'), initrd: files.get('initramfs.cpio') }),
        prompt: manifest.prompt,
        banner: manifest.banner,
        cmdline: manifest.cmdline,
      });
      this.guest = guest;
      this.pushConsole(Uint8Array.from(guest.consoleText(), (c) => c.charCodeAt(0))); // one char per byte
      this.detachConsole = guest.onConsole((bytes) => this.pushConsole(bytes));
      this.progress({ guest: 'linux', phase: from === 'snapshot' ? 'restoring' : 'booting', from });
      await unlessCancelled(guest.waitForPrompt(PROMPT_TIMEOUT_MS[from]));
      // Restored at the prompt: port 0's shell shows a fresh one (as if Enter had been pressed).
      if (from === 'snapshot') guest.rack.hostWrite(0, '\n');
      this.progress({ guest: 'linux', phase: 'ready', from, startMs: Math.round(this.opts.wallMs() - t0) });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await this.stopLinux(true);
      // Cancelled by a new choice: that choice reports what happens next.
      if (!cancelled) this.progress({ guest: guestNow(), phase: 'failed', from, message });
    } finally {
      this.cancelStart = null;
    }
  }

  /** Stops v86 and rebuilds the TypeScript guest's lab (paced, deterministic). */
  private async stopLinux(quiet = false): Promise<void> {
    const guest = this.guest;
    this.guest = null;
    this.detachConsole();
    this.detachConsole = () => {};
    if (guest) {
      try {
        await guest.destroy();
      } catch {
        // v86 is gone either way; the lab is rebuilt below.
      }
    }
    const ts = this.tsLab;
    this.tsLab = null;
    // Back to the deterministic mode: the lab starts again from its description and seed, since
    // what Linux's real-time run left in it cannot be reproduced.
    if (ts) this.opts.host.handle({ kind: 'loadLab', lab: ts.lab, seed: ts.seed });
    if (!quiet) this.progress({ guest: 'ts', phase: 'idle' });
  }

  private pushConsole(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.console.push(bytes[i]);
    if (this.console.length > CONSOLE_BUFFER_MAX)
      this.console.splice(0, this.console.length - CONSOLE_BUFFER_MAX);
  }
}
