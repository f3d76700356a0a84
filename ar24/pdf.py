"""Tiny PDF writer (no dependency): the emulator's proofs and the tests' sample documents."""


def _escape(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(lines=("",), width=595, height=842, pages=1, page_sizes=None):
    """Return the bytes of a valid PDF whose pages show ``lines`` in Helvetica.

    ``page_sizes`` (a list of (width, height) in points) overrides ``width``/``height``/``pages``,
    e.g. ``[(595, 842), (842, 595)]`` for an A4 portrait page followed by a landscape annex.
    """
    sizes = list(page_sizes or [(width, height)] * pages)
    text = [line.encode("latin-1", "replace").decode("latin-1") for line in lines]
    objects = []  # bodies of objects 1..n

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)
    pages_obj = add(None)
    font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for number, (w, h) in enumerate(sizes, start=1):
        ops = ["BT /F1 11 Tf 56 %d Td 14 TL" % (h - 72)]
        ops += ["(%s) '" % _escape(line) for line in text]
        ops.append("(Page %d / %d) '" % (number, len(sizes)))
        ops.append("ET")
        stream = "\n".join(ops)
        content = add("<< /Length %d >>\nstream\n%s\nendstream" % (len(stream.encode("latin-1")), stream))
        kids.append(
            add(
                "<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /F1 %d 0 R >> >> "
                "/Contents %d 0 R >>" % (pages_obj, w, h, font, content)
            )
        )
    objects[catalog - 1] = "<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objects[pages_obj - 1] = "<< /Type /Pages /Kids [%s] /Count %d >>" % (
        " ".join("%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += ("%d 0 obj\n%s\nendobj\n" % (number, body)).encode("latin-1")
    xref = len(out)
    out += ("xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)).encode("ascii")
    out += "".join("%010d 00000 n \n" % off for off in offsets).encode("ascii")
    out += (
        "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    ).encode("ascii")
    return bytes(out)
