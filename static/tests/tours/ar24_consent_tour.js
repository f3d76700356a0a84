/**
 * A contact's LRE consents, as a property manager reads them: the contact's LRE tab lists his
 * consent to each entity; one opens in its own form with its history (who changed it) and AR24's
 * proof of consent. Run by tests/test_consent_tour.py.
 */
import { registry } from "@web/core/registry";

const FORM = ".o_action_manager .o_form_view";

registry.category("web_tour.tours").add("ar24_lre_consent_tour", {
    steps: () => [
        {
            content: "Open the contact's LRE tab",
            trigger: `${FORM} .o_notebook a.nav-link[name=ar24_lre]`,
            run: "click",
        },
        {
            content: "The consent to this entity is accepted",
            trigger: `${FORM} div[name=ar24_consent_state] .badge:contains('Accepted')`,
        },
        {
            content: "Open the consent from the list of his consents per entity",
            trigger: `${FORM} div[name=ar24_consent_ids] .o_data_row:contains('denise@example.org') button[name=action_open]`,
            run: "click",
        },
        {
            content: "The consent's form names the contact",
            trigger: `${FORM}:has(div[name=email]) div[name=partner_id]:contains('Denise Aloxe')`,
        },
        {
            content: "Its history says who added it",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('LRE consent added manually by Alain Joly')",
        },
        {
            content: "AR24's proof of consent is there to download",
            trigger: `${FORM} div[name=proof_ids] .o_data_row:contains('LRE consent proof denise@example.org.pdf')`,
        },
    ],
});
