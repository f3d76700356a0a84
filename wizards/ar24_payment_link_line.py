from odoo import fields, models


class Ar24PaymentLinkLine(models.TransientModel):
    _name = "ar24.payment.link.line"
    _description = "Entity and its AR24 payment method"
    _order = "company_name, id"

    wizard_id = fields.Many2one("ar24.payment.link.wizard", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", string="Entity", required=True, readonly=True)
    company_name = fields.Char(related="company_id.name")
    payment_method_id = fields.Many2one("ar24.payment.method", string="AR24 payment method")
    payment_slug = fields.Char(related="payment_method_id.slug", string="AR24 code")
