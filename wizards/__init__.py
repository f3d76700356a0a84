from . import ar24_payment_link_wizard
