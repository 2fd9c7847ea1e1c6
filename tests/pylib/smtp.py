"""A real SMTP server on loopback for the tests: Debian's python3-aiosmtpd,
on a free port, with STARTTLS (a self-signed certificate for 127.0.0.1,
made with openssl) and AUTH when asked. Every message it accepts is kept,
parsed, in .messages. Import fails when aiosmtpd is missing, and so does
the test that needs it: it is in scripts/deps.sh."""
import email
import email.policy
import logging
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from .stack import free_port, wait_for

# The refusals the tests provoke (an unknown CA, a wrong login) are expected:
# aiosmtpd's own log of them would only clutter the run's output.
logging.getLogger("mail.log").setLevel(logging.CRITICAL + 1)
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")


class _Handler:
    def __init__(self, box):
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = msg.get_content().replace("\r\n", "\n")
        with self.box.lock:
            self.box.messages.append({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                      "raw": envelope.content, "msg": msg, "body": body,
                                      "tls": session.ssl is not None,
                                      "login": self.box.logins.get(id(session))})
        return "250 OK"


class SmtpServer:
    """with SmtpServer(starttls=True, login=("user", "pass")) as srv: ... srv.cafile"""

    def __init__(self, starttls=False, login=None):
        self.port = free_port()
        self.messages, self.logins = [], {}
        self.lock = threading.Lock()
        self.dir = tempfile.mkdtemp(prefix="orx-smtp-")
        self.cafile = None
        kw = {}
        if starttls:
            self.cafile = os.path.join(self.dir, "cert.pem")
            key = os.path.join(self.dir, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", key, "-out", self.cafile, "-days", "2",
                            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                           check=True, capture_output=True)
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(self.cafile, key)
            kw.update(tls_context=ctx, require_starttls=True)
        if login is not None:
            def auth(server, session, envelope, mechanism, data):
                ok = (data.login, data.password) == (login[0].encode(), login[1].encode())
                if ok:
                    self.logins[id(session)] = data.login.decode()
                # handled=False: aiosmtpd then answers 535 itself.
                return AuthResult(success=ok, handled=False)
            kw.update(authenticator=auth, auth_require_tls=starttls,
                      auth_required=True)
        self.ctl = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kw)

    def __enter__(self):
        self.ctl.start()
        return self

    def __exit__(self, *exc):
        self.ctl.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def wait(self, n=1, timeout=10):
        """The first n messages, once they are in."""
        assert wait_for(lambda: len(self.messages) >= n, timeout=timeout), self.messages
        return self.messages[:n]
