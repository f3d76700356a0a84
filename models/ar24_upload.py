import psycopg2

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
        known, missing = self._known_file_ids(company, ar24_user_id, attachments)
        for same_content in missing.values():
            file_id = client.upload_attachment(ar24_user_id, *self._upload_payload(same_content[0]))
            known.update(self._remember(company, ar24_user_id, same_content, file_id))
        return known

    @api.model
    def _known_file_ids(self, company, ar24_user_id, attachments):
        """({attachment id: AR24 file id} already uploaded, {checksum: attachments} to upload once)."""
        known = self.search(
            [
                ("checksum", "in", list(set(attachments.mapped("checksum")))),
                ("ar24_user_id", "=", ar24_user_id),
                ("company_id", "=", company.id),
            ]
        )
        by_checksum = {upload.checksum: upload.file_id for upload in known}
        found, missing = {}, {}
        for attachment in attachments:
            if attachment.checksum in by_checksum:
                found[attachment.id] = by_checksum[attachment.checksum]
            else:
                missing[attachment.checksum] = missing.get(attachment.checksum, attachment.browse()) | attachment
        return found, missing

    @api.model
    def _upload_payload(self, attachment):
        """(content, file name, content type), read here: the workers must not touch the ORM."""
        attachment = attachment.with_context(bin_size=False)
        return attachment.raw, attachment.name, attachment.mimetype or "application/octet-stream"

    @api.model
    def _remember(self, company, ar24_user_id, same_content, file_id):
        """Record that AR24 holds this content; {attachment id: file id} for ``same_content``.

        Another Odoo server sending for the same sender may have uploaded the same annex at the
        same moment and recorded it first: its record stays, and these letters use the file this
        process uploaded (AR24 holds both)."""
        values = {
            "checksum": same_content[0].checksum,
            "file_name": same_content[0].name,
            "ar24_user_id": ar24_user_id,
            "company_id": company.id,
            "file_id": file_id,
        }
        try:
            with self.env.cr.savepoint():
                self.create(values)
        except (psycopg2.errors.UniqueViolation, psycopg2.errors.SerializationFailure):
            self.env.invalidate_all()  # the savepoint's rollback left nothing of the create
        return dict.fromkeys(same_content.ids, file_id)
