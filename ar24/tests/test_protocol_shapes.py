"""AR24's answers as public clients written against the live API read them, pinned on the emulator.

Each test reads the raw answer (signed and decrypted by hand, no client code) in every id profile:
``live`` (as the live API: user and file ids, counts and 0/1 flags as strings, prices as decimals, but a
mail's id a number and its send_fail a boolean), ``string`` (strings throughout) and ``int`` (numbers).
Then the client shows the same values whatever the profile.
"""

import hashlib
import io
import time
from urllib.parse import parse_qs

import pytest
import requests
from pypdf import PdfWriter

from ar24 import crypto
from ar24.client import AR24Client, list_rows, normalize
from ar24.emulator.profile import present
from ar24.errors import AR24ApiError
from ar24.pdf import make_pdf
from ar24.routes import DATE_GRACE_SECONDS, DATE_OFFSET_SECONDS, MAX_FUTURE_SECONDS, RESULT_KEYS

from .conftest import KEY, TOKEN, ok, signed

EN = {"Accept-Language": "en"}
LETTER = {
    "to_email": "owner@example.org",
    "to_firstname": "Denise",
    "to_lastname": "Aloxe",
    "content": "Convocation AG",
    "type": "ae",
}


def typed(emulator, number):
    """``number`` as the emulator's profile writes an id, count or flag (a mail's id and send_fail
    apart: see ``mail_typed``)."""
    return number if emulator.config.ids == "int" else str(number)


def mail_typed(emulator, key, number):
    """A mail object's ``id`` or ``send_fail`` as the profile writes it: the live API types them apart."""
    if emulator.config.ids == "live":
        return bool(number) if key == "send_fail" else number
    return typed(emulator, number)


def upload(emulator, sender, content, name="convocation.pdf", content_type="application/pdf"):
    files = {"file": (name, content, content_type)}
    return signed(emulator, "POST", "attachment", {"id_user": sender["id_user"], "file_name": name}, files)


def deposit(emulator, sender, **params):
    return signed(emulator, "POST", "mail", dict(LETTER, id_user=sender["id_user"], **params))


# ---------------------------------------------------------------- lists
def test_the_list_of_letters_is_the_result_itself_and_mail_ids_filter_it(emulator, sender):
    first, second, third = (ok(deposit(emulator, sender, ref_dossier="AG-%d" % i)) for i in range(3))
    result = ok(signed(emulator, "GET", "user/mail", {"id_user": sender["id_user"]}))
    assert isinstance(result, list), "GET user/mail answers the list of mail objects as result"
    assert [mail["id"] for mail in result] == [first["id"], second["id"], third["id"]]
    # mail[] (PHP array) reads the given letters only, as connected-company's client asks them
    picked = ok(
        signed(emulator, "GET", "user/mail", {"id_user": sender["id_user"], "mail[]": [first["id"], third["id"]]})
    )
    assert [mail["ref_dossier"] for mail in picked] == ["AG-0", "AG-2"]
    indexed = ok(signed(emulator, "GET", "user/mail", {"id_user": sender["id_user"], "mail[0]": second["id"]}))
    assert [mail["ref_dossier"] for mail in indexed] == ["AG-1"]


def test_uploaded_files_have_their_own_item_shape_in_a_named_list(emulator, sender):
    pdf = make_pdf(["Convocation"])
    file_id = ok(upload(emulator, sender, pdf))["file_id"]
    assert file_id == typed(emulator, int(file_id))
    result = ok(signed(emulator, "GET", "user/attachment", {"id_user": sender["id_user"]}))
    assert result["total"] == typed(emulator, 1)
    (item,) = result["attachments"]
    assert set(item) == {"id_api_attachment", "hash", "filesize", "filename", "id_user", "upload_date", "api_id"}
    assert item["id_api_attachment"] == file_id and item["filename"] == "convocation.pdf"
    assert item["filesize"] == typed(emulator, len(pdf)) and item["id_user"] == typed(emulator, sender["id_user"])
    assert item["hash"] == hashlib.sha256(pdf).hexdigest()
    assert crypto.parse_paris_date(item["upload_date"])


