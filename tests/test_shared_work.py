import threading
import time
from contextlib import closing, contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.sql_db import db_connect
from odoo.tests import tagged

from ..ar24.client import AR24Client
from ..models.ar24_letter_send import CLAIM_KEY
from .common import AR24Case, consented


@tagged("post_install", "-at_install")
class TestSharedWork(AR24Case):
    """Several Odoo processes on one database: a letter another one works on is left to it, and the
    status sync applies AR24's list a page at a time, its proofs downloaded a few at a time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._coownership()
        cls.partners = cls.env["res.partner"].create(
            [
                dict(consented("owner%d@example.org" % n), name="Owner %d" % n, email="owner%d@example.org" % n)
                for n in range(6)
            ]
        )

    def setUp(self):
        super().setUp()
        self.link_identified_sender(self.ar24_user)

    def _letters(self, count, **values):
        vals = dict(
            {"subject": "Convocation AG", "send_type": "ae", "body": "<p>AG du 4 avril</p>"},
            user_id=self.ar24_user.id,
            **values,
        )
        return self.env["ar24.letter"].create([dict(vals, partner_id=p.id) for p in self.partners[:count]])

    @contextmanager
    def _held_elsewhere(self, letters):
        """Another Odoo process (its own database connection) claims these letters meanwhile."""
        with closing(db_connect(self.env.cr.dbname).cursor()) as other:
            for letter in letters:
                other.execute("SELECT pg_advisory_lock(%s, %s)", (CLAIM_KEY, letter.id))
            try:
                yield
            finally:
                other.execute("SELECT pg_advisory_unlock_all()")
                other.rollback()

    def test_the_queue_leaves_a_letter_another_process_works_on(self):
        letters = self._letters(3, send_queued=True)
        with self._held_elsewhere(letters[1]):
            self.env["ar24.letter.send"]._cron_send_queue()
            self.assertEqual([bool(x) for x in letters.mapped("ar24_id")], [True, False, True])
            self.assertTrue(letters[1].send_queued)  # still in the queue: its holder sends it
            self.assertEqual(len(self.controls.calls("send_mail")), 2)
        self.env["ar24.letter.send"]._cron_send_queue()  # its holder went away without sending it
        self.assertEqual(set(letters.mapped("state")), {"waiting"})
        self.assertEqual(len(set(letters.mapped("ar24_id"))), 3)
        self.assertEqual(len(self.controls.calls("send_mail")), 3)  # each letter once

    def test_a_batch_shared_by_two_processes_is_told_once_with_all_its_letters(self):
        """Two queue jobs share a sender's batch: the one that ends first tells nothing while the
        other still holds some of his letters; he is told once, of all of them, when none is left."""
        letters = self._letters(3, send_queued=True, send_report_pending=True)
        reports = []
        original = type(self.ar24_user)._bus_send

        def capture(user, kind, payload, **kwargs):
            if kind == "simple_notification":
                reports.append((user, payload["message"]))
            return original(user, kind, payload, **kwargs)

        with patch.object(type(self.ar24_user), "_bus_send", capture):
            with self._held_elsewhere(letters[1]):
                self.env["ar24.letter.send"]._cron_send_queue()
                self.assertEqual(reports, [], "told while another process still sends one of his letters")
            self.env["ar24.letter.send"]._cron_send_queue()
            self.env["ar24.letter.send"]._cron_send_queue()  # nothing left: nobody is told again
        self.assertEqual(reports, [(self.ar24_user, "3 of 3 letters handed to AR24.")])
        self.assertFalse(any(letters.mapped("send_report_pending")))

    def test_a_queued_letter_ar24_may_hold_waits_while_its_listing_cannot_be_read(self):
        """A server died while the letter was at AR24 (its send started, no answer kept): the queue
        looks it up in AR24's list first. While that list cannot be read, the letter stays queued
        and is not sent again; once it can, it is found missing and sent, once."""
        letter, older = self._letters(2, send_queued=True, send_report_pending=True)
        letter.write({"send_started_at": fields.Datetime.now() - timedelta(minutes=5)})
        # an hour later it leaves the queue in error: its sender is told, the reconciliation looks it up
        older.write({"send_started_at": fields.Datetime.now() - timedelta(hours=2)})
        self.controls.faults(script=[{"route": "list_mails", "kind": "http_500"}] * 4)  # the retries too
        self.env["ar24.letter.send"]._cron_send_queue()
        self.assertFalse(self.controls.calls("send_mail"), "sent blindly while AR24 may hold it")
        self.assertRecordValues(letter, [{"send_queued": True, "ar24_id": 0}])
        self.assertRecordValues(older, [{"send_queued": False, "state": "error", "error_code": "unknown_outcome"}])
        self.assertIn("AR24 may hold it already", older.error_message)
        self.env["ar24.letter.send"]._cron_send_queue()
        self.assertEqual(len(self.controls.calls("send_mail")), 1)
        self.assertRecordValues(letter, [{"send_queued": False, "state": "waiting"}])
        self.assertTrue(older.send_started_at, "still looked up by the reconciliation, never sent blindly")

    def test_a_queued_letter_ar24_holds_is_adopted_even_if_it_would_fail_its_checks_now(self):
        """A server died after AR24 accepted the letter, before it kept the answer; the recipient's
        consent was withdrawn since. The queue looks the letter up first: it is adopted as sent,
        never told "Not sent" (it is at AR24, and its sender must know it)."""
        letter = self._letters(1, send_queued=True, send_report_pending=True)
        self.controls.faults(script=[{"route": "send_mail", "kind": "drop_after"}])
        letter._ar24_send()  # AR24 keeps it, the answer is lost
        self.assertRecordValues(letter, [{"ar24_id": 0, "error_code": "unknown_outcome"}])
        self.assertTrue(letter.send_started_at)
        # as a crash leaves it: still queued, its send started
        letter.write({"state": "draft", "error_code": False, "error_message": False, "send_queued": True})
        letter.partner_id.write({"ar24_consent": False, "ar24_consent_state": "refused"})
        self.env["ar24.letter.send"]._cron_send_queue()
        self.assertEqual(len(self.controls.calls("send_mail")), 1, "sent once, before the crash")
        self.assertRecordValues(letter, [{"send_queued": False, "error_code": False, "error_message": False}])
        self.assertIn(letter.state, ("sent", "waiting"))
        self.assertTrue(letter.ar24_id)
        self.assertIn("Found at AR24 after an interrupted send", letter.message_ids.mapped("preview")[0])

    def test_a_letter_waiting_for_ar24s_list_is_no_work_done_nor_left(self):
        """A queued letter AR24 may hold waits while AR24's list cannot be read: the job tells the
        scheduler neither that it processed it nor that work is left, else the scheduler runs the
        job again at once, and again, asking AR24 while it fails."""
        letter = self._letters(1, send_queued=True, send_report_pending=True)
        letter.write({"send_started_at": fields.Datetime.now() - timedelta(minutes=5)})
        self.controls.faults(script=[{"route": "list_mails", "kind": "http_500"}] * 4)  # the retries too
        engine = type(self.env["ar24.letter.send"])
        with (
            patch.object(engine, "_can_commit", lambda self: True),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", autospec=True, return_value=60.0) as times,
        ):
            self.env["ar24.letter.send"]._cron_send_queue()
        self.assertTrue(letter.send_queued)
        self.assertEqual(times.call_args_list, [], "told the scheduler of work done or left")
        # a letter sent meanwhile is work done; the waiting one is not work left
        extra = self._letters(2, send_queued=True)
        extra[0].send_queued = False  # the first owner's letter is the waiting one
        other = extra[1]
        self.controls.faults(script=[{"route": "list_mails", "kind": "http_500"}] * 4)
        with (
            patch.object(engine, "_can_commit", lambda self: True),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", autospec=True, return_value=60.0) as times,
        ):
            self.env["ar24.letter.send"]._cron_send_queue()
        self.assertTrue(other.ar24_id)
        self.assertEqual([(c.args[1], c.kwargs["remaining"]) for c in times.call_args_list], [(1, 0)])

    def test_a_letter_ar24_may_hold_of_an_entity_without_ar24_settings_does_not_stop_the_queue(self):
        """Its entity's AR24 settings were emptied since: it cannot be looked up, so it waits (and
        leaves the queue in error after an hour); the letters queued after it still leave."""
        other_company = self.env["res.company"].create({"name": "Syndic sans AR24"})
        self.ar24_user.company_ids |= other_company
        first = self._letters(1, send_queued=True, company_id=other_company.id)
        first.write({"send_started_at": fields.Datetime.now() - timedelta(minutes=5)})
        twins = self._letters(2, send_queued=True)
        twins[0].send_queued = False  # the first owner has his letter above
        second = twins[1]
        self.env["ar24.letter.send"]._cron_send_queue()
        self.assertRecordValues(first, [{"send_queued": True, "ar24_id": 0}])
        self.assertTrue(second.ar24_id, "the queue stopped at a letter it could not look up")
        self.assertEqual(len(self.controls.calls("send_mail")), 1)

    def test_a_direct_send_never_sends_blindly_a_letter_ar24_may_hold(self):
        """The send engine called directly (an OTP validation, a module) on a letter whose send started
        before a crash: while AR24's list cannot be read, it is not sent again."""
        letter = self._letters(1)
        letter.write({"send_started_at": fields.Datetime.now() - timedelta(minutes=5)})
        self.controls.faults(script=[{"route": "list_mails", "kind": "http_500"}] * 4)  # the retries too
        letter._ar24_send()
        self.assertFalse(self.controls.calls("send_mail"), "sent blindly while AR24 may hold it")
        self.assertRecordValues(letter, [{"ar24_id": 0}])
        self.assertTrue(letter.send_started_at)

    def test_a_direct_send_leaves_a_letter_another_process_works_on(self):
        letters = self._letters(2)
        with self._held_elsewhere(letters[0]):
            letters._ar24_send()
        self.assertEqual([bool(x) for x in letters.mapped("ar24_id")], [False, True])
        self.assertEqual(letters[0].state, "draft")
        self.assertEqual(len(self.controls.calls("send_mail")), 1)

    def test_the_status_sync_applies_a_page_and_downloads_proofs_a_few_at_a_time(self):
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.concurrency", 2)
        letters = self._letters(6)
        letters._ar24_send()
        self.assertEqual(set(letters.mapped("state")), {"waiting"})
        for letter in letters[:5]:
            self.controls.recipient(letter.ar24_id, "accept")  # sent, then opened: two proofs each
        flight = {"now": 0, "most": 0}
        lock = threading.Lock()
        original = AR24Client.download

        def download(client, url, *args, **kwargs):
            with lock:
                flight["now"] += 1
                flight["most"] = max(flight["most"], flight["now"])
            try:
                time.sleep(0.05)
                return original(client, url, *args, **kwargs)
            finally:
                with lock:
                    flight["now"] -= 1

        notes_before = {letter: len(letter.message_ids) for letter in letters}
        with patch.object(AR24Client, "download", download), self._held_elsewhere(letters[4]):
            self.assertEqual(letters._ar24_sync_status(), 5)  # four received, the last one sent
        self.assertEqual(flight["most"], 2)  # downloads overlap, never more than the concurrency
        self.assertEqual(letters.mapped("state"), ["ar"] * 4 + ["waiting", "sent"])
        for letter in letters[:4]:
            names = sorted(letter.proof_attachment_ids.mapped("name"))
            self.assertEqual(
                names,
                [
                    "%s - acknowledgement of receipt.pdf" % letter.name.replace("/", "-"),
                    "%s - proof of deposit and sending.pdf" % letter.name.replace("/", "-"),
                ],
            )
            note = letter.message_ids[0]
            self.assertEqual(len(letter.message_ids), notes_before[letter] + 1)  # one note: state and proofs
            self.assertIn("AR24: Received (AR).", note.body)
            self.assertEqual(note.attachment_ids, letter.proof_attachment_ids)
        self.assertFalse(letters[4].proof_attachment_ids)  # another process holds it: left to it
        # read again once it is free; nothing is downloaded twice
        with patch.object(AR24Client, "download", download):
            self.assertEqual(letters._ar24_sync_status(), 1)
        self.assertEqual(letters[4].state, "ar")
        self.assertEqual(len(letters.proof_attachment_ids), 11)  # two per letter received, one for the sent one
        with patch.object(AR24Client, "download", side_effect=AssertionError("downloaded twice")):
            self.assertEqual(letters._ar24_sync_status(), 0)
