#!/usr/bin/env bash
# The Python of the make commands (see scripts/python_env.py, which sets it up the first time).
#   scripts/python.sh test|demo|bench            prints the interpreter's path
#   scripts/python.sh test|demo|bench ARGS...    runs it with ARGS
# A fresh machine needs only a python3 (3.10 or later) for it; the libraries go into .build/venv.
set -u
purpose=${1:?usage: scripts/python.sh test|demo|bench [python arguments]}
shift
base=${PYTHON:-python3}  # with PYTHON set, python_env.py only checks that interpreter
if ! command -v "$base" >/dev/null 2>&1; then
    echo "make $purpose: no '$base' on PATH: install Python 3.10 or later (with its venv module), or set PYTHON" >&2
    exit 1
fi
python=$("$base" "$(dirname "$0")/python_env.py" "$purpose") || exit 1
[ $# -eq 0 ] && { echo "$python"; exit 0; }
exec "$python" "$@"
