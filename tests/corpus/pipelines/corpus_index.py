"""The flows `flow.run()` can run without a server, with the parameters of each run.

Values in braces are filled in by the test: `{api_url}` is the local stand-in for the HTTP
APIs, `{db_path}` a SQLite file standing in for the agencies' databases. Runs happen in this
order, in one process, so a later run sees the files (and checkpointed targets) of earlier ones.
Left out: `orquestrador_flow` (create_flow_run/wait_for_flow_run need a server); the
server test (`test_corpus_server.py`) runs these same runs through agents, then the
orchestrator and the server-side behaviour of the clean-up and skip-if-running code.
"""

LOCAL_RUNS = [
    ("pipelines.utils.flows", "cleanup_flow", {}),
    (
        "pipelines.utils.flows",
        "dump_db_flow",
        {
            "db_path": "{db_path}",
            "table": "escolas",
            "dump_mode": "append",
            "materialize_after_dump": True,
        },
    ),
    ("pipelines.rj_sme.flows", "dump_sme_flow", {"db_path": "{db_path}"}),
    (
        "pipelines.rj_sme.flows",
        "dump_sme_incremental_flow",
        {"db_path": "{db_path}", "table": "turmas"},
    ),
    (
        "pipelines.rj_sme.flows",
        "dump_sme_incremental_flow",
        {"db_path": "{db_path}", "table": "escolas"},
    ),
    ("pipelines.rj_smtr.flows", "captura_usuarios_flow", {"url": "{api_url}/flaky/api/"}),
    ("pipelines.rj_smtr.flows", "captura_usuarios_flow", {"url": "{api_url}/flaky/api/"}),
    ("pipelines.rj_smtr.flows", "captura_vazia_flow", {"url": "{api_url}/vazio/"}),
    ("pipelines.rj_smtr.flows", "paginacao_flow", {"url": "{api_url}/paginas/"}),
    ("pipelines.rj_cor.flows", "alerta_chuva_flow", {"url": "{api_url}/chuva/"}),
    (
        "pipelines.rj_cor.flows",
        "alerta_chuva_flow",
        {"url": "{api_url}/chuva/", "threshold": 100.0},
    ),
    (
        "pipelines.rj_cor.flows",
        "validacao_flow",
        {"url": "{api_url}/chuva/", "stations": ["tijuca", "sensor-quebrado", "centro"]},
    ),
    ("pipelines.rj_escritorio.flows", "materializacao_flow", {}),
    ("pipelines.rj_escritorio.flows", "agregacao_flow", {}),
    ("pipelines.rj_escritorio.flows", "agregacao_flow", {}),
]

SERVER_ONLY = [("pipelines.rj_smtr.flows", "orquestrador_flow")]
