"""The consumption summary (the LSC manual's "Récapitulatif de votre consommation"): what AR24 billed,
per entity and month, by type and unit price, as a PDF and as a list managers export.

Its totals are the sums of AR24's own prices (``price_ht``) of the letters it deposited, in the Paris
month of their deposit; whatever AR24 did not deposit (drafts, errors, letters awaiting or past their
OTP validation) costs nothing and is left out.
"""

import io
from datetime import datetime

from pypdf import PdfReader

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import AR24Case

# (entity, AR24 deposit date in UTC, type, state, AR24's price excl. tax, pages, deposited outside Odoo)
LETTERS = [
    ("copro", datetime(2026, 3, 2, 9, 0), "ae", "ar", 1.90, 1, False),
    ("copro", datetime(2026, 3, 31, 21, 30), "ae", "refused", 1.90, 2, False),  # 23:30 in Paris: March
    ("copro", datetime(2026, 3, 10, 8, 0), "lre_eidas", "sent", 3.90, 1, False),
    ("copro", datetime(2026, 3, 12, 8, 0), "lr_paper", "ar", 6.50, 3, False),
    ("copro", datetime(2026, 3, 31, 22, 30), "ae", "waiting", 1.90, 1, False),  # 00:30 in Paris: April
    ("copro", datetime(2026, 4, 3, 8, 0), "lre_eidas", "bounced", 3.90, 0, True),
    ("gerance", datetime(2026, 3, 20, 8, 0), "lr_paper", "negligence", 6.10, 1, False),
    ("gerance", datetime(2026, 3, 21, 8, 0), "ae", "ar", 1.90, 1, False),
    # not deposited at AR24: not billed, whatever price they carry
    ("copro", datetime(2026, 3, 5, 8, 0), "lre_eidas", "to_valid", 3.90, 1, True),
    ("copro", datetime(2026, 3, 6, 8, 0), "lre_eidas", "not_valided", 3.90, 1, True),
    ("copro", datetime(2026, 3, 7, 8, 0), "ae", "error", 1.90, 1, False),
    ("copro", datetime(2026, 3, 8, 8, 0), "ae", "draft", 0.0, 0, False),
]


