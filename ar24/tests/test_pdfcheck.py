"""Checks of attachments: A4, orientation, encryption and damaged files, on generated PDFs.

Only correctness is asserted here; the speed of ``check_pdf`` against ``full_parse`` belongs to
benchmarks, not to tests.
"""

import base64
import io
import zlib

import pytest
from pypdf import PdfWriter
from pypdf.errors import DependencyError
from pypdf.generic import NameObject, NumberObject, RectangleObject

from ar24 import pdfcheck
from ar24.pdf import make_pdf
from ar24.pdfcheck import check_pdf, describe_size, full_parse, is_pdf, page_count
from ar24.routes import MAX_ATTACHMENTS_BYTES

A4 = (595, 842)
A4_LANDSCAPE = (842, 595)
LETTER = (612, 792)
A3 = (842, 1191)


def _fixture(*chunks):
    return zlib.decompress(base64.b64decode("".join(chunks)))


# AES-256 encrypted one-page A4 PDFs written by pypdf's PdfWriter.encrypt(user, "owner-secret",
# algorithm="AES-256") with user "secret" and "" respectively. Stored rather than generated
# because pypdf cannot write (nor, for the second, open) AES without a recent ``cryptography``,
# which is exactly the case of the Odoo venv that these files check.
AES_SECRET = _fixture(
    "eNqNU01v1DAQvedX+NIjxJ7xp7SqBO2uhKDqqgUuiMPYHpdF7aZKU9TyJznwD+CPMFmgrCgHkliyZ+a9sV+eD9bHqyfmKXYH375/"
    "+doZpdWQP3aLRdevx6HeFh7VAiJGE10kLgZaw8ghM7WWSjOmpGjQtRZDq8ZT1bXmWFoz1kbnEY0Lh93hYcfbOjPDXofX99es+jVd"
    "8E3XHw2320mZrn+5qTfqnbJSeKbe70HxEfSIJrocLrqfHGrmPtsD2H/26vozvhluxyIIyUh5f8J1Q8+HO2mrn+rdcMmpaEE2IKCR"
    "ZWt/s7s99rfKCa3yXf+KtxfTBwVO5mtlIdnkAyTo+tXmchI1+/OJtpXG2vWnaoG5lZw0BXaavDOAED05DaiZTATjCFP0hV2rWbtc"
    "oiy1S0CIAuFWyBIxa0o+Mwe2LViqphG4hohyuDdq0aiGYk3WUYdGBT345nPkGm1k9j4kAMopki/Vl+RCMyyv9SUgG588BIyOdfOa"
    "tU6BbKgyuFjCarWRLkerWUw5XP01e3Y7fVh+moXrj4dyes3buehE9c+W52/xQSiEWdL5J5xPVyv1k2BejH8Wp0u1CNU7SyEVb+WI"
    "HAPpZFIW/RhtBdO8q2idrihCRuBWQXKSTAw5lTgLITQxiG4IxnJibXKtbDKwzYIF4pC052xsTq2KylQsM2doAYQEC4MXmjWPV+Kc"
    "4hv7SsWxIZtRCFKmWj3L17RP+6a/G7l1WuyhHx7lnUOnmnqIGTHULrN9iBmDj2MBHsUAzKMY7vNNI20uedx59XzzmWenng3DpHBn"
    "6v7Ftg3K/JofyzVYONCMOkGqgUqJ1mpIsemackLJucP/KZHLs9yW8f56Uu737bmZaJx2gsSgu4OD5emq+wGDhDAT"
)
AES_EMPTY = _fixture(
    "eNqNk89u1DAQxu95Cl96hPi/PdKqErS7EoKqqxa4IA5jz7gsajdVmqKWl+TAG8CLMFmgrCgHEkWyJzPf2D9/Plgfr56Yp647+Pb9"
    "y9fOKK2G8rFbLLp+PQ50W3lUixC0R528QQPN1hhbtc0GW8FzdBbJYGIXQwwlAXkduQUygC7bVgvRYXd42PGWZmW71+H1/TWrfo0X"
    "fNP1R8PtdlKm619u6Ea9U14Sz9T7vVL3qPQIJ7wcLrqfGmrWPtsr8P/s1fVnfDPcjlUq5I+k9ydMG3w+3Elb/VTvvgBBZW9lAVI0"
    "siztb/Wwp/5WBZFVsetf8fZi+qBskPFaeQseYrJgu361uZyEZn8+4ZZwpK4/VQuO6JN1ujE5qEgtgm4hg3Wgc7aueG2bxoo6Rx8t"
    "U3IAGjSi842aNlJDofkQvEkRgCokl4t2SMzsvGzujRwgh4AttsBVS1KJIKeHKRXvqEkbwFaD4xJ8jWCCg4aE1nqCml0sFDBCaGE+"
    "WAZm4syAhSMXiCZoK12OVjNM2Rz9Gj27nT4sP83g+uOhnl7zdk46Uf2z5flb9wDK2RnpfAjn09VK/RSYJ+OfyelSLSJCLs3o6jwn"
    "DwZYQGRO7HUGMl4oJjEjgpDUkVKJiYvskpBrqtBmECJTMMUiW/E6UELKrRlXswfWOmDKkAQummqqa82JgrYCJQuC6kXKR5FZ83gl"
    "znF+fov31QkfchxLthkErwshprRv+ruRW6fFHvrhUTEEF1RTDzEjhtr92T7EjHGPY8k+illrHsXcvt404uaSx51XzzefeXbq2TBM"
    "yu1M3b/YtkGZX+NjuQYLSxyBC+tWY2lRM4EhUzXnLHYz9fB/UuTyLLd1vL+eVPh9e24mHKcdkJx0d3CwPF11PwB9ejBQ"
)


