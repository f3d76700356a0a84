"""Many letters in one wkhtmltopdf run, split back into one PDF per letter.

A wkhtmltopdf run costs about 0.1 s of CPU before its first page (starting Qt, parsing the
report's style sheets) and about 15 ms per page after it. Debian's wkhtmltopdf (unpatched Qt)
takes one input document per run and cannot mark where each record starts (Odoo splits a batch
by outlines, which only the patched build writes), so a letter per run pays the start every time.

Here the letters of a run go into one HTML document, each starting on a new page and carrying, at
its top, an empty link whose address holds a token drawn for the run and the letter's rank.
wkhtmltopdf turns a link into a link annotation of the page it is on: reading the annotations of
each page (no text extraction) says where each letter starts. The marker is taken out of the
letter's PDF; the pages are the ones a run of its own would give (same layout, text and count).

The token is random per run: a letter's body cannot carry a marker that moves pages from one
letter to another. Anything unexpected (a marker missing, twice, out of order, not on the first
page) raises ``BatchSplitError`` and the caller renders those letters one per run.
"""

import io
import secrets

from lxml import html as lxml_html
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject

MARKER_URL = "https://ar24-letter-start.invalid/%s/%d"
# out of the flow (it moves nothing), a box of its own (an empty inline link gets no annotation)
MARKER_STYLE = "position:absolute;display:block;width:1px;height:1px"
BREAK_STYLE = "page-break-before:always;height:1px;margin-bottom:-1px"
WRAPPER_STYLE = "margin-top:inherit;padding-top:inherit"
ARTICLE = "//div[contains(concat(' ', normalize-space(@class), ' '), ' article ')]"


class BatchSplitError(Exception):
    """The batch PDF cannot be split with certainty: render its letters one per run."""


def _article(root):
    articles = root.xpath(ARTICLE)
    if len(articles) != 1:
        raise BatchSplitError("a letter's document holds %d articles, not one" % len(articles))
    return articles[0]


def shell_key(document):
    """What a document holds besides its article (head, style sheets, body attributes): only
    documents with the same shell can share a run."""
    root = lxml_html.document_fromstring(document)
    article = _article(root)
    article.getparent().replace(article, lxml_html.Element("div"))
    return lxml_html.tostring(root, encoding="unicode")


def join(documents, token):
    """One HTML document showing ``documents`` (Odoo's report documents, one article each) in turn,
    each from a new page and marked with ``MARKER_URL % (token, rank)``.

    Each letter after the first starts as it would at the top of a document of its own: wkhtmltopdf
    drops the margins of an element that starts with a forced page break, so the break goes to a
    block of one pixel pulled back by its bottom margin (the letter starts at the top of the page),
    followed by a wrapper with the body's own top margin and padding, which collapse with the
    letter's first margins as the body's would. Measured on body margins and paddings, first
    headings, paragraphs and empty blocks: every line lands where a run of its own puts it.
    """
    root = lxml_html.document_fromstring(documents[0])
    first = _article(root)
    parent, place = first.getparent(), first.getparent().index(first)
    parent.remove(first)
    for rank, document in enumerate(documents):
        article = first if rank == 0 else _article(lxml_html.document_fromstring(document))
        marker = lxml_html.Element("a", href=MARKER_URL % (token, rank), style=MARKER_STYLE)
        marker.tail = article.text
        article.text = None
        article.insert(0, marker)
        if rank:
            parent.insert(place, lxml_html.Element("div", style=BREAK_STYLE))
            place += 1
            wrapper = lxml_html.Element("div", style=WRAPPER_STYLE)
            wrapper.append(article)
            article = wrapper
        parent.insert(place, article)
        place += 1
    return "<!DOCTYPE html>\n" + lxml_html.tostring(root, encoding="unicode")


def new_token():
    return secrets.token_hex(16)


def _marker_rank(annotation, prefix):
    """The rank a marker annotation carries, or None for any other annotation (a body's links)."""
    action = annotation.get_object().get("/A")
    action = action.get_object() if action is not None else {}
    uri = action.get("/URI") if hasattr(action, "get") else None
    uri = str(uri.get_object()) if uri is not None else ""
    if not uri.startswith(prefix):
        return None
    rank = uri[len(prefix) :]
    if not rank.isdigit():
        raise BatchSplitError("a marker carries no rank: %r" % uri)
    return int(rank)


def split(data, token, count):
    """The PDFs of the ``count`` letters of a joined run (bytes of the run's PDF), markers removed."""
    prefix = MARKER_URL.split("%s", 1)[0] + token + "/"
    reader = PdfReader(io.BytesIO(data))
    starts = []  # page of each letter's first page, in rank order
    for number, page in enumerate(reader.pages):
        annotations = page.get("/Annots")
        annotations = list(annotations.get_object()) if annotations is not None else []
        if not annotations:
            continue
        kept = []
        for annotation in annotations:
            rank = _marker_rank(annotation, prefix)
            if rank is None:
                kept.append(annotation)
            elif rank != len(starts):
                raise BatchSplitError("letter %d starts where letter %d was expected" % (rank, len(starts)))
            else:
                starts.append(number)
        if len(kept) != len(annotations):
            if kept:
                page[NameObject("/Annots")] = ArrayObject(kept)
            else:
                del page["/Annots"]
    if len(starts) != count or (starts and starts[0] != 0) or len(set(starts)) != len(starts):
        raise BatchSplitError("%d letters, %d marked starts %s" % (count, len(starts), starts[:10]))
    pdfs = []
    for rank, first in enumerate(starts):
        last = starts[rank + 1] if rank + 1 < count else len(reader.pages)
        writer = PdfWriter()
        for number in range(first, last):
            writer.add_page(reader.pages[number])
        out = io.BytesIO()
        writer.write(out)
        pdfs.append(out.getvalue())
        _forget(writer)
    _forget(reader)
    return pdfs


def _forget(document):
    """Drop the objects of a pypdf reader or writer at once. They point back to their document: left
    to Python's cycle collector, which a large process (an Odoo server) runs rarely, the objects of
    every run would stay in memory long after their letters were filed."""
    for name in ("resolved_objects", "xref", "flattened_pages", "_idnum_hash", "_id_translated", "_objects"):
        value = vars(document).get(name)
        if type(value) in (dict, list):  # pypdf's own dictionaries and arrays are left alone
            value.clear()
