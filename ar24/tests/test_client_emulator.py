"""Client <-> emulator round trips over real HTTP on loopback."""

import json
import time
from urllib.parse import parse_qs

import pyotp
import pytest
import requests

from ar24 import crypto
from ar24.client import AR24Client, base_url_for, encode_params, new_session
from ar24.emulator import EmulatorApp
from ar24.errors import SLUG_MESSAGES, AR24ApiError, AR24MaintenanceError, AR24TransportError
from ar24.pdf import make_pdf

from .conftest import KEY, TOKEN


def send(client, sender, **overrides):
    params = dict(to_email="owner@example.org", to_firstname="Denise", to_lastname="Aloxe", content="Convocation AG")
    params.update(overrides)
    product = params.pop("product", "ae")
    return client.send_mail(sender["id_user"], product, **params)


def slug_of(call):
    with pytest.raises(AR24ApiError) as info:
        call()
    return info.value.slug


# ---------------------------------------------------------------- protocol
def test_any_correct_implementation_gets_an_encrypted_answer(emulator, sender):
    """Sign by hand (no client code) and decrypt by hand: the documented algorithm suffices."""
    date = crypto.paris_now()
    response = requests.get(
        emulator.api_url + "user",
        params={"token": TOKEN, "date": date, "id_user": sender["id_user"]},
        headers={"signature": crypto.sign(date, KEY)},
        timeout=5,
    )
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.text)  # SUCCESS bodies are encrypted
    payload = json.loads(crypto.decrypt_body(response.text, date, KEY))
    assert payload["status"] == "SUCCESS"
    assert payload["result"]["email"] == "syndic@example.com"


@pytest.mark.parametrize(
    "params, headers, slug",
    [
        ({"date": "now"}, {"signature": "sig"}, "token_missing"),
        ({"token": "wrong", "date": "now"}, {"signature": "sig"}, "token_invalid"),
        ({"token": TOKEN}, {"signature": "sig"}, "empty_date"),
        ({"token": TOKEN, "date": "2021-05-26T14:00:00"}, {"signature": "sig"}, "invalid_date"),
        ({"token": TOKEN, "date": "old"}, {"signature": "sig"}, "expired_date"),
        ({"token": TOKEN, "date": "future"}, {"signature": "sig"}, "date_in_future"),
        ({"token": TOKEN, "date": "now"}, {}, "empty_signature"),
        ({"token": TOKEN, "date": "now"}, {"signature": crypto.sign("2021-05-26 14:00:00", KEY)}, "invalid_signature"),
    ],
)
def test_authentication_errors_are_clear_json(emulator, params, headers, slug):
    dates = {
        "now": crypto.paris_now(),
        "old": crypto.paris_now(offset_seconds=-3600),
        "future": crypto.paris_now(offset_seconds=900),
    }
    if params.get("date") in dates:
        params = dict(params, date=dates[params["date"]])
    response = requests.get(emulator.api_url + "user/list", params=params, headers=headers, timeout=5)
    body = response.json()
    assert body["status"] == "ERROR" and body["slug"] == slug


def test_client_date_offset_outside_window_is_reported(emulator):
    client = AR24Client(emulator.api_url, TOKEN, KEY, date_offset=-3600)
    assert slug_of(client.list_users) == "expired_date"
    client = AR24Client(emulator.api_url, TOKEN, KEY, date_offset=700)
    assert slug_of(client.list_users) == "date_in_future"
    # a small forward offset (clock skew margin) is accepted
    assert AR24Client(emulator.api_url, TOKEN, KEY, date_offset=60).list_users() == []


def test_wrong_private_key_gives_invalid_signature(emulator):
    client = AR24Client(emulator.api_url, TOKEN, "not the key")
    with pytest.raises(AR24ApiError) as info:
        client.list_users()
    assert info.value.slug == "invalid_signature"
    assert "private key" in info.value.message


