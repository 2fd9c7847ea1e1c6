"""Deploy refusals (issue 18, part 6): a workflow whose secrets are not all
set is not deployed (400, the seed's shape); its secrets never travel as
plain http to an endpoint that is not loopback (500, the seed's shape)
unless ARCHESTRA_ALLOW_HTTP=1; TLS verification stays on."""
import http.server
import json
import os
import socketserver
import ssl
import subprocess
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODB = json.load(open(os.path.join(ROOT, "tests", "bench", "nodb.json")))
VALUE = "deploy-signing-key-0123456789abcdef"


def test_deploy_refuses_while_secrets_are_missing(s):
    sid = s.post("/mcp/servers", dict(NODB, name="Missing secret")).json["serverId"]
    agents = s.sql("select count(*) from archestra.agents")
    for _ in range(2):
        r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice"})
        assert r.status == 400, r
        assert r.json == {"error": "Failed to deploy to Archestra: missing secrets: jwtKey"}, r
    assert s.sql("select count(*) from archestra.agents") == agents
    assert s.sql("select count(*) || ' ' || min(http_status) || ' ' || min(error) from "
                 "deploy_attempts where server_id = :'p0' and outcome = 'refused'", sid) == \
        "2 400 missing secrets: jwtKey"
    assert s.get(f"/mcp/servers/{sid}").json.get("archestraAgentId") is None
    # Set, it deploys; a new version needing another secret is refused at redeploy.
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": VALUE}).status == 204
    assert s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice"}).status == 200
    doc = s.get(f"/mcp/servers/{sid}").json
    doc["tools"][1]["config"]["claims"]["api"] = "{{secrets.apiToken}}"
    doc["tools"][1]["config"]["claims"]["zz"] = "{{secrets.another}}"
    assert s.put(f"/mcp/servers/{sid}", doc).status == 200
    r = s.post(f"/mcp/servers/{sid}/redeploy")
    assert r.status == 400 and r.json == {
        "error": "Failed to redeploy to Archestra: missing secrets: another, apiToken"}, r


def make_cert(s):
    d = os.path.join(s.run, "tls")
    os.makedirs(d, exist_ok=True)
    key, crt = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", crt, "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return key, crt


def test_deploy_never_sends_secrets_over_plain_http(s):
    """An endpoint reached over plain http that is not loopback gets no
    secrets (0.0.0.0 counts as not loopback here; Linux takes it to this
    host over lo, so nothing leaves the machine), unless
    ARCHESTRA_ALLOW_HTTP=1; a workflow without secrets deploys there. TLS
    verification stays on: a self-signed server gets no request."""
    with_secret = s.post("/mcp/servers", dict(NODB, name="Over http")).json["serverId"]
    assert s.put(f"/mcp/servers/{with_secret}/secrets/jwtKey", {"value": VALUE}).status == 204
    contact = json.load(open(os.path.join(ROOT, "examples", "contact.json")))
    without = s.post("/mcp/servers", contact).json["serverId"]
    far = f"http://0.0.0.0:{s.port}/mcp/agents"
    agents = s.sql("select count(*) from archestra.agents")
    s.reconfigure("orchestrix", {"ARCHESTRA_DEPLOYMENT_ENDPOINT": far})
    try:
        for _ in range(2):
            r = s.post(f"/mcp/servers/{with_secret}/deploy", {"ownerId": "alice"})
            assert r.status == 500 and r.json == {
                "success": False,
                "error": "Failed to deploy to Archestra: refusing to send secrets over http"}, r
        assert s.sql("select count(*) from archestra.agents") == agents
        r = s.post(f"/mcp/servers/{without}/deploy", {"ownerId": "alice"})
        assert r.status == 200, r
        s.reconfigure("orchestrix", {"ARCHESTRA_DEPLOYMENT_ENDPOINT": far,
                                     "ARCHESTRA_ALLOW_HTTP": "1"})
        r = s.post(f"/mcp/servers/{with_secret}/deploy", {"ownerId": "alice"})
        assert r.status == 200, r

        key, crt = make_cert(s)
        seen = []

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                seen.append(self.path)
                self.send_response(500)
                self.end_headers()

            def log_message(self, *a):
                pass

        srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), H)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        try:
            other = s.post("/mcp/servers", dict(NODB, name="Over TLS")).json["serverId"]
            assert s.put(f"/mcp/servers/{other}/secrets/jwtKey", {"value": VALUE}).status == 204
            s.reconfigure("orchestrix", {"ARCHESTRA_DEPLOYMENT_ENDPOINT":
                                         f"https://127.0.0.1:{srv.server_address[1]}/mcp/agents"})
            r = s.post(f"/mcp/servers/{other}/deploy", {"ownerId": "alice"})
            assert r.status == 500 and r.json["error"] == \
                "Failed to deploy to Archestra: Network request failed", r
            assert seen == [], seen
        finally:
            srv.shutdown()
    finally:
        s.reconfigure("orchestrix", {})
