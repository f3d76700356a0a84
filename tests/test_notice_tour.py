"""'Envoyer en AR' from any document in a real browser, in French: the demo's "Mise en demeure" bound to the
Actions menu of its unpaid calls for funds (static/tests/tours/ar24_notice_tour.js)."""

from odoo.tests import tagged

from .common import FR, AR24TourCase, co_owner, consented, load_french, load_mise_en_demeure_demo


@tagged("post_install", "-at_install")
class TestNoticeTour(AR24TourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._coownership(method=None, ar24_default_send_type="lre_eidas")
        # a French property manager; the demo is loaded once French is there, as make demo does: the
        # action it binds is named in every language of the database
        load_french(cls.env)
        cls.ar24_user.sudo().lang = FR
        load_mise_en_demeure_demo(cls.env)
        cls.denise = co_owner(cls.env, "Denise Aloxe", "denise@example.org", **consented("denise@example.org"))
        cls.bernard = co_owner(cls.env, "Bernard Atrillon", "bernard@example.org")
        cls.marie = co_owner(cls.env, "Marie Rolin")
        Partner = cls.env["res.partner"]
        cls.calls = cls.env["x_ar24_appel_fonds"].create(
            [
                {"x_name": "Appel de fonds T1 2027 - lot %s" % lot, "x_partner_id": partner.id, "x_lot": lot}
                | {"x_amount": amount, "x_due_date": "2027-01-15"}
                for lot, partner, amount in (("3", cls.denise, 842.5), ("9", cls.bernard, 1265), ("14", Partner, 96))
            ]
        )

    def setUp(self):
        super().setUp()
        self.sender = self.link_identified_sender(self.ar24_user)
        self.link_payment(self.ar24_user)

    def test_mise_en_demeure_from_the_unpaid_calls_for_funds(self):
        with self.browser():
            self.run_tour("/odoo/action-ar24_lre.demo_action_appel_fonds", "ar24_lre_notice_tour", timeout=240)
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
