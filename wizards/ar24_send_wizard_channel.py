from odoo import fields, models

from ..const import SEND_TYPES


class Ar24SendWizardChannel(models.TransientModel):
    """The LSC manual's "Information sur l'envoi", one line per channel: how many letters take it, how
    many can go, and what they cost."""

    _name = "ar24.send.wizard.channel"
    _description = "Letters of one channel in the send wizard"
    _order = "id"

    wizard_id = fields.Many2one("ar24.send.wizard", required=True, ondelete="cascade")
    channel = fields.Selection([*SEND_TYPES, ("none", "No channel")], required=True)
    requested = fields.Integer("Letters requested")
    compatible = fields.Integer()
    incompatible = fields.Integer()
    pages = fields.Integer("Pages to print")
    price = fields.Float("Estimated price (excl. tax)")
