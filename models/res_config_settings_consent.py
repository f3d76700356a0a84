from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar24_ae_consent_required = fields.Boolean(related="company_id.ar24_ae_consent_required", readonly=False)
