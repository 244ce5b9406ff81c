// LinuxHost without a browser: the image probe and a failed start (fetch stubbed), and which
// messages it takes from LabHost. Starting v86 itself is covered by e2e/linux.spec.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LabHost } from './lab-host';
import { LinuxHost } from './linux-host';
import type { LinuxItem } from './linux-protocol';

const BASE = 'http://lab.test/guest/';

function rig(files: Record<string, string>) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: URL | string) => {
      const name = String(url).slice(BASE.length);
      const body = files[name];
      return body === undefined ? new Response('not found', { status: 404 }) : new Response(body);
    }),
  );
  const items: LinuxItem[] = [];
  const host = new LabHost({
    wallMs: () => 0,
    post: () => {},
    createMachine: () => ({ nowNs: 0, run: () => {}, qmp: () => ({ return: [] }) }),
  });
  const linux = new LinuxHost({
    host,
    emit: (item) => items.push(item),
    current: () => undefined,
    attachViews: () => {},
    guestBase: BASE,
    wasmUrl: 'http://lab.test/v86.wasm',
    wallMs: () => 0,
  });
  /** Waits until an item of that kind (and phase) was emitted (the host imports modules lazily). */
  const settle = (kind: LinuxItem['kind'], phase?: string) =>
    vi.waitFor(
      () =>
        expect(
          items.some((i) => i.kind === kind && (phase === undefined || ('phase' in i && i.phase === phase))),
        ).toBe(true),
      { timeout: 10_000 },
    );
  return { items, linux, settle };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('LinuxHost', () => {
  it('without manifest.json the image is unavailable, with the command that builds it', async () => {
    const { items, linux, settle } = rig({});
    expect(linux.handle({ kind: 'linuxProbe' })).toBe(true);
    await settle('linuxImage');
    const image = items.find((i) => i.kind === 'linuxImage');
    expect(image).toMatchObject({ kind: 'linuxImage', image: { available: false } });
    expect(JSON.stringify(image)).toContain('npm run guest:build');
  });

  it('a manifest with the snapshot offers both starts, with their download sizes', async () => {
    const manifest = {
      kernelRelease: '6.1.99',
      artifacts: { 'bios.bin': { bytes: 10 }, bzImage: { bytes: 100 }, 'initramfs.cpio': { bytes: 200 } },
      snapshot: { files: { 'snapshot.v86.bin': { bytes: 1000 }, 'snapshot.lab.json': { bytes: 5 } } },
    };
    const { items, linux, settle } = rig({ 'manifest.json': JSON.stringify(manifest) });
    linux.handle({ kind: 'linuxProbe' });
    await settle('linuxImage');
    expect(items.find((i) => i.kind === 'linuxImage')).toEqual({
      kind: 'linuxImage',
      image: {
        available: true,
        kernelRelease: '6.1.99',
        snapshot: true,
        bytes: { snapshot: 1015, cold: 310 },
      },
    });
  });

  it('a start whose files are missing fails with a message, and the TypeScript guest stays', async () => {
    const { items, linux, settle } = rig({ 'manifest.json': '{}' });
    linux.handle({ kind: 'selectGuest', guest: 'linux', from: 'snapshot' });
    await settle('linuxProgress', 'failed');
    const phases = items.filter((i) => i.kind === 'linuxProgress').map((i) => i.phase);
    expect(phases[0]).toBe('downloading');
    expect(phases.at(-1)).toBe('failed');
    const failed = items.at(-1);
    expect(failed).toMatchObject({ guest: 'ts', phase: 'failed' });
    expect(failed && 'message' in failed ? failed.message : '').toContain('no snapshot');
    expect(linux.active).toBe(false);
  });

  it('leaves lab commands to LabHost while the TypeScript guest runs', () => {
    const { linux } = rig({});
    expect(linux.handle({ kind: 'loadLab', lab: 'default' })).toBe(false);
    expect(linux.handle({ kind: 'requestSnapshot', id: 1 })).toBe(false);
    expect(linux.handle({ kind: 'pause' })).toBe(false);
  });
});
