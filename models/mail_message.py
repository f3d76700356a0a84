from odoo import models
from odoo.exceptions import AccessError

# What a message says and where it hangs: a registered letter's log (its proofs with their SHA-256,
# AR24's refusals, its tracked states) keeps all of these.
CONTENT_FIELDS = frozenset(
    {
        "body",
        "subject",
        "attachment_ids",
        "author_id",
        "author_guest_id",
        "email_from",
        "model",
        "res_id",
        "record_name",
        "message_type",
        "subtype_id",
        "tracking_value_ids",
        "date",
        "parent_id",
    }
)


class MailMessage(models.Model):
    _inherit = "mail.message"

    def _ar24_check_letter_log(self):
        """A registered letter's log (notifications: the module's notes and the tracked values) is its
        audit trail: Odoo lets whoever may write the letter edit or delete its messages, so this one
        is refused below system administrator. Comments posted by users stay theirs."""
        if self.env.su or self.env.user.has_group("base.group_system"):
            return
        logs = self.sudo().filtered(lambda m: m.model == "ar24.letter" and m.message_type != "comment")
        if logs:
            raise AccessError(
                self.env._(
                    "The log of a registered letter (AR24's proofs, its states) can be neither changed nor deleted."
                )
            )

    def write(self, vals):
        if CONTENT_FIELDS.intersection(vals):
            self._ar24_check_letter_log()
        return super().write(vals)

    def unlink(self):
        self._ar24_check_letter_log()
        return super().unlink()
