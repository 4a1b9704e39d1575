"""The directory of one workspace: members, subsystems, services and grants.

Each workspace starts with the GovStack sandbox's topology:

* provider member ``SANDBOX/GOV/PROVIDER`` with one subsystem per registered
  provider emulator (``PAYMENT``, ``DIGITAL-REGISTRIES``, ``CONSENT``) and
  ``TEST`` (``health``, ``echo``, ``mirror``);
* client ``SANDBOX/ORG/CLIENT/TEST``, granted every provider service, so the
  USCT flow works out of the box;
* the learner's own member ``SANDBOX/COM/<learner id>`` with subsystem
  ``APP``, granted nothing, for access-right exercises.

Providers registered after a workspace was seeded are added to it when the
sandbox next starts (:func:`reconcile_providers`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import Database
from ..providers import ProviderService, registered_providers
from ..workspaces.models import WorkspaceSeed
from ..workspaces.seeding import seeder
from .identifiers import INSTANCE, ClientId, ServiceId
from .models import AccessRight, Member, Service, Subsystem

__all__ = [
    "DEFAULT_CLIENT",
    "LEARNER_MEMBER_CLASS",
    "LEARNER_SUBSYSTEM",
    "PROVIDER_MEMBER",
    "Route",
    "find_provider",
    "learner_member",
    "reconcile_providers",
    "resolve_route",
    "seed_directory",
]

PROVIDER_MEMBER = ClientId(INSTANCE, "GOV", "PROVIDER")
CLIENT_MEMBER = ClientId(INSTANCE, "ORG", "CLIENT")
DEFAULT_CLIENT = ClientId(INSTANCE, "ORG", "CLIENT", "TEST")
LEARNER_MEMBER_CLASS = "COM"
LEARNER_SUBSYSTEM = "APP"
SEEDER_NAME = "mediator"


def learner_member(workspace_id: str) -> ClientId:
    """The member a learner owns: ``SANDBOX/COM/<learner id>``.

    Learner ids use only letters, digits, ``.``, ``_``, ``@`` and ``-``, all
    of which X-Road allows in a member code.
    """
    return ClientId(INSTANCE, LEARNER_MEMBER_CLASS, workspace_id)


def provider_service_id(provider: ProviderService) -> ServiceId:
    return ServiceId(
        INSTANCE,
        PROVIDER_MEMBER.member_class,
        PROVIDER_MEMBER.member_code,
        provider.subsystem,
        provider.service_code,
    )


def find_provider(service: ServiceId) -> ProviderService | None:
    """The in-app emulator behind ``service``, if it is one."""
    if service.subsystem.member_id() != str(PROVIDER_MEMBER):
        return None
    for provider in registered_providers():
        if (provider.subsystem, provider.service_code) == (
            service.subsystem_code,
            service.service_code,
        ):
            return provider
    return None


def _add_provider(
    session: Session, workspace_id: str, provider: ProviderService
) -> None:
    service = provider_service_id(provider)
    subsystem = str(service.subsystem)
    exists = session.scalar(
        select(Subsystem.id).where(
            Subsystem.workspace_id == workspace_id, Subsystem.subsystem_id == subsystem
        )
    )
    if exists is None:
        session.add(
            Subsystem(
                workspace_id=workspace_id,
                member_id=str(PROVIDER_MEMBER),
                subsystem_id=subsystem,
                name=provider.subsystem.replace("-", " ").title(),
            )
        )
    session.add(
        Service(
            workspace_id=workspace_id,
            subsystem_id=subsystem,
            service_id=str(service),
            service_code=provider.service_code,
            title=provider.title,
            service_url="",
        )
    )
    session.add(
        AccessRight(
            workspace_id=workspace_id,
            service_id=str(service),
            client_id=str(DEFAULT_CLIENT),
        )
    )


@seeder(SEEDER_NAME)
def seed_directory(session: Session, workspace_id: str) -> None:
    """Fill a new workspace's directory (deterministic)."""
    own = learner_member(workspace_id)
    for member, name in (
        (PROVIDER_MEMBER, "Government service provider"),
        (CLIENT_MEMBER, "Sandbox client organisation"),
        (own, f"Learner {workspace_id}"),
    ):
        session.add(Member(workspace_id=workspace_id, member_id=str(member), name=name))
    for subsystem, name in (
        (DEFAULT_CLIENT, "USCT test client"),
        (own.with_subsystem(LEARNER_SUBSYSTEM), "Learner's application"),
    ):
        session.add(
            Subsystem(
                workspace_id=workspace_id,
                member_id=subsystem.member_id(),
                subsystem_id=str(subsystem),
                name=name,
            )
        )
        session.flush()
    for provider in registered_providers():
        _add_provider(session, workspace_id, provider)
        session.flush()


def reconcile_providers(database: Database) -> int:
    """Add provider services registered since a workspace was seeded.

    Existing rows are never changed, so a grant a learner revoked stays
    revoked. Returns how many services were added.
    """
    added = 0
    with database.session() as session:
        if not database.is_sqlite:
            session.execute(select(_advisory_lock()))
        seeded = set(
            session.scalars(
                select(WorkspaceSeed.workspace_id).where(
                    WorkspaceSeed.seeder == SEEDER_NAME
                )
            )
        )
        have = set(
            session.execute(
                select(Service.workspace_id, Service.service_id).where(
                    Service.service_url == ""
                )
            )
        )
        for provider in registered_providers():
            service = str(provider_service_id(provider))
            for workspace_id in sorted(seeded):
                if (workspace_id, service) not in have:
                    try:
                        with session.begin_nested():
                            _add_provider(session, workspace_id, provider)
                        added += 1
                    except IntegrityError:
                        continue
    return added


def _advisory_lock():  # type: ignore[no-untyped-def]
    from sqlalchemy import func

    return func.pg_advisory_xact_lock(726372)


@dataclass(frozen=True)
class Route:
    """What the directory says about one service for one client."""

    service_url: str
    enabled: bool
    disabled_notice: str
    allowed: bool


_ALLOWED = (
    select(AccessRight.id)
    .where(
        and_(
            AccessRight.workspace_id == bindparam("workspace"),
            AccessRight.service_id == bindparam("service"),
            AccessRight.client_id == bindparam("client"),
        )
    )
    .limit(1)
    .scalar_subquery()
)
#: Built once: building a statement per call costs ten times running it.
_ROUTE = select(
    Service.service_url, Service.enabled, Service.disabled_notice, _ALLOWED
).where(
    Service.workspace_id == bindparam("workspace"),
    Service.service_id == bindparam("service"),
)


def resolve_route(
    connection: Connection, workspace_id: str, service: str, client: str
) -> Route | None:
    """Look up ``service`` and whether ``client`` may call it (one query)."""
    row = connection.execute(
        _ROUTE, {"workspace": workspace_id, "service": service, "client": client}
    ).first()
    if row is None:
        return None
    return Route(row[0], bool(row[1]), row[2] or "", row[3] is not None)
