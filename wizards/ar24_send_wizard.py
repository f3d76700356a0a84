from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import html2plaintext

from ..ar24 import pdfcheck
from ..ar24.routes import PAPER_PRICE_PER_PAGE, PRICES, PRODUCTS
from ..const import SEND_TYPES

# Rows of the per-letter detail: the letters to fix first, then a page of the others. Every letter
# is checked and counted; storing a row per letter of a 1,000-letter batch would cost an INSERT
# per hundred letters for rows nobody scrolls through.
DETAIL_LIMIT = 80


class Ar24SendWizard(models.TransientModel):
    """ "Envoyer en AR" (the LSC manual, §3–§5): counts, per-letter detail, error summary, send.

    Opened on letters, or on any records (partners, documents) for which it drafts one letter
    each; with ``active_domain`` in the context it takes the whole "select all" domain.
    """

    _name = "ar24.send.wizard"
    _description = "Send as registered letter"

    letter_ids = fields.Many2many("ar24.letter", string="Letters")
    send_type = fields.Selection(SEND_TYPES, required=True, default=lambda self: self._default_send_type())
    print_color = fields.Boolean("Print in colour", default=lambda self: self.env.company.ar24_print_color)
    print_duplex = fields.Boolean("Print recto verso", default=lambda self: self.env.company.ar24_print_duplex)
    requested_count = fields.Integer("Letters requested", compute="_compute_counts", store=True)
    compatible_count = fields.Integer("Compatible", compute="_compute_counts", store=True)
    incompatible_count = fields.Integer("Incompatible", compute="_compute_counts", store=True)
    # Separate computes: a field given by the form (error lines are editable, to open what to fix)
    # must not stop the others from being computed.
    error_line_ids = fields.One2many(
        "ar24.send.wizard.error", "wizard_id", compute="_compute_error_line_ids", store=True, readonly=False
    )
    line_ids = fields.One2many("ar24.send.wizard.line", "wizard_id", compute="_compute_line_ids", store=True)
    detail_hidden_count = fields.Integer("Letters not listed", compute="_compute_counts", store=True)
    warning_count = fields.Integer("Deadline warnings", compute="_compute_counts", store=True)
    page_count = fields.Integer("Pages to print", compute="_compute_counts", store=True)
    estimated_price = fields.Float("Estimated price (excl. tax)", compute="_compute_counts", store=True)
    # Batch from a mail template and common attachments (AG convocation to every co-owner)
    composition = fields.Boolean(help="The letters were drafted by this wizard: their content is written here.")
    template_id = fields.Many2one("mail.template", "Template", domain=[("model", "=", "res.partner")])
    subject = fields.Char()
    body = fields.Html(sanitize=True)
    attachment_ids = fields.Many2many(
        "ir.attachment", "ar24_send_wizard_attachment_rel", "wizard_id", "attachment_id", string="Common attachments"
    )
    check_token = fields.Integer(help="Bumped by 'Recalculate errors' to recompute the checks.")

    @api.model
    def _default_send_type(self):
        letters = self._letters_from_context()
        types = set(letters.mapped("send_type"))
        return types.pop() if len(types) == 1 else (self.env.company.ar24_default_send_type or "lre_eidas")

    @api.model
    def _letters_from_context(self):
        context = self.env.context
        if context.get("active_model") != "ar24.letter":
            return self.env["ar24.letter"]
        if context.get("active_domain"):
            return self.env["ar24.letter"].search(context["active_domain"])
        return self.env["ar24.letter"].browse(context.get("active_ids") or [])

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        model = context.get("active_model")
        if "letter_ids" in fields_list and model:
            if model == "ar24.letter":
                letters = self._letters_from_context()
            else:
                records = (
                    self.env[model].search(context["active_domain"])
                    if context.get("active_domain")
                    else self.env[model].browse(context.get("active_ids") or [])
                )
                letters = self.env["ar24.letter"].browse(
                    self.env["ar24.letter"]._prepare_from_records(records)["context"]["active_ids"]
                )
            values["letter_ids"] = [Command.set(letters.filtered(lambda x: x.state in ("draft", "error")).ids)]
            if model != "ar24.letter":
                values["composition"] = True
        return values

    @api.onchange("template_id")
    def _onchange_template_id(self):
        if self.template_id:
            self.subject = self.template_id.subject
            self.body = self.template_id.body_html

    def _apply_composition(self):
        """Write the composed content on each drafted letter, the template rendered per recipient."""
        if not self.composition:
            return
        letters = self.letter_ids
        bodies, subjects = {}, {}
        if self.template_id:
            partners = letters.partner_id
            bodies = self.template_id._render_field("body_html", partners.ids)
            subjects = self.template_id._render_field("subject", partners.ids)
        for letter in letters:
            values = {
                "subject": subjects.get(letter.partner_id.id) or self.subject or letter.subject,
                "body": bodies.get(letter.partner_id.id) or self.body or letter.body,
            }
            if self.attachment_ids:
                values["attachment_ids"] = [Command.link(a.id) for a in self.attachment_ids]
            letter.write(values)

    def _problems(self):
        """{letter: [(record, location, comment)]} for this wizard's type; computed once per check."""
        self.ensure_one()
        key = (
            "ar24_send_wizard",
            self.id or id(self),
            self.send_type,
            self.check_token,
            tuple(self.letter_ids.ids),
            tuple(self.attachment_ids.ids),
            bool(self.body),
            self.template_id.id,
        )
        cache = self.env.cr.cache
        if key not in cache:
            pdf_cache = {}
            extra = {
                "attachments": self.attachment_ids,
                "has_text": bool(self.template_id or html2plaintext(self.body or "").strip()),
            }
            cache[key] = {letter: letter._ar24_problems(self.send_type, pdf_cache, extra) for letter in self.letter_ids}
        return cache[key]

    def _details(self):
        """Values of the detail row of every letter (in ``_problems``' order), computed once per check."""
        problems = self._problems()
        cache = self.env.cr.cache
        key = ("ar24_send_wizard_details", id(problems))
        if cache.get(key, (None,))[0] is not problems:
            cache[key] = (problems, [self._detail_values(letter, found) for letter, found in problems.items()])
        return cache[key][1]

    def _letters_where(self, compatible):
        problems = self._problems()
        return self.letter_ids.filtered(lambda letter: (not problems[letter]) == compatible)

    @api.depends("letter_ids", "send_type", "check_token", "attachment_ids", "body", "template_id")
    def _compute_line_ids(self):
        for wizard in self:
            rows = sorted(wizard._details(), key=lambda values: values["compatible"])[:DETAIL_LIMIT]
            wizard.line_ids = [Command.clear()] + [Command.create(values) for values in rows]

    @api.depends("letter_ids", "send_type", "check_token", "attachment_ids", "body", "template_id")
    def _compute_error_line_ids(self):
        for wizard in self:
            errors = [
                Command.create(wizard._error_values(letter, *problem))
                for letter, problems in wizard._problems().items()
                for problem in problems
            ]
            wizard.error_line_ids = [Command.clear()] + errors

    @api.depends("letter_ids", "send_type", "check_token", "attachment_ids", "body", "template_id")
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

    def _error_values(self, letter, record, location, comment):
        values = {"letter_id": letter.id, "location": location, "comment": comment}
        field = {
            "res.partner": "partner_id",
            "ir.attachment": "attachment_id",
            "res.company": "company_id",
            "res.users": "user_id",
        }.get(record._name)
        if field:
            values[field] = record.id
        return values

    def _detail_values(self, letter, problems):
        recipient = letter.contact_id or letter.partner_id
        if self.send_type == "lr_paper":
            address = ", ".join(
                filter(
                    None,
                    [recipient.street, recipient.street2, recipient.zip, recipient.city, recipient.country_id.name],
                )
            )
        else:
            address = letter.to_email
        payment = letter.payment_method_id or letter.company_id.ar24_payment_method_id
        return {
            "letter_id": letter.id,
            "recipient": recipient.display_name,
            "recipient_status": letter.recipient_status,
            "address": address,
            "payment": "%s (%s) — %s" % (payment.name, payment.slug, letter.company_id.name) if payment else False,
            "content": self._content_label(letter),
            "attachments": "\n".join(
                "%s (%s Ko)" % (a.name, max(1, (a.file_size or 0) // 1024)) for a in letter.attachment_ids
            ),
            "info": "\n".join(comment for _record, _location, comment in problems)
            or self.env._("Compatible: ready to send"),
            "compatible": not problems,
            "deadline_warning": letter._ar24_deadline_warning(self.send_type),
            **self._price_values(letter),
        }

    def _content_label(self, letter):
        if self.composition:
            return self.template_id.name or self.subject or letter.subject
        return letter.subject

    def _price_values(self, letter):
        """Pages (paper) and estimated price from the [ASSUMED] price list of ar24/routes.py."""
        product = PRODUCTS[self.send_type]
        price = PRICES.get((product["type"], product["eidas"]), 0.0)
        if self.send_type != "lr_paper":
            return {"pages": 0, "price": price}
        pages = 1  # the letter itself
        for attachment in letter.attachment_ids | self.attachment_ids:
            if (attachment.mimetype or "") == "application/pdf":
                pages += pdfcheck.page_count(attachment.with_context(bin_size=False).raw or b"") or 0
        return {"pages": pages, "price": price + PAPER_PRICE_PER_PAGE * pages}

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
        """The LSC manual's "Recalculer les erreurs": re-check after fixing partners, attachments or settings."""
        self.ensure_one()
        self.env.invalidate_all()
        self.check_token += 1
        return self._reopen()

    def action_list_errors(self):
        """The LSC manual's "Lister les événements en erreur": the letters that cannot go, in a list."""
        self.ensure_one()
        letters = self._letters_where(compatible=False)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Letters in error"),
            "res_model": "ar24.letter",
            "view_mode": "list,form",
            "domain": [("id", "in", letters.ids)],
        }

    def action_send(self):
        """Send the compatible letters; the others stay draft with their reasons in the summary."""
        self.ensure_one()
        # the letters are the sender's own (or, for a manager, his team's): never a colleague's put in
        # the wizard by RPC (read as the user, such letters would silently drop out of the batch)
        self.sudo().letter_ids.with_env(self.env).check_access("write")
        # and only letters that never left: a received letter written into the wizard stays received
        self.env["ar24.letter.send"]._check_sendable(self.letter_ids)
        self._apply_composition()
        if self.send_type in ("lre_eidas", "ae"):
            # LSC manual: "lors de l'envoi des LRE, une vérification est également faite sur le site AR24"
            for (company, sender), letters in self.letter_ids.grouped(lambda x: (x.company_id, x.user_id)).items():
                self.env["res.partner"].with_company(company)._ar24_consent_refresh_for_send(letters.partner_id, sender)
        self.check_token += 1  # never trust a stale check: data may have changed since it was shown
        compatible = self._letters_where(compatible=True)
        if not compatible:
            raise UserError(
                self.env._(
                    "None of the %(count)s letters can be sent: see the error summary.", count=self.requested_count
                )
            )
        options = {"send_type": self.send_type, "print_color": self.print_color, "print_duplex": self.print_duplex}
        # write only what changes: a new option means a new PDF, and a letter AR24 may hold stays as it is
        compatible.filtered(lambda letter: any(letter[key] != value for key, value in options.items())).write(options)
        # from here on the module writes states, PDFs and AR24's answers (fields users cannot write)
        return compatible.sudo()._ar24_send_or_queue()
