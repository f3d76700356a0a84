import hashlib
import logging
from datetime import timedelta, timezone

from markupsafe import Markup

from odoo import Command, api, fields, models, modules
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.models import LOG_ACCESS_COLUMNS
from odoo.tools import clean_context, html2plaintext, html_sanitize

from ..ar24 import crypto, rules
from ..ar24.errors import AR24ApiError, AR24Error, AR24TransportError
from ..ar24.i18n import _lt
from ..ar24.routes import MAX_ATTACHMENTS_BYTES, PROOFS
from ..tools import CLOSE, RELOAD, AR24Workers, ar24_error_text, ar24_translate, notification
from .res_company import SEND_TYPES

_logger = logging.getLogger(__name__)

STATES = [
    ("draft", "Draft"),
    ("to_valid", "Awaiting OTP validation"),
    ("waiting", "Waiting"),
    ("sent", "Sent"),
    ("ar", "Received (AR)"),
    ("refused", "Refused"),
    ("negligence", "Not claimed"),
    ("bounced", "Bounced"),
    ("not_valided", "Never validated"),
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
# What a user may still change: content is frozen once the letter has left for AR24.
EDITABLE_STATES = ("draft", "error", "to_valid")  # may still be canceled
CONTENT_STATES = ("draft", "error")  # may still be edited
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
# What users may write themselves (the views' readonly protects nothing: ``write`` enforces it).
# Every other field is evidence or the send engine's bookkeeping (states, AR24's numbers and
# dates, the PDF and proofs, ``send_started_at``): only the module's own code writes them, in
# superuser mode after its own checks.
USER_FIELDS = CONTENT_FIELDS
# Also accepted when a user creates a letter (checked in ``_ar24_check_create``).
USER_CREATE_FIELDS = (*USER_FIELDS, "res_model", "res_id", "fallback_of_id")
# Stored computes that follow the contact, the entity or the source document until the letter leaves.
FOLLOWING_FIELDS = (
    "to_email",
    "recipient_status",
    "payment_method_id",
    "ref_dossier",
    "ref_client",
    "ref_facturation",
    "must_be_received_by",
)
# Written when a letter leaves for AR24 (or may have): see ``_ar24_left``.
LEAVING_FIELDS = frozenset({"state", "send_started_at", "ar24_id"})
OPEN_STATES = ("to_valid", "waiting", "sent")
# AR24 statuses of the letters Odoo imports although it did not deposit them (e.g. on AR24's site):
# those waiting at AR24 for their sender's OTP validation and those never validated, as LSC lists them
OUTSIDE_STATUSES = ("to_valid", "not_valided")
# The first time a sender's letters are listed, how far back to look for letters deposited outside Odoo
OUTSIDE_LOOKBACK_DAYS = 30
PROOF_LABELS = {
    "ev": _lt("proof of deposit and sending"),
    "ar": _lt("acknowledgement of receipt"),
    "rf": _lt("proof of refusal"),
    "ng": _lt("proof of negligence"),
    "bc": _lt("proof of non-distribution"),
}
DATE_FIELDS = {
    "ts_ev_date": "date_sent",
    "view_date": "date_ar",
    "refused_date": "date_refused",
    "negligence_date": "date_negligence",
    "bounced_date": "date_bounced",
}


def can_commit(env):
    """Commit after each letter, except in tests (whose cursor must stay in one transaction)."""
    return not modules.module.current_test


class Ar24Letter(models.Model):
    """One registered letter to one recipient (seed: "Lettre recommandée")."""

    _name = "ar24.letter"
    _description = "Registered letter"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"

    name = fields.Char("Reference", readonly=True, copy=False, default="/")
    # required, but on a letter deposited outside Odoo to someone who is no contact (see _check_recipient)
    partner_id = fields.Many2one("res.partner", "Recipient", index=True, tracking=True)
    contact_id = fields.Many2one(
        "res.partner",
        "Correspondent",
        index="btree_not_null",
        help="Contact who receives the letter; his e-mail wins over the recipient's.",
    )
    res_model = fields.Char("Source model", index=True, readonly=True)
    res_id = fields.Many2oneReference("Source record", model_field="res_model", readonly=True)
    source_name = fields.Char("Source document", compute="_compute_source_name")
    subject = fields.Char(required=True)
    body = fields.Html("Letter", sanitize=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments")
    pdf_attachment_id = fields.Many2one("ir.attachment", "Letter PDF", readonly=True, copy=False)
    send_type = fields.Selection(
        SEND_TYPES,
        required=True,
        default=lambda self: self.env.company.ar24_default_send_type or "lre_eidas",
        tracking=True,
    )
    print_color = fields.Boolean("Colour", default=lambda self: self.env.company.ar24_print_color)
    print_duplex = fields.Boolean("Recto verso", default=lambda self: self.env.company.ar24_print_duplex)
    company_id = fields.Many2one(
        "res.company", "Entity", required=True, default=lambda self: self.env.company, index=True
    )
    payment_method_id = fields.Many2one(
        "ar24.payment.method",
        "Payment method",
        compute="_compute_payment_method_id",
        store=True,
        readonly=False,
        ondelete="restrict",  # the method a sent letter was charged to is evidence (archive it instead)
    )
    ref_dossier = fields.Char("Case reference", compute="_compute_refs", store=True, readonly=False)
    ref_client = fields.Char("Client reference", compute="_compute_refs", store=True, readonly=False)
    ref_facturation = fields.Char("Billing reference", compute="_compute_refs", store=True, readonly=False)
    user_id = fields.Many2one(
        "res.users", "Sender", required=True, default=lambda self: self.env.user, index=True, tracking=True
    )
    state = fields.Selection(
        STATES, default="draft", required=True, readonly=True, copy=False, tracking=True, index=True
    )
    ar24_id = fields.Integer("AR24 number", readonly=True, copy=False, index="btree_not_null")
    ar24_status = fields.Char("AR24 status", readonly=True, copy=False)
    ar24_to_email = fields.Char(
        "Sent to",
        readonly=True,
        copy=False,
        help="The address AR24 holds for this letter, whatever the contact's today.",
    )
    ar24_to_name = fields.Char(
        "Recipient at AR24", readonly=True, copy=False, help="The recipient's name as AR24 holds it for this letter."
    )
    deposited_outside = fields.Boolean(
        "Deposited outside Odoo",
        readonly=True,
        copy=False,
        help="AR24 holds this letter but Odoo did not send it (e.g. it was deposited on AR24's site): Odoo "
        "follows it and shows it, it never sends it. One waiting for its OTP code is validated on AR24's site.",
    )
    to_email = fields.Char("Recipient e-mail", compute="_compute_to_email", store=True, readonly=False)
    recipient_status = fields.Selection(
        [("particulier", "Private person"), ("professionnel", "Professional")],
        compute="_compute_recipient_status",
        store=True,
        readonly=False,
    )
    date_deposit = fields.Datetime("Deposited on", readonly=True, copy=False)
    date_sent = fields.Datetime("Sent on", readonly=True, copy=False)
    date_ar = fields.Datetime("Received on", readonly=True, copy=False)
    date_refused = fields.Datetime("Refused on", readonly=True, copy=False)
    date_negligence = fields.Datetime("Unclaimed on", readonly=True, copy=False)
    date_bounced = fields.Datetime("Bounced on", readonly=True, copy=False)
    price_ht = fields.Float("Price (excl. tax)", readonly=True, copy=False)
    error_code = fields.Char(readonly=True, copy=False)
    error_message = fields.Text(readonly=True, copy=False)
    body_file_id = fields.Integer(
        "AR24 file of the letter",
        readonly=True,
        copy=False,
        help="Unique per letter: lets Odoo find the letter at AR24 after a crash.",
    )
    send_started_at = fields.Datetime(
        readonly=True, copy=False, help="Set while AR24 may hold the letter without Odoo knowing its number."
    )
    send_queued = fields.Boolean(
        "In the send queue", readonly=True, copy=False, index=True, help="The background job will render and send it."
    )
    # Legal deadline (décret du 17 mars 1967, art. 9 and 64) and paper fallback
    ag_date = fields.Date("General assembly date", help="Fills the deadline: 21 full days of notice.")
    must_be_received_by = fields.Date(
        "Must be presented by",
        compute="_compute_must_be_received_by",
        store=True,
        readonly=False,
        help="Last day the letter may be first presented to the recipient.",
    )
    deadline_rule = fields.Text("Deadline rule", compute="_compute_deadline_rule")
    deadline_at_risk = fields.Boolean("At risk", compute="_compute_deadline_at_risk", search="_search_deadline_at_risk")
    fallback_of_id = fields.Many2one(
        "ar24.letter",
        "Replaces",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Electronic letter that did not arrive and that this paper letter replaces.",
    )
    fallback_letter_ids = fields.One2many("ar24.letter", "fallback_of_id", "Paper letters sent instead")
    ar24_refresh_requested = fields.Boolean(
        readonly=True, copy=False, index=True, help="A webhook said the letter changed: re-read it from AR24."
    )
    proof_kinds = fields.Char(readonly=True, copy=False, help="Proofs already downloaded (never twice).")
    proof_attachment_ids = fields.Many2many(
        "ir.attachment",
        "ar24_letter_proof_rel",
        "letter_id",
        "attachment_id",
        string="Proofs",
        readonly=True,
        copy=False,
    )

    @api.constrains("partner_id", "deposited_outside")
    def _check_recipient(self):
        for letter in self.filtered(lambda letter: not letter.partner_id and not letter.deposited_outside):
            replaced = letter.fallback_of_id
            if replaced:  # the paper fallback of a letter deposited outside Odoo to no contact
                raise ValidationError(
                    self.env._(
                        "%(letter)s cannot be resent by paper: its recipient %(recipient)s is no contact. Create the "
                        "contact with the postal address, then a paper letter to it.",
                        letter=replaced.name,
                        recipient=replaced.ar24_to_name or replaced.ar24_to_email or replaced.to_email or "",
                    )
                )
            raise ValidationError(self.env._("%(letter)s: choose the recipient (a contact).", letter=letter.name))

    # ------------------------------------------------------------------ computes
    @api.depends("res_model", "res_id")
    def _compute_source_name(self):
        for letter in self:
            record = letter._source_record()
            letter.source_name = record.display_name if record else False

    # The computes below follow the contact, the entity and the source document until the letter
    # leaves for AR24; after that they keep what AR24 received (they are evidence): a letter that
    # left is skipped, so its stored value stays.
    def _ar24_following(self):
        """The letters whose computed fields still follow their contact, entity and source."""
        return self - self.filtered(lambda letter: letter.id and letter._origin._ar24_left())

    def _ar24_settle(self):
        """Compute and store what follows the contact before the letters leave: Odoo computes lazily,
        and a value first computed after the letter left would never be (see ``_ar24_following``)."""
        self.flush_recordset(FOLLOWING_FIELDS)

    @api.depends("company_id")
    def _compute_payment_method_id(self):
        for letter in self._ar24_following():
            letter.payment_method_id = letter.company_id.ar24_payment_method_id

    @api.depends("partner_id", "company_id", "res_model", "res_id")
    def _compute_refs(self):
        for letter in self._ar24_following():
            source = letter._source_record()
            letter.ref_dossier = letter.ref_dossier or (source.display_name[:64] if source else False)
            letter.ref_client = letter.ref_client or letter.partner_id.ref or letter.partner_id.display_name
            letter.ref_facturation = letter.ref_facturation or letter.company_id.name

    @api.depends("partner_id.email", "contact_id.email")
    def _compute_to_email(self):
        for letter in self._ar24_following():
            letter.to_email = (letter.contact_id.email or letter.partner_id.email or "").strip()

    @api.depends("partner_id.is_company")
    def _compute_recipient_status(self):
        for letter in self._ar24_following():
            status = letter.partner_id._fields.get("ar24_recipient_status") and letter.partner_id.ar24_recipient_status
            letter.recipient_status = status or ("professionnel" if letter.partner_id.is_company else "particulier")

    @api.depends("ag_date")
    def _compute_must_be_received_by(self):
        from ..ar24 import rules  # noqa: PLC0415

        for letter in self._ar24_following():
            if letter.ag_date:
                letter.must_be_received_by = rules.ag_convocation_deadline(letter.ag_date)
            elif not letter.must_be_received_by:
                letter.must_be_received_by = False

    @api.depends("send_type", "company_id.ar24_paper_transit_days", "must_be_received_by")
    def _compute_deadline_rule(self):
        from ..ar24 import rules  # noqa: PLC0415

        for letter in self:
            letter.deadline_rule = self.env._(
                "General assembly convocation: at least %(notice)s full days between the day after the first "
                "presentation and the assembly (décret du 17 mars 1967, art. 9 and 64), so the letter must be "
                "presented %(before)s days before the assembly at the latest. An electronic letter is presented "
                "the day AR24 e-mails the notification (the recipient then has %(lre)s days, %(ae)s for the avis "
                "électronique, to accept it); a paper letter takes about %(transit)s business days (setting of "
                "the entity).",
                notice=rules.AG_NOTICE_DAYS,
                before=rules.AG_NOTICE_DAYS + 1,
                lre=rules.LRE_ACCEPTANCE_DAYS,
                ae=rules.AE_ACCEPTANCE_DAYS,
                transit=letter.company_id.ar24_paper_transit_days or rules.PAPER_TRANSIT_DAYS,
            )

    def _compute_deadline_at_risk(self):
        at_risk = self.search([("id", "in", self.ids), ("deadline_at_risk", "=", True)]) if self.ids else self
        for letter in self:
            letter.deadline_at_risk = letter in at_risk

    def _search_deadline_at_risk(self, operator, value):
        # near deadline and not yet presented (draft, waiting for OTP or AR24, or in error)
        if operator not in ("in", "=") or value not in ({True}, [True], True):
            return NotImplemented
        limit = fields.Date.context_today(self) + timedelta(
            days=int(self.env["ir.config_parameter"].sudo().get_param("ar24_lre.deadline_warning_days", 7))
        )
        return [
            ("must_be_received_by", "!=", False),
            ("must_be_received_by", "<=", limit),
            ("state", "in", ("draft", "to_valid", "waiting", "error")),
        ]

    def _ar24_deadline_warning(self, send_type):
        """Sentence when ``send_type`` cannot present the letter by its deadline if sent today."""
        self.ensure_one()
        if not self.must_be_received_by:
            return False
        from ..ar24 import rules  # noqa: PLC0415

        ok, reason = rules.deadline_risk(
            fields.Date.context_today(self),
            self.must_be_received_by,
            send_type,
            paper_transit_days=self.company_id.ar24_paper_transit_days or rules.PAPER_TRANSIT_DAYS,
        )
        return False if ok else ar24_translate(self.env, reason)

    def action_resend_paper(self):
        """Seed-beyond: electronic letters that did not arrive leave again by paper, selected ones only."""
        failed = self.filtered(lambda letter: letter.state in ("refused", "negligence", "bounced"))
        others = self - failed
        if others:
            raise UserError(
                self.env._(
                    "Only refused, unclaimed or bounced letters can be resent by paper: %(letters)s.",
                    letters=", ".join("%s (%s)" % (letter.name, dict(STATES)[letter.state]) for letter in others),
                )
            )
        paper = self.create(
            [
                {
                    "partner_id": letter.partner_id.id,
                    "contact_id": letter.contact_id.id,
                    "res_model": letter.res_model,
                    "res_id": letter.res_id,
                    "subject": letter.subject,
                    "body": letter.body,
                    "attachment_ids": [Command.set(letter.attachment_ids.ids)],
                    "send_type": "lr_paper",
                    "company_id": letter.company_id.id,
                    "user_id": letter.user_id.id,  # the same sender: his AR24 account pays and signs
                    "ag_date": letter.ag_date,
                    "must_be_received_by": letter.must_be_received_by,
                    "ref_dossier": letter.ref_dossier,
                    "ref_client": letter.ref_client,
                    "ref_facturation": letter.ref_facturation,
                    "fallback_of_id": letter.id,
                }
                for letter in failed
            ]
        )
        for letter, new in zip(failed, paper):
            letter._message_log(body=self.env._("Resent by paper registered letter: %s", new.name))
        action = paper._action_open_send_wizard()
        action["context"]["default_send_type"] = "lr_paper"
        return action

    def _source_record(self):
        self.ensure_one()
        if self.res_model in self.env and self.res_id:
            return self.env[self.res_model].browse(self.res_id).exists()
        return None

    # ------------------------------------------------------------------ ORM
    @api.model_create_multi
    def create(self, vals_list):
        letters_env = self
        if not self._ar24_privileged():
            # context defaults would slip past the check: those a user may give become values, the
            # others (``default_state``…) are dropped
            defaults = {
                key[8:]: value
                for key, value in self.env.context.items()
                if key.startswith("default_") and key[8:] in USER_CREATE_FIELDS
            }
            vals_list = [dict(defaults, **vals) for vals in vals_list]
            letters_env = self.with_context(clean_context(self.env.context))
            letters_env._ar24_check_create(vals_list)
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("ar24.letter") or "/"
        letters = super(Ar24Letter, letters_env).create(vals_list)
        letters._ar24_adopt_attachments()
        return letters

    def _ar24_privileged(self):
        """The module's own code (superuser mode, crons) and system administrators write any field."""
        return self.env.su or self.env.user.has_group("base.group_system")

    def _ar24_protected_fields(self, names):
        """Of ``names``, the letter's own fields a user may not write (the chatter's are free)."""
        free = set(USER_FIELDS) | set(self.env["mail.thread"]._fields) | set(self.env["mail.activity.mixin"]._fields)
        return sorted(name for name in names if name not in free or name in LOG_ACCESS_COLUMNS or name == "id")

    def _ar24_check_create(self, vals_list):
        """A user drafts letters in his own name, from documents he can read."""
        is_manager = self.env.user.has_group("ar24_lre.group_ar24_manager")
        for vals in vals_list:
            protected = [
                name
                for name in self._ar24_protected_fields(vals)
                if name not in USER_CREATE_FIELDS and not (name == "name" and vals[name] in ("/", False))
            ]
            if protected:
                raise AccessError(
                    self.env._(
                        "A new registered letter cannot be given %(fields)s: AR24 and the send engine fill them.",
                        fields=", ".join(protected),
                    )
                )
            if vals.get("user_id") and vals["user_id"] != self.env.uid and not is_manager:
                raise AccessError(
                    self.env._(
                        "%(user)s cannot draft a registered letter in the name of %(sender)s: only registered-letter "
                        "managers choose another sender.",
                        user=self.env.user.name,
                        sender=self.env["res.users"].browse(vals["user_id"]).sudo().name,
                    )
                )
            self._ar24_check_payment_method(vals.get("payment_method_id"))
            if vals.get("res_model") and vals.get("res_id"):
                if vals["res_model"] not in self.env:
                    raise UserError(self.env._("Unknown source document model %s.", vals["res_model"]))
                # the letter's chatter notes and follow-ups go to its source: one the user may read
                self.env[vals["res_model"]].browse(vals["res_id"]).check_access("read")
            if vals.get("fallback_of_id"):
                original = self.browse(vals["fallback_of_id"])
                original.check_access("read")
                if original.state not in ("refused", "negligence", "bounced"):
                    raise UserError(
                        self.env._(
                            "%(letter)s arrived or is still on its way: no paper letter replaces it.",
                            letter=original.name,
                        )
                    )

    def _ar24_own_attachments(self):
        """What AR24 receives hangs on a letter, never on another record: Odoo deletes a record's
        attachments with it, in superuser mode, so a building's documents deleted by a colleague
        would take a letter's evidence along. An attachment filed elsewhere is replaced, in the
        letters about to leave, by a copy on the first of them (same file in the filestore, one
        copy per attachment and batch)."""
        copies = {}
        for letter in self:
            foreign = letter.attachment_ids.filtered(lambda a: a.res_model != self._name)
            if not foreign:
                continue
            for attachment in foreign - self.env["ir.attachment"].browse(list(copies)):
                copies[attachment.id] = attachment.sudo().copy({"res_model": self._name, "res_id": letter.id}).id
            letter.sudo().write(
                {
                    "attachment_ids": [Command.unlink(a.id) for a in foreign]
                    + [Command.link(copies[a.id]) for a in foreign],
                    # the same files: the PDF already rendered stays valid
                    "pdf_attachment_id": letter.pdf_attachment_id.id,
                }
            )

    def message_post(self, **kwargs):
        # a user posts in his own name: the module's notes (AR24's proofs, refusals) are OdooBot's
        if not self._ar24_privileged() and kwargs.get("author_id") not in (None, self.env.user.partner_id.id):
            raise AccessError(self.env._("%(letters)s: post in your own name.", letters=", ".join(self.mapped("name"))))
        return super().message_post(**kwargs)

    def _message_log(self, *, author_id=None, **kwargs):
        # the module's notes are signed by OdooBot: told apart from what users post, and kept
        # (see mail.message: a letter's log is neither changed nor deleted)
        return super()._message_log(author_id=author_id or self.env.ref("base.partner_root").id, **kwargs)

    def _ar24_check_payment_method(self, method_id):
        """A user charges letters to a payment method he can see (his accounts', his entities')."""
        if method_id:
            self.env["ar24.payment.method"].browse(method_id).check_access("read")

    def _ar24_adopt_attachments(self):
        """Attach loose uploads to the letter, so that whoever may read the letter may read them."""
        for letter in self:
            loose = letter.attachment_ids.filtered(
                lambda a: not a.res_model or (a.res_model == "ar24.letter" and not a.res_id)
            )
            loose.sudo().write({"res_model": letter._name, "res_id": letter.id})

    def _ar24_left(self):
        """The letters that AR24 holds or may hold: their content, sender and proofs are evidence."""
        return self.filtered(
            lambda letter: letter.ar24_id or letter.send_started_at or letter.state not in (*CONTENT_STATES, "canceled")
        )

    def write(self, vals):
        if not self._ar24_privileged():
            self._ar24_check_user_write(vals)
        if LEAVING_FIELDS.intersection(vals):
            self._ar24_settle()  # before the letter may leave: what it was sent with is stored
        frozen = set(vals) & set(CONTENT_FIELDS)
        if frozen:
            # once prepared for AR24 (to_valid) or possibly received by it, the content is evidence
            sent = self.filtered(
                lambda letter: letter.state not in CONTENT_STATES or letter.send_started_at or letter.ar24_id
            )
            if sent:
                raise UserError(
                    self.env._(
                        "%(letters)s left for AR24: its content can no longer change (%(fields)s).",
                        letters=", ".join(sent.mapped("name")),
                        fields=", ".join(sorted(frozen)),
                    )
                )
        if frozen and "pdf_attachment_id" not in vals:
            # what was rendered and uploaded for the old content must not leave with the new one
            vals = dict(vals, pdf_attachment_id=False, body_file_id=0)
        result = super().write(vals)
        if "attachment_ids" in vals:
            self._ar24_adopt_attachments()
        return result

    def _ar24_check_user_write(self, vals):
        """What a user may write: the content of his drafts; a manager may also change their sender."""
        protected = self._ar24_protected_fields(vals)
        if protected:
            raise AccessError(
                self.env._(
                    "%(letters)s: %(fields)s are written by AR24's answers and the send engine only.",
                    letters=", ".join(self.mapped("name")),
                    fields=", ".join(protected),
                )
            )
        self._ar24_check_payment_method(vals.get("payment_method_id"))
        if "user_id" in vals and not self.env.user.has_group("ar24_lre.group_ar24_manager"):
            moved = self.filtered(lambda letter: letter.user_id.id != vals["user_id"])
            if moved:
                raise AccessError(
                    self.env._(
                        "%(letters)s: only registered-letter managers change the sender of a letter.",
                        letters=", ".join(moved.mapped("name")),
                    )
                )

    def unlink(self):
        # Odoo deletes a record's attachments with it: one shared with letters that stay (the common
        # annex of a batch hangs on its first letter) moves to one of them first
        shared = self.env["ir.attachment"].sudo().search([("res_model", "=", self._name), ("res_id", "in", self.ids)])
        for attachment in shared:
            keeper = self.sudo().search([("attachment_ids", "in", attachment.id), ("id", "not in", self.ids)], limit=1)
            if keeper:
                attachment.write({"res_id": keeper.id})
        return super().unlink()

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if self.env.user.has_group("base.group_system"):
            return
        sent = self._ar24_left()
        if sent:
            raise UserError(
                self.env._(
                    "%(letters)s: a letter handed to AR24 is kept as evidence.", letters=", ".join(sent.mapped("name"))
                )
            )

    def action_cancel(self):
        self.check_access("write")
        # a letter waiting for its OTP code in Odoo is only uploaded: AR24 holds no letter yet; one
        # AR24 holds (deposited outside Odoo and waiting for its code included) stays
        not_cancelable = self.filtered(
            lambda letter: letter.state not in EDITABLE_STATES or letter.ar24_id or letter.send_started_at
        )
        if not_cancelable:
            raise UserError(
                self.env._(
                    "%(letters)s already left for AR24 and cannot be canceled.",
                    letters=", ".join(not_cancelable.mapped("name")),
                )
            )
        self.sudo().write({"state": "canceled", "send_queued": False})

    def action_reset_draft(self):
        self.check_access("write")
        # a letter AR24 may hold (unknown outcome) stays in error until the reconciliation knows
        self.filtered(
            lambda letter: letter.state in ("error", "canceled") and not letter.ar24_id and not letter.send_started_at
        ).sudo().write({"state": "draft", "error_code": False, "error_message": False})

    def action_open_source(self):
        self.ensure_one()
        record = self._source_record()
        if not record:
            return False
        return {"type": "ir.actions.act_window", "res_model": record._name, "res_id": record.id, "view_mode": "form"}

    # ------------------------------------------------------------------ helpers for other modules
    @api.model
    def _prepare_from_records(self, records, partner_field="partner_id", **values):
        """Draft letters for ``records`` (any model); other modules bind their action in one line.

        The recipient is the record itself for partners, else its ``partner_field``. Returns the
        wizard action on the new letters.
        """
        vals_list = []
        for record in records:
            partner = record if record._name == "res.partner" else record[partner_field]
            if not partner:
                continue
            vals_list.append(
                dict(
                    {
                        "partner_id": partner.id,
                        "res_model": record._name if record._name != "res.partner" else False,
                        "res_id": record.id if record._name != "res.partner" else False,
                        "subject": values.get("subject") or record.display_name,
                        "company_id": (
                            record.company_id
                            if "company_id" in record._fields and record.company_id
                            else self.env.company
                        ).id,
                    },
                    **values,
                )
            )
        letters = self.create(vals_list)
        return letters._action_open_send_wizard(composition=True)

    def _action_open_send_wizard(self, composition=False):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send as registered letter"),
            "res_model": "ar24.send.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": "ar24.letter",
                "active_ids": self.ids,
                "dialog_size": "extra-large",
                "default_composition": composition,
            },
        }

    def action_send(self):
        """Form/list button: open the send wizard on these letters."""
        drafts = self.filtered(lambda letter: letter.state in ("draft", "error"))
        if not drafts:
            raise UserError(self.env._("Only draft letters or letters in error can be sent."))
        return drafts._action_open_send_wizard()

    # ------------------------------------------------------------------ checks
    def _ar24_sender_problems(self, send_type, company):
        """Problems of the sender (a user) for ``send_type``; one list for all letters of that sender."""
        self.ensure_one()  # self: any letter of that sender
        user = self.user_id
        problems = []
        if user.ar24_link_state != "linked" or not user.ar24_user_id:
            problems.append(
                self.env._("%(user)s has not linked an AR24 account (Preferences › AR24 account).", user=user.name)
            )
        elif send_type == "lre_eidas" and not user.ar24_identity_verified:
            problems.append(
                self.env._("%(user)s has no OTP key yet: AR24 has not verified his identity.", user=user.name)
            )
        if not company._ar24_is_configured():
            problems.append(self.env._("AR24 is not configured for %(company)s.", company=company.name))
        return problems

    def _ar24_recipient_email(self):
        """(normalised e-mail, reason) of the address the letter goes to (IDN domains in punycode)."""
        self.ensure_one()
        from ..ar24 import rules  # noqa: PLC0415

        raw = (self.to_email or "").strip()
        if not raw:
            return None, self.env._("No e-mail address")
        email, reason = rules.normalize_email(raw)
        if reason:
            return None, self.env._(
                "Invalid e-mail address (%(email)s): %(reason)s",
                email=raw,
                reason=ar24_translate(self.env, reason),
            )  # pylint: disable=translation-required
        return email, None

    def _ar24_problems(self, send_type, pdf_cache=None, extra=None):
        """[(location record, location label, comment)] that prevent sending this letter as ``send_type``."""
        self.ensure_one()
        problems = []
        recipient = self.contact_id or self.partner_id
        company = self.company_id
        for comment in self._ar24_sender_problems(send_type, company):
            problems.append((self.user_id, self.env._("Sender: %s", self.user_id.name), comment))
        if not company.ar24_payment_method_id and not self.payment_method_id:
            problems.append(
                (
                    company,
                    self.env._("Entity: %s", company.name),
                    self.env._("No AR24 payment method linked to this entity"),
                )
            )
        elif not (self.payment_method_id or company.ar24_payment_method_id).with_user(self.user_id).has_access("read"):
            # the queue sends in superuser mode: the method must be one the sender may charge
            problems.append(
                (
                    company,
                    self.env._("Entity: %s", company.name),
                    self.env._(
                        "Payment method %(method)s is not one %(user)s may charge (another company's)",
                        method=(self.payment_method_id or company.ar24_payment_method_id).name,
                        user=self.user_id.name,
                    ),
                )
            )
        elif self.payment_method_id and not self.payment_method_id.active:
            problems.append(
                (
                    company,
                    self.env._("Entity: %s", company.name),
                    self.env._("Payment method %s no longer exists at AR24", self.payment_method_id.name),
                )
            )
        if send_type == "ae" and not company.ar24_is_coownership:
            problems.append(
                (
                    company,
                    self.env._("Entity: %s", company.name),
                    self.env._("Avis électronique is reserved to co-ownerships: mark the entity as one"),
                )
            )
        partner_label = self.env._("Partner: %s", recipient.display_name)
        if send_type in ("lre_eidas", "ae"):
            email, reason = self._ar24_recipient_email()
            if reason:
                problems.append((recipient, partner_label, reason))
            elif email == rules.normalize_email(self.user_id.ar24_email or self.user_id.email)[0]:
                problems.append((recipient, partner_label, self.env._("Same e-mail as the sender")))
            if email and hasattr(self.partner_id, "_ar24_consent_reason"):
                reason = self.partner_id._ar24_consent_reason(send_type, email, company)
                if reason:
                    problems.append((self.partner_id, self.env._("Partner: %s", self.partner_id.display_name), reason))
        else:
            problems.extend((recipient, partner_label, reason) for reason in self._ar24_address_problems(recipient))
        extra = extra or {}
        attachments = self.attachment_ids | extra.get("attachments", self.env["ir.attachment"])
        problems.extend(
            self._ar24_attachment_problems(send_type, pdf_cache if pdf_cache is not None else {}, attachments)
        )
        if not attachments and not extra.get("has_text") and not html2plaintext(self.body or "").strip():
            problems.append((self, self.env._("Letter: %s", self.name), self.env._("Neither text nor attachment")))
        return problems

    def _ar24_address_problems(self, partner):
        from ..ar24 import rules  # noqa: PLC0415 (pure helpers, imported where used)

        problems = rules.check_postal_address(
            partner.street, partner.street2, partner.zip, partner.city, partner.country_id.code, name=partner.name
        )
        return [ar24_translate(self.env, problem) for problem in problems]

    def _ar24_attachment_problems(self, send_type, pdf_cache, attachments):
        from ..ar24 import pdfcheck  # noqa: PLC0415

        problems = []
        total = 0
        paper = send_type == "lr_paper"
        for attachment in attachments:
            total += attachment.file_size or 0
            label = self.env._("Attachment: %s", attachment.name)
            is_pdf = (attachment.mimetype or "") == "application/pdf" or (attachment.name or "").lower().endswith(
                ".pdf"
            )
            if not is_pdf:
                if paper:
                    problems.append((attachment, label, self.env._("Only PDF files can be printed")))
                continue
            key = (attachment.checksum, paper)
            if key not in pdf_cache:
                pdf_cache[key] = pdfcheck.check_pdf(
                    attachment.with_context(bin_size=False).raw or b"", attachment.name, require_portrait=paper
                )
            problems.extend(
                (attachment, label, ar24_translate(self.env, problem.message)) for problem in pdf_cache[key].problems
            )
        if total > MAX_ATTACHMENTS_BYTES:
            problems.append(
                (
                    self,
                    self.env._("Letter: %s", self.name),
                    self.env._("Attachments weigh more than the 256 MB AR24 accepts"),
                )
            )
        return problems

    # ------------------------------------------------------------------ preparing
    def _ar24_render_pdf(self):
        """Render the text of the letters that have no PDF yet, each to its own A4 PDF; returns
        the letters that have their PDF. A letter that cannot be rendered is put in error with
        the reason (wkhtmltopdf's message): it does not stop the others, nor the queue.

        wkhtmltopdf renders a letter per run, without JavaScript; ``ar24_lre.render_processes``
        runs go at a time (see ``_ar24_render_pdfs``).
        """
        todo = self.filtered(lambda letter: not letter.pdf_attachment_id)
        if not todo:
            return self
        report = self.env.ref("ar24_lre.action_report_ar24_letter")
        errors = {}
        if modules.module.current_test and not self.env.context.get("force_report_rendering"):
            # Odoo's tests render reports as HTML (no wkhtmltopdf): keep its fallback, per letter
            contents = {
                letter.id: report._render_qweb_pdf(report.report_name, res_ids=letter.ids)[0] for letter in todo
            }
        else:
            params = self.env["ir.config_parameter"].sudo()
            try:
                contents, errors = report._ar24_render_pdfs(
                    todo.ids,
                    processes=int(params.get_param("ar24_lre.render_processes", 4)),
                )
            except UserError as exc:
                contents, errors = {}, dict.fromkeys(todo.ids, exc.args[0])
        failed = todo.filtered(lambda letter: letter.id not in contents)
        for letter in failed:
            letter._ar24_set_render_error(errors.get(letter.id) or self.env._("The letter could not be rendered."))
        rendered = todo - failed
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": "%s.pdf" % letter.name.replace("/", "-"),
                    "raw": contents[letter.id],
                    "mimetype": "application/pdf",
                    "res_model": letter._name,
                    "res_id": letter.id,
                }
                for letter in rendered
            ]
        )
        for letter, attachment in zip(rendered, attachments):
            letter.pdf_attachment_id = attachment
        return self - failed

    def _ar24_pdf_body(self):
        """The body as printed: nothing in it makes wkhtmltopdf fetch a URL (see ``ar24.pdfhtml``)."""
        self.ensure_one()
        from ..ar24.pdfhtml import strip_fetched_urls  # noqa: PLC0415

        return Markup(strip_fetched_urls(str(self.body or "")))

    def _ar24_set_render_error(self, reason):
        self.write(
            {
                "state": "error",
                "error_code": "render",
                "error_message": self.env._("Its PDF could not be made: %s", reason),
                "send_started_at": False,
                "send_queued": False,
            }
        )
        self._message_log(body=self.error_message)

    def _ar24_prepare(self, client, workers=None):
        """Render and upload what AR24 needs before the OTP validation; shared attachments are
        uploaded once. A letter whose upload AR24 refuses gets the error; the others go on."""
        self._ar24_own_attachments()
        rendered = self._ar24_render_pdf()
        workers = workers or AR24Workers(lambda: client)
        for (_company, user), letters in rendered._ar24_groups().items():
            letters._ar24_shared_file_ids(client)
            missing = letters.filtered(lambda letter: not letter.body_file_id)
            uploaded = workers.map(
                lambda c, payload, uid=user.ar24_user_id: c.upload_attachment(uid, *payload),
                [letter._ar24_upload_payload() for letter in missing],
            )
            for letter, result in zip(missing, uploaded):
                letter._ar24_record_upload(result)

    def _ar24_shared_file_ids(self, client):
        """{attachment id: AR24 file id} of these letters' shared attachments (one sender and
        entity); each is uploaded once per AR24 account."""
        return (
            self.env["ar24.upload"]
            .sudo()
            ._file_ids_for(self.company_id, self.user_id.ar24_user_id, self.attachment_ids, client)
        )

    def _ar24_upload_payload(self):
        """Upload arguments of the letter's own PDF (see ``ar24.upload._upload_payload``)."""
        return self.env["ar24.upload"]._upload_payload(self.pdf_attachment_id)

    def _ar24_record_upload(self, result):
        """Keep the AR24 file id of the letter's own PDF (unique: it finds the letter again after a
        crash), or AR24's refusal. True when uploaded."""
        self.ensure_one()
        if isinstance(result, AR24Error):
            self._ar24_set_error(result)
            return False
        self.body_file_id = result
        return True

    def _ar24_groups(self):
        return self.grouped(lambda letter: (letter.company_id, letter.user_id))

    def _ar24_mail_params(self):
        """Fields of POST /mail for this letter, but its files (``attachment``)."""
        self.ensure_one()
        recipient = self.contact_id or self.partner_id
        email, _reason = self._ar24_recipient_email()
        params = {
            "to_email": email,
            "dest_statut": self.recipient_status,
            "content": html_sanitize(self.body or "") or self.subject,
            "payment_slug": (self.payment_method_id or self.company_id.ar24_payment_method_id).slug,
            "ref_dossier": self.ref_dossier,
            "ref_client": self.ref_client,
            "ref_facturation": self.ref_facturation,
            "webhook": self.company_id._ar24_webhook_url(),
        }
        if self.recipient_status == "professionnel":
            params["to_company"] = (recipient.commercial_partner_id or recipient).name
            if recipient.parent_id:
                params["to_lastname"] = recipient.name
        else:
            params["to_lastname"] = recipient.name
        if self.send_type == "lr_paper":
            params.update(
                {
                    "to_address1": recipient.street,
                    "to_address2": recipient.street2,
                    "to_zipcode": recipient.zip,
                    "to_city": recipient.city,
                    "to_country": recipient.country_id.code,
                    "print_color": self.print_color,
                    "print_duplex": self.print_duplex,
                }
            )
        return params

    # ------------------------------------------------------------------ wizard outcomes
    def _ar24_prepare_for_otp(self):
        """LRE eIDAS: render and upload now, then wait in to_valid for the sender's OTP code."""
        prepared = self._ar24_prepare_in_groups()
        return self._ar24_notification(
            self.env._("Letters ready for OTP validation"),
            self.env._("%(count)s letters wait for your OTP code in “Awaiting OTP validation”.", count=len(prepared)),
            "success" if prepared == self else "warning",
        )

    def _ar24_check_sendable(self):
        """Only drafts and letters in error that AR24 does not hold may be sent or prepared: anything
        else (a letter received, waiting, or deposited outside Odoo) never goes back."""
        others = self.filtered(
            lambda letter: letter.state not in CONTENT_STATES or letter.ar24_id or letter.send_started_at
        )
        if others:
            raise UserError(
                self.env._(
                    "%(letters)s already left for AR24 (or may have): they cannot be sent again.",
                    letters=", ".join(others.mapped("name")),
                )
            )

    def _ar24_prepare_in_groups(self):
        """Render and upload per sender; the letters ready for the OTP code (to_valid)."""
        self._ar24_check_sendable()
        prepared = self.browse()
        for (company, _user), letters in self._ar24_groups().items():
            try:
                letters._ar24_prepare(company._ar24_client())
            except AR24Error as exc:
                letters._ar24_set_error(exc)
                continue
            ready = letters.filtered("body_file_id")
            ready.write({"state": "to_valid", "error_code": False, "error_message": False, "send_queued": False})
            prepared |= ready
        return prepared

    def _ar24_send_or_queue(self):
        """What the wizard hands over leaves now; a large batch goes to the background queue.

        Avis électronique and paper letters are sent; qualified LRE letters are rendered and
        uploaded, then wait for the OTP code. Rendering takes a moment per letter: a batch
        larger than ``ar24_lre.inline_limit`` must not hold the sender's browser (nor outlast the
        request's time limit), the queue's job does it and tells him when it is done.
        """
        self._ar24_check_sendable()
        limit = int(self.env["ir.config_parameter"].sudo().get_param("ar24_lre.inline_limit", 20))
        if len(self) > limit:
            self.write({"send_queued": True})
            self.env.ref("ar24_lre.ir_cron_ar24_send_queue")._trigger()
            if all(letter.send_type == "lre_eidas" for letter in self):
                message = self.env._(
                    "%(count)s letters are being prepared in the background; you will be told when they wait "
                    "for your OTP code.",
                    count=len(self),
                )
            else:
                message = self.env._(
                    "%(count)s letters are being sent in the background; their states update as AR24 accepts them.",
                    count=len(self),
                )
            return self._ar24_notification(self.env._("Registered letters are being sent"), message, "info")
        lre = self.filtered(lambda letter: letter.send_type == "lre_eidas")
        if lre:
            return lre._ar24_prepare_for_otp()
        self._ar24_send()
        message, failed = self._ar24_send_summary()
        return self._ar24_notification(self.env._("Registered letters"), message, "warning" if failed else "success")

    def _ar24_send_summary(self):
        """(sentence, letters not sent) after a send: how many left (or, for qualified LRE, wait
        for the OTP code), which did not and why."""
        lre = self.filtered(lambda letter: letter.send_type == "lre_eidas")
        parts, failed = [], self.browse()
        if self - lre:
            not_sent = (self - lre).filtered(lambda letter: not letter.ar24_id)
            parts.append(
                self.env._(
                    "%(sent)s of %(count)s letters handed to AR24.",
                    sent=len(self - lre) - len(not_sent),
                    count=len(self - lre),
                )
            )
            failed |= not_sent
        if lre:
            not_ready = lre.filtered(lambda letter: letter.state != "to_valid" and not letter.ar24_id)
            parts.append(
                self.env._(
                    "%(ready)s of %(count)s qualified LRE letters wait for your OTP code in “Awaiting OTP validation”.",
                    ready=len(lre) - len(not_ready),
                    count=len(lre),
                )
            )
            failed |= not_ready
        message = " ".join(parts)
        if failed:
            message += " " + self.env._(
                "Not sent: %(letters)s.",
                letters="; ".join("%s (%s)" % (letter.name, letter.error_message) for letter in failed),
            )
        return message, failed

    def _ar24_notification(self, title, message, kind):
        return notification(title, message, kind, CLOSE)

    @api.model
    def _cron_send_queue(self, batch_size=50):
        """Background sender: rows locked with SKIP LOCKED so several workers can share a batch."""
        domain = [("send_queued", "=", True), ("state", "in", ("draft", "error"))]
        while True:
            letters = self.search(domain, limit=batch_size, order="id").try_lock_for_update()
            if not letters:
                return
            # the letters waited in the queue: whatever changed since the sender's check (consent,
            # address, sender, deadline) is checked again, and a letter that fails stays in error
            letters = letters._ar24_check_again()
            lre = letters.filtered(lambda letter: letter.send_type == "lre_eidas")
            lre._ar24_prepare_in_groups()
            (letters - lre)._ar24_send()
            letters.filtered("send_queued").write({"send_queued": False})
            letters._ar24_report_to_senders()
            remaining = self.search_count(domain)
            if can_commit(self.env) and self.env["ir.cron"]._commit_progress(len(letters), remaining=remaining) <= 0:
                return
            if not remaining:
                return

    def _ar24_check_again(self):
        """The letters that still pass every pre-send check; the others go to error with the reasons."""
        pdf_cache = {}
        failing = self.browse()
        for letter in self.filtered(lambda letter: not letter.ar24_id):
            problems = letter._ar24_problems(letter.send_type, pdf_cache)
            if problems:
                failing |= letter
                reasons = "; ".join("%s: %s" % (location, comment) for _record, location, comment in problems)
                letter.write(
                    {
                        "state": "error",
                        "error_code": "check",
                        "error_message": self.env._("Not sent: %s", reasons),
                        "send_queued": False,
                    }
                )
                letter._message_log(body=letter.error_message)
        return self - failing

    def _ar24_report_to_senders(self):
        """Tell each sender, in his browser, how his letters sent in the background went."""
        for user, letters in self.grouped("user_id").items():
            message, failed = letters._ar24_send_summary()
            user._bus_send(
                "simple_notification",
                {
                    "type": "warning" if failed else "success",
                    "title": self.env._("Registered letters: background batch done"),
                    "message": message,
                    "sticky": bool(failed),
                },
            )

    @api.model
    def _cron_reconcile(self):
        """Letters left with an unknown outcome (crash, lost answer) are looked up at AR24."""
        letters = self.search([("send_started_at", "!=", False), ("ar24_id", "=", 0)])
        for company, group in letters.grouped("company_id").items():
            if company._ar24_is_configured():
                group._ar24_reconcile(company._ar24_client())

    # ------------------------------------------------------------------ sending
    def _ar24_send(self, otp_hash=None):
        """Send these letters to AR24 now. Exactly once: reconciles first, commits around each call.

        Letters whose outcome is unknown (crash or timeout after AR24 may have accepted them) keep
        ``send_started_at`` and are looked up in AR24's list of the sender's letters before any
        new attempt. Uploads and POST /mail run ``ar24_lre.concurrency`` at a time.
        """
        params = self.env["ir.config_parameter"].sudo()
        concurrency = max(1, int(params.get_param("ar24_lre.concurrency", 4)))
        chunk_size = max(1, int(params.get_param("ar24_lre.chunk_size", 64)))
        for (company, user), letters in self._ar24_groups().items():
            client = company._ar24_client()
            letters._ar24_reconcile(client)
            # a qualified LRE leaves only with its sender's OTP hash: without it, it keeps waiting
            todo = letters.filtered(
                lambda letter: (
                    not letter.ar24_id
                    and letter.state in ("draft", "to_valid", "error")
                    and (otp_hash or letter.send_type != "lre_eidas")
                )
            )
            with AR24Workers(company._ar24_client_factory(client), concurrency) as workers:
                for start in range(0, len(todo), chunk_size):
                    todo[start : start + chunk_size]._ar24_send_chunk(workers, user, otp_hash)

    def _ar24_send_chunk(self, workers, user, otp_hash):
        """Render the letters' PDFs, then send those that have one (the others are in error)."""
        self._ar24_own_attachments()
        rendered = self._ar24_render_pdf()
        if rendered:
            rendered._ar24_send_rendered(workers, user, otp_hash)
        self._ar24_commit()

    def _ar24_send_rendered(self, workers, user, otp_hash):
        """Upload what AR24 lacks and POST each letter's /mail as soon as its files are there.

        Every call goes through the workers (``ar24_lre.concurrency`` at a time) and the calls
        overlap: a letter's /mail does not wait for the other letters' uploads, so the workers
        stay busy. Exactly once: a letter's own file id and its ``send_started_at`` are committed
        before its POST /mail leaves. A shared attachment AR24 refuses stops only its letters.
        """
        company, ar24_user_id = self.company_id, user.ar24_user_id  # the workers must not touch the ORM
        uploads = self.env["ar24.upload"].sudo()
        extra = {"auth_otp_hash": otp_hash} if otp_hash else {}

        def upload(c, payload):
            return c.upload_attachment(ar24_user_id, *payload)

        def send(c, call):
            return c.send_mail(ar24_user_id, call[0], **dict(call[1], **extra))

        shared, missing = uploads._known_file_ids(company, ar24_user_id, self.attachment_ids)
        pending = {}  # future -> (step, records)
        for same_content in missing.values():
            pending[workers.submit(upload, uploads._upload_payload(same_content[0]))] = ("shared", same_content)
        for letter in self.filtered(lambda letter: not letter.body_file_id):
            pending[workers.submit(upload, letter._ar24_upload_payload())] = ("own", letter)
        # read while the uploads fly and the cache is warm: each commit below empties Odoo's cache
        letters = {letter.id: letter for letter in self}
        calls = {letter.id: (letter.send_type, letter._ar24_mail_params()) for letter in self}
        needs = {letter.id: letter.attachment_ids.ids for letter in self}
        own = {letter.id: letter.body_file_id for letter in self if letter.body_file_id}
        waiting, failed = set(own), set()  # own file at AR24 / stopped by an upload
        # AR24's answers are applied once nothing is left to submit: until then this thread only
        # hands calls to the workers (Python threads share one interpreter lock), and a crash
        # before they are applied is reconciled like any unknown outcome (send_started_at is
        # committed)
        answers = []
        while True:
            ready = [letter_id for letter_id in waiting if all(a in shared for a in needs[letter_id])]
            if ready:
                waiting.difference_update(ready)
                self.browse(ready).write({"send_started_at": fields.Datetime.now()})
                self._ar24_commit()  # from here on, a crash is reconciled, never re-sent blindly
            for letter_id in ready:
                product, params = calls[letter_id]
                files = [own[letter_id], *(shared[a] for a in needs[letter_id])]
                pending[workers.submit(send, (product, dict(params, attachment=files)))] = ("send", letters[letter_id])
            if not pending:
                break
            if answers and not waiting and all(step == "send" for step, _records in pending.values()):
                # nothing is left to submit: write the answers while the last calls fly; they are
                # flushed and committed with the last ones (a commit here would empty Odoo's cache
                # and read every letter again)
                self._ar24_apply_answers(answers, commit=False)
            for future in workers.wait_some(pending):
                step, records = pending.pop(future)
                result = future.result()
                if step == "send":
                    answers.append((records, result))
                elif step == "own":
                    if records._ar24_record_upload(result):
                        own[records.id] = result
                        if records.id not in failed:
                            waiting.add(records.id)
                    else:
                        failed.add(records.id)
                elif isinstance(result, AR24Error):
                    stopped = [i for i in letters if i not in failed and set(needs[i]) & set(records.ids)]
                    self.browse(stopped)._ar24_set_error(result)
                    failed.update(stopped)
                    waiting.difference_update(stopped)
                else:
                    shared.update(uploads._remember(company, ar24_user_id, records, result))
        self._ar24_apply_answers(answers)

    def _ar24_apply_answers(self, answers, commit=True):
        """Record AR24's answers [(letter, result)], committed when ``commit``; empties ``answers``."""
        for letter, result in answers:
            letter._ar24_apply_send_result(result)
        answers.clear()
        if commit:
            self._ar24_commit()

    def _ar24_apply_send_result(self, result):
        self.ensure_one()
        if isinstance(result, AR24TransportError) and result.maybe_processed:
            # AR24 may hold the letter: keep send_started_at, the next run reconciles it
            self.write(
                {
                    "error_code": "unknown_outcome",
                    "error_message": ar24_error_text(self.env, result),
                    "state": "error",
                    "send_queued": False,
                }
            )
            return
        if isinstance(result, AR24ApiError) and result.slug == "authentication_otp_hash_invalid":
            # the hour of the OTP validation ran out mid-batch: the letter waits for a new code
            self.write(
                {
                    "state": "to_valid",
                    "send_started_at": False,
                    "error_code": result.slug,
                    "error_message": ar24_error_text(self.env, result),
                }
            )
            return
        if isinstance(result, AR24Error):
            self._ar24_set_error(result)
            return
        self._ar24_apply_mail(result, sending=True)

    def _ar24_set_error(self, exc):
        code = exc.slug if isinstance(exc, AR24ApiError) else "transport"
        self.write(
            {
                "state": "error",
                "error_code": code,
                "error_message": ar24_error_text(self.env, exc),
                "send_started_at": False,
                "send_queued": False,
            }
        )
        for letter in self:
            letter._message_log(body=self.env._("AR24 refused the letter: %s", letter.error_message))

    def _ar24_reconcile(self, client):
        """Adopt letters that AR24 accepted while Odoo did not record it (crash, lost answer)."""
        unknown = self.filtered(lambda letter: letter.send_started_at and not letter.ar24_id)
        if not unknown:
            return  # nothing to look up, nothing to commit: the letters stay in Odoo's cache
        for user, letters in unknown.grouped("user_id").items():
            since = min(letters.mapped("send_started_at")) - timedelta(minutes=10)
            by_file = {letter.body_file_id: letter for letter in letters if letter.body_file_id}
            try:
                mails = client.iter_mails(
                    user.ar24_user_id, date_from=crypto.paris_now(since.replace(tzinfo=timezone.utc))
                )
                for mail in mails:
                    for file_id in mail.get("attachments") or ():
                        letter = by_file.pop(file_id, None)
                        if letter:
                            letter._ar24_apply_mail(mail, sending=True)
                            letter._message_log(
                                body=self.env._("Found at AR24 after an interrupted send: not sent twice.")
                            )
            except AR24Error as exc:
                _logger.warning("AR24 reconciliation failed for %s: %s", user.login, exc)
                continue
            # what AR24 does not hold was never received: it may be sent again
            self.browse([letter.id for letter in by_file.values()]).write({"send_started_at": False})
            letters.filtered(lambda letter: not letter.body_file_id).write({"send_started_at": False})
        self._ar24_commit()

    def _ar24_apply_mail(self, mail, sending=False):
        """Update from an AR24 mail object; states never go backwards."""
        self.ensure_one()
        status = str(mail.get("status") or "").lower()
        new_state = status if status in STATE_RANK else self.state
        # ids come as ints from the client (``ar24.client.normalize``), whatever AR24's JSON type
        vals = {"ar24_status": mail.get("status"), "ar24_id": mail.get("id") or self.ar24_id or 0}
        if mail.get("to_email") and mail["to_email"] != self.ar24_to_email:
            vals["ar24_to_email"] = mail["to_email"]
        if mail.get("to_name") and (sending or self.deposited_outside) and mail["to_name"] != self.ar24_to_name:
            vals["ar24_to_name"] = mail["to_name"]
        if sending:
            vals.update(send_started_at=False, send_queued=False, error_code=False, error_message=False)
            if STATE_RANK[new_state] < STATE_RANK["waiting"]:
                new_state = "waiting"
        if STATE_RANK.get(new_state, 0) >= STATE_RANK.get(self.state, 0) and new_state != self.state:
            vals["state"] = new_state
        if mail.get("price_ht") is not None:
            vals["price_ht"] = float(mail.get("price_ht") or 0.0)
        if mail.get("date") and not self.date_deposit:
            vals["date_deposit"] = _utc(mail["date"])
        for key, field in DATE_FIELDS.items():
            if mail.get(key) and not self[field]:
                vals[field] = _utc(mail[key])
        self.write(vals)
        return vals.get("state")

    # ------------------------------------------------------------------ status tracking
    def action_ar24_refresh(self):
        """Read the letters' status at AR24 (list calls with paging, never one GET per letter)."""
        letters = self.filtered("ar24_id") or self.search([("ar24_id", "!=", 0), ("state", "in", OPEN_STATES)])
        letters.check_access("read")
        # what AR24 says is written by the module: states, dates and proofs are not the user's to write
        changed = letters.sudo()._ar24_sync_status()
        return notification(
            self.env._("Registered letters"),
            self.env._(
                "Letters checked at AR24: %(count)s, changed: %(changed)s.", count=len(letters), changed=changed
            ),
            "success",
            RELOAD,
        )

    def _ar24_sync_status(self, senders=None):
        """Update these letters from AR24's list of each sender's letters; returns how many changed
        (letters imported included).

        The same list brings the letters AR24 holds waiting for, or past, an OTP validation that
        Odoo did not deposit: they are imported, read-only (``_ar24_import_outside``). ``senders``
        (res.users): also list the letters of these senders, whether Odoo has open letters of theirs
        or not, from the day before their last such listing.
        """
        changed = 0
        groups = self.filtered("ar24_id")._ar24_groups()
        for user in senders or ():
            groups.setdefault((user.company_id, user), self.browse())
        for (company, user), letters in groups.items():
            if not company._ar24_is_configured() or not user.ar24_user_id:
                continue
            client = company._ar24_client()
            by_id = {letter.ar24_id: letter for letter in letters}
            sender = user if senders and user in senders else None
            started = fields.Datetime.now()
            since = crypto.paris_now(self._ar24_sync_since(letters, sender).replace(tzinfo=timezone.utc))
            unknown = []
            try:
                for mail in client.iter_mails(user.ar24_user_id, date_from=since):
                    letter = by_id.get(mail.get("id"))
                    if letter:
                        changed += bool(letter._ar24_update_from_mail(mail, client))
                    else:
                        unknown.append(mail)
            except AR24Error as exc:
                _logger.warning("AR24 status sync failed for %s: %s", user.login, exc)
            else:
                changed += len(self._ar24_import_outside(company, user, unknown))
                if sender:
                    sender.sudo().ar24_letters_checked_at = started
            letters.write({"ar24_refresh_requested": False})
            self._ar24_commit()
        return changed

    @api.model
    def _ar24_sync_since(self, letters, sender=None):
        """Start of the list to read: the day before the oldest of ``letters`` and, for ``sender``,
        the day before his last listing (``OUTSIDE_LOOKBACK_DAYS`` back the first time)."""
        starts = [letter.date_deposit or letter.create_date for letter in letters]
        if sender:
            first_time = fields.Datetime.now() - timedelta(days=OUTSIDE_LOOKBACK_DAYS - 1)
            starts.append(sender.sudo().ar24_letters_checked_at or first_time)
        return min(starts) - timedelta(days=1)

    @api.model
    def _ar24_import_outside(self, company, user, mails):
        """Letters of ``user`` that AR24 holds to_valid or not_valided although Odoo did not deposit
        them (e.g. on AR24's site): created read-only with AR24's number, state, dates and
        recipient, linked to the contact of that e-mail when there is one. Odoo never sends them.

        A letter Odoo sent whose answer was lost carries Odoo's own file (``body_file_id``): it is
        left to the reconciliation, never imported twice. Runs in the jobs: writes as superuser.
        """
        mails = [m for m in mails if str(m.get("status") or "").lower() in OUTSIDE_STATUSES and m.get("id")]
        if not mails:
            return self.browse()
        Letter = self.sudo()
        known = set(Letter.search([("ar24_id", "in", [m["id"] for m in mails])]).mapped("ar24_id"))
        files = [file_id for mail in mails for file_id in mail.get("attachments") or ()]
        own = set(Letter.search([("body_file_id", "in", files)]).mapped("body_file_id")) if files else set()
        new = [m for m in mails if m["id"] not in known and not own.intersection(m.get("attachments") or ())]
        if not new:
            return self.browse()
        emails = {m["id"]: rules.normalize_email(m.get("to_email") or "")[0] or False for m in new}
        partners = (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("ar24_email_normalized", "in", [e for e in emails.values() if e]),
                    ("company_id", "in", [False, company.id]),
                ],
                order="id",
            )
        )
        by_email = {}
        for partner in partners:
            by_email.setdefault(partner.ar24_email_normalized, partner)
        letters = Letter.create(
            [self._ar24_outside_values(company, user, mail, by_email.get(emails[mail["id"]])) for mail in new]
        )
        for letter, mail in zip(letters, new):
            letter._ar24_apply_mail(mail)
            letter._message_log(
                body=self.env._(
                    "Deposited at AR24 outside Odoo (no. %(number)s, %(status)s): shown here as AR24 holds it, "
                    "never sent from Odoo.",
                    number=mail["id"],
                    status=mail.get("status"),
                )
            )
        return letters.sudo(False)

    @api.model
    def _ar24_outside_values(self, company, user, mail, partner):
        """Values of the letter that shows ``mail``, deposited outside Odoo."""
        send_type = {"ae": "ae", "lr_paper": "lr_paper"}.get(str(mail.get("type") or "").lower(), "lre_eidas")
        statut = mail.get("dest_statut") if mail.get("dest_statut") in ("particulier", "professionnel") else False
        return {
            "partner_id": partner.id if partner else False,
            "subject": mail.get("ref_dossier")
            or self.env._("Registered letter %(number)s deposited outside Odoo", number=mail["id"]),
            "send_type": send_type,
            "company_id": company.id,
            "user_id": user.id,
            "to_email": mail.get("to_email") or False,
            "recipient_status": statut or ("professionnel" if mail.get("to_company") else "particulier"),
            "ref_dossier": mail.get("ref_dossier") or False,
            "ref_client": mail.get("ref_client") or False,
            "ref_facturation": mail.get("ref_facturation") or False,
            "deposited_outside": True,
        }

    def _ar24_update_from_mail(self, mail, client):
        """Apply one AR24 mail object: state (forward only), dates, proofs, chatter, follow-up."""
        self.ensure_one()
        before = self.state
        new_state = self._ar24_apply_mail(mail)
        self._ar24_fetch_proofs(mail, client)
        if new_state and new_state != before:
            self._ar24_after_state_change(before)
            return True
        return False

    def _ar24_fetch_proofs(self, mail, client):
        """Download each new proof once, attach it with its SHA-256 (legal evidence)."""
        done = set((self.proof_kinds or "").split(",")) - {""}
        for kind, (url_key, _date_key) in PROOFS.items():
            url = mail.get(url_key)
            if not url or kind in done:
                continue
            try:
                content = client.download(url)
            except AR24Error as exc:
                _logger.info("Proof %s of %s not downloaded yet: %s", kind, self.name, exc)
                continue
            digest = hashlib.sha256(content).hexdigest()
            attachment = self.env["ir.attachment"].create(
                {
                    "name": "%s - %s.pdf" % (self.name.replace("/", "-"), ar24_translate(self.env, PROOF_LABELS[kind])),
                    "raw": content,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                    "description": "SHA-256: %s" % digest,
                }
            )
            done.add(kind)
            self.proof_attachment_ids = [Command.link(attachment.id)]
            self._message_log(
                body=self.env._(
                    "Proof received from AR24: %(name)s (SHA-256 %(digest)s)", name=attachment.name, digest=digest
                ),
                attachment_ids=attachment.ids,
            )
        self.proof_kinds = ",".join(sorted(done))

    def _ar24_after_state_change(self, before):
        """Chatter note on the source document; follow-up activity when the letter did not arrive."""
        label = dict(self._fields["state"]._description_selection(self.env))[self.state]
        source = self._source_record()
        recipient = self.partner_id.display_name or self.ar24_to_name or self.ar24_to_email or ""
        note = self.env._(
            "Registered letter %(name)s to %(partner)s: %(state)s.",
            name=self.name,
            partner=recipient,
            state=label,
        )
        if source and hasattr(source, "_message_log"):
            source._message_log(body=note)
        target = source if source and hasattr(source, "activity_schedule") else self
        if self.state in ("refused", "negligence", "bounced"):
            target.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=self.user_id.id,
                summary=self.env._(
                    "Registered letter %(state)s by %(partner)s: decide the next step",
                    state=label.lower(),
                    partner=recipient,
                ),
                note=self.env._("Letter %(name)s. You may resend it by paper registered letter.", name=self.name),
            )
        elif self.state == "ar":
            activities = target.activity_ids.filtered(
                lambda a: a.user_id == self.user_id and self.name in (a.note or "")
            )
            activities.action_feedback(feedback=self.env._("Received: %s", self.name))

    @api.model
    def _cron_sync_status(self):
        """Every 15 minutes: letters not yet final, and first those a webhook asked to re-read; the
        list of every linked sender's letters also brings those deposited outside Odoo."""
        requested = self.search([("ar24_refresh_requested", "=", True)])
        requested._ar24_sync_status()
        senders = self.env["res.users"].sudo().search([("ar24_link_state", "=", "linked"), ("ar24_user_id", "!=", 0)])
        self.search([("ar24_id", "!=", 0), ("state", "in", OPEN_STATES)])._ar24_sync_status(senders=senders)

    def _ar24_commit(self):
        """Exactly once needs it: what AR24 was asked must be durable before and after each call."""
        if can_commit(self.env):
            self.env.cr.commit()  # pylint: disable=invalid-commit


def _utc(paris_string):
    """AR24's Paris-time string -> naive UTC datetime for Odoo."""
    value = crypto.parse_paris_date(paris_string)
    return value.astimezone(crypto.ZoneInfo("UTC")).replace(tzinfo=None) if value else False
