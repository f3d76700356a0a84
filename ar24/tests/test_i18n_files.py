"""The French translation file is complete and safe (standard library only, no Odoo).

``i18n/ar24_lre.pot`` is exported by Odoo (``odoo i18n export``); ``i18n/fr.po`` must translate every
one of its entries, without fuzzy or stale entries, and keep every placeholder and HTML tag: a lost
``%(name)s`` raises at run time in Odoo, a lost ``{{ ... }}`` or tag breaks the mail template.
"""

import re
from collections import Counter
from pathlib import Path

import pytest

I18N = Path(__file__).resolve().parents[2] / "i18n"
POT = I18N / "ar24_lre.pot"
FR = I18N / "fr.po"

# %(name)s, %s, %d (and the other conversions Odoo's %-formatting accepts), {{ expression }}
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdifr]|%[sdifr]|\{\{.*?\}\}", re.S)
TAG = re.compile(r"<[^>]+>")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text):
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        if body[i] == "\\":
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def parse_po(path):
    """[{'flags': set, 'msgctxt': str|None, 'msgid': str, 'msgstr': str, 'line': int, 'obsolete': bool}]

    Obsolete entries (every line of them behind ``#~``, as msgmerge leaves them) are read like the others
    and flagged: Odoo ignores them, so they must neither count as translations nor go unnoticed.
    """
    entries, current, key = [], None, None

    def flush():
        if current and "msgid" in current:
            entries.append(current)

    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate([*lines, ""], start=1):
        if current is None:
            current = {"flags": set(), "msgctxt": None, "line": number, "obsolete": False}
        stripped = line.strip()
        if stripped.startswith("#~|"):  # the previous msgid of an obsolete entry: a comment
            continue
        if stripped.startswith("#~"):
            current["obsolete"] = True
            stripped = stripped[2:].strip()
            if not stripped:
                continue
        if not stripped:
            flush()
            current, key = None, None
        elif stripped.startswith("#,"):
            current["flags"].update(flag.strip() for flag in stripped[2:].split(","))
        elif stripped.startswith("#"):
            continue
        elif stripped.startswith('"'):
            current[key] += _unquote(stripped)
        else:
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", stripped)
            assert match, "%s:%d: unreadable line %r" % (path.name, number, line)
            key = match.group(1)
            current[key] = _unquote(match.group(2))
    return entries


def _by_key(entries):
    """The live entries by (context, msgid): obsolete ones are not translations for Odoo."""
    return {(e["msgctxt"], e["msgid"]): e for e in entries if e["msgid"] and not e["obsolete"]}


@pytest.fixture(scope="module")
def pot():
    assert POT.exists(), "i18n/ar24_lre.pot is missing: export it with `odoo i18n export`"
    return parse_po(POT)


@pytest.fixture(scope="module")
def fr():
    assert FR.exists(), "i18n/fr.po is missing"
    return parse_po(FR)


def test_pot_is_an_odoo_export_of_the_module(pot):
    assert len(_by_key(pot)) > 100, "the template looks empty"
    text = POT.read_text(encoding="utf-8")
    assert "#. module: ar24_lre" in text
    # AR24's error sentences (ar24/errors.py, marked _lt) and a Python message are extracted
    msgids = {e["msgid"] for e in pot}
    assert "The sender and the recipient have the same e-mail address." in msgids
    assert "No e-mail address" in msgids


def test_header_declares_french(fr):
    header = next(e for e in fr if e["msgid"] == "")
    assert "Language: fr\n" in header["msgstr"]
    assert "charset=UTF-8" in header["msgstr"]


def test_every_template_entry_is_translated(pot, fr):
    translated = _by_key(fr)
    missing = [key[1] for key in _by_key(pot) if key not in translated]
    empty = [key[1] for key, entry in translated.items() if not entry.get("msgstr", "").strip()]
    assert not missing, "%d entries of the .pot are missing from fr.po: %r" % (len(missing), missing[:10])
    assert not empty, "%d entries of fr.po are not translated: %r" % (len(empty), empty[:10])


