from odoo import fields, models


class Ar24SendWizardError(models.TransientModel):
    _name = "ar24.send.wizard.error"
    _description = "Problem preventing a registered letter"
    _order = "id"

    wizard_id = fields.Many2one("ar24.send.wizard", required=True, ondelete="cascade")
    letter_id = fields.Many2one("ar24.letter", "Letter")
    location = fields.Char(required=True)
    comment = fields.Char(required=True)
    partner_id = fields.Many2one("res.partner", "Partner to fix")
    attachment_id = fields.Many2one("ir.attachment", "Attachment to fix")
    company_id = fields.Many2one("res.company", "Entity to fix")
    user_id = fields.Many2one("res.users", "Sender to fix")
    res_model = fields.Char("Document model")
    res_id = fields.Many2oneReference("Document to fix", model_field="res_model")
