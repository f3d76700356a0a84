from . import test_settings
from . import test_account_link
from . import test_payment_methods
from . import test_send_wizard
from . import test_otp_status
from . import test_webhook
from . import test_paper_deadline
from . import test_consent
