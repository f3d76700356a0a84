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
                for k in ("email", "firstname", "lastname", "statut", "company_siret", "zipcode", "country", "c_mobile")
            },
            {
                "email": "alain@syndic.example.com",
                "firstname": "Alain",
                "lastname": "Joly",
                "statut": "professionnel",
                "company_siret": "12345678200010",
                "zipcode": "83700",
                "country": "FR",
                # AR24's user object names the phones c_phone and c_mobile: a "phone" would be dropped
                "c_mobile": "+33612345678",
            },
        )
        # no password (AR24's user object has none) and no field AR24 does not know
        self.assertFalse({"password", "phone", "c_phone"} & set(created))
        self.assertEqual(self.controls.calls("create_user")[0]["outcome"], "SUCCESS")
        self.assertEqual(self.ar24_user.ar24_link_state, "linked")
        self.assertTrue(self.ar24_user.ar24_user_id)
        # a new AR24 account still has to be confirmed, identified and given a payment method
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("order the OTP key", action["params"]["message"])

    def test_create_account_sends_a_landline_as_c_phone(self):
        """Without a phone of his own, the sender gives his office's: a landline, AR24's c_phone."""
        self.ar24_user.write({"ar24_gender": "M", "phone": False})
        self.ar24_user.action_ar24_create_account()
        created = self.controls.calls("create_user")[0]["params"]
        self.assertEqual(created.get("c_phone"), "+33494123456")
        self.assertNotIn("c_mobile", created)
        self.assertEqual(self.ar24_user.ar24_link_state, "linked")

    def test_create_account_refuses_a_siret_no_company_has_before_calling_ar24(self):
        """14 digits whose check digit does not match: AR24 would answer error_company_siret."""
        self.ar24_user.ar24_gender = "M"
        self.company.company_registry = "123 456 789 00012"
        with self.assertRaisesRegex(
            UserError,
            r"Alain Joly: AR24 needs a valid SIRET in the Company ID of Syndic Crypto: 123 456 789 00012 is not one",
        ):
            self.ar24_user.action_ar24_create_account()
        self.assertFalse(self.controls.calls("create_user"))
        # La Poste's establishments follow their own rule: accepted here and by AR24
        self.company.company_registry = "356 000 000 49837"
        self.ar24_user.action_ar24_create_account()
        self.assertEqual([c["outcome"] for c in self.controls.calls("create_user")], ["SUCCESS"])

    def test_create_account_refuses_incomplete_data_before_calling_ar24(self):
        self.company.write({"company_registry": "123", "street": False})
        with self.assertRaisesRegex(UserError, "civility for AR24, street of company Syndic Crypto, SIRET"):
            self.ar24_user.action_ar24_create_account()
        self.assertFalse(self.controls.calls("create_user"))

    def test_create_account_existing_falls_back_to_access_request(self):
        """AR24 answers user_not_created to an e-mail it already knows: the module asks for access to
        that account instead."""
        info = self.controls.sender("alain@syndic.example.com", attached=False)
        self.ar24_user.ar24_gender = "M"
        action = self.ar24_user.action_ar24_create_account()
        self.assertEqual([c["outcome"] for c in self.controls.calls("create_user")], ["user_not_created"])
        self.assertEqual(len(self.controls.calls("request_access")), 1)
        self.assertRecordValues(self.ar24_user, [{"ar24_link_state": "pending", "ar24_user_id": info["id_user"]}])
        self.assertEqual(action["params"]["title"], "Authorisation requested")

    def test_create_account_falls_back_on_the_earlier_slug_too(self):
        info = self.controls.sender("alain@syndic.example.com", attached=False)
        self.controls.refuse_next("create_user", "user_already_exist")
        self.ar24_user.ar24_gender = "M"
        self.ar24_user.action_ar24_create_account()
        self.assertEqual([c["outcome"] for c in self.controls.calls("create_user")], ["user_already_exist"])
        self.assertRecordValues(self.ar24_user, [{"ar24_link_state": "pending", "ar24_user_id": info["id_user"]}])

    def test_create_account_says_so_when_ar24_really_cannot_create_it(self):
        """user_not_created for an e-mail AR24 does not know either: the access request finds no account,
        and the user reads why the account was not created, not advice to create it."""
        self.controls.refuse_next("create_user", "user_not_created")
        self.ar24_user.ar24_gender = "M"
        with self.assertRaisesRegex(
            UserError, "^Alain Joly: AR24 could not create the account: try again later"
        ) as caught:
            self.ar24_user.action_ar24_create_account()
        self.assertIn("(AR24: user_not_created)", str(caught.exception))
        self.assertNotIn("Create AR24 account", str(caught.exception))
        self.assertEqual([c["outcome"] for c in self.controls.calls("request_access")], ["user_not_exist"])
        self.assertRecordValues(self.ar24_user, [{"ar24_link_state": "none", "ar24_user_id": 0}])

    def test_refresh_of_a_deleted_account_unlinks(self):
        self.ar24_user.sudo().write({"ar24_user_id": 424242, "ar24_link_state": "linked"})
        with self.assertRaisesRegex(UserError, "This AR24 account does not exist"):
            self.ar24_user.action_ar24_refresh()
        self.assertEqual(self.ar24_user.ar24_link_state, "none")

    @users("ar24_user")
    def test_cannot_link_someone_else(self):
        other = self.env["res.users"].browse(self.ar24_manager.id)
        for action in (
            other.action_ar24_authorize,
            other.action_ar24_create_account,
            other.action_ar24_refresh,
            other.action_ar24_unlink,
        ):
            with self.subTest(action.__name__), self.assertRaises(AccessError) as caught:
                action()
            self.assertIn("Only Jeff Lechef or a registered-letters manager", str(caught.exception))
        self.assertFalse(
            self.controls.calls("request_access")
            or self.controls.calls("get_user")
            or self.controls.calls("create_user")
        )

    @users("ar24_user")
    def test_own_preferences_fields_are_self_writeable(self):
        me = self.env["res.users"].browse(self.env.uid)  # env.user is sudo-ed: not a proof
        me.write({"ar24_email": "me@example.com", "ar24_gender": "F"})
        self.assertEqual(me.ar24_email, "me@example.com")
        with self.assertRaises(AccessError):
            me.write({"ar24_link_state": "linked"})
        with self.assertRaises(AccessError):
            me.write({"ar24_user_id": 12})
