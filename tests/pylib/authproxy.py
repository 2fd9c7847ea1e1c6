"""A loopback forwarder that adds an Authorization header, for tools that
cannot send one (the MCP conformance suite has no header option) against
endpoints that need an API key (Orchestrix's /mcp). Everything else passes
through unchanged, Host and Origin included, and bodies stream both ways
(SSE events reach the client as they arrive).

    AUTHPROXY_KEY=... python3 tests/pylib/authproxy.py UPSTREAM_PORT
    # prints "port N", serves until killed; the key comes from the
    # environment, not the command line, so ps never shows it
"""
import http.client
import http.server
import socketserver
import sys
import threading

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


def handler_for(upstream_port, key):
    class Forward(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the body ends when the connection does

        def log_message(self, *a):
            pass

        def forward(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else None
            h = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            h["Authorization"] = f"Bearer {key}"
            c = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
            try:
                c.putrequest(self.command, self.path, skip_host=True,
                             skip_accept_encoding=True)
                for k, v in h.items():
                    c.putheader(k, v)
                if body is not None:
                    c.putheader("Content-Length", str(len(body)))
                c.endheaders(body)
                r = c.getresponse()
                self.send_response(r.status, r.reason)
                for k, v in r.getheaders():
                    if k.lower() not in HOP:
                        self.send_header(k, v)
                self.send_header("Connection", "close")
                self.end_headers()
                while chunk := r.read1(65536):
                    self.wfile.write(chunk)
                    self.wfile.flush()
            except (OSError, http.client.HTTPException):
                pass
            finally:
                c.close()

        do_GET = do_POST = do_DELETE = do_PUT = forward

    return Forward


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def start(upstream_port, key):
    """Starts a forwarder in this process; returns (server, port)."""
    srv = Server(("127.0.0.1", 0), handler_for(upstream_port, key))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


if __name__ == "__main__":
    import os
    srv = Server(("127.0.0.1", 0), handler_for(int(sys.argv[1]), os.environ["AUTHPROXY_KEY"]))
    print(f"port {srv.server_address[1]}", flush=True)
    srv.serve_forever()
