"""Configuration management, in the shapes of the GovStack IM configuration API.

``GET /api/v1/config`` shows a workspace's directory as a configuration
document; ``PATCH /api/v1/config`` merges changes into it. A learner may add
subsystems (applications) and services only under their own member; on every
member of their workspace they may switch services on and off and change
access rights (``/api/v1/rights/allow`` and ``/api/v1/rights/deny``), as the
administrator of a whole sandbox would.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..errors import SandboxError
from .directory import learner_member
from .identifiers import INSTANCE, ClientId, IdentifierError, ServiceId, decode_part
from .models import AccessRight, Member, Service, Subsystem

__all__ = [
    "RightsEntry",
    "change_rights",
    "config_document",
    "list_rights",
    "merge_config",
]

RightsEntry = dict[str, Any]
MAX_URL = 2000


def _invalid(message: str) -> SandboxError:
    return SandboxError(400, "invalid_request", message)


def _part(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise _invalid(f"{what} must be a string.")
    try:
        return decode_part(value.replace("%", "%25"), what)
    except IdentifierError as exc:
        raise _invalid(f"Invalid {what}: {exc}.") from exc


def config_document(session: Session, workspace_id: str) -> dict[str, Any]:
    """The workspace's directory as a GovStack IM configuration document."""
    members = session.scalars(
        select(Member)
        .where(Member.workspace_id == workspace_id)
        .order_by(Member.member_id)
    ).all()
    subsystems = session.scalars(
        select(Subsystem)
        .where(Subsystem.workspace_id == workspace_id)
        .order_by(Subsystem.subsystem_id)
    ).all()
    services = session.scalars(
        select(Service)
        .where(Service.workspace_id == workspace_id)
        .order_by(Service.service_id)
    ).all()
    rights: dict[str, list[str]] = {}
    for right in session.scalars(
        select(AccessRight)
        .where(AccessRight.workspace_id == workspace_id)
        .order_by(AccessRight.client_id)
    ):
        rights.setdefault(right.service_id, []).append(right.client_id)
    out_members = []
    for member in members:
        mid = ClientId.parse(member.member_id)
        applications = []
        for subsystem in subsystems:
            if subsystem.member_id != member.member_id:
                continue
            app_services = []
            for service in services:
                if service.subsystem_id != subsystem.subsystem_id:
                    continue
                grants = [ClientId.parse(c) for c in rights.get(service.service_id, [])]
                app_services.append(
                    {
                        "id": service.service_code,
                        "title": service.title,
                        "serviceUrl": service.service_url or None,
                        "enabled": service.enabled,
                        "disabledNotice": service.disabled_notice or None,
                        "rights": [
                            {
                                "member": f"{g.member_class}/{g.member_code}",
                                "application": g.subsystem_code,
                            }
                            for g in grants
                        ],
                    }
                )
            applications.append(
                {
                    "id": ClientId.parse(subsystem.subsystem_id).subsystem_code,
                    "connection": "http",
                    "services": app_services,
                }
            )
        out_members.append(
            {
                "name": member.name,
                "class": mid.member_class,
                "code": mid.member_code,
                "applications": applications,
            }
        )
    return {
        "domain": "sandbox.govlearn.local",
        "instance": INSTANCE,
        "ownMember": str(learner_member(workspace_id)),
        "members": out_members,
    }


def _check_url(url: Any) -> str:
    if not isinstance(url, str) or len(url) > MAX_URL:
        raise _invalid("serviceUrl must be an http(s) URL of at most 2000 characters.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid(
            f"serviceUrl {url[:80]!r} is not an http(s) URL with a host, e.g. "
            "http://127.0.0.1:8080/api."
        )
    if parts.query or parts.fragment or any(ord(c) < 33 for c in url):
        raise _invalid("serviceUrl may not hold a query, a fragment or spaces.")
    return url


def merge_config(session: Session, workspace_id: str, body: Any) -> list[str]:
    """Merge a partial configuration document; return what changed."""
    if not isinstance(body, dict) or not isinstance(body.get("members"), list):
        raise _invalid('Send {"members": [{"class", "code", "applications": [...]}]}.')
    own = learner_member(workspace_id)
    changes: list[str] = []
    for member in body["members"]:
        if not isinstance(member, dict):
            raise _invalid("Each member must be an object.")
        mid = ClientId(
            INSTANCE,
            _part(member.get("class"), "member class"),
            _part(member.get("code"), "member code"),
        )
        is_own = mid == own
        if (
            session.scalar(
                select(Member.id).where(
                    Member.workspace_id == workspace_id, Member.member_id == str(mid)
                )
            )
            is None
        ):
            raise SandboxError(
                404,
                "unknown_member",
                f"There is no member {mid} in your workspace. Your own member is "
                f"{own}.",
            )
        applications = member.get("applications", [])
        if not isinstance(applications, list):
            raise _invalid("applications must be a list.")
        for application in applications:
            if not isinstance(application, dict):
                raise _invalid("Each application must be an object.")
            changes += _merge_application(
                session, workspace_id, mid, is_own, application
            )
    return changes


