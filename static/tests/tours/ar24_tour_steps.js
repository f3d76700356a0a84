/**
 * What the module's browser tours share (ar24_send_tour.js, ar24_notice_tour.js,
 * ar24_letter_list_tour.js): the send wizard's selectors and the steps they all click, in French.
 * Loaded with them in web.assets_tests; imported as "@ar24_lre/../tests/tours/ar24_tour_steps".
 */
import { stepUtils } from "@web_tour/tour_utils";

export const DIALOG = ".modal:not(.o_inactive_modal)";
export const WIZARD = `${DIALOG} .o_form_view:has(div[name=send_type])`;
export const ERRORS = `${WIZARD} div[name=error_line_ids]`;
export const DETAIL = `${WIZARD} div[name=line_ids]`;
export const FOOTER = `${DIALOG} .modal-footer`;

/** The apps menu › Registered letters › the menu ``menuXmlid``. */
export function openApp(menuXmlid) {
    return [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Registered letters app",
            trigger: '.o_app[data-menu-xmlid="ar24_lre.menu_ar24_root"]:contains("Lettres recommandées")',
            run: "click",
        },
        {
            content: `Open the menu ${menuXmlid}`,
            trigger: `.o_main_navbar [data-menu-xmlid="${menuXmlid}"]`,
            run: "click",
        },
    ];
}

/** Tick the header box of the list: every row is selected. */
export function selectAll(content = "Select them all") {
    return {
        content,
        trigger: ".o_list_view thead .o_list_record_selector input",
        run: "check",
    };
}

export function openActions() {
    return {
        content: "Open the Actions menu of the selection",
        trigger: ".o_selection_container .o_cp_action_menus button:contains('Actions')",
        run: "click",
    };
}

/**
 * A count of the wizard's "Information sur l'envoi" (the alert repeats some of them in bold);
 * ``timeout`` for a count that waits for the server's work.
 */
export function count(name, value, content, timeout) {
    return {
        content: content || `${name} is ${value}`,
        trigger: `${WIZARD} div.o_field_widget[name=${name}]:not(.fw-bold):text(${value})`,
        ...(timeout ? { timeout } : {}),
    };
}

/** Open a page of the wizard's notebook (its rows are in the page only while it is shown). */
export function tab(name, label) {
    return {
        content: `Open the page ${label}`,
        trigger: `${WIZARD} .o_notebook a.nav-link[name=${name}]:contains("${label}")`,
        run: "click",
    };
}

/**
 * Save the record opened from the error summary (``what``, whose form has the field ``field``) and
 * wait for its dialog to close, then "Recalculer les erreurs".
 */
export function saveAndRecompute(what, field) {
    return [
        {
            content: `Save the ${what}`,
            trigger: `${DIALOG} .o_form_button_save`,
            run: "click",
        },
        {
            content: `The ${what}'s dialog is closed`,
            trigger: `body:not(:has(.modal .o_form_view div[name=${field}]))`,
        },
        {
            content: "Recalculer les erreurs",
            trigger: `${FOOTER} button[name=action_recompute]:contains('Recalculer les erreurs')`,
            run: "click",
        },
    ];
}

/** "Valider": the notification ``notification`` (a selector) says what left, and the wizard closes. */
export function validate(content, notification, timeout) {
    return [
        {
            content: "Valider",
            trigger: `${FOOTER} button[name=action_send]:contains('Valider')`,
            run: "click",
        },
        {
            content,
            trigger: notification,
            ...(timeout ? { timeout } : {}),
        },
        {
            content: "The wizard is closed",
            trigger: "body:not(:has(.modal))",
        },
    ];
}

/**
 * README screenshot, only when the test asks for them (AR24_TOUR_SCREENSHOTS): the test captures
 * the page when it reads the console line, then marks the body so the tour goes on.
 */
export function screenshot(name, scrollTo, block = "end") {
    return {
        content: `Screenshot ${name} (when asked for)`,
        trigger: "body",
        async run(helpers) {
            if (!window.sessionStorage.getItem("ar24_lre_tour_screenshots")) {
                return;
            }
            if (scrollTo) {
                helpers.queryFirst(scrollTo).scrollIntoView({ block });
            }
            console.log(`ar24_lre screenshot: ${name}`);
            await helpers.waitFor(`body[data-ar24-shot="${name}"]`, { timeout: 15000 });
        },
    };
}
