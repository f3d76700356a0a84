from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..tools import CLOSE, notification


class Ar24PaymentLinkWizard(models.TransientModel):
    """The LSC manual's "Liste des moyens de paiement AR24": each entity beside the payment method it is charged to.

    A transient screen rather than an editable list of companies, so that a registered-letters
    manager who may not edit companies can still link them (only this one field is written).
    """

    _name = "ar24.payment.link.wizard"
    _description = "Link entities to AR24 payment methods"

    line_ids = fields.One2many("ar24.payment.link.line", "wizard_id", string="Entities")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "line_ids" in fields_list:
            companies = self.env.user.company_ids.sorted("name")
            values["line_ids"] = [
                fields.Command.create({"company_id": c.id, "payment_method_id": c.ar24_payment_method_id.id})
                for c in companies
            ]
        return values

    def action_import(self):
        self.env["ar24.payment.method"].action_sync()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Entities and AR24 payment methods"),
        }

    def action_validate(self):
        if not self.env.user.has_group("ar24_lre.group_ar24_manager"):
            raise AccessError(self.env._("Only registered-letters managers link entities to payment methods."))
        allowed = self.env.user.company_ids
        changed = 0
        for line in self.line_ids:
            if line.company_id not in allowed:
                raise AccessError(
                    self.env._("You have no access to the entity %(company)s.", company=line.company_id.name)
                )
            # a method the manager cannot see belongs to another company's AR24 accounts
            line.payment_method_id.check_access("read")
            if line.company_id.ar24_payment_method_id != line.payment_method_id:
                line.company_id.sudo().ar24_payment_method_id = line.payment_method_id
                changed += 1
        return notification(
            self.env._("Payment methods linked"),
            self.env._("%(count)s entities changed.", count=changed),
            "success",
            CLOSE,
        )