def test_encode_params_php_arrays_and_booleans():
    assert encode_params({"attachment": [5, 6], "eidas": True, "x": None, "n": 0}) == [
        ("attachment[]", "5"),
        ("attachment[]", "6"),
        ("eidas", "1"),
        ("n", "0"),
    ]


def test_base_url_for_environments():
    assert base_url_for("production") == "https://app.ar24.fr/api/"
    assert base_url_for("sandbox") == "https://sandbox.ar24.fr/api/"
    assert base_url_for("custom", "http://127.0.0.1:8024/api") == "http://127.0.0.1:8024/api/"
    with pytest.raises(ValueError):
        base_url_for("custom", "ftp://x")


# ---------------------------------------------------------------- users
def test_user_routes(client, controls, sender):
    assert client.get_user(email="SYNDIC@example.com")["id"] == sender["id_user"]
    user = client.get_user(id_user=sender["id_user"])
    assert user["is_identity_verified"] == 1 and user["is_payment_possible"] == 1
    assert "totp_secret" not in user
    assert [u["id"] for u in client.list_users()] == [sender["id_user"]]
    assert client.request_cgu(sender["id_user"]) == {"status": "sent"}
    assert client.request_identity(sender["id_user"]) == {"status": "sent"}
    assert client.payment_request(sender["id_user"], get_link=True)["link"].startswith("http://127.0.0.1")
    methods = client.list_payment_methods(sender["id_user"])
    assert methods == [{"slug": "stripe-47146", "label": "Copro 1 (*****4242 - 12/2030)", "type": "card"}]
    assert slug_of(lambda: client.get_user(email="nobody@example.com")) == "user_not_exist"
    assert slug_of(lambda: client.get_user()) == "missing_user_id"


def test_create_user_and_its_errors(client, sender):
    fields = dict(
        firstname="Jeff",
        lastname="Chef",
        email="jeff@example.com",
        gender="M",
        statut="professionnel",
        address1="32 rue du Septentrion",
        city="Saint-Raphaël",
        zipcode="83700",
        country="FR",
        company="Crypto Syndic",
        company_siret="12345678200010",
        confirmed=1,
        cgu=1,
    )
    user = client.create_user(**fields)
    assert user["email"] == "jeff@example.com" and user["confirmed"] == 1 and user["is_identity_verified"] == 0
    # an e-mail AR24 already knows: its sign-up answers user_not_created (it has no slug of its own)
    assert slug_of(lambda: client.create_user(**fields)) == "user_not_created"
    for change, slug in [
        ({"email": "other@example.com", "firstname": ""}, "missing_firstname"),
        ({"email": "not-an-email"}, "email_wrong_format"),
        ({"email": "other@example.com", "gender": "X"}, "error_gender"),
        ({"email": "other@example.com", "country": "France"}, "error_country"),
        ({"email": "other@example.com", "company_siret": "123"}, "error_company_siret"),
        ({"email": "other@example.com", "company_siret": "12345678900012"}, "error_company_siret"),
    ]:
        assert slug_of(lambda change=change: client.create_user(**dict(fields, **change))) == slug, change
    assert "SIRET" in AR24ApiError("error_company_siret").message


def test_request_access_pending_until_accepted(client, controls):
    other = controls.sender("gerant@example.com", attached=False)
    assert slug_of(lambda: client.get_user(id_user=other["id_user"])) == "user_unavailable"
    assert client.request_access("gerant@example.com") == {"id_user": other["id_user"], "status": "pending"}
    assert slug_of(lambda: client.get_user(id_user=other["id_user"])) == "user_unavailable"
    controls.post("access/%d/accept" % other["id_user"])
    assert client.get_user(id_user=other["id_user"])["email"] == "gerant@example.com"
    assert client.request_access("gerant@example.com")["status"] == "accepted"
    assert slug_of(lambda: client.request_access("unknown@example.com")) == "user_not_exist"


