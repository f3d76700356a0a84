"""Letters AR24 holds waiting for, or past, an OTP validation, and the clock AR24 checks.

A sender may deposit a qualified letter on AR24's site (or with another tool) without identifying
himself: AR24 keeps it ``to_valid`` until he validates it there, or drops it (``not_valided``). LSC
lists them from AR24; so does the status job here, read-only, without ever sending them.
"""

from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from ..ar24 import crypto
from ..ar24.pdf import make_pdf
from .common import AR24Case


@tagged("post_install", "-at_install")
class TestOutsideLetters(AR24Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._coownership()
        cls.denise = cls.env["res.partner"].create({"name": "Denise Aloxe", "email": "Denise@Example.org"})

    def setUp(self):
        super().setUp()
        self.sender = self.link_identified_sender(self.ar24_user)
        self.Letter = self.env["ar24.letter"]

    def deposit_on_ar24_site(self, email, firstname="Denise", lastname="Aloxe", **params):
        """What the sender does on AR24's site: a qualified letter deposited without his code."""
        mail = self.deposit_at_ar24(
            self.sender["id_user"], "lre_eidas", email, "Mise en demeure", firstname, lastname, **params
        )
        self.assertEqual(mail["status"], "to_valid")
        return mail

    def test_letters_deposited_outside_odoo_appear_read_only_attached_to_their_sender(self):
        denise_mail = self.deposit_on_ar24_site("denise@example.org", ref_dossier="Relance charges 2026")
        stranger_mail = self.deposit_on_ar24_site("inconnu@example.org", "Paul", "Inconnu")
        self.env["ar24.letter.sync"]._cron_sync_status()
        denise_letter, stranger_letter = self.outside()
        self.assertRecordValues(
            denise_letter | stranger_letter,
            [
                {
                    "ar24_id": denise_mail["id"],
                    "state": "to_valid",
                    "ar24_status": "to_valid",
                    "user_id": self.ar24_user.id,
                    "company_id": self.company.id,
                    "partner_id": self.denise.id,  # the contact of that e-mail, whatever its case
                    "ar24_to_email": "denise@example.org",
                    "ar24_to_name": "Denise Aloxe",
                    "subject": "Relance charges 2026",
                    "send_type": "lre_eidas",
                },
                {
                    "ar24_id": stranger_mail["id"],
                    "state": "to_valid",
                    "ar24_status": "to_valid",
                    "user_id": self.ar24_user.id,
                    "company_id": self.company.id,
                    "partner_id": False,  # no contact has that e-mail
                    "ar24_to_email": "inconnu@example.org",
                    "ar24_to_name": "Paul Inconnu",
                    "subject": "Registered letter %s deposited outside Odoo" % stranger_mail["id"],
                    "send_type": "lre_eidas",
                },
            ],
        )
        self.assertEqual(denise_letter.date_deposit, _utc(denise_mail["date"]))
        self.assertIn("never sent from Odoo", denise_letter.message_ids[0].body)

        # the sender sees them among his letters awaiting validation, but validates them on AR24's site
        mine = self.Letter.with_user(self.ar24_user)
        self.assertEqual(mine.search([("state", "=", "to_valid")]), denise_letter | stranger_letter)
        wizard = Form(self.env["ar24.otp.wizard"].with_user(self.ar24_user)).save()
        self.assertFalse(wizard.letter_ids, "Odoo cannot validate a letter deposited at AR24")
        wizard = self.env["ar24.otp.wizard"].with_user(self.ar24_user).create({"letter_ids": denise_letter.ids})
        with self.assertRaisesRegex(UserError, "validate them on AR24's site"):
            wizard.otp_code = self.sender["otp"]()
        self.assertFalse(self.controls.calls("auth_otp"))
        # read-only: neither canceled nor edited in Odoo
        with self.assertRaisesRegex(UserError, "cannot be canceled"):
            denise_letter.with_user(self.ar24_user).action_cancel()
        with self.assertRaisesRegex(UserError, "can no longer change"):
            denise_letter.with_user(self.ar24_user).subject = "Autre objet"

        # nothing is ever sent from Odoo, and the next runs import nothing twice
        otp_hash = self.company._ar24_client().auth_otp(self.sender["id_user"], self.sender["otp"]())["hash"]
        (denise_letter | stranger_letter)._ar24_send(otp_hash=otp_hash)
        self.env["ar24.letter.send"]._cron_send_queue()
        self.env["ar24.letter.sync"]._cron_sync_status()
        self.assertEqual(len(self.controls.calls("send_mail")), 2, "only the two deposits made on AR24's site")
        self.assertEqual(self.outside(), denise_letter | stranger_letter)

        # then AR24 moves them: one validated on AR24's site and sent, the other never validated
        self.controls.sender_action(denise_mail["id"], "validate")
        self.controls.sender_action(stranger_mail["id"], "expire")
        self.env["ar24.letter.sync"]._cron_sync_status()
        self.assertRecordValues(
            denise_letter | stranger_letter,
            [{"state": "sent", "ar24_status": "sent"}, {"state": "not_valided", "ar24_status": "not_valided"}],
        )
        self.assertTrue(denise_letter.date_sent)
        self.assertEqual(denise_letter.proof_kinds, "ev")
        labels = dict(stranger_letter._fields["state"]._description_selection(self.env))
        self.assertEqual(labels["not_valided"], "Never validated (not_valided)")
        # a letter AR24 dropped stays as it is: later lists move nothing, nothing is sent
        self.env["ar24.letter.sync"]._cron_sync_status()
        self.assertEqual(stranger_letter.state, "not_valided")
        self.assertEqual(len(self.controls.calls("send_mail")), 2)

    def test_an_outside_letter_to_no_contact_says_why_it_cannot_go_by_paper(self):
        mail = self.deposit_on_ar24_site("inconnu@example.org", "Paul", "Inconnu")
        self.env["ar24.letter.sync"]._cron_sync_status()
        letter = self.outside()
        self.controls.sender_action(mail["id"], "validate")
        self.controls.recipient(mail["id"], "refuse")
        self.env["ar24.letter.sync"]._cron_sync_status()
        self.assertRecordValues(letter, [{"state": "refused", "partner_id": False}])
        # the sender's follow-up names the recipient as AR24 knows him
        self.assertEqual(letter.activity_ids.summary, "Registered letter refused by Paul Inconnu: decide the next step")
        with self.assertRaisesRegex(
            ValidationError, "%s cannot be resent by paper: its recipient Paul Inconnu is no contact" % letter.name
        ):
            letter.with_user(self.ar24_user).action_resend_paper()

    def test_a_sender_without_open_letters_is_listed_from_where_he_stopped(self):
        self.env["ar24.letter.sync"]._cron_sync_status()
        first = self.controls.calls("list_mails")[-1]["params"]
        looked_back = datetime.now(tz=crypto.PARIS).replace(tzinfo=None) - _naive(first["date_from"])
        self.assertGreater(looked_back, timedelta(days=29), "the first time, a month of the sender's letters")
        self.assertLess(looked_back, timedelta(days=31))
        checked_at = self.ar24_user.sudo().ar24_letters_checked_at
        self.assertTrue(checked_at)
        mail = self.deposit_on_ar24_site("denise@example.org")
        self.env["ar24.letter.sync"]._cron_sync_status()
        since = _naive(self.controls.calls("list_mails")[-1]["params"]["date_from"])
        self.assertLess(abs(since - _paris(checked_at - timedelta(days=1))), timedelta(seconds=5))
        self.assertEqual(self.outside().ar24_id, mail["id"])
        self.assertGreaterEqual(self.ar24_user.sudo().ar24_letters_checked_at, checked_at)

    def test_a_letter_odoo_sent_is_never_imported_as_an_outside_one(self):
        """A letter whose answer was lost carries Odoo's own file: it is reconciled, never doubled."""
        annex = {"name": "annexe.pdf", "raw": make_pdf(["Annexe"]), "mimetype": "application/pdf"}
        letter = self.lost_answer(self.denise, attachment_ids=[(0, 0, annex)])
        # the same file at AR24 in a letter waiting for validation (another tool pushed it, say)
        self.deposit_on_ar24_site("denise@example.org", attachment=[letter.body_file_id])
        self.assertReconciledNotImported(letter)
        self.assertEqual(len(self.controls.calls("send_mail")), 2, "Odoo's letter once, the outside deposit once")

    def test_odoo_deposits_a_qualified_letter_only_with_the_otp_hash(self):
        """Odoo keeps its own OTP hold: its qualified letters never reach AR24 to_valid."""
        letters = self.Letter.create(
            [
                {
                    "partner_id": partner.id,
                    "subject": "Mise en demeure",
                    "body": "<p>Madame, Monsieur,</p>",
                    "send_type": "lre_eidas",
                    "user_id": self.ar24_user.id,
                    "recipient_status": "professionnel",
                }
                # professionals: no consent to hold, the OTP validation checks the letters again
                for partner in self.env["res.partner"].create(
                    [
                        {"name": "SCI Les Pins", "email": "sci@example.org", "is_company": True},
                        {"name": "Agence du Port", "email": "agence@example.org", "is_company": True},
                    ]
                )
            ]
        )
        letters._ar24_prepare_for_otp()
        letters._ar24_send()  # no hash: they keep waiting in Odoo
        self.env["ar24.letter.send"]._cron_send_queue()
        self.assertEqual(set(letters.mapped("state")), {"to_valid"})
        self.assertFalse(self.controls.calls("send_mail"))
        form = Form(self.env["ar24.otp.wizard"].with_user(self.ar24_user))
        form.otp_code = self.sender["otp"]()
        form.save()
        self.assertEqual(set(letters.mapped("state")), {"waiting"}, letters.mapped("error_message"))
        sends = self.controls.calls("send_mail")
        self.assertEqual([(c["params"]["eidas"], c["params"].get("auth_otp_hash")) for c in sends], [("1", "***")] * 2)
        statuses = {row["status"] for row in self.emulator.store.all("SELECT status FROM mails")}
        self.assertNotIn("to_valid", statuses, "nothing of Odoo's waits to_valid at AR24")

    def test_a_skewed_clock_is_refused_with_ar24s_reason(self):
        real = crypto.paris_now

        def ten_minutes_slow(now=None, offset_seconds=0):
            return real(now, offset_seconds - 600)

        letter = self.Letter.create(
            {
                "partner_id": self.denise.id,
                "subject": "Convocation AG",
                "body": "<p>AG</p>",
                "send_type": "ae",
                "user_id": self.ar24_user.id,
            }
        )
        with patch.object(crypto, "paris_now", ten_minutes_slow):
            with self.assertRaisesRegex(UserError, r"this server's clock is behind.*\(AR24: expired_date\)"):
                self.company.action_ar24_test_connection()
            letter._ar24_send()
        self.assertRecordValues(letter, [{"state": "error", "error_code": "expired_date", "ar24_id": 0}])
        self.assertIn("clock is behind", letter.error_message)
        self.assertEqual({c["outcome"] for c in self.controls.calls()}, {"expired_date"})
        # the clock set right, the same letter leaves
        letter.action_reset_draft()
        letter._ar24_send()
        self.assertEqual(letter.state, "waiting", letter.error_message)


@tagged("post_install", "-at_install")
class TestOutsideLettersNumericIds(TestOutsideLetters):
    """The same, with an AR24 that writes its ids and flags as JSON numbers."""

    AR24_ID_PROFILE = "int"
    allow_inherited_tests_method = True


def _naive(paris_string):
    return crypto.parse_paris_date(paris_string).replace(tzinfo=None)


def _paris(utc_naive):
    """Odoo's naive UTC datetime as naive Paris time (AR24's dates)."""
    return utc_naive.replace(tzinfo=crypto.ZoneInfo("UTC")).astimezone(crypto.PARIS).replace(tzinfo=None)


def _utc(paris_string):
    """AR24's Paris date as Odoo stores it (naive UTC)."""
    return crypto.parse_paris_date(paris_string).astimezone(crypto.ZoneInfo("UTC")).replace(tzinfo=None)
