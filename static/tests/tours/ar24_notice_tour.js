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
import * as tour from "@ar24_lre/../tests/tours/ar24_tour_steps";

const { DETAIL, DIALOG, ERRORS, WIZARD } = tour;

// Steps that wait for the documents' reports (one wkhtmltopdf run each) or for AR24 get more time.
const SERVER_WORK_TIMEOUT = 60000;

/** A count of the wizard's "Information sur l'envoi", which waits for the documents' reports. */
function count(name, value, content) {
    return tour.count(name, value, content, SERVER_WORK_TIMEOUT);
}

/** A co-owner's letter in "Détail par lettre": its channel and its document's PDF. */
function detail(name, channel, lot) {
    const row = `${DETAIL} .o_data_row:has(td[name=recipient]:contains('${name}'))`;
    return {
        content: `${name}'s letter goes as ${channel} with the statement of lot ${lot}`,
        trigger: `${row}:has(td[name=channel]:contains('${channel}')) td[name=attachments]:contains('Relevé - Appel de fonds T1 2027 - lot ${lot}.pdf')`,
    };
}

registry.category("web_tour.tours").add("ar24_lre_notice_tour", {
    steps: () => [
        // ---------------------------------------------------------------- the unpaid calls for funds
        {
            content: "The three unpaid calls for funds",
            trigger: ".o_list_view .o_data_row:count(3)",
        },
        tour.selectAll(),
        tour.openActions(),
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
        tour.tab("details", "Détail par lettre"),
        detail("Denise Aloxe", "LRE qualifiée", 3),
        detail("Bernard Atrillon", "LR papier", 9),
        tour.screenshot("9_mise_en_demeure", `${DETAIL}`),
        tour.tab("errors", "Récapitulatif des erreurs"),
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
        ...tour.saveAndRecompute("call for funds", "x_partner_id"),
        count("compatible_count", 3, "The three letters can go now"),
        count("incompatible_count", 0),
        tour.tab("details", "Détail par lettre"),
        detail("Marie Rolin", "LR papier", 14),
        // ---------------------------------------------------------------- Valider
        ...tour.validate(
            "The paper letters left; the LRE waits for the OTP code",
            ".o_notification:contains('2 lettres sur 2 transmises à AR24'):contains('1 lettres LRE qualifiées sur 1')",
            SERVER_WORK_TIMEOUT
        ),
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
