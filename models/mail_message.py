from odoo import api, models
from odoo.exceptions import AccessError

from ..tools import filing_evidence, is_filing_evidence

# The records whose log is evidence: a registered letter (its proofs, AR24's refusals, its states) and an
# LRE consent (who recorded it, what AR24's address book said).
LOG_MODELS = ("ar24.letter", "ar24.consent")
# Who wrote a message, when, where and as what: nobody below system administrator changes these on a
# message of such a log (a comment rewritten into a module note, moved onto a letter, re-signed).
IDENTITY_FIELDS = frozenset(
    {
        "author_id",
        "author_guest_id",
        "email_from",
        "model",
        "res_id",
        "record_name",
        "message_type",
        "subtype_id",
        "tracking_value_ids",
        "date",
    }
)
# What a message says and where it hangs: a registered letter's log (its proofs with their SHA-256,
# AR24's refusals, its tracked states) keeps all of these.
CONTENT_FIELDS = IDENTITY_FIELDS | {"body", "subject", "attachment_ids", "parent_id"}
# what a user's message on such a log may be: his comment or note, or a notice addressed to him
USER_MESSAGE_TYPES = ("comment", "user_notification")


def _relinked(commands, relink):
    """``commands`` (an x2many value) with each id it links (plain ids, (4, id), (6, 0, ids)) replaced
    by ``relink(id)``."""
    relinked = []
    for command in commands or ():
        if isinstance(command, int):
            relinked.append(relink(command))
        elif isinstance(command, (list, tuple)) and command and command[0] == 4:
            relinked.append((4, relink(command[1])))
        elif isinstance(command, (list, tuple)) and command and command[0] == 6:
            relinked.append((6, 0, [relink(i) for i in command[2] or ()]))
        else:
            relinked.append(command)
    return relinked


def _linked_ids(commands):
    """Ids of the records an x2many value links."""
    ids = []
    _relinked(commands, lambda record_id: ids.append(record_id) or record_id)
    return ids


class MailMessage(models.Model):
    _inherit = "mail.message"

    def _ar24_privileged(self):
        return self.env["ar24.letter.guard"]._privileged(self.env)

    def _ar24_in_log(self, vals):
        """Whether a write touches a letter's or a consent's log: a message of one, or moved onto one."""
        return vals.get("model") in LOG_MODELS or bool(self.sudo().filtered(lambda m: m.model in LOG_MODELS))

    def _ar24_refuse_log(self):
        raise AccessError(
            self.env._(
                "The log of a registered letter or of an LRE consent (AR24's proofs, its states, who recorded "
                "it) can be neither changed nor deleted, and its notes are signed by their author only."
            )
        )

    def _ar24_check_letter_log(self):
        """A registered letter's or consent's log (notifications: the module's notes and the tracked
        values) is its audit trail: Odoo lets whoever may write the record edit or delete its messages,
        so this one is refused below system administrator. Comments posted by users stay theirs."""
        if self._ar24_privileged():
            return
        if self.sudo().filtered(lambda m: m.model in LOG_MODELS and m.message_type != "comment"):
            self._ar24_refuse_log()

    @api.model_create_multi
    def create(self, vals_list):
        privileged = self._ar24_privileged()
        if not privileged:
            # a user's defaults (``default_author_id``, ``default_date``...) are his values: checked as such
            # (made explicit, they are what Odoo would have applied)
            defaults = {
                key[8:]: value
                for key, value in self.env.context.items()
                if key.startswith("default_") and key[8:] in self._fields
            }
            if defaults:
                vals_list = [dict(defaults, **vals) for vals in vals_list]
        for vals in vals_list:
            self._ar24_check_consent_message_files(vals)
            self._ar24_copy_evidence_files(vals, vals.get("message_type", "comment"))
        if not privileged:
            partner = self.env.user.partner_id
            for vals in vals_list:
                if vals.get("model") not in LOG_MODELS:
                    continue
                # signed by the poster, under his own address: no anonymous note, no borrowed name
                if ("author_id" in vals and vals["author_id"] != partner.id) or vals.get("author_guest_id"):
                    self._ar24_refuse_log()
                if vals.get("email_from") and vals["email_from"] not in (partner.email_formatted, partner.email):
                    self._ar24_refuse_log()
                # no tracked change nor date of his own: the log's history is the module's (Odoo
                # writes the tracking in superuser mode)
                if vals.get("tracking_value_ids") or vals.get("date") or vals.get("create_date"):
                    self._ar24_refuse_log()
                # what a user writes there is his comment, never one of the module's notifications
                if vals.get("message_type", "comment") not in USER_MESSAGE_TYPES:
                    vals["message_type"] = "comment"
        return super().create(vals_list)

    def write(self, vals):
        if CONTENT_FIELDS.intersection(vals):
            self._ar24_check_letter_log()
        if IDENTITY_FIELDS.intersection(vals) and not self._ar24_privileged() and self._ar24_in_log(vals):
            self._ar24_refuse_log()
        if "attachment_ids" in vals:
            for model in set(self.sudo().mapped("model")):
                self._ar24_check_consent_message_files(dict(vals, model=vals.get("model", model)))
            types = set(self.sudo().mapped("message_type"))
            vals = dict(vals)
            self._ar24_copy_evidence_files(vals, "comment" if "comment" in types else vals.get("message_type"))
        return super().write(vals)

    def _ar24_check_consent_message_files(self, vals):
        """A consent's files are AR24's proofs of it only: no message on a consent carries a file of
        anyone's, whatever the mode (Odoo posts and edits comments in superuser mode)."""
        if vals.get("model") == "ar24.consent" and vals.get("attachment_ids") and not is_filing_evidence():
            self.env["ir.attachment"]._ar24_check_consent_files([{"res_model": "ar24.consent"}])

    def _ar24_copy_evidence_files(self, vals, message_type):
        """A letter's or a consent's evidence given as a file of a user's message (a proof sent on to
        a lawyer, a co-owner) is attached as a copy: Odoo deletes a comment's files, in superuser
        mode, when its author edits it. The chatter posts in superuser mode: a comment is seen to
        whatever the mode (the module's own notes carry the proofs they announce)."""
        if self.env["ar24.letter.guard"]._administrator(self.env) or (self.env.su and message_type != "comment"):
            return
        ids = _linked_ids(vals.get("attachment_ids"))
        evidence = self.env["ir.attachment"].sudo().browse(ids)._ar24_evidence(certified=True) if ids else None
        if not evidence:
            return
        # a copy only of what the user himself may read (the copy hangs on the message's record,
        # which Odoo's own check of a message's files lets through)
        evidence.sudo(False).check_access("read")
        with filing_evidence():
            copies = {
                attachment.id: attachment.copy(
                    {"res_model": vals.get("model") or "mail.message", "res_id": vals.get("res_id") or 0}
                ).id
                for attachment in evidence
            }
        vals["attachment_ids"] = _relinked(vals["attachment_ids"], lambda record_id: copies.get(record_id, record_id))

    @api.model
    def _ar24_user_post(self, kwargs):
        """``message_post``'s arguments on a letter or a consent: below system administrator, a user's
        message is his comment (the chatter's route posts in superuser mode and takes the message
        type it is given), never a notification passing for the module's."""
        if kwargs.get("message_type", "notification") in USER_MESSAGE_TYPES:
            return kwargs
        if self.env["ar24.letter.guard"]._administrator(self.env):
            return kwargs
        return dict(kwargs, message_type="comment")

    def unlink(self):
        self._ar24_check_letter_log()
        return super().unlink()
