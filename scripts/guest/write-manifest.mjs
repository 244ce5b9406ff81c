// Write public/guest/manifest.json and LICENSE-NOTE.txt for the image artifacts just copied there.
// Reads the versions and kernel release recorded in .cache/guest-build/ by the build steps.
import { readFileSync, writeFileSync } from 'node:fs';
import {
  CMDLINE,
  fileEntry,
  IMAGE_FILES,
  initSetting,
  inputsHash,
  MANIFEST,
  OUT,
  WORK,
} from './manifest-lib.mjs';

const recorded = (name) => readFileSync(`${WORK}/${name}`, 'utf8').trim();
const packages = {
  'linux-source-6.1': recorded('linux-source.version'),
  'busybox-static:i386': recorded('busybox.version'),
  seabios: recorded('seabios.version'),
};
const kernelConfig = readFileSync('guest/kernel-config.fragment', 'utf8')
  .split('\n')
  .filter((l) => /^(CONFIG_|# CONFIG_\w+ is not set$)/.test(l));

const manifest = {
  description: 'Linux guest image for device-lab, built by `npm run guest:build` (scripts/guest-build.sh)',
  kernelRelease: recorded('kernel.release'),
  packages,
  cmdline: CMDLINE,
  prompt: initSetting('PROMPT'),
  banner: initSetting('BANNER'),
  kernelConfig,
  artifacts: Object.fromEntries(IMAGE_FILES.map((f) => [f, fileEntry(`${OUT}/${f}`)])),
  inputsHash: inputsHash(packages),
  adapterHash: null,
};
writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);

writeFileSync(
  `${OUT}/LICENSE-NOTE.txt`,
  `Licences of the files in this directory (built by \`npm run guest:build\`; not part of the repository)

bzImage: Linux ${manifest.kernelRelease}, GNU General Public License version 2 (GPL-2.0-only).
  Corresponding source: the Debian package linux-source-6.1, version ${packages['linux-source-6.1']}
  (https://packages.debian.org/source/bookworm/linux, and the archive at https://snapshot.debian.org/),
  configured with \`make ARCH=i386 tinyconfig\` plus the project's guest/kernel-config.fragment;
  the complete configuration used is kernel.config in this directory.

initramfs.cpio: BusyBox from the Debian package busybox-static (i386), version
  ${packages['busybox-static:i386']}, GNU General Public License version 2; source: the Debian source
  package busybox of that version. /init is the project's guest/init.

bios.bin: SeaBIOS from the Debian package seabios, version ${packages.seabios}, GNU Lesser General Public
  License version 3; source: the Debian source package seabios of that version.
`,
);
console.log(`guest-build: wrote ${MANIFEST}`);
