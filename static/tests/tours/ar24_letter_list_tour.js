/**
 * The list of registered letters as a French property manager reads it (the LSC manual's "Liste des
 * Lettres recommandées"): its columns, a letter made at AR24 outside Odoo, a month picked on the
 * "Date de dépôt" filter, and the consumption summary of that month printed from the selection.
 *
 * Run by tests/test_letter_list_tour.py in French. The test puts in sessionStorage the French name of
 * the month to filter (``ar24_lre_tour_month``, as the filter menu spells it) and asks for the report
 * to be followed (``ar24_lre_tour_report``): the browser does not save downloads during tests, so a
 * report handler below downloads it the usual way (the server renders it) and marks the page when
 * it is done.
 */
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";
import { user } from "@web/core/user";
import { downloadReport } from "@web/webclient/actions/reports/utils";
import { openApp, screenshot, selectAll } from "@ar24_lre/../tests/tours/ar24_tour_steps";

const LIST = ".o_list_view";
const SERVER_WORK_TIMEOUT = 30000;

registry.category("ir.actions.report handlers").add("ar24_lre_tour_report", async (action) => {
    if (!window.sessionStorage.getItem("ar24_lre_tour_report")) {
        return false;
    }
    const { success } = await downloadReport(rpc, action, "pdf", user.context);
    document.body.dataset.ar24Report = success ? action.report_name : "failed";
    return true;
});

function header(field, label) {
    return {
        content: `Column ${field} reads "${label}"`,
        trigger: `${LIST} thead th[data-name=${field}]:contains("${label}")`,
    };
}

registry.category("web_tour.tours").add("ar24_lre_letter_list_tour", {
    steps: () => [
        ...openApp("ar24_lre.menu_ar24_letter"),
        // ---------------------------------------------------------------- the manual's columns, in French
        header("date", "Date"),
        header("ar24_id", "Numéro AR24"),
        header("send_type", "Type"),
        header("state", "Statut"),
        header("user_id", "Émetteur"),
        header("sender_email", "E-mail de l'émetteur"),
        header("recipient_name", "Destinataire"),
        header("to_email", "E-mail du destinataire"),
        header("date_deposit", "Date de dépôt"),
        header("date_sent", "Date d'envoi"),
        header("date_ar", "Date d'AR"),
        {
            content: "The letter made at AR24 outside Odoo is there, received, with AR24's code",
            trigger: `${LIST} .o_data_row:has(td[name=deposited_outside] input:checked) td[name=state]:contains("Reçu (AR)")`,
        },
        {
            content: "It shows the sender's AR24 e-mail",
            trigger: `${LIST} .o_data_row:has(td[name=deposited_outside] input:checked) td[name=sender_email]:contains("alain@syndic.example.com")`,
        },
        {
            content: "A draft has no AR24 number yet (blank, not 0)",
            trigger: `${LIST} .o_data_row:has(td[name=state]:contains("Brouillon")) td[name=ar24_id]:empty`,
        },
        screenshot("8_letters_list"),
        // ---------------------------------------------------------------- a month of "Date de dépôt"
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Date de dépôt",
            trigger: ".o_filter_menu .o_accordion_toggle:contains('Date de dépôt')",
            run: "click",
        },
        {
            content: "Pick the month the test asked for",
            trigger: ".o_filter_menu .o_accordion_values .o_item_option",
            async run(helpers) {
                const month = window.sessionStorage.getItem("ar24_lre_tour_month");
                if (!month) {
                    throw new Error("The test did not give the month (sessionStorage ar24_lre_tour_month)");
                }
                await helpers.click(`.o_filter_menu .o_accordion_values .o_item_option:contains("${month}")`);
            },
        },
        {
            content: "The facet says the month was applied",
            trigger: ".o_searchview_facet:contains('Date de dépôt')",
        },
        {
            content: "Close the filters",
            trigger: ".o_searchview_input",
            run: "click",
        },
        {
            content: "Only that month's two letters are listed",
            trigger: `${LIST} .o_data_row:count(2)`,
        },
        // ---------------------------------------------------------------- the summary of the month
        selectAll("Select them"),
        {
            content: "Print the consumption summary",
            trigger: ".o_selection_container button[name=action_print_consumption]:contains('Récapitulatif de consommation')",
            run: "click",
        },
        {
            content: "The summary was printed",
            trigger: "body[data-ar24-report='ar24_lre.report_ar24_consumption']",
            timeout: SERVER_WORK_TIMEOUT,
        },
    ],
});
