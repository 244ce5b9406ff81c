// The Linux guest's slice of the UI store (store.ts holds it as `linux`): whether the image is
// built, which guest drives the rack, and the start-up progress. Console bytes never pass through
// the store (console-hub.ts writes them to the console terminal).
import type {
  GuestKind,
  LinuxImageInfo,
  LinuxPhase,
  LinuxProgress,
  LinuxStart,
} from '../../worker/linux-protocol';

export interface LinuxState {
  /** Unknown until the worker answered the probe. */
  image?: LinuxImageInfo;
  guest: GuestKind;
  phase: LinuxPhase;
  from?: LinuxStart;
  loaded: number;
  total: number;
  message?: string;
  startMs?: number;
}

export function emptyLinux(): LinuxState {
  return { guest: 'ts', phase: 'idle', loaded: 0, total: 0 };
}

/** The state after a progress item. */
export function applyProgress(s: LinuxState, p: LinuxProgress): LinuxState {
  return {
    ...s,
    guest: p.guest,
    phase: p.phase,
    from: p.from ?? s.from,
    loaded: p.phase === 'downloading' ? (p.loaded ?? 0) : s.loaded,
    total: p.phase === 'downloading' ? (p.total ?? 0) : s.total,
    message: p.message,
    startMs: p.startMs,
  };
}

/** A switch is under way (the selector waits for it). */
export function isBusy(s: LinuxState): boolean {
  return s.phase === 'downloading' || s.phase === 'restoring' || s.phase === 'booting';
}

const MB = 1024 * 1024;

/** What the progress bar says. */
export function progressText(s: LinuxState): string {
  switch (s.phase) {
    case 'downloading':
      return s.total > 0
        ? `downloading the guest image: ${(s.loaded / MB).toFixed(1)} of ${(s.total / MB).toFixed(1)} MB`
        : `downloading the guest image: ${(s.loaded / MB).toFixed(1)} MB`;
    case 'restoring':
      return 'restoring the snapshot taken at the shell prompt…';
    case 'booting':
      return 'booting Linux (the kernel log is on the console below)…';
    case 'ready':
      return `Linux is up${s.startMs !== undefined ? ` (${(s.startMs / 1000).toFixed(1)} s)` : ''}: shell on port 0 and on the console`;
    case 'failed':
      return `Linux did not start: ${s.message ?? 'unknown error'}`;
    default:
      return '';
  }
}
