"""A loopback Kubernetes API server: the part of the API the runtime's
orchestrator uses (lib/k8s/), for tests/integration/test_96_kubernetes.py.

It speaks HTTPS on 127.0.0.1 with its own CA (made here with openssl), and
lets a request in with the bearer token or with a client certificate the
CA signed. It keeps Secrets, Services, Pods and Deployments in memory with
the API's semantics: a create of an existing name answers 409
AlreadyExists; a replace carrying a stale metadata.resourceVersion answers
409 Conflict; a missing object answers 404 NotFound; every write bumps the
resourceVersion; a Secret's stringData is stored as base64 data; deleting a
Deployment takes its Pods with it. A Deployment's Pod (and its status) is
what the scenario at its creation says: running (available once read
again), pending, or a failure recorded from real answers. Every Status and
object shape is taken from the recorded answers in tests/data/kubernetes
(see its README); every request is kept for the test to read.
"""
import base64
import copy
import http.server
import itertools
import json
import os
import re
import ssl
import subprocess
import threading
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data", "kubernetes")
PLURAL_KIND = {"secrets": "Secret", "services": "Service", "pods": "Pod",
               "deployments": "Deployment"}
# A scenario's pods, from the recorded PodLists.
SCENARIOS = {"running": "podlist-running", "pending": "podlist-pending",
             "crashloop": "podlist-crashloop", "imagepullbackoff": "podlist-imagepullbackoff",
             "errimagepull": "podlist-errimagepull",
             "createcontainerconfigerror": "podlist-createcontainerconfigerror",
             "failed": "podlist-failed", "deadline": "podlist-pending"}


