"""The channel each recipient gets (send type "per recipient"): the table both test tiers check.

One row per preferred dispatch × LRE consent (for the e-mail used) × postal address, for a private
person with a valid e-mail, in an entity whose electronic letter is the qualified LRE. The pure tier
checks ``rules.choose_channel`` against it; the Odoo tier opens the send wizard on one contact per row.

Kinds of reason: ``preferred`` (his preferred dispatch is honoured), ``consent`` (electronic: his consent
is valid), ``consent_no_paper`` (electronic although he prefers paper: his address is incomplete),
``no_electronic`` (paper: no electronic letter is allowed), ``no_preferred`` (paper although he prefers
an electronic letter), ``none`` (nothing can carry the letter).
"""

PREFERRED = (None, "post", "email", "lre", "lr_paper")
CONSENTS = ("accepted", "other_email", "pending", "none", "refused")
ADDRESSES = ("complete", "incomplete")

_TABLE = """
preferred  consent      address     channel    reason
-          accepted     complete    lre_eidas  consent
-          accepted     incomplete  lre_eidas  consent
-          other_email  complete    lr_paper   no_electronic
-          other_email  incomplete  -          none
-          pending      complete    lr_paper   no_electronic
-          pending      incomplete  -          none
-          none         complete    lr_paper   no_electronic
-          none         incomplete  -          none
-          refused      complete    lr_paper   no_electronic
-          refused      incomplete  -          none
post       accepted     complete    lr_paper   preferred
post       accepted     incomplete  lre_eidas  consent_no_paper
post       other_email  complete    lr_paper   preferred
post       other_email  incomplete  -          none
post       pending      complete    lr_paper   preferred
post       pending      incomplete  -          none
post       none         complete    lr_paper   preferred
post       none         incomplete  -          none
post       refused      complete    lr_paper   preferred
post       refused      incomplete  -          none
email      accepted     complete    lre_eidas  preferred
email      accepted     incomplete  lre_eidas  preferred
email      other_email  complete    lr_paper   no_preferred
email      other_email  incomplete  -          none
email      pending      complete    lr_paper   no_preferred
email      pending      incomplete  -          none
email      none         complete    lr_paper   no_preferred
email      none         incomplete  -          none
email      refused      complete    lr_paper   no_preferred
email      refused      incomplete  -          none
lre        accepted     complete    lre_eidas  preferred
lre        accepted     incomplete  lre_eidas  preferred
lre        other_email  complete    lr_paper   no_preferred
lre        other_email  incomplete  -          none
lre        pending      complete    lr_paper   no_preferred
lre        pending      incomplete  -          none
lre        none         complete    lr_paper   no_preferred
lre        none         incomplete  -          none
lre        refused      complete    lr_paper   no_preferred
lre        refused      incomplete  -          none
lr_paper   accepted     complete    lr_paper   preferred
lr_paper   accepted     incomplete  lre_eidas  consent_no_paper
lr_paper   other_email  complete    lr_paper   preferred
lr_paper   other_email  incomplete  -          none
lr_paper   pending      complete    lr_paper   preferred
lr_paper   pending      incomplete  -          none
lr_paper   none         complete    lr_paper   preferred
lr_paper   none         incomplete  -          none
lr_paper   refused      complete    lr_paper   preferred
lr_paper   refused      incomplete  -          none
"""


def _value(text):
    return None if text == "-" else text


# [(preferred, consent, address, channel, reason kind)]
CHANNEL_TABLE = [tuple(_value(cell) for cell in line.split()) for line in _TABLE.strip().splitlines()[1:]]