@pytest.mark.parametrize("route", ["list_mails", "list_users", "list_consents", "list_user_attachments"])
@pytest.mark.parametrize("shape", ["list in result", "named list"])
def test_the_client_reads_every_list_in_both_shapes(monkeypatch, route, shape):
    """Whatever shape AR24 uses for a list, the client pages through it and stops."""
    rows = [{"id": str(i)} for i in range(5)]
    pages = []

    def request(self, name, params=None, files=None, timeout=None):
        pages.append(params["start"])
        chunk = rows[params["start"] : params["start"] + params["max"]]
        return normalize(chunk if shape == "list in result" else {RESULT_KEYS[name]: chunk})

    monkeypatch.setattr(AR24Client, "request", request)
    client = AR24Client("http://127.0.0.1:9/api/", TOKEN, KEY, page_size=2)
    found = list(client._paged(route, {"id_user": 1}))
    assert [row["id"] for row in found] == [0, 1, 2, 3, 4]
    assert pages == [0, 2, 4]
    assert list_rows([{"id": 1}], "mails") == ([{"id": 1}], None)
    assert list_rows({"mails": [{"id": 1}], "total": 7}, "mails") == ([{"id": 1}], 7)


# ---------------------------------------------------------------- types
def test_ids_flags_and_prices_are_typed_as_the_profile_says(emulator, sender):
    user = ok(signed(emulator, "GET", "user", {"id_user": sender["id_user"]}))
    assert user["id"] == typed(emulator, sender["id_user"])
    for flag in ("confirmed", "cgu", "is_identity_verified", "payment_active", "is_payment_possible"):
        assert user[flag] == typed(emulator, 1), flag
    file_id = ok(upload(emulator, sender, make_pdf(["Annexe"])))["file_id"]
    mail = ok(deposit(emulator, sender, attachment=[file_id]))
    assert mail["id_sender"] == mail["id_creator"] == typed(emulator, sender["id_user"])
    assert mail["attachments"] == [file_id]
    assert mail["attachments_details"][0]["id"] == file_id
    expected = mail_typed(emulator, "send_fail", 0)
    assert (mail["send_fail"], type(mail["send_fail"])) == (expected, type(expected))
    assert mail["is_eidas"] == typed(emulator, 0)
    assert mail["price_ht"] == (1.9 if emulator.config.ids == "int" else "1.90")
    listed = ok(signed(emulator, "GET", "user/mail", {"id_user": sender["id_user"]}))
    assert [type(m["id"]) for m in listed] == [type(mail["id"])], "a mail is typed alike wherever it is served"
    types = {"int": (int, int, int), "string": (str, str, str), "live": (int, str, str)}[emulator.config.ids]
    assert (type(mail["id"]), type(file_id), type(user["id"])) == types


def test_the_client_sees_the_same_values_in_every_profile(client, controls, sender):
    """The client settles every type in one place: ints for ids, counts and flags, floats for prices."""
    file_id = client.upload_attachment(sender["id_user"], make_pdf(["Annexe"]), "annexe.pdf")
    mail = client.send_mail(
        sender["id_user"], "ae", attachment=[file_id], **{k: v for k, v in LETTER.items() if k != "type"}
    )
    user = client.get_user(id_user=sender["id_user"])
    listed = client.list_mails(sender["id_user"])
    files = client.list_user_attachments(sender["id_user"])
    assert (type(file_id), type(mail["id"]), type(user["id"])) == (int, int, int)
    assert mail["attachments"] == [file_id] and listed[0]["id"] == mail["id"]
    assert (mail["send_fail"], mail["is_eidas"], user["confirmed"], user["is_payment_possible"]) == (0, 0, 1, 1)
    assert mail["price_ht"] == 1.9 and isinstance(mail["price_ht"], float)
    assert files[0]["id_api_attachment"] == file_id and files[0]["filesize"] > 0
    controls.id_profile("int" if controls.app.config.ids == "string" else "string")
    assert client.get_mail(mail["id"])["id"] == mail["id"]
    assert client.list_mails(sender["id_user"], ids=[mail["id"]])[0]["attachments"] == [file_id]


