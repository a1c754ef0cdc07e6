"""`python -m witness ...`: see witness/server.py."""

import sys

from witness.server import main

sys.exit(main())
