"""Every text the bot sends, as Telegram HTML: one module per feature, Telegram's limits and
escaping in `telegram`, every button's callback data in `callbacks`.

Wording has one home so that it can be reviewed and changed without reading the handlers,
and so that the domain (bot.reports, bot.questions) never carries presentation. Free of
Telegram's runtime objects: each module is tested on its own.
"""
