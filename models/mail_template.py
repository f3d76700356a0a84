from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..const import LRE_MANAGERS, LRE_USERS

# The code of the server action a template binds to its model's Actions menu: the template opens the
# send wizard on the selected records (the user's own access to them is checked there)
ACTION_CODE = "action = env['mail.template'].browse(%d)._ar24_action_send(records)"


class MailTemplate(models.Model):
    """Any mail template can draft registered letters: "Envoyer en AR" from its model's documents.

    As Odoo's "Add Context Action" offers "Send Mail" on a template's model without code, a
    registered-letter manager adds "Envoyer en AR: <template>" to the Actions menu of its model
    (invoices, leases, unpaid calls for funds...). The letters' subject and body are the template
    rendered for each document, its reports (``report_template_ids``) the document's own PDF
    attached to the letter, its recipient the document's partner or the field the template names.
    """

    _inherit = "mail.template"

    ar24_partner_field_id = fields.Many2one(
        "ir.model.fields",
        "Registered letter recipient",
        domain="[('model_id', '=', model_id), ('ttype', '=', 'many2one'), ('relation', '=', 'res.partner')]",
        ondelete="set null",
        help="Field of the documents holding the recipient of their registered letter. Empty: the document's "
        "partner (partner_id), or the contact itself for a contact template.",
    )
    ar24_action_id = fields.Many2one(
        "ir.actions.server",
        "Registered letter action",
        readonly=True,
        copy=False,
        help="The action “Send as registered letter” this template adds to its model's Actions menu.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # the action is the one the template binds (a user's template claiming a manager's action would
        # remove it from everyone's menu when he deletes his template)
        if any(vals.get("ar24_action_id") for vals in vals_list):
            self._ar24_check_manager()
        return super().create(vals_list)

    # ------------------------------------------------------------------ binding (managers only)
    def _ar24_check_manager(self):
        """Binding changes every user's Actions menu of a model: a registered-letter manager's act."""
        if not (self.env.su or self.env.user.has_group(LRE_MANAGERS)):
            raise AccessError(
                self.env._(
                    "Only registered-letter managers add or remove the action “Send as registered letter” of a "
                    "template."
                )
            )
        self.check_access("read")

    def action_ar24_bind(self):
        """Add "Send as registered letter: <template>" to the Actions menu of the template's model."""
        self._ar24_check_manager()
        for template in self.filtered(lambda template: not template.ar24_action_id):
            if not template.model_id:
                raise UserError(
                    self.env._("%(template)s: choose the model it applies to first.", template=template.name)
                )
            # the action's code is the module's (users cannot write server actions' code): made in
            # superuser mode once the manager's rights are checked
            action = (
                self.env["ir.actions.server"]
                .sudo()
                .create(
                    {
                        "name": template._ar24_action_name(self.env.lang or "en_US"),
                        "model_id": template.model_id.id,
                        "binding_model_id": template.model_id.id,
                        "binding_view_types": "list,form",
                        "state": "code",
                        "code": ACTION_CODE % template.id,
                        "group_ids": [fields.Command.set([self.env.ref(LRE_USERS).id])],
                    }
                )
            )
            template._ar24_translate_action(action)
            template.sudo().ar24_action_id = action
        return True

    def action_ar24_unbind(self):
        """Remove the template's "Send as registered letter" from its model's Actions menu."""
        self._ar24_check_manager()
        if not self:
            return True
        actions = self.sudo().ar24_action_id
        self.sudo().write({"ar24_action_id": False})
        actions.unlink()
        return True

    def _ar24_action_name(self, lang):
        template = self.with_context(lang=lang)
        return template.env._("Send as registered letter: %(template)s", template=template.name)

    def _ar24_translate_action(self, action):
        """The action's label in every language of the database, as the users' menus show it."""
        for lang, _name in self.env["res.lang"].get_installed():
            action.with_context(lang=lang).name = self._ar24_action_name(lang)

    # ------------------------------------------------------------------ the action
    def _ar24_action_send(self, records):
        """What the bound action does: the send wizard on ``records`` with this template."""
        self.ensure_one()
        if records._name != self.model:
            raise UserError(
                self.env._(
                    "The template %(template)s is for %(model)s, not for %(records)s.",
                    template=self.name,
                    model=self.model,
                    records=records._description,
                )
            )
        return self.env["ar24.letter"]._prepare_from_records(
            records, partner_field=self._ar24_partner_field(), template=self
        )

    def _ar24_partner_field(self):
        """Name of the field of the template's documents holding the letter's recipient."""
        self.ensure_one()
        # the field's name only (ir.model.fields is not for plain users to read)
        return self.sudo().ar24_partner_field_id.name or "partner_id"

    # ------------------------------------------------------------------ the module writes the binding
    def write(self, vals):
        if "ar24_action_id" in vals and not self.env.su:
            # a user may edit a template he owns: the binding is still a manager's act (action_ar24_bind)
            raise AccessError(
                self.env._("The action “Send as registered letter” of a template is added with its button only.")
            )
        moved = self.filtered("ar24_action_id") if {"model_id", "model"} & set(vals) else self.browse()
        result = super().write(vals)
        # a template put on another model leaves the Actions menu it was bound to: offering it on the
        # new model's documents is a manager's act again
        # (server actions are not for users to read: their model is read in superuser mode)
        moved = moved.sudo().filtered(lambda template: template.ar24_action_id.model_id != template.model_id)
        if moved:
            moved.sudo().action_ar24_unbind()
        if "name" in vals:
            for template in self.sudo().filtered("ar24_action_id"):
                template._ar24_translate_action(template.ar24_action_id)
        return result

    @api.ondelete(at_uninstall=False)
    def _ar24_unlink_action(self):
        self.sudo().ar24_action_id.unlink()