def test_auth_otp(client, sender):
    result = client.auth_otp(sender["id_user"], sender["otp"]())
    assert len(result["hash"]) == 64
    expires = crypto.parse_paris_date(result["expiration_date"])
    assert 3500 < (expires - crypto.datetime.now(tz=crypto.PARIS)).total_seconds() <= 3600
    wrong = "%06d" % ((int(sender["otp"]()) + 500000) % 1000000)
    assert slug_of(lambda: client.auth_otp(sender["id_user"], wrong)) == "authentication_otp_invalid"
    assert slug_of(lambda: client.auth_otp(sender["id_user"], "12ab56")) == "authentication_otp_invalid"


# ---------------------------------------------------------------- attachments and letters
def test_attachments(client, controls, sender):
    pdf = make_pdf(["Convocation"])
    file_id = client.upload_attachment(sender["id_user"], pdf, "convocation.pdf")
    assert isinstance(file_id, int)
    files = client.list_user_attachments(sender["id_user"])
    assert [(f["id_api_attachment"], f["filename"], f["filesize"], f["id_user"]) for f in files] == [
        (file_id, "convocation.pdf", len(pdf), sender["id_user"])
    ]
    assert slug_of(lambda: client.upload_attachment(sender["id_user"], b"", "empty.pdf")) == "attachment_too_big"
    assert (
        slug_of(lambda: client.request("upload_attachment", {"id_user": sender["id_user"]}))
        == "attachment_missing_file"
    )
    mail = send(client, sender, attachment=[file_id])
    assert mail["attachments"] == [file_id]
    files = client.get_mail_attachments(mail["id"])
    assert [(f["id_api_attachment"], f["filename"], f["filesize"]) for f in files] == [
        (file_id, "convocation.pdf", len(pdf))
    ]
    details = client.get_mail(mail["id"])["attachments_details"]
    assert [a["id"] for a in details] == [file_id]
    assert requests.get(details[0]["download_url"], timeout=5).content == pdf
    other = controls.sender("other@example.com")
    foreign = client.upload_attachment(other["id_user"], pdf, "x.pdf")
    assert slug_of(lambda: send(client, sender, attachment=[foreign])) == "attachment_unavailable"
    assert slug_of(lambda: send(client, sender, attachment=[999])) == "attachment_not_exists"


@pytest.mark.parametrize(
    "overrides, slug",
    [
        ({"to_email": ""}, "missing_email"),
        ({"to_email": "syndic@example.com"}, "same_sender_recipient_emails"),
        ({"to_email": "owner@invalid.test"}, "invalid_email"),
        ({"to_firstname": "", "to_lastname": ""}, "invalid_recipient"),
        ({"dest_statut": "professionnel"}, "invalid_recipient"),
        ({"content": "x" * 100_001}, "content_exceeds_limit"),
        ({"content": "<p onclick='x()'>hi</p>"}, "forbidden_html"),
        ({"content": "<script>alert(1)</script>"}, "forbidden_html"),
        ({"content": ""}, "error_no_content_no_attachment"),
        ({"payment_slug": "stripe-1"}, "user_no_payment"),
        ({"product": "lre_eidas", "otp": "000000"}, "authentication_otp_invalid"),
        ({"product": "lre_eidas", "auth_otp_hash": "f" * 64}, "authentication_otp_hash_invalid"),
        ({"product": "lr_paper"}, "missing_address"),
    ],
)
def test_send_mail_errors(client, sender, overrides, slug):
    assert slug_of(lambda: send(client, sender, **overrides)) == slug
    assert client.list_mails(sender["id_user"]) == []


def test_sender_state_errors(client, controls, emulator):
    no_pay = controls.sender("nopay@example.com", payment_methods=0)
    assert slug_of(lambda: send(client, no_pay)) == "user_no_payment"
    user = client.create_user(
        firstname="A",
        lastname="B",
        email="new@example.com",
        gender="F",
        statut="particulier",
        address1="x",
        city="y",
        zipcode="75001",
        country="FR",
    )
    assert slug_of(lambda: send(client, {"id_user": user["id"]})) == "user_account_not_confirmed"


