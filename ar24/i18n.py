"""Sentences that stay translatable after they are built (no Odoo import).

The pure modules build their messages with ``_lt(template, *args)``: the result is a normal ``str``
(English, for logs and the pure tests) that also remembers its template and arguments, so that the
addon can show it in the user's language: ``translate(env, message)`` translates the template (Odoo
extracts every ``_lt("...")`` of the module into its .pot) and then the arguments that are
themselves messages (a day name inside a deadline warning, for instance).
"""


class Message(str):
    template = ""
    args = ()

    def __new__(cls, template, *args):
        text = template % args if args else template
        message = super().__new__(cls, text)
        message.template = template
        message.args = args
        return message


def _lt(template, *args):
    """Mark ``template`` for translation and fill it with ``args`` (positional %-placeholders)."""
    return Message(template, *args)


def translate(gettext, message):
    """``message`` in the language of ``gettext`` (e.g. ``env._``); plain strings pass unchanged."""
    if not isinstance(message, Message):
        return message
    args = tuple(translate(gettext, arg) for arg in message.args)
    template = gettext(message.template) or message.template
    try:
        return template % args if args else template
    except (TypeError, ValueError):  # a broken translation must not hide the message
        return str(message)
