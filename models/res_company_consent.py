from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ar24_ae_consent_required = fields.Boolean(
        "Avis électronique needs consent",
        default=True,
        help="Loi n° 2024-322 of 9 April 2024 changed when co-owners must have agreed beforehand to electronic "
        "notifications: set this policy to the rule that applies to your co-ownerships. "
        "Ticked (the safe choice): an avis électronique goes only to co-owners who consented for the e-mail used. "
        "Unticked: no consent is asked, but a co-owner who refused is still never sent one.",
    )
