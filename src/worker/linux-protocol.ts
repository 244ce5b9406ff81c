// Protocol messages of the Linux guest (issue 5, "In the browser"): choosing the guest that
// drives the IP-Octal ports, the start-up progress, and the ttyS0 console. protocol.ts joins them
// into ToWorker / WorkerItem.
//
// In Linux mode the machine's clock follows v86's (real-time, not bit-deterministic): the tick's
// `clock` says so, speed and step commands are ignored, and pause/resume stop and start v86.
// Rates (DESIGN rule 4): console bytes at most ~60 items a second (one Uint8Array, transferred),
// progress at most ~10 a second while downloading.

/** The guest driving the serial rack. */
export type GuestKind = 'ts' | 'linux';
/** Start Linux from the snapshot taken at the prompt, or boot the kernel (the console shows its log). */
export type LinuxStart = 'snapshot' | 'cold';

/** UI → worker. */
export type LinuxToWorker =
  /** Is the guest image built? Answered with a `linuxImage` item. */
  | { kind: 'linuxProbe' }
  /** Switches the guest: 'linux' (from the snapshot or cold) or back to the TypeScript guest. */
  | { kind: 'selectGuest'; guest: GuestKind; from?: LinuxStart }
  /** Keystrokes typed at the ttyS0 console terminal. */
  | { kind: 'consoleInput'; data: string };

/** What the built image offers (manifest.json), or why it cannot be used. */
export type LinuxImageInfo =
  | { available: true; kernelRelease: string; snapshot: boolean; bytes: { snapshot: number; cold: number } }
  | { available: false; message: string };

export type LinuxPhase = 'idle' | 'downloading' | 'restoring' | 'booting' | 'ready' | 'failed';

export interface LinuxProgress {
  kind: 'linuxProgress';
  /** The guest driving the rack now. */
  guest: GuestKind;
  phase: LinuxPhase;
  from?: LinuxStart;
  /** Downloading: bytes so far and in all (total 0 when unknown). */
  loaded?: number;
  total?: number;
  /** Failed: why (the TypeScript guest is back). Ready: how long the start took. */
  message?: string;
  /** Ready: wall ms from the selection to the console prompt. */
  startMs?: number;
}

export type LinuxItem =
  | { kind: 'linuxImage'; image: LinuxImageInfo }
  | LinuxProgress
  /** ttyS0 output since the previous item. */
  | { kind: 'linuxConsole'; bytes: Uint8Array };

export const LINUX_ITEM_KINDS: readonly LinuxItem['kind'][] = ['linuxImage', 'linuxProgress', 'linuxConsole'];

export function isLinuxItem(item: { kind: string }): item is LinuxItem {
  return (LINUX_ITEM_KINDS as readonly string[]).includes(item.kind);
}

/** What to run when the image is missing (the selector and the e2e tests say it). */
export const GUEST_BUILD_HINT =
  'The Linux guest image is not built: run `npm run guest:build` (it writes public/guest/), then reload.';