def test_three_products_and_identification(client, sender):
    token = client.auth_otp(sender["id_user"], sender["otp"]())["hash"]
    lre = send(client, sender, product="lre_eidas", auth_otp_hash=token)
    assert lre["is_eidas"] == 1 and lre["type"] == "lre" and lre["status"] == "waiting"
    with_otp = send(client, sender, product="lre_eidas", otp=sender["otp"]())
    assert with_otp["is_eidas"] == 1
    ae = send(client, sender, product="ae", payment_slug="stripe-47146", ref_dossier="AG-2026", ref_client="C12")
    assert (ae["type"], ae["is_eidas"], ae["payment_slug"], ae["ref_dossier"]) == ("ae", 0, "stripe-47146", "AG-2026")
    paper = send(
        client,
        sender,
        product="lr_paper",
        to_address1="32 rue du Septentrion",
        to_zipcode="83700",
        to_city="Saint-Raphaël",
        to_country="FR",
        print_color=0,
        print_duplex=1,
    )
    assert paper["type"] == "lr_paper" and paper["print_duplex"] == 1 and paper["price_ht"] > ae["price_ht"]


def test_a_paper_letter_needs_an_address_not_an_email(client, sender):
    """[ASSUMED] paper-params: the co-owners without e-mail are those who get paper letters."""
    address = {"to_address1": "32 rue du Septentrion", "to_zipcode": "83700", "to_city": "Fréjus", "to_country": "FR"}
    paper = send(client, sender, product="lr_paper", to_email="", **address)
    assert (paper["type"], paper["to_email"]) == ("lr_paper", "")
    assert slug_of(lambda: send(client, sender, product="ae", to_email="", **address)) == "missing_email"


def test_lifecycle_dates_and_proofs(client, controls, sender):
    mail = send(client, sender)
    assert mail["status"] == "waiting" and mail["proof_ev_url"] == ""
    mail = client.get_mail(mail["id"])
    assert mail["status"] == "sent" and mail["ts_ev_date"]
    proof = client.download(mail["proof_ev_url"])
    assert proof.startswith(b"%PDF") and client.download(mail["proof_ev_url"]) == proof
    controls.post("mails/%d/accept" % mail["id"])
    mail = client.get_mail(mail["id"])
    assert mail["status"] == "AR" and mail["view_date"] and mail["proof_ar_url"]
    refused = send(client, sender)
    controls.post("mails/%d/refuse" % refused["id"])
    assert client.get_mail(refused["id"])["refused_date"]
    bounced = send(client, sender)
    controls.post("mails/%d/bounce" % bounced["id"])
    assert client.get_mail(bounced["id"])["status"] == "bounced"
    with pytest.raises(AR24TransportError):
        client.download(mail["proof_ar_url"].replace(".pdf", "x.pdf"))
    assert slug_of(lambda: client.get_mail(123)) == "erm_not_exist"
    assert slug_of(lambda: client.get_mail(None)) == "missing_erm_id"


def test_negligence_after_15_days_or_21_for_avis(client, controls, sender):
    lre = send(client, sender, product="ere")
    ae = send(client, sender, product="ae")
    client.get_mail(lre["id"])
    controls.post("clock", advance_days=15.01)
    assert client.get_mail(lre["id"])["status"] == "negligence"
    assert client.get_mail(ae["id"])["status"] == "sent"
    controls.post("clock", advance_days=6)
    ae = client.get_mail(ae["id"])
    assert ae["status"] == "negligence" and ae["negligence_date"] and ae["proof_ng_url"]


def test_otp_hash_expires_after_an_hour(client, controls, sender):
    token = client.auth_otp(sender["id_user"], sender["otp"]())["hash"]
    controls.post("clock", advance_seconds=3601)
    assert (
        slug_of(lambda: send(client, sender, product="lre_eidas", auth_otp_hash=token))
        == "authentication_otp_hash_invalid"
    )


