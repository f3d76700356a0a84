import logging
import re

from werkzeug.exceptions import BadRequest, LengthRequired, NotFound

from odoo import http
from odoo.http import request
from odoo.tools import consteq

from ..ar24.routes import STATUSES

_logger = logging.getLogger(__name__)

ID_RE = re.compile(r"^\d{1,12}$")
# AR24's call is a handful of short fields: a larger body is refused before it is parsed
MAX_BODY_BYTES = 16 * 1024


def _body_limit(controller):
    """The body limit Odoo applies before parsing the form (``max_content_length``).

    The web server enforces it on a declared Content-Length only: a body sent in chunks, without
    one, would be read whole. AR24 declares its length; a chunked call is refused unread (411).
    """
    if request.httprequest.content_length is None and request.httprequest.headers.get("Transfer-Encoding"):
        raise LengthRequired()
    return MAX_BODY_BYTES


TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


class Ar24Webhook(http.Controller):
    """AR24 calls this URL on every status change of a letter.

    AR24 does not sign its webhooks: the URL carries an unguessable per-database token, and the
    call is only a hint. Nothing in the body is trusted: the letter is queued to be re-read from
    AR24 by the status job, which is woken up at once. Answers fast; 404 for any doubt about
    the token or the letter, 400 for malformed input, never 500.
    """

    @http.route(
        "/ar24_lre/webhook/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        max_content_length=_body_limit,
    )
    def ar24_webhook(self, token, **post):
        env = request.env(su=True)
        expected = env["ir.config_parameter"].get_param("ar24_lre.webhook_token") or ""
        if not expected or not TOKEN_RE.match(token or "") or not consteq(token, expected):
            raise NotFound()
        id_mail, state = post.get("id_mail"), post.get("new_state")
        # form fields are text; a multipart part sent as a file is malformed input, not a crash
        if not isinstance(id_mail, str) or not isinstance(state, str):
            raise BadRequest()
        state = state.strip().lower()
        if not ID_RE.match(id_mail) or state not in STATUSES:
            raise BadRequest()
        letter = env["ar24.letter"].search([("ar24_id", "=", int(id_mail))], limit=1)
        if not letter:
            raise NotFound()
        if not letter.ar24_refresh_requested:
            letter.ar24_refresh_requested = True
        env.ref("ar24_lre.ir_cron_ar24_sync_status")._trigger()
        _logger.info("AR24 webhook: letter %s said %s; re-read queued", letter.name, state)
        return request.make_response("OK", headers=[("Content-Type", "text/plain")])
