from odoo import fields, models

from ..const import RECIPIENT_STATUSES, SEND_TYPES


class Ar24SendWizardLine(models.TransientModel):
    _name = "ar24.send.wizard.line"
    _description = "Registered letter in the send wizard"
    _order = "compatible, id"

    wizard_id = fields.Many2one("ar24.send.wizard", required=True, ondelete="cascade")
    letter_id = fields.Many2one("ar24.letter", "Letter")
    partner_id = fields.Many2one("res.partner", "Contact")
    recipient = fields.Char()
    recipient_status = fields.Selection(RECIPIENT_STATUSES)
    channel = fields.Selection(SEND_TYPES, "Channel")
    channel_reason = fields.Char("Why this channel")
    address = fields.Char("E-mail or postal address")
    payment = fields.Char("Payment method")
    content = fields.Char()
    attachments = fields.Text()
    info = fields.Text("Information")
    compatible = fields.Boolean()
    deadline_warning = fields.Text("Deadline")
    pages = fields.Integer()
    price = fields.Float("Estimated price")
