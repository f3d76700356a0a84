from odoo.exceptions import AccessError, UserError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import Form, tagged, users

from .common import AR24Case


@tagged("post_install", "-at_install")
class TestSettings(AR24Case):
    def test_settings_are_saved_on_the_company(self):
        form = Form(self.env["res.config.settings"])
        form.ar24_environment = "custom"
        form.ar24_api_url = "http://127.0.0.1:8099/api/"
        form.ar24_token = "new-token"
        form.ar24_private_key = "new-key"
        form.ar24_default_send_type = "ae"
        form.ar24_print_color = True
        form.ar24_print_duplex = False
        form.save().execute()
        self.assertRecordValues(
            self.company,
            [
                {
                    "ar24_environment": "custom",
                    "ar24_api_url": "http://127.0.0.1:8099/api/",
                    "ar24_token": "new-token",
                    "ar24_private_key": "new-key",
                    "ar24_default_send_type": "ae",
                    "ar24_print_color": True,
                    "ar24_print_duplex": False,
                }
            ],
        )

    def test_custom_url_must_be_http(self):
        with self.assertRaisesRegex(UserError, "Syndic Crypto.*http://"):
            self.company.ar24_api_url = "ftp://emulator"

    def test_test_connection_success_and_clear_failures(self):
        action = self.company.action_ar24_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Custom URL", action["params"]["message"])
        self.assertEqual(len(self.controls.calls("list_users")), 1)

        self.company.ar24_private_key = "wrong key"
        with self.assertRaisesRegex(UserError, "private key.*invalid_signature"):
            self.company.action_ar24_test_connection()
        self.company.ar24_token = "wrong token"
        with self.assertRaisesRegex(UserError, "API token.*token_invalid"):
            self.company.action_ar24_test_connection()
        self.company.ar24_token = False
        with self.assertRaisesRegex(UserError, "AR24 is not configured for Syndic Crypto"):
            self.company.action_ar24_test_connection()

    def test_unreachable_ar24_is_a_clear_error(self):
        self.company.ar24_api_url = "http://127.0.0.1:9/api/"
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.max_retries", 0)
        with self.assertRaisesRegex(UserError, "AR24 could not be reached"):
            self.company.action_ar24_test_connection()

    @users("ar24_manager")
    def test_credentials_hidden_below_system_admin(self):
        company = self.env.company
        self.assertEqual(company.ar24_environment, "custom")
        for secret in ("ar24_token", "ar24_private_key"):
            with self.assertRaises(AccessError):
                company.read([secret])
        # ... yet the manager's calls to AR24 work: the client reads them as superuser
        self.assertEqual(company._ar24_client().token, "odoo-test-token")

    def test_neutralize_switches_to_sandbox_and_blanks_keys(self):
        # the very queries "odoo neutralize" runs for this module
        queries = list(get_neutralization_queries(["ar24_lre"]))
        self.assertEqual(len(queries), 1, "data/neutralize.sql must exist")
        self.env.cr.execute(queries[0])
        self.env.invalidate_all()
        self.assertRecordValues(
            self.company,
            [{"ar24_environment": "sandbox", "ar24_api_url": False, "ar24_token": False, "ar24_private_key": False}],
        )
        with self.assertRaisesRegex(UserError, "not configured"):
            self.company._ar24_client()
