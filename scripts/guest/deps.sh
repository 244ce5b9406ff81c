#!/usr/bin/env bash
# Make sure the Debian packages the build needs are installed. As root: one `apt-get update` and
# `apt-get install -y` of what is missing. Otherwise: name the packages to install and exit 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/guest/lib.sh

# package: file or command that shows it is present
needs=(
  "linux-source-6.1:$GUEST_SRC_TARBALL"
  "seabios:/usr/share/seabios/bios.bin"
  "gcc:gcc"
  "libc6-dev:/usr/include/stdio.h"
  "make:make"
  "bc:bc"
  "flex:flex"
  "bison:bison"
  "m4:m4"
  "xz-utils:xz"
)
missing=()
for need in "${needs[@]}"; do
  pkg=${need%%:*}
  probe=${need#*:}
  case "$probe" in
    /*) [ -e "$probe" ] || missing+=("$pkg") ;;
    *) command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg") ;;
  esac
done
[ "${#missing[@]}" = 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "guest-build: missing Debian packages; install them with:" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
say "installing ${missing[*]}"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
