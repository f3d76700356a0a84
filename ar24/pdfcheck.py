"""Checks of a letter's PDF attachments before they go to AR24.

AR24 seals every attachment and, for paper letters, prints it on A4 sheets: a file that is
encrypted, corrupt or not A4 is refused (or printed shrunk) only once the letter is sent, when
the deadline may already be at stake. These checks run first, on the sender's side, and say in
plain words which file and which pages to fix.

Only the page tree is read (MediaBox, CropBox, Rotate): nothing is rendered and no text is
extracted, so that a 300-page scan is checked in milliseconds. ``full_parse`` does what a naive
check would do (extract every page's text) and exists only for benchmarks to compare against.

Pure Python: imports pypdf but nothing from Odoo.
"""

import io
import logging
from dataclasses import dataclass, field

from pypdf import PdfReader
from pypdf.errors import DependencyError

from .i18n import _lt
from .routes import MAX_ATTACHMENTS_BYTES

_logger = logging.getLogger(__name__)

# ISO 216 A4 is 210 × 297 mm = 595.28 × 841.89 pt; producers round it either way (595 × 842,
# 595.3 × 841.9) and scanners add a point or two, hence the tolerance.
A4_WIDTH_PT = 595
A4_HEIGHT_PT = 842
A4_TOLERANCE_PT = 3
POINTS_PER_MM = 72 / 25.4
# A file larger than this is refused before being parsed: AR24 caps all attachments of one letter at it.
MAX_BYTES = MAX_ATTACHMENTS_BYTES
# A PDF may start with a little garbage (some generators prepend a BOM or a mail header); readers
# accept the header within the first 1024 bytes (PDF 32000-1, annex H.3).
PDF_MAGIC = b"%PDF-"
PDF_MAGIC_WINDOW = 1024
# Beyond this many groups of pages with the same kind of problem, the rest is summed up in one line.
MAX_GROUPS_PER_CODE = 5

# Common paper sizes in points (portrait), named in messages so that the sender recognises them.
PAPER_SIZES = {
    "A3": (842, 1191),
    "A5": (420, 595),
    "B5": (499, 709),
    "Letter": (612, 792),
    "Legal": (612, 1008),
    "Tabloid": (792, 1224),
    "Executive": (522, 756),
}

CODES = ("empty", "too_big", "unreadable", "encrypted", "not_a4", "landscape")


@dataclass(frozen=True)
class Problem:
    """One thing to fix; ``page``..``last_page`` (1-based) is the range of pages concerned, if any."""

    code: str
    message: str
    page: int | None = None
    last_page: int | None = None


@dataclass
class PdfReport:
    """The outcome of ``check_pdf``: ``pages`` is 0 when the file could not be opened."""

    pages: int = 0
    problems: list = field(default_factory=list)
    name: str = ""

    @property
    def ok(self):
        return not self.problems

    @property
    def codes(self):
        """The distinct problem codes, in order of appearance (handy for tests and UI badges)."""
        return list(dict.fromkeys(problem.code for problem in self.problems))

    def add(self, code, message, page=None, last_page=None):
        self.problems.append(Problem(code, message, page, last_page))


def is_pdf(data):
    """True when ``data`` carries the PDF magic number near its start (a cheap test, not a validation)."""
    return bool(data) and PDF_MAGIC in data[:PDF_MAGIC_WINDOW]


def _size(count):
    """A byte count as people read it: "1.5 MiB", "800 KiB", "12 bytes"."""
    if count >= 2**20:
        return ("%.1f MiB" % (count / 2**20)).replace(".0 ", " ")
    if count >= 2**10:
        return ("%.1f KiB" % (count / 2**10)).replace(".0 ", " ")
    return "%d bytes" % count


def _open(data):
    """A PdfReader on ``data``, lenient like the PDF viewers the senders use (strict=False)."""
    return PdfReader(io.BytesIO(data), strict=False)


def _opens_without_password(reader):
    """Whether the content of an encrypted PDF can be read with the empty user password.

    pypdf tries the empty password when opening; asking again is cheap and public API. A missing
    AES implementation (pypdf's pure-Python fallback on old ``cryptography``) counts as "no".
    """
    try:
        return bool(reader.decrypt(""))
    except Exception:  # whatever pypdf raises, the content stays unreadable
        return False


