"""SlackTask posts text and block messages to a webhook named by a secret (a local server)."""
import http.server
import json
import threading

import prefect
from prefect import Flow, task
from prefect.tasks.notifications import SlackTask


def serve():
    posts = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            posts.append([self.path, self.headers["Content-Type"],
                          json.loads(self.rfile.read(int(self.headers["Content-Length"])))])
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, posts


@task
def send_all():
    server, posts = serve()
    url = "http://127.0.0.1:%d" % server.server_address[1]
    with Flow("report") as inner:
        SlackTask(message="Nightly load finished")()
        SlackTask(webhook_secret="OTHER_HOOK")(message={"blocks": [{"type": "divider"}]})
        SlackTask()(message="direct", webhook_url=url + "/direct")
    with prefect.context(secrets={"SLACK_WEBHOOK_URL": url + "/default",
                                  "OTHER_HOOK": url + "/other"}):
        state = inner.run()
    server.shutdown()
    task = SlackTask(message="m", name="notify")
    return {"ok": state.is_successful(), "posts": sorted(posts),
            "attributes": [task.message, task.webhook_secret, task.name]}


with Flow("slack task") as flow:
    send_all()
