"""The emulator's multipart reader: what clients send, read as PHP (and the stdlib) read it."""

from email.parser import BytesParser
from email.policy import HTTP

import pytest
import requests

from ar24.emulator import multipart


def encoded(fields, files):
    """The body and Content-Type requests sends for ``data=fields, files=files``."""
    prepared = requests.Request("POST", "http://127.0.0.1/", data=fields, files=files).prepare()
    return prepared.body, prepared.headers["Content-Type"]


def stdlib(body, content_type):
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    return [
        (part.get_param("name", header="content-disposition"), part.get_filename(), part.get_payload(decode=True))
        for part in message.iter_parts()
    ]


PDF = "application/pdf"
CASES = [
    ("fields and a PDF", [("token", "t"), ("id_user", "7")], {"file": ("convocation.pdf", b"%PDF-1.4\n\x00\xff", PDF)}),
    (
        "accents in the file name",
        [("file_name", "Règlement copropriété.pdf")],
        {"file": ("Règlement copropriété.pdf", b"%PDF", PDF)},
    ),
    ("CRLF and dashes inside the content", [("content", "a\r\n--b\r\nc")], {"file": ("a.pdf", b"\r\n--\r\n\r\n", PDF)}),
    ("empty file", [("x", "")], {"file": ("empty.pdf", b"", PDF)}),
    ("PHP array fields", [("attachment[]", "1"), ("attachment[]", "2")], {"file": ("a.pdf", b"1", PDF)}),
]


@pytest.mark.parametrize("fields,files", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_reads_what_requests_sends_as_the_stdlib_does(fields, files):
    body, content_type = encoded(fields, files)
    parts = multipart.parse(body, content_type)
    assert parts == stdlib(body, content_type)
    assert [(name, value.encode()) for name, value in fields] == [(n, c) for n, f, c in parts if f is None]
    assert [(name, spec[0], spec[1]) for name, spec in files.items()] == [p for p in parts if p[1] is not None]


def test_quotes_in_a_file_name_arrive_as_sent():
    # requests (urllib3) writes a quote of a file name as %22, the HTML5 way, which PHP keeps as is
    body, content_type = encoded([], {"file": ('plan "lot 4".pdf', b"x", "application/pdf")})
    assert multipart.parse(body, content_type) == [("file", "plan %22lot 4%22.pdf", b"x")] == stdlib(body, content_type)
    quoted = b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a \\"b\\".pdf"\r\n\r\nx\r\n--XyZ--'
    assert multipart.parse(quoted, "multipart/form-data; boundary=XyZ") == [("file", 'a "b".pdf', b"x")]


def test_extended_file_name_wins():
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="fallback.pdf"; '
        b"filename*=UTF-8''r%C3%A8glement.pdf\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--XyZ--\r\n"
    )
    assert multipart.parse(body, "multipart/form-data; boundary=XyZ") == [("file", "règlement.pdf", b"%PDF")]


@pytest.mark.parametrize(
    "body,content_type",
    [
        (b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n', "multipart/form-data; boundary=XyZ"),
        (b"--XyZ\r\nno blank line\r\n--XyZ--\r\n", "multipart/form-data; boundary=XyZ"),
        (b"--XyZ--\r\n", "multipart/form-data"),
    ],
    ids=["no close delimiter", "no blank line after the headers", "no boundary"],
)
def test_malformed_bodies_are_refused(body, content_type):
    with pytest.raises(multipart.MultipartError):
        multipart.parse(body, content_type)


def test_a_malformed_upload_gets_an_ar24_error_not_a_crash(emulator):
    response = requests.post(
        emulator.api_url + "attachment/",
        data=b"--XyZ\r\ngarbage",
        headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
        timeout=5,
    )
    assert response.status_code == 200
    assert response.json()["slug"] == "token_missing"
