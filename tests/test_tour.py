"""The whole sending flow clicked in a real browser (headless Chromium) against the AR24 emulator, in French.

The tours are in static/tests/tours/ar24_send_tour.js. The emulator acts between them: the test
reads the sender's current OTP code (as his authenticator app would show it) and hands it to the
second tour, then makes the recipient accept the letter before the third.
"""

import pyotp

from odoo import Command
from odoo.tests import tagged

from .common import FR, AR24TourCase, co_owner, consented


@tagged("post_install", "-at_install")
class TestTour(AR24TourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the co-ownership sends the qualified LRE (OTP) to those who consented
        cls._coownership(method=None, ar24_default_send_type="lre_eidas")
        # a French property manager, who maintains the co-owners' files (e-mail corrections included)
        cls.env["res.lang"]._activate_lang(FR)
        cls.env["ir.module.module"].search([("state", "=", "installed")])._update_translations(FR)
        cls.ar24_user.sudo().write(
            {"lang": FR, "group_ids": [Command.link(cls.env.ref("base.group_partner_manager").id)]}
        )
        cls.denise = co_owner(cls.env, "Denise Aloxe", "denise@example.org")
        # no LRE consent: a paper registered letter
        cls.alfred = co_owner(cls.env, "Alfred Brouilly", "alfred@example.org")
        # a typo in the e-mail (his consent was given for the right address) and no street: nothing can
        # carry his letter until the e-mail is fixed
        cls.pierre = co_owner(cls.env, "Pierre Proprietaire", "pierre@@example.org", street=False)
        # a professional co-owner without consent: the qualified LRE needs none
        cls.sci = co_owner(cls.env, "SCI du Port", "gerance@sci-du-port.example", is_company=True)
        # she consented, but prefers paper
        cls.marie = co_owner(cls.env, "Marie Rolin", "marie@example.org", ar24_dispatch_mode="lr_paper")
        for partner, email in (
            (cls.denise, "denise@example.org"),
            (cls.pierre, "pierre@example.org"),
            (cls.marie, "marie@example.org"),
        ):
            partner.write(consented(email))
        cls.co_owners = cls.denise | cls.alfred | cls.pierre | cls.sci | cls.marie

    def setUp(self):
        super().setUp()
        self.sender = self.link_identified_sender(self.ar24_user)
        self.link_payment(self.ar24_user)

    def _letters(self):
        return self.env["ar24.letter"].search([("partner_id", "in", self.co_owners.ids)])

    def test_send_validate_with_otp_and_receive(self):
        # AR24_TOUR_SCREENSHOTS=static/description/screenshots: also refresh the README's screenshots
        with self.browser():
            self._run_tours()

    def _run_tours(self):
        # 1. co-owners › Envoyer en AR › each his channel › fix Pierre's e-mail › Recalculer › Valider
        self.run_tour("/odoo/action-base.action_partner_form", "ar24_lre_send_tour")
        letters = self._letters()
        self.assertEqual(len(letters), 5, "one letter per co-owner, created when the batch was sent")
        by_partner = {letter.partner_id: letter for letter in letters}
        lre = self.denise | self.pierre | self.sci
        for partner in lre:
            self.assertRecordValues(by_partner[partner], [{"send_type": "lre_eidas", "state": "to_valid"}])
        for partner in self.alfred | self.marie:
            letter = by_partner[partner]
            self.assertRecordValues(letter, [{"send_type": "lr_paper", "state": "waiting"}])
        self.assertEqual(self.pierre.email, "pierre@example.org")
        paper = self.controls.calls("send_mail")
        self.assertEqual(sorted(call["params"]["type"] for call in paper), ["lr_paper", "lr_paper"])

        # 2. En attente de validation OTP › Valider avec le code OTP › the code the authenticator shows now
        code = pyotp.TOTP(self.sender["totp_secret"]).now()  # accepted by AR24 for 30 to 60 s
        self.run_tour("/odoo", "ar24_lre_otp_tour", ar24_lre_tour_otp=code)
        letters.invalidate_recordset()
        lre_letters = letters.filtered(lambda letter: letter.partner_id in lre)
        self.assertEqual(set(lre_letters.mapped("state")), {"waiting"}, lre_letters.mapped("error_message"))
        self.assertTrue(all(letters.mapped("ar24_id")))
        self.assertEqual(len(self.controls.calls("send_mail")), 5)

        # 3. Denise opens her letter; Actualiser depuis AR24 › Reçu (AR) with its proof
        denise_letter = by_partner[self.denise]
        self.controls.recipient(denise_letter.ar24_id, "accept")
        self.run_tour("/odoo", "ar24_lre_refresh_tour")
        denise_letter.invalidate_recordset()
        self.assertEqual(denise_letter.state, "ar")
        self.assertTrue(denise_letter.date_ar)
        self.assertIn("accusé de réception", " ".join(denise_letter.proof_attachment_ids.mapped("name")))
