"""The one logger of the ``govlearn`` package.

The library never installs handlers. To see its messages in a notebook::

    import logging
    logging.basicConfig(level=logging.INFO)
"""

from __future__ import annotations

import logging

logger = logging.getLogger("govlearn")