def test_list_mails_paging_filters_and_call_count(client, controls, sender):
    controls.post("mails/seed", id_user=sender["id_user"], count=250)
    before = client.calls
    mails = client.list_mails(sender["id_user"])
    assert len(mails) == 250 and len({m["id"] for m in mails}) == 250
    assert client.calls - before == 3  # ceil(250 / 100): the short last page ends the list
    assert len(client.list_mails(sender["id_user"], status="AR")) == 0
    assert len(client.list_mails(sender["id_user"], status="sent", page_size=50)) == 250
    # AR24 gives no total with this list: 5 full pages of 50, then an empty one says it is over
    assert len(controls.calls("list_mails")) == 3 + 1 + 6


# ---------------------------------------------------------------- consents
def test_consents(client, controls, sender):
    controls.post("consents/seed", id_user=sender["id_user"], count=260)
    before = client.calls
    consents = client.list_consents(sender["id_user"])
    assert len(consents) == 260 and client.calls - before == 3
    assert consents[0]["status"] == "accepted" and consents[0]["proof_url"]
    assert slug_of(lambda: client.get_consent(sender["id_user"], "nobody@example.org")) == "consent_not_exist"
    pending = client.request_consent(sender["id_user"], "Owner@Example.org", "Denise", "Aloxe")
    assert pending["status"] == "pending" and pending["email"] == "owner@example.org"
    controls.post("consents", id_user=sender["id_user"], email="owner@example.org", status="refused")
    assert client.get_consent(sender["id_user"], "owner@example.org")["status"] == "refused"
    assert client.consent_link(sender["id_user"]).startswith(controls.app.base_url + "/page/consent/")


# ---------------------------------------------------------------- faults
def test_transport_faults_are_retried_then_surfaced(client, controls, sender):
    controls.post("faults", script=[{"kind": "http_500"}, {"kind": "maintenance"}])
    assert client.get_user(id_user=sender["id_user"])["id"] == sender["id_user"]
    assert [c["fault"] for c in controls.calls("get_user")] == ["http_500", "maintenance", None]
    controls.post("faults", maintenance=True)
    with pytest.raises(AR24MaintenanceError):
        client.get_user(id_user=sender["id_user"])
    assert len(controls.calls("get_user")) == 3 + 4  # one call + max_retries
    controls.post("faults", maintenance=False, fault_rate=1.0, fault_kinds=["http_500"])
    with pytest.raises(AR24TransportError) as info:
        client.get_user(id_user=sender["id_user"])
    assert "HTTP 500" in info.value.message


def test_send_mail_is_never_repeated_after_an_unknown_outcome(client, controls, sender):
    controls.post("faults", script=[{"route": "send_mail", "kind": "drop_after"}])
    with pytest.raises(AR24TransportError) as info:
        send(client, sender)
    assert info.value.maybe_processed
    assert len(controls.calls("send_mail")) == 1
    assert len(client.list_mails(sender["id_user"])) == 1  # AR24 did create it: reconcile, don't resend


def test_send_mail_is_retried_when_nothing_was_processed(client, controls, sender):
    controls.post("faults", script=[{"route": "send_mail", "kind": "maintenance"}])
    assert send(client, sender)["status"] == "waiting"
    assert len(client.list_mails(sender["id_user"])) == 1


def test_read_timeout_is_a_transport_error(emulator, controls, sender):
    controls.post("faults", script=[{"route": "get_user", "kind": "timeout"}], timeout_seconds=1.5)
    client = AR24Client(emulator.api_url, TOKEN, KEY, timeout=0.5, max_retries=0)
    with pytest.raises(AR24TransportError) as info:
        client.get_user(id_user=sender["id_user"])
    assert info.value.maybe_processed


