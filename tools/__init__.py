from ..ar24 import client as _client
from ..ar24 import redact as _redact
from ..ar24.emulator import server as _emulator_server
from .commit import commit
from .evidence import filing_evidence, is_filing_evidence, is_posting_message, posting_message
from .memory import release_freed_memory
from .errors import ar24_error_text, ar24_translate, ar24_user_error
from .notify import CLOSE, RELOAD, notification
from .progress import PROGRESS, SendProgress

# URLs carrying the AR24 API token (GET query strings) or the callback token are logged by the
# HTTP libraries and by the HTTP server's access log: masked before any handler sees them.
_redact.install(
    "urllib3.connectionpool",
    "werkzeug",
    _client.__name__,
    _emulator_server.__name__,
)
