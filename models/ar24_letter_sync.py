import hashlib
import logging
import re
from datetime import timedelta, timezone

import psycopg2
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from ..ar24 import crypto, rules
from ..ar24.errors import AR24Error
from ..ar24.routes import MAX_PAGE_SIZE, PROOFS
from ..ar24.workers import AR24Workers
from ..const import (
    DATE_FIELDS,
    FAILED_STATES,
    OPEN_STATES,
    OUTSIDE_LOOKBACK_DAYS,
    OUTSIDE_STATUSES,
    PROOF_LABELS,
    STATE_RANK,
)
from ..tools import ar24_translate, commit, filing_evidence

_logger = logging.getLogger(__name__)


class Ar24LetterSync(models.AbstractModel):
    """What AR24 says of the letters: states (forward only), dates, proofs, follow-ups.

    AR24 is read with its list of each sender's letters (one call per hundred letters, never one
    per letter); a webhook is only a hint to read it sooner. The same list brings the letters
    AR24 holds that Odoo did not deposit (on AR24's site or with another tool, whatever their
    status): they appear, read-only, with their proofs. Runs in the jobs or, for "Refresh from
    AR24", in superuser mode after the user's access check: it writes what only the module writes.
    """

    _name = "ar24.letter.sync"
    _description = "Registered letter: status and proofs from AR24"

    @api.model
    def _cron_sync_status(self):
        """Every 15 minutes: letters not yet final, and first those a webhook asked to re-read; the
        list of every linked sender's letters also brings those deposited outside Odoo."""
        Letter = self.env["ar24.letter"]
        self._sync_status(Letter.search([("ar24_refresh_requested", "=", True)]))
        senders = self.env["res.users"].sudo().search([("ar24_link_state", "=", "linked"), ("ar24_user_id", "!=", 0)])
        self._sync_status(Letter.search([("ar24_id", "!=", 0), ("state", "in", OPEN_STATES)]), senders=senders)

    @api.model
    def _sync_status(self, letters, senders=None):
        """Update these letters from AR24's list of each sender's letters; returns how many changed
        (letters imported included).

        ``senders`` (res.users): also list the letters of these senders, whether Odoo has open
        letters of theirs or not, from the day before their last such listing.

        The list is read a page at a time; the letters of a page that AR24 shows changed are
        claimed (another Odoo process syncing or sending them at the same time skips them), updated
        together, their proofs downloaded ``ar24_lre.concurrency`` at a time, and committed.
        """
        changed = 0
        engine = self.env["ar24.letter.send"]
        groups = engine._groups(letters.filtered("ar24_id"))
        for user in senders or ():
            groups.setdefault((user.company_id, user), letters.browse())
        concurrency = max(1, int(self.env["ir.config_parameter"].sudo().get_param("ar24_lre.concurrency", 4)))
        for (company, user), group in groups.items():
            if not company._ar24_is_configured() or not user.ar24_user_id:
                continue
            client = company._ar24_client()
            by_id = {letter.ar24_id: letter for letter in group}
            sender = user if senders and user in senders else None
            started = fields.Datetime.now()
            since = crypto.paris_now(self._sync_since(group, sender).replace(tzinfo=timezone.utc))
            unknown = []
            with AR24Workers(company._ar24_client_factory(client), concurrency) as workers:
                try:
                    page = []
                    for mail in client.iter_mails(user.ar24_user_id, date_from=since):
                        letter = by_id.get(mail.get("id"))
                        if letter:
                            page.append((letter, mail))
                        else:
                            unknown.append(mail)
                        if len(page) >= MAX_PAGE_SIZE:
                            changed += self._update_page(page, workers)
                            page = []
                    changed += self._update_page(page, workers)
                except AR24Error as exc:
                    _logger.warning("AR24 status sync failed for %s: %s", user.login, exc)
                else:
                    changed += len(self._import_outside(company, user, unknown, workers))
                    if sender:
                        sender.sudo().ar24_letters_checked_at = started
            self._clear_refresh_requests(group)
        return changed

    @api.model
    def _clear_refresh_requests(self, letters):
        """The letters a webhook marked have been read: unmark those no other process works on."""
        engine = self.env["ar24.letter.send"]
        claimed = engine._claim(letters.filtered("ar24_refresh_requested"))
        try:
            claimed.write({"ar24_refresh_requested": False})
            commit(self.env)
        except psycopg2.errors.SerializationFailure:
            self.env.cr.rollback()  # marked again meanwhile: read at the next sync
        finally:
            engine._release(claimed)

    @api.model
    def _update_page(self, page, workers):
        """Apply a page of AR24's list [(letter, mail object)]; how many letters changed state.

        Only the letters AR24 shows differently are claimed and written: the others cost nothing.
        States and proofs are written together, each letter's chatter gets one note (its new state
        and the proofs filed), and the page is committed.
        """
        stale = [(letter, mail) for letter, mail in page if self._differs(letter, mail)]
        if not stale:
            return 0
        try:
            return self._apply_page(stale, workers)
        except psycopg2.errors.SerializationFailure:
            # a letter of the page was written meanwhile by another transaction (a webhook marking it
            # to be read again): nothing of the page was kept, the next sync reads it again
            self.env.cr.rollback()
            self.env.invalidate_all()
            _logger.info("AR24 status sync: %d letters changed meanwhile, read again next time", len(stale))
            return 0

    @api.model
    def _apply_page(self, stale, workers):
        engine = self.env["ar24.letter.send"]
        claimed = engine._claim(self.env["ar24.letter"].union(*(letter for letter, _mail in stale)))
        try:
            stale = [(letter, mail) for letter, mail in stale if letter in claimed and self._differs(letter, mail)]
            moved, notes = self.env["ar24.letter"], {}
            for letter, mail in stale:
                before = letter.state
                new_state = self._apply_mail(letter.with_context(tracking_disable=True), mail)
                if new_state and new_state != before:
                    moved |= letter
                    label = dict(letter._fields["state"]._description_selection(letter.env))[new_state]
                    notes[letter] = [self.env._("AR24: %(state)s.", state=label)]
            self._fetch_proofs(stale, workers, notes)
            for letter in moved:
                self._after_state_change(letter)
            commit(self.env)
        finally:
            engine._release(claimed)
        return len(moved)

    @api.model
    def _differs(self, letter, mail):
        """Whether AR24's mail object says something the letter does not know yet."""
        status = str(mail.get("status") or "").lower()
        if status in STATE_RANK and STATE_RANK[status] > STATE_RANK.get(letter.state, 0):
            return True
        done = set((letter.proof_kinds or "").split(","))
        if any(mail.get(url_key) and kind not in done for kind, (url_key, _date_key) in PROOFS.items()):
            return True
        return any(mail.get(key) and not letter[field] for key, field in DATE_FIELDS.items())

    @api.model
    def _sync_since(self, letters, sender=None):
        """Start of the list to read: the day before the oldest of ``letters`` and, for ``sender``,
        the day before his last listing (``OUTSIDE_LOOKBACK_DAYS`` back the first time)."""
        starts = [letter.date_deposit or letter.create_date for letter in letters]
        if sender:
            first_time = fields.Datetime.now() - timedelta(days=OUTSIDE_LOOKBACK_DAYS - 1)
            starts.append(sender.sudo().ar24_letters_checked_at or first_time)
        return min(starts) - timedelta(days=1)

    @api.model
    def _apply_mail(self, letter, mail, sending=False):
        """Update ``letter`` from an AR24 mail object; states never go backwards. Returns the new
        state, if it changed."""
        letter.ensure_one()
        status = str(mail.get("status") or "").lower()
        new_state = status if status in STATE_RANK else letter.state
        # ids come as ints from the client (``ar24.client.normalize``), whatever AR24's JSON type
        vals = {"ar24_status": mail.get("status"), "ar24_id": mail.get("id") or letter.ar24_id or 0}
        if mail.get("to_email") and mail["to_email"] != letter.ar24_to_email:
            vals["ar24_to_email"] = mail["to_email"]
        if mail.get("to_name") and (sending or letter.deposited_outside) and mail["to_name"] != letter.ar24_to_name:
            vals["ar24_to_name"] = mail["to_name"]
        if sending:
            vals.update(send_started_at=False, send_queued=False, error_code=False, error_message=False)
            if STATE_RANK[new_state] < STATE_RANK["waiting"]:
                new_state = "waiting"
        if STATE_RANK.get(new_state, 0) >= STATE_RANK.get(letter.state, 0) and new_state != letter.state:
            vals["state"] = new_state
        if mail.get("price_ht") is not None:
            vals["price_ht"] = float(mail.get("price_ht") or 0.0)
        if mail.get("date") and not letter.date_deposit:
            vals["date_deposit"] = _utc(mail["date"])
        for key, field in DATE_FIELDS.items():
            if mail.get(key) and not letter[field]:
                vals[field] = _utc(mail[key])
        letter.write(vals)
        if sending:
            self._note_sent(letter)
        return vals.get("state")

    @api.model
    def _fetch_proofs(self, pairs, workers, notes):
        """Download each new proof of these letters once [(letter, mail object)], the workers'
        ``concurrency`` at a time, and file them together: attachments with their SHA-256 (legal
        evidence), the letters' proofs, and one chatter note per letter (``notes``: {letter: lines
        already said}, e.g. its new state) with its proofs attached."""
        env = self.env
        wanted = []
        for letter, mail in pairs:
            done = set((letter.proof_kinds or "").split(",")) - {""}
            wanted += [
                (letter, kind, mail[url]) for kind, (url, _date) in PROOFS.items() if mail.get(url) and kind not in done
            ]
        contents = workers.map(lambda client, item: client.download(item[2]), wanted)
        filed = [(letter, kind, content) for (letter, kind, _url), content in zip(wanted, contents)]
        for letter, kind, content in filed:
            if isinstance(content, AR24Error):
                _logger.info("Proof %s of %s not downloaded yet: %s", kind, letter.name, content)
        filed = [item for item in filed if not isinstance(item[2], AR24Error)]
        digests = [hashlib.sha256(content).hexdigest() for _letter, _kind, content in filed]
        with filing_evidence():  # AR24's proofs, filed by the module
            attachments = (
                env["ir.attachment"]
                .sudo()
                .create(
                    [
                        {
                            "name": "%s - %s.pdf"
                            % (letter.name.replace("/", "-"), ar24_translate(env, PROOF_LABELS[kind])),
                            "raw": content,
                            "mimetype": "application/pdf",
                            "res_model": letter._name,
                            "res_id": letter.id,
                            "description": "SHA-256: %s" % digest,
                        }
                        for (letter, kind, content), digest in zip(filed, digests)
                    ]
                )
            )
        proofs = {}
        for (letter, kind, _content), digest, attachment in zip(filed, digests, attachments):
            proofs.setdefault(letter, []).append((kind, attachment))
            notes.setdefault(letter, []).append(
                env._("Proof received from AR24: %(name)s (SHA-256 %(digest)s)", name=attachment.name, digest=digest)
            )
        for letter, items in proofs.items():
            kinds = set((letter.proof_kinds or "").split(",")) - {""}
            letter.with_context(tracking_disable=True).proof_kinds = ",".join(
                sorted(kinds | {kind for kind, _attachment in items})
            )
        for letter, items in proofs.items():
            for kind, _attachment in items:
                self._note_on_source(
                    letter,
                    env._(
                        "Proof received from AR24 for the registered letter %(letter)s: %(proof)s.",
                        letter=self._letter_link(letter),
                        proof=ar24_translate(env, PROOF_LABELS[kind]),
                    ),
                )
        self._link_proofs(proofs)
        self._log_notes(notes, proofs)

    @api.model
    def _link_proofs(self, proofs):
        """File the proofs {letter: [(kind, attachment)]} among the letters' proofs in one insert (the
        ORM writes a many2many one letter at a time)."""
        pairs = [(letter.id, attachment.id) for letter, items in proofs.items() for _kind, attachment in items]
        if not pairs:
            return
        field = self.env["ar24.letter"]._fields["proof_attachment_ids"]
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s, %s) SELECT * FROM unnest(%s::int[], %s::int[]) ON CONFLICT DO NOTHING",
                SQL.identifier(field.relation),
                SQL.identifier(field.column1),
                SQL.identifier(field.column2),
                [letter_id for letter_id, _attachment_id in pairs],
                [attachment_id for _letter_id, attachment_id in pairs],
            )
        )
        self.env["ar24.letter"].browse({letter_id for letter_id, _a in pairs}).invalidate_recordset(
            ["proof_attachment_ids"]
        )

    @api.model
    def _log_notes(self, notes, proofs):
        """One chatter note per letter, created together: ``notes`` {letter: lines}, ``proofs``
        {letter: [(kind, attachment)]} attached to its note."""
        if not notes:
            return
        author = self.env.user.partner_id
        subtype = self.env.ref("mail.mt_note")
        # as mail.thread's _message_log_batch sets them: nothing computed per note (no notification)
        reply_to = self.env["mail.thread"]._notify_get_reply_to(default=author.email_formatted, author_id=author.id)
        self.env["mail.message"].sudo().create(
            [
                {
                    "model": letter._name,
                    "res_id": letter.id,
                    "record_alias_domain_id": False,
                    "record_company_id": False,
                    "reply_to": reply_to[False],
                    "email_add_signature": False,
                    "message_id": generate_tracking_message_id("message-notify"),
                    "body": Markup("<br/>").join(lines),
                    "message_type": "notification",
                    "subtype_id": subtype.id,
                    "is_internal": True,
                    "author_id": author.id,
                    "email_from": author.email_formatted,
                    "attachment_ids": [Command.link(attachment.id) for _kind, attachment in proofs.get(letter, [])],
                }
                for letter, lines in notes.items()
            ]
        )

    @api.model
    def _after_state_change(self, letter):
        """Chatter note on the source document; follow-up activity when the letter did not arrive."""
        env = letter.env
        label = dict(letter._fields["state"]._description_selection(env))[letter.state]
        word = re.sub(r"\s*\([^)]*\)$", "", label)  # "Refused (refused)" reads "refused" in a sentence
        source = letter._source_record()
        recipient = letter.partner_id.display_name or letter.ar24_to_name or letter.ar24_to_email or ""
        note = env._(
            "Registered letter %(name)s to %(partner)s: %(state)s.",
            name=self._letter_link(letter),
            partner=recipient,
            state=label,
        )
        self._note_on_source(letter, note)
        target = source if source and hasattr(source, "activity_schedule") else letter
        if letter.state in FAILED_STATES:
            target.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=letter.user_id.id,
                summary=env._(
                    "Registered letter %(state)s by %(partner)s: decide the next step",
                    state=word.lower(),
                    partner=recipient,
                ),
                note=env._("Letter %(name)s. You may resend it by paper registered letter.", name=letter.name),
            )
        elif letter.state == "ar":
            activities = target.activity_ids.filtered(
                lambda a: a.user_id == letter.user_id and letter.name in (a.note or "")
            )
            activities.action_feedback(feedback=env._("Received: %s", letter.name))

    # ------------------------------------------------------------------ the source document's chatter
    @api.model
    def _note_sent(self, letter):
        """The letter left for AR24: its source document (an invoice, a lease...) says so, with its link."""
        env = letter.env
        label = dict(letter._fields["send_type"]._description_selection(env)).get(letter.send_type, "")
        self._note_on_source(
            letter,
            env._(
                "Registered letter %(letter)s sent to %(partner)s: %(type)s.",
                letter=self._letter_link(letter),
                partner=letter.partner_id.display_name or letter.ar24_to_name or letter.to_email or "",
                type=label,
            ),
        )

    @api.model
    def _note_on_source(self, letter, body):
        """A note in the chatter of the letter's source document, signed by the module (OdooBot), as
        the letter's own log: told apart from what users post. Written by the module whatever the
        sender may write on the document (he could read it when he drafted the letter)."""
        source = letter._source_record()
        if source and hasattr(source, "_message_log"):
            source.sudo()._message_log(body=body, author_id=self.env.ref("base.partner_root").id)

    @api.model
    def _letter_link(self, letter):
        """The letter's reference as a link that opens it from the chatter."""
        return letter._get_html_link(title=letter.name)

    # ------------------------------------------------------------------ letters deposited outside Odoo
    @api.model
    def _import_outside(self, company, user, mails, workers):
        """Letters of ``user`` that AR24 holds although Odoo did not deposit them (on AR24's site or
        with another tool), whatever their status: created read-only with AR24's number, state,
        dates, recipient and proofs, linked to the contact of that e-mail when there is one. Odoo
        never sends them.

        A letter Odoo sent whose answer was lost carries Odoo's own file (``body_file_id``): it is
        left to the reconciliation, never imported twice. Runs in the jobs: writes as superuser.
        """
        Letter = self.env["ar24.letter"].sudo()
        mails = self._outside_candidates(mails)
        if not mails:
            return Letter
        known = set(Letter.search([("ar24_id", "in", [m["id"] for m in mails])]).mapped("ar24_id"))
        files = [file_id for mail in mails for file_id in mail.get("attachments") or ()]
        own = set(Letter.search([("body_file_id", "in", files)]).mapped("body_file_id")) if files else set()
        new = [m for m in mails if m["id"] not in known and not own.intersection(m.get("attachments") or ())]
        if not new:
            return Letter
        by_email = self._outside_contacts(company, new)
        letters = Letter.create(
            [self._outside_values(company, user, mail, by_email.get(_normalized(mail.get("to_email")))) for mail in new]
        )
        for letter, mail in zip(letters, new):
            self._apply_mail(letter, mail)
            letter._message_log(
                body=self.env._(
                    "Deposited at AR24 outside Odoo (no. %(number)s, %(status)s): shown here as AR24 holds it, "
                    "never sent from Odoo.",
                    number=mail["id"],
                    status=mail.get("status"),
                )
            )
        # their proofs as for any letter; no follow-up for what happened before Odoo knew them
        self._fetch_proofs(
            [(letter, mail) for letter, mail in zip(letters, new) if self._proof_urls(mail)], workers, {}
        )
        return letters

    @api.model
    def _outside_candidates(self, mails):
        """The mails that may become letters: with an AR24 number and a status Odoo knows (an unknown
        status is logged and left for a later version rather than shown wrong)."""
        candidates = []
        for mail in mails:
            status = str(mail.get("status") or "").lower()
            if not mail.get("id"):
                continue
            if status in OUTSIDE_STATUSES:
                candidates.append(mail)
            else:
                _logger.warning("AR24 letter %s has a status Odoo does not know (%r): not imported", mail["id"], status)
        return candidates

    @api.model
    def _outside_contacts(self, company, mails):
        """{normalized e-mail: contact} for the recipients of ``mails``, with the one e-mail rule; the
        oldest contact of the entity (or shared) wins when several have that e-mail."""
        emails = {_normalized(mail.get("to_email")) for mail in mails} - {False}
        if not emails:
            return {}
        partners = (
            self.env["res.partner"]
            .sudo()
            .search(
                [("ar24_email_normalized", "in", list(emails)), ("company_id", "in", [False, company.id])],
                order="id",
            )
        )
        by_email = {}
        for partner in partners:
            by_email.setdefault(partner.ar24_email_normalized, partner)
        return by_email

    @api.model
    def _proof_urls(self, mail):
        return [mail.get(url_key) for url_key, _date_key in PROOFS.values() if mail.get(url_key)]

    @api.model
    def _outside_send_type(self, mail):
        """The letter's type from AR24's ``type`` and ``is_eidas`` (see PRODUCTS in ar24/routes.py)."""
        product = str(mail.get("type") or "lre").lower()
        if product in ("ae", "lr_paper"):
            return product
        # AR24's "lre" is the qualified LRE with eIDAS, the simple registered e-mail without it
        return "ere" if str(mail.get("is_eidas", 1)) in ("0", "False") else "lre_eidas"

    @api.model
    def _outside_values(self, company, user, mail, partner):
        """Values of the letter that shows ``mail``, deposited outside Odoo."""
        statut = mail.get("dest_statut") if mail.get("dest_statut") in ("particulier", "professionnel") else False
        return {
            "partner_id": partner.id if partner else False,
            "subject": mail.get("ref_dossier")
            or self.env._("Registered letter %(number)s deposited outside Odoo", number=mail["id"]),
            "send_type": self._outside_send_type(mail),
            "company_id": company.id,
            "user_id": user.id,
            # LSC's "Date" and "Emetteur email" are AR24's
            "date": (mail.get("date") and _utc(mail["date"])) or fields.Datetime.now(),
            "sender_email": mail.get("from_email") or user.ar24_email or False,
            "to_email": mail.get("to_email") or False,
            "recipient_status": statut or ("professionnel" if mail.get("to_company") else "particulier"),
            "ref_dossier": mail.get("ref_dossier") or False,
            "ref_client": mail.get("ref_client") or False,
            "ref_facturation": mail.get("ref_facturation") or False,
            "deposited_outside": True,
        }


def _normalized(email):
    """The one e-mail rule (``rules.normalize_email``), False when AR24's address is not one."""
    return rules.normalize_email(email or "")[0] or False


def _utc(paris_string):
    """AR24's Paris-time string -> naive UTC datetime for Odoo."""
    value = crypto.parse_paris_date(paris_string)
    return value.astimezone(crypto.ZoneInfo("UTC")).replace(tzinfo=None) if value else False
