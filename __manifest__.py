{
    "name": "AR24 Registered Letters (LRE)",
    "summary": "Send, validate with OTP and track qualified electronic registered letters, "
    "co-ownership avis électronique and paper registered letters through AR24",
    "version": "19.0.1.0.0",
    "category": "Productivity/Registered Letters",
    "author": "ar24_lre developers",
    "website": "https://github.com/ar24-lre/ar24_lre",
    "license": "LGPL-3",
    "depends": ["mail", "base_setup"],
    "external_dependencies": {
        "python": ["requests", "cryptography", "pypdf", "pyotp", "phonenumbers"],
    },
    "data": [
        "security/ar24_security.xml",
        "security/ir.model.access.csv",
        "data/ar24_letter_data.xml",
        "report/ar24_letter_report.xml",
        "views/ar24_menus.xml",
        "wizards/ar24_otp_wizard_views.xml",
        "views/ar24_letter_views.xml",
        "wizards/ar24_send_wizard_views.xml",
        "views/ar24_payment_method_views.xml",
        "wizards/ar24_payment_link_wizard_views.xml",
        "views/res_config_settings_views.xml",
        "views/res_users_views.xml",
        "data/ar24_consent_data.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_consent_views.xml",
    ],
    "demo": [
        "data/ar24_demo.xml",
    ],
    "assets": {
        "web.assets_tests": ["ar24_lre/static/tests/tours/*.js"],
    },
    "installable": True,
    "application": True,
}
