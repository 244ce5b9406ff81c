#!/usr/bin/env bash
# Fetch Debian's i386 busybox-static and unpack it, with a PRIVATE apt state (lists, cache,
# status) so the system's dpkg architectures and apt lists are left alone.
# The .deb is kept in .cache/guest-build/apt-i386/; delete that directory to fetch a newer one.
# Output: .cache/guest-build/busybox (the static i386 binary), .cache/guest-build/busybox.version
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/guest/lib.sh

apt_dir=$(realpath -m "$GUEST_WORK/apt-i386")
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
touch "$apt_dir/status"
apt_opts=(
  -o APT::Architecture=i386
  -o APT::Architectures=i386
  -o Dir::State::Lists="$apt_dir/lists"
  -o Dir::State::status="$apt_dir/status"
  -o Dir::Cache="$apt_dir/cache"
  -o APT::Sandbox::User=root
  -q
)

deb=$(find "$apt_dir/debs" -name 'busybox-static_*_i386.deb' | sort | tail -n 1)
if [ -z "$deb" ]; then
  say "downloading busybox-static:i386 (private apt lists in $GUEST_WORK/apt-i386)"
  # A failed index (e.g. a mirror mid-sync) is not fatal if busybox-static is still found.
  apt-get "${apt_opts[@]}" update >/dev/null || say "apt-get update reported errors (above); trying the download anyway"
  (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download busybox-static:i386 >/dev/null)
  deb=$(find "$apt_dir/debs" -name 'busybox-static_*_i386.deb' | sort | tail -n 1)
  [ -n "$deb" ] || die "apt-get download busybox-static:i386 produced no .deb"
fi

[ "$(dpkg-deb -f "$deb" Architecture)" = i386 ] || die "$deb is not an i386 package"
rm -rf "$GUEST_WORK/busybox-root"
dpkg-deb -x "$deb" "$GUEST_WORK/busybox-root"
cp "$GUEST_WORK/busybox-root/bin/busybox" "$GUEST_WORK/busybox"
dpkg-deb -f "$deb" Version >"$GUEST_WORK/busybox.version"
say "busybox-static:i386 $(cat "$GUEST_WORK/busybox.version")"
