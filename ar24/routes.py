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
# [ASSUMED] the letters AR24 bills: every letter it deposited (its price_ht, in the month of its date),
# never one still waiting for its OTP validation (to_valid) nor one dropped unvalidated (not_valided).
BILLED_STATUSES = ("waiting", "sent", "ar", "refused", "negligence", "bounced")
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
# Where the live API departs from "everything a string": connected-company's client, strict-typed and
# written against the live API, reads a mail object's ``id`` as an int (EmailResponse::getId(): ?int)
# and its ``send_fail`` as a bool (isSendFail(): ?bool), while user ids and file ids are strings.
LIVE_MAIL_NUMBER_KEYS = frozenset({"id"})
LIVE_MAIL_BOOLEAN_KEYS = frozenset({"send_fail"})
# Proof of deposit, issued when AR24 accepts a letter (the deposit and sending proof "ev" follows)
DEPOSIT_PROOF = ("dp", "proof_dp_url")

# Public AR24 clients that nobody here wrote, read for evidence of what the live API does. The
# last column of ``ASSUMPTIONS`` names those that support a choice ("none": no public client shows it).
PUBLIC_CLIENTS = {
    "fxmauricard": "fxmauricard/php-symfony-ar24-test-case (Symfony, 2026)",
    "connected-company": "connected-company/php-ar24-client (PHP with strict types, 2019-2022)",
    "mighty": "octolo/mighty, applications/messenger/backends/emailar/ar24.py (Django)",
    "segnashare": "segnashare/app, src/lib/ar24/ (TypeScript)",
    "fadysaoudy": "fadysaoudy/ar24_test_technique (Laravel, 2023, an AR24 technical test)",
    "ridhasofteam": "ridhasofteam/ar24 (Symfony, an AR24 technical test)",
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
        "the live API mixes them: user ids and file ids strings, a mail's id a number, send_fail a boolean; "
        "counts, the other flags and price_ht strings (--ids live, the emulator's default); the emulator also "
        "serves strings throughout (--ids string) or numbers (--ids int); the client reads them all alike",
        "connected-company (strict types, written against the live API: user and file ids string, a mail's id "
        'int, send_fail bool); fxmauricard (flags written "1"/"0" in its sample requests); counts, the '
        "other flags and prices: none",
    ),
    "user-attachment-item": (
        "Items of GET user/attachment and GET attachment?id=<mail>",
        "{id_api_attachment, hash (SHA-256 of the file), filesize, filename, id_user, upload_date, api_id} "
        "in result.attachments, on both routes (a mail's attachments_details is another shape)",
        "fxmauricard (the keys, one model for both routes; not what hash digests)",
    ),
    "mail-object-fields": (
        "Format of some mail object fields",
        'to_name "Company Firstname Lastname"; human_file_size in decimal units ("8.5 Mb" for 8,515,845 '
        'bytes); from_name last name first ("Dupont Marie"); req_notify_ev/ar/rf/ng 0/1; proof_dp_url '
        "(proof of deposit) once AR24 accepted the letter",
        "fxmauricard (to_name, req_notify_*, and AR24's documented example it copies: human_file_size and "
        "from_name, read from that one example), connected-company (proof_dp_url)",
    ),
    "signup-errors": (
        "Errors of POST user",
        "missing_address, missing_city, missing_zipcode, missing_country, missing_company_siret (professional "
        "in France), missing_company_tva (professional elsewhere in the EU), error_company_siret (AR24 finds no "
        "company: the emulator refuses a SIRET failing INSEE's check digit, La Poste's rule included), "
        "user_not_created (also for an e-mail AR24 already knows: there is no user_already_exist); the module "
        "then asks for access to the existing account",
        "fxmauricard (every slug; error_company_siret means no company has the SIRET), fadysaoudy "
        "(user_not_created read as the user already exists); when the VAT number is needed: none",
    ),
    "user-object": (
        "Fields of the user object",
        "the 40 fields of AR24's user model plus is_identity_verified, nothing else: never the sign-up "
        "password, nor a posted field AR24 does not know; the phones are c_phone and c_mobile: the module "
        "sends the sender's phone as c_mobile when it is a mobile number, as c_phone otherwise, and no password",
        "fxmauricard (the 40 fields, c_phone and c_mobile; which number goes where: none), ridhasofteam (signs "
        "up without a password)",
    ),
    "messages": (
        "Language and wording of message",
        "French unless Accept-Language asks for en or nl; the English texts as public clients quote them; "
        "French texts: the emulator's rendering of the English (AR24's are not public); nl: the emulator "
        "answers English (AR24's Dutch texts are not public); the module shows its own sentence for every "
        "slug it knows, AR24's message only for one it does not",
        "fxmauricard (sends Accept-Language: en on every call; the English texts), fadysaoudy (the same "
        "English texts); the French texts: none",
    ),
    "result-envelope": (
        "Where a SUCCESS answer is encrypted",
        "the whole body (AR24's documented vector); the client also opens a clear JSON answer whose result "
        "is the ciphertext of the whole answer",
        "segnashare (reads result that way); the documented vector fits both readings",
    ),
    "upload-checks": (
        "Which uploads AR24 refuses besides empty or too big ones",
        "a file named or labelled PDF that is not one: attachment_not_pdf; a PDF that cannot be read "
        "(damaged or password-protected): attachment_unreadable; other files are accepted",
        "none",
    ),
    "billed-letters": (
        "Which letters AR24 bills, and for which month",
        "every letter it deposited (waiting, sent, AR, refused, negligence, bounced) at its price_ht "
        "(EUR excl. tax), in the month of its deposit date (Paris); to_valid and not_valided letters are "
        "not billed; the mail object gives no page count",
        "none",
    ),
    "prices": (
        "Price of each product (emulator only)",
        "lre eIDAS 3.90, ERE 2.90, ae 1.90, lr_paper 5.90 + 0.20/page EUR HT",
        "none",
    ),
}
