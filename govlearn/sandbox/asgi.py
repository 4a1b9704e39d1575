"""The ASGI entry point for uvicorn workers: ``govlearn.sandbox.asgi:app``.

Settings come from the environment (``GOVLEARN_DATABASE_URL``,
``GOVLEARN_ADMIN_KEY``, ``GOVLEARN_PUBLIC_URL``, ``GOVLEARN_RATE_LIMIT``,
``GOVLEARN_SERVICE_NETWORKS``: where learners' registered services may be;
the public internet only unless it names networks, or says ``any``).
"""

from __future__ import annotations

import os

from .app import create_app
from .egress import SERVED_DEFAULT, SETTING
from .settings import SandboxSettings

app = create_app(
    SandboxSettings.from_env(
        public_url=os.environ.get("GOVLEARN_PUBLIC_URL", ""),
        rate_limit=float(os.environ.get("GOVLEARN_RATE_LIMIT", "100")),
        service_networks=os.environ.get(SETTING, SERVED_DEFAULT),
    ),
    settle_heap=True,
)
