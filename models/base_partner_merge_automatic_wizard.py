from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        # the merge rewrites every reference in SQL: the recipient of a letter handed to AR24 would
        # become another contact (merge the other way round, into the recipient, instead)
        src_partners._ar24_check_not_a_recipient(self.env._("merged into another contact"))
        return super()._update_foreign_keys(src_partners, dst_partner)