def _bytes(writer):
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def built(*pages, inherited_rotate=None):
    """A PDF of blank pages made with PdfWriter: each page is (width, height[, options]).

    options: ``rotate`` (page.rotate), ``raw_rotate`` (/Rotate written as is, e.g. -90), ``crop``
    (a CropBox). ``inherited_rotate`` puts /Rotate on the /Pages node, inherited by every page.
    """
    writer = PdfWriter()
    if inherited_rotate is not None:
        writer.root_object["/Pages"][NameObject("/Rotate")] = NumberObject(inherited_rotate)
    for width, height, *rest in pages:
        options = rest[0] if rest else {}
        page = writer.add_blank_page(width, height)
        if "rotate" in options:
            page.rotate(options["rotate"])
        if "raw_rotate" in options:
            page[NameObject("/Rotate")] = NumberObject(options["raw_rotate"])
        if "crop" in options:
            page.cropbox = RectangleObject(options["crop"])
    return _bytes(writer)


def encrypted(user_password, *sizes):
    """An RC4-128 encrypted PDF (pypdf's default algorithm, available without ``cryptography``)."""
    writer = PdfWriter()
    for width, height in sizes or [A4]:
        writer.add_blank_page(width, height)
    writer.encrypt(user_password, "owner-secret")
    return _bytes(writer)


def same_length(data, old, new):
    """Replaces ``old`` by ``new`` padded to the same length, so that the xref offsets stay right."""
    assert old in data and len(new) <= len(old)
    return data.replace(old, new.ljust(len(old)), 1)


def summary(report):
    return [(problem.code, problem.page, problem.last_page) for problem in report.problems]


# --- page sizes and orientation -----------------------------------------------------------------

