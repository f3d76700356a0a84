#!/usr/bin/env bash
# make test: the pure tier and linters always; the Odoo tier when an `odoo` 19.0 command and
# PostgreSQL are available. Ends with one line per tier and a "total: N passed, N failed" line.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD="$ROOT/.build"
mkdir -p "$BUILD"
# The pure tier, the linters and the crash test's emulator run on .build/venv (requirements.txt and
# requirements-test.txt), set up here the first time; $PYTHON, when given, is checked and used instead.
# Without them, one line says what is missing: nothing below could run.
PYTHON=$(bash scripts/python.sh test) || exit 1
declare -A RESULT
PASSED=0
FAILED=0
STATUS=0

note() { printf '\n=== %s\n' "$*"; }
count() { # count "<passed>" "<failed>"
    PASSED=$((PASSED + ${1:-0}))
    FAILED=$((FAILED + ${2:-0}))
}

# ------------------------------------------------------------------ pure tier
note "pure tier: AR24 client, emulator, PDF and rules (pytest)"
"$PYTHON" -m pytest -p no:cacheprovider 2>&1 | tee "$BUILD/pure.log"
rc=${PIPESTATUS[0]}
p=$(grep -Eo '[0-9]+ passed' "$BUILD/pure.log" | tail -1 | grep -Eo '[0-9]+'); p=${p:-0}
f=$(grep -Eo '[0-9]+ (failed|error)' "$BUILD/pure.log" | awk '{s+=$1} END {print s+0}')
count "$p" "$f"
if [ "$rc" -eq 0 ] && [ "$p" -gt 0 ]; then RESULT[pure]="passed ($p tests)"; else RESULT[pure]="FAILED (rc $rc, $p passed, $f failed)"; STATUS=1; fi

# ------------------------------------------------------------------ linters
note "linters: ruff, pylint-odoo"
lint_rc=0
if "$PYTHON" -m ruff --version >/dev/null 2>&1; then
    "$PYTHON" -m ruff check . && "$PYTHON" -m ruff format --check . || lint_rc=1
    linted="ruff"
else
    echo "ruff is not installed (pip install ruff)"; lint_rc=1; linted="ruff missing"
fi
PYLINT_PY=""
for candidate in "$PYTHON" "${ODOO_PYTHON:-}"; do
    if [ -n "$candidate" ] && "$candidate" -c "import pylint_odoo" >/dev/null 2>&1; then PYLINT_PY=$candidate; break; fi
done
if [ -n "$PYLINT_PY" ]; then
    # pylint-odoo needs the addon under its technical name
    mkdir -p "$BUILD/lint" && ln -sfn "$ROOT" "$BUILD/lint/ar24_lre"
    (cd "$BUILD/lint" && "$PYLINT_PY" -m pylint --rcfile="$ROOT/.pylintrc" ar24_lre) || lint_rc=1
    linted="$linted, pylint-odoo"
else
    linted="$linted (pylint-odoo not installed: skipped)"
fi
if [ "$lint_rc" -eq 0 ]; then RESULT[lint]="passed ($linted)"; count 1 0; else RESULT[lint]="FAILED ($linted)"; count 0 1; STATUS=1; fi

# ------------------------------------------------------------------ Odoo tier
find_odoo_python() {
    # the interpreter behind the `odoo` command (a venv script's shebang, or a wrapper's exec line)
    local bin candidate
    for candidate in "${ODOO_PYTHON:-}" \
        "$(head -1 "$(command -v odoo)" 2>/dev/null | sed -n 's/^#! *\([^ ]*python[^ ]*\).*/\1/p')" \
        "$(grep -Eo '/[^ "]*python[0-9.]*' "$(command -v odoo)" 2>/dev/null | head -1)"; do
        if [ -n "$candidate" ] && "$candidate" -c "import odoo, pytest_odoo" >/dev/null 2>&1; then
            echo "$candidate"; return
        fi
    done
}

