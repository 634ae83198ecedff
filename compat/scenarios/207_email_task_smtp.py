"""EmailTask sends to a plain SMTP server (smtp_type INSECURE) that the flow starts: the
envelope, the headers and the parts are compared; the MIME boundary is random and is not."""
import email
import socketserver
import threading

from prefect import Flow, task
from prefect.tasks.notifications import EmailTask


def serve():
    mails = []

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line):
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self):
            envelope = {"from": None, "to": []}
            self.reply("220 stand-in ready")
            while True:
                line = self.rfile.readline().decode().rstrip("\r\n")
                verb = line[:4].upper()
                if verb in ("EHLO", "HELO"):
                    self.reply("250 stand-in")
                elif verb == "MAIL":
                    envelope["from"] = line.split(":", 1)[1].strip().strip("<>")
                    self.reply("250 OK")
                elif verb == "RCPT":
                    envelope["to"].append(line.split(":", 1)[1].strip().strip("<>"))
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 go on")
                    data = b""
                    while True:
                        chunk = self.rfile.readline()
                        if chunk == b".\r\n":
                            break
                        data += chunk
                    mails.append((dict(envelope, to=list(envelope["to"])), data))
                    self.reply("250 queued")
                elif verb == "QUIT" or not line:
                    self.reply("221 bye")
                    return
                else:
                    self.reply("250 OK")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, mails


@task
def send():
    server, mails = serve()
    port = server.server_address[1]
    with Flow("mail") as inner:
        EmailTask(subject="Load done", msg="<b>12 rows</b>", msg_plain="12 rows",
                  email_to="a@example.com, b@example.com", email_to_cc="c@example.com",
                  email_to_bcc="d@example.com", email_from="etl@example.com",
                  smtp_server="127.0.0.1", smtp_port=port, smtp_type="INSECURE")()
    state = inner.run()
    server.shutdown()
    out = []
    for envelope, data in mails:
        message = email.message_from_bytes(data)
        out.append({"envelope": envelope,
                    "headers": [[k, v] for k, v in message.items() if k != "Content-Type"],
                    "content_type": message.get_content_type(),
                    "parts": [[p.get_content_type(), p.get_payload()]
                              for p in message.get_payload()]})
    defaults = EmailTask()
    return {"ok": state.is_successful(), "mails": out,
            # email_from's default differs on purpose (see the README): not compared.
            "defaults": [defaults.smtp_server, defaults.smtp_port, defaults.smtp_type]}


with Flow("email task") as flow:
    send()
