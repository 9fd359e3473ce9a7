#!/usr/bin/env bash
# The linker of the shipped shared library (libthecal.so) on Linux and Android: the system's
# linker (cc, or the NDK's clang given in THECAL_LINKER), with UniFFI's metadata kept out of the
# library. Named for the shipped builds only (tests/lib-size.sh, the Android build in
# android/README.md) through CARGO_TARGET_<TRIPLE>_LINKER; the test builds keep the metadata.
#
# UniFFI's proc macros leave one `UNIFFI_META_*` static per exported item (~380, ~150 KB of the
# phone library with their dynamic symbols). Only the bindings generator reads them, and it reads
# them from the static library (tests/bindings.sh, ios/build-xcframework.sh): at run time nothing
# does. rustc exports them by name in the version script it hands the linker, which a second
# script cannot override (an exact name beats a wildcard), and UniFFI has no switch for them
# (uniffi-rs issue 2259). So this wrapper deletes their lines from rustc's version script before
# linking: the linker then treats them as local, and --gc-sections drops their data. Everything
# else is passed through unchanged; links without a version script (executables) are untouched.
# Decision 0006 has the figures.
set -euo pipefail

# rustc gives the script as one argument, or inside a response file (@file) when the command line
# is long.
drop_metadata() {
  local script=$1
  [ -f "$script" ] || return 0
  # The file is rustc's own temporary copy, removed after the link.
  sed -i '/UNIFFI_META_/d' "$script"
}

for arg in "$@"; do
  case $arg in
    -Wl,--version-script=*) drop_metadata "${arg#-Wl,--version-script=}" ;;
    @*)
      while IFS= read -r line; do
        case $line in
          -Wl,--version-script=*) drop_metadata "${line#-Wl,--version-script=}" ;;
        esac
      done < "${arg#@}"
      ;;
  esac
done

exec "${THECAL_LINKER:-cc}" "$@"