PAGE_CASES = [
    # id, data, require_portrait, pages, expected (code, first page, last page)
    ("a4-portrait", make_pdf(["Convocation"]), False, 1, []),
    ("a4-portrait-paper", make_pdf(["Convocation"]), True, 1, []),
    ("a4-exact-iso", make_pdf(width=595.28, height=841.89), True, 1, []),
    ("a4-within-tolerance", make_pdf(width=597, height=839), True, 1, []),
    ("a4-beyond-tolerance", make_pdf(width=599, height=842), False, 1, [("not_a4", 1, 1)]),
    ("a4-landscape-electronic", make_pdf(width=842, height=595), False, 1, []),
    ("a4-landscape-paper", make_pdf(width=842, height=595), True, 1, [("landscape", 1, 1)]),
    ("letter", make_pdf(width=612, height=792, pages=3), False, 3, [("not_a4", 1, 3)]),
    ("letter-paper", make_pdf(width=612, height=792), True, 1, [("not_a4", 1, 1)]),
    (
        "a4-with-landscape-annex",
        make_pdf(page_sizes=[A4, A4_LANDSCAPE, A4_LANDSCAPE, A4]),
        True,
        4,
        [("landscape", 2, 3)],
    ),
    (
        "mixed-problems",
        make_pdf(page_sizes=[A4, A4_LANDSCAPE, LETTER, LETTER, A4, A3, A4_LANDSCAPE]),
        True,
        7,
        [("landscape", 2, 2), ("not_a4", 3, 4), ("not_a4", 6, 6), ("landscape", 7, 7)],
    ),
    ("different-sizes-not-grouped", make_pdf(page_sizes=[LETTER, A3]), False, 2, [("not_a4", 1, 1), ("not_a4", 2, 2)]),
    ("landscape-box-rotated-90", built((842, 595, {"rotate": 90})), True, 1, []),
    ("portrait-box-rotated-90", built((595, 842, {"rotate": 90})), True, 1, [("landscape", 1, 1)]),
    ("portrait-box-rotated-180", built((595, 842, {"rotate": 180})), True, 1, []),
    ("landscape-box-rotated-minus-90", built((842, 595, {"raw_rotate": -90})), True, 1, []),
    ("landscape-box-rotated-270", built((842, 595, {"raw_rotate": 270})), True, 1, []),
    ("letter-rotated-90", built((792, 612, {"rotate": 90})), False, 1, [("not_a4", 1, 1)]),
    ("inherited-rotate", built((842, 595), (595, 842), inherited_rotate=90), True, 2, [("landscape", 2, 2)]),
    ("a4-cropbox-in-larger-media", built((700, 950, {"crop": (10, 20, 605, 862)})), True, 1, []),
    ("a4-cropbox-corners-reversed", built((700, 950, {"crop": (605, 862, 10, 20)})), True, 1, []),
    ("smaller-cropbox-counts", built((595, 842, {"crop": (0, 0, 500, 700)})), False, 1, [("not_a4", 1, 1)]),
    ("larger-cropbox-clipped", built((595, 842, {"crop": (-50, -50, 700, 900)})), True, 1, []),
    ("disjoint-cropbox-ignored", built((595, 842, {"crop": (1000, 1000, 1200, 1300)})), True, 1, []),
]


@pytest.mark.parametrize(
    "data, require_portrait, pages, expected", [case[1:] for case in PAGE_CASES], ids=[case[0] for case in PAGE_CASES]
)
def test_page_sizes_and_orientation(data, require_portrait, pages, expected):
    report = check_pdf(data, "letter.pdf", require_portrait=require_portrait)
    assert report.pages == pages
    assert summary(report) == expected
    assert report.ok is (not expected)
    assert all("letter.pdf" in problem.message for problem in report.problems)


