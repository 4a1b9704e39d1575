"""The Identity building block: eSignet-style OIDC, enrollment, yes/no checks.

``router`` holds the routes and ``TAG`` their OpenAPI tag; importing the
package also registers the tables, the seed data and the error styles.
"""

from __future__ import annotations

from . import envelope as _envelope  # noqa: F401  (error styles)
from . import models as _models  # noqa: F401  (tables)
from . import seed as _seed  # noqa: F401  (workspace seeder)
from .housekeeping import housekeeping
from .read_cache import IdentityReadCache
from .routes import TAG, router, startup

__all__ = ["MIDDLEWARE", "TAG", "housekeeping", "router", "startup"]

#: Served before the route table: discovery, JWKS and repeated userinfo calls.
MIDDLEWARE = (IdentityReadCache,)
