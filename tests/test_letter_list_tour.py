"""The list of registered letters in a real browser, in French: the manual's columns, a letter made
at AR24 outside Odoo, a month picked on "Date de dépôt", the consumption summary of that month."""

import os
import tempfile
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from unittest.mock import patch

from babel.dates import format_date

from odoo.tests import tagged
from odoo.tools.translate import TranslationImporter

from ..ar24.client import AR24Client
from ..models.ar24_consumption_report import Ar24ConsumptionReport
from .common import PRIVATE_KEY, TOKEN, AR24HttpCase
from .test_tour import _chrome_or_fail, _screenshots_to

FR = "fr_FR"


@tagged("post_install", "-at_install")
class TestLetterListTour(AR24HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the property manager works in French: the module's French and the web client's
        cls.env["res.lang"]._activate_lang(FR)
        cls.env["ir.module.module"]._load_module_terms(["ar24_lre"], [FR], overwrite=True)
        _load_french_as_written(cls.env)
        cls.ar24_user.sudo().write({"lang": FR, "tz": "Europe/Paris"})
        cls.company.write({"ar24_is_coownership": True, "ar24_webhook_base_url": "http://127.0.0.1:9"})
        cls.denise = cls.env["res.partner"].create({"name": "Denise Aloxe", "email": "denise@example.org"})

    def setUp(self):
        super().setUp()
        self.sender = self.link_sender(self.ar24_user)
        Letter = self.env["ar24.letter"]
        # a letter made with AR24's web app, received: the status job brings it in
        mail = AR24Client(self.emulator.api_url, TOKEN, PRIVATE_KEY).send_mail(
            self.sender["id_user"],
            "ae",
            to_email="denise@example.org",
            to_firstname="Denise",
            to_lastname="Aloxe",
            content="Procès-verbal de l'AG",
        )
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
        _chrome_or_fail(self)
        printed = []
        original = Ar24ConsumptionReport._get_report_values

        def record(report, docids, data=None):
            values = original(report, docids, data)
            printed.append(
                (sorted(docids), values["letter_count"], values["amount"], values["sections"][0]["month_label"])
            )
            return values

        directory = os.environ.get("AR24_TOUR_SCREENSHOTS")
        if directory:
            directory = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), directory)
        storage = {
            "ar24_lre_tour_month": format_date(self.month, "MMMM", locale=FR),
            "ar24_lre_tour_report": "1",
        }
        if directory:
            storage["ar24_lre_tour_screenshots"] = "1"
        code = "".join("sessionStorage.setItem(%r, %r); " % item for item in storage.items())
        options = "{stepDelay: 0, keepWatchBrowser: false, debug: false, startUrl: '/odoo'}"
        code += "odoo.startTour('ar24_lre_letter_list_tour', %s);" % options
        with (
            patch.object(Ar24ConsumptionReport, "_get_report_values", record),
            _screenshots_to(directory) if directory else nullcontext(),
        ):
            self.start_tour("/odoo", "ar24_lre_letter_list_tour", login="ar24_user", timeout=180, code=code)
        # the summary printed is that month's letters, their sum, in French
        self.assertEqual(len(printed), 1)
        docids, count, amount, month_label = printed[0]
        self.assertEqual(docids, sorted(self.last_month.ids))
        self.assertEqual((count, amount), (2, 5.80))
        self.assertEqual(month_label, format_date(self.month, "MMMM y", locale=FR))


def _load_french_as_written(env):
    """The module's French exactly as ``i18n/fr.po`` writes it.

    Odoo reads a .po file merged with the template (.pot) next to it and ignores the entries the
    template does not have yet: those of strings added since the template was last exported (it is
    exported again when the strings settle). The screens of this test are read with all of them.
    """
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "i18n", "fr.po")
    with open(path, "rb") as source, tempfile.NamedTemporaryFile(suffix=".fr") as copy:
        copy.write(source.read())
        copy.flush()
        copy.seek(0)
        importer = TranslationImporter(env.cr, verbose=False)
        importer.load(copy, "po", FR)
        importer.save(overwrite=True)
    env.invalidate_all()
