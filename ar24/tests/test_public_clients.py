"""What public AR24 clients written by others send and expect, replayed against the emulator and the client.

Each test encodes, as a fixture, one thing an independent client shows about AR24 (its code or its own
tests, cited in a comment: repository and file), and checks that the emulator answers it, or that the
client reads it. Nothing here reaches the network: the emulator runs in the test process.

The clients:

- fxmauricard/php-symfony-ar24-test-case (Symfony, 2026): ``src/Infrastructure/Ar24/...``; its tests copy
  AR24's documented example of a mail object.
- connected-company/php-ar24-client (PHP with ``declare(strict_types=1)``, 2019-2022, written against
  the API of that time: token only, answers in clear): every getter is typed, so a value of the wrong
  JSON type is a ``TypeError`` in that client.
- fadysaoudy/ar24_test_technique (Laravel, 2023, an AR24 technical test; its AR24 URL, token and key come
  from its configuration).
- segnashare/app ``src/lib/ar24/`` (TypeScript).
"""

import json
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import requests

from ar24 import crypto
from ar24.client import AR24Client, normalize
from ar24.emulator import EmulatorApp
from ar24.emulator.controls import EmulatorControls
from ar24.emulator.core import human_size
from ar24.emulator.profile import DEFAULT_PROFILE, ID_PROFILES
from ar24.pdf import make_pdf

from .conftest import KEY, TOKEN, ok, signed

LETTER = {
    "to_email": "owner@example.org",
    "to_firstname": "Denise",
    "to_lastname": "Aloxe",
    "dest_statut": "particulier",
    "content": "Convocation AG",
}
SIGN_UP = {
    "firstname": "Hugo",
    "lastname": "Dupont",
    "email": "hugo.dupont@example.com",
    "gender": "M",
    "statut": "professionnel",
    "company": "ABC SAS",
    "company_siret": "44306184100047",
    "address1": "1 rue de la République",
    "zipcode": "75001",
    "city": "Paris",
    "country": "FR",
}


