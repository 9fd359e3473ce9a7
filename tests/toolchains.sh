#!/usr/bin/env bash
# Installs every toolchain the test suite needs on a fresh Debian 12 machine, idempotently.
#
#   bash tests/toolchains.sh            # everything
#   bash tests/toolchains.sh host       # apt packages only
#   bash tests/toolchains.sh kotlin     # kotlinc from npm
#   bash tests/toolchains.sh swift      # Debian trixie chroot with swiftlang
#   bash tests/toolchains.sh relay      # PostgreSQL + the relay's Python venv (schemathesis, pyhpke)
#
# Caches live outside the repository (THECAL_CACHE, default /var/cache/thecal) so that a
# second run, even from a fresh clone, reuses them.
set -euo pipefail

CACHE=${THECAL_CACHE:-/var/cache/thecal}
KOTLIN_DIR="$CACHE/kotlin"
CHROOT="$CACHE/swift-chroot"
KOTLIN_VERSION=2.4.20
APT_PACKAGES=(
  pkg-config libdbus-1-dev dbus-daemon          # btleplug -> libdbus; private test bus
  libjna-java libjna-jni junit4 libhamcrest-java # Kotlin tests on the JVM
  debootstrap                                    # Swift chroot
  tmux                                           # interactive dashboard test
  zbar-tools poppler-utils                       # card QR / report checks
  fonts-dejavu-core                              # rendering
  postgresql python3-venv curl                   # relay: PostgreSQL tests, schemathesis/pyhpke venv
)

log() { printf '[toolchains] %s\n' "$*" >&2; }

need_sudo() { if [ "$(id -u)" -ne 0 ]; then echo sudo; fi; }

host() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then log "apt packages present"; return; fi
  log "apt-get install ${missing[*]}"
  $(need_sudo) apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $(need_sudo) apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

kotlin() {
  if [ -x "$KOTLIN_DIR/node_modules/kotlin-compiler/bin/kotlinc" ]; then log "kotlinc present"; return; fi
  log "npm install kotlin-compiler@$KOTLIN_VERSION"
  mkdir -p "$KOTLIN_DIR"
  (cd "$KOTLIN_DIR" && npm install --silent --no-audit --no-fund "kotlin-compiler@$KOTLIN_VERSION" >/dev/null)
  chmod +x "$KOTLIN_DIR"/node_modules/kotlin-compiler/bin/* || true
}

# The relay's Python tools (schemathesis, pyhpke, cryptography; pinned in
# tests/vectors/alerts/requirements.txt) in a cached venv, rebuilt when the pins change.
relay_python() {
  local venv="$CACHE/relay-venv" req
  req="$(dirname "$0")/vectors/alerts/requirements.txt"
  if [ -x "$venv/bin/schemathesis" ] && cmp -s "$req" "$venv/requirements.txt"; then log "relay venv present"; return; fi
  log "python venv for the relay in $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
  cp "$req" "$venv/requirements.txt"
}

debian_mirror() {
  awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian
}

swift() {
  # /usr/bin/swift in the chroot is an absolute symlink: test the real binary.
  if [ -x "$CHROOT/usr/libexec/swift/bin/swift" ]; then log "swift chroot present"; return; fi
  host
  # The same lock as ios/run-tests.sh: an install never collides with a test run.
  mkdir -p "$CACHE"
  exec 9>"$CACHE/swift-chroot.lock"
  flock 9
  if [ -x "$CHROOT/usr/libexec/swift/bin/swift" ]; then log "swift chroot present"; return; fi
  if [ ! -x "$CHROOT/usr/bin/apt-get" ]; then
    log "debootstrap trixie into $CHROOT"
    rm -rf "$CHROOT.partial"
    mkdir -p "$CACHE"
    $(need_sudo) debootstrap --variant=minbase trixie "$CHROOT.partial" "$(debian_mirror)" >/dev/null
    mv "$CHROOT.partial" "$CHROOT"
  fi
  log "apt-get install swiftlang (in chroot)"
  cp /etc/resolv.conf "$CHROOT/etc/resolv.conf"
  mount_chroot
  trap umount_chroot EXIT
  chroot "$CHROOT" /bin/bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq swiftlang >/dev/null && apt-get clean'
  umount_chroot
  trap - EXIT
}

# Mounts what swift needs inside the chroot, plus the work folder given as $1 (optional).
mount_chroot() {
  mountpoint -q "$CHROOT/proc" || mount -t proc proc "$CHROOT/proc"
  mountpoint -q "$CHROOT/sys" || mount -t sysfs sys "$CHROOT/sys"
  if ! mountpoint -q "$CHROOT/dev"; then mount --rbind /dev "$CHROOT/dev"; mount --make-rslave "$CHROOT/dev"; fi
  if [ -n "${1:-}" ]; then
    mkdir -p "$CHROOT/work"
    mountpoint -q "$CHROOT/work" && umount -R "$CHROOT/work"
    mount --bind "$1" "$CHROOT/work"
  fi
}

umount_chroot() {
  for m in work dev sys proc; do
    mountpoint -q "$CHROOT/$m" && umount -R "$CHROOT/$m" || true
  done
}

case "${1:-all}" in
  host) host ;;
  kotlin) kotlin ;;
  swift) swift ;;
  relay-python) relay_python ;;
  relay) host; relay_python ;;
  all) host; kotlin; swift; relay_python ;;
  mount) mount_chroot "${2:?work folder}" ;;
  umount) umount_chroot ;;
  *) echo "usage: $0 [all|host|kotlin|swift|relay|relay-python]" >&2; exit 2 ;;
esac
