from odoo import fields, models
from odoo.exceptions import AccessError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar24_environment = fields.Selection(related="company_id.ar24_environment", readonly=False)
    ar24_api_url = fields.Char(related="company_id.ar24_api_url", readonly=False)
    ar24_token = fields.Char(related="company_id.ar24_token", readonly=False, groups="base.group_system")
    ar24_private_key = fields.Char(related="company_id.ar24_private_key", readonly=False, groups="base.group_system")
    ar24_default_send_type = fields.Selection(related="company_id.ar24_default_send_type", readonly=False)
    ar24_print_color = fields.Boolean(related="company_id.ar24_print_color", readonly=False)
    ar24_print_duplex = fields.Boolean(related="company_id.ar24_print_duplex", readonly=False)
    ar24_webhook_base_url = fields.Char(related="company_id.ar24_webhook_base_url", readonly=False)
    ar24_payment_method_id = fields.Many2one(related="company_id.ar24_payment_method_id", readonly=False)
    ar24_is_coownership = fields.Boolean(related="company_id.ar24_is_coownership", readonly=False)
    ar24_paper_transit_days = fields.Integer(related="company_id.ar24_paper_transit_days", readonly=False)

    ar24_ae_consent_required = fields.Boolean(related="company_id.ar24_ae_consent_required", readonly=False)

    def action_ar24_test_connection(self):
        self.ensure_one()
        self.execute()  # save first: the test must use what the admin just typed
        return self.company_id.action_ar24_test_connection()

    def action_ar24_regenerate_webhook_token(self):
        """A leaked callback URL (a log, a copied database) is revoked by a new token."""
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only system administrators can regenerate the AR24 callback token."))
        return self.env["res.company"]._ar24_regenerate_webhook_token()
