/**
 * Browser tours of the whole sending flow, as a French property manager clicks it.
 *
 * Run by tests/test_tour.py in headless Chromium against the AR24 emulator, the user's interface in
 * French, in three legs because the emulator has to act between them (a code from the authenticator
 * app, the recipient opening his letter):
 *
 *  1. ar24_lre_send_tour: co-owners › Actions › "Envoyer en AR", each one's channel (qualified LRE
 *     for those who consented or are professionals, paper for the others), counts per channel, error
 *     summary, a double-click on the error opens the contact to fix, "Recalculer les erreurs",
 *     "Valider": one mixed batch, the LRE waiting for the OTP code and the paper letters sent;
 *  2. ar24_lre_otp_tour: Lettres recommandées › En attente de validation OTP, select, "Valider avec le
 *     code OTP", type the code the test put in sessionStorage (``ar24_lre_tour_otp``), validate;
 *  3. ar24_lre_refresh_tour: Lettres recommandées, open the letter, "Actualiser depuis AR24", see
 *     "Reçu (AR)" and its proofs.
 *
 * Triggers use stable selectors (field names, button names, menu xmlids, selection values), never
 * delays; the words a French user reads are checked where the LSC manual names them.
 */
import { registry } from "@web/core/registry";
import * as tour from "@ar24_lre/../tests/tours/ar24_tour_steps";

const { DETAIL, DIALOG, ERRORS, WIZARD } = tour;

const CHANNELS = `${WIZARD} div[name=channel_line_ids]`;
// Steps that wait for AR24 calls (PDF rendering, uploads, sends) get more than the 10 s default.
const SERVER_WORK_TIMEOUT = 30000;
const CO_OWNERS = ["Denise Aloxe", "Alfred Brouilly", "Pierre Proprietaire", "SCI du Port", "Marie Rolin"];

/** The line of a channel in "Information sur l'envoi": requested and compatible letters. */
function channel(label, requested, compatible) {
    return {
        content: `${label}: ${requested} letters requested, ${compatible} compatible`,
        trigger:
            `${CHANNELS} .o_data_row:has(td[name=channel]:contains('${label}'))` +
            `:has(td[name=requested]:text(${requested})):has(td[name=compatible]:text(${compatible}))`,
    };
}

/** The channel of a co-owner's letter in "Détail par lettre". */
function detail(name, label) {
    return {
        content: `${name}'s letter goes as ${label}`,
        trigger: `${DETAIL} .o_data_row:has(td[name=recipient]:contains('${name}')) td[name=channel]:contains('${label}')`,
    };
}

/**
 * A progress notification of the send engine, as the bus delivers it (Odoo's test cursor never commits,
 * so the server's own notifications do not reach the browser during a tour: tests/test_send_flow.py
 * checks what the engine sends, this checks what the sender sees of it).
 */
function progress(done, total) {
    return {
        content: `The bus says ${done} of ${total} letters are done`,
        trigger: "body",
        run() {
            const workers = odoo.__WOWL_DEBUG__.root.env.services.worker_service;
            const port = workers.isUsingSharedWorker ? workers.worker.port : workers.worker;
            const payload = { batch: "send-tour", title: "Envoi des lettres recommandées", done, total };
            const message = { type: "ar24_lre.progress", payload };
            port.dispatchEvent(
                new MessageEvent("message", { data: { type: "BUS:NOTIFICATION", data: [{ id: 1e9 + done, message }] } })
            );
        },
    };
}

