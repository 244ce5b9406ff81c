#!/usr/bin/env bash
# Pack the initramfs without root: the kernel tree's usr/gen_init_cpio (compiled here with the host
# gcc) reads guest/initramfs.list plus one symlink per busybox applet. Uncompressed: inside the
# emulator the kernel spends ~1.2 s gunzipping it, more than loading the extra megabyte costs.
# Needs: .cache/guest-build/busybox (busybox.sh) and the extracted tree (kernel.sh).
# Output: .cache/guest-build/initramfs.cpio
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/guest/lib.sh

tool=$GUEST_WORK/gen_init_cpio
src=$GUEST_WORK/linux-source-6.1/usr/gen_init_cpio.c
if [ ! -x "$tool" ] || [ "$src" -nt "$tool" ]; then
  gcc -O2 -o "$tool" "$src"
fi

list=$GUEST_WORK/initramfs.list
cp guest/initramfs.list "$list"
# Applet links: from the binary's own list when the host can run an i386 program; otherwise /init
# makes them at boot (busybox --install -s).
if applets=$("$GUEST_WORK/busybox" --list-full 2>/dev/null); then
  printf '%s\n' "$applets" | grep -E '^(bin|sbin|usr/bin|usr/sbin)/[^/]+$' | grep -vx 'bin/busybox' |
    sort | while IFS= read -r path; do
      printf 'slink /%s /bin/busybox 777 0 0\n' "$path"
    done >>"$list"
else
  say "cannot run the i386 busybox here: applet links will be made by /init at boot"
fi

# Timestamps 0: the archive depends on its contents only.
"$tool" -t 0 "$list" >"$GUEST_WORK/initramfs.cpio"
say "initramfs: $(grep -c '^slink' "$list") applet links, $(stat -c %s "$GUEST_WORK/initramfs.cpio") bytes"
