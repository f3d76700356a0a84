"""A hostile user against the evidence through the chatter and the consents' sources.

Odoo's chatter works in superuser mode on its user's behalf: it links files to a comment, deletes
them when its author edits the comment, writes tracking values. Each test is the attacker's own
calls (``with_user``, or the web client's routes), then what the office and an auditor would see:
AR24's proofs, the letter's PDF and what AR24 received still there, no forged history.
"""

from datetime import timedelta

from odoo import Command, fields, http
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from ..ar24.pdf import make_pdf
from .common import TrustCase


class ChatterCase(TrustCase):
    def _evidence(self, letter):
        return letter.proof_attachment_ids | letter.pdf_attachment_id | letter.attachment_ids


@tagged("post_install", "-at_install")
class TestTrustChatter(ChatterCase):
    def test_evidence_given_to_a_comment_is_attached_as_a_copy(self):
        """A proof sent on (to a lawyer, a co-owner) goes as a copy: the author editing his comment
        without its files (Odoo then deletes them in superuser mode) deletes the copies only."""
        letter = self._received(self.ar24_user)
        evidence = self._evidence(letter)
        mine = letter.with_user(self.ar24_user)
        comment = mine.message_post(body="voir pièces", message_type="comment", attachment_ids=evidence.ids)
        copies = comment.sudo().attachment_ids
        self.assertEqual(len(copies), len(evidence))
        self.assertFalse(copies & evidence, "the evidence itself became the comment's files")
        self.assertEqual(sorted(copies.mapped("checksum")), sorted(evidence.mapped("checksum")))
        mine._message_update_content(comment.sudo(), body="voir pièces", attachment_ids=[])
        self.assertFalse(copies.exists())
        self.assertEqual(evidence.exists(), evidence)
        # by a raw message or a write too, whatever the command
        raw = (
            self.env["mail.message"]
            .with_user(self.ar24_user)
            .create(
                {
                    "model": "ar24.letter",
                    "res_id": letter.id,
                    "body": "x",
                    "attachment_ids": [Command.set(evidence.ids)],
                }
            )
        )
        self.assertFalse(raw.sudo().attachment_ids & evidence)
        raw.with_user(self.ar24_user).write({"attachment_ids": [Command.link(letter.proof_attachment_ids[0].id)]})
        self.assertFalse(raw.sudo().attachment_ids & evidence)

    def test_editing_a_comment_never_deletes_evidence_it_carries(self):
        """Should a letter's proofs be among a comment's files (linked by an administrator), its author
        editing the comment without them (Odoo deletes them in superuser mode) is refused."""
        letter = self._received(self.ar24_user)
        proofs = letter.proof_attachment_ids
        comment = letter.with_user(self.ar24_user).message_post(body="voir pièces", message_type="comment")
        comment.with_env(self.env).attachment_ids = proofs  # as Odoo itself
        with self.refused(AccessError, "cannot be deleted"):
            letter.with_user(self.ar24_user)._message_update_content(comment.sudo(), body="x", attachment_ids=[])
        self.assertEqual(proofs.exists(), proofs)

    def test_a_colleague_cannot_delete_ar24s_proof_of_consent_through_a_contacts_comment(self):
        consent, proof = self._consent_with_proof()[:2]
        contact = self.denise.with_user(self.colleague)
        comment = contact.message_post(body="x", message_type="comment", attachment_ids=proof.ids)
        self.assertNotIn(proof, comment.sudo().attachment_ids)
        contact._message_update_content(comment.sudo(), body="x", attachment_ids=[])
        self.assertTrue(proof.exists())
        # nor is anything filed on the consent itself, not even a copy
        with self.refused(AccessError, "only AR24's synchronisation files them"):
            consent.with_user(self.colleague).message_post(body="x", attachment_ids=proof.ids)

    def test_nobody_gets_a_copy_of_a_proof_he_may_not_read(self):
        """The copy hangs on the message's record, which Odoo's own check of a message's files lets
        through: the user must read the original himself."""
        proof = self._received(self.ar24_user).proof_attachment_ids[:1]
        draft = self._draft(self.colleague)
        with self.refused(AccessError, "not allowed to access"):
            self.env["mail.message"].with_user(self.colleague).create(
                {"model": "ar24.letter", "res_id": draft.id, "body": "x", "attachment_ids": [proof.id]}
            )
        copies = self.env["ir.attachment"].search([("checksum", "=", proof.checksum), ("id", "!=", proof.id)])
        self.assertFalse(copies.filtered(lambda a: a.res_id == draft.id), "a copy of Alain's proof for Paul")

    def test_no_message_on_a_consent_carries_a_file(self):
        consent, _proof, _log = self._consent_with_proof()
        mine = self._upload(self.colleague, name="LRE consent proof denise@example.org.pdf")
        Message = self.env["mail.message"].with_user(self.colleague)
        forged = Command.create({"name": "LRE consent proof x.pdf", "raw": make_pdf(["forged"])})
        for files in ([mine.id], [forged]):
            with self.subTest(files=files), self.refused(AccessError, "only AR24's synchronisation files them"):
                Message.create({"model": "ar24.consent", "res_id": consent.id, "body": "x", "attachment_ids": files})
        comment = consent.with_user(self.colleague).message_post(body="x", message_type="comment")
        with self.refused(AccessError, "only AR24's synchronisation files them"):
            consent.with_user(self.colleague)._message_update_content(comment.sudo(), body="x", attachment_ids=mine.ids)

    def test_odoos_own_ways_of_posting_files_on_a_sent_letter_still_work(self):
        """A template's reports posted with the message, and a scheduled message with a file."""
        letter = self._sent(self.ar24_user)
        mine = letter.with_user(self.ar24_user)
        message = mine.message_post(body="Relance", attachments=[("relance.pdf", make_pdf(["relance"]))])
        self.assertEqual(message.sudo().attachment_ids.mapped("res_id"), letter.ids)
        scan = self._upload(self.ar24_user, name="scan.pdf", res_model="mail.compose.message", res_id=0)
        scheduled = (
            self.env["mail.scheduled.message"]
            .with_user(self.ar24_user)
            .create(
                {
                    "model": "ar24.letter",
                    "res_id": letter.id,
                    "body": "Relance",
                    "author_id": self.ar24_user.partner_id.id,
                    "scheduled_date": fields.Datetime.now() + timedelta(hours=1),
                    "attachment_ids": [Command.set(scan.ids)],
                }
            )
        )
        scheduled.with_user(self.ar24_user).post_message()
        self.assertEqual((scan.res_model, scan.res_id), ("ar24.letter", letter.id))

    def test_a_sender_still_posts_his_own_files_and_edits_his_comment(self):
        """What the chatter is for: a scan of his own, on his sent letter, in a comment he edits."""
        letter = self._sent(self.ar24_user)
        scan = self._upload(self.ar24_user, name="accusé papier.pdf", res_model="mail.compose.message", res_id=0)
        comment = letter.with_user(self.ar24_user).message_post(
            body="Le voisin a reçu le pli", message_type="comment", attachment_ids=scan.ids
        )
        self.assertEqual((scan.res_model, scan.res_id), ("ar24.letter", letter.id))
        letter.with_user(self.ar24_user)._message_update_content(comment.sudo(), body="Reçu", attachment_ids=[])
        self.assertFalse(scan.exists(), "his own file, removed from his comment")
        self.assertEqual(self._evidence(letter).exists(), self._evidence(letter))

    def test_nobody_posts_a_backdated_tracked_state_change_in_a_letters_log(self):
        letter = self._received(self.ar24_user)
        state = self.env["ir.model.fields"]._get("ar24.letter", "state")
        forged = [Command.create({"field_id": state.id, "old_value_char": "Waiting", "new_value_char": "Refused"})]
        mine = letter.with_user(self.ar24_user)
        with self.refused(AccessError, "can be neither changed nor deleted"):
            mine.message_post(body="", message_type="notification", tracking_value_ids=forged)
        with self.refused(AccessError, "can be neither changed nor deleted"):
            mine.message_post(body="Statut : refusé", date=fields.Datetime.to_datetime("2020-01-01 10:00:00"))
        for values in ({"tracking_value_ids": forged}, {"date": "2020-01-01 10:00:00"}):
            with self.subTest(values=values), self.refused(AccessError, "can be neither changed nor deleted"):
                self.env["mail.message"].with_user(self.ar24_user).create(
                    dict({"model": "ar24.letter", "res_id": letter.id, "body": "x"}, **values)
                )

    def test_what_a_user_writes_in_a_letters_log_is_his_comment_never_a_module_notification(self):
        letter = self._received(self.ar24_user)
        note = letter.with_user(self.ar24_user).message_post(
            body="Proof received from AR24: refusal (SHA-256 %s)" % ("0" * 64), message_type="notification"
        )
        self.assertRecordValues(note.sudo(), [{"message_type": "comment", "author_id": self.ar24_user.partner_id.id}])
        # an activity done on his letter still says so in its log
        activity = letter.with_user(self.ar24_user).activity_schedule(
            "mail.mail_activity_data_todo", summary="Relancer"
        )
        activity.with_user(self.ar24_user).action_feedback(feedback="Relancé par téléphone")
        self.assertTrue(letter.message_ids.filtered(lambda m: "Relancé par téléphone" in str(m.body)))

    def test_nobody_hangs_a_file_of_his_own_on_a_letter_that_left(self):
        """Beside AR24's proofs, in the letter's files, it would pass for one."""
        letter = self._received(self.ar24_user)
        with self.refused(AccessError, "left for AR24"):
            self._upload(self.ar24_user, name="proof of refusal.pdf", res_model="ar24.letter", res_id=letter.id)
        upload = self._upload(self.ar24_user, name="AR signé.pdf")
        with self.refused(AccessError, "left for AR24"):
            upload.with_user(self.ar24_user).write({"res_model": "ar24.letter", "res_id": letter.id})
        # a draft takes his files as before
        draft = self._draft(self.ar24_user)
        upload.with_user(self.ar24_user).write({"res_model": "ar24.letter", "res_id": draft.id})

    def test_a_consent_set_by_hand_never_claims_to_come_from_ar24(self):
        denise = self.denise.with_user(self.colleague)
        with self.refused(UserError, "only AR24's synchronisation"):
            denise.write({"ar24_consent_state": "accepted", "ar24_consent_source": "ar24_sync"})
        consent = self.env["ar24.consent"].create(
            {"partner_id": self.denise.id, "company_id": self.company.id, "state": "refused", "source": "ar24_sync"}
        )
        with self.refused(UserError, "only AR24's synchronisation"):
            consent.with_user(self.colleague).write({"state": "accepted", "source": "ar24_request"})
        # AR24's refusal changed by hand says so: its source is no longer AR24's address book
        consent.with_user(self.colleague).write({"state": "accepted", "email": "denise@example.org"})
        self.assertRecordValues(consent, [{"state": "accepted", "source": "manual"}])
        self.assertEqual(
            self.env["ar24.consent"]
            .with_user(self.colleague)
            .create({"partner_id": self.plumber.id, "company_id": self.company.id, "state": "accepted"})
            .source,
            "manual",
        )