@pytest.mark.parametrize(
    "sizes, require_portrait, messages",
    [
        (
            [A4, A4, LETTER],
            False,
            ["scan.pdf: page 3 is 216 × 279 mm (Letter), not A4."],
        ),
        (
            [A4, A4_LANDSCAPE],
            True,
            ["scan.pdf: page 2 is A4 landscape: paper letters are printed portrait only."],
        ),
        (
            [A4, A4_LANDSCAPE, A4_LANDSCAPE, A4_LANDSCAPE, A4_LANDSCAPE],
            True,
            ["scan.pdf: pages 2–5 are A4 landscape: paper letters are printed portrait only."],
        ),
        (
            [(792, 612), (792, 612)],
            True,
            ["scan.pdf: pages 1–2 are 279 × 216 mm (Letter), not A4."],
        ),
        (
            [A3, (300, 400)],
            False,
            ["scan.pdf: page 1 is 297 × 420 mm (A3), not A4.", "scan.pdf: page 2 is 106 × 141 mm, not A4."],
        ),
    ],
)
def test_page_messages_name_file_pages_and_size(sizes, require_portrait, messages):
    report = check_pdf(make_pdf(page_sizes=sizes), "scan.pdf", require_portrait=require_portrait)
    assert [problem.message for problem in report.problems] == messages


def test_many_separate_runs_are_summed_up():
    # Letter on odd pages: 7 runs of one page, the first 5 listed, the last 2 in one summary line.
    sizes = [LETTER if number % 2 else A4 for number in range(1, 14)]
    report = check_pdf(make_pdf(page_sizes=sizes), "annex.pdf")
    assert summary(report) == [("not_a4", n, n) for n in (1, 3, 5, 7, 9)] + [("not_a4", 11, 13)]
    assert report.problems[-1].message == "annex.pdf: 2 more pages from page 11 on are not A4."


def test_many_landscape_runs_are_summed_up():
    sizes = [A4_LANDSCAPE if number % 2 else A4 for number in range(1, 16)]
    report = check_pdf(make_pdf(page_sizes=sizes), "annex.pdf", require_portrait=True)
    assert len(report.problems) == pdfcheck.MAX_GROUPS_PER_CODE + 1
    assert report.problems[-1] == pdfcheck.Problem(
        "landscape", "annex.pdf: 3 more pages from page 11 on are A4 landscape.", 11, 15
    )


@pytest.mark.parametrize(
    "width, height, text",
    [
        (595, 842, "210 × 297 mm"),
        (842, 595, "297 × 210 mm"),
        (612, 792, "216 × 279 mm (Letter)"),
        (792, 612, "279 × 216 mm (Letter)"),
        (612, 1008, "216 × 356 mm (Legal)"),
        (420, 595, "148 × 210 mm (A5)"),
        (842, 1191, "297 × 420 mm (A3)"),
        (100, 100, "35 × 35 mm"),
        (0, 0, "0 × 0 mm"),
    ],
)
def test_describe_size(width, height, text):
    assert describe_size(width, height) == text


# --- files that cannot be checked page by page ---------------------------------------------------

GOOD = make_pdf(["Procès-verbal"], pages=3)
NO_MEDIABOX = same_length(make_pdf(pages=2), b"/MediaBox [0 0 595 842]", b"")
SHORT_MEDIABOX = same_length(make_pdf(), b"[0 0 595 842]", b"[0 0 595]")
NO_PAGE = same_length(make_pdf(), b"/Kids [5 0 R]", b"/Kids [9 0 R]")
PAGE_MISSING = same_length(make_pdf(page_sizes=[A4, LETTER]), b"/Kids [5 0 R 7 0 R]", b"/Kids [5 0 R 9 0 R]")

