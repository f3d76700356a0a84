/**
 * Browser tours of the whole sending flow, as a property manager clicks it.
 *
 * Run by tests/test_tour.py in headless Chromium against the AR24 emulator, in three legs
 * because the emulator has to act between them (a code from the authenticator app, the
 * recipient opening his letter):
 *
 *  1. ar24_lre_send_tour: co-owners › Actions › "Send as registered letter", counts and error
 *     summary, fix a partner's e-mail from the summary, recalculate, choose LRE eIDAS, send;
 *  2. ar24_lre_otp_tour: Registered letters › Awaiting OTP validation, select, "Validate with
 *     OTP", type the code the test put in sessionStorage (``ar24_lre_tour_otp``), validate;
 *  3. ar24_lre_refresh_tour: Registered letters, open the letter, "Refresh from AR24", see
 *     "Received (AR)" and its proofs.
 *
 * Triggers only use stable selectors (field names, button names, menu xmlids), never delays.
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const WIZARD = ".modal:not(.o_inactive_modal) .o_form_view:has(div[name=send_type])";
const ERRORS = `${WIZARD} div[name=error_line_ids]`;
const FOOTER = ".modal:not(.o_inactive_modal) .modal-footer";
// Steps that wait for AR24 calls (PDF rendering, uploads, sends) get more than the 10 s default.
const SERVER_WORK_TIMEOUT = 30000;
const CO_OWNERS = ["Denise Aloxe", "Alfred Brouilly", "Pierre Proprietaire", "SCI du Port"];

/** A count of the "Information on the send" group (the alert repeats some of them in bold). */
function count(name, value, content) {
    return {
        content: content || `${name} is ${value}`,
        trigger: `${WIZARD} div.o_field_widget[name=${name}]:not(.fw-bold):text(${value})`,
    };
}

/**
 * README screenshot, only when the test asks for them (AR24_TOUR_SCREENSHOTS): the test captures
 * the page when it reads the console line, then marks the body so the tour goes on.
 */
function screenshot(name, scrollTo) {
    return {
        content: `Screenshot ${name} (when asked for)`,
        trigger: "body",
        async run(helpers) {
            if (!window.sessionStorage.getItem("ar24_lre_tour_screenshots")) {
                return;
            }
            if (scrollTo) {
                helpers.queryFirst(scrollTo).scrollIntoView({ block: "end" });
            }
            console.log(`ar24_lre screenshot: ${name}`);
            await helpers.waitFor(`body[data-ar24-shot="${name}"]`, { timeout: 15000 });
        },
    };
}