def page_count(data):
    """Number of pages, or None when the file is not a PDF, is corrupt or needs a password."""
    if not is_pdf(data):
        return None
    try:
        reader = _open(data)
        if reader.is_encrypted and not _opens_without_password(reader):
            return None
        return len(reader.pages)
    except Exception:  # pypdf raises many kinds of errors on broken files
        return None


def full_parse(data):
    """What a naive check does: open every page and extract its text. Returns the number of characters.

    Only for benchmarks comparing it with ``check_pdf``; never used to check attachments.
    """
    reader = _open(data)
    return sum(len(page.extract_text() or "") for page in reader.pages)


def _normalized(box):
    """(left, bottom, right, top) of a PDF rectangle whatever the order of its corners."""
    x1, y1, x2, y2 = (float(value) for value in box)
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def visible_size(page):
    """(width, height) in points of the page as printed: the CropBox clipped to the MediaBox, then /Rotate.

    Viewers and printers show the intersection of both boxes (PDF 32000-1, 14.11.2); an empty
    intersection is a producer's bug that viewers ignore, so the MediaBox alone then counts.
    """
    media = _normalized(page.mediabox)
    crop = _normalized(page.cropbox)
    left, bottom = max(media[0], crop[0]), max(media[1], crop[1])
    right, top = min(media[2], crop[2]), min(media[3], crop[3])
    if right <= left or top <= bottom:
        left, bottom, right, top = media
    width, height = right - left, top - bottom
    if (page.rotation or 0) % 180 == 90:
        width, height = height, width
    return width, height


def _close_to(size, reference, tolerance=A4_TOLERANCE_PT):
    """Whether ``size`` matches ``reference`` in either orientation."""
    (w, h), (rw, rh) = size, reference
    return (abs(w - rw) <= tolerance and abs(h - rh) <= tolerance) or (
        abs(w - rh) <= tolerance and abs(h - rw) <= tolerance
    )


def describe_size(width, height):
    """The size as seen, in millimetres, with its usual name when it has one: "216 × 279 mm (Letter)"."""
    width_mm, height_mm = round(width / POINTS_PER_MM), round(height / POINTS_PER_MM)
    for paper, reference in PAPER_SIZES.items():
        if _close_to((width, height), reference):
            return _lt("%d × %d mm (%s)", width_mm, height_mm, paper)
    return _lt("%d × %d mm", width_mm, height_mm)


def _page_problem(page, require_portrait):
    """(code, size description) of one page, or None when the page is fine."""
    width, height = visible_size(page)
    if not _close_to((width, height), (A4_WIDTH_PT, A4_HEIGHT_PT)):
        return "not_a4", describe_size(width, height)
    if require_portrait and width > height:
        return "landscape", _lt("A4 landscape")
    return None


def _groups(problems):
    """Runs of consecutive pages with the same problem: [(key, first_page, last_page)], pages 1-based."""
    runs = []
    for number, key in enumerate(problems, start=1):
        if key is None:
            continue
        if runs and runs[-1][0] == key and runs[-1][2] == number - 1:
            runs[-1][2] = number
        else:
            runs.append([key, number, number])
    return [tuple(run) for run in runs]


def _group_message(name, code, detail, first, last):
    # whole sentences, so that a translation may order the words as its language wants
    if code == "not_a4":
        if first == last:
            return _lt("%s: page %d is %s, not A4.", name, first, detail)
        return _lt("%s: pages %d–%d are %s, not A4.", name, first, last, detail)
    if first == last:
        return _lt("%s: page %d is %s: paper letters are printed portrait only.", name, first, detail)
    return _lt("%s: pages %d–%d are %s: paper letters are printed portrait only.", name, first, last, detail)