def test_connection_refused_is_safe_to_retry():
    client = AR24Client("http://127.0.0.1:9/api/", TOKEN, KEY, max_retries=2, backoff=0)
    with pytest.raises(AR24TransportError) as info:
        client.send_mail(1, "ae", to_email="a@example.org")
    assert not info.value.maybe_processed and client.calls == 3


def test_latency_is_applied(controls, client, sender):
    controls.post("faults", latency_ms=120)
    started = time.monotonic()
    client.get_user(id_user=sender["id_user"])
    assert time.monotonic() - started >= 0.12


# ---------------------------------------------------------------- webhooks
def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_webhooks_on_every_change_with_retries(client, controls, sender, webhook_sink):
    sink = webhook_sink(codes=[500, 503])
    mail = send(client, sender, webhook=sink.url)
    client.get_mail(mail["id"])  # waiting -> sent
    controls.post("mails/%d/accept" % mail["id"])
    assert wait_for(lambda: len(sink.received) == 4)
    # AR24 retries a failed delivery while later changes go out: deliveries may arrive out of order
    last = next(parse_qs(b) for b in sink.received if "new_state=AR" in b)
    assert last["id_mail"] == [str(mail["id"])] and last["view_date"] and last["proof_url"][0].endswith(".pdf")
    by_state = {}
    for hook in controls.get("webhooks")["webhooks"]:
        by_state.setdefault(hook["payload"]["new_state"], []).append((hook["attempt"], hook["status"]))
    assert sorted(by_state) == ["AR", "sent"]
    for state, attempts in by_state.items():
        # every delivery is retried, attempt after attempt, until AR24's target answers 200
        assert [a for a, _status in attempts] == list(range(1, len(attempts) + 1)), state
        assert attempts[-1][1] == 200 and all(status != 200 for _a, status in attempts[:-1]), state
    assert sum(len(a) for a in by_state.values()) == 4


def test_webhooks_never_leave_loopback(client, controls, sender):
    mail = send(client, sender, webhook="http://192.0.2.1/hook")
    client.get_mail(mail["id"])
    assert wait_for(lambda: controls.get("webhooks")["webhooks"])
    hook = controls.get("webhooks")["webhooks"][0]
    assert hook["error"] == "refused: not loopback" and hook["status"] is None


# ---------------------------------------------------------------- controls and persistence
def test_controls_validate_input(controls, emulator):
    assert requests.post(emulator.base_url + "/_emulator/senders", data="nope", timeout=5).status_code == 400
    assert requests.post(emulator.base_url + "/_emulator/mails/1/accept", timeout=5).status_code == 400
    assert requests.get(emulator.base_url + "/_emulator/nothing", timeout=5).status_code == 404
    otp = controls.get("senders/%d/otp" % controls.sender()["id_user"])["otp"]
    assert len(otp) == 6
    controls.post("reset")
    assert controls.calls() == []


def test_calls_log_hides_secrets(client, controls, sender):
    client.auth_otp(sender["id_user"], sender["otp"]())
    call = controls.calls("auth_otp")[0]
    assert call["params"]["otp"] == "***" and call["params"]["token"] == "***"


def test_state_survives_restart(tmp_path):
    state = str(tmp_path / "ar24.sqlite")
    app = EmulatorApp(port=0, token=TOKEN, private_key=KEY, state=state).start()
    info = requests.post(app.base_url + "/_emulator/senders", json={"email": "keep@example.com"}, timeout=5).json()
    client = AR24Client(app.api_url, TOKEN, KEY)
    mail = client.send_mail(info["id_user"], "ae", to_email="o@example.org", to_lastname="O", content="x")
    app.stop()
    app = EmulatorApp(port=0, token=TOKEN, private_key=KEY, state=state).start()
    client = AR24Client(app.api_url, TOKEN, KEY)
    assert client.get_mail(mail["id"])["to_email"] == "o@example.org"
    assert client.get_user(email="keep@example.com")["id"] == info["id_user"]
    # ids keep growing after a restart: no reuse
    second = client.send_mail(info["id_user"], "ae", to_email="p@example.org", to_lastname="P", content="y")
    assert second["id"] > mail["id"]
    app.stop()


