"""The whole sending flow clicked in a real browser (headless Chromium) against the AR24 emulator, in French.

The tours are in static/tests/tours/ar24_send_tour.js. The emulator acts between them: the test
reads the sender's current OTP code (as his authenticator app would show it) and hands it to the
second tour, then makes the recipient accept the letter before the third.
"""

import base64
import json
import os
import unittest
from contextlib import nullcontext
from unittest.mock import patch

import pyotp

from odoo import Command
from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser, _find_executable

from .common import AR24HttpCase

SCREENSHOT = "ar24_lre screenshot: "
FR = "fr_FR"


def _chrome_or_fail(case):
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


def _screenshots_to(directory):
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


@tagged("post_install", "-at_install")
class TestTour(AR24HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "ar24_is_coownership": True,
                "ar24_webhook_base_url": "http://127.0.0.1:9",
                # the co-ownership sends the qualified LRE (OTP) to those who consented
                "ar24_default_send_type": "lre_eidas",
            }
        )
        # a French property manager, who maintains the co-owners' files (e-mail corrections included)
        cls.env["res.lang"]._activate_lang(FR)
        cls.env["ir.module.module"].search([("state", "=", "installed")])._update_translations(FR)
        cls.ar24_user.sudo().write(
            {"lang": FR, "group_ids": [Command.link(cls.env.ref("base.group_partner_manager").id)]}
        )
        address = {
            "street": "32 rue du Septentrion",
            "zip": "83700",
            "city": "Saint-Raphaël",
            "country_id": cls.env.ref("base.fr").id,
        }
        Partner = cls.env["res.partner"]
        cls.denise = Partner.create(dict(address, name="Denise Aloxe", email="denise@example.org"))
        # no LRE consent: a paper registered letter
        cls.alfred = Partner.create(dict(address, name="Alfred Brouilly", email="alfred@example.org"))
        # a typo in the e-mail (his consent was given for the right address) and no street: nothing can
        # carry his letter until the e-mail is fixed
        cls.pierre = Partner.create(
            dict(address, name="Pierre Proprietaire", email="pierre@@example.org", street=False)
        )
        # a professional co-owner without consent: the qualified LRE needs none
        cls.sci = Partner.create(
            dict(address, name="SCI du Port", email="gerance@sci-du-port.example", is_company=True)
        )
        # she consented, but prefers paper
        cls.marie = Partner.create(
            dict(address, name="Marie Rolin", email="marie@example.org", ar24_dispatch_mode="lr_paper")
        )
        for partner, email in (
            (cls.denise, "denise@example.org"),
            (cls.pierre, "pierre@example.org"),
            (cls.marie, "marie@example.org"),
        ):
            partner.write({"ar24_consent": True, "ar24_consent_state": "accepted", "ar24_consent_email": email})
        cls.co_owners = cls.denise | cls.alfred | cls.pierre | cls.sci | cls.marie

    def setUp(self):
        super().setUp()
        self.sender = self.link_sender(self.ar24_user)
        self.ar24_user.sudo().ar24_identity_verified = True
        self.link_payment(self.ar24_user)

    def _tour(self, url, name, **storage):
        """Start tour ``name`` with ``storage`` put in the page's sessionStorage first."""
        if os.environ.get("AR24_TOUR_SCREENSHOTS"):
            storage["ar24_lre_tour_screenshots"] = "1"
        options = {"stepDelay": 0, "keepWatchBrowser": False, "debug": False, "startUrl": url}
        code = "".join(
            "sessionStorage.setItem(%s, %s); " % (json.dumps(key), json.dumps(value)) for key, value in storage.items()
        )
        code += "odoo.startTour(%s, %s);" % (json.dumps(name), json.dumps(options))
        self.start_tour(url, name, login="ar24_user", timeout=180, code=code)

    def _letters(self):
        return self.env["ar24.letter"].search([("partner_id", "in", self.co_owners.ids)])

    def test_send_validate_with_otp_and_receive(self):
        _chrome_or_fail(self)
        # AR24_TOUR_SCREENSHOTS=static/description/screenshots: also refresh the README's screenshots
        directory = os.environ.get("AR24_TOUR_SCREENSHOTS")
        if directory:
            directory = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), directory)
        with _screenshots_to(directory) if directory else nullcontext():
            self._run_tours()

    def _run_tours(self):
        # 1. co-owners › Envoyer en AR › each his channel › fix Pierre's e-mail › Recalculer › Valider
        self._tour("/odoo/action-base.action_partner_form", "ar24_lre_send_tour")
        letters = self._letters()
        self.assertEqual(len(letters), 5, "one letter per co-owner, created when the batch was sent")
        by_partner = {letter.partner_id: letter for letter in letters}
        lre = self.denise | self.pierre | self.sci
        for partner in lre:
            self.assertRecordValues(by_partner[partner], [{"send_type": "lre_eidas", "state": "to_valid"}])
        for partner in self.alfred | self.marie:
            letter = by_partner[partner]
            self.assertRecordValues(letter, [{"send_type": "lr_paper", "state": "waiting"}])
        self.assertEqual(self.pierre.email, "pierre@example.org")
        paper = self.controls.calls("send_mail")
        self.assertEqual(sorted(call["params"]["type"] for call in paper), ["lr_paper", "lr_paper"])

        # 2. En attente de validation OTP › Valider avec le code OTP › the code the authenticator shows now
        code = pyotp.TOTP(self.sender["totp_secret"]).now()  # accepted by AR24 for 30 to 60 s
        self._tour("/odoo", "ar24_lre_otp_tour", ar24_lre_tour_otp=code)
        letters.invalidate_recordset()
        lre_letters = letters.filtered(lambda letter: letter.partner_id in lre)
        self.assertEqual(set(lre_letters.mapped("state")), {"waiting"}, lre_letters.mapped("error_message"))
        self.assertTrue(all(letters.mapped("ar24_id")))
        self.assertEqual(len(self.controls.calls("send_mail")), 5)

        # 3. Denise opens her letter; Actualiser depuis AR24 › Reçu (AR) with its proof
        denise_letter = by_partner[self.denise]
        self.controls.recipient(denise_letter.ar24_id, "accept")
        self._tour("/odoo", "ar24_lre_refresh_tour")
        denise_letter.invalidate_recordset()
        self.assertEqual(denise_letter.state, "ar")
        self.assertTrue(denise_letter.date_ar)
        self.assertIn("accusé de réception", " ".join(denise_letter.proof_attachment_ids.mapped("name")))
