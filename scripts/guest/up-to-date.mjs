// Is public/guest/ current? Usage: node scripts/guest/up-to-date.mjs <linux-source-6.1 version> <seabios version>
// (the installed ones; busybox-static:i386 counts as the version the manifest records).
// Exit 0: image and snapshot current. Exit 3: image current, snapshot to (re)make. Exit 1: image to rebuild.
// Prints the reason for any rebuild.
import { existsSync, readFileSync } from 'node:fs';
import { adapterHash, IMAGE_FILES, inputsHash, OUT, readManifest, sha256 } from './manifest-lib.mjs';

const [linuxSource, seabios] = process.argv.slice(2);

function stale(what, code) {
  console.log(`guest-build: ${what}`);
  process.exit(code);
}

function matches(name, entry) {
  const path = `${OUT}/${name}`;
  return entry && existsSync(path) && sha256(readFileSync(path)) === entry.sha256;
}

const m = readManifest();
if (!m) stale('no manifest yet: building the image', 1);
const packages = {
  'linux-source-6.1': linuxSource,
  'busybox-static:i386': m.packages?.['busybox-static:i386'],
  seabios,
};
if (m.inputsHash !== inputsHash(packages))
  stale('inputs or package versions changed: rebuilding the image', 1);
const artifacts = m.artifacts ?? {};
for (const name of IMAGE_FILES) {
  if (!matches(name, artifacts[name])) stale(`${OUT}/${name} is missing or changed: rebuilding the image`, 1);
}
if (!existsSync(`${OUT}/LICENSE-NOTE.txt`)) stale('the licence note is missing: rebuilding the image', 1);

const adapter = adapterHash();
if (adapter !== null) {
  const extra = Object.keys(artifacts).filter((n) => !IMAGE_FILES.includes(n));
  if (m.adapterHash !== adapter || extra.length === 0) stale('snapshot missing or adapter changed', 3);
  for (const name of extra) {
    if (!matches(name, artifacts[name]))
      stale(`${OUT}/${name} is missing or changed: remaking the snapshot`, 3);
  }
}
process.exit(0);
