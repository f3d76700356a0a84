"""The list of registered letters in a real browser, in French: the manual's columns, a letter made
at AR24 outside Odoo, a month picked on "Date de dépôt", the consumption summary of that month."""

from datetime import date, datetime, timedelta
from unittest.mock import patch

from babel.dates import format_date

from odoo.tests import tagged

from ..models.ar24_consumption_report import Ar24ConsumptionReport
from .common import FR, AR24TourCase, load_french


@tagged("post_install", "-at_install")
class TestLetterListTour(AR24TourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the property manager works in French: the module's French and the web client's
        load_french(cls.env)
        cls.ar24_user.sudo().write({"lang": FR, "tz": "Europe/Paris"})
        cls._coownership(method=None)
        cls.denise = cls.env["res.partner"].create({"name": "Denise Aloxe", "email": "denise@example.org"})

    def setUp(self):
        super().setUp()
        self.sender = self.link_sender(self.ar24_user)
        Letter = self.env["ar24.letter"]
        # a letter made with AR24's web app, received: the status job brings it in
        mail = self.deposit_at_ar24(self.sender["id_user"], "ae", "denise@example.org", "Procès-verbal de l'AG")
        self.controls.recipient(mail["id"], "accept")
        self.env["ar24.letter.sync"]._cron_sync_status()
        self.outside = Letter.search([("deposited_outside", "=", True)])
        self.assertEqual(self.outside.state, "ar")
        # two letters AR24 deposited in the middle of last month, and a draft
        today = date.today()
        self.month = (today.replace(day=1) - timedelta(days=1)).replace(day=15)
        self.last_month = Letter.sudo().create(
            [
                {"partner_id": self.denise.id, "subject": subject, "send_type": send_type, "user_id": self.ar24_user.id}
                for subject, send_type in (("Convocation AG", "lre_eidas"), ("Appel de fonds", "ae"))
            ]
        )
        for offset, (letter, price) in enumerate(zip(self.last_month, (3.90, 1.90))):
            deposit = datetime(self.month.year, self.month.month, 15 + offset, 10, 0)
            letter.write(
                {
                    "state": "ar",
                    "ar24_id": 8000 + offset,
                    "date": deposit - timedelta(hours=1),
                    "date_deposit": deposit,
                    "date_sent": deposit,
                    "date_ar": deposit + timedelta(days=1),
                    "price_ht": price,
                }
            )
        self.draft = Letter.create({"partner_id": self.denise.id, "subject": "Relance", "user_id": self.ar24_user.id})

    def test_list_filter_a_month_and_print_its_summary_in_french(self):
        printed = []
        original = Ar24ConsumptionReport._get_report_values

        def record(report, docids, data=None):
            values = original(report, docids, data)
            printed.append(
                (sorted(docids), values["letter_count"], values["amount"], values["sections"][0]["month_label"])
            )
            return values

        with patch.object(Ar24ConsumptionReport, "_get_report_values", record), self.browser():
            self.run_tour(
                "/odoo",
                "ar24_lre_letter_list_tour",
                ar24_lre_tour_month=format_date(self.month, "MMMM", locale=FR),
                ar24_lre_tour_report="1",
            )
        # the summary printed is that month's letters, their sum, in French
        self.assertEqual(len(printed), 1)
        docids, count, amount, month_label = printed[0]
        self.assertEqual(docids, sorted(self.last_month.ids))
        self.assertEqual((count, amount), (2, 5.80))
        self.assertEqual(month_label, format_date(self.month, "MMMM y", locale=FR))
