/**
 * "Envoyer en AR" from any document, as a French property manager clicks it: the demo's unpaid calls
 * for funds (a model made without code) › select › Actions › "Envoyer en AR : Mise en demeure" (the
 * template the demo binds to the model's Actions menu). Each call's letter is the template rendered
 * for it, with the call's statement (its report) attached; the call without co-owner is in the error
 * summary, a double-click opens it, the co-owner is set, "Recalculer les erreurs", "Valider"; the
 * call's chatter then shows its registered letter.
 *
 * Run by tests/test_notice_tour.py in headless Chromium against the AR24 emulator, in French.
 */
import { registry } from "@web/core/registry";

const WIZARD = ".modal:not(.o_inactive_modal) .o_form_view:has(div[name=send_type])";
const ERRORS = `${WIZARD} div[name=error_line_ids]`;
const DETAIL = `${WIZARD} div[name=line_ids]`;
const FOOTER = ".modal:not(.o_inactive_modal) .modal-footer";
const DIALOG = ".modal:not(.o_inactive_modal)";
// Steps that wait for the documents' reports (one wkhtmltopdf run each) or for AR24 get more time.
const SERVER_WORK_TIMEOUT = 60000;

/** A count of the wizard's "Information sur l'envoi". */
function count(name, value, content) {
    return {
        content: content || `${name} is ${value}`,
        trigger: `${WIZARD} div.o_field_widget[name=${name}]:not(.fw-bold):text(${value})`,
        timeout: SERVER_WORK_TIMEOUT,
    };
}

/** A co-owner's letter in "Détail par lettre": its channel and its document's PDF. */
function detail(name, channel, lot) {
    const row = `${DETAIL} .o_data_row:has(td[name=recipient]:contains('${name}'))`;
    return {
        content: `${name}'s letter goes as ${channel} with the statement of lot ${lot}`,
        trigger: `${row}:has(td[name=channel]:contains('${channel}')) td[name=attachments]:contains('Relevé - Appel de fonds T1 2027 - lot ${lot}.pdf')`,
    };
}

function tab(name, label) {
    return {
        content: `Open the page ${label}`,
        trigger: `${WIZARD} .o_notebook a.nav-link[name=${name}]:contains("${label}")`,
        run: "click",
    };
}

/** README screenshot, only when the test asks for them (see tests/test_tour.py). */
function screenshot(name, scrollTo) {
    return {
        content: `Screenshot ${name} (when asked for)`,
        trigger: "body",
        async run(helpers) {
            if (!window.sessionStorage.getItem("ar24_lre_tour_screenshots")) {
                return;
            }
            helpers.queryFirst(scrollTo).scrollIntoView({ block: "end" });
            console.log(`ar24_lre screenshot: ${name}`);
            await helpers.waitFor(`body[data-ar24-shot="${name}"]`, { timeout: 15000 });
        },
    };
}

registry.category("web_tour.tours").add("ar24_lre_notice_tour", {
    steps: () => [
        // ---------------------------------------------------------------- the unpaid calls for funds
        {
            content: "The three unpaid calls for funds",
            trigger: ".o_list_view .o_data_row:count(3)",
        },
        {
            content: "Select them all",
            trigger: ".o_list_view thead .o_list_record_selector input",
            run: "check",
        },
        {
            content: "Open the Actions menu of the selection",
            trigger: ".o_selection_container .o_cp_action_menus button:contains('Actions')",
            run: "click",
        },
        {
            content: "Actions › Envoyer en AR : Mise en demeure (the demo's template, bound to this model)",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Envoyer en AR : Mise en demeure')",
            run: "click",
        },
        // ---------------------------------------------------------------- the send wizard
        {
            content: "The wizard is titled with the template",
            trigger: ".modal:not(.o_inactive_modal) .modal-title:contains('Envoyer en AR : Mise en demeure')",
            timeout: SERVER_WORK_TIMEOUT,
        },
        count("requested_count", 3, "One row per call for funds"),
        count("compatible_count", 2, "Two letters can go: the text is the template's"),
        count("incompatible_count", 1, "The call without co-owner cannot"),
        {
            content: "The co-owners differ: each gets his own channel",
            trigger: `${WIZARD} div[name=send_type] input[data-value=per_recipient]:checked`,
        },
        tab("details", "Détail par lettre"),
        detail("Denise Aloxe", "LRE qualifiée", 3),
        detail("Bernard Atrillon", "LR papier", 9),
        screenshot("9_mise_en_demeure", `${DETAIL}`),
        tab("errors", "Récapitulatif des erreurs"),
        {
            content: "The error summary says the call of lot 14 has no co-owner, in French",
            trigger: `${ERRORS} .o_data_row:contains('Document : Appel de fonds T1 2027 - lot 14'):contains('Aucun destinataire : son champ Copropriétaire est vide.')`,
        },
        // ---------------------------------------------------------------- fix the document
        {
            content: "Double-click the error: the call for funds to fix opens",
            trigger: `${ERRORS} .o_data_row:contains('lot 14') td[name=comment]`,
            run: "dblclick",
        },
        {
            content: "Name its co-owner",
            trigger: `${DIALOG} .o_form_view div[name=x_partner_id] input`,
            run: "edit Marie Rolin",
        },
        {
            content: "Pick Marie Rolin",
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains('Marie Rolin')",
            run: "click",
        },
        {
            content: "Save the call for funds",
            trigger: `${DIALOG} .o_form_button_save`,
            run: "click",
        },
        {
            content: "The call's dialog is closed",
            trigger: "body:not(:has(.modal .o_form_view div[name=x_partner_id]))",
        },
        {
            content: "Recalculer les erreurs",
            trigger: `${FOOTER} button[name=action_recompute]:contains('Recalculer les erreurs')`,
            run: "click",
        },
        count("compatible_count", 3, "The three letters can go now"),
        count("incompatible_count", 0),
        tab("details", "Détail par lettre"),
        detail("Marie Rolin", "LR papier", 14),
        // ---------------------------------------------------------------- Valider
        {
            content: "Valider",
            trigger: `${FOOTER} button[name=action_send]:contains('Valider')`,
            run: "click",
        },
        {
            content: "The paper letters left; the LRE waits for the OTP code",
            trigger: ".o_notification:contains('2 lettres sur 2 transmises à AR24'):contains('1 lettres LRE qualifiées sur 1')",
            timeout: SERVER_WORK_TIMEOUT,
        },
        {
            content: "The wizard is closed",
            trigger: "body:not(:has(.modal))",
        },
        // ---------------------------------------------------------------- the document's chatter
        {
            content: "Open the call for funds of lot 9",
            trigger: ".o_list_view .o_data_row:contains('lot 9') td[name=x_name]",
            run: "click",
        },
        {
            content: "Its chatter links its registered letter",
            trigger: ".o-mail-Message-body:contains('envoyée à Bernard Atrillon : LR papier') a[data-oe-model='ar24.letter']",
        },
    ],
});
