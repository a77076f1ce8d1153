"""``python -m ad_compiler``: see ad_compiler/cli.py."""
import sys

from .cli import main

sys.exit(main())
