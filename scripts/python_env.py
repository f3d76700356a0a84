#!/usr/bin/env python3
"""The Python interpreter of ``make test``, ``make demo`` and ``make bench``, set up when needed.

    python3 scripts/python_env.py test|demo|bench     prints the interpreter's path on stdout

A fresh clone only needs a ``python3`` (3.10 or later): the libraries of ``requirements.txt`` and
the test tools of ``requirements-test.txt`` are installed here, never into that ``python3``.

1. ``$PYTHON``, when set, is used as it is: it must already have what the command needs.
2. Otherwise ``.build/venv``, a virtual environment made from the ``python3`` running this script.
   It is reused as long as both requirement files and that ``python3`` are unchanged (a stamp in
   the venv): the second run costs one check. pip first copies the wheels into ``.build/wheels``
   and installs from there, so that a venv made again later (new requirements, another python3)
   downloads only what is new, and the tests can make throwaway venvs without the network.
3. When pip cannot install them (no network, no ``venv`` module): Odoo's interpreter (``$ODOO_PYTHON``
   or the one behind the ``odoo`` command), if it has everything the command needs.

Otherwise it prints ONE line saying what is missing and how to get it, and exits with 1.
One status line goes to stderr in every case. Standard library only: it must run on a bare python3.
pip's own settings (``PIP_INDEX_URL``, proxy, certificates, pip.conf) are honoured.
"""

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".build"
REQUIREMENTS = ROOT / "requirements.txt"
TEST_REQUIREMENTS = ROOT / "requirements-test.txt"
MIN_PYTHON = (3, 10)  # Odoo 19's own minimum, and the syntax of the ar24 package
STAMP = "ar24-requirements.json"
PURPOSES = ("test", "demo", "bench")


class SetupError(Exception):
    """The one line to print when no interpreter can be set up."""


def requirement_names(path):
    """The distribution names listed in a requirements file (comments and version pins stripped)."""
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line.split("#", 1)[0])
        if match:
            names.append(match.group(1))
    return names


def module_name(distribution):
    """The import name of the distributions we use: pylint-odoo -> pylint_odoo, PyOTP -> pyotp."""
    return distribution.lower().replace("-", "_").replace(".", "_")


def needed(purpose):
    """{import name: distribution name} of what ``purpose`` runs: the demo and the bench need no test tool."""
    files = [REQUIREMENTS, TEST_REQUIREMENTS] if purpose == "test" else [REQUIREMENTS]
    return {module_name(name): name for path in files for name in requirement_names(path)}