registry.category("web_tour.tours").add("ar24_lre_send_tour", {
    steps: () => [
        // ---------------------------------------------------------------- select co-owners
        ...CO_OWNERS.map((name) => ({
            content: `Select the co-owner ${name}`,
            trigger: `.o_list_view .o_data_row:contains('${name}') .o_list_record_selector input`,
            run: "check",
        })),
        {
            content: "Five co-owners are selected",
            trigger: ".o_list_view .o_data_row .o_list_record_selector input:checked:count(5)",
        },
        tour.openActions(),
        tour.screenshot("1_partners_send_action"),
        {
            content: "Actions › Envoyer en AR",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Envoyer en AR')",
            run: "click",
        },
        // ---------------------------------------------------------------- the send wizard
        {
            content: "The wizard is the LSC manual's 'Envoyer en AR', in French",
            trigger: ".modal:not(.o_inactive_modal) .modal-title:contains('Envoyer en AR')",
        },
        tour.count("requested_count", 5, "One row per co-owner (and no letter drafted yet)"),
        {
            content: "The co-owners differ: each gets his own channel",
            trigger: `${WIZARD} div[name=send_type] input[data-value=per_recipient]:checked`,
        },
        tour.count("compatible_count", 0, "Nothing can go yet: the letter has no text"),
        {
            content: "Write the subject",
            trigger: `${WIZARD} div[name=subject] input`,
            run: "edit Convocation à l'assemblée générale du 4 avril",
        },
        {
            content: "Write the letter",
            trigger: `${WIZARD} div[name=body] .odoo-editor-editable .o-paragraph`,
            run: "editor Madame, Monsieur, vous êtes convoqué(e) à l'assemblée générale de la résidence.",
        },
        {
            content: "Leave the editor (the text is committed on blur)",
            trigger: `${WIZARD} div[name=subject] input`,
            run: "click",
        },
        tour.count("compatible_count", 4, "Four letters can go"),
        tour.count("incompatible_count", 1, "One cannot"),
        channel("LRE qualifiée", 2, 2),
        channel("LR papier", 2, 2),
        tour.tab("details", "Détail par lettre"),
        detail("Denise Aloxe", "LRE qualifiée"),
        detail("SCI du Port", "LRE qualifiée"),
        detail("Alfred Brouilly", "LR papier"),
        {
            content: "Marie prefers paper, although she consented: the detail says why",
            trigger: `${DETAIL} .o_data_row:has(td[name=recipient]:contains('Marie Rolin')):has(td[name=channel]:contains('LR papier')) td[name=channel_reason]:contains("mode d'expédition préféré")`,
        },
        tour.tab("errors", "Récapitulatif des erreurs"),
        {
            content: "The error summary says why Pierre's letter has no channel, in French",
            trigger: `${ERRORS} .o_data_row:contains('Tiers : Pierre Proprietaire'):contains('Adresse e-mail incompatible (pierre@@example.org)')`,
        },
        tour.screenshot("2_send_wizard_errors", `${WIZARD} .o_group:has(> div[name=channel_line_ids]), ${CHANNELS}`, "start"),
        // ---------------------------------------------------------------- fix the partner
        {
            content: "Double-click the error: the contact to fix opens",
            trigger: `${ERRORS} .o_data_row:contains('Pierre Proprietaire') td[name=comment]`,
            run: "dblclick",
        },
        {
            content: "Open the contact's LRE tab",
            trigger: `${DIALOG} .o_notebook a.nav-link[name=ar24_lre]`,
            run: "click",
        },
        {
            content: "His consent to this entity was given for the right address, not the mistyped one",
            trigger: `${DIALOG} .alert-warning:contains('pierre@example.org')`,
        },
        {
            content: "Correct the e-mail address",
            trigger: `${DIALOG} .o_form_view div[name=email] input`,
            run: "edit pierre@example.org",
        },
        tour.screenshot("3_fix_partner"),
        ...tour.saveAndRecompute("contact", "email"),
        tour.count("compatible_count", 5, "Pierre's letter can go now"),
        tour.count("incompatible_count", 0),
        channel("LRE qualifiée", 3, 3),
        channel("LR papier", 2, 2),
        tour.tab("details", "Détail par lettre"),
        detail("Pierre Proprietaire", "LRE qualifiée"),
        tour.screenshot("4_send_wizard_ready"),
        // ---------------------------------------------------------------- Valider
        ...tour.validate(
            "The paper letters left; the LRE wait for the OTP code",
            ".o_notification:contains('2 lettres sur 2 transmises à AR24'):contains('3 lettres LRE qualifiées sur 3')",
            SERVER_WORK_TIMEOUT
        ),
        // ---------------------------------------------------------------- the thermometer
        progress(2, 5),
        {
            content: "The thermometer shows the batch running",
            trigger: ".o_ar24_send_progress:contains('Envoi des lettres recommandées'):contains('2 / 5')",
        },
        progress(5, 5),
        {
            content: "Then the batch done",
            trigger: ".o_ar24_send_progress .o_ar24_send_progress_count:text(5 / 5)",
        },
    ],
});

registry.category("web_tour.tours").add("ar24_lre_otp_tour", {
    steps: () => [
        ...tour.openApp("ar24_lre.menu_ar24_letter_to_valid"),
        {
            content: "The three qualified LRE await the OTP code",
            trigger: ".o_list_view .o_data_row:count(3)",
        },
        tour.screenshot("5_awaiting_otp"),
        tour.selectAll(),
        {
            content: "Valider avec le code OTP",
            trigger: ".o_selection_container button:contains('Valider avec le code OTP')",
            run: "click",
        },
        {
            content: "The wizard lists the three letters",
            trigger: ".modal div[name=letter_ids] .o_data_row:count(3)",
        },
        {
            content: "Type the code of the authenticator app",
            trigger: ".modal div[name=otp_code] input",
            async run(helpers) {
                const code = window.sessionStorage.getItem("ar24_lre_tour_otp");
                if (!/^\d{6}$/.test(code || "")) {
                    throw new Error("The test did not give the OTP code (sessionStorage ar24_lre_tour_otp)");
                }
                await helpers.edit(code);
            },
        },
        tour.screenshot("6_otp_wizard"),
        {
            content: "Valider",
            trigger: ".modal-footer button[name=action_validate]:contains('Valider')",
            run: "click",
        },
        {
            content: "AR24 accepted the code: the letters are sent",
            trigger: ".o_notification:contains('3 lettres validées et transmises à AR24')",
            timeout: SERVER_WORK_TIMEOUT,
        },
        {
            content: "No letter awaits a code any more",
            trigger: "body:not(:has(.modal)) .o_view_nocontent",
        },
    ],
});

registry.category("web_tour.tours").add("ar24_lre_refresh_tour", {
    steps: () => [
        ...tour.openApp("ar24_lre.menu_ar24_letter"),
        {
            content: "Open Denise's letter",
            trigger: ".o_list_view .o_data_row:contains('Denise Aloxe') td[name=name]",
            run: "click",
        },
        {
            content: "Actualiser depuis AR24",
            trigger: ".o_form_view .o_form_statusbar button[name=action_ar24_refresh]:contains('Actualiser depuis AR24')",
            run: "click",
        },
        {
            content: "The letter reached Reçu (AR)",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=ar]",
            timeout: SERVER_WORK_TIMEOUT,
        },
        {
            content: "Open the Preuves tab",
            trigger: ".o_form_view .o_notebook a.nav-link:contains('Preuves')",
            run: "click",
        },
        {
            content: "The acknowledgement of receipt is attached",
            trigger: ".o_form_view div[name=proof_attachment_ids] .o_attachment:contains('accusé de réception')",
        },
        tour.screenshot("7_letter_received"),
    ],
});
