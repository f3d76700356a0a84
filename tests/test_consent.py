import math
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from ..ar24.client import AR24Client
from .common import AR24Case, letter_user

ADD = "action_ar24_consent_add"
REMOVE = "action_ar24_consent_remove"
SYNC = "action_ar24_consent_sync"
REQUEST = "action_ar24_consent_request"


@tagged("post_install", "-at_install")
class TestConsent(AR24Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.valid = Partner.create({"name": "Jeannine Meursault", "email": "Jeannine.Meursault@Example.com"})
        cls.no_email = Partner.create({"name": "Pierre Proprietaire"})
        cls.bad_email = Partner.create({"name": "Paul Mauvais", "email": "paul at example"})
        cls.sci = Partner.create({"name": "SCI Les Pins", "is_company": True, "email": "sci@example.com"})
        cls.agency = Partner.create({"name": "Agence Aloxe", "is_company": True, "email": "agence@example.com"})
        Partner.create({"name": "Denise Aloxe Corton", "parent_id": cls.agency.id, "type": "contact"})
        cls.archived = Partner.create({"name": "Ancien Copro", "email": "ancien@example.com", "active": False})
        cls.mixed = cls.valid | cls.no_email | cls.bad_email | cls.sci | cls.agency | cls.archived

    def setUp(self):
        super().setUp()
        self.sender = self.link_sender(self.ar24_user)
        self.forget_consent_link()

    # ------------------------------------------------------------------ helpers
    def forget_consent_link(self):
        """The consent link is cached per cursor, and a test class shares one cursor."""
        for key in [k for k in self.env.cr.cache if isinstance(k, tuple) and k[:1] == ("ar24_lre.consent_link",)]:
            del self.env.cr.cache[key]
        self.env.invalidate_all()

    def flush_tracking(self):
        """Run what a commit runs: mail's own tracking must not add a second message."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def skipped(self, action):
        return dict(action["params"]["ar24_skipped"])

    def changed(self, action):
        return self.env["res.partner"].browse(action["params"]["ar24_changed_ids"])

    def consent(self, partner, company=None):
        """The partner's consent to ``company`` (default: the test company), as its record."""
        domain = [("partner_id", "=", partner.id), ("company_id", "=", (company or self.company).id)]
        return self.env["ar24.consent"].sudo().search(domain)

    def notes(self, partner, text):
        """Messages of the partner's consent (its chatter holds the history) whose body holds ``text``."""
        return self.consent(partner).message_ids.filtered(lambda m: text in str(m.body))

    def set_consent(self, partner, **values):
        partner.sudo().write(
            dict(
                {
                    "ar24_consent": True,
                    "ar24_consent_state": "accepted",
                    "ar24_consent_email": partner.ar24_email_normalized,
                    "ar24_consent_date": fields.Datetime.now() - timedelta(days=30),
                    "ar24_consent_source": "manual",
                },
                **values,
            )
        )

    # ------------------------------------------------------------------ add / remove by hand
    @users("ar24_user")
    def test_add_consent_on_a_mixed_selection(self):
        partners = self.mixed.with_env(self.env)
        action = partners.action_ar24_consent_add()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual(self.changed(action), self.valid | self.agency)
        self.assertEqual(
            self.skipped(action),
            {
                self.no_email.id: "no e-mail",
                self.bad_email.id: "invalid e-mail (no @ in the address)",
                self.sci.id: "company without contact name",
                self.archived.id: "archived",
            },
        )
        message = action["params"]["message"]
        self.assertIn("Changed (2): Jeannine Meursault, Agence Aloxe.", message)
        self.assertIn("Skipped (4)", message)
        self.assertIn("company without contact name: SCI Les Pins", message)
        self.assertRecordValues(
            self.valid | self.agency,
            [
                {
                    "ar24_consent": True,
                    "ar24_consent_state": "accepted",
                    "ar24_consent_email": "jeannine.meursault@example.com",
                    "ar24_consent_source": "manual",
                    "ar24_consent_mismatch": False,
                },
                {
                    "ar24_consent": True,
                    "ar24_consent_state": "accepted",
                    "ar24_consent_email": "agence@example.com",
                    "ar24_consent_source": "manual",
                    "ar24_consent_mismatch": False,
                },
            ],
        )
        self.assertTrue(self.valid.ar24_consent_date)
        for partner in self.no_email | self.bad_email | self.sci | self.archived:
            self.assertRecordValues(partner, [{"ar24_consent": False, "ar24_consent_state": "none"}])

        self.flush_tracking()
        note = self.notes(self.valid, "LRE consent added manually by Alain Joly")
        self.assertEqual(len(note), 1)
        self.assertEqual(note.author_id, self.ar24_user.partner_id)
        self.assertEqual(set(note.sudo().tracking_value_ids.field_id.mapped("name")), {"email", "source", "state"})
        self.assertEqual(len(self.consent(self.valid).message_ids.filtered("tracking_value_ids")), 1)
        self.assertFalse(self.consent(self.sci))

        # a second time: nothing changes, and the notification says why
        action = partners.action_ar24_consent_add()
        self.assertFalse(action["params"]["ar24_changed_ids"])
        self.assertEqual(self.skipped(action)[self.valid.id], "already has an LRE consent for this e-mail")
        self.flush_tracking()
        self.assertEqual(len(self.notes(self.valid, "LRE consent added manually")), 1)

    @users("ar24_user")
    def test_add_consent_again_after_the_email_changed(self):
        self.set_consent(self.valid)
        self.valid.sudo().email = "jeannine@example.org"
        self.assertTrue(self.valid.ar24_consent_mismatch)
        action = self.valid.with_env(self.env).action_ar24_consent_add()
        self.assertEqual(self.changed(action), self.valid)
        self.assertRecordValues(
            self.valid, [{"ar24_consent_email": "jeannine@example.org", "ar24_consent_mismatch": False}]
        )

    @users("ar24_user")
    def test_remove_consent_on_a_mixed_selection(self):
        self.set_consent(self.valid)
        self.set_consent(self.sci)
        self.set_consent(self.bad_email, ar24_consent_email="paul@example.com")
        action = self.mixed.with_env(self.env).action_ar24_consent_remove()
        self.assertEqual(self.changed(action), self.valid | self.bad_email | self.sci)
        self.assertEqual(
            self.skipped(action),
            {
                self.no_email.id: "has no LRE consent",
                self.agency.id: "has no LRE consent",
                self.archived.id: "archived",
            },
        )
        self.assertRecordValues(
            self.valid | self.bad_email | self.sci,
            [{"ar24_consent": False, "ar24_consent_state": "none", "ar24_consent_source": "manual"}] * 3,
        )
        self.flush_tracking()
        self.assertEqual(len(self.notes(self.sci, "LRE consent removed manually by Alain Joly")), 1)

    # ------------------------------------------------------------------ request by e-mail
    @users("ar24_user")
    def test_request_consent_on_a_mixed_selection(self):
        partners = self.mixed.with_env(self.env)
        action = partners.action_ar24_consent_request()
        self.assertEqual(self.changed(action), self.valid | self.agency)
        self.assertEqual(
            self.skipped(action),
            {
                self.no_email.id: "no e-mail",
                self.bad_email.id: "invalid e-mail (no @ in the address)",
                self.sci.id: "company without contact name",
                self.archived.id: "archived",
            },
        )
        self.assertIn("Requested (2)", action["params"]["message"])
        sent = [
            {k: c["params"][k] for k in ("id_user", "email", "firstname", "lastname")}
            for c in self.controls.calls("request_consent")
        ]
        user_id = str(self.sender["id_user"])
        self.assertEqual(
            sent,
            [
                {
                    "id_user": user_id,
                    "email": "jeannine.meursault@example.com",
                    "firstname": "Jeannine",
                    "lastname": "Meursault",
                },
                {"id_user": user_id, "email": "agence@example.com", "firstname": "Denise", "lastname": "Aloxe Corton"},
            ],
        )
        self.assertRecordValues(
            self.valid | self.agency,
            [{"ar24_consent": False, "ar24_consent_state": "pending", "ar24_consent_source": "ar24_request"}] * 2,
        )
        self.flush_tracking()
        requested = "LRE consent requested by e-mail (through AR24) by Alain Joly"
        self.assertEqual(len(self.notes(self.valid, requested)), 1)

        # sent again to a pending partner: nothing changes, but the new request is recorded
        action = self.valid.with_env(self.env).action_ar24_consent_request()
        self.assertEqual(self.changed(action), self.valid)
        self.assertEqual(len(self.controls.calls("request_consent")), 3)
        self.flush_tracking()
        self.assertEqual(len(self.notes(self.valid, requested)), 2)

        # once accepted at AR24 there is nothing left to ask
        self.set_consent(self.valid)
        action = self.valid.with_env(self.env).action_ar24_consent_request()
        self.assertEqual(self.skipped(action), {self.valid.id: "already has an LRE consent for this e-mail"})
        self.assertEqual(len(self.controls.calls("request_consent")), 3)

    @users("ar24_user")
    def test_request_stops_when_ar24_is_unreachable(self):
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.max_retries", 0)
        self.controls.faults(maintenance=True)
        action = self.mixed.with_env(self.env).action_ar24_consent_request()
        self.assertFalse(action["params"]["ar24_changed_ids"])
        skipped = self.skipped(action)
        self.assertIn("maintenance", skipped[self.valid.id])
        self.assertEqual(skipped[self.agency.id], skipped[self.valid.id])
        # the first failure stops the run: AR24 is not called for every partner
        self.assertEqual(len(self.controls.calls("request_consent")), 1)
        self.assertEqual(self.valid.ar24_consent_state, "none")

    def test_request_needs_a_linked_account(self):
        with self.assertRaisesRegex(UserError, "Jeff Lechef has no AR24 account linked"):
            self.valid.with_user(self.ar24_manager).action_ar24_consent_request()
        self.assertFalse(self.controls.calls("request_consent"))

    # ------------------------------------------------------------------ synchronisation
    def test_sync_reads_consents_page_by_page_and_matches_partners_by_email(self):
        count = 250
        id_user = self.sender["id_user"]
        self.controls.post("consents/seed", id_user=id_user, count=count, status="accepted")
        self.controls.consent(id_user, "moved@example.com", "accepted")
        Partner = self.env["res.partner"]
        owners = Partner.create([{"name": "Owner %d" % i, "email": "Owner%d@Example.com" % i} for i in range(count)])
        moved = Partner.create({"name": "Owner Moved", "email": "moved@example.com"})
        stranger = Partner.create({"name": "Owner Stranger", "email": "stranger@example.com"})
        sync = Partner.with_user(self.ar24_user)._ar24_consent_sync_from_ar24

        self.env.invalidate_all()
        queries = self.env.cr.sql_log_count
        # (the emulator serves a proof in ~40 ms: the mixed-selection test downloads real ones)
        with patch.object(AR24Client, "download", autospec=True, return_value=b"%PDF-1.4 proof") as download:
            result = sync()
        self.env.flush_all()
        # search, batched writes, notes with their tracking values, proofs: no query per partner
        self.assertLess(self.env.cr.sql_log_count - queries, 80)
        self.assertEqual(len(self.controls.calls("list_consents")), math.ceil((count + 1) / 100))
        self.assertEqual(result["consents"], count + 1)
        self.assertEqual(result["changed"], owners | moved)
        self.assertEqual(set(owners.mapped("ar24_consent_state")), {"accepted"})
        self.assertEqual(set(owners.mapped("ar24_consent_source")), {"ar24_sync"})
        self.assertTrue(all(owners.mapped("ar24_consent")))
        self.assertEqual(owners[7].ar24_consent_email, "owner7@example.com")
        self.assertFalse(any(owners.mapped("ar24_consent_mismatch")))
        self.assertRecordValues(stranger, [{"ar24_consent": False, "ar24_consent_state": "none"}])
        # one proof per consent, attached to the consent (where only registered-letter users read it)
        self.assertEqual(download.call_count, count + 1)
        consents = self.env["ar24.consent"].search([("partner_id", "in", owners.ids)])
        self.assertEqual(consents.company_id, self.company)
        proofs = self.env["ir.attachment"].search([("res_model", "=", "ar24.consent"), ("res_id", "in", consents.ids)])
        self.assertEqual(len(proofs), count)
        self.assertIn("LRE consent proof owner7@example.com.pdf", proofs.mapped("name"))
        self.assertTrue(proofs[0].raw.startswith(b"%PDF"))
        note = self.notes(owners[0], "LRE consent updated from AR24 (account of Alain Joly)")
        self.assertEqual(len(note), 1)
        self.assertEqual(set(note.sudo().tracking_value_ids.field_id.mapped("name")), {"email", "source", "state"})

        # again: nothing to write, nothing to download, and no query per partner
        self.env.invalidate_all()
        queries = self.env.cr.sql_log_count
        with patch.object(AR24Client, "download", autospec=True) as download:
            result = sync()
        self.assertLess(self.env.cr.sql_log_count - queries, 25)
        download.assert_not_called()
        self.assertFalse(result["changed"])
        self.assertEqual(len(result["unchanged"]), count + 1)
        self.assertEqual(len(self.controls.calls("list_consents")), 2 * math.ceil((count + 1) / 100))

        # the partner moved to another address: his consent stays, flagged, and no longer counts
        moved.email = "moved.new@example.com"
        self.assertTrue(moved.ar24_consent_mismatch)
        result = sync()
        self.assertIn(moved, result["unchanged"])
        self.assertRecordValues(
            moved, [{"ar24_consent": True, "ar24_consent_email": "moved@example.com", "ar24_consent_mismatch": True}]
        )
        self.assertEqual(
            moved._ar24_consent_reason("lre_eidas", moved.email, self.company),
            "LRE consent not valid (given for another e-mail: moved@example.com)",
        )

    @users("ar24_user")
    def test_sync_action_on_a_mixed_selection(self):
        id_user = self.sender["id_user"]
        self.controls.consent(id_user, "Jeannine.Meursault@example.com", "accepted", firstname="Jeannine")
        self.controls.consent(id_user, "sci@example.com", "refused")
        self.controls.consent(id_user, "agence@example.com", "pending")
        self.controls.consent(id_user, "ancien@example.com", "accepted")
        self.set_consent(self.sci)  # by hand a month ago, refused at AR24 since
        partners = self.mixed.with_env(self.env)

        with patch.object(AR24Client, "download", autospec=True, side_effect=AR24Client.download) as download:
            action = partners.action_ar24_consent_sync()
            self.assertEqual(self.changed(action), self.valid | self.sci | self.agency)
            self.assertEqual(
                self.skipped(action),
                {
                    self.no_email.id: "no e-mail",
                    self.bad_email.id: "invalid e-mail (no @ in the address)",
                    self.archived.id: "archived",
                },
            )
            self.assertRecordValues(
                self.valid | self.sci | self.agency,
                [
                    {"ar24_consent": True, "ar24_consent_state": "accepted", "ar24_consent_source": "ar24_sync"},
                    {"ar24_consent": False, "ar24_consent_state": "refused", "ar24_consent_source": "ar24_sync"},
                    {"ar24_consent": False, "ar24_consent_state": "pending", "ar24_consent_source": "ar24_sync"},
                ],
            )
            self.assertEqual(self.valid.ar24_consent_email, "jeannine.meursault@example.com")
            self.assertFalse(self.archived.ar24_consent)

            # the proof is downloaded and attached once, however many times the consent is read
            action = partners.action_ar24_consent_sync()
            self.assertFalse(action["params"]["ar24_changed_ids"])
            self.assertEqual(self.skipped(action)[self.valid.id], "already up to date")
        self.assertEqual(download.call_count, 1)
        proof = self.consent(self.valid).proof_ids
        self.assertEqual(proof.name, "LRE consent proof jeannine.meursault@example.com.pdf")
        self.assertEqual(proof.mimetype, "application/pdf")

        self.flush_tracking()
        self.assertEqual(len(self.notes(self.sci, "LRE consent updated from AR24 (account of Alain Joly)")), 1)

    @users("ar24_user")
    def test_sync_keeps_a_manual_consent_more_recent_than_ar24(self):
        # AR24 recorded the refusal yesterday; the consent was recorded by hand since (a consent cannot be
        # dated ahead: it would outlive a later refusal, see test_trust_evidence)
        self.controls.advance(days=-1)
        self.controls.consent(self.sender["id_user"], "sci@example.com", "refused")
        self.controls.advance(days=1)
        self.set_consent(self.sci, ar24_consent_date=fields.Datetime.now())
        action = self.sci.with_env(self.env).action_ar24_consent_sync()
        self.assertFalse(action["params"]["ar24_changed_ids"])
        self.assertRecordValues(self.sci, [{"ar24_consent": True, "ar24_consent_source": "manual"}])

    @users("ar24_user")
    def test_sync_says_which_partners_have_no_consent_at_ar24(self):
        action = self.valid.with_env(self.env).action_ar24_consent_sync()
        self.assertEqual(self.skipped(action), {self.valid.id: "no consent at AR24 for jeannine.meursault@example.com"})

    def test_sync_needs_a_linked_account(self):
        with self.assertRaisesRegex(UserError, "Jeff Lechef has no AR24 account linked"):
            self.valid.with_user(self.ar24_manager).action_ar24_consent_sync()

    def test_refresh_for_send_never_raises(self):
        self.controls.consent(self.sender["id_user"], "jeannine.meursault@example.com", "accepted")
        Partner = self.env["res.partner"].with_user(self.ar24_user)
        result = Partner._ar24_consent_refresh_for_send(self.valid | self.sci)
        self.assertFalse(result["error"])
        self.assertEqual(result["changed"], self.valid)
        self.assertTrue(self.valid.ar24_consent)

        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.max_retries", 0)
        self.controls.faults(maintenance=True)
        result = Partner._ar24_consent_refresh_for_send(self.valid)
        self.assertIn("maintenance", result["error"])
        self.assertFalse(result["changed"])
        self.assertTrue(self.valid.ar24_consent)
        self.assertFalse(Partner._ar24_consent_refresh_for_send(Partner)["error"])

    def test_cron_refreshes_every_linked_account(self):
        cron = self.env.ref("ar24_lre.ir_cron_ar24_consent_sync")
        self.assertFalse(cron.active)
        self.assertEqual(cron.code.strip(), "model._ar24_consent_cron()")
        manager = self.link_sender(self.ar24_manager)
        self.controls.consent(self.sender["id_user"], "jeannine.meursault@example.com", "accepted")
        self.controls.consent(manager["id_user"], "sci@example.com", "refused")
        # an account AR24 no longer knows must not stop the others
        self.employee.sudo().write({"ar24_user_id": 999999, "ar24_link_state": "linked"})
        IrCron = type(self.env["ir.cron"])
        with (
            patch.object(IrCron, "_commit_progress", autospec=True, return_value=60.0) as progress,
            mute_logger("odoo.addons.ar24_lre.models.res_partner"),
        ):
            self.env["res.partner"]._ar24_consent_cron()
        self.assertTrue(self.valid.ar24_consent)
        self.assertEqual(self.sci.ar24_consent_state, "refused")
        self.assertTrue(all((self.ar24_user | self.ar24_manager | self.employee).mapped("ar24_consent_synced_at")))
        self.assertEqual(progress.call_count, 4)  # the total, then one per account
        self.assertEqual(progress.call_args_list[0].kwargs, {"remaining": 3})

    def test_cron_cut_short_resumes_with_the_accounts_least_recently_synced(self):
        """A run cut by the time limit (``_commit_progress`` answers 0) stops after the account it was
        on; the next run starts with the accounts read least recently, so every account gets its turn
        however often the job is cut."""
        clerk = letter_user(self.env, "ar24_clerk", "Clara Clerc", "clara@syndic.example.com")
        accounts = {
            str(info["id_user"]): user
            for user, info in (
                (self.ar24_user, self.sender),
                (self.ar24_manager, self.link_sender(self.ar24_manager)),
                (clerk, self.link_sender(clerk)),
            )
        }
        by_user = {user: id_user for id_user, user in accounts.items()}
        self.controls.consent(by_user[clerk], "jeannine.meursault@example.com", "accepted")
        self.controls.consent(by_user[self.ar24_user], "sci@example.com", "refused")
        # the manager's account was read yesterday, Alain's two days ago, the clerk's never
        now = fields.Datetime.now()
        self.ar24_manager.sudo().ar24_consent_synced_at = now - timedelta(days=1)
        self.ar24_user.sudo().ar24_consent_synced_at = now - timedelta(days=2)
        IrCron = type(self.env["ir.cron"])

        def run_cut_after_one_account(night):
            """The accounts whose address book the run of the ``night``-th night read, in order."""
            mark = len(self.controls.calls("list_consents"))
            answers = iter([60.0, 0.0])  # time left after announcing the total, none after one account
            with (
                patch.object(IrCron, "_commit_progress", autospec=True, side_effect=lambda *a, **k: next(answers)),
                patch.object(AR24Client, "download", autospec=True, return_value=b"%PDF-1.4 proof"),
                patch.object(fields.Datetime, "now", return_value=now + timedelta(days=night)),
            ):
                self.env["res.partner"]._ar24_consent_cron()
            read = [accounts[call["params"]["id_user"]] for call in self.controls.calls("list_consents")[mark:]]
            return list(dict.fromkeys(read))

        self.assertEqual(run_cut_after_one_account(1), [clerk])
        self.assertEqual((self.valid | self.sci).mapped("ar24_consent_state"), ["accepted", "none"])
        self.assertEqual(run_cut_after_one_account(2), [self.ar24_user])
        self.assertEqual(self.sci.ar24_consent_state, "refused")
        self.assertEqual(run_cut_after_one_account(3), [self.ar24_manager])
        # every account had its turn: the round starts again with the one read longest ago
        self.assertEqual(run_cut_after_one_account(4), [clerk])
        self.assertEqual(run_cut_after_one_account(5), [self.ar24_user])

    # ------------------------------------------------------------------ selection, access
    @users("ar24_user")
    def test_select_all_across_pages_uses_the_domain(self):
        Partner = self.env["res.partner"]
        bulk = Partner.sudo().create([{"name": "Bulk %d" % i, "email": "bulk%d@example.net" % i} for i in range(3)])
        domain = [("email", "=like", "bulk%@example.net")]
        self.env["ir.config_parameter"].sudo().set_param("web.active_ids_limit", 2)
        action = self.env.ref("ar24_lre.action_ar24_consent_add")
        context = {"active_model": "res.partner", "active_domain": domain}
        # the user ticked one line: only that one
        result = action.with_context(context, active_ids=bulk[:1].ids, active_id=bulk[0].id).run()
        self.assertEqual(result["params"]["ar24_changed_ids"], bulk[:1].ids)
        # the user selected all: the client sent as many ids as allowed, the whole domain is processed
        result = action.with_context(context, active_ids=bulk[1:].ids, active_id=bulk[1].id).run()
        self.assertEqual(sorted(result["params"]["ar24_changed_ids"]), sorted(bulk[1:].ids))
        self.assertEqual(result["params"]["ar24_skipped"], [[bulk[0].id, "already has an LRE consent for this e-mail"]])
        self.assertTrue(all(bulk.mapped("ar24_consent")))

    @users("employee")
    def test_user_without_the_lre_group_is_refused(self):
        partners = self.mixed.with_env(self.env)
        for method in (ADD, REMOVE, SYNC, REQUEST):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(partners, method)()
            xmlid = "ar24_lre." + method
            action = self.env.ref(xmlid).with_context(active_model="res.partner", active_ids=partners.ids)
            with self.subTest(server_action=xmlid), self.assertRaises(AccessError):
                action.run()
        self.assertFalse(self.valid.sudo().ar24_consent)
        self.assertFalse(self.controls.calls())

    # ------------------------------------------------------------------ rules applied when sending
    def test_consent_reason_rules(self):
        Partner = self.env["res.partner"]
        person = Partner.create({"name": "Person Ok", "email": "ok@example.com"})
        self.set_consent(person)
        none = Partner.create({"name": "Person None", "email": "none@example.com"})
        pending = Partner.create({"name": "Person Pending", "email": "pending@example.com"})
        self.set_consent(pending, ar24_consent=False, ar24_consent_state="pending", ar24_consent_source="ar24_request")
        refused = Partner.create({"name": "Person Refused", "email": "refused@example.com"})
        self.set_consent(refused, ar24_consent=False, ar24_consent_state="refused", ar24_consent_source="ar24_sync")
        moved = Partner.create({"name": "Person Moved", "email": "new@example.com"})
        self.set_consent(moved, ar24_consent_email="old@example.com")
        pro = Partner.create({"name": "Pro Company", "is_company": True, "email": "pro@example.com"})
        pro_person = Partner.create(
            {"name": "Pro Person", "email": "pp@example.com", "ar24_recipient_status": "professionnel"}
        )
        self.assertEqual(pro.ar24_recipient_status, "professionnel")
        self.assertEqual(none.ar24_recipient_status, "particulier")
        no_consent = "LRE consent not valid (no consent)"
        other = "LRE consent not valid (given for another e-mail: old@example.com)"
        mail_other = "LRE consent not valid (given for another e-mail: ok@example.com)"
        table = [
            # partner, send type, e-mail (None: the partner's), avis électronique needs consent, reason
            (person, "lre_eidas", None, True, False),
            (person, "lre_eidas", " OK@Example.com ", True, False),
            (person, "lre_eidas", "other@example.com", True, mail_other),
            (none, "lre_eidas", None, True, no_consent),
            (pending, "lre_eidas", None, True, "LRE consent not valid (request pending)"),
            (refused, "lre_eidas", None, True, "LRE consent not valid (refused)"),
            (moved, "lre_eidas", None, True, other),
            (moved, "lre_eidas", "old@example.com", True, other),
            (pro, "lre_eidas", None, True, False),
            (pro_person, "lre_eidas", None, True, False),
            (none, "lr_paper", None, True, False),
            (refused, "lr_paper", None, True, False),
            (person, "ae", None, True, False),
            (none, "ae", None, True, no_consent),
            (pro, "ae", None, True, no_consent),
            (pending, "ae", None, True, "LRE consent not valid (request pending)"),
            (none, "ae", None, False, False),
            (pro, "ae", None, False, False),
            (refused, "ae", None, False, "LRE consent not valid (refused)"),
        ]
        for partner, send_type, email, ae_required, expected in table:
            self.company.ar24_ae_consent_required = ae_required
            with self.subTest(partner=partner.name, send_type=send_type, email=email, ae_required=ae_required):
                self.assertEqual(partner._ar24_consent_reason(send_type, email, self.company), expected)
        with self.assertRaises(ValueError):
            person._ar24_consent_reason("fax", None, self.company)

    def test_ae_consent_policy_is_a_company_setting(self):
        self.assertTrue(self.company.ar24_ae_consent_required)
        form = Form(self.env["res.config.settings"])
        form.ar24_ae_consent_required = False
        form.save().execute()
        self.assertFalse(self.company.ar24_ae_consent_required)

    def test_recipient_status_defaults_from_company_and_can_be_changed(self):
        self.assertEqual(self.sci.ar24_recipient_status, "professionnel")
        self.assertEqual(self.valid.ar24_recipient_status, "particulier")
        self.valid.write({"ar24_recipient_status": "professionnel", "ar24_dispatch_mode": "lre"})
        self.assertEqual(self.valid.ar24_recipient_status, "professionnel")
        self.assertFalse(self.valid.copy().ar24_consent)

    # ------------------------------------------------------------------ consent link
    def test_consent_link_is_asked_once_and_rendered_in_the_template(self):
        partners = (self.valid | self.sci | self.agency).with_user(self.ar24_user)
        urls = partners.mapped("ar24_consent_url")
        self.assertEqual(len(set(urls)), 1)
        self.assertIn("/page/consent/%d/" % self.sender["id_user"], urls[0])
        partners.invalidate_recordset(["ar24_consent_url"])
        self.assertEqual(partners.mapped("ar24_consent_url"), urls)
        self.assertEqual(len(self.controls.calls("consent_link")), 1)

        template = self.env.ref("ar24_lre.mail_template_ar24_consent_invitation")
        body = template.with_user(self.ar24_user)._render_field("body_html", self.valid.ids)[self.valid.id]
        self.assertIn('href="%s"' % urls[0], str(body))

        # no linked account, AR24 unreachable or not configured: no link, no error
        self.assertFalse(self.valid.with_user(self.ar24_manager).ar24_consent_url)
        self.controls.faults(maintenance=True)
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.max_retries", 0)
        self.forget_consent_link()
        self.assertFalse(self.sci.with_user(self.ar24_user).ar24_consent_url)
        self.controls.faults(maintenance=False)
        self.company.sudo().ar24_token = False
        self.forget_consent_link()
        self.assertFalse(self.agency.with_user(self.ar24_user).ar24_consent_url)
