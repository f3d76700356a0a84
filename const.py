"""The module's vocabulary, in one place: send types, letter states and what each state allows,
recipient statuses, consent states. The AR24 protocol's own constants (routes, statuses as AR24
spells them, assumptions) live in ``ar24/routes.py``."""

from .ar24.i18n import _lt
from .ar24.routes import BILLED_STATUSES, STATUSES

# ---------------------------------------------------------------------- products
SEND_TYPES = [
    ("lre_eidas", "LRE qualified eIDAS (OTP)"),
    ("ae", "Avis électronique (co-ownership syndics)"),
    ("lr_paper", "Paper registered letter (A4 portrait)"),
]
SEND_TYPE_CODES = tuple(code for code, _label in SEND_TYPES)
# A letter deposited outside Odoo may be a simple registered e-mail (ERE, AR24's ``lre`` without eIDAS):
# Odoo shows and follows it, it never sends one (``ar24.letter._check_send_type``).
LETTER_TYPES = [*SEND_TYPES, ("ere", "Simple registered e-mail (ERE)")]
# The send wizard may also let each recipient's contact file choose (the LSC manual's "Séparer par mode
# d'exp."): his preferred dispatch, his LRE consent, his postal address (see ``rules.choose_channel``)
WIZARD_SEND_TYPES = [("per_recipient", "Per recipient"), *SEND_TYPES]
RECIPIENT_STATUSES = [("particulier", "Private person"), ("professionnel", "Professional")]

# ---------------------------------------------------------------------- letters
# Each state AR24 reports carries AR24's own code in brackets, as LSC's list shows it ("Reçu (AR)"):
# what the user reads in Odoo is what AR24's site and its e-mails say.
STATES = [
    ("draft", "Draft"),
    ("to_valid", "Awaiting OTP validation (to_valid)"),
    ("waiting", "Waiting (waiting)"),
    ("sent", "Sent (sent)"),
    ("ar", "Received (AR)"),
    ("refused", "Refused (refused)"),
    ("negligence", "Not claimed (negligence)"),
    ("bounced", "Bounced (bounced)"),
    ("not_valided", "Never validated (not_valided)"),
    ("error", "Error"),
    ("canceled", "Canceled"),
]
# A letter only moves forward: AR24's answers or webhooks arriving late never move it back.
STATE_RANK = {
    "draft": 0,
    "error": 0,
    "to_valid": 1,
    "waiting": 2,
    "sent": 3,
    "ar": 4,
    "refused": 4,
    "negligence": 4,
    "bounced": 4,
    "not_valided": 4,
    "canceled": 5,
}
EDITABLE_STATES = ("draft", "error", "to_valid")  # may still be canceled
CONTENT_STATES = ("draft", "error")  # may still be edited
OPEN_STATES = ("to_valid", "waiting", "sent")  # followed at AR24 until final
FAILED_STATES = ("refused", "negligence", "bounced")  # did not arrive: may be resent by paper
# The states AR24 bills (see BILLED_STATUSES in ar24/routes.py): what the consumption summary counts
BILLED_STATES = BILLED_STATUSES
# What a user may write on his drafts; it is frozen once the letter leaves for AR24. Every other
# field is evidence or the send engine's bookkeeping (states, AR24's numbers and dates, the PDF
# and proofs, ``send_started_at``): only the module's own code writes them, in superuser mode
# after its own checks (the views' readonly protects nothing: ``ar24.letter.write`` enforces it).
CONTENT_FIELDS = (
    "partner_id",
    "contact_id",
    "subject",
    "body",
    "attachment_ids",
    "send_type",
    "print_color",
    "print_duplex",
    "company_id",
    "payment_method_id",
    "ref_dossier",
    "ref_client",
    "ref_facturation",
    "to_email",
    "recipient_status",
    "user_id",
    "ag_date",
    "must_be_received_by",
)
# What the module that opens the send wizard on its documents may give all their letters
# (``ar24.letter._prepare_from_records``): never their recipient, sender, files or source, which
# the wizard takes from each document and the user.
LETTER_VALUE_FIELDS = tuple(
    name for name in CONTENT_FIELDS if name not in ("partner_id", "contact_id", "attachment_ids", "to_email", "user_id")
)
# Also accepted when a user creates a letter (checked in ``ar24.letter._ar24_check_create``).
USER_CREATE_FIELDS = (*CONTENT_FIELDS, "res_model", "res_id", "fallback_of_id")
# Stored computes that follow the contact, the entity or the source document until the letter leaves.
FOLLOWING_FIELDS = (
    "to_email",
    "sender_email",
    "recipient_status",
    "payment_method_id",
    "ref_dossier",
    "ref_client",
    "ref_facturation",
    "must_be_received_by",
)
# Written when a letter leaves for AR24 (or may have): see ``ar24.letter._ar24_left``.
LEAVING_FIELDS = frozenset({"state", "send_started_at", "ar24_id"})
# The same, as a search domain: a letter AR24 holds or may hold
LEFT_DOMAIN = [
    "|",
    "|",
    ("ar24_id", "!=", 0),
    ("send_started_at", "!=", False),
    ("state", "not in", (*CONTENT_STATES, "canceled")),
]
# AR24 statuses of the letters Odoo imports although it did not deposit them (on AR24's site or with
# another tool): every status AR24 reports, as LSC lists the whole AR24 account
OUTSIDE_STATUSES = tuple(status.lower() for status in STATUSES)
# The first time a sender's letters are listed, how far back to look for letters deposited outside Odoo
OUTSIDE_LOOKBACK_DAYS = 30
PROOF_LABELS = {
    "ev": _lt("proof of deposit and sending"),
    "ar": _lt("acknowledgement of receipt"),
    "rf": _lt("proof of refusal"),
    "ng": _lt("proof of negligence"),
    "bc": _lt("proof of non-distribution"),
}
# AR24's date of each event -> the letter's field
DATE_FIELDS = {
    "ts_ev_date": "date_sent",
    "view_date": "date_ar",
    "refused_date": "date_refused",
    "negligence_date": "date_negligence",
    "bounced_date": "date_bounced",
}

# ---------------------------------------------------------------------- consents
CONSENT_STATES = [("none", "None"), ("pending", "Pending"), ("accepted", "Accepted"), ("refused", "Refused")]
CONSENT_SOURCES = [
    ("manual", "Set by hand"),
    ("ar24_sync", "AR24 address book"),
    ("ar24_request", "Request e-mailed by AR24"),
]

# ---------------------------------------------------------------------- groups
LRE_USERS = "ar24_lre.group_ar24_user"
LRE_MANAGERS = "ar24_lre.group_ar24_manager"
