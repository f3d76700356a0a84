"""The README stays true to the code: every [ASSUMED] choice, both commands, every emulator control."""

import html
import re
from pathlib import Path

from ar24.routes import ASSUMPTIONS, PUBLIC_CLIENTS

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


def _cells(row):
    """The text of each cell of a Markdown table row (``\\|`` and HTML entities read back)."""
    cells = re.split(r"(?<!\\)\|", row.strip())[1:-1]
    return [html.unescape(cell.strip().replace("\\|", "|")) for cell in cells]


def test_each_row_is_the_code_table_with_its_public_clients():
    rows = {
        cells[0].strip("`"): cells[1:]
        for line in _section(ASSUMPTIONS_TITLE).splitlines()
        if line.startswith("| `")
        for cells in [_cells(line)]
    }
    for key, (question, choice, clients) in ASSUMPTIONS.items():
        assert rows[key] == [question, choice, clients], "README row %s differs from ar24.routes.ASSUMPTIONS" % key
        # the support column starts with "none" or names known public clients only
        named = re.findall(r"(?:^|, |; )([a-z][\w-]*) \(", clients)
        assert clients.startswith("none") or named, key
        assert set(named) - {"none"} <= set(PUBLIC_CLIENTS), (key, named)
    for label, repository in PUBLIC_CLIENTS.items():
        assert "**%s**: %s" % (label, repository) in _section(ASSUMPTIONS_TITLE)


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