def test_no_fuzzy_obsolete_or_duplicate_entries(fr):
    fuzzy = [e["msgid"] for e in fr if "fuzzy" in e["flags"] and e["msgid"]]
    obsolete = [e["msgid"] for e in fr if e["obsolete"]]
    live = [(e["msgctxt"], e["msgid"]) for e in fr if not e["obsolete"]]
    duplicates = [key for key, count in Counter(live).items() if count > 1]
    assert not fuzzy, "fuzzy entries are ignored by Odoo: %r" % fuzzy[:10]
    assert not obsolete, "obsolete (#~) entries: %r" % obsolete[:10]
    assert not duplicates, "duplicate entries: %r" % duplicates[:10]


def test_no_stale_entries(pot, fr):
    stale = sorted(set(_by_key(fr)) - set(_by_key(pot)))
    assert not stale, "fr.po has %d entries no longer in the .pot (re-export and merge): %r" % (len(stale), stale[:10])


def test_placeholders_are_kept(fr):
    wrong = []
    for entry in fr:
        if not entry["msgid"] or not entry.get("msgstr"):
            continue
        source, target = set(PLACEHOLDER.findall(entry["msgid"])), set(PLACEHOLDER.findall(entry["msgstr"]))
        if source != target:
            wrong.append((entry["msgid"][:60], sorted(source ^ target)))
    assert not wrong, "placeholders differ between msgid and msgstr: %r" % wrong


def test_html_tags_are_kept(fr):
    wrong = [
        entry["msgid"][:60]
        for entry in fr
        if entry["msgid"] and Counter(TAG.findall(entry["msgid"])) != Counter(TAG.findall(entry.get("msgstr", "")))
    ]
    assert not wrong, "HTML tags (or their attributes) differ between msgid and msgstr: %r" % wrong


def test_key_vocabulary_of_the_lsc_manual(fr):
    """The words the property managers know from their current tool (the LSC manual)."""
    translated = {e["msgid"]: e["msgstr"] for e in fr}
    expected = {
        "Awaiting OTP validation": "En attente de validation OTP",
        "Recalculate errors": "Recalculer les erreurs",
        "Error summary": "Récapitulatif des erreurs",
        "LRE consent": "Consentement LRE",
        "Payment method": "Moyen de paiement",
        "Entity": "Entité",
        "Avis électronique": "Avis électronique",
        "Registered letters": "Lettres recommandées",
    }
    for msgid, msgstr in expected.items():
        if msgid in translated:
            assert translated[msgid] == msgstr, (msgid, translated[msgid])


def test_parser_reads_multiline_and_escapes(tmp_path):
    sample = tmp_path / "x.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n#, fuzzy\nmsgid ""\n"a \\"b\\"\\n"\n"c"\nmsgstr "d"\n',
        encoding="utf-8",
    )
    entries = parse_po(sample)
    assert entries[1]["msgid"] == 'a "b"\nc' and "fuzzy" in entries[1]["flags"]


def test_parser_sees_obsolete_entries(tmp_path):
    # what msgmerge leaves for a string removed from the module: every line commented out with #~
    sample = tmp_path / "x.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        'msgid "Send"\nmsgstr "Envoyer"\n\n'
        '#, python-format\n#~| msgid "Old send"\n'
        '#~ msgid ""\n#~ "Resend by "\n#~ "paper"\n#~ msgstr "Renvoyer en papier"\n',
        encoding="utf-8",
    )
    entries = parse_po(sample)
    assert [(e["msgid"], e["msgstr"], e["obsolete"]) for e in entries[1:]] == [
        ("Send", "Envoyer", False),
        ("Resend by paper", "Renvoyer en papier", True),
    ]
    assert list(_by_key(entries)) == [(None, "Send")], "an obsolete entry is no translation"
