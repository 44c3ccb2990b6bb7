"""The player's device credentials for Subsonic apps: list, create (secrets shown once), revoke; what to type
into an app (server URL, username) and a QR code of the server URL for phone apps."""

import io

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from encore import devices
from encore.audit import kinds
from encore.web._audit import note
from encore.web._deps import CurrentUser, Db, container, public_base

router = APIRouter(prefix="/api/me/devices", tags=["devices"])


class DeviceIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class ConnectOut(BaseModel):
    server_url: str = Field(description="What a Subsonic app calls the server address (without /rest)")
    username: str


def _server_url(request: Request) -> str:
    """ENCORE_PUBLIC_BASE_URL when set (never the request's Host, which a proxy may pass from anyone); else the
    address this listener reached the player at: the one a phone app on the same network types in."""
    return public_base(request)


@router.get("/connect")
def connect(request: Request, user: CurrentUser) -> ConnectOut:
    return ConnectOut(server_url=_server_url(request), username=user.username)


@router.get("/connect/qr.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def connect_qr(request: Request, user: CurrentUser) -> Response:
    """The server URL as a QR code (SVG), for a phone app's or camera's scanner: no secret is in it."""
    import segno  # where used: the server maps it only once someone asks for a QR code (#16)

    out = io.BytesIO()
    segno.make(_server_url(request), error="m").save(out, kind="svg", scale=6, border=2, dark="#000", light="#fff")
    return Response(out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "private, no-store"})


@router.get("")
def list_devices(session: Db, user: CurrentUser) -> dict[str, list[dict[str, object]]]:
    items = devices.list_devices(session, user_id=user.id)
    return {
        "items": [
            {"id": d.id, "name": d.name, "created_at": d.created_at, "last_used_at": d.last_used_at} for d in items
        ]
    }


@router.post("", status_code=201)
def create_device(body: DeviceIn, request: Request, session: Db, user: CurrentUser) -> dict[str, str]:
    c = container(request)
    made = devices.create_device(
        session,
        user_id=user.id,
        name=body.name,
        secret=c.settings.secret_key.get_secret_value().encode(),
        now=c.clock.now(),
    )
    c.keyring.refresh()  # this process opens the new app password at once, whatever rotation it was sealed after
    note(request, session, kinds.DEVICE_CREATED, actor=user, device=made.id, name=made.name)
    return {"id": made.id, "name": made.name, "api_key": made.api_key, "app_password": made.app_password}


@router.delete("/{device_id}", status_code=204)
def revoke_device(device_id: str, request: Request, session: Db, user: CurrentUser) -> Response:
    devices.revoke_device(session, user_id=user.id, device_id=device_id)
    note(request, session, kinds.DEVICE_REVOKED, actor=user, device=device_id)
    return Response(status_code=204)