def missing(python, modules):
    """The modules ``python`` cannot find, or None when ``python`` does not run or is too old."""
    probe = (
        "import importlib.util, sys\n"
        "if sys.version_info < %r: sys.exit(3)\n"
        "print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))" % (MIN_PYTHON,)
    )
    try:
        done = subprocess.run([python, "-c", probe, *modules], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode:
        return None
    return done.stdout.split()


def odoo_python():
    """Odoo's interpreter: $ODOO_PYTHON, or the python of the ``odoo`` command (its shebang or wrapper line)."""
    candidates = [os.environ.get("ODOO_PYTHON", "")]
    odoo = shutil.which("odoo")
    if odoo:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            text = Path(odoo).read_text(encoding="utf-8", errors="strict")[:4000]
            shebang = re.match(r"#!\s*(\S+)(?:\s+(\S+))?", text)
            if shebang:
                # "#!/usr/bin/env python3" names the interpreter in its second word
                word = shebang.group(2) if shebang.group(1).endswith("/env") else shebang.group(1)
                candidates.append(shutil.which(word or "") or word or "")
            candidates += re.findall(r"(/[^\s\"']*python[0-9.]*)(?=[\s\"'])", text)
    for candidate in candidates:
        if candidate and missing(candidate, ["odoo"]) == []:
            return candidate
    return None


def fingerprint():
    """What the venv was made from: the base interpreter and both requirement files."""
    digest = hashlib.sha256()
    for path in (REQUIREMENTS, TEST_REQUIREMENTS):
        digest.update(path.read_bytes())
    return {"python": "%s %s" % (sys.base_prefix, sys.version.split()[0]), "requirements": digest.hexdigest()}


def venv_python(venv):
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _pip_error(log):
    """The reason pip gave, in a few words, from its log."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    errors = [line.strip() for line in text.splitlines() if line.startswith("ERROR:")]
    reason = errors[0][len("ERROR:") :].strip() if errors else "pip failed"
    offline = ("Could not find a version", "NewConnectionError", "Failed to establish", "Name or service not known")
    if any(word in text for word in offline):
        reason += " (no network? pip could not reach the package index)"
    return reason[:300]


def _run(command, log):
    with open(log, "a", encoding="utf-8") as out:
        out.write("\n$ %s\n" % " ".join(str(part) for part in command))
        out.flush()
        # one retry, not pip's five: offline, the one-line answer comes in seconds rather than a minute
        env = dict(os.environ, PIP_RETRIES=os.environ.get("PIP_RETRIES", "1"))
        return subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env).returncode


def install_venv(venv, wheels, log, stamp, why):
    """Makes (or updates) the venv and installs both requirement files into it. Returns (python, problem)."""
    python = venv_python(venv)
    log.write_text("", encoding="utf-8")
    status(
        "setting up %s (%s) from %s %s; pip log in %s" % (_short(venv), why, sys.executable, _version(), _short(log))
    )
    # another python3 than the venv's (or none yet): a venv cannot change its interpreter, make it again
    remake = not python.exists() or stamp.get("python") != fingerprint()["python"]
    if remake and (_run([sys.executable, "-m", "venv", "--clear", str(venv)], log) or not python.exists()):
        return None, "'%s -m venv' failed (Debian/Ubuntu: apt-get install python3-venv)" % sys.executable
    wheels.mkdir(parents=True, exist_ok=True)
    files = ["-r", str(REQUIREMENTS), "-r", str(TEST_REQUIREMENTS)]
    pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
    # Offline, the wheels of an earlier run may still be enough: the install below is tried anyway.
    _run([*pip, "wheel", "--wheel-dir", str(wheels), "--find-links", str(wheels), *files], log)
    if _run([*pip, "install", "--no-index", "--find-links", str(wheels), *files], log):
        return python, _pip_error(log)
    return python, None


def setup(purpose):
    """The interpreter's path for ``purpose``; raises SetupError with the one line to print."""
    modules = needed(purpose)
    explicit = os.environ.get("PYTHON")
    if explicit:
        lacking = missing(explicit, modules)
        if lacking is None:
            raise SetupError("PYTHON=%s does not run, or is older than Python %d.%d" % ((explicit, *MIN_PYTHON)))
        if lacking:
            raise SetupError(
                "PYTHON=%s lacks %s: pip install -r requirements.txt%s into it, or unset PYTHON and let make %s "
                "set up .build/venv" % (explicit, _names(lacking, modules), _test_files(purpose), purpose)
            )
        status("%s ($PYTHON)" % explicit)
        return explicit

    venv, wheels = BUILD / "venv", BUILD / "wheels"
    BUILD.mkdir(parents=True, exist_ok=True)
    with _lock(BUILD / "python-env.lock"):
        stamp_file = venv / STAMP
        stamp = _read_json(stamp_file)
        python = venv_python(venv)
        if stamp == fingerprint() and missing(python, modules) == []:
            status("%s (reused: requirements and python3 unchanged)" % _short(python))
            return str(python)
        if sys.version_info < MIN_PYTHON:
            problem, python = "%s is Python %s, older than %d.%d" % (sys.executable, _version(), *MIN_PYTHON), None
        else:
            why = "first run" if not stamp else "requirements or python3 changed"
            python, problem = install_venv(venv, wheels, BUILD / "python-env.log", stamp, why)
        lacking = missing(python, modules) if python else None
        if python and lacking == []:
            stamp_file.write_text(json.dumps(fingerprint()), encoding="utf-8")
            status("%s (installed: %s)" % (_short(python), ", ".join(sorted(set(modules.values()), key=str.lower))))
            return str(python)
    lacking = list(modules) if lacking is None else lacking
    odoo = odoo_python()
    odoo_lacking = missing(odoo, modules) if odoo else None
    if odoo and odoo_lacking == []:
        status("%s (Odoo's interpreter: it has everything; .build/venv could not be set up: %s)" % (odoo, problem))
        return odoo
    odoo_note = (
        "; Odoo's interpreter %s lacks %s" % (odoo, _names(odoo_lacking or list(modules), modules))
        if odoo
        else "; no Odoo interpreter to fall back on"
    )
    problem = problem or "the requirement files do not list them"
    raise SetupError(
        "cannot set up Python: %s lacks %s: %s%s. With network access run it again; without, install them "
        "into an interpreter (pip install -r requirements.txt%s) and set PYTHON to it"
        % (_short(venv), _names(lacking, modules), problem, odoo_note, _test_files(purpose))
    )


def _names(lacking, modules):
    return ", ".join(modules.get(name, name) for name in lacking)


def _test_files(purpose):
    return " -r requirements-test.txt" if purpose == "test" else ""


def _short(path):
    with contextlib.suppress(ValueError):
        return str(Path(path).relative_to(ROOT))
    return str(path)


def _version():
    return "%d.%d.%d" % sys.version_info[:3]


def _read_json(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@contextlib.contextmanager
def _lock(path):
    """Two make commands started together set the venv up once, one after the other."""
    with open(path, "a") as handle:
        try:
            import fcntl  # noqa: PLC0415 - POSIX only; elsewhere, no lock

            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:
            pass
        yield


def status(text):
    sys.stderr.write("python: %s\n" % text)


def main(argv):
    purpose = argv[1] if len(argv) > 1 else "test"
    if purpose not in PURPOSES:
        sys.stderr.write("usage: python3 scripts/python_env.py %s\n" % "|".join(PURPOSES))
        return 2
    try:
        print(setup(purpose))
    except SetupError as error:
        sys.stderr.write("make %s: %s\n" % (purpose, error))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
