from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError


class Ar24SenderPayment(models.Model):
    """The payment method of a sender's AR24 account that pays for his letters of one entity.

    AR24 charges a letter to a payment method of the AR24 account that sends it: a method of another
    account is refused (``user_no_payment``). Each sender therefore links HIS methods to the entities
    he sends for (the LSC manual: "Gérer les moyens de paiement pour mon compte"); a letter takes its
    sender's method for its entity, else the entity's own method when it is his.
    """

    _name = "ar24.sender.payment"
    _description = "Payment method of a sender for an entity"
    _order = "company_id, id"

    user_id = fields.Many2one(
        "res.users", "Sender", required=True, default=lambda self: self.env.user, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company",
        "Entity",
        required=True,
        ondelete="cascade",
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    payment_method_id = fields.Many2one(
        "ar24.payment.method",
        "AR24 payment method",
        required=True,
        ondelete="cascade",
        domain="[('user_id', '=', user_id)]",
    )
    payment_slug = fields.Char(related="payment_method_id.slug", string="AR24 code")

    _user_company_unique = models.UniqueIndex(
        "(user_id, company_id)", "Each entity is charged to one payment method of a sender's account."
    )

    @api.constrains("user_id", "payment_method_id")
    def _check_method_of_the_sender(self):
        # AR24 refuses a letter charged to another account's method: whoever writes it, never store one
        for link in self:
            if link.payment_method_id.sudo().user_id != link.user_id:
                raise ValidationError(
                    self.env._(
                        "%(method)s is not a payment method of the AR24 account of %(user)s.",
                        method=link.payment_method_id.sudo().display_name,
                        user=link.user_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_own(vals.get("user_id", self.env.uid), vals.get("company_id"))
        return super().create(vals_list)

    def write(self, vals):
        for link in self:
            self._check_own(vals.get("user_id", link.user_id.id), vals.get("company_id", link.company_id.id))
        return super().write(vals)

    @api.model
    def _check_own(self, user_id, company_id):
        """A sender links his own methods, for the entities he works for (the module's code may do more)."""
        if self.env.su:
            return
        if user_id != self.env.uid:
            raise AccessError(self.env._("You can only link the payment methods of your own AR24 account."))
        if company_id and company_id not in self.env.user.company_ids.ids:
            raise AccessError(self.env._("You do not work for this entity."))

    @api.model
    def _ar24_methods(self, users, companies):
        """{(user id, company id): payment method} linked by these senders for these entities, one query."""
        if not users or not companies:
            return {}
        links = self.sudo().search_fetch(
            [("user_id", "in", users.ids), ("company_id", "in", companies.ids)],
            ["user_id", "company_id", "payment_method_id"],
        )
        return {(link.user_id.id, link.company_id.id): link.payment_method_id for link in links}

    @api.model
    def action_import_from_ar24(self):
        """The list's "Import from AR24": the methods of the current user's account."""
        return self.env["ar24.payment.method"].action_sync()
