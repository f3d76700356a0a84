"""Letters waiting in the background queue when the module is upgraded: their sender is told how the batch
went once it is done, like the batches queued from now on (``ar24.letter.send_report_pending``)."""


def migrate(cr, version):
    cr.execute("UPDATE ar24_letter SET send_report_pending = TRUE WHERE send_queued")
