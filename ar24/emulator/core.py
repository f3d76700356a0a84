"""What AR24 does, without HTTP: accounts, attachments, letters and their lifecycle, consents.

Each public ``api_<route name>`` method takes the request parameters (dict of str, lists for
PHP-style arrays) and returns AR24's ``result`` or raises ``ApiError(slug)``.
"""

import hashlib
import json
import re
import secrets
import time
from datetime import datetime, timedelta

import pyotp

from .. import crypto
from ..pdfcheck import is_pdf, page_count
from ..routes import (
    DEPOSIT_PROOF,
    MAX_ATTACHMENTS_BYTES,
    MAX_PAGE_SIZE,
    NEGLIGENCE_DAYS,
    PAPER_PRICE_PER_PAGE,
    PRICES,
    PROOFS,
)
from ..rules import is_valid_siret
from .profile import MailObject

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FORBIDDEN_HTML_RE = re.compile(r"<\s*(script|iframe|object|embed|form)\b|\son\w+\s*=", re.I)
CONTENT_LIMIT = 100_000
# Domains the emulator treats as non-existent (AR24 checks DNS; the emulator never does).
INVALID_DOMAINS = ("invalid.test", "invalid")
STATUS_SPELLING = {"ar": "AR"}  # AR24 writes the receipt status in capitals
# Sign-up: each required field and the slug AR24 answers when it is missing (AR24's list, quoted by
# public clients: the street is "missing_address", not "missing_address1").
USER_REQUIRED = (
    ("firstname", "missing_firstname"),
    ("lastname", "missing_lastname"),
    ("email", "missing_email"),
    ("address1", "missing_address"),
    ("city", "missing_city"),
    ("zipcode", "missing_zipcode"),
    ("country", "missing_country"),
)
# [ASSUMED] a professional outside France but in the EU must give his intra-EU VAT number
EU_COUNTRIES = frozenset("AT BE BG CY CZ DE DK EE ES FI GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
# AR24's user object, field by field (fxmauricard, src/Infrastructure/Ar24/Http/User/Model/User.php,
# plus is_identity_verified): nothing else is served, not the sign-up password, nor a field AR24
# does not know (a "phone" is dropped: AR24 names the phones c_phone and c_mobile).
USER_OBJECT_FIELDS = frozenset(
    """id firstname lastname name email gender statut company company_siret company_tva country address1
    address2 zipcode city notif_billing billing_email confirmed cgu notify_ev notify_ar notify_rf notify_ng
    notify_bc notify_consent notify_eidas_to_valid notify_recipient_update notify_waiting_ar_answer
    is_legal_entity custom_ref company_activity c_phone c_mobile notify_dp payment_active billing_tva creation
    notif_cgu notif_profil_uncomplete is_payment_possible is_identity_verified""".split()
)
# ... of which AR24 computes these; a sign-up keeps the others it was given
USER_COMPUTED_FIELDS = frozenset(
    "id name email creation payment_active is_payment_possible is_identity_verified".split()
)
# Statuses of a letter AR24 holds before and without its sending
UNSENT_STATUSES = ("to_valid", "not_valided", "waiting")
# Recipient's postal address: parameter of POST mail -> key of the mail object
PAPER_ADDRESS = (("to_address1", "address1"), ("to_address2", "address2"), ("to_city", "city"))


class ApiError(Exception):
    """AR24's refusal, by its slug. The HTTP front words it as AR24 does in the request's language
    (``messages.text``); ``detail`` says more to the test controls and the logs, never to the API."""

    def __init__(self, slug, detail=None):
        super().__init__(slug)
        self.slug = slug
        self.detail = detail


def _first(params, key, default=None):
    value = params.get(key, default)
    if isinstance(value, list):
        value = value[0] if value else default
    return value.strip() if isinstance(value, str) else value


def _flag(params, key, default=0):
    value = _first(params, key)
    if value in (None, ""):
        return default
    return 1 if str(value).lower() in ("1", "true", "yes", "on") else 0


def _zipcode(params):
    """The paper recipient's zip code: ``to_zipcode``, or ``to_postal_code`` as some clients send it."""
    return _first(params, "to_zipcode") or _first(params, "to_postal_code")


def human_size(size):
    """A file size as AR24 writes it in ``human_file_size``: decimal units, as its documented example
    gives 8,515,845 bytes as "8.5 Mb" (fxmauricard, RegisteredMailDataTransformerTest.php)."""
    if size >= 1000 * 1000:
        return "%.1f Mb" % (size / (1000 * 1000))
    if size >= 1000:
        return "%.1f Kb" % (size / 1000)
    return "%d b" % size


def _order(p):
    """SQL order of a list route: ``sort=DESC`` lists the highest ids first (AR24 sorts by id)."""
    return "DESC" if (_first(p, "sort") or "").upper() == "DESC" else "ASC"


def _int(params, key, default=None):
    try:
        return int(_first(params, key))
    except (TypeError, ValueError):
        return default


class Emulator:
    """AR24's behaviour over a ``Store``; ``base_url`` is used to build proof and page links."""

    def __init__(self, store, private_key, base_url="http://127.0.0.1:8024", send_delay_seconds=0.0, on_change=None):
        self.store = store
        self.private_key = private_key
        self.base_url = base_url.rstrip("/")
        self.send_delay_seconds = send_delay_seconds
        self.on_change = on_change  # callable(mail_dict) for webhooks

    # ------------------------------------------------------------------ clock
    def now(self):
        """Emulator time: real time plus whatever ``advance_clock`` added."""
        return datetime.now(tz=crypto.PARIS) + timedelta(seconds=self.store.get_meta("clock_offset", 0))

    def now_str(self):
        return self.now().strftime(crypto.DATE_FORMAT)

    def advance_clock(self, seconds):
        self.store.set_meta("clock_offset", self.store.get_meta("clock_offset", 0) + seconds)
        self.tick()
        return self.now_str()

    # ------------------------------------------------------------------ users
    def _user(self, id_user=None, email=None, must_be_attached=True):
        if id_user in (None, "") and not email:
            raise ApiError("missing_user_id")
        if id_user not in (None, ""):
            row = self.store.one("SELECT * FROM users WHERE id = ?", (str(id_user),))
        else:
            row = self.store.one("SELECT * FROM users WHERE email = ?", (email.lower(),))
        if row is None:
            raise ApiError("user_not_exist")
        user = dict(json.loads(row["data"]), id=row["id"], email=row["email"])
        if must_be_attached and user.get("access") != "accepted":
            raise ApiError("user_unavailable")
        return user

    def _save_user(self, user):
        data = {k: v for k, v in user.items() if k not in ("id", "email")}
        self.store.execute("UPDATE users SET data = ? WHERE id = ?", (json.dumps(data), user["id"]))

    def _public_user(self, user):
        methods = self._payment_methods(user["id"])
        out = {k: v for k, v in user.items() if k in USER_OBJECT_FIELDS}
        out.update(
            name=("%s %s" % (user.get("firstname", ""), user.get("lastname", ""))).strip(),
            confirmed=int(user.get("confirmed", 0)),
            cgu=int(user.get("cgu", 0)),
            is_identity_verified=int(bool(user.get("totp_secret"))),
            payment_active=int(bool(methods)),
            is_payment_possible=int(bool(methods)),
        )
        return out

    def create_sender(
        self,
        email,
        firstname="Test",
        lastname="Sender",
        attached=True,
        payment_methods=1,
        statut="professionnel",
        company=None,
    ):
        """Test control: a confirmed sender with terms accepted, OTP key and payment methods."""
        email = (email or "").strip().lower()
        if not EMAIL_RE.match(email):
            raise ApiError("email_wrong_format")
        if self.store.one("SELECT id FROM users WHERE email = ?", (email,)):
            raise ApiError("user_not_created", "A sender with the e-mail %s already exists." % email)
        secret = pyotp.random_base32()
        data = {
            "firstname": firstname,
            "lastname": lastname,
            "gender": "M",
            "statut": statut,
            "company": company or "",
            "country": "FR",
            "address1": "1 rue de la Paix",
            "zipcode": "75002",
            "city": "Paris",
            "confirmed": 1,
            "cgu": 1,
            "totp_secret": secret,
            "access": "accepted" if attached else "none",
            "creation": self.now_str(),
        }
        cur = self.store.execute("INSERT INTO users (email, data) VALUES (?, ?)", (email, json.dumps(data)))
        id_user = cur.lastrowid
        slugs = [self._add_payment_method(id_user, i) for i in range(int(payment_methods))]
        return {"id_user": id_user, "email": email, "totp_secret": secret, "payment_methods": slugs}

    def _add_payment_method(self, id_user, index):
        number = int(self.store.one("SELECT COUNT(*) AS n FROM payment_methods")["n"]) + 47146
        if index % 2 == 0:
            slug, label, kind = "stripe-%d" % number, "Copro %d (*****4242 - 12/2030)" % (index + 1), "card"
        else:
            slug, label, kind = "gocardless-%d" % number, "Prelevement %d (*****42 - BANQUE)" % (index + 1), "sepa"
        self.store.execute(
            "INSERT INTO payment_methods (slug, id_user, label, type) VALUES (?, ?, ?, ?)", (slug, id_user, label, kind)
        )
        return slug

    def _payment_methods(self, id_user):
        rows = self.store.all(
            "SELECT slug, label, type FROM payment_methods WHERE id_user = ? ORDER BY slug", (id_user,)
        )
        return [dict(r) for r in rows]

    def accept_access(self, id_user):
        user = self._user(id_user=id_user, must_be_attached=False)
        user["access"] = "accepted"
        self._save_user(user)
        return {"id_user": user["id"], "status": "accepted"}

    def current_otp(self, id_user):
        user = self._user(id_user=id_user, must_be_attached=False)
        return {"otp": pyotp.TOTP(user["totp_secret"]).now()} if user.get("totp_secret") else {"otp": None}

    def api_get_user(self, p):
        return self._public_user(self._user(_first(p, "id_user"), _first(p, "email")))

    def api_create_user(self, p):
        for field, slug in USER_REQUIRED:
            if not _first(p, field):
                raise ApiError(slug)
        email = _first(p, "email").lower()
        if not EMAIL_RE.match(email):
            raise ApiError("email_wrong_format")
        if _first(p, "gender") not in ("M", "F"):
            raise ApiError("error_gender")
        country = _first(p, "country")
        if not re.fullmatch(r"[A-Z]{2}", country or ""):
            raise ApiError("error_country")
        if _first(p, "statut") == "professionnel":
            self._check_company_ids(p, country)
        if self.store.one("SELECT id FROM users WHERE email = ?", (email,)):
            # AR24 has no slug of its own for an e-mail it already knows: its sign-up ends with
            # user_not_created (fxmauricard; fadysaoudy reads it as "the user already exists")
            raise ApiError("user_not_created", "An account already exists for %s." % email)
        data = {k: _first(p, k) for k in p if k in USER_OBJECT_FIELDS - USER_COMPUTED_FIELDS}
        data.update(confirmed=_flag(p, "confirmed"), cgu=_flag(p, "cgu"), access="accepted", creation=self.now_str())
        cur = self.store.execute("INSERT INTO users (email, data) VALUES (?, ?)", (email, json.dumps(data)))
        return self._public_user(self._user(cur.lastrowid))

    def _check_company_ids(self, p, country):
        """A professional's company: SIRET in France, intra-EU VAT number elsewhere in the EU."""
        siret = (_first(p, "company_siret") or "").replace(" ", "")
        if country == "FR":
            if not siret:
                raise ApiError("missing_company_siret")
            if not is_valid_siret(siret):
                # AR24 looks the SIRET up ("No company has been found with this company_siret"); the
                # emulator knows no register: a number that fails INSEE's check belongs to no company
                raise ApiError("error_company_siret")
        elif country in EU_COUNTRIES and not _first(p, "company_tva"):
            raise ApiError("missing_company_tva")

    def api_list_users(self, p):
        start, size = self._page(p)
        rows = self.store.all("SELECT id FROM users ORDER BY id %s" % _order(p))
        users = [
            u for u in (self._user(r["id"], must_be_attached=False) for r in rows) if u.get("access") == "accepted"
        ]
        return {"users": [self._public_user(u) for u in users[start : start + size]], "total": len(users)}

    def api_request_access(self, p):
        email = _first(p, "email")
        if not email:
            raise ApiError("missing_email")
        user = self._user(email=email, must_be_attached=False)
        if user.get("access") != "accepted":
            user["access"] = "pending"
            self._save_user(user)
        return {"id_user": user["id"], "status": "accepted" if user["access"] == "accepted" else "pending"}

    def api_request_cgu(self, p):
        self._user(_first(p, "id_user"))
        return {"status": "sent"}

    def api_payment_request(self, p):
        user = self._user(_first(p, "id_user"))
        if _flag(p, "get_link"):
            return {"link": "%s/page/payment/%s" % (self.base_url, user["id"])}
        return {"status": "sent"}

    def api_request_identity(self, p):
        self._user(_first(p, "id_user"))
        return {"status": "sent"}

    def api_auth_otp(self, p):
        user = self._user(_first(p, "id_user"))
        self._check_otp(user, _first(p, "otp"))
        token = secrets.token_hex(32)
        expires = self.now() + timedelta(hours=1)
        self.store.execute(
            "INSERT INTO otp_hashes (hash, id_user, expires) VALUES (?, ?, ?)", (token, user["id"], expires.timestamp())
        )
        return {"hash": token, "expiration_date": expires.strftime(crypto.DATE_FORMAT)}

    def _check_otp(self, user, otp):
        secret = user.get("totp_secret")
        if not secret or not otp or not re.fullmatch(r"\d{6}", otp):
            raise ApiError("authentication_otp_invalid")
        if not pyotp.TOTP(secret).verify(otp, for_time=time.time(), valid_window=1):
            raise ApiError("authentication_otp_invalid")

    def api_list_payment_methods(self, p):
        user = self._user(_first(p, "id_user"))
        return {"payment_methods": self._payment_methods(user["id"])}

    # ------------------------------------------------------------------ attachments
    def upload(self, p, files):
        """``files``: {field: (file name, bytes, content type)}."""
        user = self._user(_first(p, "id_user"))
        upload = files.get("file")
        if upload is None:
            raise ApiError("attachment_missing_file")
        name = _first(p, "file_name") or upload[0]
        if not name:
            raise ApiError("attachment_empty_name")
        content = upload[1]
        if not content or len(content) > MAX_ATTACHMENTS_BYTES:
            raise ApiError("attachment_too_big")
        labelled_pdf = name.lower().endswith(".pdf") or (upload[2] if len(upload) > 2 else "") == "application/pdf"
        if labelled_pdf:
            # AR24 seals what it receives: a "PDF" it cannot open is refused at once
            if not is_pdf(content):
                raise ApiError("attachment_not_pdf")
            if page_count(content) is None:
                raise ApiError("attachment_unreadable")
        cur = self.store.execute(
            "INSERT INTO attachments (id_user, name, size, sha1, sha256, created, content) VALUES (?,?,?,?,?,?,?)",
            (
                user["id"],
                name,
                len(content),
                hashlib.sha1(content).hexdigest(),
                hashlib.sha256(content).hexdigest(),
                self.now_str(),
                content,
            ),
        )
        return {"file_id": cur.lastrowid, "name": name, "size": len(content)}

    def _attachment_details(self, row):
        return {
            "id": row["id"],
            "name": row["name"],
            "hash_sha1": row["sha1"],
            "file_size": row["size"],
            "human_file_size": human_size(row["size"]),
            "download_url": "%s/file/%d/%s" % (self.base_url, row["id"], self._sign("file", row["id"])),
        }

    @staticmethod
    def _uploaded_file(row):
        """An uploaded file as AR24 lists it, on GET user/attachment and GET attachment?id= alike
        (fxmauricard reads both into one model, Attachment/Model/Attachment.php): not a mail's
        ``attachments_details``."""
        return {
            "id_api_attachment": row["id"],
            "hash": row["sha256"],
            "filesize": row["size"],
            "filename": row["name"],
            "id_user": row["id_user"],
            "upload_date": row["created"],
            "api_id": "emulator",
        }

    def api_get_mail_attachments(self, p):
        mail = self._mail(_first(p, "id"))
        rows = [
            self.store.one("SELECT id, id_user, name, size, sha256, created FROM attachments WHERE id = ?", (file_id,))
            for file_id in mail["attachments"]
        ]
        return {"attachments": [self._uploaded_file(row) for row in rows if row is not None]}

    def api_list_user_attachments(self, p):
        """The sender's uploaded files, in AR24's item shape for uploaded files."""
        user = self._user(_first(p, "id_user"))
        start, size = self._page(p)
        rows = self.store.all(
            "SELECT id, id_user, name, size, sha256, created FROM attachments WHERE id_user = ? "
            "ORDER BY id %s LIMIT ? OFFSET ?" % _order(p),
            (user["id"], size, start),
        )
        total = self.store.one("SELECT COUNT(*) AS n FROM attachments WHERE id_user = ?", (user["id"],))["n"]
        return {"attachments": [self._uploaded_file(row) for row in rows], "total": total}

    def attachment_content(self, file_id, signature):
        if not secrets.compare_digest(signature, self._sign("file", file_id)):
            return None
        row = self.store.one("SELECT name, content FROM attachments WHERE id = ?", (file_id,))
        return (row["name"], row["content"]) if row else None

    # ------------------------------------------------------------------ letters
    def api_send_mail(self, p):
        user = self._user(_first(p, "id_user"))
        if not user.get("confirmed"):
            raise ApiError("user_account_not_confirmed")
        if not user.get("cgu"):
            raise ApiError("user_eula_not_accepted")
        if not (user.get("firstname") or user.get("lastname")):
            raise ApiError("user_name_empty")
        product = (_first(p, "type") or "lre").lower()
        if product not in NEGLIGENCE_DAYS:
            raise ApiError("invalid_type", "Unknown product type %r." % product)
        eidas = _flag(p, "eidas") if product == "lre" else 0
        to_email = (_first(p, "to_email") or "").lower()
        if not to_email and product != "lr_paper":  # [ASSUMED] paper-params: a paper letter needs an address only
            raise ApiError("missing_email")
        if to_email and not EMAIL_RE.match(to_email):
            raise ApiError("invalid_recipient", "The recipient e-mail is malformed.")
        if to_email and (to_email.rsplit("@", 1)[1] in INVALID_DOMAINS or to_email.endswith(".invalid")):
            raise ApiError("invalid_email")
        if to_email == user["email"]:
            raise ApiError("same_sender_recipient_emails")
        statut = _first(p, "dest_statut") or "particulier"
        if statut == "professionnel" and not _first(p, "to_company"):
            raise ApiError("invalid_recipient")
        if statut != "professionnel" and not (_first(p, "to_firstname") or _first(p, "to_lastname")):
            raise ApiError("invalid_recipient")
        content = _first(p, "content") or ""
        if len(content) > CONTENT_LIMIT:
            raise ApiError("content_exceeds_limit")
        if FORBIDDEN_HTML_RE.search(content):
            raise ApiError("forbidden_html")
        attachments = self._mail_attachments(user, p)
        if not content.strip() and not attachments:
            raise ApiError("error_no_content_no_attachment")
        methods = {m["slug"] for m in self._payment_methods(user["id"])}
        slug = _first(p, "payment_slug")
        if not methods or (slug and slug not in methods):
            raise ApiError("user_no_payment")
        if product == "lr_paper":
            for field in ("to_address1", "to_zipcode", "to_city", "to_country"):
                value = _zipcode(p) if field == "to_zipcode" else _first(p, field)
                if not value:
                    raise ApiError("missing_address", "The postal address misses %s." % field)
        # without the sender's identification, an eIDAS letter is deposited and waits, to_valid,
        # for its OTP validation (AR24: "sans authentification ... la lettre passe en to_valid")
        identified = self._check_identification(user, p) if eidas else True
        status = "waiting" if identified else "to_valid"
        mail = self._create_mail(user, p, product, eidas, (to_email, statut), content, attachments, slug, status)
        return self._mail_out(mail)

    def _mail_attachments(self, user, p):
        ids = p.get("attachment") or []
        ids = ids if isinstance(ids, list) else [ids]
        rows = []
        for raw in ids:
            row = self.store.one("SELECT id, id_user, name, size, sha1 FROM attachments WHERE id = ?", (str(raw),))
            if row is None:
                raise ApiError("attachment_not_exists")
            if row["id_user"] != user["id"]:
                raise ApiError("attachment_unavailable")
            rows.append(row)
        if sum(r["size"] for r in rows) > MAX_ATTACHMENTS_BYTES:
            raise ApiError("attachment_too_big")
        return rows

    def _printed_pages(self, attachments):
        """[ASSUMED] the pages AR24 prints and bills for a paper letter: every page of its files (one
        for a file that is not a PDF), one at least for a letter of text alone."""
        pages = 0
        for row in attachments:
            content = self.store.one("SELECT content FROM attachments WHERE id = ?", (row["id"],))["content"]
            pages += page_count(content) or 1
        return max(1, pages)

    def _check_identification(self, user, p):
        """True when the request identifies the sender (a fresh OTP or a valid one-hour hash),
        False when it carries neither; a wrong code or hash is refused."""
        otp, token = _first(p, "otp"), _first(p, "auth_otp_hash")
        if token:
            row = self.store.one("SELECT id_user, expires FROM otp_hashes WHERE hash = ?", (token,))
            if row is None or row["id_user"] != user["id"] or row["expires"] < self.now().timestamp():
                raise ApiError("authentication_otp_hash_invalid")
            return True
        if otp:
            self._check_otp(user, otp)
            return True
        return False

    def _create_mail(self, user, p, product, eidas, recipient, content, attachments, slug, status):
        now = self.now()
        to_email, statut = recipient
        first, last, company = (
            _first(p, "to_firstname") or "",
            _first(p, "to_lastname") or "",
            _first(p, "to_company") or "",
        )
        pages = self._printed_pages(attachments) if product == "lr_paper" else 0
        price = PRICES[(product, eidas)] + PAPER_PRICE_PER_PAGE * pages
        digest = hashlib.sha256(
            (content + "".join(r["sha1"] for r in attachments) + to_email + now.isoformat()).encode()
        ).hexdigest()
        paper = product == "lr_paper"
        mail = {
            "type": product,
            "date": now.strftime(crypto.DATE_FORMAT),
            # [ASSUMED] last name first, as AR24's documented example names Marie Dupont "Dupont Marie"
            "from_name": ("%s %s" % (user.get("lastname", ""), user.get("firstname", ""))).strip(),
            "from_email": user["email"],
            "to_name": " ".join(part for part in (company, first, last) if part),
            "to_firstname": first,
            "to_lastname": last,
            "to_company": company,
            "to_email": to_email,
            "dest_statut": statut,
            "id_sender": user["id"],
            "id_creator": user["id"],
            "price_ht": round(price, 2),
            "payment_slug": slug or "",
            "ref_dossier": _first(p, "ref_dossier") or "",
            "ref_client": _first(p, "ref_client") or "",
            "ref_facturation": _first(p, "ref_facturation") or "",
            "full_hash_sha256": digest,
            "send_fail": 0,
            "is_eidas": eidas,
            "content": content,
            "attachments": [r["id"] for r in attachments],
            "attachments_details": [self._attachment_details(r) for r in attachments],
            "webhook": _first(p, "webhook") or "",
            "proofs": [] if status == "to_valid" else [DEPOSIT_PROOF[0]],
            "update": [],
            # the recipient's postal address (paper letters), as the mail object names it
            **{key: (_first(p, param) or "") if paper else "" for param, key in PAPER_ADDRESS},
            "zipcode": _zipcode(p) if paper else "",
            # the sender's notification choices at deposit time
            **{"req_notify_%s" % kind: _flag(user, "notify_%s" % kind, 1) for kind in ("ev", "ar", "rf", "ng")},
        }
        for key in ("ts_ev_date", "view_date", "refused_date", "negligence_date", "bounced_date"):
            mail[key] = ""
        if paper:
            mail.update(to_country=_first(p, "to_country") or "")
            mail.update(print_color=_flag(p, "print_color"), print_duplex=_flag(p, "print_duplex"))
        due = now.timestamp() + self.send_delay_seconds if status == "waiting" else None
        cur = self.store.execute(
            "INSERT INTO mails (id_user, status, date, due_at, data) VALUES (?, ?, ?, ?, ?)",
            (user["id"], status, mail["date"], due, json.dumps(mail)),
        )
        return self._mail(cur.lastrowid, check=False)

    def seed_mails(self, id_user, count, status="sent", to_domain="example.com"):
        """Test control for benchmarks: ``count`` letters in ``status`` without the send checks."""
        user = self._user(id_user, must_be_attached=False)
        sent = status not in UNSENT_STATUSES
        first = None
        with self.store.transaction():
            for i in range(int(count)):
                mail = {
                    "type": "lre",
                    "date": self.now_str(),
                    "from_email": user["email"],
                    "to_email": "recipient%d@%s" % (i, to_domain),
                    "to_name": "Recipient %d" % i,
                    "to_firstname": "Recipient",
                    "to_lastname": str(i),
                    "dest_statut": "particulier",
                    "id_sender": user["id"],
                    "price_ht": 3.9,
                    "send_fail": 0,
                    "is_eidas": 1,
                    "attachments": [],
                    "attachments_details": [],
                    "webhook": "",
                    "proofs": (["dp", "ev"] if sent else ["dp"]) if status != "to_valid" else [],
                    "ts_ev_date": self.now_str() if sent else "",
                    "update": [],
                }
                cur = self.store.db.execute(
                    "INSERT INTO mails (id_user, status, date, due_at, data) VALUES (?, ?, ?, NULL, ?)",
                    (user["id"], status, mail["date"], json.dumps(mail)),
                )
                first = first or cur.lastrowid
        return {"first_id": first, "count": int(count)}

    def _mail(self, id_mail, check=True):
        if id_mail in (None, ""):
            raise ApiError("missing_erm_id")
        row = self.store.one("SELECT * FROM mails WHERE id = ?", (str(id_mail),))
        if row is None:
            raise ApiError("erm_not_exist")
        mail = dict(json.loads(row["data"]), id=row["id"], status=row["status"])
        if check:
            self._user(mail["id_sender"])  # the sender must still grant access to this API
        return mail

    def _save_mail(self, mail, due_at=None):
        data = {k: v for k, v in mail.items() if k not in ("id", "status")}
        self.store.execute(
            "UPDATE mails SET status = ?, due_at = ?, data = ? WHERE id = ?",
            (mail["status"], due_at, json.dumps(data), mail["id"]),
        )

    def _mail_out(self, mail):
        out = {k: v for k, v in mail.items() if k not in ("proofs", "webhook", "content", "to_country")}
        out["status"] = STATUS_SPELLING.get(mail["status"], mail["status"])
        proofs = mail.get("proofs", ())
        for kind, (url_key, _date_key) in (*PROOFS.items(), (DEPOSIT_PROOF[0], (DEPOSIT_PROOF[1], None))):
            out[url_key] = self.proof_url(mail["id"], kind) if kind in proofs else ""
        out["pdf_content"] = self.proof_url(mail["id"], "content")
        out["zip"] = ""
        return MailObject(out)

    def api_get_mail(self, p):
        self.tick()
        return self._mail_out(self._mail(_first(p, "id")))

    def api_list_mails(self, p):
        """The sender's letters: ``result`` is the list itself (no total), as AR24 serves it;
        ``mail[]`` reads the given letters only."""
        self.tick()
        user = self._user(_first(p, "id_user"))
        start, size = self._page(p)
        where, args = ["id_user = ?"], [user["id"]]
        status = (_first(p, "status") or "").lower()
        if status:
            where.append("status = ?")
            args.append(status)
        for key, op in (("date_from", ">="), ("date_to", "<=")):
            if _first(p, key):
                where.append("date %s ?" % op)
                args.append(_first(p, key))
        ids = p.get("mail")
        if ids is not None:
            ids = ids if isinstance(ids, list) else [ids]
            wanted = [int(i) for i in ids if str(i).strip().isdigit()]
            where.append("id IN (%s)" % ",".join("?" * len(wanted)) if wanted else "0")
            args.extend(wanted)
        rows = self.store.all(
            "SELECT * FROM mails WHERE %s ORDER BY id %s LIMIT ? OFFSET ?" % (" AND ".join(where), _order(p)),
            args + [size, start],
        )
        return [self._mail_out(dict(json.loads(r["data"]), id=r["id"], status=r["status"])) for r in rows]

    # ------------------------------------------------------------------ lifecycle
    def tick(self):
        """Apply the transitions that emulator time has made due (sending, negligence)."""
        now = self.now()
        rows = self.store.all("SELECT id FROM mails WHERE due_at IS NOT NULL AND due_at <= ?", (now.timestamp(),))
        for row in rows:
            mail = self._mail(row["id"], check=False)
            if mail["status"] == "waiting":
                self._move(mail, "sent")
            elif mail["status"] == "sent":
                self._move(mail, "negligence")

    def _move(self, mail, status):
        now = self.now()
        stamp = now.strftime(crypto.DATE_FORMAT)
        if status == "waiting":  # validated with the sender's code: deposited, sent when due
            mail.update(status="waiting", date=stamp)
            mail["proofs"].append(DEPOSIT_PROOF[0])
            self._save_mail(mail, due_at=now.timestamp() + self.send_delay_seconds)
        elif status == "not_valided":
            mail.update(status="not_valided")
            self._save_mail(mail, due_at=None)
        elif status == "sent":
            mail.update(status="sent", ts_ev_date=stamp)
            mail["proofs"].append("ev")
            days = NEGLIGENCE_DAYS[mail["type"]]
            self._save_mail(mail, due_at=(now + timedelta(days=days)).timestamp())
        else:
            kind, date_key = {
                "ar": ("ar", "view_date"),
                "refused": ("rf", "refused_date"),
                "negligence": ("ng", "negligence_date"),
                "bounced": ("bc", "bounced_date"),
            }[status]
            mail.update({"status": status, date_key: stamp})
            mail["proofs"].append(kind)
            self._save_mail(mail, due_at=None)
        if self.on_change and mail.get("webhook"):
            self.on_change(self._mail_out(mail), mail["webhook"])
        return mail

    def recipient_action(self, id_mail, action):
        """Test control: the recipient accepts, refuses, or his mailbox bounces."""
        self.tick()
        mail = self._mail(id_mail, check=False)
        if mail["status"] not in ("waiting", "sent"):
            raise ApiError(
                "invalid_state", "Letter %s is %s: the recipient cannot %s it." % (mail["id"], mail["status"], action)
            )
        if action == "bounce":
            return self._mail_out(self._move(mail, "bounced"))
        if mail["status"] == "waiting":
            mail = self._move(mail, "sent")
        return self._mail_out(self._move(mail, {"accept": "ar", "refuse": "refused"}[action]))

    def sender_action(self, id_mail, action):
        """Test control on a letter awaiting its OTP validation at AR24: the sender ``validate``s
        it on AR24's site (it is deposited), or AR24 lets it ``expire`` (not_valided)."""
        mail = self._mail(id_mail, check=False)
        if mail["status"] != "to_valid":
            raise ApiError("invalid_state", "Letter %s is %s, not to_valid." % (mail["id"], mail["status"]))
        return self._mail_out(self._move(mail, {"validate": "waiting", "expire": "not_valided"}[action]))

    # ------------------------------------------------------------------ consents
    def _consent_out(self, row):
        out = {k: row[k] for k in ("email", "firstname", "lastname", "status", "date")}
        out["id_consent"] = row["id"]
        out["proof_url"] = (
            "%s/consent-proof/%d/%s" % (self.base_url, row["id"], self._sign("consent", row["id"]))
            if row["status"] == "accepted"
            else ""
        )
        return out

    def set_consent(self, id_user, email, status, firstname="", lastname=""):
        """Test control: a recipient gives, refuses or leaves pending his consent."""
        if status not in ("accepted", "refused", "pending"):
            raise ApiError("invalid_status", "Consent status must be accepted, refused or pending.")
        user = self._user(id_user, must_be_attached=False)
        email = (email or "").strip().lower()
        now = self.now_str()
        self.store.execute(
            "INSERT INTO consents (id_user, email, firstname, lastname, status, date, updated) VALUES (?,?,?,?,?,?,?) "
            "ON CONFLICT (id_user, email) DO UPDATE SET status = excluded.status, date = excluded.date, "
            "updated = excluded.updated",
            (user["id"], email, firstname, lastname, status, now, now),
        )
        return self._consent_out(
            self.store.one("SELECT * FROM consents WHERE id_user = ? AND email = ?", (user["id"], email))
        )

    def seed_consents(self, id_user, count, status="accepted", domain="example.com"):
        user = self._user(id_user, must_be_attached=False)
        now = self.now_str()
        with self.store.transaction():
            for i in range(int(count)):
                self.store.db.execute(
                    "INSERT OR REPLACE INTO consents (id_user, email, firstname, lastname, status, date, updated) "
                    "VALUES (?,?,?,?,?,?,?)",
                    (user["id"], "owner%d@%s" % (i, domain), "Owner", str(i), status, now, now),
                )
        return {"count": int(count)}

    def api_list_consents(self, p):
        user = self._user(_first(p, "id_user"))
        start, size = self._page(p)
        where, args = "id_user = ?", [user["id"]]
        since = _first(p, "updated_since")
        if since:
            where += " AND updated >= ?"
            args.append(since)
        rows = self.store.all(
            "SELECT * FROM consents WHERE %s ORDER BY id LIMIT ? OFFSET ?" % where, args + [size, start]
        )
        total = self.store.one("SELECT COUNT(*) AS n FROM consents WHERE %s" % where, args)["n"]
        return {"consents": [self._consent_out(r) for r in rows], "total": total}

    def api_get_consent(self, p):
        user = self._user(_first(p, "id_user"))
        row = self.store.one(
            "SELECT * FROM consents WHERE id_user = ? AND email = ?", (user["id"], (_first(p, "email") or "").lower())
        )
        if row is None:
            raise ApiError("consent_not_exist")
        return self._consent_out(row)

    def api_request_consent(self, p):
        user = self._user(_first(p, "id_user"))
        email = (_first(p, "email") or "").lower()
        if not email:
            raise ApiError("missing_email")
        if not EMAIL_RE.match(email):
            raise ApiError("email_wrong_format")
        row = self.store.one("SELECT * FROM consents WHERE id_user = ? AND email = ?", (user["id"], email))
        if row is not None and row["status"] == "accepted":
            return self._consent_out(row)
        return self.set_consent(user["id"], email, "pending", _first(p, "firstname") or "", _first(p, "lastname") or "")

    def api_consent_link(self, p):
        user = self._user(_first(p, "id_user"))
        return {"link": "%s/page/consent/%d/%s" % (self.base_url, user["id"], self._sign("page", user["id"]))}

    # ------------------------------------------------------------------ proofs and helpers
    def _sign(self, kind, ident):
        return crypto.sha256_hex("%s:%s:%s" % (self.private_key, kind, ident))[:24]

    def proof_url(self, id_mail, kind):
        return "%s/proof/%d/%s/%s.pdf" % (self.base_url, id_mail, kind, self._sign(kind, id_mail))

    def proof_exists(self, id_mail, kind, signature):
        if not secrets.compare_digest(signature, self._sign(kind, id_mail)):
            return None
        try:
            mail = self._mail(id_mail, check=False)
        except ApiError:
            return None
        return mail if kind == "content" or kind in mail.get("proofs", ()) else None

    def _page(self, p):
        start = max(0, _int(p, "start", 0) or 0)
        size = _int(p, "max", MAX_PAGE_SIZE) or MAX_PAGE_SIZE
        return start, max(1, min(size, MAX_PAGE_SIZE))
