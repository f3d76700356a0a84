from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import AR24Case


@tagged("post_install", "-at_install")
class TestAccessMatrix(AR24Case):
    """Who sees and does what: letters, payment methods, settings and credentials, per group and company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Autre Entité SARL (tests)"})
        cls.other_user = new_test_user(
            cls.env,
            login="other_company_user",
            groups="base.group_user,ar24_lre.group_ar24_manager",
            company_id=cls.other_company.id,
            company_ids=[(6, 0, cls.other_company.ids)],
        )
        cls.portal = new_test_user(cls.env, login="portal_user", groups="base.group_portal")
        cls.public = cls.env.ref("base.public_user")
        partner = cls.env["res.partner"].create({"name": "Denise", "email": "denise@example.org"})
        Letter = cls.env["ar24.letter"]
        cls.mine = Letter.create({"partner_id": partner.id, "subject": "A", "user_id": cls.ar24_user.id})
        cls.colleague = Letter.create({"partner_id": partner.id, "subject": "B", "user_id": cls.ar24_manager.id})
        cls.elsewhere = Letter.create(
            {"partner_id": partner.id, "subject": "C", "user_id": cls.other_user.id, "company_id": cls.other_company.id}
        )
        cls.method = cls.env["ar24.payment.method"].create({"name": "Copro A", "slug": "stripe-9"})

    def _visible_letters(self, user):
        letters = (self.mine | self.colleague | self.elsewhere).ids
        return self.env["ar24.letter"].with_user(user).search([("id", "in", letters)])

    def test_letters_per_user(self):
        cases = [
            ("LRE user sees his own letters", self.ar24_user, self.mine),
            ("LRE manager sees every letter of his entities", self.ar24_manager, self.mine | self.colleague),
            ("another entity's manager sees only that entity", self.other_user, self.elsewhere),
        ]
        for label, user, expected in cases:
            with self.subTest(label):
                self.assertEqual(self._visible_letters(user), expected)
        for label, user in [
            ("employee without the group", self.employee),
            ("portal", self.portal),
            ("public", self.public),
        ]:
            with self.subTest(label), self.assertRaises(AccessError):
                self._visible_letters(user)

    def test_a_user_cannot_touch_a_colleague_letter(self):
        with self.assertRaises(AccessError):
            self.colleague.with_user(self.ar24_user).write({"subject": "changed"})
        with self.assertRaises(AccessError):
            self.colleague.with_user(self.ar24_user).unlink()

    def test_payment_methods(self):
        for label, user, can_read, can_write in [
            ("employee", self.employee, False, False),
            ("LRE user", self.ar24_user, True, False),
            ("LRE manager", self.ar24_manager, True, True),
            ("portal", self.portal, False, False),
        ]:
            with self.subTest(label):
                method = self.method.with_user(user)
                self.assertEqual(method.has_access("read"), can_read)
                self.assertEqual(method.has_access("write"), can_write)

    def test_consents_are_changed_by_registered_letter_users_only(self):
        """The form shows them read-only; a script, an RPC call or an import is refused the same."""
        clerk = new_test_user(self.env, login="clerk", groups="base.group_user,base.group_partner_manager")
        owner, other = self.env["res.partner"].create(
            [
                {"name": "Gérard Lot 12", "email": "gerard@example.org"},
                {"name": "Inès Lot 3", "email": "ines@example.org"},
            ]
        )
        self.env.cr.precommit.run()  # created in an earlier request: their changes are tracked
        granted = {"ar24_consent": True, "ar24_consent_state": "accepted", "ar24_consent_email": "ines@example.org"}
        # a registered-letter user may, and the change is in the chatter of the entity's consent
        other.with_user(self.ar24_user).write(granted)
        self.env.flush_all()
        self.env.cr.precommit.run()  # mail's tracking, as at the end of the request
        self.assertRecordValues(other, [{"ar24_consent": True, "ar24_consent_state": "accepted"}])
        messages = other.ar24_consent_id.message_ids
        self.assertIn("state", messages.tracking_value_ids.field_id.mapped("name"))
        self.assertIn("LRE consent changed by", str(messages.mapped("body")))
        for label, user in [("employee", self.employee), ("contact manager without the group", clerk)]:
            with self.subTest(label):
                with self.assertRaisesRegex(AccessError, r"change an LRE consent \(Gérard Lot 12\)"):
                    owner.with_user(user).write(dict(granted, ar24_consent_email="gerard@example.org"))
                with self.assertRaisesRegex(AccessError, "Only users of registered letters"):
                    self.env["res.partner"].with_user(user).create([dict(granted, name="Imported owner")])
        owner.with_user(clerk).write({"phone": "+33 6 12 34 56 78"})  # the rest of the contact stays editable
        self.assertRecordValues(owner, [{"ar24_consent": False, "phone": "+33 6 12 34 56 78"}])
        self.assertFalse(owner.ar24_consent_ids)

    def test_credentials_only_for_system_admins(self):
        for user in (self.employee, self.ar24_user, self.ar24_manager, self.portal):
            with self.subTest(user.login):
                company = self.company.with_user(user)
                for secret in ("ar24_token", "ar24_private_key"):
                    with self.assertRaises(AccessError):
                        company.read([secret])
        settings_fields = self.env["res.config.settings"]._fields
        self.assertEqual(settings_fields["ar24_token"].groups, "base.group_system")
        self.assertEqual(settings_fields["ar24_private_key"].groups, "base.group_system")
        self.assertEqual(self.company.ar24_token, "odoo-test-token")  # an admin reads it

    def test_wizards_need_the_group(self):
        for model in ("ar24.send.wizard", "ar24.otp.wizard"):
            with self.subTest(model), self.assertRaises(AccessError):
                self.env[model].with_user(self.employee).create({})
        with self.assertRaises(AccessError):
            self.env["ar24.payment.link.wizard"].with_user(self.ar24_user).create({})
