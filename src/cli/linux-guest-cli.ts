// The Linux guest for the command line (`simulate --guest linux`, scenario files with
// "guest": "linux"; automation.md §3): a Machine whose serial rack is driven by a real Linux in
// v86 (src/linux-guest), started from the image's snapshot when there is one, else cold-booted.
// Its virtual time follows the emulated CPU's clock, so it runs in real time.
import type { Machine, MachineOptions } from '../emu/machine';
import { createLinuxMachine } from '../linux-guest/lab-host';
import { LinuxGuest } from '../linux-guest/linux-guest';
import { loadGuestImages } from '../linux-guest/node-images';

/** Longest wait for a cold boot to reach the shell (a loaded CI runner is slow). */
const BOOT_TIMEOUT_MS = 120_000;

export interface LinuxMachine {
  machine: Machine;
  guest: LinuxGuest;
}

/**
 * Builds the machine and starts Linux on its serial rack; resolves at the console shell's
 * prompt. Throws (with "run npm run guest:build") when the image is not built.
 */
export async function startLinuxMachine(opts: MachineOptions): Promise<LinuxMachine> {
  const images = loadGuestImages();
  const { machine, lab } = createLinuxMachine(opts);
  const guest = await LinuxGuest.start({
    lab,
    wasm: images.wasm,
    bios: images.bios,
    ...(images.snapshot ? { snapshot: images.snapshot } : { bzImage: images.bzImage, initrd: images.initrd }),
    ...(typeof images.manifest.prompt === 'string' ? { prompt: images.manifest.prompt } : {}),
  });
  try {
    await guest.waitForPrompt(BOOT_TIMEOUT_MS);
  } catch (e) {
    await guest.destroy();
    throw e;
  }
  return { machine, guest };
}

/** Lets the machine's clock (v86's) run deltaNs further; resolves once it has. */
export async function runLinuxFor(lm: LinuxMachine, deltaNs: number): Promise<void> {
  const end = lm.guest.nowNs() + deltaNs;
  while (lm.guest.nowNs() < end)
    await lm.guest.sleep(Math.min(50, Math.max(1, (end - lm.guest.nowNs()) / 1e6)));
}
