#!/usr/bin/env bash
# The size of the shipped native library: release (fat LTO, opt-level z), stripped, x86_64, as the
# apps get it (no test tools), with every capability the apps use (the caregiver alerts' API
# included). Budget: 4 MB (4,000,000 bytes). 3,979,704 bytes on 2026-11-27 after the fourth round
# of cuts (decision 0006): UniFFI's metadata kept out of the shared library (bindings/
# cc-without-metadata.sh), SQLite without unwind tables, the migrations deflated, the foreign
# traits as callback interfaces, no JSON trees, unstable sorts, no chrono format strings. --check
# fails above the budget.
#
#   bash tests/lib-size.sh            # prints the size
#   bash tests/lib-size.sh --check    # prints it and fails above the budget (CI)
#   bash tests/lib-size.sh --crates   # what each crate costs: cargo bloat on the same library,
#                                     # unstripped, in its own target folder (minutes when cold)
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET=4000000
TARGET=${CARGO_TARGET_DIR:-target}
case "${1:-}" in
  --crates)
    command -v cargo-bloat >/dev/null || export PATH="${THECAL_CACHE:-/var/cache/thecal}/tools/bin:$PATH"
    # The same profile with the symbols kept (cargo bloat reads them); its own folder so the
    # shipped build stays cached.
    CARGO_PROFILE_RELEASE_STRIP=false cargo bloat --locked -p thecal-bindings --release --lib \
      --target-dir "$TARGET/bloat" --crates -n "${2:-25}"
    exit
    ;;
  "" | --check) ;;
  *) echo "usage: $0 [--check | --crates [N]]" >&2; exit 2 ;;
esac
# Linked as the apps get it, through bindings/cc-without-metadata.sh (UniFFI's metadata left
# out), in a target folder of its own: the linker is part of cargo's fingerprint, so building
# the other release artefacts with it would rebuild them all each time.
SHIPPED=$TARGET/shipped
CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER="$PWD/bindings/cc-without-metadata.sh" \
  cargo build -q --locked -p thecal-bindings --release --lib --target-dir "$SHIPPED"
so=$SHIPPED/release/libthecal.so
size=$(stat -c %s "$so")
printf 'libthecal.so (release, stripped, %s): %s bytes (%s MB; budget %s MB)\n' "$(uname -m)" \
  "$size" "$(python3 -c "print(f'{$size/1e6:.2f}')")" "$((BUDGET / 1000000))"
# UniFFI's metadata stays out (bindings/cc-without-metadata.sh): the bindings generator reads it
# from the static library only.
meta=$(nm -D --defined-only "$so" | grep -c ' UNIFFI_META_' || true)
if [ "$meta" -gt 0 ]; then
  echo "$meta UniFFI metadata symbols are in the shared library: was it linked through bindings/cc-without-metadata.sh?" >&2
  if [ "${1:-}" = --check ]; then exit 1; fi
fi
if [ "$size" -gt "$BUDGET" ]; then
  echo "over the 4 MB budget by $((size - BUDGET)) bytes: see what costs what with --crates" >&2
  if [ "${1:-}" = --check ]; then exit 1; fi
else
  printf '%s bytes left under the budget\n' "$((BUDGET - size))"
fi
