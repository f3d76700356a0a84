from odoo import SUPERUSER_ID, api, models
from odoo.exceptions import AccessError, UserError
from odoo.models import LOG_ACCESS_COLUMNS

from ..const import CONTENT_FIELDS, CONTENT_STATES, FAILED_STATES, LRE_MANAGERS, USER_CREATE_FIELDS


class Ar24LetterGuard(models.AbstractModel):
    """Who may write what on a registered letter: the office's trust boundaries.

    A registered letter is evidence in court, and a colleague may be hostile: a user drafts
    letters in his own name (a manager may change the sender of a draft) and writes their content
    until they leave for AR24; everything else (state, AR24's number and dates, the PDF, the
    proofs, the send bookkeeping) is written by the module's own code, in superuser mode after its
    checks. The views' ``readonly`` protects nothing: ``ar24.letter.create``/``write`` call this.
    """

    _name = "ar24.letter.guard"
    _description = "Registered letter: who writes what"

    @api.model
    def _privileged(self, env):
        """The module's own code (superuser mode, crons) and system administrators write any field."""
        return env.su or env.user.has_group("base.group_system")

    @api.model
    def _administrator(self, env):
        """The user behind the call, whatever the mode, is Odoo itself (crons, upgrades, uninstall)
        or a system administrator: Odoo's chatter also works in superuser mode, on a user's behalf."""
        return env.uid == SUPERUSER_ID or env.user._is_system()

    @api.model
    def _protected_fields(self, names):
        """Of ``names``, the letter's own fields a user may not write (the chatter's are free)."""
        free = set(CONTENT_FIELDS) | set(self.env["mail.thread"]._fields) | set(self.env["mail.activity.mixin"]._fields)
        return sorted(name for name in names if name not in free or name in LOG_ACCESS_COLUMNS or name == "id")

    @api.model
    def _user_vals_list(self, letters_model, vals_list):
        """(vals_list, model) for a user's create: the context's defaults a user may give become
        values (and are checked), the others (``default_state``…) are dropped."""
        context = letters_model.env.context
        defaults = {
            key[8:]: value
            for key, value in context.items()
            if key.startswith("default_") and key[8:] in USER_CREATE_FIELDS
        }
        clean = {key: value for key, value in context.items() if not key.startswith("default_")}
        # the whole context replaced, not updated: the dropped defaults must not survive
        return [dict(defaults, **vals) for vals in vals_list], letters_model.with_env(letters_model.env(context=clean))

    @api.model
    def _check_create(self, letters_model, vals_list):
        """A user drafts letters in his own name, from documents he can read."""
        env = letters_model.env
        for vals in vals_list:
            protected = [
                name
                for name in self._protected_fields(vals)
                if name not in USER_CREATE_FIELDS and not (name == "name" and vals[name] in ("/", False))
            ]
            if protected:
                raise AccessError(
                    env._(
                        "A new registered letter cannot be given %(fields)s: AR24 and the send engine fill them.",
                        fields=", ".join(protected),
                    )
                )
            if vals.get("user_id") and vals["user_id"] != env.uid and not env.user.has_group(LRE_MANAGERS):
                raise AccessError(
                    env._(
                        "%(user)s cannot draft a registered letter in the name of %(sender)s: only registered-letter "
                        "managers choose another sender.",
                        user=env.user.name,
                        sender=env["res.users"].browse(vals["user_id"]).sudo().name,
                    )
                )
            sender = env["res.users"].browse(vals.get("user_id") or env.uid)
            self._check_payment_method(env, vals.get("payment_method_id"), sender)
            self._check_readable(env, vals)
            self._check_company(env, vals.get("company_id"), sender)
            if vals.get("res_model"):
                self._check_source_model(env, vals["res_model"])
            if vals.get("res_model") and vals.get("res_id"):
                # the letter's chatter notes and follow-ups go to its source: one the user may read
                env[vals["res_model"]].browse(vals["res_id"]).check_access("read")
            if vals.get("fallback_of_id"):
                original = letters_model.browse(vals["fallback_of_id"])
                original.check_access("read")
                if original.state not in FAILED_STATES:
                    raise UserError(
                        env._(
                            "%(letter)s arrived or is still on its way: no paper letter replaces it.",
                            letter=original.name,
                        )
                    )

    @api.model
    def _check_write(self, letters, vals):
        """What a user may write: the content of his drafts; a manager may also change their sender."""
        env = letters.env
        protected = self._protected_fields(vals)
        if protected:
            raise AccessError(
                env._(
                    "%(letters)s: %(fields)s are written by AR24's answers and the send engine only.",
                    letters=", ".join(letters.mapped("name")),
                    fields=", ".join(protected),
                )
            )
        senders = env["res.users"].browse(vals["user_id"]) if vals.get("user_id") else letters.user_id
        self._check_payment_method(env, vals.get("payment_method_id"), senders)
        self._check_readable(env, vals)
        self._check_company(env, vals.get("company_id"), senders)
        if "user_id" in vals and not env.user.has_group(LRE_MANAGERS):
            moved = letters.filtered(lambda letter: letter.user_id.id != vals["user_id"])
            if moved:
                raise AccessError(
                    env._(
                        "%(letters)s: only registered-letter managers change the sender of a letter.",
                        letters=", ".join(moved.mapped("name")),
                    )
                )

    @api.model
    def _check_frozen(self, letters, vals):
        """Once prepared for AR24 (to_valid) or possibly received by it, the content is evidence:
        nobody changes it, the module's own code included."""
        frozen = set(vals) & set(CONTENT_FIELDS)
        if not frozen:
            return False
        sent = letters.filtered(
            lambda letter: letter.state not in CONTENT_STATES or letter.send_started_at or letter.ar24_id
        )
        if sent:
            raise UserError(
                letters.env._(
                    "%(letters)s left for AR24: its content can no longer change (%(fields)s).",
                    letters=", ".join(sent.mapped("name")),
                    fields=", ".join(sorted(frozen)),
                )
            )
        return True

    @api.model
    def _check_unlink(self, letters):
        """A letter handed to AR24 is kept, below system administrator; drafts go."""
        if letters.env.user.has_group("base.group_system"):
            return
        sent = letters._ar24_left()
        if sent:
            raise UserError(
                letters.env._(
                    "%(letters)s: a letter handed to AR24 is kept as evidence.", letters=", ".join(sent.mapped("name"))
                )
            )

    @api.model
    def _check_post(self, letters, author_id):
        """A user posts on a letter in his own name: the module's notes (AR24's proofs, its refusals)
        are signed by OdooBot, and nobody else signs as OdooBot."""
        env = letters.env
        if not self._privileged(env) and author_id not in (None, env.user.partner_id.id):
            raise AccessError(env._("%(letters)s: post in your own name.", letters=", ".join(letters.mapped("name"))))

    @api.model
    def _check_readable(self, env, vals):
        """A user addresses a letter to contacts he may read: the letter would show him (and send to
        AR24) the e-mail and address the office's rules hide from him. (Odoo itself refuses to link
        files he cannot read.)"""
        partners = env["res.partner"].browse([vals[name] for name in ("partner_id", "contact_id") if vals.get(name)])
        partners.check_access("read")

    @api.model
    def _check_company(self, env, company_id, senders):
        """A letter is sent for an entity both the user and its sender work for: its letterhead, its AR24
        settings and its bill are that entity's (Odoo's company rule looks at the letter before the write)."""
        if not company_id:
            return
        company = env["res.company"].browse(company_id)
        outside = [user.name for user in (env.user | senders) if company not in user.sudo().company_ids]
        if outside:
            raise AccessError(
                env._(
                    "%(users)s do not work for this entity: a registered letter is sent for an entity of its sender's.",
                    users=", ".join(outside),
                )
            )

    @api.model
    def _check_source_model(self, env, model):
        """A letter's source is a document of the office (a contact, an invoice, a lease): never a
        registered letter or a consent, whose logs the module writes as evidence."""
        if model not in env:
            raise UserError(env._("Unknown source document model %s.", model))
        if model.startswith("ar24."):
            raise UserError(
                env._("%(model)s cannot be the source document of a registered letter.", model=env[model]._description)
            )

    @api.model
    def _check_payment_method(self, env, method_id, senders):
        """A user charges a letter to a payment method of its sender's AR24 account: AR24 charges no other,
        and a colleague's card is not his to use."""
        if not method_id:
            return
        method = env["ar24.payment.method"].browse(method_id)
        method.check_access("read")
        holder = method.sudo().user_id
        if any(sender != holder for sender in senders):
            raise AccessError(
                env._(
                    "%(method)s is not a payment method of the AR24 account of %(senders)s.",
                    method=method.sudo().display_name,
                    senders=", ".join(senders.mapped("name")),
                )
            )
