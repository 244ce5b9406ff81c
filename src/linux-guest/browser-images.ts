// Browser side of the Linux guest's images: the lab's worker fetches what `npm run guest:build`
// wrote to public/guest/ (served at /guest/ by Vite, copied to dist by `vite build`) and v86's
// wasm, with byte progress, and hands buffers to the core (linux-guest.ts). The Node side reads
// the same files from disk (node-images.ts).
import type { LinuxGuestSnapshot, LinuxLabSnapshot } from './linux-guest';

/** What the worker needs of manifest.json (the build writes more). */
export interface BrowserManifest {
  kernelRelease?: string;
  prompt?: string;
  banner?: string;
  cmdline?: string;
  artifacts?: Record<string, { bytes?: number }>;
  snapshot?: { files?: Record<string, { bytes?: number }> };
}

export const SNAPSHOT_FILES = ['snapshot.v86.bin', 'snapshot.lab.json'] as const;
export const COLD_FILES = ['bzImage', 'initramfs.cpio'] as const;
export const BIOS_FILE = 'bios.bin';

export class GuestImageUnavailable extends Error {}

/** Fetches and parses manifest.json; throws GuestImageUnavailable when it is not there. */
export async function fetchManifest(base: string): Promise<BrowserManifest> {
  let r: Response;
  try {
    r = await fetch(new URL('manifest.json', base), { cache: 'no-cache' });
  } catch (e) {
    throw new GuestImageUnavailable(`manifest.json could not be fetched (${String(e)})`);
  }
  // A dev server answers a missing file with index.html: only JSON counts.
  const text = r.ok ? await r.text() : '';
  try {
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const m = JSON.parse(text) as BrowserManifest;
    if (typeof m !== 'object' || m === null) throw new Error('not an object');
    return m;
  } catch (e) {
    throw new GuestImageUnavailable(`${base}manifest.json is missing or not JSON (${String(e)})`);
  }
}

/** Size of a file as the manifest records it (0 when it does not). */
export function manifestBytes(m: BrowserManifest, name: string): number {
  return m.artifacts?.[name]?.bytes ?? m.snapshot?.files?.[name]?.bytes ?? 0;
}

export function hasSnapshot(m: BrowserManifest): boolean {
  return SNAPSHOT_FILES.every((f) => manifestBytes(m, f) > 0);
}

export type Progress = (loaded: number, total: number) => void;

/**
 * Fetches files one after the other, reporting bytes so far against the manifest's total (or
 * the Content-Length when the manifest has no size). Throws naming the missing file.
 */
export async function fetchFiles(
  base: string,
  names: readonly string[],
  totalHint: number,
  onProgress: Progress,
): Promise<Map<string, ArrayBuffer>> {
  const out = new Map<string, ArrayBuffer>();
  let loaded = 0;
  let total = totalHint;
  for (const name of names) {
    const r = await fetch(new URL(name, base));
    if (!r.ok || !r.body)
      throw new GuestImageUnavailable(
        `${base}${name}: HTTP ${r.status}; run npm run guest:build (it writes public/guest/)`,
      );
    if (totalHint === 0) total += Number(r.headers.get('content-length') ?? 0);
    const reader = r.body.getReader();
    const parts: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.length;
      loaded += value.length;
      onProgress(loaded, Math.max(total, loaded));
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    out.set(name, bytes.buffer);
  }
  return out;
}

/** The snapshot's two files as LinuxGuest.start takes them. */
export function snapshotFrom(files: Map<string, ArrayBuffer>): LinuxGuestSnapshot {
  const v86 = files.get('snapshot.v86.bin');
  const lab = files.get('snapshot.lab.json');
  if (!v86 || !lab) throw new GuestImageUnavailable('the snapshot files are missing');
  return { v86, lab: JSON.parse(new TextDecoder().decode(lab)) as LinuxLabSnapshot };
}

let compiled: Promise<WebAssembly.Module> | null = null;

/** v86.wasm, fetched and compiled once per worker. */
export function compileV86Wasm(url: string): Promise<WebAssembly.Module> {
  if (!compiled) {
    compiled = (async () => {
      const r = await fetch(url);
      if (!r.ok) throw new Error(`v86.wasm: HTTP ${r.status}`);
      return WebAssembly.compile(await r.arrayBuffer());
    })();
    compiled.catch(() => {
      compiled = null;
    });
  }
  return compiled;
}
