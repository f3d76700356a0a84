from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged, users

from .common import AR24Case


@tagged("post_install", "-at_install")
class TestPaymentMethods(AR24Case):
    @users("ar24_manager")
    def test_sync_imports_updates_and_archives(self):
        self.link_sender(self.ar24_manager, payment_methods=2)
        Method = self.env["ar24.payment.method"]
        action = Method.action_sync()
        self.assertIn("2 imported", action["params"]["message"])
        methods = Method.search([])
        self.assertEqual(sorted(methods.mapped("slug")), ["gocardless-47147", "stripe-47146"])
        self.assertEqual(sorted(methods.mapped("method_type")), ["card", "sepa"])
        self.assertEqual(methods.user_id, self.ar24_manager)

        action = Method.action_sync()  # again: nothing duplicated
        self.assertIn("0 imported, 2 updated", action["params"]["message"])
        self.assertEqual(Method.search_count([]), 2)

        # a method removed on AR24 is archived, not deleted (entities may still point at it)
        self.emulator.store.execute("DELETE FROM payment_methods WHERE slug = 'gocardless-47147'")
        action = Method.action_sync()
        self.assertIn("1 archived", action["params"]["message"])
        self.assertEqual(Method.search([]).mapped("slug"), ["stripe-47146"])

    @users("ar24_manager")
    def test_sync_needs_a_linked_account(self):
        with self.assertRaisesRegex(UserError, "Jeff Lechef: link your AR24 account first"):
            self.env["ar24.payment.method"].action_sync()

    @users("ar24_manager")
    def test_link_entities_with_the_wizard(self):
        self.link_sender(self.ar24_manager, payment_methods=2)
        self.env["ar24.payment.method"].action_sync()
        card = self.env["ar24.payment.method"].search([("slug", "=", "stripe-47146")])
        wizard = Form(self.env["ar24.payment.link.wizard"])
        self.assertEqual(len(wizard.line_ids), len(self.env.user.company_ids))
        with wizard.line_ids.edit(0) as line:
            line.payment_method_id = card
        wizard.save().action_validate()
        self.assertEqual(self.env.company.ar24_payment_method_id, card)
        self.assertEqual(card.company_ids, self.env.company)

    @users("ar24_user")
    def test_users_read_but_do_not_manage_payment_methods(self):
        self.env["ar24.payment.method"].sudo().create({"name": "Copro A", "slug": "stripe-1"})
        self.assertEqual(self.env["ar24.payment.method"].search([]).mapped("name"), ["Copro A"])
        with self.assertRaises(AccessError):
            self.env["ar24.payment.method"].create({"name": "x", "slug": "stripe-2"})
        with self.assertRaises(AccessError):
            self.env["ar24.payment.link.wizard"].create({})

    @users("employee")
    def test_employees_without_the_group_see_nothing(self):
        with self.assertRaises(AccessError):
            self.env["ar24.payment.method"].search([])
