import json
import logging
import os
import shutil
import tempfile
from collections import Counter

from odoo.tests import tagged

from ..ar24.emulator import EmulatorApp
from .common import PRIVATE_KEY, TOKEN, AR24Case


@tagged("post_install", "-at_install")
class TestFaults(AR24Case):
    """Nothing lost, nothing sent twice: faults, lost answers, AR24 restarting mid-batch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._coownership(method=None)
        cls.env["ir.config_parameter"].sudo().set_param("ar24_lre.max_retries", 3)
        cls.partners = cls.env["res.partner"].create(
            [
                {
                    "name": "Owner %03d" % i,
                    "email": "owner%03d@example.org" % i,
                    "ar24_recipient_status": "professionnel",
                    "ar24_consent": True,
                    "ar24_consent_state": "accepted",
                    "ar24_consent_email": "owner%03d@example.org" % i,
                }
                for i in range(200)
            ]
        )

    @classmethod
    def _emulator_state(cls):
        cls.state_dir = tempfile.mkdtemp(prefix="ar24-emulator-")
        cls.state_file = os.path.join(cls.state_dir, "state.sqlite")
        cls.addClassCleanup(shutil.rmtree, cls.state_dir, True)
        return cls.state_file

    def setUp(self):
        super().setUp()
        self.sender = self.link_sender(self.ar24_user)
        method = self.env["ar24.payment.method"].create(
            {"name": "A", "slug": self.sender["payment_methods"][0], "user_id": self.ar24_user.id}
        )
        self.company.ar24_payment_method_id = method

    def _letters(self, partners):
        return self.env["ar24.letter"].create(
            [
                {
                    "partner_id": p.id,
                    "subject": "Convocation AG",
                    "body": "<p>AG du 4 avril</p>",
                    "send_type": "ae",
                    "user_id": self.ar24_user.id,
                }
                for p in partners
            ]
        )

    def _mails_at_ar24(self, emulator=None):
        """AR24's letters of the sender, counted per letter (its own PDF, the first attachment)."""
        app = emulator or self.emulator
        rows = app.store.all("SELECT data FROM mails WHERE id_user = ?", (self.sender["id_user"],))
        return Counter(json.loads(row["data"])["attachments"][0] for row in rows)

    def _finish(self, letters, rounds=10):
        """What a user (or the jobs) would do: reconcile, then send again what failed; bounded."""
        for _ in range(rounds):
            pending = letters.filtered(lambda letter: not letter.ar24_id)
            if not pending:
                return
            self.env["ar24.letter.send"]._cron_reconcile()
            pending._ar24_send()

    def test_twenty_percent_faults_every_letter_sent_exactly_once(self):
        letters = self._letters(self.partners)
        self.controls.faults(fault_rate=0.2, fault_kinds=["http_500", "maintenance", "drop_after"], seed=7)
        self.env.invalidate_all()  # cold cache: the worker threads must not need the ORM
        with self.assertLogs("odoo.addons.ar24_lre", level=logging.INFO):
            letters._ar24_send()
        first_pass = letters.filtered("ar24_id")
        errors = letters - first_pass
        self.assertTrue(errors, "with 20 % faults some letters must fail on the first pass")
        self.assertEqual(set(errors.mapped("state")), {"error"})
        self.assertTrue(all(errors.mapped("error_message")))
        self.controls.faults(fault_rate=0.0)
        self._finish(letters)
        self.assertEqual(len(letters.filtered("ar24_id")), 200)
        self.assertEqual(len(set(letters.mapped("ar24_id"))), 200)
        at_ar24 = self._mails_at_ar24()
        self.assertEqual(len(at_ar24), 200)
        self.assertEqual(max(at_ar24.values()), 1, "a letter reached AR24 twice")
        # retries are bounded: at most 1 + max_retries attempts per idempotent call
        calls = self.controls.calls()
        self.assertLess(len(calls), 200 * 2 * 4 + 200)

    def test_ar24_restarting_mid_batch_loses_nothing(self):
        letters = self._letters(self.partners[:20])
        letters[:10]._ar24_send()
        self.assertEqual(len(letters.filtered("ar24_id")), 10)
        port = self.emulator.port
        self.emulator.stop()
        letters[10:]._ar24_send()  # AR24 is down: clear errors, nothing marked as sent
        self.assertEqual(set(letters[10:].mapped("state")), {"error"})
        self.assertIn("could not be reached", letters[10].error_message)
        app = EmulatorApp(port=port, token=TOKEN, private_key=PRIVATE_KEY, state=self.state_file).start()
        type(self).emulator = app
        type(self).addClassCleanup(app.stop)
        self._finish(letters)
        self.assertEqual(len(set(letters.mapped("ar24_id"))), 20)
        at_ar24 = self._mails_at_ar24(app)
        self.assertEqual((len(at_ar24), max(at_ar24.values())), (20, 1))
        # the first ten, sent before the restart, are still known by AR24
        self.assertEqual(letters[:10]._ar24_sync_status(), 10)  # waiting -> sent, read after the restart
        self.assertEqual(set(letters[:10].mapped("state")), {"sent"})
