/**
 * The send wizard's error summary as the LSC manual has it: one line per problem, and a double-click
 * on a line opens what to fix (the contact, else the attachment, the entity, the sender, or the document
 * the letter is made from) over the wizard; "Recalculate errors" then checks again.
 */
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { X2ManyField, x2ManyField } from "@web/views/fields/x2many/x2many_field";
import { ListRenderer } from "@web/views/list/list_renderer";
import { FormViewDialog } from "@web/views/view_dialogs/form_view_dialog";

// the fields of an error line that point at what to fix, the contact first
const TO_FIX = [
    ["partner_id", "res.partner"],
    ["attachment_id", "ir.attachment"],
    ["company_id", "res.company"],
    ["user_id", "res.users"],
];

export class ErrorListRenderer extends ListRenderer {
    static recordRowTemplate = "ar24_lre.ErrorListRenderer.RecordRow";

    async onCellClicked() {
        // a single click opens nothing: the line itself is read-only, a double-click opens what to fix
    }

    onRowDoubleClicked(record) {
        this.props.openRecord(record);
    }
}

export class ErrorListField extends X2ManyField {
    static components = { ...X2ManyField.components, ListRenderer: ErrorListRenderer };

    setup() {
        super.setup();
        this.dialogs = useService("dialog");
    }

    async openRecord(record) {
        // over the wizard, which stays open behind it (an action would replace the wizard's dialog)
        for (const [name, model] of TO_FIX) {
            const value = record.data[name];
            const id = value && (value.id ?? value[0]);
            if (id) {
                const title = value.display_name ?? value[1];
                this.dialogs.add(FormViewDialog, { resModel: model, resId: id, canExpand: false, title });
                return;
            }
        }
        // else the source document (an invoice, a lease... without recipient, or whose report failed)
        // (a many2one_reference value is {resId}, false when unset)
        const { res_model: resModel, res_id: reference } = record.data;
        const resId = reference && (reference.resId ?? reference);
        if (resModel && resId) {
            this.dialogs.add(FormViewDialog, { resModel, resId, canExpand: false, title: record.data.location });
        }
    }
}

registry.category("fields").add("ar24_error_list", { ...x2ManyField, component: ErrorListField });
