"""The emulator's HTTP front: bodies it reads to their end, the language of AR24's messages, scripted
refusals."""

import http.client
import json
import re
import socket
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from ar24 import crypto
from ar24.client import AR24Client
from ar24.emulator import messages
from ar24.emulator.core import USER_REQUIRED
from ar24.errors import AR24ApiError

from .conftest import KEY, TOKEN

EMULATOR = Path(__file__).resolve().parents[1] / "emulator"


def _signed_form(**fields):
    date = crypto.paris_now()
    return date, urlencode(dict(fields, token=TOKEN, date=date)).encode()


def _chunks(body, size=7):
    """``body`` cut in small pieces: http.client sends an iterable body chunked."""
    return (body[i : i + size] for i in range(0, len(body), size))


# ---------------------------------------------------------------- request bodies
def test_a_chunked_body_is_read_and_the_connection_stays_usable(emulator, sender):
    """A client that streams its form (Transfer-Encoding: chunked, no Content-Length) is read as any
    other; the next request on the same kept-alive connection is answered as itself."""
    connection = http.client.HTTPConnection(emulator.host, emulator.port, timeout=5)
    date, body = _signed_form(id_user=sender["id_user"], to_email="owner@example.org", to_lastname="Aloxe")
    reference = "AG du 4 avril, lot n° %s" % ("123456789" * 20)  # spread over many chunks
    body += b"&" + urlencode({"content": "Convocation", "type": "ae", "ref_dossier": reference}).encode()
    connection.request(
        "POST",
        "/api/mail",
        body=_chunks(body),
        headers={"signature": crypto.sign(date, KEY), "Content-Type": "application/x-www-form-urlencoded"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    answer = json.loads(crypto.decrypt_body(response.read().decode(), date, KEY))
    assert (response.status, answer["status"]) == (200, "SUCCESS"), answer
    assert (answer["result"]["to_email"], answer["result"]["ref_dossier"]) == ("owner@example.org", reference)
    # the same connection: the next request is read from its own first line
    date, query = _signed_form(id_user=sender["id_user"])
    connection.request("GET", "/api/user/mail?" + query.decode(), headers={"signature": crypto.sign(date, KEY)})
    response = connection.getresponse()
    listed = json.loads(crypto.decrypt_body(response.read().decode(), date, KEY))["result"]
    assert [mail["id"] for mail in listed] == [answer["result"]["id"]]
    connection.close()


def test_a_chunked_control_request_is_read(emulator, controls):
    connection = http.client.HTTPConnection(emulator.host, emulator.port, timeout=5)
    body = json.dumps({"email": "chunked@example.com", "firstname": "Jeff", "lastname": "Lechef"}).encode()
    connection.request("POST", "/_emulator/senders", body=_chunks(body, 5), encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 200 and json.loads(response.read())["email"] == "chunked@example.com"
    connection.close()


@pytest.mark.parametrize(
    "raw_body, code",
    [
        (b"zz\r\ntoken=x\r\n0\r\n\r\n", 400),  # not a hexadecimal size
        (b"5\r\ntoken=x\r\n0\r\n\r\n", 400),  # chunk longer than announced
        (b"%x\r\n" % (300 * 1024 * 1024), 413),  # larger than AR24 accepts
    ],
    ids=["bad size", "bad chunk", "too large"],
)
def test_a_body_that_cannot_be_read_is_refused_and_the_connection_closed(emulator, raw_body, code):
    with socket.create_connection((emulator.host, emulator.port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/user HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" + raw_body
        )
        received = b""
        while chunk := sock.recv(65536):  # the emulator closes the connection after its answer
            received += chunk
    assert received.startswith(b"HTTP/1.1 %d " % code), received[:80]
    assert received.count(b"HTTP/1.1 ") == 1, "the leftover of the body was answered as a request"


# ---------------------------------------------------------------- AR24's messages
def _slugs_the_emulator_raises():
    source = "".join(path.read_text(encoding="utf-8") for path in EMULATOR.glob("*.py"))
    raised = set(re.findall(r'ApiError\(\s*"(\w+)"', source)) | {slug for _field, slug in USER_REQUIRED}
    controls_only = {"invalid_state", "invalid_status"}  # test controls' refusals (HTTP 400), not AR24's
    return sorted(raised - controls_only)


def test_every_refusal_of_the_emulator_has_ar24s_texts():
    missing = [slug for slug in _slugs_the_emulator_raises() if slug not in messages.TEXTS]
    assert not missing, "add AR24's English and French texts to ar24/emulator/messages.py: %s" % missing
    for key, (english, french) in messages.TEXTS.items():
        assert english and french and english != french, key


@pytest.mark.parametrize(
    "header, lang",
    [
        (None, "fr"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("nl", "nl"),
        ("nl-BE", "nl"),
        ("de", "fr"),
        ("fr-FR", "fr"),
    ],
)
def test_ar24_answers_in_french_unless_asked_for_english_or_dutch(emulator, header, lang):
    headers = {"Accept-Language": header} if header else {}
    answer = requests.get(emulator.api_url + "user", params={"date": crypto.paris_now()}, headers=headers, timeout=5)
    assert answer.json()["slug"] == "token_missing"
    english, french = messages.TEXTS["token_missing"]
    # Dutch: AR24's Dutch texts are not public, the emulator answers English
    assert answer.json()["message"] == (french if lang == "fr" else english)


def test_one_slug_is_worded_per_route_as_ar24_does(emulator, sender):
    """attachment_too_big: "File is empty (0B) or too big" on upload, "File exceeds size limit" on a letter
    (fxmauricard, AttachmentClient::upload and RegisteredMailClient::send)."""
    date = crypto.paris_now()
    answer = requests.post(
        emulator.api_url + "attachment",
        data={"token": TOKEN, "date": date, "id_user": sender["id_user"]},
        files={"file": ("empty.pdf", b"", "application/pdf")},
        headers={"signature": crypto.sign(date, KEY), "Accept-Language": "en"},
        timeout=5,
    ).json()
    assert (answer["slug"], answer["message"]) == ("attachment_too_big", "File is empty (0B) or too big")
    assert messages.text("attachment_too_big", "en", "send_mail") == "File exceeds size limit"


def test_the_client_shows_the_modules_sentence_whatever_ar24_wrote(emulator, sender):
    """The module's sentence per slug says what to do; AR24's text is kept aside, in either language."""
    for language in (None, "en"):
        client = AR24Client(emulator.api_url, TOKEN, KEY, accept_language=language, max_retries=0)
        with pytest.raises(AR24ApiError) as info:
            client.get_user(id_user=999999)
        assert info.value.message == "This AR24 account does not exist."
        assert info.value.ar24_message == messages.text("user_not_exist", language or "fr")


# ---------------------------------------------------------------- scripted refusals
def test_a_scripted_refusal_answers_the_next_call_of_its_route_only(emulator, controls, client):
    controls.refuse_next("create_user", "user_not_created")
    fields = dict(
        firstname="Jeff",
        lastname="Lechef",
        email="new@example.com",
        gender="M",
        statut="particulier",
        address1="1 rue de la Paix",
        city="Paris",
        zipcode="75002",
        country="FR",
    )
    assert client.list_users() == []  # another route: not refused
    with pytest.raises(AR24ApiError) as info:
        client.create_user(**fields)
    assert info.value.slug == "user_not_created"
    assert [call["fault"] for call in controls.calls("create_user")] == ["refuse:user_not_created"]
    assert client.create_user(**fields)["email"] == "new@example.com"  # the script is spent
