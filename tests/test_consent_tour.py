"""The consent screens in a real browser: the contact's LRE tab, a consent's form, history and proof."""

from odoo.tests import tagged

from .common import AR24HttpCase, chrome_or_fail


@tagged("post_install", "-at_install")
class TestConsentTour(AR24HttpCase):
    def test_contact_consents_open_with_history_and_proof(self):
        chrome_or_fail(self)
        self.link_sender(self.ar24_user)
        denise = self.env["res.partner"].create({"name": "Denise Aloxe", "email": "denise@example.org"})
        denise.with_user(self.ar24_user).action_ar24_consent_add()
        consent = denise.sudo().ar24_consent_id
        Consent = self.env["ar24.consent"]
        self.env["ir.attachment"].create(
            {
                "name": Consent._ar24_proof_name("denise@example.org"),
                "raw": b"%PDF-1.4 proof of consent",
                "mimetype": "application/pdf",
                "res_model": Consent._name,
                "res_id": consent.id,
            }
        )
        url = "/odoo/action-base.action_partner_form/%d" % denise.id
        self.start_tour(url, "ar24_lre_consent_tour", login="ar24_user", timeout=120)
