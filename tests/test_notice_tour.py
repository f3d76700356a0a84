"""'Envoyer en AR' from any document in a real browser, in French: the demo's "Mise en demeure" bound to the
Actions menu of its unpaid calls for funds (static/tests/tours/ar24_notice_tour.js)."""

import os
from contextlib import nullcontext

from odoo.tests import tagged

from .common import AR24HttpCase, load_mise_en_demeure_demo
from .test_letter_list_tour import _load_french_as_written
from .test_tour import _chrome_or_fail, _screenshots_to

FR = "fr_FR"


@tagged("post_install", "-at_install")
class TestNoticeTour(AR24HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "ar24_is_coownership": True,
                "ar24_webhook_base_url": "http://127.0.0.1:9",
                "ar24_default_send_type": "lre_eidas",
            }
        )
        # a French property manager; the demo is loaded once French is there, as make demo does: the
        # action it binds is named in every language of the database
        cls.env["res.lang"]._activate_lang(FR)
        cls.env["ir.module.module"]._load_module_terms(["ar24_lre"], [FR], overwrite=True)
        _load_french_as_written(cls.env)
        cls.ar24_user.sudo().lang = FR
        load_mise_en_demeure_demo(cls.env)
        address = {
            "street": "32 rue du Septentrion",
            "zip": "83700",
            "city": "Saint-Raphaël",
            "country_id": cls.env.ref("base.fr").id,
        }
        Partner = cls.env["res.partner"]
        cls.denise = Partner.create(
            dict(
                address,
                name="Denise Aloxe",
                email="denise@example.org",
                ar24_consent=True,
                ar24_consent_state="accepted",
                ar24_consent_email="denise@example.org",
            )
        )
        cls.bernard = Partner.create(dict(address, name="Bernard Atrillon", email="bernard@example.org"))
        cls.marie = Partner.create(dict(address, name="Marie Rolin"))
        cls.calls = cls.env["x_ar24_appel_fonds"].create(
            [
                {"x_name": "Appel de fonds T1 2027 - lot %s" % lot, "x_partner_id": partner.id, "x_lot": lot}
                | {"x_amount": amount, "x_due_date": "2027-01-15"}
                for lot, partner, amount in (("3", cls.denise, 842.5), ("9", cls.bernard, 1265), ("14", Partner, 96))
            ]
        )

    def setUp(self):
        super().setUp()
        self.sender = self.link_sender(self.ar24_user)
        self.ar24_user.sudo().ar24_identity_verified = True
        self.link_payment(self.ar24_user)

    def test_mise_en_demeure_from_the_unpaid_calls_for_funds(self):
        _chrome_or_fail(self)
        directory = os.environ.get("AR24_TOUR_SCREENSHOTS")
        if directory:
            directory = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), directory)
        url = "/odoo/action-ar24_lre.demo_action_appel_fonds"
        code = "sessionStorage.setItem('ar24_lre_tour_screenshots', '1'); " if directory else ""
        code += "odoo.startTour('ar24_lre_notice_tour', {stepDelay: 0, keepWatchBrowser: false, debug: false});"
        with _screenshots_to(directory) if directory else nullcontext():
            self.start_tour(url, "ar24_lre_notice_tour", login="ar24_user", timeout=240, code=code)
        lot3, lot9, lot14 = self.calls
        self.assertEqual(lot14.x_partner_id, self.marie, "the co-owner set from the error summary")
        Letter = self.env["ar24.letter"]
        letters = {
            call: Letter.search([("res_model", "=", call._name), ("res_id", "=", call.id)]) for call in self.calls
        }
        self.assertRecordValues(letters[lot3], [{"partner_id": self.denise.id, "send_type": "lre_eidas"}])
        self.assertEqual(letters[lot3].state, "to_valid", letters[lot3].error_message)
        for call, partner in ((lot9, self.bernard), (lot14, self.marie)):
            self.assertRecordValues(letters[call], [{"partner_id": partner.id, "send_type": "lr_paper"}])
            self.assertEqual(letters[call].state, "waiting", letters[call].error_message)
        for call, letter in letters.items():
            self.assertEqual(letter.subject, "Mise en demeure de payer : %s" % call.x_name)
            self.assertEqual(letter.attachment_ids.mapped("name"), ["Relevé - %s.pdf" % call.x_name])
        uploads = [c["params"].get("file_name") for c in self.controls.calls("upload_attachment")]
        self.assertEqual(
            sorted(name for name in uploads if name.startswith("Relevé")),
            sorted("Relevé - %s.pdf" % call.x_name for call in self.calls),
        )
