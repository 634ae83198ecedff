"""/api/secrets"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request, Response

from caudal.server.api.deps import ADMIN, AUTH_ERRORS, RUNNER, VIEWER, database, error, write
from caudal.server.db.engine import Database
from caudal.server.services import secrets
from caudal.wire.secrets import SecretInfo, SecretValue

router = APIRouter(prefix="/api/secrets", tags=["secrets"], responses=AUTH_ERRORS)

SecretName = Path(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")


@router.get("", dependencies=[VIEWER])
def list_secrets(db: Database = Depends(database)) -> list[SecretInfo]:
    """Every secret's name, never a value."""
    return secrets.list_secrets(db)


@router.get("/{name:path}", dependencies=[RUNNER],
            responses={404: error("No secret has that name."),
                       500: error("The server's secrets key cannot decrypt it.")})
def read_secret(request: Request, name: str = SecretName,
                db: Database = Depends(database)) -> SecretValue:
    """A secret's value: for runners (agents and their runs) and admins only."""
    return SecretValue(value=secrets.read_secret(db, request.app.state.secret_box, name))


@router.put("/{name:path}", dependencies=[ADMIN])
async def set_secret(body: SecretValue, request: Request, name: str = SecretName,
                     db: Database = Depends(database)) -> SecretInfo:
    return await write(request, secrets.set_secret, db, request.app.state.secret_box, name,
                       body.value)


@router.delete("/{name:path}", status_code=204, dependencies=[ADMIN],
               responses={404: error("No secret has that name.")})
async def delete_secret(request: Request, name: str = SecretName,
                        db: Database = Depends(database)) -> Response:
    await write(request, secrets.delete_secret, db, name)
    return Response(status_code=204)
