"""LRE consent of partners: the consent of the current entity on the contact, the actions that change
it, its synchronisation with AR24, the send rules.

French law (art. L100 CPCE) requires a private person's prior consent before a qualified registered
e-mail (LRE) is sent to him; professionals need none. The consent is given to a sender, so it is
held per entity (``ar24.consent``, one per contact and company). AR24 keeps, for each sender
account, an address book of the consents its correspondents gave, refused or have not answered yet.
The LSC manual ("Fiche TIERS", "Gestion du consentement") keeps a copy of that consent on the
contact, lets users tick or untick it by hand, refreshes it from AR24 (list action, nightly job, at
send time) and refuses an LRE to a contact whose consent is missing.

The contact shows the consent of the current company (computed fields, searchable); the actions
and the synchronisation write the consents of the current company (the nightly job: the company of
the AR24 account's user); the send check reads the consent of the letter's company. Every change
of a consent is logged in its chatter with a note saying who or what changed it.
"""

import logging
from collections import defaultdict
from datetime import timezone

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from ..ar24 import rules
from ..ar24.crypto import parse_paris_date
from ..ar24.errors import AR24ApiError, AR24Error
from ..const import CONSENT_SOURCES, CONSENT_STATES, LRE_USERS, RECIPIENT_STATUSES, SEND_TYPE_CODES
from ..tools import ar24_error_text, ar24_translate, ar24_user_error

_logger = logging.getLogger(__name__)

# The consent of the current company as the contact shows it. Writing them (a script, an import)
# writes the current company's consent, for registered-letter users only: a consent is legal evidence
CONSENT_FIELDS = (
    "ar24_consent",
    "ar24_consent_state",
    "ar24_consent_email",
    "ar24_consent_date",
    "ar24_consent_source",
)
# Names listed per line of the result notification; the rest is counted.
NOTIFY_NAMES = 10