def _report_pages(report, name, keys):
    """Adds one problem per run of pages, at most MAX_GROUPS_PER_CODE per code, then a summary line."""
    listed = {}
    for (code, detail), first, last in _groups(keys):
        rest = listed.setdefault(code, [])
        rest.append((detail, first, last))
        if len(rest) <= MAX_GROUPS_PER_CODE:
            report.add(code, _group_message(name, code, detail, first, last), first, last)
    for code, runs in listed.items():
        hidden = runs[MAX_GROUPS_PER_CODE:]
        if hidden:
            count = sum(last - first + 1 for _detail, first, last in hidden)
            if code == "not_a4":
                message = _lt("%s: %d more pages from page %d on are not A4.", name, count, hidden[0][1])
            else:
                message = _lt("%s: %d more pages from page %d on are A4 landscape.", name, count, hidden[0][1])
            report.add(
                code,
                message,
                hidden[0][1],
                hidden[-1][2],
            )


def _declared_count(reader):
    """The /Count of the root page tree node: how many pages the producer wrote (0 when absent or odd)."""
    try:
        count = reader.root_object["/Pages"].get_object().get("/Count", 0)
    except Exception:  # a missing or odd node: pypdf's own walk of the tree decides
        return 0
    return count if isinstance(count, int) else 0


def _check_count(report, reader, name):
    """Pages that pypdf silently skips (a dangling reference in the page tree) mean a damaged file."""
    report.pages = len(reader.pages)
    declared = _declared_count(reader)
    if not report.pages:
        report.add("unreadable", _lt("%s has no readable page: save or print it again as PDF.", name))
    elif report.pages < declared:
        report.add(
            "unreadable",
            _lt(
                "%s is damaged: it declares %d pages but only %d can be read. Save or print it again as PDF.",
                name,
                declared,
                report.pages,
            ),
        )


def _check_pages(report, reader, name, require_portrait):
    """Reads the boxes of every page; a page that cannot be read makes the whole file unreadable."""
    keys = []
    try:
        _check_count(report, reader, name)
        for page in reader.pages:
            keys.append(_page_problem(page, require_portrait))
    except Exception as error:  # any pypdf error means a damaged page tree
        number = len(keys) + 1 if report.pages else 0
        _logger.info("Unreadable page %s of %s: %s", number, name, error)
        message = (
            _lt("%s is damaged (page %d): save or print it again as PDF.", name, number)
            if number
            else _lt("%s is damaged: save or print it again as PDF.", name)
        )
        report.add("unreadable", message, number or None)
        return
    _report_pages(report, name, keys)


def _encryption_message(name, opens):
    if opens:
        return _lt(
            "%s is encrypted (it opens without a password but restricts printing or changes): "
            "AR24 cannot print or seal it. Save or print it again as an unprotected PDF.",
            name,
        )
    return _lt("%s is password-protected: AR24 cannot open, print or seal it. Send an unprotected copy.", name)


def check_pdf(data, name, require_portrait=False, max_bytes=MAX_BYTES):
    """Everything that would make AR24 refuse or misprint the attachment ``name``, as a PdfReport.

    Never raises on bad input: a corrupt file is a problem to report, not an error. Pages are
    checked even in an encrypted file when it opens without a password, so that the sender learns
    about every problem at once. ``require_portrait`` is for paper letters (printed portrait only).
    """
    report = PdfReport(name=name)
    if not data:
        report.add("empty", _lt("%s is empty (0 bytes).", name))
        return report
    if len(data) > max_bytes:
        report.add(
            "too_big", _lt("%s is %s: larger than the %s AR24 accepts.", name, _size(len(data)), _size(max_bytes))
        )
        return report
    if not is_pdf(data):
        report.add("unreadable", _lt("%s is not a PDF file.", name))
        return report
    try:
        reader = _open(data)
        encrypted = reader.is_encrypted
    except DependencyError:
        # pypdf needs an AES implementation just to test the empty password: the file is encrypted.
        report.add("encrypted", _encryption_message(name, opens=False))
        return report
    except Exception as error:  # pypdf raises many kinds of errors on broken files
        _logger.info("Unreadable PDF %s: %s", name, error)
        report.add("unreadable", _lt("%s is damaged or truncated: save or print it again as PDF.", name))
        return report
    if encrypted:
        opens = _opens_without_password(reader)
        report.add("encrypted", _encryption_message(name, opens))
        if not opens:
            return report
    _check_pages(report, reader, name, require_portrait)
    return report
