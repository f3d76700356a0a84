"""'Envoyer en AR' as a syndic uses it: each recipient by his own channel, payment per sender, no orphan drafts.

The wizard is opened from the contacts as the web client does (the server action, then the wizard's
form with the action's context), as the sender himself (``with_user``). What is asserted is what he
would notice: the channel and reason of each row, the counts and prices per channel, what AR24
received, the letters that exist afterwards, what a colleague is refused.
"""

import contextlib
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from ..ar24.pdf import make_pdf
from ..ar24.routes import PAPER_PRICE_PER_PAGE, PRICES
from ..ar24.tests.channel_table import CHANNEL_TABLE
from ..models import ar24_letter_send as send_module
from ..tools import PROGRESS
from .common import ADDRESS, AR24Case, letter_user


class SendFlowCase(AR24Case):
    """Alain (``ar24_user``) sends the co-ownership's letters, charged to his card; Paul is a colleague."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the co-ownership sends the qualified LRE
        cls._coownership(method=None, ar24_default_send_type="lre_eidas")
        cls.fr = cls.env.ref("base.fr")
        cls.paul = letter_user(cls.env, "ar24_rival", "Paul Rival", "paul@syndic.example.com")

    def setUp(self):
        super().setUp()
        self.alain = self.link_identified_sender(self.ar24_user, payment_methods=2)
        self.env["ar24.payment.method"].with_user(self.ar24_user).action_sync()
        Method = self.env["ar24.payment.method"]
        self.card, self.sepa = (Method.search([("slug", "=", slug)]) for slug in self.alain["payment_methods"])
        # Alain charges the co-ownership's letters to his card
        self.env["ar24.sender.payment"].with_user(self.ar24_user).create(
            {"company_id": self.company.id, "payment_method_id": self.card.id}
        )

    # ------------------------------------------------------------------ helpers
    def _partner(self, name, email=None, consent=None, address=True, **values):
        """A contact; ``consent``: accepted, other_email, pending, none or refused (to this entity)."""
        vals = dict(ADDRESS, country_id=self.fr.id) if address else {}
        partner = self.env["res.partner"].create(dict(vals, name=name, email=email, **values))
        if consent and consent != "none":
            given = {
                "accepted": ("accepted", email),
                "other_email": ("accepted", "old-%s" % email),
                "pending": ("pending", email),
                "refused": ("refused", email),
            }[consent]
            partner.write({"ar24_consent_state": given[0], "ar24_consent_email": given[1]})
        return partner

    def _open(self, records, user=None, **values):
        """The wizard as the web client opens it from a selection: server action, then the form."""
        Letter = self.env["ar24.letter"].with_user(user or self.ar24_user)
        action = Letter._prepare_from_records(records.with_user(user or self.ar24_user), **values)
        form = Form(self.env["ar24.send.wizard"].with_user(user or self.ar24_user).with_context(**action["context"]))
        form.subject = "Convocation à l'assemblée générale"
        form.body = "<p>Vous êtes convoqué à l'assemblée générale du 4 avril.</p>"
        return form

    @contextlib.contextmanager
    def refused(self, exception, pattern):
        """assertRaisesRegex within Odoo's savepoint (its assertRaises): nothing of the refused call stays."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), pattern)

    def _rows(self, wizard):
        """{recipient name: detail line}"""
        return {line.recipient: line for line in wizard.line_ids}

    def _letters(self):
        return self.env["ar24.letter"].search_count([])

    def _capture_progress(self):
        reports = []
        original = type(self.ar24_user)._bus_send

        def capture(user, kind, payload, **kwargs):
            if kind == PROGRESS:
                reports.append((user, dict(payload)))
            return original(user, kind, payload, **kwargs)

        return reports, patch.object(type(self.ar24_user), "_bus_send", capture)