def recorded(name):
    return json.load(open(os.path.join(DATA, f"{name}.json")))


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_pki(d):
    """A CA, the server's certificate for 127.0.0.1 and a client's, in d."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.crt", "-days", "2", "-subj", "/CN=loopback-kubernetes-ca", cwd=d)
    for who, ext in (("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"),
                     ("client", "extendedKeyUsage=clientAuth")):
        with open(os.path.join(d, f"{who}.ext"), "w") as f:
            f.write(ext + "\n")
        subj = "/CN=127.0.0.1" if who == "server" else "/O=system:masters/CN=orchestrix-runtime"
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{who}.key", "-out",
                f"{who}.csr", "-subj", subj, cwd=d)
        openssl("x509", "-req", "-in", f"{who}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{who}.crt", "-days", "2", "-extfile", f"{who}.ext",
                cwd=d)


class KubeAPI:
    def __init__(self, workdir):
        self.dir = workdir
        make_pki(workdir)
        self.token = "loopback-" + os.urandom(12).hex()
        self.lock = threading.Lock()
        self.objects = {}      # (plural, namespace, name) -> object
        self.requests = []     # {"method", "path", "query", "auth", "body"}
        self.scenario = "running"
        self.refuse = {}       # (method, plural) -> recorded Status name, answered once
        self.conflict_once = set()   # plurals whose next replace answers Conflict
        self.reads = {}        # deployment name -> GETs since its creation
        self.rv = itertools.count(48300)
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _answer(self, code, obj):
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _serve(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                url = urllib.parse.urlsplit(self.path)
                auth = None
                if self.headers.get("Authorization") == f"Bearer {api.token}":
                    auth = "token"
                elif self.connection.getpeercert():
                    auth = "cert"
                body = json.loads(raw) if raw else None
                with api.lock:
                    api.requests.append({"method": self.command, "path": url.path,
                                         "query": urllib.parse.parse_qs(url.query),
                                         "auth": auth, "body": body,
                                         "content_type": self.headers.get("Content-Type")})
                    if auth is None:
                        code, obj = 401, recorded("status-401-unauthorized")
                    else:
                        code, obj = api.handle(self.command, url.path,
                                               urllib.parse.parse_qs(url.query), body)
                self._answer(code, obj)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(workdir, "server.crt"), os.path.join(workdir, "server.key"))
        ctx.load_verify_locations(os.path.join(workdir, "ca.crt"))
        ctx.verify_mode = ssl.CERT_OPTIONAL
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- kubeconfigs -----------------------------------------------------------
    def kubeconfig(self, path, auth="token", ca=None):
        """Writes a kubeconfig for this server: auth "token" (inline CA and
        token) or "cert" (CA, client certificate and key as files)."""
        ca = ca or os.path.join(self.dir, "ca.crt")
        if auth == "token":
            cluster = f"    certificate-authority-data: {base64.b64encode(open(ca, 'rb').read()).decode()}\n"
            user = f"    token: {self.token}\n"
        else:
            cluster = f"    certificate-authority: {ca}\n"
            user = (f"    client-certificate: {self.dir}/client.crt\n"
                    f"    client-key: {self.dir}/client.key\n")
        with open(path, "w") as f:
            f.write("apiVersion: v1\nkind: Config\ncurrent-context: loopback\n"
                    f"clusters:\n- name: loopback\n  cluster:\n    server: https://127.0.0.1:{self.port}\n"
                    f"{cluster}"
                    "contexts:\n- name: loopback\n  context:\n    cluster: loopback\n"
                    "    user: runtime\n    namespace: orchestrix\n"
                    f"users:\n- name: runtime\n  user:\n{user}")
        return path

    # --- the API ---------------------------------------------------------------
    def status(self, name, code_kind, objname, **fmt):
        s = recorded(name)
        if "message" in s:
            s["message"] = re.sub(r'^\S+ "mcp-agent-example"', f'{code_kind} "{objname}"', s["message"])
            s["message"] = s["message"].replace('"mcp-agent-example"', f'"{objname}"')
        if isinstance(s.get("details"), dict) and "name" in s["details"]:
            s["details"]["name"] = objname
        return s

    def handle(self, method, path, query, body):
        m = (re.match(r"^/api/v1/namespaces/([a-z0-9-]+)/(secrets|services|pods)(?:/([a-z0-9.-]+))?$", path) or
             re.match(r"^/apis/apps/v1/namespaces/([a-z0-9-]+)/(deployments)(?:/([a-z0-9.-]+))?$", path))
        if m is None:
            return 404, recorded("status-404-notfound")
        ns, plural, name = m.groups()
        what = f"{plural}.apps" if plural == "deployments" else plural
        refusal = self.refuse.pop((method, plural), None)
        if refusal:
            return int(refusal.split("-")[1]), recorded(refusal)
        key = (plural, ns, name)
        if method == "POST" and name is None:
            name = body["metadata"]["name"]
            key = (plural, ns, name)
            if key in self.objects:
                return 409, self.status("status-409-alreadyexists", what, name)
            return 201, self.store(key, body, created=True)
        if method == "GET" and name is None:
            return 200, self.list_pods(ns, query)
        if key not in self.objects:
            return 404, self.status("status-404-notfound", what, name)
        obj = self.objects[key]
        if method == "GET":
            if plural == "deployments":
                self.reads[name] = self.reads.get(name, 0) + 1
                self.advance(obj)
            out = copy.deepcopy(obj)
            out.pop("scenario", None)
            return 200, out
        if method == "PUT":
            rv = body.get("metadata", {}).get("resourceVersion")
            if plural in self.conflict_once:
                # Someone else wrote it between the client's read and now.
                self.conflict_once.discard(plural)
                obj["metadata"]["resourceVersion"] = str(next(self.rv))
                return 409, self.status("status-409-conflict", what, name)
            if rv is not None and rv != obj["metadata"]["resourceVersion"]:
                return 409, self.status("status-409-conflict", what, name)
            return 200, self.store(key, body, created=False)
        if method == "DELETE":
            del self.objects[key]
            if plural == "deployments":
                self.drop_pods(ns, obj["spec"]["selector"]["matchLabels"])
            if plural in ("services", "pods"):
                return 200, obj
            ok = recorded("status-200-success")
            ok["details"].update({"name": name, "kind": plural, "uid": obj["metadata"]["uid"]})
            if plural != "deployments":
                ok["details"].pop("group", None)
            return 200, ok
        return 405, recorded("status-404-notfound")

    def store(self, key, body, created):
        plural, ns, name = key
        obj = copy.deepcopy(body)
        md = obj.setdefault("metadata", {})
        old = self.objects.get(key)
        md["namespace"] = ns
        md["uid"] = old["metadata"]["uid"] if old else \
            f"{os.urandom(4).hex()}-{os.urandom(2).hex()}-4{os.urandom(2).hex()[1:]}-8{os.urandom(2).hex()[1:]}-{os.urandom(6).hex()}"
        md["creationTimestamp"] = old["metadata"]["creationTimestamp"] if old else "2025-05-06T09:14:27Z"
        md["resourceVersion"] = str(next(self.rv))
        if plural == "secrets":
            data = {k: base64.b64encode(v.encode()).decode()
                    for k, v in obj.pop("stringData", {}).items()}
            obj["data"] = dict(obj.get("data", {}), **data)
        if plural == "deployments":
            md["generation"] = (old["metadata"]["generation"] + 1) if old else 1
            obj["status"] = {}
            obj["scenario"] = self.scenario     # not an API field: dropped on reads
            self.reads[name] = 0
            self.drop_pods(ns, obj["spec"]["selector"]["matchLabels"])
            self.make_pods(ns, name, obj)
        self.objects[key] = obj
        out = copy.deepcopy(obj)
        out.pop("scenario", None)
        return out

    def make_pods(self, ns, name, dep):
        pods = recorded(SCENARIOS[dep["scenario"]])
        labels = dict(dep["spec"]["template"]["metadata"]["labels"], **{"pod-template-hash": "6d5f9b7c8d"})
        for i, pod in enumerate(pods["items"]):
            pod = dict(pod, kind="Pod", apiVersion="v1")
            pod["metadata"] = dict(pod["metadata"], name=f"{name}-6d5f9b7c8d-x7k2{i}", namespace=ns,
                                   labels=labels)
            self.objects[("pods", ns, pod["metadata"]["name"])] = pod

    def drop_pods(self, ns, selector):
        for key in [k for k, o in self.objects.items() if k[0] == "pods" and k[1] == ns and
                    all(o["metadata"].get("labels", {}).get(a) == b for a, b in selector.items()) and
                    o["metadata"].get("ownerReferences")]:
            del self.objects[key]

    def advance(self, dep):
        """The controller's view of a Deployment, as the recorded answers show it."""
        sc = dep.get("scenario")
        if sc == "running" and self.reads[dep["metadata"]["name"]] >= 2:
            src = recorded("deployment-available")
        elif sc == "deadline":
            src = recorded("deployment-deadline")
        else:
            src = recorded("deployment-progressing")
        dep["status"] = src["status"]
        dep["status"]["observedGeneration"] = dep["metadata"]["generation"]

    def list_pods(self, ns, query):
        sel = {}
        for part in (query.get("labelSelector") or [""])[0].split(","):
            if "=" in part:
                k, v = part.split("=", 1)
                sel[k] = v
        out = recorded("podlist-empty")
        out["items"] = [copy.deepcopy(o) for k, o in sorted(self.objects.items())
                        if k[0] == "pods" and k[1] == ns and
                        all(o["metadata"].get("labels", {}).get(a) == b for a, b in sel.items())]
        for o in out["items"]:
            o.pop("kind", None)
            o.pop("apiVersion", None)
        return out

    # --- for the test ------------------------------------------------------------
    def get(self, plural, name, ns="orchestrix"):
        with self.lock:
            o = self.objects.get((plural, ns, name))
            return copy.deepcopy(o) if o else None

    def put_object(self, plural, obj, ns="orchestrix"):
        """Places an object as if another client had made it (a legacy pod)."""
        with self.lock:
            obj = copy.deepcopy(obj)
            obj["metadata"]["resourceVersion"] = str(next(self.rv))
            self.objects[(plural, ns, obj["metadata"]["name"])] = obj

    def drop(self, plural, name, ns="orchestrix"):
        with self.lock:
            self.objects.pop((plural, ns, name), None)

    def seen(self, method=None, plural=None):
        with self.lock:
            return [r for r in self.requests if (method is None or r["method"] == method) and
                    (plural is None or f"/{plural}" in r["path"])]

    def clear(self):
        with self.lock:
            self.requests = []
