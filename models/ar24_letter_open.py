import json

from odoo import api, models


class Ar24LetterOpen(models.AbstractModel):
    """Opening the send wizard ("Envoyer en AR"): on letters (their form and list buttons, a paper
    resend) or on records of any model (contacts, documents, another module's action).

    Reached through ``ar24.letter._prepare_from_records`` and ``ar24.letter._action_open_send_wizard``;
    it only builds the window action, in the caller's environment (its user and language).
    """

    _name = "ar24.letter.open"
    _description = "Registered letter: opening the send wizard"

    @api.model
    def _from_records(self, records, partner_field="partner_id", template=None, values=None):
        """The send wizard on ``records`` (any model): see ``ar24.letter._prepare_from_records``."""
        records.check_access("read")
        # the wizard keeps them in a JSON field (dates as ISO strings, which the letter's fields read back)
        values = json.loads(json.dumps(values or {}, default=str))
        context = {
            "ar24_res_model": records._name,
            "ar24_res_ids": records.ids,
            "ar24_partner_field": partner_field,
            "ar24_letter_values": values,
            "dialog_size": "extra-large",
        }
        if template:
            context["default_template_id"] = template.id
        return {
            "type": "ir.actions.act_window",
            "name": template._ar24_action_name(self.env.lang or "en_US")
            if template
            else self.env._("Send as registered letter"),
            "res_model": "ar24.send.wizard",
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    @api.model
    def _on_letters(self, letters, composition=False):
        """The send wizard on these letters (drafts, or letters in error)."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send as registered letter"),
            "res_model": "ar24.send.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": "ar24.letter",
                "active_ids": letters.ids,
                "dialog_size": "extra-large",
                "default_composition": composition,
            },
        }
