"""LRE consent of partners: the flag, where it comes from, its synchronisation with AR24, the send rules.

French law (art. L100 CPCE) requires a private person's prior consent before a qualified registered
e-mail (LRE) is sent to him; professionals need none. AR24 keeps, for each sender account, an address
book of the consents its correspondents gave, refused or have not answered yet. The seed ("Fiche
TIERS", "Gestion du consentement") keeps a copy of that consent on the partner, lets users tick or
untick it by hand, refreshes it from AR24 (list action, nightly job, at send time) and refuses an LRE
to a partner whose consent is missing.

Every change of a consent is tracked and carries a note saying who or what changed it.
"""

import logging
from collections import defaultdict
from datetime import timezone

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import email_normalize

from ..ar24.crypto import parse_paris_date
from ..ar24.errors import AR24ApiError, AR24Error
from ..tools import ar24_error_text, ar24_user_error

_logger = logging.getLogger(__name__)

CONSENT_STATES = [("none", "None"), ("pending", "Pending"), ("accepted", "Accepted"), ("refused", "Refused")]
CONSENT_SOURCES = [
    ("manual", "Set by hand"),
    ("ar24_sync", "AR24 address book"),
    ("ar24_request", "Request e-mailed by AR24"),
]
# Fields whose change posts a tracking message (the note saying who changed it goes in its body).
TRACKED_CONSENT_FIELDS = frozenset({"ar24_consent", "ar24_consent_email", "ar24_consent_source", "ar24_consent_state"})
# Written by registered-letter users only (an import or a script included): a consent is legal evidence
CONSENT_FIELDS = TRACKED_CONSENT_FIELDS | {"ar24_consent_date"}
SEND_TYPES = ("lre_eidas", "ae", "lr_paper")
# Names listed per line of the result notification; the rest is counted.
NOTIFY_NAMES = 10


