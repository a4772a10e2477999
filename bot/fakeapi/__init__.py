"""A local stand-in for the Telegram Bot API, used by the end-to-end tests and the sandbox."""
