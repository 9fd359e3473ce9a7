#!/usr/bin/env bash
# Thecal's backups read by the reference age tool (Debian's `age`, which nobody here wrote), and
# the `thecal backup` commands as a person runs them (CI step `backup-cli`):
#   1. `thecal backup create` of a simulated month (pump and diary);
#   2. `age --decrypt` opens it with the passphrase typed into a pseudo-terminal (age reads a
#      passphrase only from a terminal); the plaintext is checked on its own: the first line,
#      the manifest, the database's size and SHA-256, SQLite's integrity check and every
#      table's row count (Python's sqlite3, not Thecal);
#   3. the same with a wrong passphrase: age refuses;
#   4. `thecal backup restore` into a new folder gives every row back; with a wrong passphrase
#      or a damaged file it exits non-zero with a sentence for the person, and the data stays.
# Prints `backup-cli: N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() { # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then echo "backup-cli $name: ok"; passed=$((passed + 1)); else echo "backup-cli $name: FAILED"; failed=$((failed + 1)); fi
}
command -v age >/dev/null || { echo "no age command: bash tests/toolchains.sh host"; echo "backup-cli: 0 passed, 1 failed"; exit 1; }
cargo build -q -p thecal-cli --locked || { echo "backup-cli: 0 passed, 1 failed"; exit 1; }
bin=$ROOT/target/debug/thecal
"$bin" sim history --db "$work/db" --days 30 --seed 3 --start 2026-01-01T00:00:00Z --diary >/dev/null
printf 'correct horse battery staple\n' >"$work/pass"
printf 'not the passphrase\n' >"$work/wrong"
"$bin" backup create --db "$work/db" --out "$work/b.age" --passphrase-file "$work/pass" ||
  { echo "backup-cli: 0 passed, 1 failed"; exit 1; }

# age through a pseudo-terminal: answers its passphrase prompt(s), returns age's exit code.
age_decrypt() { # age_decrypt PASSFILE OUT
  python3 - "$1" "$work/b.age" "$2" <<'PY'
import os, pty, sys, time
passphrase = open(sys.argv[1]).readline().rstrip("\n")
pid, fd = pty.fork()
if pid == 0:
    os.execvp("age", ["age", "--decrypt", "-o", sys.argv[3], sys.argv[2]])
seen = b""
answered = False
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    if not answered and b"passphrase" in seen.lower():
        os.write(fd, passphrase.encode() + b"\r")
        answered = True
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
print(f"age: prompted={answered}, exit {code}")
sys.exit(code if answered else 99)
PY
}

plaintext_checks_out() {
  python3 - "$work/plain" "$work/db.sqlite3" <<'PY'
import hashlib, json, sqlite3, sys
raw = open(sys.argv[1], "rb").read()
first, rest = raw.split(b"\n", 1)
assert first == b"thecal-backup 1", first
line, db = rest.split(b"\n", 1)
m = json.loads(line)
assert m["format"] == 1
assert m["database_bytes"] == len(db), (m["database_bytes"], len(db))
assert m["database_sha256"] == hashlib.sha256(db).hexdigest()
open(sys.argv[2], "wb").write(db)
c = sqlite3.connect(sys.argv[2])
assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
assert c.execute("PRAGMA user_version").fetchone()[0] == m["schema_version"]
tables = [r[0] for r in c.execute("SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
counts = {t: c.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
assert counts == m["rows"], (counts, m["rows"])
print(f"plaintext: manifest, SHA-256 and {sum(counts.values())} rows in {len(counts)} tables check out")
PY
}
check age-decrypts age_decrypt "$work/pass" "$work/plain"
check plaintext-checks-out plaintext_checks_out
age_refuses() { ! age_decrypt "$work/wrong" "$work/plain2"; }
check age-refuses-wrong-passphrase age_refuses

restored_same() {
  "$bin" backup restore --db "$work/restored" --in "$work/b.age" --passphrase-file "$work/pass" &&
    python3 - "$work/db/thecal.sqlite3" "$work/restored/thecal.sqlite3" <<'PY'
import sqlite3, sys
def rows(p):
    c = sqlite3.connect(p)
    ts = [r[0] for r in c.execute("SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
    return {t: sorted(map(repr, c.execute(f'SELECT * FROM "{t}"'))) for t in ts}
a, b = rows(sys.argv[1]), rows(sys.argv[2])
assert a == b, [t for t in a if a[t] != b.get(t)]
print(f"restore: {sum(map(len, a.values()))} rows, the same")
PY
}
check restore-gives-every-row restored_same

refused_and_unchanged() { # refused_and_unchanged FILE PASSFILE WORDS
  local before after out
  before=$(sha256sum "$work/restored/thecal.sqlite3")
  if out=$("$bin" backup restore --db "$work/restored" --in "$1" --passphrase-file "$2" 2>&1); then
    echo "restore of $1 succeeded"; return 1
  fi
  echo "$out"
  after=$(sha256sum "$work/restored/thecal.sqlite3")
  grep -q "$3" <<<"$out" && [ "$before" = "$after" ]
}
check wrong-passphrase-exit refused_and_unchanged "$work/b.age" "$work/wrong" "passphrase does not open"
cp "$work/b.age" "$work/damaged.age"
python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[len(b)//2]^=1; open(p,'wb').write(b)" "$work/damaged.age"
check damaged-file-exit refused_and_unchanged "$work/damaged.age" "$work/pass" "damaged"

echo "backup-cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
