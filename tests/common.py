"""Shared set-up of the module's Odoo tests: a real AR24 emulator on loopback, users per group."""

import base64
import contextlib
import json
import logging
import os
import subprocess
import tempfile
import unittest
from unittest.mock import patch

import pyotp

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user
from odoo.tests.common import ChromeBrowser, _find_executable
from odoo.tools import convert_file
from odoo.tools.translate import TranslationImporter

from odoo.addons.base.models import ir_actions_report as odoo_report

from ..ar24.client import AR24Client
from ..ar24.emulator import EmulatorApp
from ..ar24.emulator.controls import EmulatorControls
from ..ar24.pdf import make_pdf

MODULE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FR = "fr_FR"
SCREENSHOT = "ar24_lre screenshot: "
TOKEN = "odoo-test-token"
PRIVATE_KEY = "odoo-test-private-key"
# The tests' co-owners live in the building of the office's co-ownership (a paper letter needs the address)
ADDRESS = {"street": "32 rue du Septentrion", "zip": "83700", "city": "Saint-Raphaël"}
LETTER_USERS = "base.group_user,ar24_lre.group_ar24_user"
LETTER_MANAGERS = "base.group_user,ar24_lre.group_ar24_manager"


def co_owner(env, name, email=False, **values):
    """A contact who lives in the co-ownership's building, in France."""
    return env["res.partner"].create(dict(ADDRESS, country_id=env.ref("base.fr").id, name=name, email=email, **values))


def consented(email):
    """A contact's values once he accepted this entity's LRE at ``email``."""
    return {"ar24_consent": True, "ar24_consent_state": "accepted", "ar24_consent_email": email}


def letter_user(env, login, name, email, groups=LETTER_USERS, **values):
    """A user of the registered letters (``groups``: LETTER_MANAGERS for a manager)."""
    return new_test_user(env, login=login, name=name, email=email, groups=groups, **values)


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


def chrome_or_fail(case):
    """Odoo skips browser tests silently when Chrome is missing; ``make test`` must not."""
    try:
        return _find_executable()
    except unittest.SkipTest:
        if not os.environ.get("AR24_REQUIRE_BROWSER"):
            raise
    case.fail(
        "No Chrome/Chromium executable found (google-chrome, chromium, chromium-browser): the browser tour of "
        "ar24_lre cannot run. Install one (Debian: apt-get install chromium) or unset AR24_REQUIRE_BROWSER "
        "(set by make test) to let Odoo skip the tour."
    )


def screenshots_to(directory):
    """While active, the tours' screenshot steps save the page as ``directory``/<name>.png.

    The tour logs ``ar24_lre screenshot: <name>`` and waits; the page is captured through the
    DevTools protocol, then ``body[data-ar24-shot=<name>]`` lets the tour go on.
    """
    original = ChromeBrowser._handle_console

    def handle_console(browser, type, args=None, stackTrace=None, **kw):  # pylint: disable=redefined-builtin
        message = str(browser._from_remoteobject(args[0])) if args else ""
        if type == "log" and message.startswith(SCREENSHOT):
            name = message[len(SCREENSHOT) :].strip()

            def save(future):
                try:
                    data = future.result(timeout=0)["data"]
                    with open(os.path.join(directory, "%s.png" % name), "wb") as file:
                        file.write(base64.b64decode(data))
                finally:
                    browser._websocket_send(
                        "Runtime.evaluate",
                        params={"expression": "document.body.dataset.ar24Shot = %s" % json.dumps(name)},
                    )

            browser._websocket_send("Page.captureScreenshot", with_future=True).add_done_callback(save)
        return original(browser, type, args=args, stackTrace=stackTrace, **kw)

    os.makedirs(directory, exist_ok=True)
    return patch.object(ChromeBrowser, "_handle_console", handle_console)


def load_french(env):
    """French for a French property manager: the language, and the module's terms exactly as
    ``i18n/fr.po`` writes them (see ``_load_french_as_written``)."""
    env["res.lang"]._activate_lang(FR)
    env["ir.module.module"]._load_module_terms(["ar24_lre"], [FR], overwrite=True)
    _load_french_as_written(env)


