import base64
from datetime import date, timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..ar24.pdf import make_pdf
from .common import AR24Case, co_owner, consented


@tagged("post_install", "-at_install")
class TestPaperAndDeadlines(AR24Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._coownership(method="A", ar24_paper_transit_days=3)
        cls.partner = co_owner(
            cls.env,
            "Alfred Brouilly",
            "alfred@example.org",
            ar24_recipient_status="professionnel",
            **consented("alfred@example.org"),
        )
        pages = make_pdf(["Annexe"], page_sizes=[(595, 842), (595, 842), (842, 595)])
        cls.mixed = cls.env["ir.attachment"].create(
            {"name": "annexes.pdf", "datas": base64.b64encode(pages), "mimetype": "application/pdf"}
        )
        cls.portrait = cls.env["ir.attachment"].create(
            {
                "name": "convocation.pdf",
                "datas": base64.b64encode(make_pdf(["AG"], pages=2)),
                "mimetype": "application/pdf",
            }
        )

    def setUp(self):
        super().setUp()
        self.sender = self.link_identified_sender(self.ar24_user)
        self.company.ar24_payment_method_id.slug = self.sender["payment_methods"][0]

    def _letter(self, **values):
        return self.env["ar24.letter"].create(
            dict(
                {
                    "partner_id": self.partner.id,
                    "subject": "Convocation AG",
                    "body": "<p>AG</p>",
                    "send_type": "ae",
                    "user_id": self.ar24_user.id,
                    "attachment_ids": [(6, 0, self.portrait.ids)],
                },
                **values,
            )
        )

    def _wizard(self, letters, send_type):
        form = Form(self.env["ar24.send.wizard"].with_context(active_model="ar24.letter", active_ids=letters.ids))
        form.send_type = send_type
        return form.save()

    def test_landscape_page_is_reported_by_file_and_page(self):
        wizard = self._wizard(self._letter(attachment_ids=[(6, 0, self.mixed.ids)]), "lr_paper")
        self.assertEqual(wizard.incompatible_count, 1)
        line = wizard.error_line_ids
        self.assertEqual(line.attachment_id, self.mixed)
        self.assertIn("annexes.pdf", line.comment)
        self.assertIn("page 3", line.comment)
        self.assertIn("landscape", line.comment)
        # the same annex is fine for an electronic letter (nothing is printed)
        wizard = self._wizard(self._letter(attachment_ids=[(6, 0, self.mixed.ids)]), "ae")
        self.assertEqual(wizard.incompatible_count, 0, wizard.error_line_ids.mapped("comment"))

    def test_long_address_line_is_named(self):
        self.partner.street = "32 rue du Septentrion bâtiment B escalier 4"
        wizard = self._wizard(self._letter(), "lr_paper")
        self.assertIn("32 rue du Septentrion bâtiment B escalier 4", wizard.error_line_ids.comment)
        self.assertIn("38", wizard.error_line_ids.comment)

    def test_paper_shows_pages_and_estimated_price(self):
        wizard = self._wizard(self._letter() | self._letter(), "lr_paper")
        self.assertEqual(wizard.page_count, 2 * (1 + 2))  # letter + 2-page convocation, twice
        self.assertAlmostEqual(wizard.estimated_price, 2 * (5.90 + 0.20 * 3), places=2)

    def test_avis_electronique_only_for_co_ownerships(self):
        self.company.ar24_is_coownership = False
        wizard = self._wizard(self._letter(), "ae")
        self.assertIn("reserved to co-ownerships", wizard.error_line_ids.comment)

    def test_ag_deadline_and_channel_warnings(self):
        today = fields.Date.context_today(self.env["ar24.letter"])
        letter = self._letter(ag_date=today + timedelta(days=24))
        self.assertEqual(letter.must_be_received_by, today + timedelta(days=2))
        self.assertIn("21 full days", letter.deadline_rule)
        self.assertIn("3 business days", letter.deadline_rule)
        paper = self._wizard(letter, "lr_paper")
        self.assertEqual(paper.warning_count, 1)
        self.assertIn("electronic registered letter instead", paper.line_ids.deadline_warning)
        self.assertEqual(self._wizard(letter, "ae").warning_count, 0)
        # the "At risk" filter lists it until it is presented
        self.assertIn(letter, self.env["ar24.letter"].search([("deadline_at_risk", "=", True)]))
        far = self._letter(ag_date=today + timedelta(days=90))
        self.assertNotIn(far, self.env["ar24.letter"].search([("deadline_at_risk", "=", True)]))

    def test_deadline_counts_full_days_over_month_ends(self):
        letter = self._letter(ag_date=date(2027, 3, 1))
        self.assertEqual(letter.must_be_received_by, date(2027, 2, 7))

    def test_paper_fallback_for_the_selected_letters_only(self):
        letters = self._letter() | self._letter() | self._letter()
        letters._ar24_send()
        self.controls.recipient(letters[0].ar24_id, "refuse")
        self.controls.recipient(letters[1].ar24_id, "bounce")
        letters.action_ar24_refresh()
        self.assertEqual(letters.mapped("state"), ["refused", "bounced", "sent"])
        with self.assertRaisesRegex(UserError, "Only refused, unclaimed or bounced letters.*%s" % letters[2].name):
            letters.action_resend_paper()
        action = letters[0].action_resend_paper()  # the user selected only the refused one
        paper = letters[0].fallback_letter_ids
        self.assertEqual(len(paper), 1)
        self.assertRecordValues(
            paper,
            [
                {
                    "send_type": "lr_paper",
                    "state": "draft",
                    "fallback_of_id": letters[0].id,
                    "subject": "Convocation AG",
                    "partner_id": self.partner.id,
                }
            ],
        )
        self.assertEqual(paper.attachment_ids, letters[0].attachment_ids)
        self.assertFalse(letters[1].fallback_letter_ids)
        self.assertEqual(action["res_model"], "ar24.send.wizard")
        wizard = Form(self.env["ar24.send.wizard"].with_context(**action["context"])).save()
        self.assertEqual(wizard.send_type, "lr_paper")
        self.assertEqual(wizard.letter_ids, paper)
        wizard.action_send()
        self.assertEqual(paper.state, "waiting")
        self.assertEqual(self.controls.calls("send_mail")[-1]["params"]["type"], "lr_paper")
