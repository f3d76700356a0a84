from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from ..ar24 import rules
from ..const import BILLED_STATES


class Ar24ConsumptionReport(models.AbstractModel):
    """The consumption summary as a PDF (the LSC manual's "Récapitulatif de votre consommation"): for the
    letters printed, one section per entity and month with the letters by type and unit price, their
    pages, and AR24's prices excl. tax (``price_ht``), each section totalled.

    Printed from the list of letters (the selection, as the user may read it) or from the managers'
    consumption view (the letters behind its rows): both count the letters AR24 bills
    (``routes.BILLED_STATUSES``) in the Paris month of their deposit, as the view ``ar24.consumption`` does.
    """

    _name = "report.ar24_lre.report_ar24_consumption"
    _description = "Registered letters: consumption summary"

    @api.model
    def _get_report_values(self, docids, data=None):
        letters = self.env["ar24.letter"].browse(docids)
        # the user's own reading rights: a sender prints his letters, a manager his entities'
        letters.check_access("read")
        billed = letters.filtered(lambda letter: letter.state in BILLED_STATES)
        if not billed:
            raise UserError(
                self.env._(
                    "None of the %(count)s letters printed was deposited at AR24: nothing was billed (letters "
                    "in draft, in error, canceled or awaiting their OTP validation cost nothing).",
                    count=len(letters),
                )
            )
        sections = self._sections(billed)
        return {
            "doc_ids": docids,
            "doc_model": "ar24.letter",
            "docs": letters,
            "sections": sections,
            "letter_count": sum(section["letter_count"] for section in sections),
            "page_count": sum(section["page_count"] for section in sections),
            "amount": round(sum(section["amount"] for section in sections), 2),
            "currency": self.env.ref("base.EUR"),
            "left_out": len(letters) - len(billed),
        }

    @api.model
    def _month(self, letter):
        """The Paris month AR24 deposited ``letter`` in (its own date when AR24 gave none)."""
        return rules.billing_month(letter.date_deposit or letter.date)

    @api.model
    def _sections(self, letters):
        """[{company, month, month_label, lines, letter_count, page_count, amount, outside_count}], one per
        entity and month (entities by name, each one's latest month first), lines per type and unit price."""
        types = dict(letters._fields["send_type"]._description_selection(self.env))
        groups = defaultdict(lambda: defaultdict(list))
        for letter in letters:
            key = (letter.send_type, round(letter.price_ht or 0.0, 2))
            groups[(letter.company_id, self._month(letter))][key].append(letter)
        sections = []
        for (company, month), by_line in sorted(
            groups.items(), key=lambda item: (item[0][0].name, -item[0][1].toordinal())
        ):
            lines = [
                {
                    "type": types.get(send_type, send_type),
                    "unit_price": unit_price,
                    "letter_count": len(rows),
                    "page_count": sum(letter.page_count for letter in rows),
                    "amount": round(sum(letter.price_ht or 0.0 for letter in rows), 2),
                }
                for (send_type, unit_price), rows in sorted(
                    by_line.items(), key=lambda item: (types.get(item[0][0], ""), item[0][1])
                )
            ]
            in_section = [letter for rows in by_line.values() for letter in rows]
            sections.append(
                {
                    "company": company,
                    "month": month,
                    "month_label": format_date(self.env, month, date_format="MMMM y"),
                    "lines": lines,
                    "letter_count": len(in_section),
                    "page_count": sum(line["page_count"] for line in lines),
                    "amount": round(sum(letter.price_ht or 0.0 for letter in in_section), 2),
                    "outside_count": sum(1 for letter in in_section if letter.deposited_outside),
                }
            )
        return sections
