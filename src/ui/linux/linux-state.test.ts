import { describe, expect, it } from 'vitest';
import { applyProgress, emptyLinux, isBusy, progressText } from './linux-state';

describe('linux-state', () => {
  it('keeps the download figures once the restore starts, and reports the start time when ready', () => {
    let s = applyProgress(emptyLinux(), {
      kind: 'linuxProgress',
      guest: 'ts',
      phase: 'downloading',
      from: 'snapshot',
      loaded: 1024 * 1024,
      total: 4 * 1024 * 1024,
    });
    expect(isBusy(s)).toBe(true);
    expect(progressText(s)).toBe('downloading the guest image: 1.0 of 4.0 MB');
    s = applyProgress(s, { kind: 'linuxProgress', guest: 'linux', phase: 'restoring' });
    expect(s.from).toBe('snapshot');
    expect(s.total).toBe(4 * 1024 * 1024);
    s = applyProgress(s, { kind: 'linuxProgress', guest: 'linux', phase: 'ready', startMs: 1234 });
    expect(isBusy(s)).toBe(false);
    expect(s.guest).toBe('linux');
    expect(progressText(s)).toContain('(1.2 s)');
  });

  it('a failure names its reason and is not busy', () => {
    const s = applyProgress(emptyLinux(), {
      kind: 'linuxProgress',
      guest: 'ts',
      phase: 'failed',
      message: 'no snapshot',
    });
    expect(isBusy(s)).toBe(false);
    expect(progressText(s)).toBe('Linux did not start: no snapshot');
  });
});
