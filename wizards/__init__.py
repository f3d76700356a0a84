from . import ar24_payment_link_wizard
from . import ar24_payment_link_line
from . import ar24_send_wizard
from . import ar24_send_wizard_error
from . import ar24_send_wizard_line
from . import ar24_send_wizard_channel
from . import ar24_send_wizard_document
from . import ar24_otp_wizard
