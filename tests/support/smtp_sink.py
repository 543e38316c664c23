#!/usr/bin/env python3
"""An SMTP sink for tests/alerts.rs: aiosmtpd on 127.0.0.1 that requires STARTTLS and
AUTH (one user, one password) and keeps each message as N.json in a directory.

usage: smtp_sink.py DIR CERT KEY USER PASSWORD   (prints the port, then serves)
"""
import email
import email.policy
import json
import socket
import ssl
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    out, cert, key, user, password = sys.argv[1:6]
    out = Path(out)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, auth_data=auth_data.login.decode() if ok else None)

    class Keep:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Keep.count += 1
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            part = msg.get_body(("plain",))
            kept = {
                "tls": session.ssl is not None,
                "login": session.auth_data if session.authenticated else None,
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "subject": str(msg["subject"]),
                "from": str(msg["from"]),
                "to": str(msg["to"]),
                "body": part.get_content() if part is not None else "",
            }
            path = out / f"{Keep.count}.json"
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(kept, ensure_ascii=False))
            tmp.rename(path)
            return "250 OK"

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    port = free_port()
    controller = Controller(
        Keep(),
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    controller.start()
    print(port, flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