FILE_CASES = [
    # id, data, expected codes, pages, words expected in the first message
    ("zero-bytes", b"", ["empty"], 0, "letter.pdf is empty (0 bytes)."),
    ("none", None, ["empty"], 0, "letter.pdf is empty"),
    ("text-file", b"Bonjour, ceci n'est pas un PDF.", ["unreadable"], 0, "letter.pdf is not a PDF file."),
    ("zip-docx", b"PK\x03\x04" + b"\0" * 200, ["unreadable"], 0, "not a PDF"),
    ("magic-too-far", b" " * 1024 + GOOD, ["unreadable"], 0, "not a PDF"),
    ("header-only", b"%PDF-1.4\n", ["unreadable"], 0, "damaged or truncated"),
    ("garbage-after-header", b"%PDF-1.7\n" + bytes(range(256)) * 8, ["unreadable"], 0, "damaged or truncated"),
    ("truncated-half", GOOD[: len(GOOD) // 2], ["unreadable"], 0, "damaged or truncated"),
    ("truncated-before-xref", GOOD[: GOOD.index(b"xref")], ["unreadable"], 0, "damaged or truncated"),
    ("page-without-mediabox", NO_MEDIABOX, ["unreadable"], 2, "letter.pdf is damaged (page 1)"),
    ("mediabox-of-three-numbers", SHORT_MEDIABOX, ["unreadable"], 1, "damaged (page 1)"),
    ("only-page-missing", NO_PAGE, ["unreadable"], 0, "letter.pdf has no readable page"),
    ("one-page-missing", PAGE_MISSING, ["unreadable"], 1, "it declares 2 pages but only 1 can be read"),
]


@pytest.mark.parametrize(
    "data, codes, pages, words", [case[1:] for case in FILE_CASES], ids=[case[0] for case in FILE_CASES]
)
def test_unusable_files_are_reported_never_raised(data, codes, pages, words):
    report = check_pdf(data, "letter.pdf")
    assert report.codes == codes
    assert report.pages == pages
    assert not report.ok
    assert words in report.problems[0].message


def test_missing_eof_marker_alone_is_tolerated_like_viewers_do():
    # Only "%%EOF" cut: every object and the xref are there, viewers open it.
    report = check_pdf(GOOD[:-4], "letter.pdf")
    assert (report.ok, report.pages) == (True, 3)


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"X-Mailer: scan2mail\r\n\r\n"], ids=["bom", "mail-header"])
def test_pdf_magic_after_a_little_garbage_is_accepted(prefix):
    # Viewers open such a file (the header may sit anywhere in the first 1024 bytes): the sender sees a
    # good PDF, so the check reads its pages like any other instead of calling it damaged.
    report = check_pdf(prefix + GOOD, "bom.pdf")
    assert (report.codes, report.pages) == ([], 3)
    assert is_pdf(prefix + GOOD)


@pytest.mark.parametrize(
    "size, max_bytes, codes",
    [
        (1000, 999, ["too_big"]),
        (1000, 1000, []),
        (1000, MAX_ATTACHMENTS_BYTES, []),
    ],
)
def test_size_limit(size, max_bytes, codes):
    data = make_pdf()
    data += b"%" * (size - len(data))  # a comment after %%EOF: still a valid PDF
    assert check_pdf(data, "big.pdf", max_bytes=max_bytes).codes == codes


def test_too_big_message_and_default_limit():
    assert pdfcheck.MAX_BYTES == MAX_ATTACHMENTS_BYTES == 256 * 2**20
    report = check_pdf(b"%PDF-" + b"0" * 1531, "scan.pdf", max_bytes=1024)
    assert report.problems[0].message == "scan.pdf is 1.5 KiB: larger than the 1 KiB AR24 accepts."
    report = check_pdf(b"%PDF-" + b"0" * 995, "scan.pdf", max_bytes=999)
    assert report.problems[0].message == "scan.pdf is 1000 bytes: larger than the 999 bytes AR24 accepts."
    report = check_pdf(b"%PDF-" + b"0" * (3 * 2**20), "scan.pdf", max_bytes=2 * 2**20)
    assert report.problems[0].message == "scan.pdf is 3 MiB: larger than the 2 MiB AR24 accepts."
    assert report.pages == 0


def test_unexpected_error_while_reading_pages_is_reported(monkeypatch):
    def explode(page):
        raise RecursionError("deeply nested page tree")

    monkeypatch.setattr(pdfcheck, "visible_size", explode)
    report = check_pdf(GOOD, "letter.pdf")
    assert summary(report) == [("unreadable", 1, None)]


