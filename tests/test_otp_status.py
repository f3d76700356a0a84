import base64
import logging

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from ..ar24.pdf import make_pdf
from .common import AR24Case, every_logger_at_debug


@tagged("post_install", "-at_install")
class TestOtpAndStatus(AR24Case):
    """LSC manual §6–§8: OTP validation, statuses moving forward only, proofs, follow-up activities."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._coownership()
        cls.owners = cls.env["res.partner"].create(
            [{"name": "Owner %s" % i, "email": "owner%s@example.org" % i, "is_company": True} for i in range(3)]
        )
        cls.annex = cls.env["ir.attachment"].create(
            {"name": "annexe.pdf", "datas": base64.b64encode(make_pdf(["Annexe"])), "mimetype": "application/pdf"}
        )

    def setUp(self):
        super().setUp()
        self.sender = self.link_identified_sender(self.ar24_user)

    def _to_valid(self, partners=None):
        letters = (
            self.env["ar24.letter"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": p.id,
                        "subject": "Mise en demeure",
                        "body": "<p>Madame, Monsieur,</p>",
                        "send_type": "lre_eidas",
                        "user_id": self.ar24_user.id,
                        "attachment_ids": [(6, 0, self.annex.ids)],
                        "recipient_status": "professionnel",
                    }
                    for p in (partners or self.owners)
                ]
            )
        )
        letters._ar24_prepare_for_otp()
        self.assertEqual(set(letters.mapped("state")), {"to_valid"})
        return letters.sudo(False)

    def _otp_wizard(self, letters, user=None):
        return Form(
            self.env["ar24.otp.wizard"]
            .with_user(user or self.ar24_user)
            .with_context(active_model="ar24.letter", active_ids=letters.ids)
        )

    def test_one_code_validates_the_whole_selection(self):
        letters = self._to_valid()
        form = self._otp_wizard(letters)
        self.assertEqual(len(form.letter_ids), 3)
        code = self.sender["otp"]()
        form.otp_code = code
        wizard = form.save()
        action = wizard.action_validate()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertIn("3 letters validated", action["params"]["message"])
        self.assertTrue(all(letters.mapped("ar24_id")))
        self.assertEqual(set(letters.mapped("state")), {"waiting"})
        self.assertEqual([call["params"]["otp"] for call in self.controls.calls("auth_otp")], ["***"])
        sends = self.controls.calls("send_mail")
        self.assertEqual(len(sends), 3)
        self.assertTrue(
            all(call["params"]["eidas"] == "1" and call["params"]["auth_otp_hash"] == "***" for call in sends)
        )
        # the code that was typed is kept nowhere: the wizard reads it back empty, the chatter lacks it
        self.assertFalse(wizard.otp_code)
        self.assertFalse(wizard.read(["otp_code"])[0]["otp_code"])
        self.env.cr.execute("SELECT COUNT(*) FROM mail_message WHERE body::text LIKE %s", ["%" + code + "%"])
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.env.cr.execute(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'ar24_otp_wizard' AND column_name = %s",
            ["otp_code"],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_wrong_code_leaves_letters_waiting(self):
        letters = self._to_valid()
        right = int(self.sender["otp"]())
        form = self._otp_wizard(letters)
        with self.assertRaisesRegex(UserError, "wrong or has expired"):
            form.otp_code = "%06d" % ((right + 333333) % 1000000)
            form.save()
        self.assertEqual(set(letters.mapped("state")), {"to_valid"})
        self.assertFalse(self.controls.calls("send_mail"))
        with self.assertRaisesRegex(UserError, "6 digits"):
            wizard = self.env["ar24.otp.wizard"].with_user(self.ar24_user).create({"letter_ids": letters.ids})
            wizard.otp_code = "12 34"

    def test_default_selection_is_all_my_letters_awaiting_otp(self):
        letters = self._to_valid()
        wizard = Form(self.env["ar24.otp.wizard"].with_user(self.ar24_user))
        self.assertEqual(len(wizard.letter_ids), len(letters))

    def test_hour_runs_out_mid_batch_letter_waits_for_a_new_code(self):
        letters = self._to_valid()
        auth = self.company._ar24_client().auth_otp(self.sender["id_user"], self.sender["otp"]())
        self.controls.advance(seconds=3601)
        letters._ar24_send(otp_hash=auth["hash"])
        self.assertEqual(set(letters.mapped("state")), {"to_valid"})
        self.assertIn("enter a new code", letters[0].error_message)

    def test_only_the_sender_validates_his_letters(self):
        """The code identifies the sender before AR24: a colleague, or a manager, is refused by name."""
        letters = self._to_valid(self.owners[:1])
        wizard = self.env["ar24.otp.wizard"].with_user(self.ar24_manager).create({"letter_ids": letters.ids})
        with self.assertRaises(AccessError) as caught:
            wizard.otp_code = self.sender["otp"]()
        self.assertEqual(str(caught.exception), "Only Alain Joly can validate his letters.")
        self.assertEqual(letters.state, "to_valid")
        self.assertFalse(self.controls.calls("auth_otp"))
        wizard = self.env["ar24.otp.wizard"].with_user(self.ar24_user).create({"letter_ids": letters.ids})
        wizard.otp_code = self.sender["otp"]()
        self.assertEqual(letters.state, "waiting")

    def test_lifecycle_forward_only_with_dates_proofs_and_activities(self):
        letters = self._to_valid()
        form = self._otp_wizard(letters)
        form.otp_code = self.sender["otp"]()
        form.save()
        received, refused, bounced = letters
        letters.action_ar24_refresh()
        self.assertEqual(set(letters.mapped("state")), {"sent"})
        self.assertTrue(all(letters.mapped("date_sent")))
        self.controls.recipient(received.ar24_id, "accept")
        self.controls.recipient(refused.ar24_id, "refuse")
        self.controls.recipient(bounced.ar24_id, "bounce")
        before = len(self.controls.calls("list_mails"))
        letters.action_ar24_refresh()
        self.assertEqual(len(self.controls.calls("list_mails")) - before, 1)  # one page, not one GET per letter
        self.assertFalse(self.controls.calls("get_mail"))
        self.assertRecordValues(letters, [{"state": "ar"}, {"state": "refused"}, {"state": "bounced"}])
        self.assertTrue(received.date_ar and refused.date_refused and bounced.date_bounced)
        # proofs: deposit for all, receipt / refusal / non-distribution each, downloaded once
        self.assertEqual(len(received.proof_attachment_ids), 2)
        self.assertIn("SHA-256", received.proof_attachment_ids[0].description)
        self.assertTrue(received.proof_attachment_ids[0].raw.startswith(b"%PDF"))
        letters.action_ar24_refresh()
        self.assertEqual(len(received.proof_attachment_ids), 2)
        # follow-up: an activity for the sender when the letter did not arrive
        self.assertEqual(refused.activity_ids.user_id, self.ar24_user)
        self.assertIn("refused", refused.activity_ids.summary)
        self.assertTrue(bounced.activity_ids)
        self.assertFalse(received.activity_ids)

    def test_states_never_go_backwards(self):
        letter = self._to_valid(self.owners[:1])
        form = self._otp_wizard(letter)
        form.otp_code = self.sender["otp"]()
        form.save()
        self.controls.recipient(letter.ar24_id, "accept")
        letter.action_ar24_refresh()
        self.assertEqual(letter.state, "ar")
        self.env["ar24.letter.sync"]._apply_mail(letter, {"id": letter.ar24_id, "status": "sent"})
        self.assertEqual(letter.state, "ar")
        self.env["ar24.letter.sync"]._apply_mail(letter, {"id": letter.ar24_id, "status": "waiting"})
        self.assertEqual(letter.state, "ar")

    def test_negligence_after_fifteen_days(self):
        letter = self._to_valid(self.owners[:1])
        form = self._otp_wizard(letter)
        form.otp_code = self.sender["otp"]()
        form.save()
        letter.action_ar24_refresh()
        self.controls.advance(days=15.1)
        letter.action_ar24_refresh()
        self.assertEqual(letter.state, "negligence")
        self.assertTrue(letter.date_negligence)
        self.assertIn("ng", letter.proof_kinds.split(","))

    def _tables_containing(self, text):
        """Every (table, column) whose text holds ``text``: a dump of the database, searched."""
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT table_name, column_name FROM information_schema.columns
             WHERE table_schema = 'public' AND data_type IN ('character varying', 'text', 'jsonb')
        """)
        found = set()
        for table, column in self.env.cr.fetchall():
            self.env.cr.execute(
                'SELECT 1 FROM "%s" WHERE "%s"::text LIKE %%s LIMIT 1' % (table, column), ["%" + text + "%"]
            )
            if self.env.cr.fetchone():
                found.add((table, column))
        return found

    def test_the_otp_code_is_in_no_table_and_no_log(self):
        letters = self._to_valid()
        code = self.sender["otp"]()
        before = self._tables_containing(code)
        # every logger at DEBUG (Odoo's SQL, HTTP libraries, the module): none may print the code
        with every_logger_at_debug(), self.assertLogs(level=logging.DEBUG) as logs:
            form = self._otp_wizard(letters)
            form.otp_code = code
            form.save().action_validate()
        self.assertEqual(set(letters.mapped("state")), {"waiting"})
        self.assertEqual(self._tables_containing(code) - before, set())
        self.assertFalse([line for line in logs.output if code in line])
        # the capture did see the call that carried the code, masked
        self.assertTrue([line for line in logs.output if "user/auth_otp" in line and "'otp': '***'" in line])

    def test_a_letter_whose_send_started_is_checked_again_before_it_leaves(self):
        """A worker died after committing a letter's send_started_at, before its POST /mail left (a
        large validation stopped by the time limit); its payment method was removed since. The sender
        validates again: AR24 is asked first (it lacks the letter), then the letter is checked as
        any other, and stopped with the reason, never sent unchecked."""
        letter = self._to_valid(self.owners[:1])
        letter.sudo().write({"send_started_at": fields.Datetime.now()})
        letter.sudo().payment_method_id.active = False
        form = self._otp_wizard(letter)
        form.otp_code = self.sender["otp"]()
        form.save()
        self.assertFalse(self.controls.calls("send_mail"), "sent although it fails its checks")
        self.assertTrue(self.controls.calls("list_mails"), "AR24 was not asked whether it holds it")
        self.assertRecordValues(letter, [{"state": "error", "error_code": "check", "ar24_id": 0}])
        self.assertIn("Not sent", letter.error_message)
