from typing import NamedTuple

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tools import html2plaintext

from ..ar24 import pdfcheck
from ..ar24.routes import PAPER_PRICE_PER_PAGE, PRICES, PRODUCTS
from ..const import CONTENT_STATES, LETTER_VALUE_FIELDS, SEND_TYPES, WIZARD_SEND_TYPES

# Rows of the per-letter detail: the letters to fix first, then the others. Every letter is checked
# and counted; the detail lists the letters of any co-ownership (a syndic checks who gets paper and
# who the LRE before he pays), not every row of a 1,000-letter mailing nobody scrolls through.
DETAIL_LIMIT = 500
# What the checks of the wizard depend on (with the data of the contacts, settings and consents, which
# "Recalculate errors" re-reads)
CHECKED = (
    "letter_ids",
    "res_ids",
    "send_type",
    "check_token",
    "attachment_ids",
    "body",
    "template_id",
    "payment_method_id",
)


class Rows(NamedTuple):
    """The rows of a send wizard as letters (the letters themselves, or letters in memory)."""

    rows: object  # ar24.letter records
    values: dict  # {row: values of the letter to create}
    sources: dict  # {row: id of its source record (the letter's own id for letters)}
    unaddressed: dict  # {row: (source record, location, why it has no recipient)}


class Ar24SendWizard(models.TransientModel):
    """ "Envoyer en AR" (the LSC manual, §3–§5): channels, counts, per-letter detail, error summary, send.

    Opened on contacts or any records (``ar24.letter._prepare_from_records``) it holds its rows
    itself: the source records, one letter each, created only when the user sends (Cancel leaves
    nothing behind). Opened on letters (the letters list's "Send") its rows are those letters.
    Either way every row is an ``ar24.letter`` for the checks: the letters themselves, or letters
    in memory (``new``) that exist nowhere else. With ``active_domain`` in the context it takes the
    whole "select all" domain.
    """

    _name = "ar24.send.wizard"
    _description = "Send as registered letter"

    letter_ids = fields.Many2many("ar24.letter", string="Letters")
    # the rows when the wizard drafts the letters: the source records (partners or any other model)
    res_model = fields.Char("Source model")
    res_ids = fields.Json("Source records")
    partner_field = fields.Char(
        "Recipient field", default="partner_id", help="Field of the source records holding the recipient."
    )
    letter_values = fields.Json(
        "Letter values", help="Values of the letters to create, given by the module that opened the wizard."
    )
    send_type = fields.Selection(
        WIZARD_SEND_TYPES,
        required=True,
        default=lambda self: self.env.company.ar24_default_send_type or "lre_eidas",
        help="Per recipient: each letter takes the recipient's preferred dispatch when it is allowed, else "
        "the electronic letter when his LRE consent allows it (or he is a professional), else a paper "
        "registered letter when his postal address is complete.",
    )
    print_color = fields.Boolean("Print in colour", default=lambda self: self.env.company.ar24_print_color)
    print_duplex = fields.Boolean("Print recto verso", default=lambda self: self.env.company.ar24_print_duplex)
    payment_method_id = fields.Many2one(
        "ar24.payment.method",
        "Payment method for these letters",
        domain=lambda self: [("user_id", "=", self.env.uid)],
        help="One of your AR24 account's methods, for all your letters of this batch. Empty: each letter "
        "takes the method you linked to its entity (Manage payment methods for my account).",
    )
    consent_message = fields.Char(
        "LRE consents", readonly=True, help="Why the consents could not be re-read from AR24, when they could not."
    )
    requested_count = fields.Integer("Letters requested", compute="_compute_counts", store=True)
    compatible_count = fields.Integer("Compatible", compute="_compute_counts", store=True)
    incompatible_count = fields.Integer("Incompatible", compute="_compute_counts", store=True)
    # Separate computes: each is written by its own method, once per check.
    error_line_ids = fields.One2many(
        "ar24.send.wizard.error", "wizard_id", compute="_compute_error_line_ids", store=True
    )
    line_ids = fields.One2many("ar24.send.wizard.line", "wizard_id", compute="_compute_line_ids", store=True)
    channel_line_ids = fields.One2many(
        "ar24.send.wizard.channel", "wizard_id", "Channels", compute="_compute_channel_line_ids", store=True
    )
    detail_hidden_count = fields.Integer("Letters not listed", compute="_compute_counts", store=True)
    warning_count = fields.Integer("Deadline warnings", compute="_compute_counts", store=True)
    page_count = fields.Integer("Pages to print", compute="_compute_counts", store=True)
    estimated_price = fields.Float("Estimated price (excl. tax)", compute="_compute_counts", store=True)
    # Batch from a mail template and common attachments (AG convocation to every co-owner)
    composition = fields.Boolean(help="The letters are drafted by this wizard: their content is written here.")
    # a template of the source records' model: subject and body rendered per record, its reports attached
    template_id = fields.Many2one("mail.template", "Template", domain="[('model', '=', res_model or 'res.partner')]")
    subject = fields.Char()
    body = fields.Html(sanitize=True)
    attachment_ids = fields.Many2many(
        "ir.attachment", "ar24_send_wizard_attachment_rel", "wizard_id", "attachment_id", string="Common attachments"
    )
    check_token = fields.Integer(help="Bumped by 'Recalculate errors' to recompute the checks.")
    sent = fields.Boolean(readonly=True, help="Valider was pressed: this batch's letters were made and sent.")

    @api.constrains("res_model", "res_ids")
    def _check_sources(self):
        # the letters are drafted from documents the sender may read, whatever was written in the wizard
        # (Odoo runs constraints in superuser mode: the documents are checked as the user)
        for wizard in self.filtered("res_model"):
            self.env["ar24.letter.guard"]._check_source_model(self.env, wizard.res_model)
            wizard._as_user(self.env[wizard.res_model].browse(wizard.res_ids or [])).check_access("read")

    @api.constrains("letter_ids")
    def _check_letters(self):
        # the letters are the sender's own (or, for a manager, his team's): Odoo refuses to link letters
        # he cannot read; one he may read but not send is refused here too
        for wizard in self:
            wizard._as_user(wizard.sudo().letter_ids).check_access("write")

    @api.constrains("letter_values")
    def _check_letter_values(self):
        """The values every letter gets are the content a module may give them, checked as for a
        letter the user drafts: never a recipient, another sender, a file or a colleague's card."""
        for wizard in self.filtered("letter_values"):
            values = wizard.letter_values
            unknown = sorted(set(values) - set(LETTER_VALUE_FIELDS)) if isinstance(values, dict) else [str(values)]
            if unknown:
                raise ValidationError(
                    self.env._(
                        "The letters of a send cannot be given %(fields)s: each takes its recipient, files and "
                        "source from its document, and you are their sender.",
                        fields=", ".join(unknown),
                    )
                )
            wrong = [name for name in ("company_id", "payment_method_id") if not isinstance(values.get(name) or 0, int)]
            if wrong:
                raise ValidationError(self.env._("%(fields)s: one record each, by its id.", fields=", ".join(wrong)))
            letters = wizard._as_user(self.env["ar24.letter"])
            self.env["ar24.letter.guard"]._check_create(letters, [values])

    @api.constrains("template_id", "res_model")
    def _check_template(self):
        for wizard in self.filtered(lambda wizard: wizard.template_id and wizard.res_model):
            wizard._template_check()

    def _template_check(self):
        """A template renders the records of its own model only."""
        if self.template_id and self.template_id.model != self.res_model:
            raise ValidationError(
                self.env._(
                    "The template %(template)s is for %(model)s, not for the documents of this send (%(records)s).",
                    template=self.template_id.name,
                    model=self.template_id.model,
                    records=self.res_model,
                )
            )

    @api.constrains("payment_method_id")
    def _check_payment_method_id(self):
        # the method a sender picks is one of his own account's: AR24 would refuse another's, and a
        # colleague's card is not his to charge (checked here, whatever the form offered)
        for wizard in self.filtered("payment_method_id"):
            if wizard.payment_method_id.sudo().user_id != wizard.create_uid:
                raise ValidationError(
                    self.env._(
                        "%(method)s is not a payment method of your AR24 account: choose one of yours.",
                        method=wizard.payment_method_id.sudo().display_name,
                    )
                )

    def write(self, vals):
        if "sent" in vals and not self.env.su:
            raise AccessError(self.env._("Only sending a batch marks it sent."))
        return super().write(vals)

    # ------------------------------------------------------------------ opening
    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "letter_ids" not in fields_list and "res_ids" not in fields_list or self.env.context.get("ar24_probe"):
            return values
        source = self._source_from_context()
        if source is None:
            return values
        values.update(source)
        # the counts must be right when the wizard opens: AR24's address book first (one paged read)
        probe = self.with_context(ar24_probe=True).new(dict(values, **source))
        values["consent_message"] = probe._refresh_consents()
        if "send_type" in fields_list and "default_send_type" not in self.env.context:
            values["send_type"] = probe._default_send_type()
        return values

    @api.model
    def _source_from_context(self):
        """The wizard's rows from the context: letters, or source records (None: nothing given)."""
        context = self.env.context
        if context.get("ar24_res_model"):
            model, ids = context["ar24_res_model"], context.get("ar24_res_ids") or []
            records = self.env[model].browse(ids)
        elif context.get("active_model"):
            model = context["active_model"]
            if context.get("active_domain"):
                records = self.env[model].search(context["active_domain"])
            else:
                records = self.env[model].browse(context.get("active_ids") or [])
        else:
            return None
        if model == "ar24.letter":
            letters = records.filtered(lambda letter: letter.state in CONTENT_STATES)
            return {"letter_ids": [Command.set(letters.ids)], "res_model": False, "res_ids": False}
        records.check_access("read")
        return {
            "letter_ids": [Command.clear()],
            "res_model": model,
            "res_ids": records.ids,
            "partner_field": context.get("ar24_partner_field") or "partner_id",
            "letter_values": context.get("ar24_letter_values") or {},
            "composition": True,
        }

    def _default_send_type(self):
        """The channel every row would take when they all take the same; "per recipient" when they differ."""
        if self.letter_ids:
            types = set(self.letter_ids.mapped("send_type"))
            return types.pop() if len(types) == 1 else "per_recipient"
        check = self.env["ar24.letter.check"]
        data = self._row_data()
        channels = {check._channel(row).channel for row in data.rows if row not in data.unaddressed} - {None}
        if len(channels) == 1:
            return channels.pop()
        if channels:
            return "per_recipient"
        return self.env.company.ar24_default_send_type or "lre_eidas"

    def _refresh_consents(self):
        """Re-read the LRE consents of the rows' recipients from AR24 (the sync service, one paged read of
        each sender's address book per entity) so that the counts are right; False or why it failed."""
        Partner = self.env["res.partner"]
        check = self.env["ar24.letter.check"]
        errors = []
        rows = self._rows()
        for (company, sender), group in rows.grouped(lambda row: (row.company_id, row.user_id)).items():
            if not company._ar24_is_configured() or sender.ar24_link_state != "linked" or not sender.ar24_user_id:
                continue  # the error summary already says so, per letter
            holders = Partner.browse([check._consent_holder(row).id for row in group if row.partner_id])
            result = Partner.with_company(company)._ar24_consent_refresh_for_send(holders, sender)
            if result["error"]:
                errors.append(result["error"])
        if errors:
            return self.env._(
                "The LRE consents could not be re-read from AR24, those known in Odoo are used: %(reason)s",
                reason="; ".join(errors),
            )
        return False

    # ------------------------------------------------------------------ the rows
    def _state_key(self):
        """Everything the checks depend on, so that they run once per state of the wizard."""
        return (
            self.id,  # a NewId for the wizard of an onchange: unique, hashable
            self.send_type,
            self.check_token,
            tuple(self.letter_ids.ids),
            self.res_model,
            tuple(self.res_ids or ()),
            tuple(self.attachment_ids.ids),
            bool(self.body),
            self.template_id.id,
            self.payment_method_id.id,
        )

    def _as_user(self, records):
        """``records`` as the user reads them: Odoo computes the wizard's stored fields (its checks) and runs
        its constraints in superuser mode, but a source document is read, rendered and printed as the user."""
        return records.with_env(records.env(su=False))

    def _rows(self):
        """The rows as ``ar24.letter`` records: the letters, or one letter in memory per source record."""
        return self._row_data().rows

    def _row_data(self):
        """The wizard's ``Rows``, built once per check."""
        self.ensure_one()
        if self.letter_ids or not self.res_model:
            return Rows(self.letter_ids, {}, {letter: letter.id for letter in self.letter_ids}, {})
        key = ("ar24_send_wizard_rows", self._state_key())
        cache = self.env.cr.cache
        if key not in cache:
            Letter = self.env["ar24.letter"]
            built = self._row_values()
            # letters in memory only: the checks read them as letters, nothing is written; their name is
            # the recipient's (the document's when it has none) until they get a number
            rows = [Letter.new(dict(values, name=name, state="draft")) for values, name, _id, _why in built]
            cache[key] = Rows(
                Letter.concat(*rows) if rows else Letter,
                {row: values for row, (values, _name, _id, _why) in zip(rows, built)},
                {row: res_id for row, (_values, _name, res_id, _why) in zip(rows, built)},
                {row: why for row, (_values, _name, _id, why) in zip(rows, built) if why},
            )
        return cache[key]

    def _row_values(self):
        """[(values of the letter of each source record, its label, its id, why it has no recipient)]:
        the recipient is the record itself for contacts, else the field the template names (or
        ``partner_field``); a person of a company or household is its correspondent. A record without
        recipient is a row too: the error summary says why, and no letter is made for it."""
        records = self._as_user(self.env[self.res_model].browse(self.res_ids or []))
        is_partner = self.res_model == "res.partner"
        field, no_field = (None, None) if is_partner else self._recipient_field(records)
        company_field = "company_id" in records._fields and not is_partner
        extra = dict(self.letter_values or {})
        built = []
        for record in records:
            partner = record if is_partner else (record[field] if field else self.env["res.partner"])
            why = None
            if not partner:
                label = self.env._("Document: %s", record.display_name)
                why = (record, label, no_field or self._empty_recipient(records, field))
            contact = partner.browse()
            if partner.parent_id and not partner.is_company:
                # the LSC manual's correspondent: his e-mail first, the recipient's when he has none
                partner, contact = partner.parent_id, partner
            if not why and not self._as_user(partner | contact).has_access("read"):
                # the document names a contact the sender may not see: the checks (run as superuser)
                # must not show him its e-mail, address or consent, nor send him a letter
                label = self.env._("Document: %s", record.display_name)
                why = (record, label, self.env._("No recipient: you may not read the contact it names."))
                partner, contact = partner.browse(), contact.browse()
            company = record.company_id if company_field and record.company_id else self.env.company
            if company not in self.env.user.company_ids:
                # a document of another office (Odoo lets everyone read every company's users): its
                # entity's settings and cards are never checked, nor shown, for this sender
                label = self.env._("Document: %s", record.display_name)
                why = why or (record, label, self.env._("It belongs to an entity you do not work for."))
                company = self.env.company
            values = {
                "partner_id": partner.id,
                "contact_id": contact.id,
                "res_model": False if is_partner else record._name,
                "res_id": False if is_partner else record.id,
                "subject": extra.get("subject") or self.subject or record.display_name,
                "company_id": company.id,
                "user_id": self.env.uid,
            }
            label = (contact or partner).display_name or record.display_name
            built.append((dict(values, **extra), label, record.id, why))
        return built

    def _recipient_field(self, records):
        """(name of the records' field holding the recipient, or None and why there is none): the field
        the template names, else ``partner_field``; it must be a contact (``res.partner``) field."""
        name = self.template_id._ar24_partner_field() if self.template_id else self.partner_field or "partner_id"
        field = records._fields.get(name)
        if field and field.type == "many2one" and field.comodel_name == "res.partner":
            return name, None
        if self.template_id:
            return None, self.env._(
                "No recipient: %(model)s has no contact field %(field)s; choose the field of the recipient on the "
                "template %(template)s (Registered letter recipient).",
                model=records._description,
                field=name,
                template=self.template_id.name,
            )
        return None, self.env._(
            "No recipient: %(model)s has no contact field %(field)s.", model=records._description, field=name
        )

    def _empty_recipient(self, records, field):
        return self.env._(
            "No recipient: its field %(field)s is empty.", field=records._fields[field]._description_string(self.env)
        )

    def _channels(self):
        """{row: rules.ChannelChoice}: the send type chosen, or each recipient's channel."""
        key = ("ar24_send_wizard_channels", self._state_key())
        cache = self.env.cr.cache
        if key not in cache:
            rows = self._rows()
            if self.send_type == "per_recipient":
                check = self.env["ar24.letter.check"]
                unaddressed = self._row_data().unaddressed
                cache[key] = {row: (None, None) if row in unaddressed else check._channel(row) for row in rows}
            else:
                unaddressed = self._row_data().unaddressed
                cache[key] = {row: (None, None) if row in unaddressed else (self.send_type, False) for row in rows}
        return cache[key]

    def _payment_override(self, row):
        """The payment method the sender picked, for his own rows."""
        if self.payment_method_id and row.user_id == self.env.user:
            return self.payment_method_id
        return None

    def _problems(self):
        """{row: [(record, location, comment)]} for each row's channel; computed once per check."""
        self.ensure_one()
        key = ("ar24_send_wizard_problems", self._state_key())
        cache = self.env.cr.cache
        if key not in cache:
            pdf_cache = {}
            extra = {
                "attachments": self.attachment_ids,
                "has_text": bool(self.template_id or html2plaintext(self.body or "").strip()),
            }
            problems = {}
            send = self.env["ar24.letter.send"]
            unaddressed = self._row_data().unaddressed
            documents, document_problems = self._documents()
            for row, (channel, reason) in self._channels().items():
                if row in unaddressed:
                    problems[row] = [unaddressed[row]]  # nothing else can be said of a letter to nobody
                    continue
                left = row.id and send._unsendable_reason(row)
                if left:
                    # one letter AR24 may hold stays out of the batch; the others go
                    problems[row] = [(row, self.env._("Letter: %s", row.name), left)]
                    continue
                if not channel:
                    recipient = row.contact_id or row.partner_id
                    problems[row] = [(recipient, self.env._("Partner: %s", recipient.display_name), reason)]
                    continue
                row_extra = dict(
                    extra,
                    attachments=self.attachment_ids | documents.get(row, self.env["ir.attachment"]),
                    payment_method=self._payment_override(row),
                )
                problems[row] = row._ar24_problems(channel, pdf_cache, row_extra) + document_problems.get(row, [])
            cache[key] = problems
        return cache[key]

    def _reports(self):
        """The template's reports, rendered for each source record as its own PDF."""
        if not (self.composition and self.res_model and self.template_id.model == self.res_model):
            return self.env["ir.actions.report"]
        return self.template_id.report_template_ids

    def _documents(self):
        """({row: its document's PDFs (ir.attachment)}, {row: [problem]}): the template's reports rendered
        for each row's source record (``ar24.send.wizard.document``: once, not at every check)."""
        key = ("ar24_send_wizard_documents", self._state_key())
        cache = self.env.cr.cache
        if key not in cache:
            reports = self._reports()
            data = self._row_data()
            sources = {row: res_id for row, res_id in data.sources.items() if row not in data.unaddressed}
            files, problems = {}, {}
            if reports and sources:
                records = self._as_user(self.env[self.res_model].browse(list(dict.fromkeys(sources.values()))))
                rendered = self._as_user(self.env["ar24.send.wizard.document"])._for(reports, records)
                for row, res_id in sources.items():
                    files[row] = self.env["ir.attachment"]
                    for report in reports:
                        document = rendered[(report.id, res_id)]
                        files[row] |= document.attachment_id
                        if not document.attachment_id:
                            record = records.browse(res_id)
                            problems.setdefault(row, []).append(
                                (
                                    record,
                                    self.env._("Document: %s", record.display_name),
                                    self.env._(
                                        "Its report %(report)s could not be made: %(reason)s",
                                        report=report.name,
                                        reason=document.error,
                                    ),
                                )
                            )
            cache[key] = (files, problems)
        return cache[key]

    def _files(self, row):
        """What leaves with the row's letter besides its text: its attachments, the common ones, its document's."""
        return row.attachment_ids | self.attachment_ids | self._documents()[0].get(row, self.env["ir.attachment"])

    def _details(self):
        """Values of the detail row of every row (in ``_problems``' order), computed once per check."""
        key = ("ar24_send_wizard_details", self._state_key())
        cache = self.env.cr.cache
        if key not in cache:
            channels = self._channels()
            cache[key] = [self._detail_values(row, channels[row], found) for row, found in self._problems().items()]
        return cache[key]

    def _rows_where(self, compatible):
        problems = self._problems()
        return [row for row, found in problems.items() if (not found) == compatible]

    # ------------------------------------------------------------------ computes
    @api.depends(*CHECKED)
    def _compute_line_ids(self):
        for wizard in self:
            rows = sorted(wizard._details(), key=lambda values: values["compatible"])[:DETAIL_LIMIT]
            wizard.line_ids = [Command.clear()] + [Command.create(values) for values in rows]

    @api.depends(*CHECKED)
    def _compute_error_line_ids(self):
        for wizard in self:
            errors = [
                Command.create(wizard._error_values(row, *problem))
                for row, problems in wizard._problems().items()
                for problem in problems
            ]
            wizard.error_line_ids = [Command.clear()] + errors

    @api.depends(*CHECKED)
    def _compute_channel_line_ids(self):
        for wizard in self:
            by_channel = {}
            for values in wizard._details():
                line = by_channel.setdefault(
                    values["channel"] or "none",
                    {"channel": values["channel"] or "none", "requested": 0, "compatible": 0, "pages": 0, "price": 0.0},
                )
                line["requested"] += 1
                if values["compatible"]:
                    line["compatible"] += 1
                    line["pages"] += values["pages"]
                    line["price"] += values["price"]
            order = [code for code, _label in SEND_TYPES] + ["none"]
            lines = [
                dict(line, incompatible=line["requested"] - line["compatible"])
                for line in sorted(by_channel.values(), key=lambda line: order.index(line["channel"]))
            ]
            wizard.channel_line_ids = [Command.clear()] + [Command.create(values) for values in lines]

    @api.depends(*CHECKED)
    def _compute_counts(self):
        for wizard in self:
            details = wizard._details()
            compatible = [values for values in details if values["compatible"]]
            wizard.requested_count = len(details)
            wizard.compatible_count = len(compatible)
            wizard.incompatible_count = wizard.requested_count - wizard.compatible_count
            wizard.detail_hidden_count = max(0, len(details) - DETAIL_LIMIT)
            wizard.warning_count = len([values for values in details if values["deadline_warning"]])
            wizard.page_count = sum(values["pages"] for values in compatible)
            wizard.estimated_price = sum(values["price"] for values in compatible)

    def _error_values(self, row, record, location, comment):
        values = {"letter_id": row.id or False, "location": location, "comment": comment}
        field = {
            "res.partner": "partner_id",
            "ir.attachment": "attachment_id",
            "res.company": "company_id",
            "res.users": "user_id",
        }.get(record._name)
        if field and record.id:
            values[field] = record.id
        elif record.id and record._name != "ar24.letter":
            # a source document to fix (its recipient, its data): opened from the summary too
            values.update(res_model=record._name, res_id=record.id)
        return values

    def _detail_values(self, row, choice, problems):
        channel, reason = choice
        recipient = (
            self.env["ar24.letter.check"]._addressee(row, channel) if channel else row.contact_id or row.partner_id
        )
        if channel == "lr_paper":
            address = ", ".join(
                filter(
                    None,
                    [recipient.street, recipient.street2, recipient.zip, recipient.city, recipient.country_id.name],
                )
            )
        else:
            address = row.to_email
        payment = (self._payment_override(row) or row.payment_method_id).sudo()
        return {
            "letter_id": row.id or False,
            "partner_id": row.partner_id.id,
            "recipient": recipient.display_name or row.name,
            "recipient_status": row.partner_id and row.recipient_status,
            "channel": channel or False,
            "channel_reason": reason or False,
            "address": address,
            "payment": "%s (%s) — %s" % (payment.name, payment.slug, row.company_id.name)
            if payment and row.partner_id
            else False,
            "content": self._content_label(row),
            "attachments": "\n".join(
                "%s (%s Ko)" % (a.name, max(1, (a.file_size or 0) // 1024)) for a in self._files(row)
            ),
            "info": "\n".join(comment for _record, _location, comment in problems)
            or self.env._("Compatible: ready to send"),
            "compatible": not problems,
            "deadline_warning": channel and row._ar24_deadline_warning(channel),
            **self._price_values(row, channel),
        }

    def _content_label(self, row):
        if self.composition:
            return self.template_id.name or self.subject or row.subject
        return row.subject

    def _price_values(self, row, channel):
        """Pages (paper) and estimated price from the [ASSUMED] price list of ar24/routes.py."""
        if not channel:
            return {"pages": 0, "price": 0.0}
        product = PRODUCTS[channel]
        price = PRICES.get((product["type"], product["eidas"]), 0.0)
        if channel != "lr_paper":
            return {"pages": 0, "price": price}
        pages = 1  # the letter itself
        for attachment in self._files(row):
            if (attachment.mimetype or "") == "application/pdf":
                pages += pdfcheck.page_count(attachment.with_context(bin_size=False).raw or b"") or 0
        return {"pages": pages, "price": price + PAPER_PRICE_PER_PAGE * pages}

    @api.onchange("template_id")
    def _onchange_template_id(self):
        if self.template_id:
            self.subject = self.template_id.subject
            self.body = self.template_id.body_html

    # ------------------------------------------------------------------ buttons
    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Send as registered letter"),
            "context": {"dialog_size": "extra-large"},
        }

    def action_recompute(self):
        """The LSC manual's "Recalculer les erreurs": AR24's consents again, then every check, after the
        user fixed contacts, attachments or settings."""
        self.ensure_one()
        self.env.invalidate_all()
        # the sender may have fixed a report or its paper format: the documents are rendered again
        reports = self._reports()
        if reports:
            records = self.env[self.res_model].browse(self.res_ids or [])
            self.env["ar24.send.wizard.document"]._forget(reports, records)
        self.consent_message = self._refresh_consents()
        self.check_token += 1
        return self._reopen()

    def action_list_errors(self):
        """The LSC manual's "Lister les événements en erreur": the list the letters were started from again,
        showing only the records in error (the contacts to fix). The wizard closes: it created nothing,
        and "Envoyer en AR" on the fixed contacts starts again."""
        self.ensure_one()
        sources = self._row_data().sources
        ids = sorted({sources[row] for row in self._rows_where(compatible=False)})
        model = "ar24.letter" if self.letter_ids or not self.res_model else self.res_model
        names = {"ar24.letter": self.env._("Letters in error"), "res.partner": self.env._("Contacts to fix")}
        return {
            "type": "ir.actions.act_window",
            "name": names.get(model) or self.env._("Records in error"),
            "res_model": model,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", ids)],
            "target": "current",
            "context": {"create": False},
        }

    def action_send(self):
        """The LSC manual's "Valider": create the letters of the compatible rows, each with its channel,
        and send them; nothing is created nor sent for the others (their reasons are in the summary)."""
        self.ensure_one()
        # the letters are made of what was checked, not of defaults slipped into the call's context
        context = {key: value for key, value in self.env.context.items() if not key.startswith("default_")}
        return self.with_env(self.env(context=context))._send_batch()

    def _send_batch(self):
        self._lock_batch()
        self._check_letters()  # the letters are still the sender's (a manager may have moved one since)
        # LSC manual: "lors de l'envoi des LRE, une vérification est également faite sur le site AR24"
        self._refresh_consents()
        self.check_token += 1  # never trust a stale check: data may have changed since it was shown
        compatible = self._rows_where(compatible=True)
        if not compatible:
            raise UserError(
                self.env._(
                    "None of the %(count)s letters can be sent: see the error summary.", count=self.requested_count
                )
            )
        self.sudo().sent = True
        self.flush_recordset()  # the summary as it was when the letters left
        letters = self._letters_for(compatible)
        self._apply_composition(letters, compatible)
        self._apply_options(letters, compatible)
        # from here on the module writes states, PDFs and AR24's answers (fields users cannot write)
        return letters.sudo()._ar24_send_or_queue()

    def _lock_batch(self):
        """A batch leaves once: a second click, a second tab or a replayed call finds it sent (or being
        sent) and makes no letter. The row lock holds until the first call commits; a call that started
        before that commit and locks after it is retried by Odoo and then sees ``sent``."""
        if not self.try_lock_for_update(allow_referencing=True):
            raise UserError(self.env._("This batch is being sent already: its letters appear in the letters list."))
        if self.sent:
            raise UserError(self.env._("This batch was sent already: its letters are in the letters list."))

    def _apply_options(self, letters, rows):
        """Each letter of ``rows`` (in their order) takes its channel, the print options and the payment
        method the sender picked: what the summary showed is what leaves and what AR24 charges."""
        channels = self._channels()
        changes = {}
        for letter, row in zip(letters, rows):
            options = {
                "send_type": channels[row][0],
                "print_color": self.print_color,
                "print_duplex": self.print_duplex,
            }
            override = self._payment_override(row)
            if override:
                options["payment_method_id"] = override.id
            # write only what changes: a new option means a new PDF
            changed = tuple(
                (key, value)
                for key, value in options.items()
                if (letter[key].id if key == "payment_method_id" else letter[key]) != value
            )
            if changed:
                changes.setdefault(changed, []).append(letter.id)
        for changed, ids in changes.items():
            letters.browse(ids).write(dict(changed))

    def _letters_for(self, rows):
        """The letters of ``rows``, in their order: themselves, or created now for the user (the letters'
        guard checks what he may give them, as for any letter he drafts)."""
        if self.letter_ids or not self.res_model:
            return self.env["ar24.letter"].browse([row.id for row in rows])
        values_of, channels = self._row_data().values, self._channels()
        vals_list = []
        for row in rows:
            values = dict(values_of[row])
            override = self._payment_override(row)
            if override:
                values["payment_method_id"] = override.id
            values.update(send_type=channels[row][0], print_color=self.print_color, print_duplex=self.print_duplex)
            vals_list.append(values)
        return self.env["ar24.letter"].create(vals_list)

    def _apply_composition(self, letters, rows):
        """Write the composed content on each letter (made for ``rows``, in their order): the template
        rendered for its source record, the common attachments and its document's own PDF."""
        if not self.composition:
            return
        self._template_check()
        sources = self._row_data().sources
        ids = [sources[row] for row in rows]
        bodies, subjects = {}, {}
        if self.template_id:
            # rendered as the sender, on documents he may read (the records' own rules apply)
            self.env[self.res_model].browse(ids).check_access("read")
            bodies = self.template_id._render_field("body_html", ids, compute_lang=True)
            subjects = self.template_id._render_field("subject", ids, compute_lang=True)
        copies = self._document_copies(letters, rows)
        for letter, res_id in zip(letters, ids):
            values = {
                "subject": subjects.get(res_id) or self.subject or letter.subject,
                "body": bodies.get(res_id) or self.body or letter.body,
            }
            files = self.attachment_ids.ids + copies.get(letter.id, [])
            if files:
                values["attachment_ids"] = [Command.link(attachment_id) for attachment_id in files]
            letter.write(values)

    def _document_copies(self, letters, rows):
        """{letter id: [attachment ids]}: each document's PDF copied onto its letter (the same file), where
        the letter's evidence rules keep it once it left; made as the sender, on his own drafts."""
        documents = self._documents()[0]
        vals_list = [
            {
                "name": attachment.name,
                "raw": attachment.raw,
                "mimetype": "application/pdf",
                "res_model": letter._name,
                "res_id": letter.id,
            }
            for letter, row in zip(letters, rows)
            for attachment in documents.get(row, ())
        ]
        copies = {}
        for attachment in self.env["ir.attachment"].create(vals_list):
            copies.setdefault(attachment.res_id, []).append(attachment.id)
        return copies
