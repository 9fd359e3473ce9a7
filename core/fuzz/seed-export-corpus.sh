#!/bin/sh
# Writes the committed seed corpora of backup_reader and fhir_import (seeds/backup_reader,
# seeds/fhir_import) from a small real store: a backup at a test work factor (2) with the
# target's passphrase, its plaintext, and the FHIR bundle whole and one kind of resource at a time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.." && cargo run -q -p thecal-sim --example fuzz_seeds -- "$here/seeds"
