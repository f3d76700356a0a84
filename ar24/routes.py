"""Every AR24 route, constant and [ASSUMED] choice in one place.

AR24 publishes part of its API only. Whatever this project had to assume lives in
``ASSUMPTIONS`` below (and is listed in the README, section "Assumptions to confirm with
AR24"): confirming or correcting one is a one-line change here, and both the client and the
emulator follow it.
"""

from collections import namedtuple

ENVIRONMENT_URLS = {
    "production": "https://app.ar24.fr/api/",
    "sandbox": "https://sandbox.ar24.fr/api/",
}

# name -> (HTTP method, path below the base URL, safe to repeat after an unknown outcome)
Route = namedtuple("Route", "method path idempotent")

ROUTES = {
    "get_user": Route("GET", "user", True),
    "create_user": Route("POST", "user", False),
    "list_users": Route("GET", "user/list", True),
    "request_access": Route("POST", "user/request_access", True),
    "request_cgu": Route("POST", "user/request_cgu", True),
    "payment_request": Route("POST", "user/payment_request", True),
    "auth_otp": Route("POST", "user/auth_otp", True),
    "request_identity": Route("POST", "user/identity", True),
    "list_payment_methods": Route("GET", "user/payment_method", True),  # [ASSUMED] result key
    "upload_attachment": Route("POST", "attachment", True),  # a duplicate upload is only an orphan file
    "get_mail_attachments": Route("GET", "attachment", True),
    "list_user_attachments": Route("GET", "user/attachment", True),
    "send_mail": Route("POST", "mail", False),  # never repeated blindly: see the send engine
    "get_mail": Route("GET", "mail", True),
    "list_mails": Route("GET", "user/mail", True),
    "list_consents": Route("GET", "user/consent", True),  # [ASSUMED] route
    "get_consent": Route("GET", "consent", True),  # [ASSUMED] route
    "request_consent": Route("POST", "consent", False),  # [ASSUMED] route
    "consent_link": Route("GET", "user/consent_link", True),  # [ASSUMED] route
}

# Keys of list results that AR24 serves as {key: [rows], ...}. [ASSUMED] except "users" and
# "attachments" (seen in clients). GET user/mail is different: its ``result`` is the list itself
# (clients iterate ``result``); the client reads both shapes for every list route.
RESULT_KEYS = {
    "list_users": "users",
    "list_payment_methods": "payment_methods",
    "list_mails": "mails",
    "list_consents": "consents",
    "list_user_attachments": "attachments",
    "get_mail_attachments": "attachments",
}
# [ASSUMED] list results carry the total number of rows so that paging stops without an
# extra empty page; when AR24 omits it the client stops on the first short page.
TOTAL_KEY = "total"
# [ASSUMED] largest page AR24 serves.
MAX_PAGE_SIZE = 100

# Products: the module's send type -> AR24 ``type`` parameter [ASSUMED] and ``eidas`` flag.
PRODUCTS = {
    "lre_eidas": {"type": "lre", "eidas": 1},
    "ere": {"type": "lre", "eidas": 0},
    "ae": {"type": "ae", "eidas": 0},
    "lr_paper": {"type": "lr_paper", "eidas": 0},
}
# [ASSUMED] extra parameters of paper letters.
PAPER_PARAMS = ("to_address1", "to_address2", "to_zipcode", "to_city", "to_country", "print_color", "print_duplex")

# Letter statuses as AR24 spells them (compare case-insensitively: "AR" vs "ar"). ``to_valid``: an
# eIDAS letter deposited without its sender's identification, waiting for an OTP validation;
# ``not_valided``: such a letter that was never validated (AR24's spelling, seen in LSC's list).
STATUSES = ("to_valid", "not_valided", "waiting", "sent", "ar", "refused", "negligence", "bounced")
FINAL_STATUSES = ("not_valided", "ar", "refused", "negligence", "bounced")
# Days the recipient has before negligence, per AR24 product.
NEGLIGENCE_DAYS = {"lre": 15, "ae": 21, "lr_paper": 15}
# AR24 kind of proof -> (mail object URL key, date key)
PROOFS = {
    "ev": ("proof_ev_url", "ts_ev_date"),
    "ar": ("proof_ar_url", "view_date"),
    "rf": ("proof_rf_url", "refused_date"),
    "ng": ("proof_ng_url", "negligence_date"),
    "bc": ("proof_bc_url", "bounced_date"),
}
# [ASSUMED] price list in EUR excl. tax (AR24 bills per contract): the emulator charges it and
# the send wizard shows it as an estimate. Key: (AR24 type, eidas flag).
PRICES = {("lre", 1): 3.90, ("lre", 0): 2.90, ("ae", 0): 1.90, ("lr_paper", 0): 5.90}
PAPER_PRICE_PER_PAGE = 0.20
# Maximum size of all attachments of one letter (AR24 documentation).
MAX_ATTACHMENTS_BYTES = 256 * 1024 * 1024
# Forward skew: the date must not be more than 10 minutes ahead of AR24's clock.
MAX_FUTURE_SECONDS = 600
# AR24 refuses a date "older than current datetime" (expired_date) and one more than 10 minutes
# ahead (date_in_future). The client dates every request this far ahead of its clock: a request
# then stays valid while it travels (an upload may take a while) and a clock a little behind
# AR24's is absorbed, far inside the 10 minutes allowed ahead.
DATE_OFFSET_SECONDS = 120
# [ASSUMED] how old a date AR24 still accepts; the emulator refuses older ones (configurable).
DATE_GRACE_SECONDS = 60

