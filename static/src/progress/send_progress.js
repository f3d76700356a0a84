/**
 * The LSC manual's "thermomètre": while a batch of registered letters is sent (at once or by the
 * background queue), its sender sees how many letters are done out of how many.
 *
 * The send engine tells each sender on the bus (``ar24_lre.progress``: batch, title, done, total)
 * each time it commits a chunk of letters; this panel shows one bar per batch and hides a finished
 * batch a few seconds later.
 */
import { Component, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

const HIDE_AFTER_MS = 6000;

export class SendProgress extends Component {
    static template = "ar24_lre.SendProgress";
    static props = {};

    setup() {
        this.state = useState({ batches: {} });
        useService("bus_service").subscribe("ar24_lre.progress", (payload) => this.update(payload));
    }

    get batches() {
        return Object.values(this.state.batches);
    }

    update({ batch, title, done, total }) {
        const known = this.state.batches[batch];
        if (known && known.timer) {
            clearTimeout(known.timer);
        }
        const entry = { batch, title, done, total, percent: total ? Math.round((100 * done) / total) : 100 };
        if (done >= total) {
            entry.timer = setTimeout(() => delete this.state.batches[batch], HIDE_AFTER_MS);
        }
        this.state.batches[batch] = entry;
    }
}

registry.category("main_components").add("ar24_lre.SendProgress", { Component: SendProgress });
