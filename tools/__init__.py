from .errors import ar24_error_text, ar24_translate, ar24_user_error
from .notify import CLOSE, RELOAD, notification
from .workers import AR24Workers
