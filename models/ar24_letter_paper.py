from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..ar24 import rules
from ..const import FAILED_STATES, STATES


class Ar24LetterPaper(models.AbstractModel):
    """The legal deadline of a letter (décret du 17 mars 1967, art. 9 and 64) and its paper fallback:
    an electronic letter that did not arrive leaves again as a paper registered letter.

    Works on the letters it is given, through ``ar24.letter``'s deadline fields and its
    ``action_resend_paper`` button.
    """

    _name = "ar24.letter.paper"
    _description = "Registered letter: deadline and paper fallback"

    @api.model
    def _resend(self, letters):
        """Electronic letters that did not arrive leave again by paper, the given ones only: the send
        wizard opens on their paper letters."""
        env = letters.env
        failed = letters.filtered(lambda letter: letter.state in FAILED_STATES)
        others = letters - failed
        if others:
            raise UserError(
                env._(
                    "Only refused, unclaimed or bounced letters can be resent by paper: %(letters)s.",
                    letters=", ".join("%s (%s)" % (letter.name, dict(STATES)[letter.state]) for letter in others),
                )
            )
        paper = letters.create(
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
            letter._message_log(body=env._("Resent by paper registered letter: %s", new.name))
        action = paper._action_open_send_wizard()
        action["context"]["default_send_type"] = "lr_paper"
        return action

    @api.model
    def _set_deadlines(self, letters):
        """``must_be_received_by`` of these letters: it follows the general assembly's date (21 full
        days of notice); without one, a deadline typed by hand stays."""
        for letter in letters:
            if letter.ag_date:
                letter.must_be_received_by = rules.ag_convocation_deadline(letter.ag_date)
            elif not letter.must_be_received_by:
                letter.must_be_received_by = False

    @api.model
    def _at_risk_domain(self):
        """The letters near their deadline and not yet presented (draft, waiting for OTP or AR24, or in
        error): the deadline within ``ar24_lre.deadline_warning_days`` days."""
        limit = fields.Date.context_today(self) + timedelta(
            days=int(self.env["ir.config_parameter"].sudo().get_param("ar24_lre.deadline_warning_days", 7))
        )
        return [
            ("must_be_received_by", "!=", False),
            ("must_be_received_by", "<=", limit),
            ("state", "in", ("draft", "to_valid", "waiting", "error")),
        ]