def test_normalize_reads_strings_numbers_and_booleans_alike():
    answer = {
        "id": "900001",
        "id_sender": 5001,
        "attachments": ["70001", 70002],
        "attachments_details": [{"id": "70001", "file_size": "1024"}],
        "send_fail": "0",
        "is_eidas": True,
        "req_notify_ar": "1",
        "notify_ev": 0,
        "price_ht": "3.90",
        "status": "sent",
        "to_lastname": "0042",  # not an id: a recipient's name stays as written
        "api_id": "emulator",
    }
    assert normalize(answer) == {
        "id": 900001,
        "id_sender": 5001,
        "attachments": [70001, 70002],
        "attachments_details": [{"id": 70001, "file_size": 1024}],
        "send_fail": 0,
        "is_eidas": 1,
        "req_notify_ar": 1,
        "notify_ev": 0,
        "price_ht": 3.9,
        "status": "sent",
        "to_lastname": "0042",
        "api_id": "emulator",
    }
    assert normalize([{"total": "250"}]) == [{"total": 250}]
    # what the emulator serves under the string profile reads back to the int profile's values
    served = {"id": 7, "confirmed": 1, "price_ht": 5.9, "attachments": [1, 2], "name": "x"}
    assert present(served, "string") == {
        "id": "7",
        "confirmed": "1",
        "price_ht": "5.90",
        "attachments": ["1", "2"],
        "name": "x",
    }
    assert normalize(present(served, "string")) == normalize(served)


# ---------------------------------------------------------------- sign-up errors
SIGN_UP = {
    "firstname": "Jeff",
    "lastname": "Lechef",
    "email": "jeff@example.com",
    "gender": "M",
    "statut": "professionnel",
    "address1": "32 rue du Septentrion",
    "city": "Saint-Raphaël",
    "zipcode": "83700",
    "country": "FR",
    "company": "Cabinet Lechef",
    "company_siret": "12345678200010",
}


@pytest.mark.parametrize(
    "change, slug",
    [
        ({"address1": ""}, "missing_address"),
        ({"city": ""}, "missing_city"),
        ({"company_siret": ""}, "missing_company_siret"),
        ({"company_siret": "123"}, "error_company_siret"),
        ({"company_siret": "12345678900012"}, "error_company_siret"),  # 14 digits, no company has them
        ({"country": "DE", "company_siret": ""}, "missing_company_tva"),
        ({"gender": "X"}, "error_gender"),
    ],
)
def test_sign_up_errors_are_ar24_slugs_with_a_sentence(emulator, change, slug):
    answer = signed(emulator, "POST", "user", dict(SIGN_UP, **change))
    assert (answer["status"], answer["slug"]) == ("ERROR", slug)
    message = answer["message"]
    assert message != slug and " " in message, message
    english = signed(emulator, "POST", "user", dict(SIGN_UP, **change), headers={"Accept-Language": "en"})
    assert english["slug"] == slug and english["message"].startswith("Please specify"), english


def test_sign_up_accepts_a_professional_as_the_country_requires(emulator):
    assert ok(
        signed(emulator, "POST", "user", dict(SIGN_UP, country="DE", company_siret="", company_tva="DE123456789"))
    )
    assert ok(signed(emulator, "POST", "user", dict(SIGN_UP, email="ch@example.com", country="CH", company_siret="")))
    private = dict(SIGN_UP, email="denise@example.com", statut="particulier", company_siret="")
    assert ok(signed(emulator, "POST", "user", private))["id"] == typed(emulator, 5003)


