// What public/guest/manifest.json records and how "up to date" is decided (used by write-manifest.mjs,
// up-to-date.mjs and snapshot-done.mjs). Plain Node, no npm packages: it runs before `npm install`.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const OUT = 'public/guest';
export const WORK = '.cache/guest-build';
export const MANIFEST = `${OUT}/manifest.json`;
export const CMDLINE = 'console=ttyS0 tsc=reliable mitigations=off random.trust_cpu=on';
/** The files the image build makes; anything else listed in the manifest comes from the snapshot step. */
export const IMAGE_FILES = ['bzImage', 'initramfs.cpio', 'bios.bin', 'kernel.config'];
export const SNAPSHOT_SCRIPT = 'src/linux-guest/make-snapshot.ts';
const SNAPSHOT_SOURCES = ['src/linux-guest', 'src/emu'];
const V86_PACKAGE = 'node_modules/v86/package.json';

/** Files whose content defines the image (with the package versions). */
function inputFiles() {
  const scripts = readdirSync('scripts/guest')
    .sort()
    .map((f) => `scripts/guest/${f}`);
  return [
    'guest/kernel-config.fragment',
    'guest/init',
    'guest/initramfs.list',
    'scripts/guest-build.sh',
    ...scripts,
  ];
}

export function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

export function fileEntry(path) {
  const data = readFileSync(path);
  return { sha256: sha256(data), bytes: data.length };
}

/** Hash over the image's inputs: every input file (name and content), the package versions, the command line. */
export function inputsHash(packages) {
  const h = createHash('sha256');
  for (const f of inputFiles()) h.update(`file ${f}\n`).update(readFileSync(f)).update('\n');
  for (const name of Object.keys(packages).sort()) h.update(`package ${name} ${packages[name]}\n`);
  h.update(`cmdline ${CMDLINE}\n`);
  return h.digest('hex');
}

/**
 * Hash over what the snapshot depends on besides the image: the adapter (src/linux-guest) and the
 * device models whose state it saves (src/emu), their *.ts sources except tests, and the installed
 * v86 version. Null if there is no snapshot step.
 */
export function adapterHash() {
  if (!existsSync(SNAPSHOT_SCRIPT)) return null;
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(name) && !/\.(test|spec)\.tsx?$/.test(name)) files.push(p);
    }
  };
  for (const dir of SNAPSHOT_SOURCES) if (existsSync(dir)) walk(dir);
  if (existsSync(V86_PACKAGE)) files.push(V86_PACKAGE);
  const h = createHash('sha256');
  for (const f of files) h.update(`file ${f}\n`).update(readFileSync(f)).update('\n');
  return h.digest('hex');
}

export function readManifest() {
  if (!existsSync(MANIFEST)) return null;
  try {
    return JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return null;
  }
}

/** A fixed assignment in guest/init, e.g. PROMPT='/ # '. */
export function initSetting(name) {
  const m = new RegExp(`^${name}='([^']*)'$`, 'm').exec(readFileSync('guest/init', 'utf8'));
  if (!m) throw new Error(`guest/init has no line ${name}='...'`);
  return m[1];
}