@tagged("post_install", "-at_install")
class TestConsumption(AR24Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.copro = cls.company
        cls.gerance = cls.env["res.company"].create({"name": "Cabinet Gérance du Septentrion"})
        for user in (cls.ar24_user, cls.ar24_manager):
            user.sudo().company_ids |= cls.gerance
        cls.colleague = new_test_user(
            cls.env,
            login="ar24_colleague",
            name="Paul Collegue",
            groups="base.group_user,ar24_lre.group_ar24_user",
            company_ids=[(6, 0, cls.copro.ids)],
        )
        cls.denise = cls.env["res.partner"].create({"name": "Denise Aloxe", "email": "denise@example.org"})
        entities = {"copro": cls.copro, "gerance": cls.gerance}
        cls.letters = (
            cls.env["ar24.letter"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": cls.denise.id,
                        "subject": "Appel de fonds",
                        "company_id": entities[entity].id,
                        "user_id": cls.ar24_user.id,
                        "send_type": send_type,
                        "deposited_outside": outside,
                    }
                    for entity, _deposit, send_type, _state, _price, _pages, outside in LETTERS
                ]
            )
        )
        for letter, (_entity, deposit, _type, state, price, pages, _outside) in zip(cls.letters, LETTERS):
            # what the send engine and the status job write from AR24's answers
            letter.write(
                {
                    "state": state,
                    "ar24_id": 0 if state in ("draft", "error") else 9000 + letter.id,
                    "date_deposit": deposit if state not in ("draft", "error") else False,
                    "price_ht": price,
                    "page_count": pages,
                }
            )
        cls.billed = cls.letters[:8]
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.copro.id, cls.gerance.id]))

    def summary(self, letters, user=None):
        report = self.env["report.ar24_lre.report_ar24_consumption"]
        if user:
            report = report.with_user(user).with_context(allowed_company_ids=user.company_ids.ids)
        return report._get_report_values(letters.ids)

    def test_the_summary_totals_are_the_sums_of_the_letters_per_entity_and_month(self):
        values = self.summary(self.letters, user=self.ar24_manager)
        sections = values["sections"]
        self.assertEqual(
            [(s["company"], s["month_label"]) for s in sections],
            [(self.gerance, "March 2026"), (self.copro, "April 2026"), (self.copro, "March 2026")],
        )
        # each section sums the billed letters of its entity deposited that month (Paris time)
        for section, letters in zip(sections, (self.billed[6:8], self.billed[4:6], self.billed[:4])):
            self.assertEqual(section["letter_count"], len(letters))
            self.assertAlmostEqual(section["amount"], sum(letters.mapped("price_ht")), places=2)
            self.assertEqual(section["page_count"], sum(letters.mapped("page_count")))
        self.assertEqual(sections[2]["amount"], 14.20)
        self.assertEqual(
            [
                (line["type"], line["letter_count"], line["page_count"], line["unit_price"], line["amount"])
                for line in sections[2]["lines"]
            ],
            [
                ("Avis électronique (co-ownership syndics)", 2, 3, 1.90, 3.80),
                ("LRE qualified eIDAS (OTP)", 1, 1, 3.90, 3.90),
                ("Paper registered letter (A4 portrait)", 1, 3, 6.50, 6.50),
            ],
        )
        self.assertEqual(sections[1]["outside_count"], 1, "its pages are unknown: the summary says so")
        # the whole summary: every billed letter once, nothing else
        self.assertEqual(values["letter_count"], 8)
        self.assertAlmostEqual(values["amount"], sum(self.billed.mapped("price_ht")), places=2)
        self.assertEqual(values["amount"], 28.00)  # 8.00 + 5.80 + 14.20
        self.assertEqual(values["left_out"], 4)

    def test_the_managers_export_has_the_same_totals_and_prints_the_same_letters(self):
        Consumption = self.env["ar24.consumption"].with_user(self.ar24_manager)
        rows = Consumption.search([])
        self.assertEqual(sum(rows.mapped("letter_count")), 8)
        self.assertAlmostEqual(sum(rows.mapped("amount")), sum(self.billed.mapped("price_ht")), places=2)
        groups = Consumption._read_group([], ["company_id", "month:month"], ["letter_count:sum", "amount:sum"])
        totals = {
            (company.name, month.strftime("%Y-%m")): (count, round(amount, 2))
            for company, month, count, amount in groups
        }
        self.assertEqual(
            totals,
            {
                ("Syndic Crypto", "2026-04"): (2, 5.80),
                ("Syndic Crypto", "2026-03"): (4, 14.20),
                ("Cabinet Gérance du Septentrion", "2026-03"): (2, 8.00),
            },
        )
        paper = rows.filtered(lambda row: row.send_type == "lr_paper" and row.company_id == self.copro)
        self.assertRecordValues(paper, [{"letter_count": 1, "page_count": 3, "unit_price": 6.50, "amount": 6.50}])
        # "Print the summary" prints exactly the letters behind the rows
        action = rows.action_print_summary()
        self.assertEqual(action["report_name"], "ar24_lre.report_ar24_consumption")
        self.assertEqual(sorted(action["context"]["active_ids"]), sorted(self.billed.ids))
        march = rows.filtered(lambda row: row.month.month == 3 and row.company_id == self.copro)
        self.assertEqual(sorted(march.action_print_summary()["context"]["active_ids"]), sorted(self.billed[:4].ids))

    def test_the_summary_is_an_a4_pdf_with_one_section_per_entity_and_month(self):
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        pdf, kind = report._render_qweb_pdf("ar24_lre.report_ar24_consumption", self.letters.ids)
        self.assertEqual(kind, "pdf")
        reader = PdfReader(io.BytesIO(pdf))
        text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
        for heading in (
            "Syndic Crypto — April 2026",
            "Syndic Crypto — March 2026",
            "Cabinet Gérance du Septentrion — March 2026",
        ):
            self.assertIn(heading, text)
        self.assertIn("14.20", text)
        self.assertIn("28.00", text)
        self.assertEqual(len(reader.pages), 3, "one section per entity and month, each on its page")
        width, height = (float(x) for x in reader.pages[0].mediabox.upper_right)
        self.assertAlmostEqual(width, 595, delta=3)
        self.assertAlmostEqual(height, 842, delta=3)

    def test_a_sender_sums_his_own_letters_only_and_nothing_unbilled(self):
        mine = self.letters.with_user(self.ar24_user)
        self.assertEqual(self.summary(self.letters, user=self.ar24_user)["amount"], 28.00)
        with self.assertRaises(AccessError):
            self.summary(self.letters, user=self.colleague)
        with self.assertRaises(AccessError):
            self.env["ar24.consumption"].with_user(self.ar24_user).search([])
        with self.assertRaisesRegex(UserError, "None of the 2 letters printed was deposited at AR24"):
            self.summary(self.letters[10:12], user=self.ar24_user)
        action = mine.action_print_consumption()
        self.assertEqual(action["context"]["active_ids"], self.letters.ids)
        # a manager of one entity sees its consumption only
        self.ar24_manager.sudo().company_ids = self.copro
        rows = (
            self.env["ar24.consumption"]
            .with_user(self.ar24_manager)
            .with_context(allowed_company_ids=self.copro.ids)
            .search([])
        )
        self.assertEqual(rows.company_id, self.copro)