odoo_tier() {
    export AR24_REQUIRE_BROWSER=1  # the browser tour (tests/test_tour.py) fails instead of skipping without Chromium
    if ! command -v odoo >/dev/null 2>&1; then
        RESULT[odoo]="SKIPPED: no 'odoo' command on PATH — models, views and security were NOT tested (see README, Odoo 19.0)"
        return 0
    fi
    local version
    version=$(odoo --version 2>/dev/null | tail -n 1)
    case "$version" in *19.0*) ;; *) RESULT[odoo]="SKIPPED: 'odoo --version' says '$version', not 19.0"; return 0 ;; esac
    if ! (pg_isready -q 2>/dev/null || pg_isready -h 127.0.0.1 -q 2>/dev/null); then
        RESULT[odoo]="SKIPPED: PostgreSQL does not answer — the module was NOT tested in Odoo"
        return 0
    fi
    local db="ar24_lre_test_$$" unit_failed=""
    local addons="$BUILD/addons"
    local conf="$BUILD/odoo-test.conf"
    mkdir -p "$addons" && ln -sfn "$ROOT" "$addons/ar24_lre"
    printf '[options]\naddons_path = %s\ndata_dir = %s\nhttp_interface = 127.0.0.1\nhttp_port = %s\n' \
        "$addons" "$BUILD/odoo-data" "${ODOO_TEST_PORT:-8169}" > "$conf"
    local common=(-c "$conf" -d "$db" --stop-after-init --log-level=info)
    dropdb --if-exists "$db" >/dev/null 2>&1

    note "odoo tier 1/4: install ar24_lre on a fresh database ($db)"
    odoo "${common[@]}" -i ar24_lre --without-demo > "$BUILD/odoo-install.log" 2>&1
    local rc=$?
    # Any WARNING/ERROR/CRITICAL log line of the install fails the tier.
    local bad
    bad=$(grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$BUILD/odoo-install.log" | grep -v "Running as user 'root'")
    if [ "$rc" -ne 0 ] || [ -n "$bad" ]; then
        echo "$bad" | head -20; tail -40 "$BUILD/odoo-install.log"
        RESULT[odoo]="FAILED: install (rc $rc, log $BUILD/odoo-install.log)"; count 0 1; STATUS=1
        dropdb --if-exists "$db" >/dev/null 2>&1; return 0
    fi

    note "odoo tier 2/4: upgrade (-u) and run the module's tests (--test-tags /ar24_lre)"
    odoo "${common[@]}" -u ar24_lre --test-tags /ar24_lre > "$BUILD/odoo-tests.log" 2>&1
    rc=$?
    grep -E ' (ERROR|CRITICAL) |FAIL:|odoo.tests.(result|stats)' "$BUILD/odoo-tests.log" | tail -40
    local summary tests failed errors
    summary=$(grep -Eo '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$BUILD/odoo-tests.log" | tail -1)
    tests=$(echo "$summary" | grep -Eo 'of [0-9]+ tests' | grep -Eo '[0-9]+'); tests=${tests:-0}
    failed=$(echo "$summary" | grep -Eo '^[0-9]+'); failed=${failed:-0}
    errors=$(echo "$summary" | grep -Eo '[0-9]+ error' | grep -Eo '[0-9]+'); errors=${errors:-0}
    bad=$(grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$BUILD/odoo-tests.log" | grep -v "odoo.tests.result")
    if [ "$rc" -ne 0 ] || [ "$tests" -eq 0 ] || [ $((failed + errors)) -gt 0 ] || [ -n "$bad" ]; then
        RESULT[odoo]="FAILED: tests (rc $rc, $tests run, $failed failed, $errors errors; log $BUILD/odoo-tests.log)"
        count $((tests - failed - errors)) $((failed + errors > 0 ? failed + errors : 1)); STATUS=1
        # the crash and two-server tests below prove other things (a real server killed, several servers
        # at once): they still run on the installed module, and the tier stays failed
        unit_failed=1
    else
        count "$tests" 0
    fi

    note "odoo tier 2b: the same tests through pytest-odoo"
    local pyodoo ptlog="$BUILD/pytest-odoo.log" pt="skipped: no python with odoo and pytest_odoo (set ODOO_PYTHON)"
    pyodoo=$(find_odoo_python)
    [ -n "$unit_failed" ] && pt="skipped: the same tests failed above"
    if [ -n "$pyodoo" ] && [ -z "$unit_failed" ]; then
        # pytest-odoo names test modules after the real folder of the addon: give it one named ar24_lre,
        # outside this checkout (a parent package folder would lend its own name to the tests)
        local ptdir
        ptdir=$(mktemp -d "${TMPDIR:-/tmp}/ar24_lre-pytest-odoo.XXXXXX") && mkdir -p "$ptdir/ar24_lre"
        tar -C "$ROOT" --exclude=./.build --exclude=./.git -cf - . | tar -C "$ptdir/ar24_lre" -xf -
        sed "s#^addons_path = .*#addons_path = $ptdir#" "$conf" > "$ptdir/odoo.conf"
        (cd "$ptdir/ar24_lre" && "$pyodoo" -m pytest -p no:cacheprovider -o addopts="" -o testpaths=tests \
            --odoo-config "$ptdir/odoo.conf" --odoo-database "$db" --odoo-http tests) > "$ptlog" 2>&1
        rc=$?
        rm -rf "$ptdir"
        tail -3 "$ptlog"
        local ptp ptf
        ptp=$(grep -Eo '[0-9]+ passed' "$ptlog" | tail -1 | grep -Eo '[0-9]+'); ptp=${ptp:-0}
        ptf=$(grep -Eo '[0-9]+ (failed|error)' "$ptlog" | awk '{s+=$1} END {print s+0}')
        if [ "$rc" -ne 0 ] || [ "$ptp" -eq 0 ]; then
            RESULT[odoo]="FAILED: pytest-odoo (rc $rc, $ptp passed, $ptf failed; log $ptlog)"; count 0 1; STATUS=1
            dropdb --if-exists "$db" >/dev/null 2>&1; return 0
        fi
        pt="$ptp passed"
    fi
    echo "pytest-odoo: $pt"

    # server_script <script> <label>: one of the scripts that run real Odoo servers on this database; its
    # last lines are in $out; passed when they say "<label>: passed" (counted either way)
    local out
    server_script() {
        out=$("$PYTHON" "scripts/$1" "$conf" "$db" 2>&1 | tail -5)
        echo "$out"
        case "$out" in
            *"$2: passed"*) count 1 0; return 0 ;;
            *) count 0 1; STATUS=1; dropdb --if-exists "$db" >/dev/null 2>&1; return 1 ;;
        esac
    }

    note "odoo tier 3/4: crash test (kill -9 of a real Odoo server mid-batch, restart, exactly once at AR24)"
    server_script crash_test.py "crash test" || { RESULT[odoo]="FAILED: crash test ($out)"; return 0; }

    note "odoo tier 3b: two servers, one queue (two Odoo servers send and sync the same letters, a third killed with -9)"
    if server_script two_servers_test.py "two servers"; then
        RESULT[two]="passed${out#*two servers: passed}"
    else
        RESULT[two]="FAILED${out#*two servers: FAILED}"; RESULT[odoo]="FAILED: two servers ($out)"; return 0
    fi

    if [ -n "$unit_failed" ]; then
        dropdb --if-exists "$db" >/dev/null 2>&1; return 0
    fi

    note "odoo tier 4/4: uninstall ar24_lre"
    odoo module uninstall -c "$conf" -d "$db" ar24_lre > "$BUILD/odoo-uninstall.log" 2>&1
    rc=$?
    bad=$(grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$BUILD/odoo-uninstall.log")
    if [ "$rc" -ne 0 ] || [ -n "$bad" ]; then
        echo "$bad" | head; RESULT[odoo]="FAILED: uninstall (log $BUILD/odoo-uninstall.log)"; count 0 1; STATUS=1
    else
        RESULT[odoo]="passed (install without warnings, $tests tests, pytest-odoo $pt, crash test, two servers, upgrade and uninstall, $version)"
        count 1 0
    fi
    [ -n "${KEEP_DB:-}" ] || dropdb --if-exists "$db" >/dev/null 2>&1
    rm -rf "$BUILD/odoo-data/filestore/$db"
}
odoo_tier

note "summary"
echo "python:     $PYTHON"
echo "pure tier:  ${RESULT[pure]}"
echo "linters:    ${RESULT[lint]}"
echo "odoo tier:  ${RESULT[odoo]}"
echo "two servers: ${RESULT[two]:-not run (the Odoo tier did not get that far)}"
case "${RESULT[odoo]}" in SKIPPED*) printf '\n!!!!!! WARNING: the Odoo tier did not run: %s !!!!!!\n' "${RESULT[odoo]}" ;; esac
echo "total: $PASSED passed, $FAILED failed"
exit $STATUS
