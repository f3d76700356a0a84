from odoo import fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..ar24 import rules
from ..ar24.crypto import PARIS
from ..const import BILLED_STATES, LETTER_TYPES


class Ar24Consumption(models.Model):
    """What AR24 billed, per entity, month, type and unit price: the LSC manual's "Récapitulatif de votre
    consommation", read from the letters (AR24's ``price_ht`` of each one), for managers to check AR24's
    invoices and charge each co-ownership. A view on ``ar24.letter``: one row per entity, month (of the
    deposit at AR24, in Paris time), type and unit price; it sums exactly the letters the PDF summary
    lists (``report.ar24_lre.report_ar24_consumption``).
    """

    _name = "ar24.consumption"
    _description = "Registered letters: consumption per entity and month"
    _auto = False
    _order = "month desc, company_id, send_type, unit_price"
    _depends = {
        "ar24.letter": [
            "company_id",
            "date",
            "date_deposit",
            "send_type",
            "state",
            "price_ht",
            "page_count",
            "deposited_outside",
        ]
    }

    company_id = fields.Many2one("res.company", "Entity", readonly=True)
    month = fields.Date("Month", readonly=True, help="First day of the month AR24 deposited the letters in.")
    send_type = fields.Selection(LETTER_TYPES, "Type", readonly=True)
    unit_price = fields.Float("Unit price (excl. tax)", readonly=True, aggregator=None, digits=(16, 2))
    letter_count = fields.Integer("Letters", readonly=True)
    page_count = fields.Integer("Pages", readonly=True)
    amount = fields.Float("Total (excl. tax)", readonly=True, digits=(16, 2))
    outside_count = fields.Integer(
        "Deposited outside Odoo", readonly=True, help="Letters of these whose pages Odoo does not know."
    )

    @property
    def _table_query(self):
        # the month of the deposit in Paris time, as AR24 dates its letters and bills them
        month = SQL(
            "date_trunc('month', timezone(%s, timezone('UTC', COALESCE(l.date_deposit, l.date))))::date",
            str(PARIS),
        )
        return SQL(
            """
            SELECT MIN(l.id) AS id, l.company_id, %(month)s AS month, l.send_type,
                   ROUND(COALESCE(l.price_ht, 0)::numeric, 2)::float AS unit_price,
                   COUNT(*) AS letter_count, SUM(COALESCE(l.page_count, 0)) AS page_count,
                   ROUND(SUM(COALESCE(l.price_ht, 0))::numeric, 2)::float AS amount,
                   COUNT(*) FILTER (WHERE l.deposited_outside) AS outside_count
              FROM ar24_letter l
             WHERE l.state IN %(billed)s
             GROUP BY l.company_id, %(month)s, l.send_type, ROUND(COALESCE(l.price_ht, 0)::numeric, 2)
            """,
            month=month,
            billed=tuple(BILLED_STATES),
        )

    def action_print_summary(self):
        """The PDF summary of the letters behind these rows (the same letters, the same totals)."""
        return self.env["ar24.letter"].search(self._letters_domain()).action_print_consumption()

    def _letters_domain(self):
        """The letters behind these rows, as a domain on ``ar24.letter`` (the view's grouping, reversed)."""
        domain = Domain.FALSE
        for row in self:
            start, end = rules.month_bounds(row.month)
            deposited = Domain("date_deposit", ">=", start) & Domain("date_deposit", "<", end)
            # never deposited at AR24's date: the letter's own date (see the view's COALESCE)
            undated = Domain("date_deposit", "=", False) & Domain("date", ">=", start) & Domain("date", "<", end)
            domain |= (
                Domain("company_id", "=", row.company_id.id)
                & Domain("send_type", "=", row.send_type)
                & Domain("state", "in", BILLED_STATES)
                & Domain("price_ht", ">=", row.unit_price - 0.005)
                & Domain("price_ht", "<", row.unit_price + 0.005)
                & (deposited | undated)
            )
        return domain