@tagged("post_install", "-at_install")
class TestTrustChatterRoutes(ChatterCase, HttpCase):
    def test_the_web_clients_chatter_routes_delete_no_evidence(self):
        """The attack through the web client's own routes: post a comment with the letter's evidence,
        then edit it without its files. Only the copies go."""
        letter = self._received(self.ar24_user)
        evidence = self._evidence(letter)
        self.authenticate("ar24_user", "ar24_user")
        posted = self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "ar24.letter",
                "thread_id": letter.id,
                "post_data": {"body": "voir pièces", "message_type": "comment", "attachment_ids": evidence.ids},
            },
        )
        self.make_jsonrpc_request(
            "/mail/message/update_content",
            {"message_id": posted["message_id"], "update_data": {"body": "voir pièces", "attachment_ids": []}},
        )
        self.assertEqual(evidence.exists(), evidence)

    def test_the_chatter_route_posts_no_notification_in_a_letters_log(self):
        """The route posts in superuser mode with the message type it is given: a user's "proof
        received" notification would pass for the module's note, and nobody could delete it."""
        letter = self._received(self.ar24_user)
        self.authenticate("ar24_user", "ar24_user")
        posted = self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "ar24.letter",
                "thread_id": letter.id,
                "post_data": {"body": "Proof received from AR24: refusal", "message_type": "notification"},
            },
        )
        message = self.env["mail.message"].browse(posted["message_id"])
        self.assertRecordValues(message, [{"message_type": "comment", "author_id": self.ar24_user.partner_id.id}])

    def test_the_upload_route_hangs_no_file_on_a_letter_that_left_nor_on_a_consent(self):
        """Odoo's upload route creates the file in superuser mode straight on the record: beside AR24's
        proofs, with no message signing it. A comment's pending upload still works."""
        letter = self._received(self.ar24_user)
        consent, _proof = self._consent_with_proof()[:2]
        self.authenticate("ar24_user", "ar24_user")
        for record, pending in ((letter, "false"), (consent, "false"), (letter, "true")):
            response = self.url_open(
                "/mail/attachment/upload",
                data={
                    "thread_id": record.id,
                    "thread_model": record._name,
                    "is_pending": pending,
                    "csrf_token": http.Request.csrf_token(self),
                },
                files={"ufile": ("proof of refusal.pdf", make_pdf(["forged"]), "application/pdf")},
            )
            result = response.json()
            with self.subTest(model=record._name, pending=pending):
                if pending == "true":
                    self.assertIn("attachment_id", result.get("data", {}), result)
                else:
                    self.assertIn("error", result, "a file hung on %s by the upload route" % record._name)
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("name", "=", "proof of refusal.pdf"), ("res_model", "in", ["ar24.letter", "ar24.consent"])]
            )
        )

    def test_context_defaults_forge_nothing_in_a_letters_log(self):
        letter = self._received(self.ar24_user)
        root = self.env.ref("base.partner_root")
        Message = self.env["mail.message"].with_user(self.ar24_user)
        for defaults in (
            {"default_author_id": root.id},
            {"default_date": "2020-01-01 10:00:00"},
            {"default_email_from": root.email_formatted},
        ):
            with self.subTest(defaults=defaults), self.refused(AccessError, "can be neither changed nor deleted"):
                Message.with_context(**defaults).create({"model": "ar24.letter", "res_id": letter.id, "body": "x"})
        note = Message.with_context(default_message_type="notification").create(
            {"model": "ar24.letter", "res_id": letter.id, "body": "x"}
        )
        self.assertEqual(note.sudo().message_type, "comment")