def _forbidden(mid: ClientId, what: str) -> SandboxError:
    return SandboxError(
        403,
        "forbidden",
        f"You may not {what} under {mid}: only under your own member. On other "
        "members you may switch services on or off and change access rights.",
    )


def _merge_application(
    session: Session,
    workspace_id: str,
    mid: ClientId,
    is_own: bool,
    application: dict[str, Any],
) -> list[str]:
    subsystem = mid.with_subsystem(_part(application.get("id"), "application id"))
    changes: list[str] = []
    row = session.scalar(
        select(Subsystem).where(
            Subsystem.workspace_id == workspace_id,
            Subsystem.subsystem_id == str(subsystem),
        )
    )
    if row is None:
        if not is_own:
            raise _forbidden(mid, "add applications")
        session.add(
            Subsystem(
                workspace_id=workspace_id,
                member_id=str(mid),
                subsystem_id=str(subsystem),
                name=str(application.get("name", ""))[:200],
            )
        )
        session.flush()
        changes.append(f"added subsystem {subsystem}")
    services = application.get("services", [])
    if not isinstance(services, list):
        raise _invalid("services must be a list.")
    for item in services:
        if not isinstance(item, dict):
            raise _invalid("Each service must be an object.")
        changes += _merge_service(session, workspace_id, subsystem, is_own, item)
    return changes


def _merge_service(
    session: Session,
    workspace_id: str,
    subsystem: ClientId,
    is_own: bool,
    item: dict[str, Any],
) -> list[str]:
    code = _part(item.get("id"), "service id")
    service_id = f"{subsystem}/{code}"
    row = session.scalar(
        select(Service).where(
            Service.workspace_id == workspace_id, Service.service_id == service_id
        )
    )
    changes: list[str] = []
    if row is None:
        if not is_own:
            raise _forbidden(subsystem.member(), "add services")
        if "serviceUrl" not in item:
            raise _invalid(f"Service {code!r} is new: give its serviceUrl.")
        row = Service(
            workspace_id=workspace_id,
            subsystem_id=str(subsystem),
            service_id=service_id,
            service_code=code,
            title=str(item.get("title", code))[:200],
            service_url=_check_url(item["serviceUrl"]),
            enabled=True,
            disabled_notice="",
        )
        session.add(row)
        changes.append(f"added service {service_id}")
    elif "serviceUrl" in item and item["serviceUrl"] != (row.service_url or None):
        if not is_own:
            raise _forbidden(subsystem.member(), "change service URLs")
        row.service_url = _check_url(item["serviceUrl"])
        changes.append(f"changed the URL of {service_id}")
    if "enabled" in item:
        if not isinstance(item["enabled"], bool):
            raise _invalid("enabled must be true or false.")
        row.enabled = item["enabled"]
        notice = item.get("disabledNotice") or ""
        if not isinstance(notice, str):
            raise _invalid("disabledNotice must be a string.")
        row.disabled_notice = "" if row.enabled else notice[:500]
        changes.append(f"{'enabled' if row.enabled else 'disabled'} {service_id}")
    session.flush()
    return changes


def _client_of(entry: dict[str, Any]) -> ClientId:
    app = entry.get("applicationId")
    client = ClientId(
        INSTANCE,
        _part(entry.get("memberClass"), "memberClass"),
        _part(entry.get("memberCode"), "memberCode"),
    )
    return (
        client
        if app in (None, "")
        else client.with_subsystem(_part(app, "applicationId"))
    )


def _entry(service: ServiceId, clients: list[ClientId]) -> RightsEntry:
    return {
        "memberClass": service.member_class,
        "memberCode": service.member_code,
        "applicationId": service.subsystem_code,
        "serviceId": service.service_code,
        "rights": [
            {
                "memberClass": c.member_class,
                "memberCode": c.member_code,
                "applicationId": c.subsystem_code,
            }
            for c in clients
        ],
    }


