# Shared by scripts/guest-build.sh and scripts/guest/*.sh (sourced, not run).
# Paths are relative to the repository root; every script cds there first.

GUEST_SRC_TARBALL=/usr/src/linux-source-6.1.tar.xz
GUEST_WORK=.cache/guest-build
GUEST_OUT=public/guest
GUEST_FRAGMENT=guest/kernel-config.fragment
GUEST_CMDLINE='console=ttyS0 tsc=reliable mitigations=off random.trust_cpu=on'

say() { printf 'guest-build: %s\n' "$*"; }
die() {
  printf 'guest-build: ERROR: %s\n' "$*" >&2
  exit 1
}

# Version of an installed Debian package (empty if not installed).
pkg_version() {
  dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null |
    awk '$1 == "install" && $3 == "installed" { print $4 }'
}
