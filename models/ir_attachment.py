from odoo import api, models
from odoo.exceptions import AccessError

from ..const import LEFT_DOMAIN
from ..tools import is_filing_evidence, is_posting_message

# where Odoo keeps a user's uploads until the message they go with is posted (mail_thread.py)
PENDING_MODELS = ("mail.compose.message", "mail.scheduled.message")


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _ar24_evidence(self, certified=False):
        """Of these attachments, those that are evidence of a registered letter: its proofs, its PDF,
        and the attachments of a letter that left for AR24 (what AR24 received and certified), and
        AR24's proofs of LRE consents. ``certified``: only what AR24 holds or certified (a draft's
        PDF, rendered again when it changes, is not)."""
        if not self.ids:
            return self.browse()
        # a consent's files are AR24's proofs of it, filed by the synchronisation only
        consent_proofs = self.sudo().filtered(lambda attachment: attachment.res_model == "ar24.consent")
        letters = (
            self.env["ar24.letter"]
            .sudo()
            .search(
                [
                    "|",
                    "|",
                    ("proof_attachment_ids", "in", self.ids),
                    ("pdf_attachment_id", "in", self.ids),
                    "&",
                    *LEFT_DOMAIN,
                    ("attachment_ids", "in", self.ids),
                ]
            )
        )
        if not letters:
            return self & consent_proofs.with_env(self.env)
        # a letter's PDF is the module's rendering, uploaded to AR24 as it is: nobody else writes it,
        # whatever the letter's state (it is rendered again when the content changes)
        left = letters._ar24_left()
        evidence = letters.proof_attachment_ids | left.pdf_attachment_id | left.attachment_ids
        if not certified:
            evidence |= letters.pdf_attachment_id
        return self & (evidence | consent_proofs).with_env(self.env)

    def _ar24_check_evidence(self, operation):
        """Anyone below system administrator is refused: a letter's evidence is never rewritten, nor
        deleted, nor made one of a message's files (``link``: Odoo deletes a comment's files when
        its author edits it).

        Superuser mode is the module's own code and Odoo's, but Odoo also works in it on a user's
        behalf (the chatter posts and edits comments so): what AR24 holds or certified is deleted,
        or linked to a message, by a system administrator only, whatever the mode."""
        if self.env["ar24.letter.guard"]._administrator(self.env) or (self.env.su and operation == "write"):
            return
        # in superuser mode, what AR24 holds or certified (the module replaces a draft's PDF itself)
        evidence = self._ar24_evidence(certified=self.env.su)
        if evidence:
            raise AccessError(
                self.env._(
                    "%(files)s: evidence of a registered letter handed to AR24, it cannot be %(operation)s.",
                    files=", ".join(evidence.mapped("name")),
                    operation={
                        "unlink": self.env._("deleted"),
                        "link": self.env._("attached to a message"),
                    }.get(operation, self.env._("changed")),
                )
            )

    def _ar24_check_letter_files(self, targets):
        """Nobody below system administrator hangs a file on a letter that left for AR24 by a direct
        create or write (``targets``: the (res_model, res_id) the files would have), whatever the
        mode (Odoo's upload route works in superuser mode): beside AR24's proofs it would pass for
        one. A comment's files stay: Odoo moves them onto the letter when it posts the comment."""
        if (
            self.env["ar24.letter.guard"]._administrator(self.env)
            or is_filing_evidence()
            or (self.env.su and is_posting_message())
        ):
            return  # Odoo posting a message on the letter: its files go onto it, signed by it
        if (
            self.env.su
            and self
            and all(
                attachment.res_model in PENDING_MODELS and attachment.create_uid.id == self.env.uid
                for attachment in self.sudo()
            )
        ):
            return  # Odoo moving a user's pending uploads onto the letter, with the message they go with
        ids = [res_id for res_model, res_id in targets if res_model == "ar24.letter" and res_id]
        letters = self.env["ar24.letter"].sudo().browse(ids).exists()._ar24_left() if ids else None
        if letters:
            raise AccessError(
                self.env._(
                    "%(letters)s left for AR24: files are added to it through its chatter only.",
                    letters=", ".join(letters.mapped("name")),
                )
            )

    def _ar24_check_consent_files(self, vals_list):
        """Nobody below system administrator files a document on an LRE consent: its files are AR24's
        proofs of it, filed by the synchronisation only (a forged one would never be replaced), whatever
        the mode (Odoo's upload route works in superuser mode)."""
        if self.env["ar24.letter.guard"]._administrator(self.env) or is_filing_evidence():
            return
        default = self.env.context.get("default_res_model")
        if any(vals.get("res_model", default) == "ar24.consent" for vals in vals_list):
            raise AccessError(
                self.env._("An LRE consent's files are AR24's proofs of it: only AR24's synchronisation files them.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._ar24_check_consent_files(vals_list)
        context = self.env.context
        self._ar24_check_letter_files(
            [
                (
                    vals.get("res_model", context.get("default_res_model")),
                    vals.get("res_id", context.get("default_res_id")),
                )
                for vals in vals_list
            ]
        )
        return super().create(vals_list)

    def write(self, vals):
        self._ar24_check_consent_files([vals])
        if {"res_model", "res_id"} & vals.keys():
            self._ar24_check_letter_files(
                [
                    (vals.get("res_model", attachment.res_model), vals.get("res_id", attachment.res_id))
                    for attachment in self.sudo()
                ]
            )
        self._ar24_check_evidence("write")
        return super().write(vals)

    def unlink(self):
        self._ar24_check_evidence("unlink")
        return super().unlink()
