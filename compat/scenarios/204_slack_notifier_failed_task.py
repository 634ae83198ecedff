"""slack_notifier posts a failing task's state to a webhook (a local HTTP server here).

The branding keys of the attachment (author, icon, footer) name each product and are left
out of the comparison; the rest of the JSON is compared as posted."""
import http.server
import json
import threading

import prefect
from prefect import Flow, task
from prefect.engine.state import Failed, Success
from prefect.utilities.notifications import slack_notifier

BRANDING = ("author_name", "author_icon", "author_link", "footer")


def serve():
    posts = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, posts


@task
def run_notified_flow():
    server, posts = serve()

    @task(state_handlers=[slack_notifier(only_states=[Failed], backend_info=False)])
    def load():
        raise ValueError("row 7 has no id")

    @task(state_handlers=[slack_notifier(ignore_states=[Failed], only_states=[Success],
                                         backend_info=False, webhook_secret="TEAM_HOOK")])
    def report():
        return "ok"

    with Flow("nightly") as inner:
        load()
        report()
    url = "http://127.0.0.1:%d/hook" % server.server_address[1]
    with prefect.context(secrets={"SLACK_WEBHOOK_URL": url, "TEAM_HOOK": url + "/team"}):
        state = inner.run()
    server.shutdown()
    for post in posts:
        for item in post["attachments"]:
            for key in BRANDING:
                item.pop(key, None)
    return {"flow_failed": state.is_failed(),
            "posts": sorted(posts, key=lambda p: p["attachments"][0]["text"])}


with Flow("slack notifier") as flow:
    run_notified_flow()