# Types of AR24's JSON. The live API writes ids, counts and 0/1 flags as strings ("5001", "1") and
# prices as decimals; the documentation and some answers use numbers. The client settles every
# such value in one place (``ar24.client.normalize``); the emulator serves either profile.
INTEGER_KEYS = frozenset(
    {
        "id",
        "id_user",
        "id_sender",
        "id_creator",
        "id_group",
        "id_mail",
        "id_consent",
        "id_api_attachment",
        "file_id",
        "total",
        "filesize",
        "file_size",
    }
)
ID_LIST_KEYS = frozenset({"attachments"})  # a mail object's list of file ids
FLAG_KEYS = frozenset(
    {
        "confirmed",
        "cgu",
        "is_identity_verified",
        "payment_active",
        "is_payment_possible",
        "is_legal_entity",
        "send_fail",
        "is_eidas",
        "print_color",
        "print_duplex",
    }
)
FLAG_PREFIXES = ("req_notify_", "notify_", "notif_")
DECIMAL_KEYS = frozenset({"price_ht"})
# Proof of deposit, issued when AR24 accepts a letter (the deposit and sending proof "ev" follows)
DEPOSIT_PROOF = ("dp", "proof_dp_url")

# Public AR24 clients that nobody here wrote, read for evidence of what the live API does. The
# last column of ``ASSUMPTIONS`` names those that support a choice ("none": no public client shows it).
PUBLIC_CLIENTS = {
    "fxmauricard": "fxmauricard/php-symfony-ar24-test-case (Symfony, 2026)",
    "connected-company": "connected-company/php-ar24-client (PHP with strict types, 2019-2022)",
    "mighty": "octolo/mighty, applications/messenger/backends/emailar/ar24.py (Django)",
    "segnashare": "segnashare/app, src/lib/ar24/ (TypeScript)",
}

