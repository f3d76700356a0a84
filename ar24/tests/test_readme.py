"""The README stays true to the code: every [ASSUMED] choice, both commands, every emulator control."""

import re
from pathlib import Path

from ar24.routes import ASSUMPTIONS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ASSUMPTIONS_TITLE = "## Assumptions to confirm with AR24"


def _section(title):
    """Text of the level-2 section ``title`` (up to the next level-2 title)."""
    lines = README.splitlines()
    assert title in lines, "README has no section titled exactly %r" % title
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start:end])


def test_every_assumption_is_listed_for_ar24_to_confirm():
    section = _section(ASSUMPTIONS_TITLE)
    listed = set(re.findall(r"`([^`]+)`", section))
    missing = sorted(key for key in ASSUMPTIONS if key not in listed)
    assert not missing, "add these keys of ar24.routes.ASSUMPTIONS to the README table: %s" % ", ".join(missing)


def test_assumptions_table_has_one_row_per_key():
    rows = re.findall(r"^\| `([^`]+)` \|", _section(ASSUMPTIONS_TITLE), flags=re.M)
    assert sorted(rows) == sorted(ASSUMPTIONS), "one row per key, first column in backticks"


def test_the_two_commands_are_documented():
    assert "make demo" in README
    assert "make test" in README
    # both at the top, before the first feature is described
    top = README.split("## Features")[0]
    assert "make demo" in top and "make test" in top


def test_every_emulator_control_route_is_documented():
    source = (ROOT / "ar24" / "emulator" / "server.py").read_text(encoding="utf-8")
    routes = set(re.findall(r'key == \("(GET|POST|PUT|DELETE)", "(\w+)", \d\)', source))
    assert routes, "the emulator's control routes were not found in server.py"
    missing = sorted("%s /_emulator/%s" % route for route in routes if "%s /_emulator/%s" % route not in README)
    assert not missing, "document these emulator controls in the README: %s" % ", ".join(missing)
