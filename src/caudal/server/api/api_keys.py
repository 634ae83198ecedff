"""/api/api-keys: admins make, list and revoke keys."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from caudal.server.api.deps import ADMIN, AUTH_ERRORS, database, error, write
from caudal.server.db.engine import Database
from caudal.server.services import api_keys
from caudal.wire.auth import ApiKey, ApiKeyCreate, ApiKeyCreated

router = APIRouter(prefix="/api/api-keys", tags=["auth"], dependencies=[ADMIN],
                   responses=AUTH_ERRORS)


@router.get("")
def list_api_keys(db: Database = Depends(database)) -> list[ApiKey]:
    return api_keys.list_api_keys(db)


@router.post("", status_code=201)
async def create_api_key(body: ApiKeyCreate, request: Request,
                         db: Database = Depends(database)) -> ApiKeyCreated:
    """A new key; the response is the only place its text ever appears."""
    return await write(request, api_keys.create_api_key, db, body.name, body.role)


@router.delete("/{key_id}", status_code=204,
               responses={404: error("No such key, or it is already revoked.")})
async def revoke_api_key(key_id: str, request: Request,
                         db: Database = Depends(database)) -> Response:
    await write(request, api_keys.revoke_api_key, db, key_id)
    request.app.state.key_cache.clear()
    request.app.state.ui_sealer.clear()  # the web UI's sessions of that key end too
    return Response(status_code=204)
