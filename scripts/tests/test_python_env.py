"""``make test``, ``make demo`` and ``make bench`` set up their own Python on a fresh machine.

The bootstrap (``scripts/python_env.py``) runs here as on a fresh clone: on a copy of the repository's
requirement files, under a bare interpreter (a venv without any library: ``import pyotp`` fails in
it), without the network. pip installs from the wheels that the bootstrap of this checkout copied to
``.build/wheels``, offered as the copy's own wheel cache, so the run takes seconds and reaches no
index. What a user would notice is asserted: the interpreter printed has every library and the
pinned tools, the second run reuses it without installing anything, a changed requirements file
installs again, and without the network the command fails on ONE line naming what is missing,
unless Odoo's interpreter has everything.
"""

import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEELS = ROOT / ".build" / "wheels"
SCRIPT = "scripts/python_env.py"
RUNTIME = ["requests", "cryptography", "pypdf", "pyotp", "phonenumbers"]
TOOLS = ["pytest", "ruff", "pylint_odoo"]


def _pinned(name):
    line = next(x for x in (ROOT / "requirements-test.txt").read_text().splitlines() if x.startswith(name + "=="))
    return line.split("==", 1)[1].strip()


def _checkout(path, wheels=True):
    """A fresh clone as far as the bootstrap sees it: its script, both requirement files, maybe wheels."""
    (path / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / SCRIPT, path / SCRIPT)
    for name in ("requirements.txt", "requirements-test.txt"):
        shutil.copy(ROOT / name, path / name)
    if wheels:
        shutil.copytree(WHEELS, path / ".build" / "wheels")
    return path


def _offline_env(**extra):
    """No index, no pip.conf of this machine, no Odoo: pip only sees the checkout's own wheels."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PIP_", "PYTHON", "ODOO_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PATH=str(ROOT / ".build" / "no-such-dir"))
    env.update(extra)
    return env


def _bootstrap(python, checkout, env, purpose="test"):
    started = time.monotonic()
    done = subprocess.run(
        [str(python), str(checkout / SCRIPT), purpose], capture_output=True, text=True, env=env, timeout=600
    )
    return done.returncode, done.stdout.strip(), done.stderr.strip().splitlines(), time.monotonic() - started


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """An interpreter with the standard library only (``venv`` and ``ensurepip`` included)."""
    if not WHEELS.is_dir() or not any(WHEELS.glob("pyotp-*.whl")):
        pytest.skip(".build/wheels is empty: run make test without PYTHON once, so that the bootstrap fills it")
    path = tmp_path_factory.mktemp("bare")
    venv.EnvBuilder(with_pip=False).create(path)
    python = path / "bin" / "python"
    assert subprocess.run([str(python), "-c", "import pyotp"], capture_output=True).returncode == 1
    return python


@pytest.fixture(scope="module")
def installed(bare, tmp_path_factory):
    """The first run on a fresh checkout: (checkout, printed interpreter, its status lines)."""
    checkout = _checkout(tmp_path_factory.mktemp("clone"))
    rc, printed, status, _seconds = _bootstrap(bare, checkout, _offline_env())
    assert rc == 0, "\n".join(status[-20:]) + "\n" + (checkout / ".build" / "python-env.log").read_text()[-3000:]
    return checkout, printed, status


def test_first_run_installs_every_library_and_the_pinned_tools(installed):
    checkout, printed, status = installed
    assert printed == str(checkout / ".build" / "venv" / "bin" / "python")
    assert "installed" in status[-1]
    imports = "import %s" % ", ".join(RUNTIME + TOOLS)
    assert subprocess.run([printed, "-c", imports], capture_output=True).returncode == 0
    ruff = subprocess.run([printed, "-m", "ruff", "--version"], capture_output=True, text=True).stdout
    assert ruff.split() == ["ruff", _pinned("ruff")]
    pytest_version = subprocess.run([printed, "-m", "pytest", "--version"], capture_output=True, text=True)
    assert _pinned("pytest") in pytest_version.stdout + pytest_version.stderr


def test_second_run_reuses_the_venv_without_pip(installed, bare):
    checkout, printed, _status = installed
    log = checkout / ".build" / "python-env.log"
    before = log.read_text()
    rc, again, status, seconds = _bootstrap(bare, checkout, _offline_env())
    assert (rc, again) == (0, printed)
    assert status == ["python: .build/venv/bin/python (reused: requirements and python3 unchanged)"]
    assert log.read_text() == before, "pip ran again"
    assert seconds < 5


def test_demo_and_bench_get_the_same_venv(installed, bare):
    checkout, printed, _status = installed
    for purpose in ("demo", "bench"):
        assert _bootstrap(bare, checkout, _offline_env(), purpose)[:2] == (0, printed)


def test_a_changed_requirements_file_installs_again(installed, bare):
    checkout, printed, _status = installed
    requirements = checkout / "requirements.txt"
    requirements.write_text(requirements.read_text() + "# one more comment is a change too\n")
    rc, again, status, _seconds = _bootstrap(bare, checkout, _offline_env())
    assert (rc, again) == (0, printed)
    assert "requirements or python3 changed" in status[0]
    assert "installed" in status[-1]
    assert _bootstrap(bare, checkout, _offline_env())[2][-1].endswith("(reused: requirements and python3 unchanged)")


def test_without_network_one_line_names_what_is_missing(bare, tmp_path):
    checkout = _checkout(tmp_path / "clone", wheels=False)
    rc, printed, status, _seconds = _bootstrap(bare, checkout, _offline_env())
    assert (rc, printed) == (1, "")
    assert status[0].startswith("python: setting up .build/venv (first run)")
    assert len(status) == 2, status  # the status line, then ONE line: no traceback, no pip output
    error = status[1]
    assert error.startswith("make test: cannot set up Python: .build/venv lacks requests, cryptography, pypdf, pyotp")
    assert "pytest, ruff, pylint-odoo" in error
    assert "no Odoo interpreter to fall back on" in error
    assert "set PYTHON" in error


def test_without_network_odoo_interpreter_is_used_when_it_has_everything(bare, tmp_path):
    # An interpreter that has every library (the one running these tests) plays Odoo's: it can import odoo.
    fake_odoo = tmp_path / "site"
    (fake_odoo / "odoo").mkdir(parents=True)
    (fake_odoo / "odoo" / "__init__.py").write_text("")
    checkout = _checkout(tmp_path / "clone", wheels=False)
    env = _offline_env(ODOO_PYTHON=sys.executable, PYTHONPATH=str(fake_odoo))
    rc, printed, status, _seconds = _bootstrap(bare, checkout, env)
    assert (rc, printed) == (0, sys.executable)
    assert status[-1].startswith("python: %s (Odoo's interpreter: it has everything" % sys.executable)


def test_a_python_given_by_the_user_is_checked_not_changed(bare, tmp_path):
    checkout = _checkout(tmp_path / "clone", wheels=False)
    rc, printed, status, _seconds = _bootstrap(bare, checkout, _offline_env(PYTHON=str(bare)), purpose="demo")
    assert (rc, printed) == (1, "")
    assert status == [
        "make demo: PYTHON=%s lacks requests, cryptography, pypdf, pyotp, phonenumbers, lxml: pip install -r "
        "requirements.txt into it, or unset PYTHON and let make demo set up .build/venv" % bare
    ]
    assert not (checkout / ".build" / "venv").exists()
