from . import ar24_payment_link_wizard
from . import ar24_send_wizard
from . import ar24_otp_wizard
