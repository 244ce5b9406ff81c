#!/usr/bin/env bash
# npm run guest:build — the Linux guest image in public/guest/, from Debian packages only.
# Steps (scripts/guest/): deps.sh (apt), kernel.sh (bzImage), busybox.sh (i386 busybox-static),
# initramfs.sh (cpio), write-manifest.mjs (manifest + licence note), then the snapshot step
# (src/linux-guest/make-snapshot.ts, if present). Unchanged inputs: nothing is done.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/guest/lib.sh

image=1
if [ -f "$GUEST_OUT/manifest.json" ]; then
  status=0
  node scripts/guest/up-to-date.mjs "$(pkg_version linux-source-6.1)" "$(pkg_version seabios)" || status=$?
  case "$status" in
    0)
      echo "guest image up to date ($GUEST_OUT/manifest.json)"
      exit 0
      ;;
    3) image=0 ;;
  esac
fi

if [ "$image" = 1 ]; then
  start=$(date +%s)
  scripts/guest/deps.sh
  scripts/guest/kernel.sh
  scripts/guest/busybox.sh
  scripts/guest/initramfs.sh
  pkg_version seabios >"$GUEST_WORK/seabios.version"

  rm -rf "$GUEST_OUT"
  mkdir -p "$GUEST_OUT"
  cp "$GUEST_WORK/bzImage" "$GUEST_WORK/initramfs.cpio" "$GUEST_OUT/"
  cp "$GUEST_WORK/kernel.config" "$GUEST_OUT/kernel.config"
  cp /usr/share/seabios/bios.bin "$GUEST_OUT/bios.bin"
  node scripts/guest/write-manifest.mjs
  say "image built in $(($(date +%s) - start)) s: $(cd "$GUEST_OUT" && ls -l bzImage initramfs.cpio bios.bin | awk '{ printf "%s %s B; ", $9, $5 }')"
fi

if [ -f src/linux-guest/make-snapshot.ts ]; then
  say "snapshot: npx tsx src/linux-guest/make-snapshot.ts $GUEST_OUT"
  node scripts/guest/snapshot-record.mjs prepare
  if ! npx --no-install tsx src/linux-guest/make-snapshot.ts "$GUEST_OUT"; then
    die "the snapshot step failed (the image in $GUEST_OUT is built; re-run to retry the snapshot)"
  fi
  node scripts/guest/snapshot-record.mjs done
fi
say "done ($GUEST_OUT/manifest.json)"
