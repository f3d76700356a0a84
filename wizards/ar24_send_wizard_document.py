import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.safe_eval import safe_eval, time

from odoo.addons.base.models.ir_actions_report import _wkhtml

_logger = logging.getLogger(__name__)

# Odoo renders these report types as PDF for a mail template's attachments (the others are not PDFs)
PDF_REPORT_TYPES = ("qweb-pdf", "qweb-html")


class Ar24SendWizardDocument(models.TransientModel):
    """A document's own PDF: a report of the send wizard's template rendered for one source record.

    The send wizard checks its rows again at every change and on "Validate" (several requests):
    each report is rendered once per record and kept here while the sender works, checked like any
    attachment (A4 portrait for paper, size, encryption) and copied onto the record's letter when
    it is sent. It is rendered again when the record changed since, or on "Recalculate errors".
    Rendered as the sender (he must be able to read the record), stored by the module: a sender
    reads his own renderings only and writes none.
    """

    _name = "ar24.send.wizard.document"
    _description = "Document rendered for the send wizard"
    _order = "id"

    report_id = fields.Many2one("ir.actions.report", "Report", required=True, ondelete="cascade")
    res_model = fields.Char("Document model", required=True)
    res_id = fields.Many2oneReference("Source document", model_field="res_model", required=True)
    source_date = fields.Datetime(
        "Document changed on", help="When the document was last changed when it was rendered."
    )
    attachment_id = fields.Many2one("ir.attachment", "Document PDF", compute="_compute_attachment_id")
    error = fields.Text(help="Why the report could not be rendered for this document.")

    def _compute_attachment_id(self):
        # the PDF hangs on its document (one search for all: the wizard reads them in one go)
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)] if self.ids else [("id", "=", 0)]
        )
        by_document = {attachment.res_id: attachment for attachment in attachments}
        for document in self:
            document.attachment_id = by_document.get(document.id, False)

    # ------------------------------------------------------------------ the cache of the send wizard
    @api.model
    def _for(self, reports, records):
        """{(report id, record id): document} of every report for every record: the sender's
        renderings still valid, the others rendered now (as the sender)."""
        if not reports or not records:
            return {}
        records.check_access("read")
        found = self.search(
            [
                ("create_uid", "=", self.env.uid),
                ("report_id", "in", reports.ids),
                ("res_model", "=", records._name),
                ("res_id", "in", records.ids),
            ]
        )
        changed = {record.id: self._changed_on(record) for record in records}
        stale = found.filtered(lambda document: document.source_date != changed[document.res_id])
        stale.sudo().unlink()
        documents = {(document.report_id.id, document.res_id): document for document in found - stale}
        for report in reports:
            missing = records.filtered(lambda record, report=report: (report.id, record.id) not in documents)
            if missing:
                for document in self._render_and_keep(report, missing, changed):
                    documents[(report.id, document.res_id)] = document
        return documents

    @api.model
    def _forget(self, reports, records):
        """ "Recalculate errors": the sender may have fixed a report or its paper format."""
        if reports and records:
            self.search(
                [
                    ("create_uid", "=", self.env.uid),
                    ("report_id", "in", reports.ids),
                    ("res_model", "=", records._name),
                    ("res_id", "in", records.ids),
                ]
            ).sudo().unlink()

    @api.model
    def _changed_on(self, record):
        return record.write_date if "write_date" in record._fields else False

    @api.model
    def _render_and_keep(self, report, records, changed):
        """Render ``report`` for ``records`` and keep the PDFs (and the reasons of those that failed)."""
        contents, errors = self._render(report, records)
        documents = (
            self.sudo()
            .create(
                [
                    {
                        "report_id": report.id,
                        "res_model": records._name,
                        "res_id": record.id,
                        "source_date": changed[record.id],
                        "error": errors.get(record.id) or False,
                    }
                    for record in records
                ]
            )
            .with_env(self.env)
        )
        rendered = documents.filtered(lambda document: document.res_id in contents)
        # the module's files, read by the sender through his own renderings (record rule)
        self.env["ir.attachment"].sudo().create(
            [
                {
                    "name": self._file_name(report, records.browse(document.res_id)),
                    "raw": contents[document.res_id],
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": document.id,
                }
                for document in rendered
            ]
        )
        documents.invalidate_recordset(["attachment_id"])
        return documents

    # ------------------------------------------------------------------ rendering, Odoo's way
    @api.model
    def _render(self, report, records):
        """({record id: PDF}, {record id: why it failed}) of ``report`` for ``records``, as the user.

        Odoo's own rendering (``ir.actions.report._pre_render_qweb_pdf``, as Odoo attaches a
        template's reports to its e-mails): one wkhtmltopdf run for the whole batch when Odoo can
        split it per record (wkhtmltopdf with the patched Qt), else one run per record (Debian's
        build cannot print several documents in one run). A record that fails does not stop the
        others: a batch that fails is rendered again record by record to tell which one failed.
        """
        if report.report_type not in PDF_REPORT_TYPES:
            return {}, dict.fromkeys(records.ids, self.env._("“%s” is not a PDF report.", report.name))
        contents, errors = {}, {}
        todo = [records] if _wkhtml().is_patched_qt and len(records) > 1 else list(records)
        while todo:
            batch = todo.pop(0)
            streams, reason = self._render_batch(report, batch)
            for record in batch:
                stream = (streams.get(record.id) or {}).get("stream")
                if stream:
                    contents[record.id] = stream.getvalue()
                elif len(batch) > 1:
                    todo.append(record)
                else:
                    errors[record.id] = reason or self.env._("the report made no PDF for it.")
        return contents, errors

    @api.model
    def _render_batch(self, report, records):
        """(Odoo's streams per record id, or {} and why it failed)."""
        # a PDF even in tests (Odoo's test mode would make HTML): AR24 receives PDFs only
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        # no savepoint: a rendering only reads, and rolling one back would empty Odoo's cache, where the
        # send wizard of an onchange lives (a database error stops the whole request, as it would anyway)
        try:
            streams, kind = Report._pre_render_qweb_pdf(report, records.ids)
        except AccessError:
            raise  # a record the sender may not read is refused, not reported as a rendering problem
        except Exception as exc:  # noqa: BLE001 -- a report is any template: what stops it is its reason
            _logger.info(
                "Report %s not rendered for %s %s", report.report_name, records._name, records.ids, exc_info=True
            )
            return {}, self._reason(exc)
        if kind != "pdf":
            return {}, self.env._("the report made no PDF for it.")
        return streams, None

    @api.model
    def _reason(self, exc):
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], str) else repr(exc)
        # the first line says what failed (a QWeb error quotes the whole template after it), its cause why
        reason = (reason.strip().splitlines() or [""])[0]
        cause = exc.__cause__
        if cause is not None:
            reason = "%s: %s: %s" % (reason, type(cause).__name__, cause)
        return reason[:500]

    @api.model
    def _file_name(self, report, record):
        """The PDF's name as Odoo names the report's print (its ``print_report_name``)."""
        name = False
        if report.print_report_name:
            try:
                name = safe_eval(report.print_report_name, {"object": record, "time": time})
            except Exception:  # noqa: BLE001 -- a name expression that fails falls back on the report's name
                _logger.info("Report name %r failed for %s", report.print_report_name, record, exc_info=True)
        name = str(name or report.name)
        return name if name.lower().endswith(".pdf") else "%s.pdf" % name