def list_rights(
    session: Session,
    workspace_id: str,
    filters: dict[str, str | None],
    offset: int,
    page_size: int,
) -> tuple[list[RightsEntry], int | None]:
    """Services with their grants, in pages; returns the next offset."""
    statement = select(Service).where(Service.workspace_id == workspace_id)
    rows = [
        row
        for row in session.scalars(statement.order_by(Service.service_id))
        if _matches(ServiceId(*row.service_id.split("/")), filters)
    ]
    page = rows[offset : offset + page_size]
    grants: dict[str, list[ClientId]] = {}
    if page:
        for right in session.scalars(
            select(AccessRight)
            .where(
                AccessRight.workspace_id == workspace_id,
                AccessRight.service_id.in_([r.service_id for r in page]),
            )
            .order_by(AccessRight.client_id)
        ):
            grants.setdefault(right.service_id, []).append(
                ClientId.parse(right.client_id)
            )
    entries = [
        _entry(ServiceId(*r.service_id.split("/")), grants.get(r.service_id, []))
        for r in page
    ]
    following = offset + page_size if offset + page_size < len(rows) else None
    return entries, following


def _matches(service: ServiceId, filters: dict[str, str | None]) -> bool:
    wanted = {
        "memberClass": service.member_class,
        "memberCode": service.member_code,
        "applicationId": service.subsystem_code,
        "serviceId": service.service_code,
    }
    return all(not value or wanted[key] == value for key, value in filters.items())


def change_rights(
    session: Session, workspace_id: str, body: Any, *, allow: bool
) -> list[RightsEntry]:
    """Grant (``allow``) or revoke the rights listed in ``body``."""
    if not isinstance(body, list):
        raise _invalid(
            "Send a list of {memberClass, memberCode, applicationId, serviceId, "
            "rights: [{memberClass, memberCode, applicationId}]}."
        )
    touched: list[ServiceId] = []
    for entry in body:
        if not isinstance(entry, dict) or not isinstance(entry.get("rights"), list):
            raise _invalid("Each entry needs the service's ids and a rights list.")
        service = ServiceId(
            INSTANCE,
            _part(entry.get("memberClass"), "memberClass"),
            _part(entry.get("memberCode"), "memberCode"),
            _part(entry.get("applicationId"), "applicationId"),
            _part(entry.get("serviceId"), "serviceId"),
        )
        if (
            session.scalar(
                select(Service.id).where(
                    Service.workspace_id == workspace_id,
                    Service.service_id == str(service),
                )
            )
            is None
        ):
            raise SandboxError(
                404,
                "unknown_service",
                f"There is no service {service} in your workspace. List services "
                "with GET /api/v1/rights/allow.",
            )
        for right in entry["rights"]:
            if not isinstance(right, dict):
                raise _invalid("Each right must be an object.")
            client = _client_of(right)
            _set_right(session, workspace_id, service, client, allow)
        touched.append(service)
    session.flush()
    entries = []
    for service in dict.fromkeys(touched):
        clients = session.scalars(
            select(AccessRight.client_id)
            .where(
                AccessRight.workspace_id == workspace_id,
                AccessRight.service_id == str(service),
            )
            .order_by(AccessRight.client_id)
        )
        entries.append(_entry(service, [ClientId.parse(c) for c in clients]))
    return entries


def _set_right(
    session: Session,
    workspace_id: str,
    service: ServiceId,
    client: ClientId,
    allow: bool,
) -> None:
    existing = session.scalar(
        select(AccessRight).where(
            AccessRight.workspace_id == workspace_id,
            AccessRight.service_id == str(service),
            AccessRight.client_id == str(client),
        )
    )
    if not allow:
        if existing is not None:
            session.execute(delete(AccessRight).where(AccessRight.id == existing.id))
        return
    if existing is not None:
        return
    known = select(Subsystem.id).where(
        Subsystem.workspace_id == workspace_id, Subsystem.subsystem_id == str(client)
    )
    if client.subsystem_code is None:
        known = select(Member.id).where(
            Member.workspace_id == workspace_id, Member.member_id == str(client)
        )
    if session.scalar(known) is None:
        raise SandboxError(
            404,
            "unknown_client",
            f"There is no client {client} in your workspace to grant access to. "
            "List clients with GET /listClients.",
        )
    session.add(
        AccessRight(
            workspace_id=workspace_id, service_id=str(service), client_id=str(client)
        )
    )
    session.flush()