@tagged("post_install", "-at_install")
class TestSendFlow(SendFlowCase):
    # ------------------------------------------------------------------ the channel of each recipient
    def test_every_preferred_dispatch_consent_and_address_gets_its_channel(self):
        partners = self.env["res.partner"]
        expected = {}
        for index, (preferred, consent, address, channel, reason) in enumerate(CHANNEL_TABLE):
            name = "Owner %02d %s %s %s" % (index, preferred or "-", consent, address)
            partners |= self._partner(
                name,
                "owner%02d@example.org" % index,
                consent,
                address=address == "complete",
                ar24_dispatch_mode=preferred,
            )
            expected[name] = (channel, reason)
        wizard = self._open(partners).save()
        self.assertEqual(wizard.send_type, "per_recipient", "the contacts differ: each gets his own channel")
        rows = self._rows(wizard)
        self.assertEqual(len(rows), len(CHANNEL_TABLE))
        reasons = {
            "preferred": "preferred dispatch of the recipient",
            "consent": "LRE consent valid",
            "consent_no_paper": "preferred paper letter impossible: postal address incomplete",
            "no_electronic": "no electronic letter: LRE consent not valid",
            "no_preferred": "preferred electronic letter impossible: LRE consent not valid",
            "none": "No channel: LRE consent not valid",
        }
        for name, (channel, reason) in expected.items():
            with self.subTest(name):
                line = rows[name]
                self.assertEqual(line.channel or None, channel)
                self.assertIn(reasons[reason], line.channel_reason if channel else line.info)
                self.assertEqual(line.compatible, channel is not None, line.info)
        no_channel = [name for name, (channel, _reason) in expected.items() if channel is None]
        self.assertEqual(wizard.incompatible_count, len(no_channel))
        summary = wizard.error_line_ids.filtered(lambda line: line.partner_id.name == no_channel[0])
        self.assertIn("the street is missing", summary.comment)

    def test_counts_and_prices_per_channel_then_one_click_sends_them_all(self):
        lre = [self._partner("Denise Aloxe", "denise@example.org", "accepted")]
        lre.append(self._partner("SCI du Port", "gerance@sci.example.org", is_company=True))  # professional
        paper = [self._partner("Alfred Brouilly", "alfred@example.org", "refused")]
        paper.append(self._partner("Marie Rolin", None, ar24_dispatch_mode="lr_paper"))
        nowhere = self._partner("Jeannine Meursault", address=False)  # no e-mail, no address
        partners = self.env["res.partner"].concat(*lre, *paper, nowhere)
        letters_before = self._letters()
        form = self._open(partners)
        annex = (
            self.env["ir.attachment"]
            .with_user(self.ar24_user)
            .create(
                {"name": "convocation.pdf", "raw": make_pdf(["Convocation"], pages=2), "mimetype": "application/pdf"}
            )
        )
        form.attachment_ids.add(annex)
        wizard = form.save()
        self.assertEqual(wizard.send_type, "per_recipient")
        pages = 1 + 2  # the letter and the 2-page annex
        self.assertRecordValues(
            wizard.channel_line_ids,
            [
                {"channel": "lre_eidas", "requested": 2, "compatible": 2, "incompatible": 0, "pages": 0},
                {"channel": "lr_paper", "requested": 2, "compatible": 2, "incompatible": 0, "pages": 2 * pages},
                {"channel": "none", "requested": 1, "compatible": 0, "incompatible": 1, "pages": 0},
            ],
        )
        lre_price, paper_price = PRICES[("lre", 1)], PRICES[("lr_paper", 0)] + PAPER_PRICE_PER_PAGE * pages
        self.assertAlmostEqual(wizard.channel_line_ids[0].price, 2 * lre_price, places=2)
        self.assertAlmostEqual(wizard.channel_line_ids[1].price, 2 * paper_price, places=2)
        self.assertRecordValues(wizard, [{"requested_count": 5, "compatible_count": 4, "incompatible_count": 1}])
        self.assertAlmostEqual(wizard.estimated_price, 2 * lre_price + 2 * paper_price, places=2)
        # the detail says which channel each letter takes and why
        rows = self._rows(wizard)
        self.assertEqual(rows["Denise Aloxe"].channel_reason, "LRE consent valid")
        self.assertEqual(rows["SCI du Port"].channel_reason, "professional recipient: no LRE consent needed")
        self.assertEqual(
            rows["Alfred Brouilly"].channel_reason, "no electronic letter: LRE consent not valid (refused)"
        )
        self.assertEqual(rows["Marie Rolin"].channel_reason, "preferred dispatch of the recipient")
        self.assertIn("no usable e-mail (No e-mail address)", rows["Jeannine Meursault"].info)
        self.assertIn("postal address incomplete", rows["Jeannine Meursault"].info)
        self.assertEqual(self._letters(), letters_before, "opening the wizard created letters")

        action = wizard.action_send()
        letters = self.env["ar24.letter"].search([("partner_id", "in", partners.ids)])
        self.assertEqual(len(letters), 4, "a letter for each compatible row, none for the others")
        by_partner = {letter.partner_id.name: letter for letter in letters}
        self.assertNotIn("Jeannine Meursault", by_partner)
        for name in ("Denise Aloxe", "SCI du Port"):
            self.assertRecordValues(by_partner[name], [{"send_type": "lre_eidas", "state": "to_valid"}])
        for name in ("Alfred Brouilly", "Marie Rolin"):
            self.assertRecordValues(by_partner[name], [{"send_type": "lr_paper", "state": "waiting"}])
        sent = self.controls.calls("send_mail")
        self.assertEqual(sorted(call["params"]["type"] for call in sent), ["lr_paper", "lr_paper"])
        self.assertEqual({call["params"]["payment_slug"] for call in sent}, {self.card.slug})
        self.assertIn("2 of 2 letters handed to AR24", action["params"]["message"])
        self.assertIn("2 of 2 qualified LRE letters wait for your OTP code", action["params"]["message"])

    def test_a_fixed_send_type_still_applies_to_everyone(self):
        partners = self._partner("Denise Aloxe", "denise@example.org", "accepted") | self._partner(
            "Alfred Brouilly", "alfred@example.org"
        )
        form = self._open(partners)
        form.send_type = "lr_paper"
        wizard = form.save()
        self.assertRecordValues(wizard.channel_line_ids, [{"channel": "lr_paper", "requested": 2, "compatible": 2}])
        form.send_type = "lre_eidas"
        wizard = form.save()
        self.assertEqual(wizard.incompatible_count, 1)
        self.assertIn(
            "LRE consent not valid (no consent)", wizard.error_line_ids.filtered("partner_id").mapped("comment")
        )

    def test_same_channel_for_everyone_is_the_default_send_type(self):
        partners = self._partner("Denise Aloxe", "denise@example.org", "accepted") | self._partner(
            "Louis Latour", "louis@example.org", "accepted"
        )
        self.assertEqual(self._open(partners).save().send_type, "lre_eidas")

    # ------------------------------------------------------------------ consents fresh before counting
    def test_consents_are_read_from_ar24_when_the_wizard_opens_and_on_recalculate(self):
        latour = self._partner("Jean Latour", "jean.latour@example.org", "pending")
        self.controls.consent(self.alain["id_user"], "jean.latour@example.org", "accepted", firstname="Jean")
        form = self._open(latour)
        form.send_type = "per_recipient"
        wizard = form.save()
        # one paged read of the sender's address book, and the letter is counted as an LRE at once
        self.assertEqual(len(self.controls.calls("list_consents")), 1)
        self.assertEqual(latour.with_user(self.ar24_user).ar24_consent_state, "accepted")
        self.assertRecordValues(wizard.line_ids, [{"channel": "lre_eidas", "compatible": True}])
        # he withdraws it on AR24's page; "Recalculer les erreurs" reads it again
        self.controls.consent(self.alain["id_user"], "jean.latour@example.org", "refused")
        wizard.action_recompute()
        self.assertEqual(len(self.controls.calls("list_consents")), 2)
        self.assertRecordValues(wizard.line_ids, [{"channel": "lr_paper", "compatible": True}])
        self.assertEqual(wizard.line_ids.channel_reason, "no electronic letter: LRE consent not valid (refused)")

    def test_ar24_unreachable_at_opening_the_known_consents_are_used_and_said(self):
        denise = self._partner("Denise Aloxe", "denise@example.org", "accepted")
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.max_retries", 0)
        self.controls.faults(maintenance=True)
        wizard = self._open(denise).save()
        self.assertIn("could not be re-read from AR24", wizard.consent_message)
        self.assertRecordValues(wizard.line_ids, [{"channel": "lre_eidas", "compatible": True}])

    # ------------------------------------------------------------------ payment per sender account
    def test_each_sender_pays_with_his_own_method_and_may_pick_another_of_his(self):
        denise = self._partner("Denise Aloxe", "denise@example.org", "accepted")
        form = self._open(denise)
        form.send_type = "lr_paper"
        wizard = form.save()
        self.assertIn(self.card.slug, wizard.line_ids.payment)
        form.payment_method_id = self.sepa  # another method of his own account, for this batch
        wizard = form.save()
        self.assertIn(self.sepa.slug, wizard.line_ids.payment)
        wizard.action_send()
        self.assertEqual(self.controls.calls("send_mail")[0]["params"]["payment_slug"], self.sepa.slug)
        letter = self.env["ar24.letter"].search([("partner_id", "=", denise.id)])
        self.assertEqual(letter.payment_method_id, self.sepa)

    def test_a_method_of_another_account_is_an_error_in_the_summary_never_a_failure_at_ar24(self):
        denise = self._partner("Denise Aloxe", "denise@example.org", "accepted")
        paul = self.link_sender(self.paul)
        self.env["ar24.payment.method"].with_user(self.paul).action_sync()
        pauls = self.env["ar24.payment.method"].search([("slug", "=", paul["payment_methods"][0])])
        # the entity's own method is Paul's, and Alain linked none: his letters cannot use Paul's
        self.env["ar24.sender.payment"].search([("user_id", "=", self.ar24_user.id)]).unlink()
        self.company.ar24_payment_method_id = pauls
        form = self._open(denise)
        form.send_type = "lr_paper"
        wizard = form.save()
        self.assertEqual(wizard.incompatible_count, 1)
        self.assertIn(
            "Payment method %s belongs to the AR24 account of Paul Rival, not to that of Alain Joly" % pauls.name,
            wizard.error_line_ids.mapped("comment"),
        )
        with self.refused(UserError, "None of the 1 letters can be sent"):
            wizard.action_send()
        self.assertFalse(self.controls.calls("send_mail"))
        # without any method for the entity, the summary says where to link one
        self.company.ar24_payment_method_id = False
        wizard.action_recompute()
        self.assertIn("Manage payment methods for my account", " ".join(wizard.error_line_ids.mapped("comment")))

    def test_a_colleague_cannot_charge_his_letters_to_my_method(self):
        """The attacker's own calls: Paul picks, links or writes Alain's card."""
        self.link_sender(self.paul)
        denise = self._partner("Denise Aloxe", "denise@example.org", "accepted")
        # in the wizard, by RPC (the form only offers his own methods)
        form = self._open(denise, user=self.paul)
        wizard = form.save()
        with self.refused(ValidationError, "not a payment method of your AR24 account"):
            wizard.with_user(self.paul).write({"payment_method_id": self.card.id})
        with self.assertRaises(ValidationError):
            self.env["ar24.send.wizard"].with_user(self.paul).create({"payment_method_id": self.card.id})
        # on a letter of his
        with self.refused(AccessError, "not a payment method of the AR24 account of Paul Rival"):
            self.env["ar24.letter"].with_user(self.paul).create(
                {"partner_id": denise.id, "subject": "AG", "payment_method_id": self.card.id}
            )
        mine = self.env["ar24.letter"].with_user(self.paul).create({"partner_id": denise.id, "subject": "AG"})
        with self.assertRaises(AccessError):
            mine.with_user(self.paul).write({"payment_method_id": self.card.id})
        # linked to an entity, in his name or in Alain's
        Link = self.env["ar24.sender.payment"].with_user(self.paul)
        with self.refused(ValidationError, "not a payment method of the AR24 account of Paul Rival"):
            Link.create({"company_id": self.company.id, "payment_method_id": self.card.id})
        with self.refused(AccessError, "your own AR24 account"):
            Link.create(
                {"user_id": self.ar24_user.id, "company_id": self.company.id, "payment_method_id": self.card.id}
            )
        # and he does not even see Alain's links
        self.assertFalse(Link.search([]), "a colleague reads or made links with my card")
        alains = self.env["ar24.sender.payment"].search([("user_id", "=", self.ar24_user.id)])
        with self.assertRaises(AccessError):
            alains.with_user(self.paul).write({"payment_method_id": self.sepa.id})
        self.assertEqual(alains.payment_method_id, self.card)

    def test_manage_payment_methods_for_my_account(self):
        action = (
            self.env["ir.actions.act_window"]
            .with_user(self.ar24_user)
            ._for_xml_id("ar24_lre.action_ar24_sender_payment")
        )
        self.assertEqual(action["res_model"], "ar24.sender.payment")
        links = self.env["ar24.sender.payment"].with_user(self.ar24_user).search([])
        self.assertEqual(links.mapped("payment_slug"), [self.card.slug])
        # a user imports his own methods (he may not create methods otherwise)
        self.assertEqual(self.card.with_user(self.ar24_user).user_id, self.ar24_user)
        with self.assertRaises(AccessError):
            self.env["ar24.payment.method"].with_user(self.ar24_user).create({"name": "x", "slug": "stripe-9"})
        # his links follow what he changes: the next letters of the entity take his SEPA debit
        links.with_user(self.ar24_user).payment_method_id = self.sepa
        letter = (
            self.env["ar24.letter"]
            .with_user(self.ar24_user)
            .create({"partner_id": self.ar24_user.partner_id.id, "subject": "AG"})
        )
        self.assertEqual(letter.payment_method_id, self.sepa)

    # ------------------------------------------------------------------ the correspondent rule
    def test_the_correspondent_s_email_and_consent_count(self):
        """The LSC manual: the e-mail of the correspondent (a contact person of the recipient) when he has
        one, else the recipient's; the consent is that of the person whose e-mail is used."""
        owner = self._partner("Denise Aloxe", "denise@example.org", "accepted")
        son = self._partner("Paolo Aloxe", "paolo@example.org", "accepted", parent_id=owner.id)
        wizard = self._open(son).save()
        self.assertRecordValues(wizard.line_ids, [{"channel": "lre_eidas", "compatible": True}])
        self.assertEqual(wizard.line_ids.address, "paolo@example.org")
        wizard.action_send()
        letter = self.env["ar24.letter"].search([("contact_id", "=", son.id)])
        self.assertRecordValues(letter, [{"partner_id": owner.id, "to_email": "paolo@example.org"}])
        self.assertEqual(letter.state, "to_valid", letter.error_message)

    def test_a_correspondent_without_consent_for_his_email_blocks_the_lre(self):
        owner = self._partner("Denise Aloxe", "denise@example.org", "accepted")
        son = self._partner("Paolo Aloxe", "paolo@example.org", parent_id=owner.id)
        form = self._open(son)
        form.send_type = "lre_eidas"
        wizard = form.save()
        self.assertEqual(wizard.incompatible_count, 1)
        error = wizard.error_line_ids
        self.assertRecordValues(error, [{"partner_id": son.id, "comment": "LRE consent not valid (no consent)"}])
        self.assertEqual(error.location, "Partner: Denise Aloxe, Paolo Aloxe")

    def test_a_correspondent_without_email_uses_the_recipient_s(self):
        owner = self._partner("Denise Aloxe", "denise@example.org", "accepted")
        son = self._partner("Paolo Aloxe", None, parent_id=owner.id)
        form = self._open(son)
        form.send_type = "lre_eidas"
        wizard = form.save()
        self.assertRecordValues(wizard.line_ids, [{"address": "denise@example.org", "compatible": True}])
        # and the recipient's consent is the one that counts
        owner.write({"ar24_consent_state": "refused"})
        wizard.action_recompute()
        self.assertRecordValues(
            wizard.error_line_ids, [{"partner_id": owner.id, "comment": "LRE consent not valid (refused)"}]
        )

    def test_a_company_reached_through_its_employee_is_a_professional(self):
        agency = self._partner("Agence du Port", "agence@example.org", is_company=True)
        clerk = self._partner("Claire Martin", "claire@agence.example.org", parent_id=agency.id)
        form = self._open(clerk)
        form.send_type = "lre_eidas"
        wizard = form.save()
        self.assertRecordValues(
            wizard.line_ids, [{"recipient_status": "professionnel", "address": "claire@agence.example.org"}]
        )
        self.assertTrue(wizard.line_ids.compatible, wizard.line_ids.info)

    # ------------------------------------------------------------------ opening creates nothing
    def test_opening_recalculating_and_cancelling_leaves_no_letter(self):
        partners = self._partner("Denise Aloxe", "denise@example.org", "accepted") | self._partner(
            "Jeannine Meursault", address=False
        )
        before = self._letters()
        for _attempt in range(3):
            wizard = self._open(partners).save()
            wizard.action_recompute()
            wizard.action_list_errors()
            self.assertEqual(wizard.requested_count, 2)
        self.assertEqual(self._letters(), before)

    def test_list_records_in_error_lists_the_contacts_to_fix(self):
        ok = self._partner("Denise Aloxe", "denise@example.org", "accepted")
        nowhere = self._partner("Jeannine Meursault", address=False)
        son = self._partner("Paolo Aloxe", "paolo@example.org", parent_id=ok.id)
        form = self._open(ok | nowhere | son)
        form.send_type = "lre_eidas"
        wizard = form.save()
        action = wizard.action_list_errors()
        self.assertEqual((action["res_model"], action["target"]), ("res.partner", "current"))
        self.assertEqual(self.env["res.partner"].search(action["domain"]), nowhere | son)

    def test_other_modules_open_the_wizard_on_their_records(self):
        """``_prepare_from_records`` on any model: the recipient is ``partner_field``, ``values`` go to
        every letter, and the letter remembers its source."""
        denise = self._partner("Denise Aloxe", "denise@example.org", "accepted")
        records = self.env["res.partner.bank"].create(
            {"acc_number": "FR7630001007941234567890185", "partner_id": denise.id}
        )
        today = fields.Date.context_today(denise)
        form = self._open(records, ag_date=today + timedelta(days=60))
        form.send_type = "lre_eidas"
        wizard = form.save()
        self.assertEqual(wizard.res_model, "res.partner.bank")
        self.assertEqual(wizard.compatible_count, 1, wizard.error_line_ids.mapped("comment"))
        wizard.action_send()
        letter = self.env["ar24.letter"].search([("partner_id", "=", denise.id)])
        self.assertRecordValues(
            letter,
            [{"res_model": "res.partner.bank", "res_id": records.id, "ag_date": today + timedelta(days=60)}],
        )

    def test_opened_on_letters_the_wizard_sends_those_letters(self):
        denise = self._partner("Denise Aloxe", "denise@example.org", "accepted")
        alfred = self._partner("Alfred Brouilly", "alfred@example.org")
        letters = (
            self.env["ar24.letter"]
            .with_user(self.ar24_user)
            .create(
                [{"partner_id": p.id, "subject": "AG", "body": "<p>AG</p>", "send_type": "ae"} for p in denise | alfred]
            )
        )
        action = letters.action_send()
        form = Form(self.env["ar24.send.wizard"].with_user(self.ar24_user).with_context(**action["context"]))
        self.assertEqual(form.send_type, "ae")
        form.send_type = "per_recipient"
        wizard = form.save()
        self.assertEqual(wizard.line_ids.letter_id, letters)
        wizard.action_send()
        self.assertRecordValues(
            letters, [{"send_type": "lre_eidas", "state": "to_valid"}, {"send_type": "lr_paper", "state": "waiting"}]
        )
        self.assertEqual(self.env["ar24.letter"].search_count([("partner_id", "in", (denise | alfred).ids)]), 2)

    # ------------------------------------------------------------------ drafts abandoned by other paths
    def test_drafts_untouched_for_30_days_are_cleaned(self):
        denise = self._partner("Denise Aloxe", "denise@example.org", "accepted")
        Letter = self.env["ar24.letter"]
        old, recent, queued, sent = Letter.create(
            [
                {
                    "partner_id": denise.id,
                    "subject": "AG %s" % i,
                    "body": "<p>AG</p>",
                    "send_type": "lr_paper",
                    "user_id": self.ar24_user.id,
                }
                for i in range(4)
            ]
        )
        sent._ar24_send()
        self.assertEqual(sent.state, "waiting", sent.error_message)
        queued.sudo().send_queued = True
        self.env.flush_all()
        long_ago = fields.Datetime.now() - timedelta(days=31)
        self.env.cr.execute(
            "UPDATE ar24_letter SET write_date = %s WHERE id IN %s", (long_ago, tuple((old | queued | sent).ids))
        )
        self.env.cr.execute(
            "UPDATE ar24_letter SET write_date = %s WHERE id = %s", (long_ago + timedelta(days=2), recent.id)
        )
        Letter.invalidate_model()
        Letter._gc_abandoned_drafts()
        self.assertFalse(old.exists(), "a draft nobody touched for 31 days stayed")
        self.assertTrue(recent.exists() and queued.exists() and sent.exists())

    # ------------------------------------------------------------------ progress
    def test_the_sender_sees_progress_of_a_batch_sent_at_once(self):
        partners = self.env["res.partner"].concat(
            *(self._partner("Owner %s" % i, "owner%s@example.org" % i) for i in range(3))
        )
        form = self._open(partners)
        form.send_type = "lr_paper"
        wizard = form.save()
        reports, capture = self._capture_progress()
        with capture:
            wizard.action_send()
        mine = [payload for user, payload in reports if user == self.ar24_user]
        self.assertEqual([(p["done"], p["total"]) for p in mine][0], (0, 3))
        self.assertEqual([(p["done"], p["total"]) for p in mine][-1], (3, 3))
        self.assertEqual(len({p["batch"] for p in mine}), 1, "one batch, one bar")
        self.assertEqual(mine[0]["title"], "Registered letters being sent")

    def test_the_sender_sees_progress_of_a_background_batch(self):
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.inline_limit", 1)
        partners = self.env["res.partner"].concat(
            *(self._partner("Owner %s" % i, "owner%s@example.org" % i, "accepted") for i in range(3))
        )
        partners[0].ar24_dispatch_mode = "lr_paper"
        wizard = self._open(partners).save()
        action = wizard.action_send()
        self.assertIn("in the background", action["params"]["message"])
        reports, capture = self._capture_progress()
        with capture:
            self.env["ar24.letter.send"]._cron_send_queue(batch_size=2)
        counts = [(p["done"], p["total"]) for user, p in reports if user == self.ar24_user]
        self.assertEqual(counts[-1], (3, 3))
        self.assertEqual(counts, sorted(counts), "the count only grows")
        self.assertTrue(any(0 < done < 3 for done, _total in counts), "nothing shown while the batch ran")

    def test_a_background_batch_starts_small_and_its_chunks_grow(self):
        """The first letters leave for AR24 once a small first chunk is rendered; each next chunk is
        twice as large, up to the chunk size, so that its PDFs are made while the one before is at
        AR24. Every letter reaches AR24 once."""
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.inline_limit", 1)
        partners = self.env["res.partner"].concat(
            *(self._partner("Owner %s" % i, "owner%s@example.org" % i, "accepted") for i in range(9))
        )
        form = self._open(partners)
        form.send_type = "lr_paper"
        form.save().action_send()
        reports, capture = self._capture_progress()
        with capture, patch.object(send_module, "FIRST_CHUNK", 1):
            self.env["ar24.letter.send"]._cron_send_queue(batch_size=4)
        counts = [p["done"] for user, p in reports if user == self.ar24_user]
        self.assertEqual(sorted(set(counts)), [1, 3, 7, 9], "chunks of 1, 2, 4, then 2 (the rest)")
        letters = self.env["ar24.letter"].search([("partner_id", "in", partners.ids)])
        self.assertEqual(set(letters.mapped("state")), {"waiting"})
        sent = sorted(c["params"]["to_email"] for c in self.controls.calls("send_mail"))
        self.assertEqual(sent, sorted(partners.mapped("email")), "each letter at AR24 once")

    def _queue_until_time_is_up(self, send_type, count):
        """Queue ``count`` letters of ``send_type`` and run the queue's job in chunks of 2, its time
        up at its first commit of progress: the letters, read again."""
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.inline_limit", 1)
        partners = self.env["res.partner"].concat(
            *(self._partner("Owner %s" % i, "owner%s@example.org" % i, "accepted") for i in range(count))
        )
        form = self._open(partners)
        form.send_type = send_type
        form.save().action_send()
        engine = type(self.env["ar24.letter.send"])
        with (
            patch.object(engine, "_can_commit", lambda self: True),  # the job commits its progress
            patch.object(type(self.env["ir.cron"]), "_commit_progress", autospec=True, return_value=0.0) as times,
        ):
            self.env["ar24.letter.send"]._cron_send_queue(batch_size=2)
        self.assertTrue(times.called)
        return self.env["ar24.letter"].search([("partner_id", "in", partners.ids)])

    def test_the_queue_stops_taking_chunks_when_its_time_is_up(self):
        """The job's time limit (the scheduler's) is checked after each chunk: the chunks under way
        (the current one and those rendered ahead) finish, no new one is taken; the rest waits in the
        queue for the next run."""
        letters = self._queue_until_time_is_up("lr_paper", 10)
        sent = letters.filtered("ar24_id")
        self.assertEqual(len(sent), 2 + 2 * send_module.RENDER_AHEAD)
        self.assertEqual(len(self.controls.calls("send_mail")), len(sent))
        self.assertRecordValues(letters - sent, [{"state": "draft", "send_queued": True}] * (10 - len(sent)))

    def test_a_queue_of_qualified_lre_stops_when_its_time_is_up(self):
        """Qualified LRE letters are only prepared by the queue (uploaded, then they wait for the OTP
        code): the time limit is checked after each chunk of them too, not only at the end."""
        letters = self._queue_until_time_is_up("lre_eidas", 6)
        prepared = letters.filtered(lambda letter: letter.state == "to_valid")
        self.assertEqual(len(prepared), 2, "one chunk prepared, then the time was up")
        self.assertRecordValues(letters - prepared, [{"state": "draft", "send_queued": True}] * 4)
        self.assertFalse(self.controls.calls("send_mail"))

    def test_the_sender_sees_progress_of_a_large_otp_validation(self):
        """One OTP code validates a whole building: the letters leave chunk after chunk, and the bar moves."""
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.chunk_size", 2)
        partners = self.env["res.partner"].concat(
            *(self._partner("Owner %s" % i, "owner%s@example.org" % i, "accepted") for i in range(5))
        )
        self._open(partners).save().action_send()
        letters = self.env["ar24.letter"].search([("partner_id", "in", partners.ids)])
        self.assertEqual(set(letters.mapped("state")), {"to_valid"})
        reports, capture = self._capture_progress()
        otp = self.env["ar24.otp.wizard"].with_user(self.ar24_user).create({"letter_ids": letters.ids})
        with capture:
            otp.otp_code = self.alain["otp"]()
        self.assertEqual(set(letters.mapped("state")), {"waiting"})
        counts = [(p["done"], p["total"]) for user, p in reports if user == self.ar24_user]
        self.assertEqual(counts, [(0, 5), (2, 5), (4, 5), (5, 5)])

    # ------------------------------------------------------------------ performance
    def test_the_wizard_checks_any_batch_with_the_same_queries(self):
        """Opened on 5 or 60 contacts, the wizard reads AR24's consents once and checks every row with
        the same number of queries: rows, consents, channels and problems are read in batches."""
        annex = (
            self.env["ir.attachment"]
            .with_user(self.ar24_user)
            .create({"name": "convocation.pdf", "raw": make_pdf(["Convocation"]), "mimetype": "application/pdf"})
        )

        def opened(count, tag):
            partners = self.env["res.partner"].create(
                [
                    dict(
                        ADDRESS,
                        country_id=self.fr.id,
                        name="Owner %s %d" % (tag, i),
                        email="o%s%d@example.org" % (tag, i),
                    )
                    for i in range(count)
                ]
            )
            for partner in partners[: count // 2]:
                partner.write({"ar24_consent_state": "accepted", "ar24_consent_email": partner.email})
            action = self.env["ar24.letter"].with_user(self.ar24_user)._prepare_from_records(partners)
            Wizard = self.env["ar24.send.wizard"].with_user(self.ar24_user).with_context(**action["context"])
            self.env.flush_all()
            self.env.invalidate_all()
            calls = len(self.controls.calls("list_consents"))
            before = self.env.cr.sql_log_count
            wizard = Wizard.create(
                {"send_type": "per_recipient", "body": "<p>AG</p>", "attachment_ids": [(6, 0, annex.ids)]}
            )
            self.assertEqual(wizard.compatible_count, count)
            self.env.flush_all()
            queries = self.env.cr.sql_log_count - before
            self.assertEqual(len(self.controls.calls("list_consents")) - calls, 1, "one paged read of the consents")
            self.assertEqual(
                wizard.channel_line_ids.mapped("requested"), [count // 2, count - count // 2], "LRE, then paper"
            )
            return queries

        opened(3, "warm")  # the first wizard of a transaction also reads access rules and settings
        small, large = opened(5, "small"), opened(60, "large")
        self.assertLessEqual(large, small + 2, "queries grow with the batch: %s for 5, %s for 60" % (small, large))
