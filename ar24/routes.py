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

# Keys of list results. [ASSUMED] except "users" (seen in clients).
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

# Letter statuses as AR24 spells them (compare case-insensitively: "AR" vs "ar").
STATUSES = ("to_valid", "waiting", "sent", "ar", "refused", "negligence", "bounced")
FINAL_STATUSES = ("ar", "refused", "negligence", "bounced")
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

# [ASSUMED] choices. key -> (what AR24 does not publish, what this project does).
ASSUMPTIONS = {
    "consent-routes": (
        "Routes of the consent address book",
        "GET user/consent (paged, updated_since), GET consent (email), POST consent, GET user/consent_link",
    ),
    "consent-object": (
        "Shape of a consent",
        "{id_consent, email, firstname, lastname, status: accepted|refused|pending, date, proof_url}",
    ),
    "list-keys": (
        "Keys of list results",
        "result.mails, result.consents, result.payment_methods, result.attachments, plus result.total",
    ),
    "page-size": ("Largest page size of list routes", "100 rows (max parameter)"),
    "mail-filters": ("Filters of GET user/mail", "status, date_from, date_to (YYYY-MM-DD HH:mm:ss, Paris)"),
    "payment-methods": (
        "GET user/payment_method result",
        "result.payment_methods[] = {slug, label, type}; slugs stripe-<n> (card), gocardless-<n> (SEPA)",
    ),
    "payment-link": ("Key of the link returned by POST user/payment_request get_link=1", "result.link"),
    "request-access-result": (
        "Result of POST user/request_access",
        '{"id_user": <id>, "status": "pending"} (or "accepted" when already granted)',
    ),
    "product-type": (
        "How a product is chosen on POST mail",
        "type=lre (default) | ae (avis électronique) | lr_paper; eidas=1 only for the qualified LRE",
    ),
    "paper-params": (
        "Parameters of paper letters on POST mail",
        "to_address1, to_address2, to_zipcode, to_city, to_country (ISO alpha-2), print_color 0/1, "
        "print_duplex 0/1; missing address -> slug missing_address",
    ),
    "unknown-mail": ("Slug for GET mail with an id that does not exist", "erm_not_exist"),
    "invalid-signature": ("Slug for a wrong signature header", "invalid_signature"),
    "unknown-payment": ("Error for an unknown payment_slug on POST mail", "user_no_payment"),
    "eidas-without-otp": (
        "POST mail with eidas=1 and neither otp nor auth_otp_hash",
        "refused with authentication_missing; letters wait in the module's own to_valid state",
    ),
    "content-limit": ("Longest content accepted on POST mail", "100,000 characters (content_exceeds_limit)"),
    "forbidden-html": ("Which HTML is refused", "script, iframe, object, embed, form tags and on* attributes"),
    "date-grace": ("How old a request date may be", "the emulator accepts 5 minutes by default (configurable)"),
    "prices": (
        "Price of each product (emulator only)",
        "lre eIDAS 3.90, ERE 2.90, ae 1.90, lr_paper 5.90 + 0.20/page EUR HT",
    ),
}