function openApp(menuXmlid) {
    return [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Registered letters app",
            trigger: '.o_app[data-menu-xmlid="ar24_lre.menu_ar24_root"]',
            run: "click",
        },
        {
            content: `Open the menu ${menuXmlid}`,
            trigger: `.o_main_navbar [data-menu-xmlid="${menuXmlid}"]`,
            run: "click",
        },
    ];
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
            content: "Four co-owners are selected",
            trigger: ".o_selection_container:contains('4 selected')",
        },
        {
            content: "Open the Actions menu of the selection",
            trigger: ".o_selection_container .o_cp_action_menus button:contains('Actions')",
            run: "click",
        },
        screenshot("1_partners_send_action"),
        {
            content: "Actions › Send as registered letter",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Send as registered letter')",
            run: "click",
        },
        // ---------------------------------------------------------------- the send wizard
        count("requested_count", 4, "The wizard drafted one letter per co-owner"),
        {
            content: "The entity's default send type is the avis électronique",
            trigger: `${WIZARD} div[name=send_type] input[data-value=ae]:checked`,
        },
        count("compatible_count", 0, "Nothing can go yet: the letter has no text"),
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
        count("compatible_count", 2, "Two letters can go"),
        count("incompatible_count", 2, "Two letters cannot"),
        {
            content: "The error summary explains the invalid e-mail",
            trigger: `${ERRORS} .o_data_row:contains('Partner: Pierre Proprietaire'):contains('Invalid e-mail address (pierre@@example.org)')`,
        },
        {
            content: "The error summary explains the missing consent",
            trigger: `${ERRORS} .o_data_row:contains('Partner: SCI du Port'):contains('No LRE consent')`,
        },
        screenshot("2_send_wizard_errors", `${WIZARD} button[name=action_list_errors]`),
        // ---------------------------------------------------------------- fix the partner
        {
            content: "Click the partner to fix in the error summary",
            trigger: `${ERRORS} .o_data_row:contains('Invalid e-mail address') td[name=partner_id]`,
            run: "click",
        },
        {
            content: "Open the partner in a dialog (internal link)",
            trigger: `${ERRORS} .o_selected_row td[name=partner_id] .o_external_button`,
            run: "click",
        },
        {
            content: "Open the contact's LRE tab",
            trigger: ".modal:not(.o_inactive_modal) .o_notebook a.nav-link[name=ar24_lre]",
            run: "click",
        },
        {
            content: "His consent to this entity was given for the right address, not the mistyped one",
            trigger: ".modal:not(.o_inactive_modal) .alert-warning:contains('pierre@example.org')",
        },
        {
            content: "The list of his consents per entity shows it, accepted",
            trigger: ".modal:not(.o_inactive_modal) div[name=ar24_consent_ids] .o_data_row:contains('pierre@example.org'):contains('Accepted')",
        },
        {
            content: "Correct the e-mail address",
            trigger: ".modal:not(.o_inactive_modal) .o_form_view div[name=email] input",
            run: "edit pierre@example.org",
        },
        screenshot("3_fix_partner"),
        {
            content: "Save the partner",
            trigger: ".modal:not(.o_inactive_modal) .o_form_button_save",
            run: "click",
        },
        {
            content: "The partner dialog is closed",
            trigger: "body:not(:has(.modal .o_form_view div[name=email]))",
        },
        {
            content: "Recalculate errors",
            trigger: `${FOOTER} button[name=action_recompute]`,
            run: "click",
        },
        count("compatible_count", 3, "Pierre's letter can go now"),
        count("incompatible_count", 1),
        {
            content: "Only the missing consent is left in the summary",
            trigger: `${ERRORS}:not(:has(.o_data_row:contains('Pierre'))) .o_data_row:contains('SCI du Port')`,
        },
        // ---------------------------------------------------------------- send type, send
        {
            content: "Choose the qualified LRE eIDAS (a professional needs no consent)",
            trigger: `${WIZARD} div[name=send_type] input[data-value=lre_eidas]`,
            run: "check",
        },
        count("compatible_count", 4, "All four letters can go as LRE eIDAS"),
        count("incompatible_count", 0),
        screenshot("4_send_wizard_ready"),
        {
            content: "Send",
            trigger: `${FOOTER} button[name=action_send]`,
            run: "click",
        },
        {
            content: "The letters wait for the OTP code",
            trigger: ".o_notification:contains('4 letters wait for your OTP code')",
            timeout: SERVER_WORK_TIMEOUT,
        },
        {
            content: "The wizard is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});

registry.category("web_tour.tours").add("ar24_lre_otp_tour", {
    steps: () => [
        ...openApp("ar24_lre.menu_ar24_letter_to_valid"),
        {
            content: "The four letters await the OTP code",
            trigger: ".o_list_view .o_data_row:count(4)",
        },
        screenshot("5_awaiting_otp"),
        {
            content: "Select them all",
            trigger: ".o_list_view thead .o_list_record_selector input",
            run: "check",
        },
        {
            content: "Validate with OTP",
            trigger: ".o_selection_container button:contains('Validate with OTP')",
            run: "click",
        },
        {
            content: "The wizard lists the four letters",
            trigger: ".modal div[name=letter_ids] .o_data_row:count(4)",
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
        screenshot("6_otp_wizard"),
        {
            content: "Validate",
            trigger: ".modal-footer button[name=action_validate]",
            run: "click",
        },
        {
            content: "AR24 accepted the code: the letters are sent",
            trigger: ".o_notification:contains('4 letters validated and handed to AR24')",
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
        ...openApp("ar24_lre.menu_ar24_letter"),
        {
            content: "Open Denise's letter",
            trigger: ".o_list_view .o_data_row:contains('Denise Aloxe') td[name=name]",
            run: "click",
        },
        {
            content: "Refresh from AR24",
            trigger: ".o_form_view .o_form_statusbar button[name=action_ar24_refresh]",
            run: "click",
        },
        {
            content: "The letter reached Received (AR)",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=ar]",
            timeout: SERVER_WORK_TIMEOUT,
        },
        {
            content: "Open the Proofs tab",
            trigger: ".o_form_view .o_notebook a.nav-link:contains('Proofs')",
            run: "click",
        },
        {
            content: "The acknowledgement of receipt is attached",
            trigger: ".o_form_view div[name=proof_attachment_ids] .o_attachment:contains('acknowledgement of receipt')",
        },
        screenshot("7_letter_received"),
    ],
});
