from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    ar24_consent_synced_at = fields.Datetime(
        "LRE consents refreshed on",
        readonly=True,
        copy=False,
        help="Last time the nightly job copied this user's AR24 consents onto the contacts.",
    )
