// Bookkeeping around the snapshot step (src/linux-guest/make-snapshot.ts).
//   prepare: delete the previous snapshot's files (every manifest artifact that is not an image file)
//            and forget them (and the step's `snapshot` entry), so a failed step leaves no stale
//            snapshot behind.
//   done:    record every file the step added to public/guest/ (sha256, bytes) and the adapter's
//            source hash, so the next run knows the snapshot is current.
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { adapterHash, fileEntry, IMAGE_FILES, MANIFEST, OUT, readManifest } from './manifest-lib.mjs';

const m = readManifest();
if (!m) throw new Error(`${MANIFEST} is missing`);
m.artifacts ??= {};
const own = new Set([...IMAGE_FILES, 'manifest.json', 'LICENSE-NOTE.txt']);

if (process.argv[2] === 'prepare') {
  for (const name of Object.keys(m.artifacts)) {
    if (own.has(name)) continue;
    if (existsSync(`${OUT}/${name}`)) rmSync(`${OUT}/${name}`);
    delete m.artifacts[name];
  }
  m.adapterHash = null;
  delete m.snapshot; // the snapshot step's own description of the files just deleted
} else if (process.argv[2] === 'done') {
  for (const name of readdirSync(OUT)) {
    if (!own.has(name)) m.artifacts[name] = fileEntry(`${OUT}/${name}`);
  }
  m.adapterHash = adapterHash();
} else {
  throw new Error('usage: snapshot-record.mjs prepare|done');
}
writeFileSync(MANIFEST, `${JSON.stringify(m, null, 2)}\n`);