def _load_french_as_written(env):
    """The module's French exactly as ``i18n/fr.po`` writes it.

    Odoo reads a .po file merged with the template (.pot) next to it and ignores the entries the
    template does not have yet: those of strings added since the template was last exported (it is
    exported again when the strings settle). The tours read the screens with all of them.
    """
    path = os.path.join(MODULE, "i18n", "fr.po")
    with open(path, "rb") as source, tempfile.NamedTemporaryFile(suffix=".fr") as copy:
        copy.write(source.read())
        copy.flush()
        copy.seek(0)
        importer = TranslationImporter(env.cr, verbose=False)
        importer.load(copy, "po", FR)
        importer.save(overwrite=True)
    env.invalidate_all()


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
            dict(
                ADDRESS,
                name="Syndic Crypto",
                country_id=cls.env.ref("base.fr").id,
                company_registry="123 456 782 00010",
                phone="04 94 12 34 56",
                **cls._emulator_settings(),
            )
        )
        cls.ar24_manager = letter_user(
            cls.env, "ar24_manager", "Jeff Lechef", "jeff@syndic.example.com", groups=LETTER_MANAGERS
        )
        cls.ar24_user = letter_user(cls.env, "ar24_user", "Alain Joly", "alain@syndic.example.com")
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
    def _emulator_settings(cls):
        """An entity's AR24 settings that reach this class's emulator."""
        return {
            "ar24_environment": "custom",
            "ar24_api_url": cls.emulator.api_url,
            "ar24_token": TOKEN,
            "ar24_private_key": PRIVATE_KEY,
        }

    @classmethod
    def _coownership(cls, method="Copro A", **values):
        """This entity as a co-ownership (``values`` added) whose webhooks reach nobody (the tests read
        AR24 themselves). Its letters are charged to its own payment method named ``method`` (returned),
        unless ``method`` is None."""
        cls.company.write(dict({"ar24_is_coownership": True, "ar24_webhook_base_url": "http://127.0.0.1:9"}, **values))
        if method is None:
            return None
        cls.company.ar24_payment_method_id = cls.env["ar24.payment.method"].create(
            {"name": method, "slug": "stripe-47146"}
        )
        return cls.company.ar24_payment_method_id

    def lost_answer(self, partner, **values):
        """An avis électronique of ``ar24_user`` to ``partner`` that AR24 took but whose answer was lost:
        Odoo does not know its number (``unknown_outcome``), the reconciliation will."""
        letter = self.env["ar24.letter"].create(
            dict(
                {
                    "partner_id": partner.id,
                    "subject": "Convocation AG",
                    "body": "<p>AG du 4 avril</p>",
                    "send_type": "ae",
                    "user_id": self.ar24_user.id,
                },
                **values,
            )
        )
        self.controls.faults(script=[{"route": "send_mail", "kind": "drop_after"}])
        letter._ar24_send()
        self.assertRecordValues(letter, [{"state": "error", "error_code": "unknown_outcome", "ar24_id": 0}])
        return letter

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

    def link_identified_sender(self, user, **options):
        """``link_sender``, and AR24 has verified the user's identity: he may send the qualified LRE."""
        info = self.link_sender(user, **options)
        user.sudo().ar24_identity_verified = True
        return info

    def outside(self):
        """The letters deposited at AR24 outside Odoo that the status job brought in."""
        return self.env["ar24.letter"].search([("deposited_outside", "=", True)], order="ar24_id")

    def assertReconciledNotImported(self, letter):
        """The status job lists the letters AR24 holds: ``letter``, whose answer was lost, carries Odoo's
        own file and is left to the reconciliation, which gives it its AR24 number (one letter with it)."""
        self.env["ar24.letter.sync"]._cron_sync_status()
        self.assertFalse(self.outside(), "a letter carrying Odoo's own file is Odoo's: left to the reconciliation")
        self.env["ar24.letter.send"]._cron_reconcile()
        self.assertTrue(letter.ar24_id)
        self.assertEqual(self.env["ar24.letter"].search_count([("ar24_id", "=", letter.ar24_id)]), 1)

    def deposit_at_ar24(self, id_user, product, email, content, firstname="Denise", lastname="Aloxe", **params):
        """A letter the sender ``id_user`` deposits at AR24 with another tool (AR24's web app, another
        software), as AR24 answers it: Odoo knows nothing of it until the status job lists it."""
        client = AR24Client(self.emulator.api_url, TOKEN, PRIVATE_KEY)
        return client.send_mail(
            id_user, product, to_email=email, to_firstname=firstname, to_lastname=lastname, content=content, **params
        )

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
        cls.colleague = letter_user(cls.env, "ar24_colleague", "Paul Rival", "paul@syndic.example.com")
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

    def letters_wizard(self, user, letters, **values):
        """``user``'s send wizard on ``letters``, as the letters list's Send opens it."""
        return (
            self.env["ar24.send.wizard"]
            .with_user(user)
            .with_context(active_model="ar24.letter", active_ids=letters.ids)
            .create(dict({"send_type": "ae"}, **values))
        )

    def documents_wizard(self, user, records, **values):
        """``user``'s send wizard on ``records`` (any model), created as a script would by RPC."""
        values = dict({"res_model": records._name, "res_ids": records.ids, "send_type": "ae"}, **values)
        return self.env["ar24.send.wizard"].with_user(user).create(values)

    def configured_entity(self, name):
        """Another entity (co-ownership) of the office, configured for AR24 like the first one."""
        entity = self.env["res.company"].create({"name": name})
        entity.write(
            {
                "ar24_environment": "custom",
                "ar24_api_url": self.emulator.api_url,
                "ar24_token": TOKEN,
                "ar24_private_key": PRIVATE_KEY,
                "ar24_is_coownership": True,
                "ar24_ae_consent_required": False,
            }
        )
        return entity

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

    def _consent_with_proof(self):
        """Denise consented to this entity at AR24: her consent, AR24's proof of it (filed as the
        synchronisation does) and the consent's log."""
        self.denise.with_user(self.ar24_user).write({"ar24_consent": True})
        consent = self.denise.sudo().ar24_consent_id
        self.assertEqual(consent.state, "accepted")
        proof = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": "LRE consent proof denise@example.org.pdf",
                    "raw": make_pdf(["AR24 proof of consent"]),
                    "mimetype": "application/pdf",
                    "res_model": "ar24.consent",
                    "res_id": consent.id,
                    "description": "Proof of LRE consent issued by AR24",
                }
            )
        )
        log = consent.sudo().message_ids.filtered(lambda m: m.message_type != "comment")
        self.assertTrue(log)
        return consent, proof, log

    def _unreadable_method(self, company, reader, **values):
        """A payment method of ``company`` (another office) that ``reader`` cannot read."""
        method = self.env["ar24.payment.method"].create(dict({"name": "Copro B", "slug": "stripe-2"}, **values))
        company.ar24_payment_method_id = method
        with self.assertRaises(AccessError):
            method.with_user(reader).read(["slug"])
        return method

    def _other_office_manager(self):
        """A registered-letter manager of another company of the same database."""
        other_company = self.env["res.company"].create({"name": "Cabinet Concurrent"})
        return new_test_user(
            self.env,
            login="outsider",
            groups=LETTER_MANAGERS,
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


def _run_wkhtmltopdf(args):
    """Odoo's ``_run_wkhtmltopdf`` as it runs outside tests (see ``AR24TourCase.browser``)."""
    return subprocess.run([odoo_report._wkhtml().bin, *args], capture_output=True, encoding="utf-8", check=False)


class AR24TourCase(AR24HttpCase):
    """The browser tours of static/tests/tours/, clicked by ``ar24_user`` in headless Chromium."""

    @contextlib.contextmanager
    def browser(self):
        """Chromium must be there (see ``chrome_or_fail``); with AR24_TOUR_SCREENSHOTS (a folder of the
        module, such as static/description/screenshots), the tours' screenshots are saved there."""
        chrome_or_fail(self)
        directory = os.environ.get("AR24_TOUR_SCREENSHOTS")
        with contextlib.ExitStack() as stack:
            # Odoo's HttpCase lets wkhtmltopdf alone reach the server while Odoo renders a report in a
            # request (a document's report in the send wizard): the web client's own requests meanwhile
            # (discuss polling) are refused and the tour fails at random. Here wkhtmltopdf fetches
            # nothing from the server (report.url: see _render_letters_for_real), so the browser's
            # requests simply wait for the rendering, as in production.
            stack.enter_context(patch.object(odoo_report, "_run_wkhtmltopdf", _run_wkhtmltopdf))
            if directory:
                stack.enter_context(screenshots_to(os.path.join(MODULE, directory)))
            yield

    def run_tour(self, url, name, timeout=180, **storage):
        """Start tour ``name`` at ``url`` with ``storage`` put in the page's sessionStorage first (and the
        screenshots asked for, when AR24_TOUR_SCREENSHOTS is set)."""
        if os.environ.get("AR24_TOUR_SCREENSHOTS"):
            storage["ar24_lre_tour_screenshots"] = "1"
        options = {"stepDelay": 0, "keepWatchBrowser": False, "debug": False, "startUrl": url}
        code = "".join(
            "sessionStorage.setItem(%s, %s); " % (json.dumps(key), json.dumps(value)) for key, value in storage.items()
        )
        code += "odoo.startTour(%s, %s);" % (json.dumps(name), json.dumps(options))
        self.start_tour(url, name, login="ar24_user", timeout=timeout, code=code)
