// Linux guest figures (automation.md §1; issue 5): time to a shell prompt from the image's
// snapshot and from a cold boot (wall seconds in Node, v86 runs in real time), and guest → host
// throughput through the real ipoctal driver. Without the image (npm run guest:build) each
// figure prints NaN and a note on stderr; the rest of the bench runs on.
import { standaloneLab } from '../src/linux-guest/lab-host';
import { LinuxGuest } from '../src/linux-guest/linux-guest';
import { type GuestImages, loadGuestImages } from '../src/linux-guest/node-images';
import type { Bench } from './bench-types';

const BOOT_MS = 120_000;

function images(): GuestImages | null {
  try {
    return loadGuestImages();
  } catch (e) {
    process.stderr.write(`linux bench: ${e instanceof Error ? e.message : String(e)}\n`);
    return null;
  }
}

function options(img: GuestImages) {
  return {
    lab: standaloneLab(),
    wasm: img.wasm,
    bios: img.bios,
    ...(typeof img.manifest.prompt === 'string' ? { prompt: img.manifest.prompt } : {}),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Seconds from LinuxGuest.start (snapshot) until the console shell answers; median of 3. */
export async function shellFromSnapshotS(runs = 3): Promise<number> {
  const img = images();
  if (!img) return Number.NaN;
  if (!img.snapshot) {
    process.stderr.write('linux bench: public/guest has no snapshot; run npm run guest:build\n');
    return Number.NaN;
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const guest = await LinuxGuest.start({ ...options(img), snapshot: img.snapshot });
    await guest.waitForPrompt(BOOT_MS);
    times.push((performance.now() - t0) / 1000);
    await guest.destroy();
  }
  return median(times);
}

/** Seconds from LinuxGuest.start (cold) until init's banner and the console prompt. */
export async function shellColdBootS(): Promise<number> {
  const img = images();
  if (!img) return Number.NaN;
  const t0 = performance.now();
  const guest = await LinuxGuest.start({ ...options(img), bzImage: img.bzImage, initrd: img.initrd });
  try {
    await guest.waitForPrompt(BOOT_MS);
    return (performance.now() - t0) / 1000;
  } finally {
    await guest.destroy();
  }
}

/**
 * KB/s (1000 bytes) of 16 KiB written by the guest to /dev/ipoctal.0.0.2 (raw) as they reach the
 * port's host end, in lab time (= v86 time), with the channel's transmitter unpaced (the model's
 * bulk mode: a character leaves as THR is written), so the figure is what the real driver (one
 * TX interrupt per byte) and the emulation sustain. At line rate Linux's IP-Octal 232 tops out
 * at 38400 baud = 3.84 KB/s.
 */
export async function guestToHostKBps(bytes = 16384): Promise<number> {
  const img = images();
  if (!img) return Number.NaN;
  const opts = options(img);
  const lab = opts.lab;
  const guest = await LinuxGuest.start({
    ...opts,
    ...(img.snapshot ? { snapshot: img.snapshot } : { bzImage: img.bzImage, initrd: img.initrd }),
  });
  try {
    await guest.waitForPrompt(BOOT_MS);
    const port = 2;
    lab.rack.channels[port].setUnpaced(true, true);
    const before = lab.rack.counters()[port].hostReceived;
    let firstNs = -1;
    guest.consoleWrite(
      `exec 3>/dev/ipoctal.0.0.${port}; dd if=/dev/zero bs=1024 count=${bytes / 1024} >&3\n`,
    );
    await guest.waitUntil(
      () => {
        const got = lab.rack.counters()[port].hostReceived - before;
        if (firstNs < 0 && got > 0) firstNs = guest.nowNs();
        return got >= bytes;
      },
      BOOT_MS,
      `${bytes} bytes at port ${port}`,
    );
    const seconds = (guest.nowNs() - firstNs) / 1e9;
    return bytes / seconds / 1000;
  } finally {
    await guest.destroy();
  }
}

export const benches: Bench[] = [
  { name: 'linux.shell_from_snapshot', unit: 's', run: () => shellFromSnapshotS() },
  { name: 'linux.shell_cold_boot', unit: 's', run: () => shellColdBootS() },
  { name: 'linux.guest_to_host', unit: 'KB/s', run: () => guestToHostKBps() },
];
