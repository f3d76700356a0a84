"""A syndic office's trust boundaries, attacked as a hostile colleague would: with his own RPC calls.

Each test is the attacker's call (``with_user``: what JSON-RPC would run) followed by what the
victim would notice: the letter, the AR24 account, the evidence or the wizard is untouched, and
AR24 received nothing in anyone's name.
"""

from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ..ar24.pdf import make_pdf
from ..models.ir_actions_report import OdooReportHelpers
from .common import TrustCase


@tagged("post_install", "-at_install")
class TestTrustBoundaries(TrustCase):
    def _senders_at_ar24(self):
        return [int(call["params"]["id_user"]) for call in self.controls.calls("send_mail")]

    # ------------------------------------------------------------------ 1. sending in a colleague's name
    def test_a_user_cannot_make_a_colleague_the_sender(self):
        mine = self._draft(self.ar24_user)
        with self.refused(AccessError, "only registered-letter managers change the sender"):
            mine.write({"user_id": self.colleague.id})
        with self.refused(AccessError, "cannot draft a registered letter in the name of Paul Rival"):
            self._draft(self.ar24_user, user_id=self.colleague.id)
        # nor through the context's defaults, which the web client lets anyone send
        with self.refused(AccessError, "in the name of Paul Rival"):
            self.env["ar24.letter"].with_user(self.ar24_user).with_context(default_user_id=self.colleague.id).create(
                {"partner_id": self.denise.id, "subject": "x"}
            )
        self.assertEqual(mine.user_id, self.ar24_user)

    def test_a_user_cannot_queue_his_letter_nor_set_its_state(self):
        mine = self._draft(self.ar24_user)
        for values in (
            {"send_queued": True},
            {"send_report_pending": True},
            {"state": "to_valid"},
            {"send_started_at": "2026-12-01 10:00:00"},
        ):
            with self.subTest(values), self.refused(AccessError, "written by AR24's answers"):
                mine.write(values)
        self.assertRecordValues(mine, [{"send_queued": False, "state": "draft", "send_started_at": False}])
        self.env["ar24.letter.send"]._cron_send_queue()
        self.assertFalse(self.controls.calls("send_mail"))

    def test_a_manager_may_change_the_sender_of_a_draft_not_of_a_prepared_letter(self):
        draft = self._draft(self.ar24_user)
        draft.with_user(self.ar24_manager).write({"user_id": self.colleague.id})
        self.assertEqual(draft.user_id, self.colleague)
        prepared = self._draft(self.ar24_user, send_type="lre_eidas", recipient_status="professionnel")
        self.ar24_user.sudo().ar24_identity_verified = True
        prepared.sudo()._ar24_prepare_for_otp()
        self.assertEqual(prepared.state, "to_valid")
        with self.refused(UserError, "can no longer change"):
            prepared.with_user(self.ar24_manager).write({"user_id": self.colleague.id})

    def test_the_queue_checks_every_letter_again_before_sending(self):
        ready, no_email, unlinked = (
            self._draft(self.ar24_user),
            self._draft(self.ar24_user, partner_id=self.denise.copy({"name": "Bernard Lot 2"}).id),
            self._draft(self.colleague),
        )
        letters = ready | no_email | unlinked
        letters.sudo().write({"send_queued": True})  # what the wizard does for a large batch
        # while they wait: a contact loses his e-mail, a sender loses his AR24 account
        no_email.partner_id.email = False
        self.colleague.sudo().action_ar24_unlink()
        self.env["ar24.letter.send"]._cron_send_queue()
        self.assertEqual(ready.state, "waiting", ready.error_message)
        self.assertRecordValues(
            no_email | unlinked,
            [
                {"state": "error", "error_code": "check", "send_queued": False, "ar24_id": 0},
                {"state": "error", "error_code": "check", "send_queued": False, "ar24_id": 0},
            ],
        )
        self.assertIn("No e-mail address", no_email.error_message)
        self.assertIn("Paul Rival has not linked an AR24 account", unlinked.error_message)
        self.assertEqual(self._senders_at_ar24(), [self.alain_ar24["id_user"]])

    # ------------------------------------------------------------------ 2. a colleague's AR24 account
    def test_a_user_cannot_link_the_ar24_account_of_a_colleague(self):
        me = self.env["res.users"].with_user(self.colleague).browse(self.colleague.id)
        me.action_ar24_unlink()  # Paul starts without an account in this database
        me.write({"ar24_email": "jeff@syndic.example.com"})  # Jeff's address, typed in his preferences
        with self.refused(ValidationError, "already linked to Jeff Lechef"):
            me.action_ar24_authorize()
        self.assertRecordValues(
            self.colleague | self.ar24_manager,
            [
                {"ar24_link_state": "none", "ar24_user_id": 0},
                {"ar24_link_state": "linked", "ar24_user_id": self.jeff_ar24["id_user"]},
            ],
        )
        # and the refresh, which would read the account by its e-mail, waits for an authorisation
        with self.refused(UserError, "press “Authorize account” first"):
            me.action_ar24_refresh()
        self.assertFalse(self.controls.calls("get_user"))

    def test_one_ar24_account_is_linked_to_one_user_whoever_writes_it(self):
        with self.refused(ValidationError, "already linked to Alain Joly"):
            self.colleague.sudo().write({"ar24_user_id": self.alain_ar24["id_user"]})
        with self.refused(ValidationError, "already linked to Alain Joly"):
            self.colleague.sudo().write({"ar24_email": "ALAIN@syndic.example.com", "ar24_link_state": "pending"})

    def test_a_linked_user_cannot_change_his_ar24_email_a_manager_can_and_it_is_noted(self):
        me = self.env["res.users"].with_user(self.ar24_user).browse(self.ar24_user.id)
        with self.refused(AccessError, "only a registered-letters manager can change its e-mail"):
            me.write({"ar24_email": "jeff@syndic.example.com"})
        with self.assertRaises(AccessError):
            me.write({"ar24_user_id": self.jeff_ar24["id_user"]})
        self.assertRecordValues(me, [{"ar24_email": "alain@syndic.example.com", "ar24_link_state": "linked"}])
        manager_view = self.env["res.users"].with_user(self.ar24_manager).browse(self.ar24_user.id)
        manager_view.write({"ar24_email": "alain.joly@syndic.example.com"})
        self.assertRecordValues(
            self.ar24_user,
            [{"ar24_email": "alain.joly@syndic.example.com", "ar24_link_state": "none", "ar24_user_id": 0}],
        )
        note = self.ar24_user.partner_id.message_ids[:1]
        self.assertIn(
            "changed from alain@syndic.example.com to alain.joly@syndic.example.com by Jeff Lechef", note.body
        )

    def test_only_the_user_or_a_manager_unlinks_an_account(self):
        with self.refused(AccessError, "Only Alain Joly or a registered-letters manager"):
            self.env["res.users"].with_user(self.colleague).browse(self.ar24_user.id).action_ar24_unlink()
        self.assertEqual(self.ar24_user.ar24_link_state, "linked")
        self.env["res.users"].with_user(self.ar24_manager).browse(self.ar24_user.id).action_ar24_unlink()
        self.assertRecordValues(self.ar24_user, [{"ar24_link_state": "none", "ar24_user_id": 0}])
        self.assertIn("unlinked by Jeff Lechef", self.ar24_user.partner_id.message_ids[:1].body)

    # ------------------------------------------------------------------ 3. evidence
    def test_a_received_letter_cannot_be_rewritten_by_its_sender_nor_his_manager(self):
        letter = self._received(self.ar24_user)
        proof = letter.proof_attachment_ids[:1]
        forged = self.env["ir.attachment"].create({"name": "receipt.pdf", "raw": make_pdf(["forged"])})
        for user in (self.ar24_user, self.ar24_manager):
            mine = letter.with_user(user)
            with self.subTest(user=user.login):
                for label, values in [
                    ("back to draft", {"state": "draft"}),
                    ("forged receipt date", {"date_ar": "2026-01-01 10:00:00"}),
                    ("another AR24 number", {"ar24_id": 1}),
                    ("forged proof", {"proof_attachment_ids": [(4, forged.id)]}),
                    ("swapped PDF", {"pdf_attachment_id": forged.id}),
                    ("cleared send mark", {"send_started_at": False}),
                ]:
                    with self.subTest(label), self.assertRaises(AccessError):
                        mine.write(values)
                with self.refused(UserError, "can no longer change"):
                    mine.write({"body": "<p>Another text</p>"})
                with self.refused(UserError, "kept as evidence"):
                    mine.unlink()
                mine.action_reset_draft()  # a button that does nothing on a received letter
                with self.refused(AccessError, "evidence of a registered letter"):
                    proof.with_user(user).write({"raw": b"%PDF-1.4 forged"})
                with self.refused(AccessError, "evidence of a registered letter"):
                    proof.with_user(user).unlink()
                with self.refused(AccessError, "evidence of a registered letter"):
                    letter.pdf_attachment_id.with_user(user).write({"raw": b"%PDF-1.4 other letter"})
                with self.refused(AccessError, "evidence of a registered letter"):
                    letter.attachment_ids.with_user(user).write({"raw": make_pdf(["Another convocation"])})
        self.assertRecordValues(letter, [{"state": "ar", "send_started_at": False}])
        self.assertEqual(len(letter.proof_attachment_ids), 2)
        self.assertTrue(proof.raw.startswith(b"%PDF") and b"forged" not in proof.raw)

    def test_a_user_cannot_create_a_letter_that_looks_received(self):
        with self.refused(AccessError, "cannot be given ar24_id, date_ar, state"):
            self._draft(self.ar24_user, state="ar", ar24_id=77, date_ar="2026-01-01 10:00:00")
        # context defaults of those fields are dropped, not applied
        letter = (
            self.env["ar24.letter"]
            .with_user(self.ar24_user)
            .with_context(default_state="ar", default_ar24_id=77)
            .create({"partner_id": self.denise.id, "subject": "x"})
        )
        self.assertRecordValues(letter, [{"state": "draft", "ar24_id": 0}])

    def test_a_draft_stays_the_users_to_write_and_delete(self):
        draft = self._draft(self.ar24_user)
        draft.write({"subject": "Convocation AG du 4 avril", "ag_date": "2027-04-04"})
        self.assertEqual(draft.must_be_received_by.isoformat(), "2027-03-13")
        draft.unlink()
        self.assertFalse(draft.exists())

    # ------------------------------------------------------------------ 4. wizards
    def test_a_colleague_cannot_read_or_write_my_open_wizards(self):
        letter = self._draft(self.ar24_user)
        wizard = (
            self.env["ar24.send.wizard"]
            .with_user(self.ar24_user)
            .with_context(active_model="ar24.letter", active_ids=letter.ids)
            .create({"send_type": "ae"})
        )
        otp = self.env["ar24.otp.wizard"].with_user(self.ar24_user).create({})
        for user in (self.colleague, self.ar24_manager):
            with self.subTest(user=user.login):
                for record in (wizard, wizard.line_ids, wizard.error_line_ids, otp):
                    if record:
                        with self.assertRaises(AccessError):
                            record.with_user(user).read(["id"])
                with self.assertRaises(AccessError):
                    wizard.with_user(user).write({"body": "<p>Autre texte</p>"})
                self.assertFalse(self.env["ar24.send.wizard"].with_user(user).search([("id", "=", wizard.id)]))

    def test_a_send_wizard_cannot_carry_a_colleagues_letters(self):
        theirs = self._draft(self.colleague)
        wizard = self.env["ar24.send.wizard"].with_user(self.ar24_user).create({"send_type": "ae"})
        with self.refused(AccessError, "letter_ids"):
            wizard.write({"letter_ids": [(6, 0, theirs.ids)]})
        # nor as the module's own code would (its constraint runs on any write)
        with self.refused(AccessError, "doesn't have 'write' access to:\n- Registered letter"):
            wizard.sudo().letter_ids = theirs
        # one written behind the ORM's back is refused when sending
        self.env.cr.execute(
            "INSERT INTO ar24_letter_ar24_send_wizard_rel (ar24_send_wizard_id, ar24_letter_id) VALUES (%s, %s)",
            (wizard.id, theirs.id),
        )
        wizard.invalidate_recordset(["letter_ids"])
        with self.refused(AccessError, "doesn't have 'write' access to:\n- Registered letter"):
            wizard.action_send()
        self.assertEqual(theirs.state, "draft")
        self.assertFalse(self.controls.calls("send_mail"))

    def test_nobody_validates_a_colleagues_letters_with_an_otp_code(self):
        self.ar24_user.sudo().ar24_identity_verified = True
        letter = self._draft(self.ar24_user, send_type="lre_eidas", recipient_status="professionnel")
        letter.sudo()._ar24_prepare_for_otp()
        self.assertEqual(letter.state, "to_valid")
        # a colleague does not even see the letter; a manager sees it, but the code is the sender's own
        with self.refused(AccessError, "letter_ids"):
            self.env["ar24.otp.wizard"].with_user(self.colleague).create({"letter_ids": letter.ids})
        wizard = self.env["ar24.otp.wizard"].with_user(self.colleague).create({})
        wizard.sudo().letter_ids = letter
        with self.refused(AccessError, "doesn't have 'write' access to:\n- Registered letter"):
            wizard.otp_code = self.alain_ar24["otp"]()
        wizard = self.env["ar24.otp.wizard"].with_user(self.ar24_manager).create({"letter_ids": letter.ids})
        with self.refused(AccessError, "Only Alain Joly can validate his letters"):
            wizard.otp_code = self.alain_ar24["otp"]()
        self.assertEqual(letter.state, "to_valid")
        self.assertFalse(self.controls.calls("auth_otp"))
        self.assertFalse(self.controls.calls("send_mail"))

    # ------------------------------------------------------------------ 6. smaller holes
    def test_payment_methods_and_entity_settings_stay_within_their_companies(self):
        outsider = self._other_office_manager()
        theirs = self.env["ar24.payment.method"].create({"name": "Copro B", "slug": "stripe-2", "user_id": outsider.id})
        Method = self.env["ar24.payment.method"]
        self.assertEqual(Method.with_user(outsider).search([]), theirs)
        self.assertNotIn(theirs, Method.with_user(self.ar24_user).search([]))
        self.assertIn(self.company.ar24_payment_method_id, Method.with_user(self.ar24_user).search([]))
        with self.assertRaises(AccessError):
            self.company.ar24_payment_method_id.with_user(outsider).read(["slug"])
        # the entity's AR24 address and callback URL are for system administrators only
        for field in ("ar24_api_url", "ar24_webhook_base_url"):
            with self.subTest(field), self.assertRaises(AccessError):
                self.company.with_user(self.ar24_manager).read([field])
        with self.assertRaises(AccessError):
            self.company.with_user(self.employee).read(["ar24_payment_method_id"])

    def test_the_pdf_fetches_nothing_from_the_network_and_runs_no_script(self):
        body = (
            '<p>Convocation</p><img src="http://169.254.169.254/latest/meta-data/">'
            '<p style="background:url(http://intranet.example/x)">x</p><script>document.write("JS")</script>'
        )
        letter = self._draft(self.ar24_user, body=body)
        html = self.env["ir.actions.report"]._render_qweb_html("ar24_lre.report_ar24_letter", letter.ids)[0]
        self.assertIn(b"<p>Convocation</p>", html)
        for fetched in (b"169.254.169.254", b"intranet.example", b"document.write"):
            self.assertNotIn(fetched, html)
        # wkhtmltopdf itself runs with JavaScript off
        report = self.env.ref("ar24_lre.action_report_ar24_letter")
        runs = []

        def run(args, timeout=None):
            runs.append(args)
            with open(args[-1], "wb") as pdf:
                pdf.write(make_pdf(["letter"]))
            return type("Run", (), {"returncode": 0, "stderr": ""})()

        with (
            patch.object(OdooReportHelpers, "run", staticmethod(run)),
            patch.object(type(report), "get_wkhtmltopdf_state", lambda self: "ok"),
        ):
            contents, errors = report._ar24_render_pdfs(letter.ids)
        self.assertEqual((list(contents), errors), (letter.ids, {}))
        self.assertIn("--disable-javascript", runs[0])
        self.assertNotIn("--javascript-delay", runs[0])

    def test_a_copied_database_forgets_the_callback_token(self):
        from odoo.modules.neutralize import get_neutralization_queries  # noqa: PLC0415

        old = self.company._ar24_webhook_url()
        for query in get_neutralization_queries(["ar24_lre"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.assertRecordValues(self.company, [{"ar24_environment": "sandbox"}])
        self.assertFalse(self.company._ar24_is_configured())
        new = self.company._ar24_webhook_url()
        self.assertTrue(new and new != old)

    def test_only_system_administrators_regenerate_the_callback_token(self):
        old = self.company._ar24_webhook_url()
        with self.refused(AccessError, "Only system administrators"):
            self.env["res.config.settings"].with_user(self.ar24_manager).action_ar24_regenerate_webhook_token()
        self.assertEqual(self.company._ar24_webhook_url(), old)
        self.env["res.config.settings"].with_user(self.env.ref("base.user_admin")).create(
            {}
        ).action_ar24_regenerate_webhook_token()
        self.assertNotEqual(self.company._ar24_webhook_url(), old)