# --- encryption ----------------------------------------------------------------------------------


def _aes_available():
    try:
        writer = PdfWriter()
        writer.add_blank_page(*A4)
        writer.encrypt("", algorithm="AES-256")
        _bytes(writer)
    except DependencyError:
        return False
    return True


ENCRYPTED_CASES = [
    # id, data, expected codes, pages, words in the encryption message
    ("rc4-password", encrypted("secret"), ["encrypted"], 0, "password-protected"),
    ("rc4-empty-password", encrypted(""), ["encrypted"], 1, "opens without a password"),
    ("rc4-empty-password-letter", encrypted("", A4, LETTER), ["encrypted", "not_a4"], 2, "cannot print or seal"),
    ("aes256-password", AES_SECRET, ["encrypted"], 0, "password-protected"),
    ("aes256-empty-password", AES_EMPTY, ["encrypted"], 1 if _aes_available() else 0, "AR24 cannot"),
]


@pytest.mark.parametrize(
    "data, codes, pages, words", [case[1:] for case in ENCRYPTED_CASES], ids=[case[0] for case in ENCRYPTED_CASES]
)
def test_encrypted_files_are_reported(data, codes, pages, words):
    report = check_pdf(data, "locked.pdf")
    assert report.codes == codes
    assert report.pages == pages
    assert report.problems[0].message.startswith("locked.pdf is ")
    assert words in report.problems[0].message


def test_encrypted_page_checks_go_on_when_it_opens():
    report = check_pdf(encrypted("", A4, LETTER), "locked.pdf")
    assert report.problems[1].message == "locked.pdf: page 2 is 216 × 279 mm (Letter), not A4."


def test_missing_aes_support_while_opening_means_encrypted(monkeypatch):
    # pypdf tests the empty password as soon as it opens a file: without AES support it raises.
    def no_aes(data):
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(pdfcheck, "_open", no_aes)
    report = check_pdf(GOOD, "locked.pdf")
    assert (report.codes, report.pages) == (["encrypted"], 0)
    assert "password-protected" in report.problems[0].message


# --- helpers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"%PDF-1.4\n", True),
        (b"\xef\xbb\xbf%PDF-1.7", True),
        (b"x" * 1019 + b"%PDF-", True),
        (b"x" * 1020 + b"%PDF-", False),
        (b"%PDF", False),
        (b"PK\x03\x04", False),
        (b"", False),
        (None, False),
    ],
)
def test_is_pdf(data, expected):
    assert is_pdf(data) is expected


@pytest.mark.parametrize(
    "data, expected",
    [
        (GOOD, 3),
        (make_pdf(page_sizes=[A4, LETTER]), 2),
        (b"", None),
        (b"not a pdf", None),
        (GOOD[: len(GOOD) // 2], None),
        (encrypted("secret"), None),
        (encrypted(""), 1),
        (AES_SECRET, None),
    ],
)
def test_page_count(data, expected):
    assert page_count(data) == expected


def test_three_hundred_pages_checked_from_boxes_and_parsed_in_full():
    sizes = [A4] * 120 + [A4_LANDSCAPE] * 30 + [A4] * 149 + [LETTER]
    data = make_pdf(["Règlement de copropriété"], page_sizes=sizes)
    report = check_pdf(data, "reglement.pdf", require_portrait=True)
    assert report.pages == page_count(data) == 300
    assert summary(report) == [("landscape", 121, 150), ("not_a4", 300, 300)]
    # full_parse reads the same file the naive way: every page's text ("Page n / 300" included).
    assert full_parse(data) >= 300 * len("Page 1 / 300")


def test_full_parse_raises_on_broken_files_unlike_check_pdf():
    with pytest.raises(Exception):  # noqa: B017 - any pypdf error: it is the naive way
        full_parse(GOOD[: len(GOOD) // 2])