# ---------------------------------------------------------------- to_valid
def test_an_eidas_letter_without_otp_is_created_to_valid(emulator, controls, sender, webhook_sink):
    """AR24 deposits it, unsent, until its sender validates it; it is not an error."""
    sink = webhook_sink()
    mail = ok(deposit(emulator, sender, type="lre", eidas=1, dest_statut="particulier", webhook=sink.url))
    assert mail["status"] == "to_valid" and mail["is_eidas"] == typed(emulator, 1)
    assert (mail["proof_dp_url"], mail["proof_ev_url"], mail["ts_ev_date"]) == ("", "", "")
    listed = ok(signed(emulator, "GET", "user/mail", {"id_user": sender["id_user"], "status": "to_valid"}))
    assert [m["id"] for m in listed] == [mail["id"]]
    # nothing moves it but its validation: not the clock, not the recipient
    controls.advance(days=30)
    assert ok(signed(emulator, "GET", "mail", {"id": mail["id"]}))["status"] == "to_valid"
    with pytest.raises(RuntimeError, match="HTTP 400"):
        controls.recipient(int(mail["id"]), "accept")
    validated = controls.sender_action(int(mail["id"]), "validate")
    assert validated["status"] == "waiting" and validated["proof_dp_url"].endswith(".pdf")
    assert requests.get(validated["proof_dp_url"], timeout=5).content.startswith(b"%PDF")
    assert ok(signed(emulator, "GET", "mail", {"id": mail["id"]}))["status"] == "sent"
    # another one is never validated: AR24 gives up on it
    dropped = ok(deposit(emulator, sender, type="lre", eidas=1))
    assert controls.sender_action(int(dropped["id"]), "expire")["status"] == "not_valided"
    assert ok(signed(emulator, "GET", "mail", {"id": dropped["id"]}))["status"] == "not_valided"
    with pytest.raises(RuntimeError, match="HTTP 400"):
        controls.sender_action(int(dropped["id"]), "validate")
    # AR24 calls the letter's webhook when it leaves to_valid, as on every change
    deadline = time.monotonic() + 5
    while len(sink.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sorted(parse_qs(body)["new_state"][0] for body in sink.received) == ["sent", "waiting"]


def test_an_eidas_letter_with_a_wrong_code_is_still_refused(emulator, sender):
    answer = deposit(emulator, sender, type="lre", eidas=1, otp="000000")
    assert answer["slug"] == "authentication_otp_invalid"
    assert ok(signed(emulator, "GET", "user/mail", {"id_user": sender["id_user"]})) == []


# ---------------------------------------------------------------- billing
@pytest.mark.parametrize(
    ("files", "pages"),
    [([], 1), ([1], 1), ([3], 3), ([3, 2], 5)],
    ids=["text alone", "one page", "three pages", "two files"],
)
def test_a_paper_letter_is_billed_per_printed_page_of_its_files(emulator, sender, files, pages):
    ids = [ok(upload(emulator, sender, make_pdf(["page"], pages=count)))["file_id"] for count in files]
    mail = ok(
        deposit(
            emulator,
            sender,
            type="lr_paper",
            to_lastname="Aloxe",
            to_address1="32 rue du Septentrion",
            to_zipcode="83700",
            to_city="Saint-Raphaël",
            to_country="FR",
            content="Mise en demeure",
            **({"attachment[]": ids} if ids else {}),
        )
    )
    assert float(mail["price_ht"]) == pytest.approx(5.90 + 0.20 * pages)


# ---------------------------------------------------------------- the mail object
def test_the_mail_object_carries_the_fields_clients_read(emulator, sender):
    file_id = ok(upload(emulator, sender, make_pdf(["x" * 60] * 200, pages=40)))["file_id"]
    mail = ok(
        deposit(
            emulator,
            sender,
            type="lr_paper",
            dest_statut="professionnel",
            to_company="SCI Les Pins",
            to_address1="32 rue du Septentrion",
            to_address2="Résidence Port Grimaud",
            to_postal_code="83700",  # as segnashare sends it; to_zipcode is accepted too
            to_city="Saint-Raphaël",
            to_country="FR",
            attachment=[file_id],
        )
    )
    assert mail["to_name"] == "SCI Les Pins Denise Aloxe"
    assert (mail["address1"], mail["address2"], mail["zipcode"], mail["city"]) == (
        "32 rue du Septentrion",
        "Résidence Port Grimaud",
        "83700",
        "Saint-Raphaël",
    )
    assert {mail["req_notify_%s" % kind] for kind in ("ev", "ar", "rf", "ng")} == {typed(emulator, 1)}
    assert mail["proof_dp_url"].endswith(".pdf") and mail["status"] == "waiting"
    size = mail["attachments_details"][0]["human_file_size"]
    assert size.endswith((" Kb", " Mb")) and float(size.split()[0]) > 0, size
    assert float(mail["price_ht"]) == pytest.approx(5.90 + 40 * 0.20), "a paper letter is billed per printed page"
    electronic = ok(deposit(emulator, sender, to_email="other@example.org"))
    assert electronic["to_name"] == "Denise Aloxe" and electronic["address1"] == ""


# ---------------------------------------------------------------- the date window
@pytest.mark.parametrize(
    "offset, slug",
    [
        (-(DATE_GRACE_SECONDS + 5), "expired_date"),
        (-(DATE_GRACE_SECONDS - 10), None),
        (MAX_FUTURE_SECONDS - 10, None),
        (MAX_FUTURE_SECONDS + 10, "date_in_future"),
    ],
)
def test_the_date_window_is_strict(emulator, sender, offset, slug):
    answer = signed(emulator, "GET", "user", {"id_user": sender["id_user"]}, offset=offset)
    assert answer.get("slug") == slug
    if slug == "expired_date":
        english = signed(emulator, "GET", "user", {"id_user": sender["id_user"]}, offset=offset, headers=EN)
        assert english["message"] == "Given datetime is older than current datetime"


def test_the_grace_is_configurable(emulator, controls, sender):
    controls.faults(date_grace_seconds=600)
    assert signed(emulator, "GET", "user", {"id_user": sender["id_user"]}, offset=-300)["status"] == "SUCCESS"
    controls.faults(date_grace_seconds=0)
    assert signed(emulator, "GET", "user", {"id_user": sender["id_user"]}, offset=-2)["slug"] == "expired_date"


def test_the_client_dates_ahead_and_stays_inside_the_window(emulator, sender):
    """The client's forward offset keeps a request valid while it travels and when this clock runs a
    little behind AR24's; far behind, AR24's refusal is named."""
    assert AR24Client(emulator.api_url, TOKEN, KEY).date_offset == DATE_OFFSET_SECONDS > 0
    slow = DATE_OFFSET_SECONDS + DATE_GRACE_SECONDS - 20  # this clock is slow by that many seconds
    assert AR24Client(emulator.api_url, TOKEN, KEY, date_offset=DATE_OFFSET_SECONDS - slow).list_users()
    behind = AR24Client(emulator.api_url, TOKEN, KEY, date_offset=DATE_OFFSET_SECONDS - 600, max_retries=0)
    with pytest.raises(AR24ApiError) as info:
        behind.list_users()
    assert info.value.slug == "expired_date" and "clock is behind" in info.value.message


# ---------------------------------------------------------------- uploads AR24 refuses
def _encrypted_pdf():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret-user-password")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, content, content_type, slug",
    [
        ("letter.pdf", b"<html><body>Convocation</body></html>", "application/pdf", "attachment_not_pdf"),
        ("letter.html", b"<html><body>Convocation</body></html>", "application/pdf", "attachment_not_pdf"),
        ("letter.pdf", b"<html>" * 10, "application/octet-stream", "attachment_not_pdf"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage", "application/pdf", "attachment_unreadable"),
        ("locked.pdf", None, "application/pdf", "attachment_unreadable"),
        ("notes.txt", b"minutes of the assembly", "text/plain", None),
        ("plan.pdf", make_pdf(["Plan du lot"]), "application/pdf", None),
    ],
)
def test_uploads_ar24_refuses(emulator, sender, name, content, content_type, slug):
    answer = upload(emulator, sender, content if content is not None else _encrypted_pdf(), name, content_type)
    assert answer.get("slug") == slug, answer
    if slug:
        assert answer["message"] and slug not in answer["message"]
    listed = ok(signed(emulator, "GET", "user/attachment", {"id_user": sender["id_user"]}))["attachments"]
    assert len(listed) == (0 if slug else 1)