def test_every_documented_slug_has_a_message():
    documented = [
        "empty_date",
        "invalid_date",
        "expired_date",
        "date_in_future",
        "token_missing",
        "token_invalid",
        "empty_signature",
        "invalid_signature",
        "user_not_exist",
        "user_unavailable",
        "missing_user_id",
        "email_wrong_format",
        "error_country",
        "error_gender",
        "error_company_siret",
        "missing_address",
        "missing_company_siret",
        "missing_company_tva",
        "user_not_created",
        "attachment_empty_name",
        "attachment_too_big",
        "attachment_missing_file",
        "missing_email",
        "same_sender_recipient_emails",
        "same_sender_recipients_emails",
        "invalid_recipient",
        "invalid_email",
        "user_account_not_confirmed",
        "user_eula_not_accepted",
        "user_name_empty",
        "user_no_payment",
        "attachment_not_exists",
        "attachment_unavailable",
        "content_exceeds_limit",
        "forbidden_html",
        "error_no_content_no_attachment",
        "authentication_otp_hash_invalid",
        "authentication_otp_invalid",
        "authentication_missing",
        "missing_erm_id",
        "consent_not_exist",
    ]
    assert [s for s in documented if s not in SLUG_MESSAGES] == []
    assert AR24ApiError("missing_city").message == "AR24 needs the field city."
    # AR24's own text is kept for a slug the module does not know, never replaced by the slug
    assert AR24ApiError("brand_new_slug", "AR24 says why.").message == "AR24 says why."
    assert AR24ApiError("brand_new_slug").message == "AR24 refused the request (brand_new_slug)."


def test_the_emulator_codes_are_those_of_an_authenticator_app(client, controls, sender):
    """The emulator checks the TOTP codes any authenticator app shows (RFC 6238, 30 s steps)."""
    secret = sender["totp_secret"]
    assert controls.otp(sender["id_user"]) == pyotp.TOTP(secret).now()
    assert len(client.auth_otp(sender["id_user"], pyotp.TOTP(secret).now())["hash"]) == 64
    stale = pyotp.TOTP(secret).at(time.time() - 300)
    if stale != pyotp.TOTP(secret).now():
        assert slug_of(lambda: client.auth_otp(sender["id_user"], stale)) == "authentication_otp_invalid"


# ---------------------------------------------------------------- environment
def test_proxy_and_ca_bundle_of_the_environment_are_honoured(monkeypatch):
    """The session reads the environment once (not at every call), with requests' own meaning."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.syndic.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/syndic-ca.pem")
    session = new_session("https://app.ar24.fr/api/")
    assert session.proxies["https"] == "http://proxy.syndic.example:3128"
    assert session.verify == "/etc/ssl/syndic-ca.pem"
    assert session.trust_env is False
    # a worker's copy keeps them without reading the environment again
    monkeypatch.delenv("HTTPS_PROXY")
    worker = AR24Client("https://app.ar24.fr/api/", "token", "key", session=session).copy()
    assert worker.session is not session
    assert (worker.session.proxies["https"], worker.session.verify, worker.session.trust_env) == (
        "http://proxy.syndic.example:3128",
        "/etc/ssl/syndic-ca.pem",
        False,
    )
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.syndic.example:3128")
    # NO_PROXY: the local emulator is reached directly
    assert "https" not in new_session("http://127.0.0.1:8024/api/").proxies
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert new_session("https://app.ar24.fr/api/").verify is True


def test_copies_share_the_settings_but_not_the_connection(sender):
    client = AR24Client("http://127.0.0.1:1/api/", "token", "key", max_retries=1, accept_language="en")
    other = client.copy()
    assert other.session is not client.session
    assert (other.base_url, other.token, other.private_key, other.max_retries, other.accept_language) == (
        client.base_url,
        client.token,
        client.private_key,
        1,
        "en",
    )
