-- A copied (neutralized) database must never send a real registered letter:
-- point every company at AR24's sandbox and forget the credentials.
UPDATE res_company
   SET ar24_environment = 'sandbox',
       ar24_api_url = NULL,
       ar24_token = NULL,
       ar24_private_key = NULL;

-- The callback token is a secret of the original database: a copy gets a new one when it needs one.
DELETE FROM ir_config_parameter WHERE key = 'ar24_lre.webhook_token';