def _utc_naive(ar24_date):
    """AR24 date (Paris local time) as Odoo stores datetimes (naive UTC); None if unreadable."""
    value = parse_paris_date(ar24_date)
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value else None


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar24_email_normalized = fields.Char(
        "E-mail for AR24",
        compute="_compute_ar24_email_normalized",
        store=True,
        index="btree_not_null",
        help="The contact's e-mail as AR24 receives and compares it (trimmed, lowercase, internationalised "
        "domain in its ASCII form); empty when AR24 cannot take it.",
    )
    ar24_consent_ids = fields.One2many(
        "ar24.consent",
        "partner_id",
        "LRE consents",
        groups=LRE_USERS,
        copy=False,
        readonly=True,
        help="The contact's consent to each entity: a consent is given to one sender only.",
    )
    ar24_consent_id = fields.Many2one(
        "ar24.consent", "LRE consent of this entity", compute="_compute_ar24_consent_id", groups=LRE_USERS
    )
    ar24_consent = fields.Boolean(
        "LRE consent",
        compute="_compute_ar24_consent_fields",
        search="_search_ar24_consent",
        groups=LRE_USERS,
        help="The contact agreed to receive qualified registered e-mails (LRE) from the current entity at "
        "the consent e-mail. A private person must have agreed before an LRE is sent to him (art. L100 of "
        "the French CPCE). Change it with the actions of the contact list or form so that the change is "
        "recorded.",
    )
    ar24_consent_email = fields.Char(
        "LRE consent e-mail",
        compute="_compute_ar24_consent_fields",
        search="_search_ar24_consent_email",
        groups=LRE_USERS,
        help="The e-mail address the consent (or its refusal) was given for.",
    )
    ar24_consent_date = fields.Datetime("LRE consent date", compute="_compute_ar24_consent_fields", groups=LRE_USERS)
    ar24_consent_source = fields.Selection(
        CONSENT_SOURCES, string="LRE consent source", compute="_compute_ar24_consent_fields", groups=LRE_USERS
    )
    ar24_consent_state = fields.Selection(
        CONSENT_STATES,
        string="LRE consent status",
        compute="_compute_ar24_consent_fields",
        search="_search_ar24_consent_state",
        groups=LRE_USERS,
        help="Pending: AR24 e-mailed a consent request that is not answered yet.",
    )
    ar24_consent_mismatch = fields.Boolean(
        "LRE consent for another e-mail",
        compute="_compute_ar24_consent_fields",
        search="_search_ar24_consent_mismatch",
        groups=LRE_USERS,
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
        RECIPIENT_STATUSES,
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

    # ------------------------------------------------------------------ consent fields: guard and writes
    @api.model_create_multi
    def create(self, vals_list):
        given = [{name: vals[name] for name in CONSENT_FIELDS if name in vals} for vals in vals_list]
        if not any(given):
            return super().create(vals_list)
        self._ar24_consent_check_write([vals.get("name") for vals, consent in zip(vals_list, given) if consent])
        partners = super().create(
            [{name: value for name, value in vals.items() if name not in CONSENT_FIELDS} for vals in vals_list]
        )
        partners._ar24_consent_write_given(given)
        return partners

    def write(self, vals):
        given = {name: vals[name] for name in CONSENT_FIELDS if name in vals}
        if not given:
            return super().write(vals)
        self._ar24_consent_check_write()
        rest = {name: value for name, value in vals.items() if name not in CONSENT_FIELDS}
        result = super().write(rest) if rest else True
        self._ar24_consent_write_given([given] * len(self))
        return result

    def _ar24_consent_check_write(self, names=None):
        """The views show consents read-only, but a script or an import could write them: only
        registered-letter users may (their change is logged on the consent)."""
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

    def _ar24_consent_write_given(self, given_list):
        """Write the consent fields given to create()/write() (aligned with ``self``) as the current
        company's consents, logged as changed by the current user."""
        now = fields.Datetime.now()
        updates = {}
        for partner, given in zip(self, given_list):
            if not given:
                continue
            current = partner.sudo().ar24_consent_id
            state = given.get("ar24_consent_state")
            if not state and "ar24_consent" in given:
                # the flag alone: ticked is accepted, unticked withdraws an accepted consent
                state = "accepted" if given["ar24_consent"] else ("none" if current.state == "accepted" else None)
            state = state or current.state or "none"
            if "ar24_consent_email" in given:
                email = given["ar24_consent_email"]
            else:
                email = current.email or (partner.ar24_email_normalized if state == "accepted" else False)
            date = fields.Datetime.to_datetime(given.get("ar24_consent_date")) or now
            self.env["ar24.consent"]._ar24_check_date(date, partner)
            updates[partner.id] = {
                "state": state,
                "email": email,
                "date": date,
                "source": self.env["ar24.consent"]._ar24_user_source(given.get("ar24_consent_source")),
            }
        note = self.env._("LRE consent changed by %(user)s.", user=self.env.user.name)
        self._ar24_consent_write(updates, note)

    def _ar24_consent_write(self, updates, note, note_unchanged=False):
        """Set the current company's consents to ``{partner id: values}``, each change logged with ``note``
        (see ``ar24.consent._ar24_apply``). Returns (changed, unchanged) partners."""
        changed, unchanged = self.env["ar24.consent"]._ar24_apply(self.env.company, updates, note, note_unchanged)
        # the contact's view of its consents follows at once, whatever the dependency graph knows
        self.invalidate_model(["ar24_consent_ids", "ar24_consent_id", *CONSENT_FIELDS, "ar24_consent_mismatch"])
        return self.browse(changed), self.browse(unchanged)

    # ------------------------------------------------------------------ computes
    @api.depends("email")
    def _compute_ar24_email_normalized(self):
        for partner in self:
            partner.ar24_email_normalized = rules.normalize_email(partner.email)[0] or False

    @api.depends_context("company")
    @api.depends("ar24_consent_ids.company_id")
    def _compute_ar24_consent_id(self):
        """The consent of the current company, for all the partners being read in one query."""
        ids = [pid for pid in self._origin.ids if pid]
        consents = self.env["ar24.consent"].sudo()
        if ids:
            consents = consents.search_fetch(
                [("partner_id", "in", ids), ("company_id", "=", self.env.company.id)],
                ["partner_id", "state", "email", "date", "source", "mismatch"],
            )
        by_partner = {consent.partner_id.id: consent.id for consent in consents}
        for partner in self:
            partner.ar24_consent_id = by_partner.get(partner._origin.id, False)

    @api.depends_context("company")
    @api.depends(
        "ar24_consent_ids.company_id",
        "ar24_consent_ids.state",
        "ar24_consent_ids.email",
        "ar24_consent_ids.date",
        "ar24_consent_ids.source",
        "ar24_consent_ids.mismatch",
    )
    def _compute_ar24_consent_fields(self):
        for partner in self:
            consent = partner.ar24_consent_id.sudo()
            partner.ar24_consent = consent.state == "accepted"
            partner.ar24_consent_state = consent.state or "none"
            partner.ar24_consent_email = consent.email
            partner.ar24_consent_date = consent.date
            partner.ar24_consent_source = consent.source
            partner.ar24_consent_mismatch = consent.mismatch

    @api.depends("is_company")
    def _compute_ar24_recipient_status(self):
        for partner in self:
            partner.ar24_recipient_status = "professionnel" if partner.is_company else "particulier"

    @api.depends_context("uid", "company")
    def _compute_ar24_consent_url(self):
        link = self._ar24_consent_link()
        for partner in self:
            partner.ar24_consent_url = link

    # ------------------------------------------------------------------ searches (current company)
    def _ar24_consent_domain(self, consent_domain, or_none=False):
        """Partners whose consent to the current company matches ``consent_domain``; with ``or_none``,
        also those who have none."""
        company = [("company_id", "=", self.env.company.id)]
        domain = Domain("ar24_consent_ids", "any", company + consent_domain)
        if or_none:
            domain |= Domain("ar24_consent_ids", "not any", company)
        return domain

    def _search_ar24_consent(self, operator, value):
        return self._ar24_consent_flag_search(operator, value, "state", "accepted")

    def _search_ar24_consent_state(self, operator, value):
        if operator != "in":
            return NotImplemented
        states = [state for state in value if state]
        return self._ar24_consent_domain([("state", "in", states)], or_none="none" in states)

    def _search_ar24_consent_email(self, operator, value):
        if operator in Domain.NEGATIVE_OPERATORS:
            return NotImplemented
        or_none = operator == "in" and False in value
        return self._ar24_consent_domain([("email", operator, value)], or_none=or_none)

    def _search_ar24_consent_mismatch(self, operator, value):
        return self._ar24_consent_flag_search(operator, value, "mismatch", True)

    def _ar24_consent_flag_search(self, operator, value, field, flag_value):
        """Search a yes/no flag of the current entity's consent (a contact without one counts as no)."""
        if operator != "in":
            return NotImplemented
        wanted = {bool(v) for v in value}
        if wanted == {True, False}:
            return Domain.TRUE
        if True in wanted:
            return self._ar24_consent_domain([(field, "=", flag_value)])
        return self._ar24_consent_domain([(field, "!=", flag_value)], or_none=True)

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
        """The partner's e-mail as AR24 takes it (``rules.normalize_email``), or False."""
        self.ensure_one()
        return self.ar24_email_normalized or False

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
                return self._ar24_invalid_email_reason()
        if need_person and self._ar24_consent_person_names() is None:
            return self.env._("company without contact name") if self.is_company else self.env._("no contact name")
        return False

    def _ar24_invalid_email_reason(self):
        """Why AR24 cannot take the e-mail (an accent before the @, no extension…), for a notification."""
        _email, reason = rules.normalize_email(self.email)
        return self.env._("invalid e-mail (%(reason)s)", reason=ar24_translate(self.env, reason))

    def _ar24_consent_is_valid(self, email=None):
        """True when the partner consented to the current company, at AR24 or by hand, for ``email``
        (default: his e-mail)."""
        self.ensure_one()
        target = rules.normalize_email(email)[0] if email else self._ar24_lre_email()
        return self.sudo().ar24_consent_id._ar24_allows(target)

    def _ar24_may_manage_consents(self):
        return self.env.su or self.env.user.has_group(LRE_USERS)

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
        """Values of the current company's consent that an AR24 consent gives; None when it must not
        change it.

        Accepted ticks the consent, refused unticks it (LSC manual: "coche la case et mets à jour
        l'email si nécessaire, décoche la case si votre client a refusé"). A pending request does not
        undo a consent the partner already gave for that e-mail, and a consent set by hand after
        AR24's answer wins over it.
        """
        self.ensure_one()
        status = (row.get("status") or "").lower()
        if status not in ("accepted", "refused", "pending"):
            return None
        current = self.sudo().ar24_consent_id
        date = _utc_naive(row.get("date")) or fields.Datetime.now()
        if source == "ar24_sync" and current.source == "manual" and current.date and current.date > date:
            return None
        email = self.env["ar24.consent"]._ar24_email(row.get("email"))
        if status == "pending" and current._ar24_allows(email):
            return None
        return {"state": status, "email": email, "date": date, "source": source}

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
        """Tick the current company's LRE consent of the selected partners for their current e-mail
        (LSC manual: "Ajouter accord")."""
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
                "state": "accepted",
                "email": partner._ar24_lre_email(),
                "date": now,
                "source": "manual",
            }
        note = self.env._("LRE consent added manually by %(user)s.", user=self.env.user.name)
        changed, unchanged = self._ar24_consent_write(updates, note)
        skipped += [(p, self.env._("already up to date")) for p in unchanged]
        return self._ar24_consent_notification(self.env._("Add LRE consent"), changed, skipped)

    def action_ar24_consent_remove(self):
        """Untick the current company's LRE consent of the selected partners (LSC manual: "Retirer
        accord de consentement LRE")."""
        self._ar24_consent_check_access()
        partners = self._ar24_consent_selection()
        now = fields.Datetime.now()
        updates, skipped = {}, []
        for partner in partners:
            reason = partner._ar24_consent_problem(need_email=False)
            if not reason and partner.sudo().ar24_consent_id.state in (False, "none", "refused"):
                reason = self.env._("has no LRE consent")
            if reason:
                skipped.append((partner, reason))
                continue
            updates[partner.id] = {"state": "none", "email": False, "date": now, "source": "manual"}
        note = self.env._("LRE consent removed manually by %(user)s.", user=self.env.user.name)
        changed, unchanged = self._ar24_consent_write(updates, note)
        skipped += [(p, self.env._("already up to date")) for p in unchanged]
        return self._ar24_consent_notification(self.env._("Remove LRE consent"), changed, skipped)

    def action_ar24_consent_sync(self):
        """Refresh the selected partners' consents to the current company from the current user's AR24
        address book (LSC manual: "MAJ accord")."""
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
        """Copy the consents of ``sender``'s AR24 address book onto the consents of the current company:
        THE sync service.

        Used by the list action (``partners`` = the selection), the nightly job (with the company of
        the account's user) and the send wizard (with the letters' company). Only the current
        company's consents are written: the address book of one entity's sender never gives another
        entity a consent. AR24 is read page by page (one call per 100 consents, never one per
        partner); partners are found with one search on the e-mail as AR24 compares it; writes are
        grouped by identical values. A consent given for an e-mail that is no longer the partner's is
        kept but flagged (``mismatch``): it no longer allows an LRE. Proofs of consent are attached
        once, to the consent.

        :param partners: res.partner recordset to refresh, or None for all matching partners
        :param sender: res.users whose AR24 account is read (default: the current user)
        :return: dict with ``changed`` and ``unchanged`` (res.partner), ``skipped``
            ([(partner, reason)], only for given partners), ``consents`` (number read at AR24)
        :raise UserError: sender not linked, AR24 not configured or unreachable
        """
        sender = self._ar24_consent_sender(sender)
        company = self.env.company
        client = company._ar24_client()
        consents = {}
        try:
            for row in client.iter_consents(sender.ar24_user_id):
                email = rules.normalize_email(row.get("email"))[0]
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
            candidates = Partner
            if emails:
                candidates = Partner.search(
                    Domain("ar24_email_normalized", "in", emails)
                    | Partner._ar24_consent_domain([("email", "in", emails)])
                )
        else:
            ids = []
            for partner in partners.sudo():
                if not partner.active:
                    skipped.append((partner, self.env._("archived")))
                elif not partner.ar24_email_normalized and not partner.ar24_consent_id.email:
                    reason = (
                        partner._ar24_invalid_email_reason()
                        if (partner.email or "").strip()
                        else self.env._("no e-mail")
                    )
                    skipped.append((partner, reason))
                else:
                    ids.append(partner.id)
            candidates = Partner.browse(ids)
        updates, matched, unchanged_ids = {}, [], []
        for partner in candidates:
            current = partner.ar24_consent_id
            # the consent of his current e-mail first, else the one he consented with before
            row = consents.get(partner.ar24_email_normalized) or consents.get(current.email)
            if not row:
                skipped.append(
                    (
                        partner,
                        self.env._(
                            "no consent at AR24 for %(email)s",
                            email=partner.ar24_email_normalized or current.email,
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
    def _ar24_consent_attach_proofs(self, client, matched):
        """Attach AR24's proofs to the current company's consents of ``matched`` ([(partner, row)])."""
        if not matched:
            return
        partners = self.sudo().browse([partner.id for partner, _row in matched])
        consents = {partner.id: partner.ar24_consent_id for partner in partners}
        pairs = [(consents[partner.id], row) for partner, row in matched if consents[partner.id]]
        self.env["ar24.consent"]._ar24_attach_proofs(client, pairs)

    @api.model
    def _ar24_consent_refresh_for_send(self, partners, sender=None):
        """Refresh the consents of the letter's recipients from AR24 just before sending.

        LSC manual: "Lors de l'envoi des LRE, une vérification est également faite sur le site AR24".
        Called with the company of the letters (``with_company``). Never raises: when AR24 cannot be
        read the consents already known stay, and ``error`` says why, for the send wizard to show.

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
        """Nightly job: refresh consents from the address book of every linked AR24 account, each into
        the consents of its user's company.

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
    def _ar24_consent_status(self, email, company):
        """The consent this partner gave ``company`` for ``email`` (default: his e-mail), as the channel
        rules read it (``rules.CONSENT_STATUSES``): accepted, other_email, pending, none or refused.

        The consent counts for the e-mail it was given for, and only while that e-mail is still the
        partner's (a consent for an old address does not follow him to a new one). The consents of all
        the partners being checked are read in one query per company.
        """
        self.ensure_one()
        consent = self.sudo().with_company(company).ar24_consent_id
        target = rules.normalize_email(email)[0] if email else self._ar24_lre_email()
        if consent.state == "refused":
            return "refused"
        if consent.state == "accepted" and consent.email:
            return "accepted" if consent._ar24_allows(target) else "other_email"
        if consent.state == "pending":
            return "pending"
        return "none"

    def _ar24_consent_reason(self, send_type, email, company, professional=None):
        """Why a letter of ``company`` of ``send_type`` may not go to this partner at ``email``; False if
        it may (the LSC manual's "Consentement LRE non valide").

        - ``lr_paper``: a paper registered letter needs no consent;
        - ``lre_eidas``: professionals need none; a private person needs an accepted consent, given
          to ``company``, for exactly that e-mail (art. L100 CPCE: the consent is given to a sender);
        - ``ae`` (avis électronique of co-ownerships): every co-owner needs that consent when the
          company requires it (``ar24_ae_consent_required``); otherwise only a refusal blocks it.

        The rule itself is ``rules.consent_problem``; this partner is the one whose e-mail the letter
        uses (a letter's correspondent when it goes to his e-mail).

        :param send_type: 'lre_eidas', 'ae' or 'lr_paper'
        :param email: e-mail the letter goes to (default: the partner's)
        :param company: res.company sending (whose consent counts, and its avis électronique policy)
        :param professional: whether the letter's recipient is a professional (default: this partner's status)
        :return: False or a translated sentence
        """
        self.ensure_one()
        if send_type not in SEND_TYPE_CODES:
            raise ValueError("Unknown AR24 send type %r" % send_type)
        if send_type == "lr_paper":
            return False
        company = company or self.env.company
        if professional is None:
            professional = self.ar24_recipient_status == "professionnel"
        status = self._ar24_consent_status(email, company)
        problem = rules.consent_problem(send_type, status, professional, company.ar24_ae_consent_required)
        if not problem:
            return False
        consent_email = self.sudo().with_company(company).ar24_consent_id.email
        return ar24_translate(self.env, rules.consent_reason(problem, consent_email))

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
