// `npx tsx src/linux-guest/make-snapshot.ts public/guest` (run by `npm run guest:build`): boots
// the built image once in Node with the lab's device models, waits for the shell prompts (ttyS0
// console and /dev/ipoctal.0.0.0), and saves v86's state plus the serial rack's snapshot beside
// the image, so the browser (and the tests) can start the guest from there instead of booting.
// Adds the files' sha256 to manifest.json under "snapshot". Does nothing when the snapshot is
// already there for the same image, BIOS and v86 version.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import v86Package from 'v86/package.json' with { type: 'json' };
import { standaloneLab } from './lab-host';
import { LINUX_MEMORY_BYTES, LinuxGuest } from './linux-guest';
import { coldBootOptions, loadGuestImages, SNAPSHOT_LAB_FILE, SNAPSHOT_V86_FILE } from './node-images';

const sha256 = (data: Uint8Array | ArrayBuffer) =>
  createHash('sha256')
    .update(data instanceof Uint8Array ? data : new Uint8Array(data))
    .digest('hex');

/** What the snapshot was made from: a snapshot only fits the image it was taken of. */
function inputsOf(dir: string) {
  const hash = (name: string) => sha256(readFileSync(join(dir, name)));
  return {
    bzImage: hash('bzImage'),
    'initramfs.cpio': hash('initramfs.cpio'),
    'bios.bin': hash('bios.bin'),
    v86: v86Package.version,
    memoryBytes: LINUX_MEMORY_BYTES,
  };
}

export interface SnapshotManifest {
  files: Record<string, { sha256: string; bytes: number }>;
  from: ReturnType<typeof inputsOf>;
  /** Wall-clock seconds of the cold boot to the prompt that preceded the snapshot. */
  bootSeconds: number;
}

function upToDate(
  dir: string,
  manifest: Record<string, unknown>,
  from: ReturnType<typeof inputsOf>,
): boolean {
  const snap = manifest.snapshot as SnapshotManifest | undefined;
  if (!snap || JSON.stringify(snap.from) !== JSON.stringify(from)) return false;
  return Object.entries(snap.files ?? {}).every(
    ([name, f]) => existsSync(join(dir, name)) && sha256(readFileSync(join(dir, name))) === f.sha256,
  );
}

export async function makeSnapshot(dir: string, log: (line: string) => void = console.log): Promise<boolean> {
  const manifestPath = join(dir, 'manifest.json');
  const images = loadGuestImages(dir, { snapshot: false });
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  const from = inputsOf(dir);
  if (upToDate(dir, manifest, from)) {
    log('make-snapshot: snapshot up to date');
    return false;
  }
  const lab = standaloneLab();
  const t0 = performance.now();
  const guest = await LinuxGuest.start(coldBootOptions(images, lab));
  try {
    await guest.waitForPrompt(120_000);
    await guest.waitForPort(0, guest.prompt, 30_000);
    const bootSeconds = (performance.now() - t0) / 1000;
    log(`make-snapshot: shell prompt after ${bootSeconds.toFixed(2)} s`);
    // Let the echo loops and the shells settle (every port opened, nothing queued).
    await guest.sleep(500);
    const snap = await guest.saveSnapshot();
    const v86Bytes = new Uint8Array(snap.v86);
    const labBytes = new TextEncoder().encode(JSON.stringify(snap.lab));
    writeFileSync(join(dir, SNAPSHOT_V86_FILE), v86Bytes);
    writeFileSync(join(dir, SNAPSHOT_LAB_FILE), labBytes);
    const section: SnapshotManifest = {
      files: {
        [SNAPSHOT_V86_FILE]: { sha256: sha256(v86Bytes), bytes: v86Bytes.length },
        [SNAPSHOT_LAB_FILE]: { sha256: sha256(labBytes), bytes: labBytes.length },
      },
      from,
      bootSeconds: Number(bootSeconds.toFixed(2)),
    };
    // Re-read: the build script may have written the manifest meanwhile.
    const current = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    current.snapshot = section;
    writeFileSync(manifestPath, `${JSON.stringify(current, null, 2)}\n`);
    log(
      `make-snapshot: wrote ${SNAPSHOT_V86_FILE} (${(v86Bytes.length / 1e6).toFixed(1)} MB) and ${SNAPSHOT_LAB_FILE}`,
    );
    return true;
  } finally {
    await guest.destroy();
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === new URL(import.meta.url).pathname;
if (invokedDirectly) {
  const dir = resolve(process.argv[2] ?? 'public/guest');
  makeSnapshot(dir).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`make-snapshot: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
