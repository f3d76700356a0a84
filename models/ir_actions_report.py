import logging
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

from odoo import models
from odoo.exceptions import UserError

from odoo.addons.base.models.ir_actions_report import _run_wkhtmltopdf

_logger = logging.getLogger(__name__)


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _ar24_render_pdfs(self, res_ids, processes=4):
        """({record id: PDF bytes}, {record id: why it failed}): one wkhtmltopdf run per record,
        ``processes`` runs at a time; a record that fails does not stop the others.

        Odoo renders a batch in one wkhtmltopdf run only with the patched Qt (it splits the
        result by outlines); Debian's wkhtmltopdf cannot, so each registered letter takes a run
        of its own. A run is mostly waiting (the print delay, the assets fetched from the
        server), so runs go in parallel threads; only the subprocesses leave this thread, the
        ORM never does. JavaScript is off: a letter body's script must never run, and without it
        there is no ``report.print_delay`` to wait (Odoo's global one second per letter).
        """
        self.ensure_one()
        if self.get_wkhtmltopdf_state() == "install":
            raise UserError(self.env._("Unable to find Wkhtmltopdf on this system. The PDF can not be created."))
        report = self.with_context(debug=False)
        html = report._render_qweb_html(self.report_name, res_ids, data={"report_type": "pdf", "debug": False})[0]
        bodies, html_ids, header, footer, paper_args = report._prepare_html(html, report_model=self.model)
        if sorted(html_ids) != sorted(res_ids):
            raise UserError(
                self.env._(
                    "Report template “%s” must put each record in a div of class “article” with "
                    "data-oe-model and data-oe-id: its PDF cannot be split per record.",
                    self.name,
                )
            )
        args = self._build_wkhtmltopdf_args(
            self.get_paperformat(),
            self.env.context.get("landscape"),
            specific_paperformat_args=paper_args,
            set_viewport_size=self.env.context.get("set_viewport_size"),
        )
        # The letter runs no script, and a body's script must never run: no JavaScript at all
        # (Odoo's pages footer counter included), hence no script delay either.
        delay = args.index("--javascript-delay")
        del args[delay : delay + 2]
        args.append("--disable-javascript")
        with tempfile.TemporaryDirectory(prefix="ar24_letters.") as folder:
            for name, content in (("header", header), ("footer", footer)):
                if content:
                    path = os.path.join(folder, "%s.html" % name)
                    with open(path, "wb") as file:
                        file.write(content.encode())
                    args += ["--%s-html" % name, path]
            jobs = []
            for res_id, body in zip(html_ids, bodies):
                source, target = (os.path.join(folder, "%s.%s" % (res_id, ext)) for ext in ("html", "pdf"))
                with open(source, "wb") as file:
                    file.write(body.encode())
                jobs.append((res_id, source, target))
            with ThreadPoolExecutor(max(1, processes), thread_name_prefix="ar24_pdf") as pool:
                runs = list(pool.map(lambda job: _run_wkhtmltopdf([*args, job[1], job[2]]), jobs))
            contents, errors = {}, {}
            for (res_id, _source, target), run in zip(jobs, runs):
                try:
                    contents[res_id] = self._ar24_read_pdf(res_id, target, run)
                except UserError as exc:
                    errors[res_id] = exc.args[0]
            return contents, errors

    def _ar24_read_pdf(self, res_id, path, run):
        """The PDF of one run, or the error wkhtmltopdf gave (with Odoo's leniency: exit code 1
        with a document is a warning, e.g. an image that did not load)."""
        content = b""
        if os.path.exists(path):
            with open(path, "rb") as file:
                content = file.read()
        if run.returncode == 0 and content:
            return content
        if run.returncode == 1 and content:
            _logger.warning("wkhtmltopdf (%s %s): %s", self.model, res_id, run.stderr[-1000:])
            return content
        raise UserError(
            self.env._(
                "Wkhtmltopdf failed (error code: %(error_code)s). Message: %(message)s",
                error_code=run.returncode,
                message=run.stderr[-1000:],
            )
        )
