import io
import os
import subprocess
from unittest.mock import patch

import pypdf

from odoo.tests import TransactionCase, tagged

from odoo.addons.ar24_lre.models import ir_actions_report
from odoo.addons.base.models.ir_actions_report import _wkhtml

from ..ar24.pdfcheck import check_pdf


@tagged("post_install", "-at_install")
class TestLetterPdf(TransactionCase):
    """The letters' own PDFs, rendered by the real wkhtmltopdf, several processes at a time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = cls.env["res.partner"].create(
            [
                {
                    "name": name,
                    "street": "32 rue du Septentrion",
                    "zip": "83700",
                    "city": "Saint-Raphaël",
                    "country_id": cls.env.ref("base.fr").id,
                }
                for name in ("Denise Aloxe", "Alfred Brouilly", "Jeannine Meursault")
            ]
        )

    def setUp(self):
        super().setUp()
        if _wkhtml().state == "install":
            if os.environ.get("AR24_REQUIRE_BROWSER"):  # make test: the real renderer must be there
                self.fail(
                    "wkhtmltopdf is not installed: the letters' PDFs cannot be rendered (apt-get install wkhtmltopdf)"
                )
            self.skipTest("wkhtmltopdf is not installed")
        # the style sheets come from the Odoo server, which a test's open transaction would block:
        # nothing listens here, so wkhtmltopdf renders without them
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")

    def test_each_letter_gets_its_own_a4_pdf(self):
        long_body = "".join("<p>Résolution n°%d : approbation des comptes de l'exercice.</p>" % i for i in range(90))
        letters = self.env["ar24.letter"].create(
            [
                {"partner_id": partner.id, "subject": "Convocation AG %s" % partner.name, "body": body}
                for partner, body in zip(self.partners, ("<p>AG du 4 avril</p>", long_body, "<p>Relance</p>"))
            ]
        )
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.render_processes", 2)
        self.env["ar24.letter.send"]._render_pdf(letters)
        for letter in letters:
            attachment = letter.pdf_attachment_id
            self.assertRecordValues(
                attachment,
                [{"res_model": "ar24.letter", "res_id": letter.id, "mimetype": "application/pdf"}],
            )
            data = attachment.with_context(bin_size=False).raw
            self.assertTrue(check_pdf(data, attachment.name, require_portrait=True).ok, attachment.name)
            pages = pypdf.PdfReader(io.BytesIO(data)).pages
            text = " ".join(" ".join(page.extract_text().split()) for page in pages)
            # each PDF is its own letter's: reference, recipient and subject, no one else's
            self.assertIn(letter.name, text)
            self.assertIn(letter.partner_id.name, text)
            for other in letters - letter:
                self.assertNotIn(other.partner_id.name, text)
        self.assertGreater(len(pypdf.PdfReader(io.BytesIO(letters[1].pdf_attachment_id.raw)).pages), 1)
        # rendered once: a second call keeps the PDFs
        before = letters.pdf_attachment_id
        self.env["ar24.letter.send"]._render_pdf(letters)
        self.assertEqual(letters.pdf_attachment_id, before)

    def test_a_letter_that_cannot_be_rendered_is_in_error_and_the_others_go_on(self):
        values = {"subject": "Relance", "body": "<p>Relance</p>"}
        letters = self.env["ar24.letter"].create([dict(values, partner_id=partner.id) for partner in self.partners[:2]])
        failing = "%d.html" % letters[1].id

        def run(args):
            if args[-2].endswith(failing):
                return subprocess.CompletedProcess(args, -11, "", "Segmentation fault")
            return real_run(args)

        real_run = ir_actions_report._run_wkhtmltopdf
        with patch.object(ir_actions_report, "_run_wkhtmltopdf", run):
            rendered = self.env["ar24.letter.send"]._render_pdf(letters)
        self.assertEqual(rendered, letters[0])
        self.assertTrue(letters[0].pdf_attachment_id)
        self.assertRecordValues(letters[1], [{"state": "error", "error_code": "render", "pdf_attachment_id": False}])
        self.assertIn("Its PDF could not be made", letters[1].error_message)
        self.assertIn("Segmentation fault", letters[1].error_message)

    def test_without_wkhtmltopdf_the_letters_say_so(self):
        values = {"partner_id": self.partners[0].id, "subject": "AG", "body": "<p>AG</p>"}
        letter = self.env["ar24.letter"].create(values)
        with patch.object(type(self.env["ir.actions.report"]), "get_wkhtmltopdf_state", lambda self: "install"):
            self.assertFalse(self.env["ar24.letter.send"]._render_pdf(letter))
        self.assertEqual(letter.state, "error")
        self.assertIn("Unable to find Wkhtmltopdf", letter.error_message)