def _utc_naive(ar24_date):
    """AR24 date (Paris local time) as Odoo stores datetimes (naive UTC); None if unreadable."""
    value = parse_paris_date(ar24_date)
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value else None


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar24_consent = fields.Boolean(
        "LRE consent",
        tracking=True,
        copy=False,
        readonly=True,
        help="The contact agreed to receive qualified registered e-mails (LRE) at the consent e-mail. "
        "A private person must have agreed before an LRE is sent to him (art. L100 of the French CPCE). "
        "Change it with the actions of the contact list or form so that the change is recorded.",
    )
    ar24_consent_email = fields.Char(
        "LRE consent e-mail",
        tracking=True,
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The e-mail address the consent (or its refusal) was given for.",
    )
    ar24_consent_date = fields.Datetime("LRE consent date", copy=False, readonly=True)
    ar24_consent_source = fields.Selection(
        CONSENT_SOURCES, string="LRE consent source", tracking=True, copy=False, readonly=True
    )
    ar24_consent_state = fields.Selection(
        CONSENT_STATES,
        string="LRE consent status",
        default="none",
        required=True,
        tracking=True,
        copy=False,
        readonly=True,
        help="Pending: AR24 e-mailed a consent request that is not answered yet.",
    )
    ar24_consent_mismatch = fields.Boolean(
        "LRE consent for another e-mail",
        compute="_compute_ar24_consent_mismatch",
        store=True,
        help="The consent was given for an e-mail address that is no longer the contact's: "
        "it does not allow an LRE to the current address.",
    )
    ar24_dispatch_mode = fields.Selection(
        [
            ("post", "Post"),
            ("email", "E-mail"),
            ("lre", "Registered e-mail (LRE)"),
            ("lr_paper", "Paper registered letter"),
        ],
        string="Preferred dispatch",
        help="How this contact prefers to receive the letters of the property manager.",
    )
    ar24_recipient_status = fields.Selection(
        [("particulier", "Private person"), ("professionnel", "Professional")],
        string="LRE recipient status",
        compute="_compute_ar24_recipient_status",
        store=True,
        readonly=False,
        precompute=True,
        help="A private person must have consented before receiving an LRE; a professional need not. "
        "Companies are professionals by default.",
    )
    ar24_consent_url = fields.Char(
        "LRE consent link",
        compute="_compute_ar24_consent_url",
        help="Page of your AR24 account where your correspondents give or withdraw their consent "
        "(empty when AR24 is not configured or your AR24 account is not linked).",
    )

    # ------------------------------------------------------------------ consent fields guard
    @api.model_create_multi
    def create(self, vals_list):
        if any(CONSENT_FIELDS.intersection(vals) for vals in vals_list):
            self._ar24_consent_check_write([vals.get("name") for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        if CONSENT_FIELDS.intersection(vals):
            self._ar24_consent_check_write()
        return super().write(vals)

    def _ar24_consent_check_write(self, names=None):
        """The views show consents read-only, but a script or an import could write them: only
        registered-letter users may (their change is tracked in the contact's chatter)."""
        if self._ar24_may_manage_consents():
            return
        names = [name for name in (self.mapped("display_name") if names is None else names) if name]
        raise AccessError(
            self.env._(
                "Only users of registered letters (AR24) can change an LRE consent (%(contacts)s): "
                "use the consent actions of the contacts.",
                contacts=", ".join(names[:5]) + (", …" if len(names) > 5 else ""),
            )
        )

    # ------------------------------------------------------------------ computes
    @api.depends("ar24_consent", "ar24_consent_email", "email_normalized")
    def _compute_ar24_consent_mismatch(self):
        for partner in self:
            partner.ar24_consent_mismatch = bool(
                partner.ar24_consent
                and partner.ar24_consent_email
                and partner.ar24_consent_email != partner.email_normalized
            )

    @api.depends("is_company")
    def _compute_ar24_recipient_status(self):
        for partner in self:
            partner.ar24_recipient_status = "professionnel" if partner.is_company else "particulier"

    @api.depends_context("uid", "company")
    def _compute_ar24_consent_url(self):
        link = self._ar24_consent_link()
        for partner in self:
            partner.ar24_consent_url = link

    @api.model
    def _ar24_consent_link(self):
        """The current user's AR24 consent page, asked once per request (cursor); False when unknown.

        Never raises: a template rendering this link must not fail because AR24 is down.
        """
        user = self.env.user
        company = self.env.company
        if not user.ar24_user_id or user.ar24_link_state != "linked":
            return False
        key = ("ar24_lre.consent_link", company.id, user.ar24_user_id)
        cache = self.env.cr.cache
        if key not in cache:
            link = False
            if company._ar24_is_configured():
                try:
                    link = company._ar24_client().consent_link(user.ar24_user_id) or False
                except (AR24Error, UserError, ValueError) as exc:
                    _logger.info("AR24 consent link of %s unavailable: %s", user.login, exc)
                    # not cached: the next request may find AR24 back
                    return False
            cache[key] = link
        return cache[key]

    # ------------------------------------------------------------------ small helpers
    def _ar24_lre_email(self):
        """The partner's e-mail, normalised, if it can receive an LRE (exactly one address with a domain)."""
        self.ensure_one()
        email = email_normalize(self.email or "")
        if not email or "." not in email.rpartition("@")[2]:
            return False
        return email

    def _ar24_consent_person_names(self):
        """(first name, last name) of the person who consents; None for a company without named contact."""
        self.ensure_one()
        if self.is_company:
            contact = self.child_ids.filtered(lambda c: c.type == "contact" and (c.name or "").strip())[:1]
            name = contact.name if contact else ""
        else:
            name = self.name or ""
        name = " ".join(name.split())
        if not name:
            return None
        first, _sep, last = name.partition(" ")
        return first, last or first

    def _ar24_consent_problem(self, need_email=True, need_person=False):
        """Why this partner cannot take part in a consent action, or False."""
        self.ensure_one()
        if not self.active:
            return self.env._("archived")
        if need_email:
            if not (self.email or "").strip():
                return self.env._("no e-mail")
            if not self._ar24_lre_email():
                return self.env._("invalid e-mail")
        if need_person and self._ar24_consent_person_names() is None:
            return self.env._("company without contact name") if self.is_company else self.env._("no contact name")
        return False

    def _ar24_consent_is_valid(self, email=None):
        """True when the partner consented, at AR24 or by hand, for ``email`` (default: his e-mail)."""
        self.ensure_one()
        target = email_normalize(email or "") if email else self._ar24_lre_email()
        return bool(
            self.ar24_consent
            and self.ar24_consent_state == "accepted"
            and self.ar24_consent_email
            and self.ar24_consent_email == target
            and not self.ar24_consent_mismatch
        )

    def _ar24_may_manage_consents(self):
        return self.env.su or self.env.user.has_group("ar24_lre.group_ar24_user")

    def _ar24_consent_check_access(self):
        """Only registered-letter users manage consents; they must be able to read the partners."""
        if not self._ar24_may_manage_consents():
            raise AccessError(self.env._("Only users of registered letters (AR24) can manage LRE consents."))
        self.check_access("read")

    def _ar24_consent_selection(self):
        """Partners an action applies to.

        The list sends the selected ids; when the user selected every record across pages the web
        client sends at most ``web.active_ids_limit`` ids plus ``active_domain``: the whole domain is
        then searched, so that no partner is silently left out. ``ar24_whole_domain`` in the context
        forces that search (scripts).
        """
        context = self.env.context
        domain = context.get("active_domain")
        if domain is None or context.get("active_model", self._name) != self._name:
            return self
        limit = int(self.env["ir.config_parameter"].sudo().get_param("web.active_ids_limit", 20000))
        if not context.get("ar24_whole_domain") and len(self) < limit:
            return self
        return self.with_context(active_domain=None, ar24_whole_domain=False).search(domain)

    @api.model
    def _ar24_consent_sender(self, sender=None):
        """The AR24 account whose address book is read: ``sender`` or the current user."""
        user = sender or self.env.user
        if not user.ar24_user_id or user.ar24_link_state != "linked":
            raise UserError(
                self.env._(
                    "%(user)s has no AR24 account linked to this database: link it in the preferences "
                    "of %(user)s (AR24 account) first.",
                    user=user.name,
                )
            )
        return user

    def _ar24_consent_values(self, row, source):
        """Values a consent of AR24 gives this partner; None when it must not change him.

        Accepted ticks the consent, refused unticks it (seed: "coche la case et mets à jour l'email
        si nécessaire, décoche la case si votre client a refusé"). A pending request does not undo a
        consent the partner already gave for that e-mail, and a consent set by hand after AR24's
        answer wins over it.
        """
        self.ensure_one()
        status = (row.get("status") or "").lower()
        if status not in ("accepted", "refused", "pending"):
            return None
        date = _utc_naive(row.get("date")) or fields.Datetime.now()
        if (
            source == "ar24_sync"
            and self.ar24_consent_source == "manual"
            and self.ar24_consent_date
            and self.ar24_consent_date > date
        ):
            return None
        email = email_normalize(row.get("email") or "") or row.get("email")
        if status == "pending" and self._ar24_consent_is_valid(email):
            return None
        return {
            "ar24_consent": status == "accepted",
            "ar24_consent_state": status,
            "ar24_consent_email": email,
            "ar24_consent_date": date,
            "ar24_consent_source": source,
        }

    def _ar24_consent_write(self, updates, note, note_unchanged=False):
        """Write ``{partner id: values}`` and record the change in each partner's chatter.

        Writes are grouped by identical values. Each partner whose consent changes gets one message
        whose body is ``note`` (who or what changed it) and whose tracking values show the fields
        changed; with ``note_unchanged`` the partners the action concerned without changing them
        get ``note`` alone. Mail's own tracking would post those messages one INSERT at a time per
        partner, so it is turned off for this write and the messages are created in batch.
        Returns (changed, unchanged) recordsets.
        """
        partners = self.sudo()
        groups = defaultdict(list)
        initial, changed, unchanged = {}, [], []
        for partner in partners.browse(list(updates)):
            values = updates[partner.id]
            if any((partner[name] or False) != (value or False) for name, value in values.items()):
                changed.append(partner.id)
                groups[tuple(sorted(values.items()))].append(partner.id)
                initial[partner.id] = {name: partner[name] for name in TRACKED_CONSENT_FIELDS}
            else:
                unchanged.append(partner.id)
        if len(groups) > 1:
            # res.partner.write() reads these per written partner: fetch them once for all
            partners.browse(changed).fetch(["user_ids", "child_ids"])
        for values, ids in groups.items():
            partners.browse(ids).with_context(mail_notrack=True).write(dict(values))

        tracked_fields = partners.fields_get(
            list(TRACKED_CONSENT_FIELDS), attributes=("string", "type", "selection", "currency_field")
        )
        tracking = {}
        for partner in partners.browse(changed):
            _changes, commands = partner._mail_track(tracked_fields, initial[partner.id])
            if commands:
                tracking[partner.id] = [command[2] for command in commands]
        logged = list(tracking) + ([pid for pid in updates if pid not in tracking] if note_unchanged else [])
        if logged:
            messages = partners.browse(logged)._message_log_batch(dict.fromkeys(logged, note))
            self.env["mail.tracking.value"].sudo().create(
                [
                    dict(values, mail_message_id=message.id)
                    for message in messages
                    for values in tracking.get(message.res_id, ())
                ]
            )
        return self.browse(changed), self.browse(unchanged)

    def _ar24_consent_notification(self, title, changed, skipped, done=None):
        """``display_notification`` listing the partners changed and those skipped with the reason.

        ``params`` also carries ``ar24_changed_ids`` and ``ar24_skipped`` ([[id, reason], ...]) for
        scripts and tests; the web client ignores them.
        """

        def names(partners):
            shown = ", ".join(p.display_name for p in partners[:NOTIFY_NAMES])
            if len(partners) > NOTIFY_NAMES:
                shown = self.env._("%(names)s and %(count)s more", names=shown, count=len(partners) - NOTIFY_NAMES)
            return shown

        by_reason = defaultdict(list)
        for partner, reason in skipped:
            by_reason[reason].append(partner)
        lines = []
        if changed:
            lines.append(
                self.env._(
                    "%(done)s (%(count)s): %(names)s.",
                    done=done or self.env._("Changed"),
                    count=len(changed),
                    names=names(changed),
                )
            )
        if skipped:
            details = "; ".join(
                "%s: %s" % (reason, names(self.browse([p.id for p in partners])))
                for reason, partners in by_reason.items()
            )
            lines.append(self.env._("Skipped (%(count)s): %(details)s.", count=len(skipped), details=details))
        if not lines:
            lines.append(self.env._("No contact selected."))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if skipped else ("success" if changed else "info"),
                "title": title,
                "message": " ".join(lines),
                "sticky": bool(skipped),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                "ar24_changed_ids": changed.ids,
                "ar24_skipped": [[partner.id, reason] for partner, reason in skipped],
            },
        }

    # ------------------------------------------------------------------ actions (list and form)
    def action_ar24_consent_add(self):
        """Tick the LRE consent of the selected partners for their current e-mail (seed: "Ajouter accord")."""
        self._ar24_consent_check_access()
        partners = self._ar24_consent_selection()
        now = fields.Datetime.now()
        updates, skipped = {}, []
        for partner in partners:
            reason = partner._ar24_consent_problem(need_email=True, need_person=True)
            if not reason and partner._ar24_consent_is_valid():
                reason = self.env._("already has an LRE consent for this e-mail")
            if reason:
                skipped.append((partner, reason))
                continue
            updates[partner.id] = {
                "ar24_consent": True,
                "ar24_consent_state": "accepted",
                "ar24_consent_email": partner._ar24_lre_email(),
                "ar24_consent_date": now,
                "ar24_consent_source": "manual",
            }
        note = self.env._("LRE consent added manually by %(user)s.", user=self.env.user.name)
        changed, unchanged = self._ar24_consent_write(updates, note)
        skipped += [(p, self.env._("already up to date")) for p in unchanged]
        return self._ar24_consent_notification(self.env._("Add LRE consent"), changed, skipped)

    def action_ar24_consent_remove(self):
        """Untick the LRE consent of the selected partners (seed: "Retirer accord de consentement LRE")."""
        self._ar24_consent_check_access()
        partners = self._ar24_consent_selection()
        now = fields.Datetime.now()
        updates, skipped = {}, []
        for partner in partners:
            reason = partner._ar24_consent_problem(need_email=False)
            if not reason and not partner.ar24_consent and partner.ar24_consent_state in ("none", "refused"):
                reason = self.env._("has no LRE consent")
            if reason:
                skipped.append((partner, reason))
                continue
            updates[partner.id] = {
                "ar24_consent": False,
                "ar24_consent_state": "none",
                "ar24_consent_email": False,
                "ar24_consent_date": now,
                "ar24_consent_source": "manual",
            }
        note = self.env._("LRE consent removed manually by %(user)s.", user=self.env.user.name)
        changed, unchanged = self._ar24_consent_write(updates, note)
        skipped += [(p, self.env._("already up to date")) for p in unchanged]
        return self._ar24_consent_notification(self.env._("Remove LRE consent"), changed, skipped)

    def action_ar24_consent_sync(self):
        """Refresh the selected partners from the current user's AR24 address book (seed: "MAJ accord")."""
        self._ar24_consent_check_access()
        partners = self._ar24_consent_selection()
        result = self._ar24_consent_sync_from_ar24(partners=partners)
        skipped = result["skipped"] + [(p, self.env._("already up to date")) for p in result["unchanged"]]
        return self._ar24_consent_notification(self.env._("Update LRE consent from AR24"), result["changed"], skipped)

    def action_ar24_consent_request(self):
        """Have AR24 e-mail each selected partner a consent request (billed by AR24, proof kept by AR24)."""
        self._ar24_consent_check_access()
        partners = self._ar24_consent_selection()
        sender = self._ar24_consent_sender()
        client = self.env.company._ar24_client()
        skipped, by_email = [], defaultdict(list)
        for partner in partners:
            reason = partner._ar24_consent_problem(need_email=True, need_person=True)
            if not reason and partner._ar24_consent_is_valid():
                reason = self.env._("already has an LRE consent for this e-mail")
            if reason:
                skipped.append((partner, reason))
            else:
                by_email[partner._ar24_lre_email()].append(partner)
        updates, stop = {}, None
        for email, same_email in by_email.items():
            if stop:
                skipped += [(p, stop) for p in same_email]
                continue
            first, last = same_email[0]._ar24_consent_person_names()
            try:
                row = client.request_consent(sender.ar24_user_id, email, firstname=first, lastname=last)
            except AR24ApiError as exc:
                skipped += [(p, ar24_error_text(self.env, exc)) for p in same_email]
                continue
            except AR24Error as exc:
                # AR24 unreachable: do not hammer it with the rest of the selection
                stop = ar24_error_text(self.env, exc)
                skipped += [(p, stop) for p in same_email]
                continue
            row = dict(row or {}, email=(row or {}).get("email") or email)
            row.setdefault("status", "pending")
            for partner in same_email:
                values = partner._ar24_consent_values(row, "ar24_request")
                if values is not None:
                    updates[partner.id] = values
        note = self.env._("LRE consent requested by e-mail (through AR24) by %(user)s.", user=self.env.user.name)
        # a request sent again to a pending partner changes nothing, yet it was sent: note it all the same
        changed, unchanged = self._ar24_consent_write(updates, note, note_unchanged=True)
        return self._ar24_consent_notification(
            self.env._("Ask for LRE consent"), changed | unchanged, skipped, done=self.env._("Requested")
        )

    # ------------------------------------------------------------------ synchronisation with AR24
    @api.model
    def _ar24_consent_sync_from_ar24(self, partners=None, sender=None):
        """Copy the consents of ``sender``'s AR24 address book onto the partners: THE sync service.

        Used by the list action (``partners`` = the selection), the nightly job and the send wizard
        (``partners=None``: every partner whose e-mail, or consent e-mail, has a consent at AR24).
        AR24 is read page by page (one call per 100 consents, never one per partner); partners are
        found with one search on their normalised e-mail; writes are grouped by identical values.
        A consent given for an e-mail that is no longer the partner's is kept but flagged
        (``ar24_consent_mismatch``): it no longer allows an LRE. Proofs of consent are attached once.

        :param partners: res.partner recordset to refresh, or None for all matching partners
        :param sender: res.users whose AR24 account is read (default: the current user)
        :return: dict with ``changed`` and ``unchanged`` (res.partner), ``skipped``
            ([(partner, reason)], only for given partners), ``consents`` (number read at AR24)
        :raise UserError: sender not linked, AR24 not configured or unreachable
        """
        sender = self._ar24_consent_sender(sender)
        client = self.env.company._ar24_client()
        consents = {}
        try:
            for row in client.iter_consents(sender.ar24_user_id):
                email = email_normalize(row.get("email") or "")
                if email:
                    consents[email] = row
        except AR24Error as exc:
            raise ar24_user_error(
                self.env, exc, self.env._("LRE consents of %(user)s at AR24", user=sender.name)
            ) from exc
        Partner = self.sudo().with_context(active_test=True)
        skipped = []
        if partners is None:
            emails = list(consents)
            candidates = (
                Partner.search(["|", ("email_normalized", "in", emails), ("ar24_consent_email", "in", emails)])
                if emails
                else Partner
            )
        else:
            ids = []
            for partner in partners.sudo():
                if not partner.active:
                    skipped.append((partner, self.env._("archived")))
                elif not partner.email_normalized and not partner.ar24_consent_email:
                    reason = self.env._("invalid e-mail") if (partner.email or "").strip() else self.env._("no e-mail")
                    skipped.append((partner, reason))
                else:
                    ids.append(partner.id)
            candidates = Partner.browse(ids)
        updates, matched = {}, []
        unchanged_ids = []
        for partner in candidates:
            # the consent of his current e-mail first, else the one he consented with before
            row = consents.get(partner.email_normalized) or consents.get(partner.ar24_consent_email)
            if not row:
                skipped.append(
                    (
                        partner,
                        self.env._(
                            "no consent at AR24 for %(email)s",
                            email=partner.email_normalized or partner.ar24_consent_email,
                        ),
                    )
                )
                continue
            matched.append((partner, row))
            values = partner._ar24_consent_values(row, "ar24_sync")
            if values is None:
                unchanged_ids.append(partner.id)
            else:
                updates[partner.id] = values
        note = self.env._("LRE consent updated from AR24 (account of %(user)s).", user=sender.name)
        changed, unchanged = self._ar24_consent_write(updates, note)
        self._ar24_consent_attach_proofs(client, matched)
        unchanged |= self.browse(unchanged_ids)
        return {
            "changed": changed.with_env(self.env),
            "unchanged": unchanged.with_env(self.env),
            "skipped": [(partner.with_env(self.env), reason) for partner, reason in skipped],
            "consents": len(consents),
        }

    @api.model
    def _ar24_consent_proof_name(self, email):
        return self.env._("LRE consent proof %(email)s.pdf", email=email)

    @api.model
    def _ar24_consent_attach_proofs(self, client, matched):
        """Attach AR24's proof of each accepted consent to its partners, once: one search for the
        proofs already attached, one download per missing proof, one create for all attachments."""
        wanted = defaultdict(list)  # (url, name) -> partner ids
        for partner, row in matched:
            if (row.get("status") or "").lower() == "accepted" and row.get("proof_url"):
                email = email_normalize(row.get("email") or "") or row.get("email")
                wanted[(row["proof_url"], self._ar24_consent_proof_name(email))].append(partner.id)
        if not wanted:
            return
        Attachment = self.env["ir.attachment"].sudo()
        existing = Attachment.search_fetch(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", sorted({pid for ids in wanted.values() for pid in ids})),
                ("name", "in", sorted({name for _url, name in wanted})),
            ],
            ["res_id", "name"],
        )
        have = {(a.res_id, a.name) for a in existing}
        values = []
        for (url, name), ids in wanted.items():
            missing = [pid for pid in ids if (pid, name) not in have]
            if not missing:
                continue
            try:
                content = client.download(url)
            except AR24Error as exc:
                # next synchronisation tries again
                _logger.warning("Proof of LRE consent %s not downloaded: %s", name, exc)
                continue
            values += [
                {
                    "name": name,
                    "raw": content,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": pid,
                    "description": self.env._("Proof of LRE consent issued by AR24"),
                }
                for pid in missing
            ]
        if values:
            Attachment.create(values)

    @api.model
    def _ar24_consent_refresh_for_send(self, partners, sender=None):
        """Refresh the consents of the letter's recipients from AR24 just before sending.

        Seed: "Lors de l'envoi des LRE, une vérification est également faite sur le site AR24".
        Never raises: when AR24 cannot be read the consents already known stay, and ``error`` says
        why, for the send wizard to show.

        :return: the dict of ``_ar24_consent_sync_from_ar24`` plus ``error`` (False or a sentence)
        """
        empty = {"changed": self.browse(), "unchanged": self.browse(), "skipped": [], "consents": 0, "error": False}
        if not partners:
            return empty
        try:
            result = self._ar24_consent_sync_from_ar24(partners=partners, sender=sender)
        except UserError as exc:
            return dict(empty, error=exc.args[0] if exc.args else str(exc))
        result["error"] = False
        return result

    @api.model
    def _ar24_consent_cron(self):
        """Nightly job: refresh consents from the address book of every linked AR24 account.

        Accounts synchronised least recently go first, and progress is committed after each, so a
        run cut short by the time limit resumes where it stopped.
        """
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [("ar24_link_state", "=", "linked"), ("ar24_user_id", "!=", 0)],
                order="ar24_consent_synced_at ASC NULLS FIRST, id",
            )
        )
        seen = set()
        todo = []
        for user in users:
            key = (user.company_id.id, user.ar24_user_id)
            if key not in seen:
                seen.add(key)
                todo.append(user)
        cron = self.env["ir.cron"]
        cron._commit_progress(remaining=len(todo))
        for user in todo:
            try:
                with self.env.cr.savepoint():
                    self.with_company(user.company_id)._ar24_consent_sync_from_ar24(sender=user)
            except UserError as exc:
                _logger.warning("LRE consents of %s not refreshed from AR24: %s", user.login, exc)
            user.ar24_consent_synced_at = fields.Datetime.now()
            if not cron._commit_progress(1):
                break

    # ------------------------------------------------------------------ rules at send time
    def _ar24_consent_reason(self, send_type, email, company):
        """Why a letter of ``send_type`` may not go to this partner at ``email``; False if it may.

        - ``lr_paper``: a paper registered letter needs no consent;
        - ``lre_eidas``: professionals need none; a private person needs an accepted consent for
          exactly that e-mail (art. L100 CPCE);
        - ``ae`` (avis électronique of co-ownerships): every co-owner needs that consent when the
          company requires it (``ar24_ae_consent_required``); otherwise only a refusal blocks it.

        :param send_type: 'lre_eidas', 'ae' or 'lr_paper'
        :param email: e-mail the letter goes to (default: the partner's)
        :param company: res.company sending (its avis électronique policy)
        :return: False or a translated sentence
        """
        self.ensure_one()
        if send_type not in SEND_TYPES:
            raise ValueError("Unknown AR24 send type %r" % send_type)
        if send_type == "lr_paper":
            return False
        if send_type == "lre_eidas" and self.ar24_recipient_status == "professionnel":
            return False
        consent_needed = send_type == "lre_eidas" or (company or self.env.company).ar24_ae_consent_required
        if self.ar24_consent_state == "refused":
            return self.env._("LRE consent refused")
        if not consent_needed:
            return False
        target = email_normalize(email or "") if email else self._ar24_lre_email()
        if self.ar24_consent and self.ar24_consent_state == "accepted" and self.ar24_consent_email:
            if self.ar24_consent_email == target and not self.ar24_consent_mismatch:
                return False
            return self.env._("LRE consent was given for another e-mail (%(email)s)", email=self.ar24_consent_email)
        if self.ar24_consent_state == "pending":
            return self.env._("LRE consent pending")
        return self.env._("No LRE consent")

    # ------------------------------------------------------------------ recipients of registered letters
    def _ar24_check_not_a_recipient(self, operation):
        """The recipient and the correspondent of a letter handed to AR24 are evidence: the contact
        stays (archive it instead), below system administrator."""
        if self.env.user.has_group("base.group_system"):
            return
        letters = (
            self.env["ar24.letter"]
            .sudo()
            .search(["|", ("partner_id", "in", self.ids), ("contact_id", "in", self.ids)])
            ._ar24_left()
        )
        if letters:
            contacts = (letters.partner_id | letters.contact_id) & self
            raise UserError(
                self.env._(
                    "%(contacts)s received registered letters through AR24 (%(letters)s): the contact cannot be "
                    "%(operation)s; archive it instead.",
                    contacts=", ".join(contacts.mapped("display_name")),
                    letters=", ".join(letters[:5].mapped("name")) + (", …" if len(letters) > 5 else ""),
                    operation=operation,
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_ar24_recipient(self):
        self._ar24_check_not_a_recipient(self.env._("deleted"))
