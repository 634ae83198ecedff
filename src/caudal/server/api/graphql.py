"""/graphql: Prefect Server's GraphQL API (a subset), for pipelines that send queries."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from caudal.server.api.deps import VIEWER, database, write
from caudal.server.db.engine import Database
from caudal.server.errors import BadRequest
from caudal.server.services import graphql
from caudal.wire.auth import Role

router = APIRouter(tags=["graphql"])


# Not in the OpenAPI document: its requests and answers are GraphQL's, not REST shapes.
@router.post("/graphql", include_in_schema=False)
async def answer_graphql(request: Request, role: Role = VIEWER,
                         db: Database = Depends(database)) -> JSONResponse:
    """Answer a GraphQL request: 200 with ``data`` or ``errors`` as GraphQL servers do; 400
    for a body that is not a GraphQL request; 401/403 as the REST API for keys and roles
    (a viewer may query; each mutation needs the role of its REST route)."""
    try:
        body: Any = json.loads(await request.body())
    except (ValueError, RecursionError) as exc:
        raise BadRequest("A GraphQL request is a JSON object with 'query' (a string); the "
                         "body is not JSON.") from exc
    try:
        # In a thread: parsing a long query must not hold the event loop.
        operation = await anyio.to_thread.run_sync(
            graphql.prepare, body, role, db, request.app.state.settings.scheduled_runs_ahead)
    except graphql.GraphQLError as exc:
        return JSONResponse({"errors": [exc.as_json()]})
    return JSONResponse(await graphql.execute(operation, db, partial(write, request)))
