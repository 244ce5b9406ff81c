#!/usr/bin/env bash
# Build bzImage from Debian's linux-source-6.1: tinyconfig + guest/kernel-config.fragment.
# The extracted tree stays in .cache/guest-build/ so a rebuild is incremental; it is extracted
# again only when the installed linux-source-6.1 version changes.
# Output: .cache/guest-build/bzImage, .cache/guest-build/kernel.config
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/guest/lib.sh

version=$(pkg_version linux-source-6.1)
[ -n "$version" ] || die "linux-source-6.1 is not installed"
[ -f "$GUEST_SRC_TARBALL" ] || die "$GUEST_SRC_TARBALL is missing"

tree=$GUEST_WORK/linux-source-6.1
stamp=$GUEST_WORK/linux-source.version
if [ ! -f "$tree/Makefile" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$version" ]; then
  say "extracting linux-source-6.1 $version"
  rm -rf "$tree" "$stamp"
  mkdir -p "$GUEST_WORK"
  tar -xJf "$GUEST_SRC_TARBALL" -C "$GUEST_WORK"
  echo "$version" >"$stamp"
fi

fragment=$(realpath "$GUEST_FRAGMENT")
# The same source, config and version give the same `uname -v` (no build date, user or host).
export KBUILD_BUILD_TIMESTAMP="$(date -u -r "$GUEST_SRC_TARBALL" '+%Y-%m-%d %H:%M:%S UTC')"
export KBUILD_BUILD_USER=device-lab KBUILD_BUILD_HOST=guest-build KBUILD_BUILD_VERSION=1
kmake() { make -C "$tree" ARCH=i386 -s "$@"; }

say "configuring: tinyconfig + $GUEST_FRAGMENT"
# Configure into a scratch file so an unchanged result leaves .config (and the build) untouched.
[ -f "$tree/.config" ] && cp "$tree/.config" "$GUEST_WORK/config.previous"
kmake tinyconfig >/dev/null
grep -E '^(CONFIG_|# CONFIG_[A-Za-z0-9_]+ is not set$)' "$fragment" |
  while IFS= read -r line; do
    case "$line" in
      "# CONFIG_"*" is not set")
        name=${line#"# CONFIG_"}
        "$tree/scripts/config" --file "$tree/.config" --disable "${name%" is not set"}"
        ;;
      CONFIG_*=y) "$tree/scripts/config" --file "$tree/.config" --enable "${line%%=*}" ;;
      CONFIG_*=*) "$tree/scripts/config" --file "$tree/.config" --set-val "${line%%=*}" "${line#*=}" ;;
      *) die "$GUEST_FRAGMENT: cannot parse line: $line" ;;
    esac
  done
kmake olddefconfig >/dev/null

# Every line of the fragment must hold in the final .config (olddefconfig silently drops options
# whose dependencies are missing).
missing=0
while IFS= read -r line; do
  case "$line" in
    "# CONFIG_"*" is not set")
      name=${line#"# "}
      name=${name%" is not set"}
      if grep -q "^$name=" "$tree/.config"; then
        echo "  wanted '$line', got: $(grep "^$name=" "$tree/.config")" >&2
        missing=1
      fi
      ;;
    CONFIG_*=*)
      if ! grep -qxF "$line" "$tree/.config"; then
        got=$(grep -E "^${line%%=*}=|^# ${line%%=*} is not set" "$tree/.config" || echo 'absent')
        echo "  wanted '$line', got: $got" >&2
        missing=1
      fi
      ;;
  esac
done <"$fragment"
[ "$missing" = 0 ] || die "the kernel .config does not hold every option of $GUEST_FRAGMENT (above)"

if [ -f "$GUEST_WORK/config.previous" ] && cmp -s "$GUEST_WORK/config.previous" "$tree/.config"; then
  # Same configuration: keep the old file's timestamp so make sees nothing new.
  cp -p "$GUEST_WORK/config.previous" "$tree/.config"
fi
rm -f "$GUEST_WORK/config.previous"

say "building bzImage with -j$(nproc)"
start=$(date +%s)
kmake -j"$(nproc)" bzImage
say "bzImage built in $(($(date +%s) - start)) s"
cp "$tree/arch/x86/boot/bzImage" "$GUEST_WORK/bzImage"
cp "$tree/.config" "$GUEST_WORK/kernel.config"
cp "$tree/include/config/kernel.release" "$GUEST_WORK/kernel.release"
