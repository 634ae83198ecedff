"""Webhook storage against a small HTTP service the flow starts on 127.0.0.1: ${NAME} templates
in the requests are filled from the environment, then from secrets; $$ is a literal $; lists
are sent as they are; the flow goes up and comes back under its name."""
import http.server
import os
import threading

import prefect
from prefect import Flow, task
from prefect.storage import Webhook


def serve():
    seen, bodies = [], {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PUT(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            bodies[self.path.split("?")[0]] = body
            seen.append((self.command, self.path, {k: self.headers[k] for k in
                                                   ("X-Token", "X-Signed", "X-Price")}))
            self.send_response(200)
            self.end_headers()

        def do_GET(self):
            seen.append((self.command, self.path, {"X-Token": self.headers["X-Token"]}))
            body = bodies[self.path.split("?")[0]]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@task
def round_trip():
    server, seen = serve()
    url = "http://127.0.0.1:%d/${FOLDER}/flow" % server.server_address[1]
    os.environ["FOLDER"] = "team-a"
    os.environ["FILES_TOKEN"] = "from-env"
    storage = Webhook(
        build_request_kwargs={"url": url, "params": {"tags": ["${FOLDER}"]},
                              "headers": {"X-Token": "Bearer ${FILES_TOKEN}",
                                          "X-Signed": "$SIGNING_KEY", "X-Price": "$$5"}},
        build_request_http_method="PUT",
        get_flow_request_kwargs={"url": url, "headers": {"X-Token": "${FILES_TOKEN}"}},
        get_flow_request_http_method="GET")
    with Flow("uploaded") as uploaded:
        pass
    storage.add_flow(uploaded)
    with prefect.context(secrets={"SIGNING_KEY": "from-secret", "FILES_TOKEN": "unused"}):
        storage.build()
    loaded = storage.get_flow("uploaded")
    server.shutdown()
    return {"requests": seen, "loaded": loaded.name, "flows": storage.flows}


with Flow("webhook templates") as flow:
    round_trip()
