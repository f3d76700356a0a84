from odoo import api, fields, models


class Ar24Upload(models.Model):
    """A file already uploaded to AR24 for a sender: shared attachments are uploaded once.

    An AG convocation with a common annex sent to 80 co-owners uploads the annex once and
    reuses its AR24 ``file_id`` in every letter (same content = same checksum).
    """

    _name = "ar24.upload"
    _description = "File uploaded to AR24"
    _rec_name = "file_name"

    checksum = fields.Char(required=True, index=True)
    file_name = fields.Char(required=True)
    ar24_user_id = fields.Integer("AR24 account", required=True)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    file_id = fields.Integer("AR24 file id", required=True)

    _upload_uniq = models.Constraint(
        "UNIQUE(checksum, ar24_user_id, company_id)", "A file is uploaded once per AR24 account."
    )

    @api.model
    def _file_ids_for(self, company, ar24_user_id, attachments, client):
        """AR24 file ids of ``attachments`` (ir.attachment), uploading only what AR24 lacks."""
        checksums = set(attachments.mapped("checksum"))
        known = self.search(
            [("checksum", "in", list(checksums)), ("ar24_user_id", "=", ar24_user_id), ("company_id", "=", company.id)]
        )
        by_checksum = {u.checksum: u.file_id for u in known}
        result = {}
        for attachment in attachments:
            if attachment.checksum not in by_checksum:
                file_id = client.upload_attachment(
                    ar24_user_id,
                    attachment.with_context(bin_size=False).raw,
                    attachment.name,
                    attachment.mimetype or "application/octet-stream",
                )
                self.create(
                    {
                        "checksum": attachment.checksum,
                        "file_name": attachment.name,
                        "ar24_user_id": ar24_user_id,
                        "company_id": company.id,
                        "file_id": file_id,
                    }
                )
                by_checksum[attachment.checksum] = file_id
            result[attachment.id] = by_checksum[attachment.checksum]
        return result
