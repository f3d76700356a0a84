"""Shared set-up of the module's Odoo tests: a real AR24 emulator on loopback, users per group."""

import contextlib
import logging

import pyotp

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user
from odoo.tools import convert_file

from ..ar24.emulator import EmulatorApp
from ..ar24.emulator.controls import EmulatorControls
from ..ar24.pdf import make_pdf

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


def load_mise_en_demeure_demo(env):
    """The demo's unpaid calls for funds (a model made without code, with its report) and their "Mise en
    demeure" template bound to the model's Actions menu, as ``make demo`` installs them (the test
    databases have no demo data). Loaded in superuser mode, as Odoo loads demo data."""
    convert_file(env, "ar24_lre", "data/ar24_demo_mise_en_demeure.xml", {}, mode="init", noupdate=True)


class AR24Mixin:
    """Each test class gets its own emulator (reset before every test) and company settings.

    The emulator answers as the live AR24 does (user and file ids, flags and prices as strings, a
    letter's id a number, its send_fail a boolean) unless a class sets ``AR24_ID_PROFILE`` to
    ``"string"`` or ``"int"``. The letters' PDFs are rendered for real, by wkhtmltopdf,
    through the module's production path: AR24 (and the emulator) refuse an upload named PDF
    that is not one, and Odoo's test mode would otherwise render HTML.
    """

    AR24_ID_PROFILE = "live"

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
                "company_registry": "123 456 782 00010",
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


class TrustCase(AR24Case):
    """A syndic office with a hostile colleague: Paul (``colleague``, a registered-letter user) against
    Alain (``ar24_user``, his victim) and Jeff (``ar24_manager``, their manager), each an identified
    AR24 sender. Avis électronique needs no consent here: these tests are about who acts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"ar24_is_coownership": True, "ar24_ae_consent_required": False})
        cls.company.ar24_payment_method_id = cls.env["ar24.payment.method"].create(
            {"name": "Copro A", "slug": "stripe-47146"}
        )
        cls.colleague = new_test_user(
            cls.env,
            login="ar24_colleague",
            name="Paul Rival",
            email="paul@syndic.example.com",
            groups="base.group_user,ar24_lre.group_ar24_user",
        )
        cls.denise = cls.env["res.partner"].create({"name": "Denise Aloxe", "email": "denise@example.org"})
        # a professional needs no LRE consent: the qualified LRE tests are about who acts
        cls.plumber = cls.env["res.partner"].create(
            {"name": "Plomberie Azur SARL", "email": "contact@plomberie-azur.example", "is_company": True}
        )

    def setUp(self):
        super().setUp()
        self.alain_ar24 = self.link_sender(self.ar24_user)
        self.paul_ar24 = self.link_sender(self.colleague)
        self.jeff_ar24 = self.link_sender(self.ar24_manager)
        for user in (self.colleague, self.ar24_manager):  # Alain is charged to the entity's method, his own
            self.link_payment(user)

    def _upload(self, user, name="convocation.pdf", text="Convocation AG", **values):
        """A PDF uploaded by ``user`` (the letter form's and the wizard's attachment field)."""
        return (
            self.env["ir.attachment"]
            .with_user(user)
            .create(dict({"name": name, "raw": make_pdf([text]), "mimetype": "application/pdf"}, **values))
        )

    def _draft(self, user, **values):
        """A draft with its convocation, created by ``user`` himself, as the web client would."""
        values.setdefault("attachment_ids", [(6, 0, self._upload(user).ids)])
        return (
            self.env["ar24.letter"]
            .with_user(user)
            .create(
                dict(
                    {
                        "partner_id": self.denise.id,
                        "subject": "Convocation AG",
                        "body": "<p>Assemblée générale du 4 avril</p>",
                        "send_type": "ae",
                    },
                    **values,
                )
            )
        )

    def _sent(self, user, **values):
        """A letter of ``user`` that AR24 accepted (what the wizard's send does, in superuser mode)."""
        letter = self._draft(user, **values)
        letter.sudo()._ar24_send()
        self.assertEqual(letter.state, "waiting", letter.error_message)
        return letter

    def _received(self, user, **values):
        """A letter of ``user`` that AR24 delivered, with its proofs."""
        letter = self._sent(user, **values)
        self.controls.recipient(letter.ar24_id, "accept")
        letter.with_user(user).action_ar24_refresh()
        self.assertEqual(letter.state, "ar")
        self.assertEqual(len(letter.proof_attachment_ids), 2)
        return letter

    def _other_office_manager(self):
        """A registered-letter manager of another company of the same database."""
        other_company = self.env["res.company"].create({"name": "Cabinet Concurrent"})
        return new_test_user(
            self.env,
            login="outsider",
            groups="base.group_user,ar24_lre.group_ar24_manager",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )

    @contextlib.contextmanager
    def refused(self, exception, pattern):
        """assertRaisesRegex within Odoo's savepoint (its assertRaises): a refused write leaves no trace
        in the cache for the assertions that follow."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), pattern)

    @contextlib.contextmanager
    def attempt(self):
        """The attacker's call. Refused or not, the assertions that follow say what the victim sees;
        a refusal rolls back to a savepoint and leaves nothing in the cache (as assertRaises does)."""
        with contextlib.suppress(AccessError, UserError, ValidationError), self.env.cr.savepoint():
            self.env.cr.clear()
            yield