def send(app, method, path, fields, headers=None, files=None):
    """One request exactly as given (no token, date or signature added); AR24's answer as JSON."""
    kwargs = {"params": fields} if method == "GET" else {"data": fields, "files": files}
    response = requests.request(method, app.api_url + path, headers=headers or {}, timeout=5, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def pdf_upload(app, id_user, name="convocation.pdf"):
    files = {"file": (name, make_pdf(["Convocation"]), "application/pdf")}
    return ok(signed(app, "POST", "attachment", {"id_user": id_user}, files=files))["file_id"]


def what_connected_company_reads(ids):
    """The user id, file id, mail id and send_fail as an emulator of profile ``ids`` serves them to the
    calls connected-company's client makes: GET user/?email= (Client::addUser), POST attachment/
    (Client::uploadAttachment), POST mail/ (Client::sendSimpleRegisteredEmail)."""
    app = EmulatorApp(port=0, token=TOKEN, private_key=KEY, ids=ids).start()
    try:
        sender = EmulatorControls(app.base_url).sender("syndic@example.com")
        user = ok(signed(app, "GET", "user/", {"email": "syndic@example.com"}))
        file_id = pdf_upload(app, sender["id_user"])
        mail = ok(signed(app, "POST", "mail/", dict(LETTER, id_user=sender["id_user"], attachment=[file_id])))
        return user["id"], file_id, mail["id"], mail["send_fail"]
    finally:
        app.stop()


# ---------------------------------------------------------------- JSON types (connected-company)
def test_one_id_profile_gives_string_user_and_file_ids_and_an_int_mail_id():
    """connected-company's client is strict-typed and was written against the live API:
    ``UserConfiguration::__construct(User $user, string $id)`` takes ``result.id`` of GET user,
    ``AttachmentUploadedResponse::getId(): ?string`` returns ``file_id``, and
    ``EmailResponse::getId(): ?int`` returns the ``id`` of a mail object (its README passes it to
    ``getEmailInformations`` right after sending). Under ``--ids string`` the mail id is a string
    (TypeError in EmailResponse::getId); under ``--ids int`` the user id is a number (TypeError in
    UserConfiguration). The ``live`` profile, the emulator's default, serves it. Files:
    src/Connected/Ar24/Client.php, Component/UserConfiguration.php, Response/AttachmentUploadedResponse.php,
    Response/EmailResponse.php."""
    served = {ids: what_connected_company_reads(ids) for ids in ID_PROFILES}
    fitting = [
        ids
        for ids, (user_id, file_id, mail_id, _send_fail) in served.items()
        if isinstance(user_id, str) and isinstance(file_id, str) and type(mail_id) is int
    ]
    assert fitting, "no id profile serves what connected-company reads: %r" % served
    assert DEFAULT_PROFILE in fitting, "the emulator answers as the live API by default"


def test_one_id_profile_gives_send_fail_as_a_json_boolean():
    """connected-company/php-ar24-client, src/Connected/Ar24/Response/EmailResponse.php:
    ``isSendFail(): ?bool`` returns ``$data['send_fail'] ?? null`` under strict types, so AR24's
    ``send_fail`` is true, false or null; "0" (string profile) and 0 (int profile) both raise."""
    served = {ids: what_connected_company_reads(ids)[3] for ids in ID_PROFILES}
    assert any(isinstance(value, bool) for value in served.values()), served
    assert served[DEFAULT_PROFILE] is False, served


# ---------------------------------------------------------------- sign-up
def test_signing_up_an_existing_email_answers_user_not_created(emulator):
    """No public client knows a ``user_already_exist`` slug. fxmauricard's list of POST user errors
    (src/Infrastructure/Ar24/Http/User/UserClient.php::create, copied from AR24's documentation) ends
    with ``user_not_created``; fadysaoudy/ar24_test_technique, app/Helpers/ApiResponseHandler.php
    (commits db4f2e4 and a82331c; its next commit maps every slug to a plain message again) turns
    ``user_not_created`` into ``UserAlreadyExistException`` ("An AR24 account already exists with this
    email address"). The emulator answered ``user_already_exist``."""
    assert ok(signed(emulator, "POST", "user", SIGN_UP))
    answer = signed(emulator, "POST", "user", SIGN_UP)
    assert (answer["status"], answer["slug"]) == ("ERROR", "user_not_created")


def test_the_user_object_never_carries_the_sign_up_password(emulator):
    """fxmauricard's data/examples/user/create-user-*.json and fadysaoudy's
    app/Http/Requests/DTO/User/UserCreateRequest.php send a ``password`` at sign-up; AR24's user object
    (fxmauricard, src/Infrastructure/Ar24/Http/User/Model/User.php, 40 fields) has none. The emulator
    used to store every posted field and give the password back, on POST user and on every GET user."""
    created = ok(signed(emulator, "POST", "user", dict(SIGN_UP, password="S3cret-pass!")))
    assert "password" not in created
    assert "password" not in ok(signed(emulator, "GET", "user", {"id_user": created["id"]}))


def test_the_user_object_names_the_phone_as_ar24_does(emulator):
    """AR24's user object names the phones ``c_phone`` and ``c_mobile`` (fxmauricard,
    src/Infrastructure/Ar24/Http/User/Model/User.php); there is no ``phone``. The emulator used to keep
    and echo any posted field, so a sign-up that sent ``phone`` looked kept although AR24 ignores it."""
    created = ok(signed(emulator, "POST", "user", dict(SIGN_UP, phone="+33612345678", c_phone="+33145678901")))
    assert created.get("c_phone") == "+33145678901"
    assert "phone" not in created


def test_a_siret_no_company_has_is_refused(emulator):
    """AR24 looks the SIRET up: fxmauricard's text for ``error_company_siret``
    (src/Infrastructure/Ar24/Http/User/UserClient.php::create) is "Please specify a valid company_siret
    (No company has been found with this company_siret)". 12345678900012 has 14 digits but fails the
    Luhn check every SIRET satisfies, so no company has it; the emulator used to count the digits only."""
    answer = signed(emulator, "POST", "user", dict(SIGN_UP, company_siret="12345678900012"))
    assert (answer["status"], answer.get("slug")) == ("ERROR", "error_company_siret")


def test_the_user_list_is_sorted_as_asked(emulator, controls):
    """fxmauricard, src/Infrastructure/Ar24/Http/User/UserClient.php::list sends ``max``, ``start`` and
    ``sort`` (ASC or DESC, "Sort by ID") to GET user/list; the emulator used to ignore ``sort`` there."""
    first = controls.sender("first@example.com")["id_user"]
    second = controls.sender("second@example.com")["id_user"]
    users = ok(signed(emulator, "GET", "user/list", {"max": 10, "start": 0, "sort": "DESC"}))["users"]
    assert [int(user["id"]) for user in users] == [second, first]


# ---------------------------------------------------------------- attachments and mail objects
def test_the_attachments_of_a_letter_come_in_the_uploaded_file_shape(emulator, sender):
    """fxmauricard, src/Infrastructure/Ar24/Http/Attachment/AttachmentClient.php reads GET attachment?id=
    (listByRegisteredMailId) into the same ``Attachment`` model as GET user/attachment (listByUserId):
    ``id_api_attachment, hash, filesize, filename, id_user, upload_date, api_id``
    (Attachment/Model/Attachment.php). The emulator used to answer a mail's ``attachments_details``
    shape there, so that client read an attachment whose every field was null."""
    file_id = pdf_upload(emulator, sender["id_user"])
    mail = ok(signed(emulator, "POST", "mail", dict(LETTER, id_user=sender["id_user"], attachment=[file_id])))
    (item,) = ok(signed(emulator, "GET", "attachment", {"id": mail["id"]}))["attachments"]
    assert {"id_api_attachment", "hash", "filesize", "filename", "id_user", "upload_date", "api_id"} <= set(item)
    assert (item["id_api_attachment"], item["filename"]) == (file_id, "convocation.pdf")


def test_human_file_size_is_written_as_in_ar24s_example():
    """AR24's documented mail object, copied in fxmauricard's
    tests/Infrastructure/Ar24/Http/RegisteredMail/DataTransformer/RegisteredMailDataTransformerTest.php:
    ``fileSize: 8515845, humanFileSize: '8.5 Mb'`` (8,515,845 bytes = 8.5 million bytes; in 1024-based
    units it is 8.1)."""
    assert human_size(8515845) == "8.5 Mb"


def test_from_name_is_written_as_in_ar24s_example(emulator, controls):
    """Same example: the sender marie.dupont@example.com has ``fromName: 'Dupont Marie'``, last name
    first (the recipient update of the example gives lastname Dupont, firstname Marie)."""
    marie = controls.sender("marie.dupont@example.com", firstname="Marie", lastname="Dupont")
    mail = ok(signed(emulator, "POST", "mail", dict(LETTER, id_user=marie["id_user"])))
    assert mail["from_name"] == "Dupont Marie"


# ---------------------------------------------------------------- messages
def test_messages_follow_accept_language(emulator):
    """AR24 answers in French unless ``Accept-Language`` asks for en or nl (slugs never change);
    fxmauricard sends ``Accept-Language: en`` on every call for that reason
    (src/Infrastructure/Ar24/Security/HeadersFactory.php::buildHeaders). The emulator's messages
    used to be the same whatever the header."""
    params = {"id_user": 999999}
    default = signed(emulator, "GET", "user", params)
    english = signed(emulator, "GET", "user", params, headers={"Accept-Language": "en"})
    assert default["slug"] == english["slug"] == "user_not_exist"
    assert default["message"] != english["message"]


def _date_in_future():
    return crypto.paris_now(offset_seconds=20 * 60)


ENGLISH_TEXTS = [
    # fxmauricard, src/Infrastructure/Ar24/Http/Client/ApiClient.php, DEFAULT_ERROR_MAP
    ("token_missing", "GET", "user", lambda: {"date": crypto.paris_now()}, "The token is missing in your request"),
    ("token_invalid", "GET", "user", lambda: {"token": "wrong", "date": crypto.paris_now()}, "Your token is not valid"),
    ("empty_date", "GET", "user", lambda: {"token": TOKEN}, "No date parameter found in your request"),
    (
        "invalid_date",
        "GET",
        "user",
        lambda: {"token": TOKEN, "date": "2026-12-02T10:00:00"},
        "Wrong date format (must be YYYY-MM-DD HH:mm:ss)",
    ),
    (
        "date_in_future",
        "GET",
        "user",
        lambda: {"token": TOKEN, "date": _date_in_future()},
        "Given datetime must be set between call submission and +10 minutes",
    ),
    # fxmauricard RegisteredMailClient::send and fadysaoudy app/Enum/UserErrorEnum.php::USER_NOT_EXIST
    (
        "user_not_exist",
        "GET",
        "user",
        lambda: {"token": TOKEN, "date": crypto.paris_now(), "id_user": "999999"},
        "There is no user with this address on AR24",
    ),
]


@pytest.mark.parametrize("slug, method, path, fields, text", ENGLISH_TEXTS, ids=[case[0] for case in ENGLISH_TEXTS])
def test_english_messages_are_ar24s_own_texts(emulator, slug, method, path, fields, text):
    """With ``Accept-Language: en`` AR24's ``message`` is its documented English text, which independent
    clients quote word for word; the emulator used to send the module's own advice (for example "fill it
    in the settings") as if AR24 had said it."""
    values = fields()
    headers = {"Accept-Language": "en"}
    if "date" in values:
        headers["signature"] = crypto.sign(values["date"], KEY)
    answer = send(emulator, method, path, values, headers=headers)
    assert (answer["slug"], answer["message"]) == (slug, text)


def test_user_unavailable_is_ar24s_own_text(emulator, controls):
    """fxmauricard (every client of src/Infrastructure/Ar24/Http/) and fadysaoudy
    (app/Enum/UserErrorEnum.php::USER_UNAVAILABLE) quote the same sentence."""
    stranger = controls.sender("stranger@example.com", attached=False)
    answer = signed(emulator, "GET", "user", {"id_user": stranger["id_user"]}, headers={"Accept-Language": "en"})
    assert answer["slug"] == "user_unavailable"
    assert answer["message"] == (
        "You tried to access a resource that is not related to your API (user has not granted API access)"
    )


# ---------------------------------------------------------------- the client
# AR24's documented mail object, as fxmauricard's
# tests/Infrastructure/Ar24/Http/RegisteredMail/DataTransformer/RegisteredMailDataTransformerTest.php copies it,
# with the JSON types connected-company's strict getters demand (mail id a number, send_fail a boolean).
DOCUMENTED_MAIL = {
    "id": 123,
    "type": "lre",
    "status": "waiting",
    "attachments": [51],
    "from_name": "Dupont Marie",
    "from_email": "marie.dupont@example.com",
    "address1": "13 rue du Moulin",
    "address2": "",
    "city": "PARIS",
    "zipcode": "75000",
    "to_name": "Doe Corp John Doe",
    "to_firstname": "John",
    "to_lastname": "Doe",
    "to_company": "Doe Corp",
    "to_email": "john.doe@example.com",
    "dest_statut": "professionnel",
    "id_sender": 123,
    "id_creator": 123,
    "price_ht": 0,
    "payment_slug": "stripe-1234",
    "ref_dossier": "AAAA",
    "ref_client": "111",
    "ref_facturation": "BBB",
    "date": "2017-11-15 18:13:01",
    "full_hash_sha256": "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
    "send_fail": False,
    "is_eidas": False,
    "proof_ev_url": "https://sandbox.ar24.fr/get/proof/ev-123?token=1111111111111111",
    "ts_ev_date": "2017-11-15 18:15:01",
    "req_notify_ev": True,
    "attachments_details": [
        {
            "id": 51,
            "name": "file.pdf",
            "hash_sha1": "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3",
            "file_size": 8515845,
            "human_file_size": "8.5 Mb",
            "download_url": "https://sandbox.ar24.fr//get/att/a94a...",
        }
    ],
    "update": [{"id_recipient_update": 5, "date": "2017-11-18 18:13:01", "lastname": "Dupont", "firstname": "Marie"}],
}


def test_the_client_reads_ar24s_documented_mail_object():
    """Held: numbers, booleans and strings come out alike, references and zip codes stay text."""
    mail = normalize(DOCUMENTED_MAIL)
    assert (mail["id"], mail["id_sender"], mail["attachments"]) == (123, 123, [51])
    assert (mail["send_fail"], mail["is_eidas"], mail["req_notify_ev"], mail["price_ht"]) == (0, 0, 1, 0.0)
    assert (mail["ref_client"], mail["zipcode"]) == ("111", "75000")
    assert mail["attachments_details"][0]["file_size"] == 8515845
    as_strings = normalize(json.loads(json.dumps(DOCUMENTED_MAIL).replace(": 123", ': "123"')))
    assert as_strings["id"] == mail["id"]


class EnvelopeSession:
    """Answers every call as segnashare/app, src/lib/ar24/client.ts::parseAr24Response reads AR24: a
    clear JSON object whose ``result`` is the Base64 ciphertext (key from the request's date) of the whole
    answer ``{"status": "SUCCESS", "result": ...}``."""

    proxies, verify, trust_env = {}, True, False

    def __init__(self, result):
        self.result = result

    def request(self, method, url, **kwargs):
        date = dict(kwargs.get("params") or kwargs.get("data"))["date"]
        inner = json.dumps({"status": "SUCCESS", "result": self.result})
        outer = json.dumps({"status": "SUCCESS", "result": crypto.encrypt_body(inner, date, KEY)})
        return SimpleNamespace(status_code=200, text=outer)


def test_the_client_reads_a_result_encrypted_inside_a_clear_answer():
    """segnashare's client decrypts ``result`` when it is a string and reads status and result from the
    clear text; the documented test vector (whole body encrypted) fits both readings. The client used to
    return the ciphertext itself as the result."""
    user = {"id": "5001", "email": "syndic@example.com", "confirmed": "1"}
    client = AR24Client("http://127.0.0.1:9/api/", TOKEN, KEY, session=EnvelopeSession(user), max_retries=0)
    assert client.get_user(id_user=5001) == {"id": 5001, "email": "syndic@example.com", "confirmed": 1}


def test_a_form_body_with_php_indexed_arrays_is_read(emulator, sender):
    """connected-company (src/Connected/Ar24/Component/ClientTrait.php::getEmailData) posts
    ``attachment[0]``, ``attachment[1]`` as multipart fields and reads the list with ``mail[0]=``
    (http_build_query of ``['mail' => $ids]``); fxmauricard posts ``attachment[0]=`` urlencoded."""
    first, second = pdf_upload(emulator, sender["id_user"]), pdf_upload(emulator, sender["id_user"], "annexe.pdf")
    date = crypto.paris_now()
    fields = dict(LETTER, token=TOKEN, date=date, id_user=sender["id_user"])
    fields.update({"attachment[0]": first, "attachment[1]": second})
    response = requests.post(
        emulator.api_url + "mail/",
        data=urlencode(fields),
        headers={"signature": crypto.sign(date, KEY), "Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    mail = ok(json.loads(crypto.decrypt_body(response.text, date, KEY)))
    assert [int(i) for i in mail["attachments"]] == [int(first), int(second)]
    listed = ok(signed(emulator, "GET", "user/mail", {"id_user": sender["id_user"], "mail[0]": mail["id"]}))
    assert [m["id"] for m in listed] == [mail["id"]]
