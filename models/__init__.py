from . import ar24_payment_method
from . import res_company
from . import res_config_settings
from . import res_users
