// Node side of the Linux guest: reads the built image (public/guest/, `npm run guest:build`) and
// v86's wasm from node_modules, and hands buffers to the core (linux-guest.ts), which never
// touches the file system. The browser worker fetches the same files instead.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { LinuxLab } from './lab-host';
import type { LinuxGuestOptions, LinuxGuestSnapshot, LinuxLabSnapshot } from './linux-guest';
import { type CompiledWasm, wasmApi } from './wasm';

/** Where `npm run guest:build` writes the image, relative to the repository root. */
export const GUEST_DIR = 'public/guest';
/** Snapshot files make-snapshot.ts adds to the image directory. */
export const SNAPSHOT_V86_FILE = 'snapshot.v86.bin';
export const SNAPSHOT_LAB_FILE = 'snapshot.lab.json';

/** What the guest needs from manifest.json (the build writes more). */
export interface GuestManifest {
  prompt?: string;
  banner?: string;
  cmdline?: string;
  [key: string]: unknown;
}

export interface GuestImages {
  dir: string;
  manifest: GuestManifest;
  wasm: CompiledWasm;
  bios: ArrayBuffer;
  bzImage: ArrayBuffer;
  initrd: ArrayBuffer;
  /** Present once make-snapshot.ts has run. */
  snapshot?: LinuxGuestSnapshot;
}

export class GuestImageMissing extends Error {}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

let wasmModule: CompiledWasm | null = null;

/** v86.wasm from the installed package, compiled once per process. */
export function v86WasmModule(): CompiledWasm {
  if (!wasmModule) {
    const require = createRequire(import.meta.url);
    const main = require.resolve('v86');
    wasmModule = new (wasmApi().Module)(readFileSync(join(dirname(main), 'v86.wasm')));
  }
  return wasmModule;
}

/**
 * The image directory: $DEVICE_LAB_GUEST_DIR if set, else the repository's public/guest (found
 * from this file's location, whatever the cwd).
 */
export function defaultGuestDir(): string {
  const env = process.env.DEVICE_LAB_GUEST_DIR;
  if (env) return resolve(env);
  return resolve(dirname(new URL(import.meta.url).pathname), '../..', GUEST_DIR);
}

/**
 * Reads the image. Throws GuestImageMissing naming the file and the command to run when the
 * image is not built.
 */
export function loadGuestImages(dir = defaultGuestDir(), options: { snapshot?: boolean } = {}): GuestImages {
  const file = (name: string): ArrayBuffer => {
    const path = join(dir, name);
    if (!existsSync(path))
      throw new GuestImageMissing(
        `Linux guest image: ${path} is missing; run npm run guest:build (it builds ${GUEST_DIR}/)`,
      );
    return toArrayBuffer(readFileSync(path));
  };
  const manifest = JSON.parse(new TextDecoder().decode(file('manifest.json'))) as GuestManifest;
  const images: GuestImages = {
    dir,
    manifest,
    wasm: v86WasmModule(),
    bios: file('bios.bin'),
    bzImage: file('bzImage'),
    initrd: file('initramfs.cpio'),
  };
  if (options.snapshot !== false && existsSync(join(dir, SNAPSHOT_V86_FILE)))
    images.snapshot = {
      v86: file(SNAPSHOT_V86_FILE),
      lab: JSON.parse(new TextDecoder().decode(file(SNAPSHOT_LAB_FILE))) as LinuxLabSnapshot,
    };
  return images;
}

/** LinuxGuest.start options for a cold boot of these images (kernel + initramfs) on a lab. */
export function coldBootOptions(images: GuestImages, lab: LinuxLab): LinuxGuestOptions {
  return {
    lab,
    wasm: images.wasm,
    bios: images.bios,
    bzImage: images.bzImage,
    initrd: images.initrd,
    ...(typeof images.manifest.prompt === 'string' ? { prompt: images.manifest.prompt } : {}),
  };
}
