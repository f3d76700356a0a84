from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged, users

from .common import AR24Case


@tagged("post_install", "-at_install")
class TestAccountLink(AR24Case):
    @users("ar24_user")
    def test_authorize_pending_until_the_user_clicks_then_linked(self):
        info = self.controls.sender("alain@syndic.example.com", "Alain", "Joly", attached=False)
        me = self.env["res.users"].browse(self.env.uid)  # his own record as his RPC calls see it (env.user is sudo)
        self.assertFalse(me.env.su)
        me.ar24_email = " Alain@Syndic.example.com "
        action = me.action_ar24_authorize()
        self.assertEqual(action["params"]["type"], "info")
        self.assertIn("alain@syndic.example.com", action["params"]["message"])
        self.assertRecordValues(
            me,
            [{"ar24_link_state": "pending", "ar24_user_id": info["id_user"], "ar24_email": "alain@syndic.example.com"}],
        )
        self.assertEqual(
            [c["params"]["email"] for c in self.controls.calls("request_access")], ["alain@syndic.example.com"]
        )

        action = me.action_ar24_refresh()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual(me.ar24_link_state, "pending")

        self.controls.accept_access(info["id_user"])
        action = me.action_ar24_refresh()
        self.assertEqual(action["params"]["type"], "success")
        self.assertRecordValues(
            me,
            [
                {
                    "ar24_link_state": "linked",
                    "ar24_confirmed": True,
                    "ar24_cgu_accepted": True,
                    "ar24_identity_verified": True,
                    "ar24_payment_possible": True,
                }
            ],
        )

    def test_authorize_unknown_account_says_so(self):
        self.ar24_user.ar24_email = "nobody@example.com"
        with self.assertRaisesRegex(UserError, "Alain Joly: AR24 has no account for nobody@example.com"):
            self.ar24_user.action_ar24_authorize()
        self.assertEqual(self.ar24_user.ar24_link_state, "none")

    def test_authorize_needs_a_valid_email(self):
        self.ar24_user.write({"ar24_email": "not an email", "email": False})
        with self.assertRaisesRegex(UserError, "Alain Joly: fill a valid AR24 e-mail"):
            self.ar24_user.action_ar24_authorize()
        self.assertFalse(self.controls.calls("request_access"))

    def test_create_account_from_user_and_company(self):
        self.ar24_user.write({"ar24_gender": "M", "phone": "06 12 34 56 78"})
        action = self.ar24_user.action_ar24_create_account()
        created = self.controls.calls("create_user")[0]["params"]
        self.assertEqual(
            {
                k: created[k]
                for k in ("email", "firstname", "lastname", "statut", "company_siret", "zipcode", "country", "phone")
            },
            {
                "email": "alain@syndic.example.com",
                "firstname": "Alain",
                "lastname": "Joly",
                "statut": "professionnel",
                "company_siret": "12345678900012",
                "zipcode": "83700",
                "country": "FR",
                "phone": "+33612345678",
            },
        )
        self.assertNotIn("password", created)
        self.assertEqual(self.ar24_user.ar24_link_state, "linked")
        self.assertTrue(self.ar24_user.ar24_user_id)
        # a new AR24 account still has to be confirmed, identified and given a payment method
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("order the OTP key", action["params"]["message"])

    def test_create_account_refuses_incomplete_data_before_calling_ar24(self):
        self.company.write({"company_registry": "123", "street": False})
        with self.assertRaisesRegex(UserError, "civility for AR24, street of company Syndic Crypto, SIRET"):
            self.ar24_user.action_ar24_create_account()
        self.assertFalse(self.controls.calls("create_user"))

    def test_create_account_existing_falls_back_to_access_request(self):
        info = self.controls.sender("alain@syndic.example.com", attached=False)
        self.ar24_user.ar24_gender = "M"
        self.ar24_user.action_ar24_create_account()
        self.assertEqual(len(self.controls.calls("create_user")), 1)
        self.assertEqual(len(self.controls.calls("request_access")), 1)
        self.assertRecordValues(self.ar24_user, [{"ar24_link_state": "pending", "ar24_user_id": info["id_user"]}])

    def test_refresh_of_a_deleted_account_unlinks(self):
        self.ar24_user.sudo().write({"ar24_user_id": 424242, "ar24_link_state": "linked"})
        with self.assertRaisesRegex(UserError, "This AR24 account does not exist"):
            self.ar24_user.action_ar24_refresh()
        self.assertEqual(self.ar24_user.ar24_link_state, "none")

    @users("ar24_user")
    def test_cannot_link_someone_else(self):
        other = self.env["res.users"].browse(self.ar24_manager.id)
        for action in (other.action_ar24_authorize, other.action_ar24_refresh, other.action_ar24_unlink):
            with self.subTest(action.__name__), self.assertRaises(AccessError) as caught:
                action()
            self.assertIn("Only Jeff Lechef or a registered-letters manager", str(caught.exception))
        self.assertFalse(self.controls.calls("request_access") or self.controls.calls("get_user"))

    @users("ar24_user")
    def test_own_preferences_fields_are_self_writeable(self):
        me = self.env["res.users"].browse(self.env.uid)  # env.user is sudo-ed: not a proof
        me.write({"ar24_email": "me@example.com", "ar24_gender": "F"})
        self.assertEqual(me.ar24_email, "me@example.com")
        with self.assertRaises(AccessError):
            me.write({"ar24_link_state": "linked"})
        with self.assertRaises(AccessError):
            me.write({"ar24_user_id": 12})
