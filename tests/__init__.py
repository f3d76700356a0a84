from . import test_settings
from . import test_account_link
from . import test_payment_methods
