from odoo import api, fields, models
from odoo.exceptions import UserError

from ..ar24.errors import AR24Error
from ..tools import RELOAD, ar24_user_error, notification


class Ar24PaymentMethod(models.Model):
    """A payment method entered on AR24's site (card or SEPA debit), linked to Odoo entities.

    AR24 only lets its users enter payment methods on its own site; this model mirrors them
    so that each entity (company: co-ownership or management company) can be linked to the
    one its letters are charged to (the LSC manual: "Gérer les moyens de paiement pour mon compte").
    """

    _name = "ar24.payment.method"
    _description = "AR24 payment method"
    _order = "name, id"

    name = fields.Char("Label", required=True, help="As shown by AR24, e.g. TEST (*****3640 - 6/2023)")
    slug = fields.Char("AR24 code", required=True, readonly=True, help="e.g. stripe-47146 or gocardless-18178")
    method_type = fields.Selection(
        [("card", "Card"), ("sepa", "SEPA direct debit"), ("other", "Other")], string="Type", default="other"
    )
    user_id = fields.Many2one(
        "res.users",
        string="AR24 account",
        readonly=True,
        ondelete="cascade",
        help="User whose AR24 account holds this payment method.",
    )
    company_ids = fields.One2many("res.company", "ar24_payment_method_id", string="Entities")
    sender_link_ids = fields.One2many(
        "ar24.sender.payment", "payment_method_id", string="Entities of its holder's letters", readonly=True
    )
    active = fields.Boolean(default=True)

    _slug_uniq = models.Constraint("UNIQUE(slug)", "An AR24 payment method is imported only once.")

    @api.ondelete(at_uninstall=False)
    def _unlink_except_charged(self):
        """The method a letter was charged to stays on it (evidence): archive it instead. Drafts
        simply forget it (they take their entity's method again)."""
        Letter = self.env["ar24.letter"].sudo()
        letters = Letter.search([("payment_method_id", "in", self.ids)])
        left = letters._ar24_left()
        if left:
            raise UserError(
                self.env._(
                    "%(methods)s paid for registered letters handed to AR24 (%(letters)s): archive the payment "
                    "method instead.",
                    methods=", ".join(left.payment_method_id.mapped("name")),
                    letters=", ".join(left[:5].mapped("name")) + (", …" if len(left) > 5 else ""),
                )
            )
        (letters - left).write({"payment_method_id": False})

    @api.depends("name", "slug")
    def _compute_display_name(self):
        for method in self:
            method.display_name = "%s (%s)" % (method.name, method.slug) if method.slug else method.name

    @api.model
    def action_sync(self):
        """Import the payment methods of the current user's AR24 account; archive vanished ones."""
        self.browse().check_access("read")  # registered-letter users only
        user = self.env.user
        if not user.ar24_user_id or user.ar24_link_state != "linked":
            raise UserError(
                self.env._(
                    "%(user)s: link your AR24 account first (Preferences › AR24 account), then import its"
                    " payment methods.",
                    user=user.name,
                )
            )
        client = self.env.company._ar24_client()
        try:
            remote = client.list_payment_methods(user.ar24_user_id)
        except AR24Error as exc:
            raise ar24_user_error(self.env, exc, self.env._("Payment methods of %s", user.name)) from exc
        # what AR24 lists for his own account only: written by the module, for users too (who only read methods)
        Method = self.sudo()
        known = Method.with_context(active_test=False).search([("slug", "in", [m.get("slug") for m in remote])])
        by_slug = {m.slug: m for m in known}
        created = updated = 0
        for values in remote:
            slug = values.get("slug")
            if not slug:
                continue
            vals = {
                "name": values.get("label") or slug,
                "method_type": values.get("type") if values.get("type") in ("card", "sepa") else "other",
                "user_id": user.id,
                "active": True,
            }
            if slug in by_slug:
                by_slug[slug].write(vals)
                updated += 1
            else:
                Method.create(dict(vals, slug=slug))
                created += 1
        gone = Method.search([("user_id", "=", user.id), ("slug", "not in", [m.get("slug") for m in remote])])
        gone.action_archive()
        if not remote:
            return notification(
                self.env._("AR24 payment methods"),
                self.env._("Your AR24 account has no payment method yet: add one on AR24's site first."),
                "warning",
                RELOAD,
            )
        return notification(
            self.env._("AR24 payment methods"),
            self.env._(
                "%(created)s imported, %(updated)s updated, %(archived)s archived (no longer on AR24).",
                created=created,
                updated=updated,
                archived=len(gone),
            ),
            "success",
            RELOAD,
        )
