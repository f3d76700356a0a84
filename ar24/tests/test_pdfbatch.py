"""Letters rendered together in one wkhtmltopdf run come apart into the PDFs a run each would give."""

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from ar24 import pdfbatch

SHELL = (
    '<!DOCTYPE html>\n<html style="height: 0;"><head><meta charset="utf-8"/></head>'
    '<body class="o_body_pdf"><div class="article" style="" data-oe-model="ar24.letter" data-oe-id="%d">'
    "%s</div></body></html>"
)
LONG = "".join("<p>Résolution n°%d : approbation des comptes de l'exercice.</p>" % i for i in range(90))

needs_wkhtmltopdf = pytest.mark.skipif(not shutil.which("wkhtmltopdf"), reason="wkhtmltopdf is not installed")


def letter(number, body):
    return SHELL % (number, "<h4>Lettre %d</h4>%s" % (number, body))


def render(tmp_path, document, name):
    source, target = tmp_path / (name + ".html"), tmp_path / (name + ".pdf")
    source.write_text(document, encoding="utf-8")
    subprocess.run(
        ["wkhtmltopdf", "--quiet", "--disable-javascript", "--disable-local-file-access", str(source), str(target)],
        capture_output=True,
        check=False,
    )
    return target.read_bytes()


def content(data):
    """What a reader sees of a PDF: its pages' text, and the links each page carries."""
    reader = PdfReader(io.BytesIO(data))
    pages = []
    for page in reader.pages:
        links = [str(a.get_object()["/A"]["/URI"]) for a in page.get("/Annots", [])]
        pages.append((" ".join(page.extract_text().split()), links))
    return pages


def layout(data):
    """Where each piece of text stands on each page (points from the bottom of the page)."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        lines = []

        def visit(text, matrix, text_matrix, _font, _size, lines=lines):
            if text.strip():
                lines.append((round(matrix[5] + text_matrix[5] * matrix[3], 1), text.strip()))

        page.extract_text(visitor_text=visit)
        pages.append(lines)
    return pages


@needs_wkhtmltopdf
def test_each_letter_gets_the_pages_a_run_of_its_own_gives(tmp_path):
    bodies = ["<p>AG du 4 avril</p>", LONG, '<p>Voir <a href="https://example.org/pv">le procès-verbal</a>.</p>']
    documents = [letter(n, body) for n, body in enumerate(bodies)]
    token = pdfbatch.new_token()
    pdfs = pdfbatch.split(render(tmp_path, pdfbatch.join(documents, token), "batch"), token, len(documents))
    alone = [content(render(tmp_path, document, "alone%d" % n)) for n, document in enumerate(documents)]
    assert [content(pdf) for pdf in pdfs] == alone
    assert len(alone[1]) > 1  # the long letter runs over several pages, and keeps them all
    assert alone[2][0][1] == ["https://example.org/pv"]  # the body's own link stays; the marker does not
    assert all(token not in str(pdf) for pdf in pdfs)


BODY_STYLES = ["", 'style="margin:0"', 'style="margin:20px"', 'style="padding:10px"']
FIRST_BLOCKS = ["", "<div>Objet</div>", "<div></div>", "<p>Objet</p>", "<h1>Objet</h1>"]


@needs_wkhtmltopdf
@pytest.mark.parametrize("body_style", BODY_STYLES)
def test_every_line_lands_where_a_run_of_its_own_puts_it(tmp_path, body_style):
    # wkhtmltopdf drops the margins at a forced page break: a letter that started higher on its
    # page would fit one more line there, and its pages would break elsewhere
    shell = SHELL.replace("<body ", "<body %s " % body_style)
    documents = [shell % (n, first + "<h4>Lettre %d</h4>" % n + LONG) for n, first in enumerate(FIRST_BLOCKS)]
    token = pdfbatch.new_token()
    pdfs = pdfbatch.split(render(tmp_path, pdfbatch.join(documents, token), "batch"), token, len(documents))
    for number, (document, pdf) in enumerate(zip(documents, pdfs)):
        assert layout(pdf) == layout(render(tmp_path, document, "alone")), FIRST_BLOCKS[number]


@needs_wkhtmltopdf
def test_a_marker_forged_in_a_body_moves_no_page(tmp_path):
    # another run's marker (an old token read in a PDF): a plain link of the letter, nothing more
    forged = '<a href="%s" style="%s">x</a>' % (pdfbatch.MARKER_URL % ("0" * 32, 1), pdfbatch.MARKER_STYLE)
    documents = [letter(0, forged + LONG), letter(1, "<p>Relance</p>")]
    token = pdfbatch.new_token()
    pdfs = pdfbatch.split(render(tmp_path, pdfbatch.join(documents, token), "batch"), token, 2)
    assert "Lettre 1" not in " ".join(text for text, _links in content(pdfs[0]))
    assert content(pdfs[1]) == content(render(tmp_path, documents[1], "alone"))
    # with this run's own token (which no body can know), the split refuses rather than guess
    forged = '<a href="%s" style="%s"></a>' % (pdfbatch.MARKER_URL % (token, 1), pdfbatch.MARKER_STYLE)
    documents[0] = letter(0, LONG + forged)
    with pytest.raises(pdfbatch.BatchSplitError):
        pdfbatch.split(render(tmp_path, pdfbatch.join(documents, token), "forged"), token, 2)


@needs_wkhtmltopdf
def test_a_missing_letter_is_refused(tmp_path):
    documents = [letter(n, "<p>Relance</p>") for n in range(3)]
    token = pdfbatch.new_token()
    data = render(tmp_path, pdfbatch.join(documents, token), "batch")
    with pytest.raises(pdfbatch.BatchSplitError):
        pdfbatch.split(data, token, 4)
    with pytest.raises(pdfbatch.BatchSplitError):
        pdfbatch.split(data, pdfbatch.new_token(), 3)


def test_documents_with_another_shell_do_not_share_a_run():
    document = letter(1, "<p>AG</p>")
    assert pdfbatch.shell_key(document) == pdfbatch.shell_key(letter(2, "<p>Relance</p>").replace('"2"', '"1"'))
    assert pdfbatch.shell_key(document) != pdfbatch.shell_key(document.replace("o_body_pdf", "o_body_pdf rtl"))
    with pytest.raises(pdfbatch.BatchSplitError):
        pdfbatch.join([document, document.replace('class="article"', 'class="main"')], pdfbatch.new_token())
