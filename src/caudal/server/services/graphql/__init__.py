"""Prefect Server's GraphQL API, a subset: queries of runs, flows, task runs, projects and flow
groups with Hasura's arguments, and the mutations pipelines send, answered through caudal's
services.

``schema`` maps Prefect's field names onto caudal's tables, ``filters`` turns ``where`` and
``order_by`` into SQL expressions, ``reads`` runs the queries, ``mutations`` plans the service
calls, and ``execution`` walks a parsed request and answers it.
"""

from caudal.server.services.graphql.execution import Operation, execute, prepare
from caudal.server.services.graphql.schema import GraphQLError

__all__ = ["GraphQLError", "Operation", "execute", "prepare"]
