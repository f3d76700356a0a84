"""Shared set-up of the module's Odoo tests: a real AR24 emulator on loopback, users per group."""

import contextlib
import logging

import pyotp

from odoo.tests import HttpCase, TransactionCase, new_test_user

from ..ar24.emulator import EmulatorApp
from ..ar24.emulator.controls import EmulatorControls

TOKEN = "odoo-test-token"
PRIVATE_KEY = "odoo-test-private-key"


@contextlib.contextmanager
def every_logger_at_debug():
    """Loggers given a level by the test runner's configuration (``odoo``, ``urllib3``...) let
    their DEBUG records through for a while, so that a capture on the root logger sees them."""
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    levels = {logger: logger.level for logger in loggers if logger.level > logging.DEBUG}
    try:
        for logger in levels:
            logger.setLevel(logging.DEBUG)
        yield
    finally:
        for logger, level in levels.items():
            logger.setLevel(level)


class AR24Mixin:
    """Each test class gets its own emulator (reset before every test) and company settings.

    The emulator answers as the live AR24 does (ids, flags and prices as strings) unless a class
    sets ``AR24_ID_PROFILE = "int"``. The letters' PDFs are rendered for real, by wkhtmltopdf,
    through the module's production path: AR24 (and the emulator) refuse an upload named PDF
    that is not one, and Odoo's test mode would otherwise render HTML.
    """

    AR24_ID_PROFILE = "string"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = EmulatorApp(
            port=0,
            token=TOKEN,
            private_key=PRIVATE_KEY,
            state=cls._emulator_state(),
            webhook_retry_seconds=0.1,
            ids=cls.AR24_ID_PROFILE,
        ).start()
        cls.addClassCleanup(cls.emulator.stop)
        cls.controls = EmulatorControls(cls.emulator.base_url)
        cls.company = cls.env.company
        cls.company.write(
            {
                "name": "Syndic Crypto",
                "street": "32 rue du Septentrion",
                "zip": "83700",
                "city": "Saint-Raphaël",
                "country_id": cls.env.ref("base.fr").id,
                "company_registry": "123 456 789 00012",
                "phone": "04 94 12 34 56",
                "ar24_environment": "custom",
                "ar24_api_url": cls.emulator.api_url,
                "ar24_token": TOKEN,
                "ar24_private_key": PRIVATE_KEY,
            }
        )
        cls.ar24_manager = new_test_user(
            cls.env,
            login="ar24_manager",
            name="Jeff Lechef",
            email="jeff@syndic.example.com",
            groups="base.group_user,ar24_lre.group_ar24_manager",
        )
        cls.ar24_user = new_test_user(
            cls.env,
            login="ar24_user",
            name="Alain Joly",
            email="alain@syndic.example.com",
            groups="base.group_user,ar24_lre.group_ar24_user",
        )
        cls.employee = new_test_user(cls.env, login="employee", name="Emma Ployee", groups="base.group_user")
        cls._render_letters_for_real()

    @classmethod
    def _render_letters_for_real(cls):
        """Letters sent by these tests carry real PDFs made by the module's own rendering,
        wkhtmltopdf included, as in production (Odoo's test mode would render HTML: the module
        does not use it)."""
        # the report's style sheets come from this Odoo server, which the test's open transaction
        # would block: nothing listens there, the letter is rendered without them
        cls.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")

    @classmethod
    def _emulator_state(cls):
        """Where the emulator keeps its state: memory, or a file to survive a restart."""
        return ":memory:"

    def setUp(self):
        super().setUp()
        self.controls.reset()

    def link_sender(self, user, **options):
        """Make ``user`` an identified AR24 sender linked to this database; returns the emulator's info."""
        info = self.controls.sender(user.email, *user.name.split(" ", 1), **options)
        user.sudo().write({"ar24_email": user.email, "ar24_user_id": info["id_user"], "ar24_link_state": "linked"})
        # the payment methods a test made with this account's slugs are his (as "Import from AR24" makes them)
        methods = self.env["ar24.payment.method"].sudo().with_context(active_test=False)
        methods.search([("slug", "in", info["payment_methods"]), ("user_id", "=", False)]).user_id = user
        info["otp"] = lambda: pyotp.TOTP(info["totp_secret"]).now()
        return info

    def link_payment(self, user, company=None):
        """``user`` imports his AR24 payment methods and charges ``company``'s letters to his first one."""
        self.env["ar24.payment.method"].with_user(user).action_sync()
        method = self.env["ar24.payment.method"].search([("user_id", "=", user.id)], order="slug", limit=1)
        self.env["ar24.sender.payment"].with_user(user).create(
            {"company_id": (company or self.env.company).id, "payment_method_id": method.id}
        )
        return method


class AR24Case(AR24Mixin, TransactionCase):
    pass


class AR24HttpCase(AR24Mixin, HttpCase):
    pass
