from .errors import ar24_user_error, ar24_error_text
