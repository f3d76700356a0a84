"""'Envoyer en AR' from any document: a mail template of the documents' model, bound to its Actions menu.

The documents are the demo's unpaid calls for funds (a model made without code, as an integrator makes
one in Odoo's interface, with a one-page A4 report) and the template is the demo's "Mise en demeure",
loaded as ``make demo`` installs them. The wizard is opened as the web client does it: the bound
server action run by the sender on his selection, then the wizard's form with the action's context.
What is asserted is what the sender and AR24 see: the rows and their reasons, the letters made, their
text and attachments, the files AR24 received, the source document's chatter, what is refused.
"""

import io
from unittest.mock import patch

import pypdf

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .. import uninstall_hook
from ..ar24 import pdfcheck
from ..ar24.pdf import make_pdf
from .common import ADDRESS, AR24Case, co_owner, load_mise_en_demeure_demo

Document = "odoo.addons.ar24_lre.wizards.ar24_send_wizard_document.Ar24SendWizardDocument"


@tagged("post_install", "-at_install")
class TestSendAnyDocument(AR24Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._coownership(method=None, ar24_ae_consent_required=False, ar24_default_send_type="lr_paper")
        load_mise_en_demeure_demo(cls.env)
        cls.template = cls.env.ref("ar24_lre.demo_template_mise_en_demeure")
        cls.report = cls.env.ref("ar24_lre.demo_report_appel_fonds")
        cls.denise = co_owner(cls.env, "Denise Aloxe", "denise@example.org")
        cls.bernard = co_owner(cls.env, "Bernard Atrillon", "bernard@example.org")

    def setUp(self):
        super().setUp()
        self.alain = self.link_sender(self.ar24_user)
        self.link_payment(self.ar24_user)

    # ------------------------------------------------------------------ helpers
    def _calls(self, *specs):
        """Unpaid calls for funds: (lot, co-owner or None, amount)."""
        return self.env["x_ar24_appel_fonds"].create(
            [
                {
                    "x_name": "Appel de fonds T1 2027 - lot %s" % lot,
                    "x_partner_id": partner.id if partner else False,
                    "x_lot": str(lot),
                    "x_amount": amount,
                    "x_due_date": "2027-01-15",
                }
                for lot, partner, amount in specs
            ]
        )

    def _run_bound_action(self, records, user=None):
        """What the web client does on Actions › "Send as registered letter: Mise en demeure"."""
        user = user or self.ar24_user
        action = self.template.ar24_action_id.with_user(user)
        return action.with_context(active_model=records._name, active_ids=records.ids, active_id=records[:1].id).run()

    def _open(self, records, send_type="lr_paper", user=None):
        action = self._run_bound_action(records, user)
        form = Form(self.env["ar24.send.wizard"].with_user(user or self.ar24_user).with_context(**action["context"]))
        form.send_type = send_type
        return form.save()

    def _letter_of(self, record):
        return self.env["ar24.letter"].search([("res_model", "=", record._name), ("res_id", "=", record.id)])

    def _comments(self, wizard):
        return wizard.error_line_ids.mapped("comment")

    # ------------------------------------------------------------------ binding
    def test_a_manager_binds_and_unbinds_the_template_on_its_model_s_actions_menu(self):
        Actions = self.env["ir.actions.actions"]
        bound = self.template.ar24_action_id
        self.assertEqual(bound.name, "Send as registered letter: Mise en demeure")
        self.assertEqual(bound.binding_model_id.model, "x_ar24_appel_fonds")
        template = self.template.with_user(self.ar24_manager)
        template.action_ar24_unbind()
        self.assertFalse(self.template.ar24_action_id)
        self.assertFalse(bound.exists(), "the action stays in the Actions menu")
        template.action_ar24_bind()
        action = self.template.ar24_action_id
        self.assertTrue(action)
        # offered to registered-letter users only
        names = [a["name"] for a in Actions.with_user(self.ar24_user).get_bindings("x_ar24_appel_fonds")["action"]]
        self.assertIn("Send as registered letter: Mise en demeure", names)
        self.assertFalse(
            Actions.with_user(self.employee).get_bindings("x_ar24_appel_fonds").get("action"),
            "an employee without registered letters sees the action",
        )
        with self.assertRaises(AccessError):
            action.with_user(self.employee).with_context(active_model="x_ar24_appel_fonds", active_ids=[]).run()
        # binding twice does not add a second action
        template.action_ar24_bind()
        self.assertEqual(
            self.env["ir.actions.server"].search_count([("binding_model_id.model", "=", "x_ar24_appel_fonds")]), 1
        )
        model = self.template.model_id
        # a template deleted takes its action along
        template.sudo().unlink()
        self.assertFalse(action.exists())
        # put on another model, it leaves this model's Actions menu (a manager binds it again there)
        other = self.env["mail.template"].create({"name": "Relance", "model_id": model.id})
        other.with_user(self.ar24_manager).action_ar24_bind()
        action = other.ar24_action_id
        other.model_id = self.env.ref("base.model_res_partner")
        self.assertFalse(action.exists() or other.ar24_action_id)
        # and the module's uninstallation removes the actions that call it
        other.with_user(self.ar24_manager).action_ar24_bind()
        uninstall_hook(self.env)
        self.assertFalse(other.ar24_action_id)
        self.assertFalse(
            self.env["ir.actions.server"].search([("code", "like", "_ar24_action_send")]),
            "an action calls the uninstalled module",
        )

    def test_a_user_can_neither_bind_nor_unbind_a_template(self):
        """The attacker's own calls: a registered-letter user, on the office's template and on his own."""
        bound = self.template.ar24_action_id
        mine = (
            self.env["mail.template"]
            .with_user(self.ar24_user)
            .create({"name": "Ma relance", "model_id": self.template.model_id.id, "subject": "Relance"})
        )
        for template in (self.template, mine):
            with self.subTest(template.name), self.assertRaises(AccessError):
                template.with_user(self.ar24_user).action_ar24_bind()
        with self.assertRaises(AccessError):
            self.template.with_user(self.ar24_user).action_ar24_unbind()
        # nor by writing the binding himself on the template he may edit
        with self.assertRaises(AccessError):
            mine.with_user(self.ar24_user).write({"ar24_action_id": bound.id})
        self.assertEqual(self.template.ar24_action_id, bound)
        self.assertTrue(bound.exists())
        self.assertFalse(mine.ar24_action_id)
        self.assertEqual(
            self.env["ir.actions.server"].search_count([("binding_model_id.model", "=", "x_ar24_appel_fonds")]), 1
        )

    # ------------------------------------------------------------------ the letters
    def test_the_bound_action_drafts_each_letter_from_its_document_with_the_document_s_pdf(self):
        calls = self._calls((3, self.denise, 842.5), (9, self.bernard, 1265))
        action = self._run_bound_action(calls)
        self.assertEqual(action["res_model"], "ar24.send.wizard")
        wizard = self._open(calls)
        self.assertEqual(wizard.template_id, self.template)
        self.assertRecordValues(
            wizard, [{"res_model": "x_ar24_appel_fonds", "requested_count": 2, "compatible_count": 2}]
        )
        self.assertEqual(self.env["ar24.letter"].search_count([("res_model", "=", "x_ar24_appel_fonds")]), 0)
        # the detail shows each recipient, his document's PDF, and its pages in the price
        rows = {line.recipient: line for line in wizard.line_ids}
        self.assertIn("Relevé - Appel de fonds T1 2027 - lot 3.pdf", rows["Denise Aloxe"].attachments)
        self.assertEqual(rows["Denise Aloxe"].pages, 2, "the letter and its document's page")
        wizard.action_send()

        for call, partner, amount in ((calls[0], self.denise, "842.50"), (calls[1], self.bernard, "1,265.00")):
            letter = self._letter_of(call)
            self.assertRecordValues(letter, [{"partner_id": partner.id, "send_type": "lr_paper", "state": "waiting"}])
            # the template rendered for the document, not for the contact
            self.assertEqual(letter.subject, "Mise en demeure de payer : %s" % call.x_name)
            self.assertRegex(str(letter.body), r"votre lot\s+%s, d'un montant de\s+\S+\s*%s" % (call.x_lot, amount))
            # the document's own PDF, on the letter (evidence rules), A4 portrait, naming the document
            document = letter.attachment_ids
            self.assertEqual(document.name, "Relevé - %s.pdf" % call.x_name)
            self.assertEqual((document.res_model, document.res_id), ("ar24.letter", letter.id))
            content = document.raw
            self.assertFalse(pdfcheck.check_pdf(content, document.name, require_portrait=True).problems)
            text = " ".join(pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text().split())
            self.assertIn(call.x_name, text)
            self.assertIn(partner.name, text)
        # AR24 received each letter with its own document
        uploads = [c["params"].get("file_name") for c in self.controls.calls("upload_attachment")]
        for call in calls:
            self.assertEqual(uploads.count("Relevé - %s.pdf" % call.x_name), 1)
        self.assertEqual(len(self.controls.calls("send_mail")), 2)
        # once it left, the document's PDF is evidence: its sender can neither change nor delete it
        document = self._letter_of(calls[0]).attachment_ids.with_user(self.ar24_user)
        with self.assertRaises(AccessError):
            document.write({"raw": make_pdf(["forged"])})
        with self.assertRaises(AccessError):
            document.unlink()

    def test_the_source_document_s_chatter_follows_the_letter(self):
        call = self._calls((3, self.denise, 842.5))
        self._open(call).action_send()
        letter = self._letter_of(call)
        self.assertEqual(letter.state, "waiting", letter.error_message)
        link = r"<a [^>]*data-oe-model=.ar24.letter. data-oe-id=.%s.[^>]*>%s</a>" % (letter.id, letter.name)

        def notes():
            return [str(body) for body in call.message_ids.sorted("id").mapped("body")]

        sent = call.message_ids.filtered(lambda message: "sent to Denise Aloxe" in str(message.body))
        self.assertEqual(len(sent), 1, notes())
        self.assertRegex(str(sent.body), link)
        self.assertIn("Paper registered letter", str(sent.body))
        self.assertEqual(sent.author_id, self.env.ref("base.partner_root"), "posted by the module")
        # the recipient accepts: the document's chatter says so, with the proofs received
        self.controls.recipient(letter.ar24_id, "accept")
        letter.with_user(self.ar24_user).action_ar24_refresh()
        self.assertEqual(letter.state, "ar")
        proofs = [body for body in notes() if "Proof received from AR24 for the registered letter" in body]
        self.assertEqual(len(proofs), 2, notes())
        for body in proofs:
            self.assertRegex(body, link)
        self.assertTrue(any("acknowledgement of receipt" in body for body in proofs))
        self.assertTrue(any("Received (AR)" in body for body in notes()))

    # ------------------------------------------------------------------ bad input: per letter, nothing sent for it
    def test_a_document_without_recipient_gets_a_reason_and_no_letter(self):
        calls = self._calls((3, self.denise, 842.5), (14, None, 96))
        wizard = self._open(calls)
        self.assertRecordValues(wizard, [{"requested_count": 2, "compatible_count": 1, "incompatible_count": 1}])
        self.assertRecordValues(
            wizard.error_line_ids,
            [
                {
                    "location": "Document: Appel de fonds T1 2027 - lot 14",
                    "comment": "No recipient: its field Copropriétaire is empty.",
                    "res_model": "x_ar24_appel_fonds",
                    "res_id": calls[1].id,
                }
            ],
        )
        action = wizard.action_list_errors()
        self.assertEqual(self.env[action["res_model"]].search(action["domain"]), calls[1])
        wizard.action_send()
        self.assertTrue(self._letter_of(calls[0]))
        self.assertFalse(self._letter_of(calls[1]))
        self.assertEqual(len(self.controls.calls("send_mail")), 1)
        self.assertEqual(len(self.controls.calls("upload_attachment")), 2, "the letter and its document only")

    def test_a_model_without_recipient_field_gets_a_reason_per_document(self):
        """The template names no recipient field and the documents have no partner_id."""
        self.template.ar24_partner_field_id = False
        calls = self._calls((3, self.denise, 842.5), (9, self.bernard, 1265))
        wizard = self._open(calls)
        self.assertEqual(wizard.incompatible_count, 2)
        self.assertEqual(
            self._comments(wizard),
            [
                "No recipient: Appel de fonds impayé has no contact field partner_id; choose the field of the "
                "recipient on the template Mise en demeure (Registered letter recipient)."
            ]
            * 2,
        )
        with self.assertRaisesRegex(UserError, "None of the 2 letters can be sent"):
            wizard.action_send()
        self.assertFalse(self.controls.calls("send_mail"))

    def test_a_landscape_report_is_refused_for_a_paper_letter_only(self):
        landscape = self.env["report.paperformat"].create(
            {"name": "A4 paysage", "format": "A4", "orientation": "Landscape", "margin_top": 10, "margin_bottom": 10}
        )
        self.report.paperformat_id = landscape
        calls = self._calls((3, self.denise, 842.5), (9, self.bernard, 1265))
        wizard = self._open(calls)
        self.assertEqual(wizard.incompatible_count, 2)
        for call in calls:
            name = "Relevé - %s.pdf" % call.x_name
            self.assertIn(
                "%s: page 1 is A4 landscape: paper letters are printed portrait only." % name, self._comments(wizard)
            )
        self.assertEqual(
            wizard.error_line_ids.attachment_id.mapped("name"), ["Relevé - %s.pdf" % c.x_name for c in calls]
        )
        with self.assertRaises(UserError):
            wizard.action_send()
        self.assertFalse(self.controls.calls("send_mail"))
        # an electronic letter carries it as it is
        self.denise.write(
            {"ar24_consent": True, "ar24_consent_state": "accepted", "ar24_consent_email": "denise@example.org"}
        )
        wizard = self._open(calls[0], send_type="ae")
        self.assertEqual(wizard.compatible_count, 1, self._comments(wizard))

    def test_a_report_that_fails_for_a_document_gets_a_reason_and_no_letter(self):
        failing = self.report.copy({"name": "Décompte", "report_name": "ar24_lre.test_failing_statement"})
        self.env["ir.ui.view"].create(
            {
                "name": "ar24_lre.test_failing_statement",
                "type": "qweb",
                "key": "ar24_lre.test_failing_statement",
                "arch": '<t t-name="ar24_lre.test_failing_statement"><t t-call="web.html_container">'
                '<t t-foreach="docs" t-as="o"><div class="page"><p t-out="o.x_name"/>'
                '<p t-if="o.x_lot == \'14\'" t-out="o.x_amount / 0"/></div></t></t></t>',
            }
        )
        self.template.report_template_ids = [Command.link(failing.id)]
        calls = self._calls((3, self.denise, 842.5), (14, self.bernard, 96))
        wizard = self._open(calls)
        self.assertRecordValues(wizard, [{"compatible_count": 1, "incompatible_count": 1}])
        error = wizard.error_line_ids
        self.assertEqual(error.location, "Document: Appel de fonds T1 2027 - lot 14")
        self.assertRegex(error.comment, r"^Its report Décompte could not be made: .*division by zero")
        self.assertRecordValues(error, [{"res_model": "x_ar24_appel_fonds", "res_id": calls[1].id}])
        wizard.action_send()
        self.assertEqual(len(self._letter_of(calls[0]).attachment_ids), 2, "both reports of lot 3")
        self.assertFalse(self._letter_of(calls[1]))
        self.assertEqual(len(self.controls.calls("send_mail")), 1)

    # ------------------------------------------------------------------ trust boundaries
    def test_a_document_the_sender_may_not_read_is_refused(self):
        """The attacker's own calls: the bound action, the wizard's rows and the template on a record a rule
        hides from him."""
        self.env["ir.rule"].create(
            {
                "name": "Calls for funds of the litigation department",
                "model_id": self.template.model_id.id,
                "domain_force": "[('x_lot', '!=', 'contentieux')]",
                "groups": [Command.link(self.env.ref("ar24_lre.group_ar24_user").id)],
            }
        )
        mine, hidden = self._calls((3, self.denise, 842.5), ("contentieux", self.bernard, 1265))
        with self.assertRaises(AccessError):
            self._run_bound_action(hidden)
        wizard = self._open(mine)
        with self.assertRaises(AccessError):
            wizard.with_user(self.ar24_user).write({"res_ids": [mine.id, hidden.id]})
        with self.assertRaises(AccessError):
            self.env["ar24.send.wizard"].with_user(self.ar24_user).create(
                {"res_model": mine._name, "res_ids": [hidden.id], "composition": True, "template_id": self.template.id}
            )
        with self.assertRaises(AccessError):
            self.env["ar24.send.wizard.document"].with_user(self.ar24_user)._for(self.report, hidden)
        # nor a template of another model on these documents (it would render other records with their ids)
        contacts = self.env["mail.template"].create(
            {"name": "Contacts", "model_id": self.env.ref("base.model_res_partner").id}
        )
        with self.assertRaises(ValidationError):
            wizard.with_user(self.ar24_user).write({"template_id": contacts.id})
        self.assertFalse(self.controls.calls("send_mail"))
        self.assertFalse(self._letter_of(hidden))

    def test_a_sender_reads_his_own_renderings_only_and_writes_none(self):
        call = self._calls((3, self.denise, 842.5))
        self._open(call)
        mine = self.env["ar24.send.wizard.document"].search([("res_id", "=", call.id)])
        self.assertEqual(len(mine), 1)
        Documents = self.env["ar24.send.wizard.document"]
        self.link_sender(self.ar24_manager)
        self.assertFalse(Documents.with_user(self.ar24_manager).search([]), "a colleague reads another's renderings")
        with self.assertRaises(AccessError):
            mine.attachment_id.with_user(self.ar24_manager).read(["datas"])
        with self.assertRaises(AccessError):
            mine.with_user(self.ar24_user).write({"error": "forged"})
        with self.assertRaises(AccessError):
            Documents.with_user(self.ar24_user).create(
                {"report_id": self.report.id, "res_model": call._name, "res_id": call.id}
            )

    # ------------------------------------------------------------------ rendered once
    def test_each_document_is_rendered_once_until_it_changes_or_the_sender_recalculates(self):
        calls = self._calls((3, self.denise, 842.5), (9, self.bernard, 1265))
        rendered = []
        original = type(self.env["ar24.send.wizard.document"])._render_batch

        def counting(documents, report, records):
            rendered.extend(records.ids)
            return original(documents, report, records)

        with patch("%s._render_batch" % Document, counting):
            action = self._run_bound_action(calls)
            form = Form(self.env["ar24.send.wizard"].with_user(self.ar24_user).with_context(**action["context"]))
            form.send_type = "per_recipient"
            form.send_type = "lr_paper"
            wizard = form.save()
            self.assertEqual(sorted(rendered), calls.ids, "opening, changing and saving the wizard render once")
            wizard.action_recompute()
            self.assertEqual(wizard.compatible_count, 2)
            self.assertEqual(sorted(rendered), sorted([*calls.ids, *calls.ids]), "recalculate renders again")
            wizard.action_send()
            self.assertEqual(len(rendered), 4, "Validate sends what was checked")
        self.assertEqual(len(self.controls.calls("send_mail")), 2)

    def test_the_wizard_checks_any_batch_of_documents_with_the_same_queries(self):
        """Opened on 5 or 60 documents with a template and a report, the wizard's own queries do not grow
        with the batch (the report's rendering itself, Odoo's, is measured by scripts/bench_odoo.py)."""
        pdf = make_pdf(["Relevé"])

        def render(documents, report, records):
            return dict.fromkeys(records.ids, pdf), {}

        def opened(count, tag):
            partners = self.env["res.partner"].create(
                [
                    dict(ADDRESS, country_id=self.env.ref("base.fr").id, name="Owner %s %d" % (tag, i))
                    for i in range(count)
                ]
            )
            calls = self._calls(*(("%s%d" % (tag, i), partner, 100) for i, partner in enumerate(partners)))
            action = self._run_bound_action(calls)
            Wizard = self.env["ar24.send.wizard"].with_user(self.ar24_user).with_context(**action["context"])
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            wizard = Wizard.create({"send_type": "lr_paper"})
            self.assertEqual(wizard.compatible_count, count, self._comments(wizard))
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        with patch("%s._render" % Document, render):
            opened(3, "warm")
            small, large = opened(5, "small"), opened(60, "large")
        self.assertLessEqual(large, small + 2, "queries grow with the batch: %s for 5, %s for 60" % (small, large))