# [ASSUMED] choices. key -> (what AR24 does not publish, what this project does, which public
# clients support it).
ASSUMPTIONS = {
    "consent-routes": (
        "Routes of the consent address book",
        "GET user/consent (paged, updated_since), GET consent (email), POST consent, GET user/consent_link",
        "none",
    ),
    "consent-object": (
        "Shape of a consent",
        "{id_consent, email, firstname, lastname, status: accepted|refused|pending, date, proof_url}",
        "none",
    ),
    "list-keys": (
        "Shapes of list results",
        "GET user/mail: result is the list itself, without a total; the other lists: result.users, "
        "result.attachments, result.consents, result.payment_methods, plus result.total; the client reads "
        "both shapes on every list route",
        "fxmauricard (user/mail as a list, users and attachments as named lists), "
        "connected-company (user/mail as a list); consents, payment_methods and total: none",
    ),
    "page-size": ("Largest page size of list routes", "100 rows (max parameter)", "none"),
    "mail-filters": (
        "Filters of GET user/mail",
        "mail[] (ids to read), status, date_from, date_to (YYYY-MM-DD HH:mm:ss, Paris)",
        "connected-company (mail[] ids); status and dates: none",
    ),
    "payment-methods": (
        "GET user/payment_method result",
        "result.payment_methods[] = {slug, label, type}; slugs stripe-<n> (card), gocardless-<n> (SEPA)",
        "none (the slugs are those of the LSC manual's screenshots)",
    ),
    "payment-link": ("Key of the link returned by POST user/payment_request get_link=1", "result.link", "none"),
    "request-access-result": (
        "Result of POST user/request_access",
        '{"id_user": <id>, "status": "pending"} (or "accepted" when already granted)',
        "none",
    ),
    "product-type": (
        "How a product is chosen on POST mail",
        "type=lre (default) | ae (avis électronique) | lr_paper; eidas=1 only for the qualified LRE",
        "none",
    ),
    "paper-params": (
        "Parameters of paper letters on POST mail",
        "to_address1, to_address2, to_zipcode, to_city, to_country (ISO alpha-2), print_color 0/1, "
        "print_duplex 0/1; missing address -> slug missing_address; to_email optional (the LSC manual checks "
        "only the postal address of a paper letter); the mail object answers address1, address2, city, zipcode",
        "fxmauricard (address1, address2, city, zipcode in the mail object); segnashare sends to_address1, "
        "to_city, to_country and to_postal_code (not to_zipcode): the emulator accepts both",
    ),
    "unknown-mail": ("Slug for GET mail with an id that does not exist", "erm_not_exist", "none"),
    "invalid-signature": ("Slug for a wrong signature header", "invalid_signature", "none"),
    "unknown-payment": (
        "Error for an unknown payment_slug on POST mail",
        "user_no_payment",
        "fxmauricard (user_no_payment when there is no payment method at all)",
    ),
    "eidas-without-otp": (
        "POST mail with eidas=1 and neither otp nor auth_otp_hash",
        "AR24 creates the letter in its to_valid state (no error); the module never deposits one: its "
        "qualified letters wait in its own to_valid state until the OTP code, then leave with auth_otp_hash",
        "mighty (deposits eidas=1 without identification and reads the new letter's id); fxmauricard still "
        "lists authentication_missing for an identification it cannot use",
    ),
    "to-valid-expiry": (
        "When AR24 turns a letter still to_valid into not_valided",
        "unknown: the emulator does it only on its test control; the module follows whatever AR24 reports",
        "none (the LSC manual's list shows not_valided letters)",
    ),
    "content-limit": (
        "Longest content accepted on POST mail",
        "100,000 characters (content_exceeds_limit)",
        "fxmauricard (the slug, not the limit)",
    ),
    "forbidden-html": (
        "Which HTML is refused",
        "script, iframe, object, embed, form tags and on* attributes",
        "fxmauricard (the slug, not the list)",
    ),
    "date-grace": (
        "How old a request date may be",
        "the emulator answers expired_date to a date more than 60 s old (configurable); the client dates "
        "every request 120 s ahead of its clock",
        "fxmauricard (AR24's texts: older than current datetime is expired, +10 minutes at most), "
        "segnashare (a date is valid 10 minutes)",
    ),
    "id-types": (
        "JSON types of ids, counts, 0/1 flags and prices",
        "strings or numbers, read alike by the client in one place; the emulator serves strings (--ids "
        "string, the default) or numbers (--ids int); price_ht a decimal",
        "connected-company (strict types: user and file ids declared string), fxmauricard (flags written "
        '"1"/"0" in its sample requests)',
    ),
    "user-attachment-item": (
        "Items of GET user/attachment",
        "{id_api_attachment, hash (SHA-256 of the file), filesize, filename, id_user, upload_date, api_id} "
        "in result.attachments",
        "fxmauricard (the keys; not what hash digests)",
    ),
    "mail-object-fields": (
        "Format of some mail object fields",
        'to_name "Company Firstname Lastname", human_file_size like "8.5 Mb", req_notify_ev/ar/rf/ng 0/1, '
        "proof_dp_url (proof of deposit) once AR24 accepted the letter",
        "fxmauricard (to_name, req_notify_*), connected-company (proof_dp_url); the formats: none",
    ),
    "signup-errors": (
        "Errors of POST user",
        "missing_address, missing_city, missing_zipcode, missing_country, missing_company_siret (professional "
        "in France), missing_company_tva (professional elsewhere in the EU), error_company_siret, "
        "user_not_created; message is a sentence",
        "fxmauricard (every slug; when the VAT number is needed: none)",
    ),
    "upload-checks": (
        "Which uploads AR24 refuses besides empty or too big ones",
        "a file named or labelled PDF that is not one: attachment_not_pdf; a PDF that cannot be read "
        "(damaged or password-protected): attachment_unreadable; other files are accepted",
        "none",
    ),
    "prices": (
        "Price of each product (emulator only)",
        "lre eIDAS 3.90, ERE 2.90, ae 1.90, lr_paper 5.90 + 0.20/page EUR HT",
        "none",
    ),
}
