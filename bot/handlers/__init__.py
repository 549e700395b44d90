"""Telegram handlers: taps and messages turned into calls to the bot's domain modules.

One module per feature; each exposes `register(application)` and may list its
commands for Telegram's menu as `COMMANDS = [(command, description), ...]`.

bot.app.HANDLER_MODULES lists them in order. The plain-text question handler
(bot.handlers.questions) must stay last so that a conversation registered by
an earlier module sees its messages first.
"""
