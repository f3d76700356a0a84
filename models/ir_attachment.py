from odoo import api, models
from odoo.exceptions import AccessError

from ..const import LEFT_DOMAIN


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _ar24_evidence(self):
        """Of these attachments, those that are evidence of a registered letter: its proofs, its PDF,
        and the attachments of a letter that left for AR24 (what AR24 received and certified)."""
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
        evidence = letters.proof_attachment_ids | letters.pdf_attachment_id | letters._ar24_left().attachment_ids
        return self & (evidence | consent_proofs).with_env(self.env)

    def _ar24_check_evidence(self, operation):
        """Anyone below system administrator is refused: a letter's evidence is never rewritten."""
        if self.env["ar24.letter.guard"]._privileged(self.env):
            return
        evidence = self._ar24_evidence()
        if evidence:
            raise AccessError(
                self.env._(
                    "%(files)s: evidence of a registered letter handed to AR24, it cannot be %(operation)s.",
                    files=", ".join(evidence.mapped("name")),
                    operation=self.env._("deleted") if operation == "unlink" else self.env._("changed"),
                )
            )

    def _ar24_check_consent_files(self, vals_list):
        """Nobody below system administrator files a document on an LRE consent: its files are AR24's
        proofs of it, filed by the synchronisation only (a forged one would never be replaced)."""
        if self.env["ar24.letter.guard"]._privileged(self.env):
            return
        default = self.env.context.get("default_res_model")
        if any(vals.get("res_model", default) == "ar24.consent" for vals in vals_list):
            raise AccessError(
                self.env._("An LRE consent's files are AR24's proofs of it: only AR24's synchronisation files them.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._ar24_check_consent_files(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._ar24_check_consent_files([vals])
        self._ar24_check_evidence("write")
        return super().write(vals)

    def unlink(self):
        self._ar24_check_evidence("unlink")
        return super().unlink()
