"""``python -m bot``: the command line of bot/app/cli.py."""
import sys

from bot.app.cli import main

sys.exit(main())
