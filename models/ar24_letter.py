from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..ar24.pdfhtml import strip_fetched_urls
from ..const import (
    CONTENT_STATES,
    FOLLOWING_FIELDS,
    LEAVING_FIELDS,
    LETTER_TYPES,
    RECIPIENT_STATUSES,
    SEND_TYPE_CODES,
    STATES,
)
from ..tools import posting_message


class Ar24Letter(models.Model):
    """One registered letter to one recipient (the LSC manual's "Lettre recommandée").

    The letter holds what is sent and what AR24 says of it; it guards who may write what (a user
    writes the content of his drafts, the module everything else). Sending, checking and
    following it at AR24 are done by ``ar24.letter.send``, ``ar24.letter.check`` and
    ``ar24.letter.sync``, reached through the ``_ar24_*`` methods at the end of this class; its
    buttons and computes hand their work to ``ar24.letter.open`` (the send wizard),
    ``ar24.letter.paper`` (deadline, paper fallback) and ``ar24.letter.list`` (the list's actions).
    """

    _name = "ar24.letter"
    _description = "Registered letter"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"

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
        LETTER_TYPES,
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
    sender_email = fields.Char(
        "Sender e-mail",
        compute="_compute_sender_email",
        store=True,
        readonly=False,  # given by AR24 for a letter deposited outside Odoo; users cannot write it (the guard)
        copy=False,
        help="The e-mail of the sender's AR24 account, which the letter leaves (or left) with.",
    )
    # LSC's "Date": when the letter was made, in Odoo or, for one deposited outside Odoo, at AR24 (given
    # then, hence readonly=False; users cannot write it: the guard)
    date = fields.Datetime("Date", compute="_compute_date", store=True, readonly=False, copy=False, index=True)
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
        RECIPIENT_STATUSES,
        compute="_compute_recipient_status",
        store=True,
        readonly=False,
    )
    recipient_name = fields.Char(
        "Recipient name",
        compute="_compute_recipient_name",
        search="_search_recipient_name",
        help="The recipient as AR24 holds him once the letter left, else the contact.",
    )
    date_deposit = fields.Datetime("Deposited on", readonly=True, copy=False)
    date_sent = fields.Datetime("Sent on", readonly=True, copy=False)
    date_ar = fields.Datetime("Received on", readonly=True, copy=False)
    date_refused = fields.Datetime("Refused on", readonly=True, copy=False)
    date_negligence = fields.Datetime("Unclaimed on", readonly=True, copy=False)
    date_bounced = fields.Datetime("Bounced on", readonly=True, copy=False)
    price_ht = fields.Float("Price (excl. tax)", readonly=True, copy=False)
    page_count = fields.Integer(
        "Pages",
        compute="_compute_page_count",
        store=True,
        readonly=True,
        copy=False,
        help="Pages of the documents Odoo sends (the letter and its PDF attachments); unknown (0) for a letter "
        "deposited outside Odoo: AR24's list does not give it.",
    )
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
    # the background job tells the sender once how his batch went, when none of his letters is left
    # in the queue, whichever Odoo process sent them (see ar24.letter.send._report_done_batches)
    send_report_pending = fields.Boolean("Batch report pending", readonly=True, copy=False, index=True)
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
        "Re-read requested",
        readonly=True,
        copy=False,
        index=True,
        help="A webhook said the letter changed: re-read it from AR24.",
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

    @api.constrains("send_type", "deposited_outside")
    def _check_send_type(self):
        for letter in self.filtered(lambda letter: letter.send_type not in SEND_TYPE_CODES):
            if not letter.deposited_outside:
                label = dict(letter._fields["send_type"]._description_selection(self.env))[letter.send_type]
                raise ValidationError(
                    self.env._(
                        "%(letter)s: Odoo does not send a %(type)s; it only shows those deposited outside Odoo.",
                        letter=letter.name,
                        type=label,
                    )
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

    @api.depends("create_date")
    def _compute_date(self):
        # a letter deposited outside Odoo is given AR24's date when it is imported (never recomputed)
        for letter in self:
            letter.date = letter.create_date or fields.Datetime.now()

    @api.depends("user_id.ar24_email")
    def _compute_sender_email(self):
        following = self._ar24_following()
        for letter in self:
            # a letter that left keeps the account it left with (one that left before this field existed
            # gets its sender's account once)
            if letter in following or not letter.sender_email:
                letter.sender_email = letter.user_id.ar24_email

    @api.depends("partner_id", "ar24_to_name")
    def _compute_recipient_name(self):
        for letter in self:
            letter.recipient_name = letter.ar24_to_name or letter.partner_id.display_name or False

    def _search_recipient_name(self, operator, value):
        if operator not in ("ilike", "=ilike", "like", "=like", "=", "in"):
            return NotImplemented
        return ["|", ("partner_id", operator, value), ("ar24_to_name", operator, value)]

    @api.depends("pdf_attachment_id", "attachment_ids")
    def _compute_page_count(self):
        self.env["ar24.letter.list"]._set_page_counts(self)

    @api.depends(
        "company_id.ar24_payment_method_id",
        "user_id.ar24_sender_payment_ids.company_id",
        "user_id.ar24_sender_payment_ids.payment_method_id",
    )
    def _compute_payment_method_id(self):
        # AR24 charges a letter to a method of its sender's account: the one he linked to the entity
        # ("Manage payment methods for my account"), else the entity's own (when it is not his, the
        # checks say so before anything leaves)
        letters = self._ar24_following()
        linked = self.env["ar24.sender.payment"]._ar24_methods(letters.user_id, letters.company_id)
        for letter in letters:
            letter.payment_method_id = (
                linked.get((letter.user_id.id, letter.company_id.id)) or letter.company_id.sudo().ar24_payment_method_id
            )

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
            partner = letter.partner_id
            letter.recipient_status = partner.ar24_recipient_status or (
                "professionnel" if partner.is_company else "particulier"
            )

    @api.depends("ag_date")
    def _compute_must_be_received_by(self):
        self.env["ar24.letter.paper"]._set_deadlines(self._ar24_following())

    @api.depends("send_type", "company_id.ar24_paper_transit_days", "must_be_received_by")
    def _compute_deadline_rule(self):
        check = self.env["ar24.letter.check"]
        for letter in self:
            letter.deadline_rule = check._deadline_rule(letter)

    def _compute_deadline_at_risk(self):
        at_risk = self.search([("id", "in", self.ids), ("deadline_at_risk", "=", True)]) if self.ids else self
        for letter in self:
            letter.deadline_at_risk = letter in at_risk

    def _search_deadline_at_risk(self, operator, value):
        # near deadline and not yet presented (see ``ar24.letter.paper._at_risk_domain``)
        if operator not in ("in", "=") or value not in ({True}, [True], True):
            return NotImplemented
        return self.env["ar24.letter.paper"]._at_risk_domain()

    def _source_record(self):
        self.ensure_one()
        if self.res_model in self.env and self.res_id:
            return self.env[self.res_model].browse(self.res_id).exists()
        return None

    # ------------------------------------------------------------------ who writes what (see ar24.letter.guard)
    @api.model_create_multi
    def create(self, vals_list):
        guard, letters_model = self.env["ar24.letter.guard"], self
        if not guard._privileged(self.env):
            vals_list, letters_model = guard._user_vals_list(self, vals_list)
            guard._check_create(letters_model, vals_list)
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("ar24.letter") or "/"
        letters = super(Ar24Letter, letters_model).create(vals_list)
        letters._ar24_adopt_attachments()
        return letters

    def write(self, vals):
        guard = self.env["ar24.letter.guard"]
        if not guard._privileged(self.env):
            guard._check_write(self, vals)
        if LEAVING_FIELDS.intersection(vals):
            self._ar24_settle()  # before the letter may leave: what it was sent with is stored
        if guard._check_frozen(self, vals) and "pdf_attachment_id" not in vals:
            # what was rendered and uploaded for the old content must not leave with the new one
            vals = dict(vals, pdf_attachment_id=False, body_file_id=0)
        result = super().write(vals)
        if "attachment_ids" in vals:
            self._ar24_adopt_attachments()
        return result

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
        self.env["ar24.letter.guard"]._check_unlink(self)

    def message_post(self, **kwargs):
        self.env["ar24.letter.guard"]._check_post(self, kwargs.get("author_id"))
        with posting_message():  # its files (uploads, a template's reports) go onto the letter, signed by it
            return super().message_post(**self.env["mail.message"]._ar24_user_post(kwargs))

    def _message_update_content(self, message, /, **kwargs):
        with posting_message():
            return super()._message_update_content(message, **kwargs)

    def _message_log(self, *, author_id=None, **kwargs):
        # the module's notes are signed by OdooBot: told apart from what users post, and kept
        # (see mail.message: a letter's log is neither changed nor deleted)
        return super()._message_log(author_id=author_id or self.env.ref("base.partner_root").id, **kwargs)

    def _ar24_pdf_body(self):
        """The body as printed: nothing in it makes wkhtmltopdf fetch a URL (see ``ar24.pdfhtml``)."""
        self.ensure_one()
        return Markup(strip_fetched_urls(str(self.body or "")))

    # ------------------------------------------------------------------ actions
    def action_send(self):
        """Form/list button: open the send wizard on these letters."""
        drafts = self.filtered(lambda letter: letter.state in ("draft", "error"))
        if not drafts:
            raise UserError(self.env._("Only draft letters or letters in error can be sent."))
        return drafts._action_open_send_wizard()

    def action_cancel(self):
        """Cancel drafts that AR24 does not hold (see ``ar24.letter.list._cancel``)."""
        return self.env["ar24.letter.list"]._cancel(self)

    def action_reset_draft(self):
        """Letters in error or canceled, that AR24 does not hold, back to draft."""
        return self.env["ar24.letter.list"]._reset_draft(self)

    def action_resend_paper(self):
        """Electronic letters that did not arrive leave again by paper, the selected ones only."""
        return self.env["ar24.letter.paper"]._resend(self)

    def action_ar24_refresh(self):
        """Read the letters' status at AR24 (list calls with paging, never one GET per letter)."""
        return self.env["ar24.letter.list"]._refresh(self)

    def action_ar24_consent_refresh(self):
        """LSC's "Mise à jour des consentements": the consents of the letters' recipients, read at AR24."""
        return self.env["ar24.letter.list"]._consent_refresh(self)

    def action_print_consumption(self):
        """The consumption summary of these letters, per entity and month, as a PDF."""
        self.check_access("read")
        return self.env.ref("ar24_lre.action_report_ar24_consumption").report_action(self)

    def action_open_source(self):
        self.ensure_one()
        record = self._source_record()
        if not record:
            return False
        return {"type": "ir.actions.act_window", "res_model": record._name, "res_id": record.id, "view_mode": "form"}

    @api.model
    def _prepare_from_records(self, records, partner_field="partner_id", template=None, **values):
        """The send wizard on ``records`` (any model): other modules bind their action in one line.

        The recipient is the record itself for partners, else its ``partner_field``; ``values`` are
        given to every letter. ``template`` (a ``mail.template`` of the records' model) writes each
        letter: subject and body rendered for its record, the template's reports attached as the
        record's own PDF. Nothing is created here: the wizard holds one row per record and creates
        the letters when the user sends (Cancel leaves nothing behind).
        """
        return self.env["ar24.letter.open"]._from_records(records, partner_field, template, values)

    def _action_open_send_wizard(self, composition=False):
        return self.env["ar24.letter.open"]._on_letters(self, composition)

    @api.autovacuum
    def _gc_abandoned_drafts(self):
        """Drafts nobody touched for a month go (see ``ar24.letter.list``)."""
        return self.env["ar24.letter.list"]._gc_abandoned_drafts()

    # ------------------------------------------------------------------ API for other modules
    # The send engine (``ar24.letter.send``), the checks (``ar24.letter.check``) and the status
    # sync (``ar24.letter.sync``) work on the letters they are given; these are their doors.
    def _ar24_problems(self, send_type, pdf_cache=None, extra=None):
        """[(record, location label, comment)] that prevent sending this letter as ``send_type``."""
        return self.env["ar24.letter.check"]._problems(self, send_type, pdf_cache, extra)

    def _ar24_deadline_warning(self, send_type):
        """Sentence when ``send_type`` cannot present the letter by its deadline if sent today."""
        return self.env["ar24.letter.check"]._deadline_warning(self, send_type)

    def _ar24_send_or_queue(self):
        """Send these letters (qualified LRE: prepare them for the OTP code), or queue a large batch."""
        return self.env["ar24.letter.send"]._send_or_queue(self)

    def _ar24_send(self, otp_hash=None):
        """Send these letters to AR24 now, exactly once (qualified LRE only with ``otp_hash``)."""
        return self.env["ar24.letter.send"]._send(self, otp_hash=otp_hash)

    def _ar24_prepare_for_otp(self):
        """Render and upload these qualified LRE letters; they wait for their sender's OTP code."""
        return self.env["ar24.letter.send"]._prepare_for_otp(self)

    def _ar24_sync_status(self, senders=None):
        """Update these letters from AR24; returns how many changed."""
        return self.env["ar24.letter.sync"]._sync_status(self, senders=senders)
