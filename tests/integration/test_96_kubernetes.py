"""Dedicated agents on Kubernetes (issue 24, part 2), against a loopback API
server (tests/pylib/kubeapi.py) that answers as the recorded real answers in
tests/data/kubernetes do: deploy with "isolation": "dedicated" through
Orchestrix, and the runtime makes the agent's Secret, Service and
Deployment over HTTPS with the kubeconfig's CA and token (or client
certificate); its status follows the Deployment and Pods; a legacy Pod is
deleted first; Secret and Deployment replaced on 409 with their
resourceVersion (again after a Conflict); removal deletes all three, a 404
counting as done. No cluster runs here: the README says how to try it on
one. The runtime a dedicated agent's pod runs is started for real too."""
import atexit
import base64
import json
import os
import shutil
import subprocess
import tempfile

from pylib.kubeapi import KubeAPI, recorded
from pylib.stack import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LITE = json.load(open(os.path.join(ROOT, "tests", "bench", "signup-lite.json")))
IMAGE = "registry.example.com/orchestrix:1.0"
POD_DB = "postgresql://orx:pw@db.example.internal/orchestrix"
_k = {}


def api(s):
    """The loopback API server, and the runtime pointed at it."""
    if "api" not in _k:
        d = tempfile.mkdtemp(prefix="orx-kube-")
        atexit.register(shutil.rmtree, d, True)
        _k["dir"] = d
        _k["api"] = KubeAPI(d)
        configure(s, _k["api"].kubeconfig(os.path.join(d, "kubeconfig")))
    return _k["api"]


def configure(s, kubeconfig, **more):
    s.reconfigure("runtime", dict({
        "ARCHESTRA_ORCHESTRATOR_KUBECONFIG": kubeconfig,
        "ARCHESTRA_ORCHESTRATOR_IMAGE": IMAGE,
        "ARCHESTRA_ORCHESTRATOR_WAIT_MS": "2000",
        "ARCHESTRA_ORCHESTRATOR_DATABASE_URL": POD_DB}, **more))


def workflow(s, name, key="dedicated-signing-key-0123456789abcdef"):
    sid = s.post("/mcp/servers", dict(LITE, name=name)).json["serverId"]
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": key}).status == 204
    return sid


def deploy(s, sid, isolation="dedicated"):
    return s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice", "isolation": isolation})


def name_of(agent):
    return "mcp-" + agent.replace("_", "-")


def platform(s):
    return open(os.path.join(s.run, "platform.key")).read().strip()


def test_dedicated_deploy_makes_secret_service_deployment(s):
    k = api(s)
    k.scenario = "running"
    k.clear()
    sid = workflow(s, "Sign up (dedicated)")
    r = deploy(s, sid)
    assert r.status == 200, r
    agent = r.json["agentId"]
    name = name_of(agent)
    assert r.json["isolation"] == "dedicated"
    assert r.json["orchestrator"] == {"status": "running", "reason": None}, r.json
    assert r.json["endpoint"] == f"http://{name}.orchestrix.svc.cluster.local/agents/{agent}"
    # What reached the API: the legacy-pod check, then the three objects,
    # each with the token over TLS.
    calls = [(c["method"], c["path"]) for c in k.seen()]
    ns = "/api/v1/namespaces/orchestrix"
    assert calls[:4] == [("GET", f"{ns}/pods/{name}"), ("POST", f"{ns}/secrets"),
                         ("POST", f"{ns}/services"),
                         ("POST", "/apis/apps/v1/namespaces/orchestrix/deployments")], calls
    assert all(c["auth"] == "token" for c in k.seen())
    assert all(c["content_type"] == "application/json" for c in k.seen() if c["body"])
    labels = {"app": "mcp-server", "mcp-server-id": agent}
    secret = k.get("secrets", name)
    assert secret["metadata"]["labels"] == labels and secret["type"] == "Opaque"
    data = {kk: base64.b64decode(v).decode() for kk, v in secret["data"].items()}
    assert data["DATABASE_URL"] == POD_DB
    assert json.loads(data["ORX_AGENT_SECRETS"]) == {"jwtKey": "dedicated-signing-key-0123456789abcdef"}
    svc = k.get("services", name)
    assert svc["spec"]["selector"] == labels and svc["metadata"]["labels"] == labels
    assert svc["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    dep = k.get("deployments", name)
    spec = dep["spec"]
    assert spec["replicas"] == 1 and spec["selector"]["matchLabels"] == labels
    assert spec["template"]["metadata"]["labels"] == labels
    pod = spec["template"]["spec"]
    rt, ngx = pod["containers"]
    assert rt["image"] == IMAGE and ngx["image"] == IMAGE and rt["args"] == ["runtime"]
    env = {e["name"]: e for e in rt["env"]}
    assert env["ORX_RUNTIME_AGENT"]["value"] == agent
    for secret_env in ("DATABASE_URL", "ORX_AGENT_SECRETS"):
        assert env[secret_env]["valueFrom"] == {"secretKeyRef": {"name": name, "key": secret_env}}
    assert ngx["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert ngx["ports"] == [{"name": "http", "containerPort": 8080}]
    # The status is in the deployment record, the runtime's agent and the dashboard data.
    items = s.get(f"/mcp/servers/{sid}/deployments").json["items"]
    assert items[0]["isolation"] == "dedicated"
    assert items[0]["orchestrator"] == {"status": "running", "reason": None}
    a = s.get(f"/mcp/agents/{agent}", key=platform(s)).json
    assert a["isolation"] == "dedicated" and a["orchestrator"]["status"] == "running"
    assert a["orchestrator"]["mcpEndpoint"] == f"http://{name}.orchestrix.svc.cluster.local/mcp"
    assert a["publicEndpoint"].startswith(f"http://{name}.orchestrix.svc.cluster.local/")
    d = s.get(f"/dashboard/{agent}/data", key=platform(s)).json   # or its share token
    assert d["agent"]["isolation"] == "dedicated" and d["agent"]["orchestrator"]["status"] == "running"
    # The shared runtime does not run it: it runs in its own deployment.
    r = s.request("POST", f"/agents/{agent}", key=None, raw=b'{"email":"x@example.com","name":"X"}')
    assert r.status == 421 and r.json["error"]["code"] == "dedicated", r
    _k["running"] = (sid, agent)


def test_pod_status_failures_are_shown_with_their_reason(s):
    """Each way a pod fails, as the API reports it, is the agent's status
    'failed' with the reason; one that never gets ready is 'pending'."""
    k = api(s)
    want = {"crashloop": "CrashLoopBackOff: back-off 40s restarting failed container=runtime",
            "imagepullbackoff": 'ImagePullBackOff: Back-off pulling image "registry.example.com/orchestrix:nope"',
            "errimagepull": "ErrImagePull: rpc error: code = NotFound",
            "createcontainerconfigerror": "CreateContainerConfigError: couldn't find key DATABASE_URL",
            "failed": "Evicted: The node was low on resource: memory.",
            "deadline": "ProgressDeadlineExceeded: ReplicaSet",
            "pending": "ContainerCreating"}
    try:
        for scenario, reason in want.items():
            k.scenario = scenario
            sid = workflow(s, f"Sign up ({scenario})")
            r = deploy(s, sid)
            assert r.status == 200, (scenario, r)
            o = r.json["orchestrator"]
            st = "pending" if scenario == "pending" else "failed"
            assert o["status"] == st and o["reason"].startswith(reason), (scenario, o)
            item = s.get(f"/mcp/servers/{sid}/deployments").json["items"][0]
            assert item["orchestrator"]["status"] == st, (scenario, item)
            assert item["orchestrator"]["reason"].startswith(reason), (scenario, item)
    finally:
        k.scenario = "running"


def test_redeploy_replaces_on_409_and_drops_a_legacy_pod(s):
    """A redeploy finds the Secret and Deployment there (409 AlreadyExists):
    each is read for its resourceVersion and replaced with it, again when
    someone else changed it meanwhile (409 Conflict); the pod of the same
    name that nothing manages (an old install) is deleted first, one a
    ReplicaSet owns is left alone. Twice in a row; the new secret reaches
    the Secret and rolls the pod (its template's hash)."""
    k = api(s)
    sid, agent = _k["running"]
    name = name_of(agent)
    hashes = {k.get("deployments", name)["spec"]["template"]["metadata"]["annotations"]
              ["orchestrix/secret-sha256"]}
    for turn, key in enumerate(("second-signing-key-0123456789abcdef",
                                "third-signing-key-0123456789abcdef0")):
        legacy = recorded("pod-legacy")
        legacy["metadata"].update(name=name, labels={"app": "mcp-server", "mcp-server-id": agent})
        k.put_object("pods", legacy)
        k.conflict_once = {"secrets"} if turn == 0 else {"deployments"}
        k.clear()
        assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": key}).status == 204
        r = s.post(f"/mcp/servers/{sid}/redeploy")
        assert r.status == 200, r
        assert r.json["isolation"] == "dedicated" and r.json["orchestrator"]["status"] == "running"
        calls = [(c["method"], c["path"].rsplit("/", 1)[-1] if c["method"] != "POST" else
                  c["path"].rsplit("/", 1)[-1]) for c in k.seen()]
        assert ("DELETE", name) in calls and k.get("pods", name) is None, calls
        puts = [c for c in k.seen("PUT")]
        assert {p["path"].split("/")[-2] for p in puts} == {"secrets", "deployments"}, calls
        assert all(p["body"]["metadata"].get("resourceVersion") for p in puts)
        # One of them was refused once as changed meanwhile, and read again.
        assert len(puts) == 3, [(p["path"], p["body"]["metadata"]["resourceVersion"]) for p in puts]
        data = k.get("secrets", name)["data"]
        assert json.loads(base64.b64decode(data["ORX_AGENT_SECRETS"])) == {"jwtKey": key}
        hashes.add(k.get("deployments", name)["spec"]["template"]["metadata"]["annotations"]
                   ["orchestrix/secret-sha256"])
    assert len(hashes) == 3, hashes
    # A managed pod of that name stays.
    managed = recorded("pod-managed")
    managed["metadata"].update(name=name)
    k.put_object("pods", managed)
    k.clear()
    assert s.post(f"/mcp/servers/{sid}/redeploy").status == 200
    assert k.get("pods", name) is not None and not k.seen("DELETE")
    k.drop("pods", name)


def test_undeploy_removes_deployment_service_secret(s):
    """Undeploy deletes the three objects; one already gone (404) counts as
    deleted. Twice: a second agent whose Service someone removed first."""
    k = api(s)
    sid, agent = _k["running"]
    for n in range(2):
        if n == 1:
            sid = workflow(s, "Sign up (undeployed twice)")
            r = deploy(s, sid)
            assert r.status == 200
            agent = r.json["agentId"]
            k.drop("services", name_of(agent))
        k.clear()
        r = s.delete(f"/mcp/servers/{sid}/deploy")
        assert r.status == 200, r
        name = name_of(agent)
        gone = sorted(c["path"].split("/")[-2] for c in k.seen("DELETE"))
        assert gone == ["deployments", "secrets", "services"], gone
        assert all(k.get(p, name) is None for p in ("deployments", "services", "secrets"))
        assert not [key for key in k.objects if key[0] == "pods" and key[2].startswith(name)]
        assert s.get(f"/mcp/servers/{sid}").json.get("archestraAgentId") is None


def test_refusals_leave_nothing_behind(s):
    """The API refusing the Deployment (403, as RBAC answers): the deploy
    fails with the reason, what was made is removed, and the workflow is
    not deployed. A bad isolation value is refused before anything; the
    shared runtime stays the default."""
    k = api(s)
    sid = workflow(s, "Sign up (refused)")
    k.refuse[("POST", "deployments")] = "status-403-forbidden"
    k.clear()
    r = deploy(s, sid)
    assert r.status == 500 and r.json["success"] is False, r
    assert "Forbidden" in r.json["error"] and "deployments" in r.json["error"], r.json
    made = k.seen("POST")
    assert [c["path"].split("/")[-1] for c in made] == ["secrets", "services", "deployments"]
    name = made[0]["body"]["metadata"]["name"]
    assert k.get("secrets", name) is None and k.get("services", name) is None
    assert "archestraAgentId" not in s.get(f"/mcp/servers/{sid}").json
    assert s.sql("select count(*) from archestra.agents where id = :'p0'",
                 name[len("mcp-"):].replace("-", "_")) == "0"
    r = deploy(s, sid, isolation="isolated")
    assert r.status == 400 and r.json["error"]["details"][0]["path"] == "/isolation", r
    r = s.post(f"/mcp/servers/{workflow(s, 'Sign up (shared)')}/deploy", {"ownerId": "alice"})
    assert r.status == 200 and r.json["isolation"] == "shared" and "orchestrator" not in r.json


def test_client_certificate_and_the_clusters_ca(s):
    """A kubeconfig with a client certificate and no token is let in by its
    certificate; one whose CA is not the cluster's cannot connect, and the
    deploy says so; a runtime without any kubeconfig refuses dedicated
    agents (422 at the runtime, the reason in the deploy's answer)."""
    k = api(s)
    d = _k["dir"]
    try:
        configure(s, k.kubeconfig(os.path.join(d, "kubeconfig-cert"), auth="cert"))
        k.clear()
        sid = workflow(s, "Sign up (client certificate)")
        r = deploy(s, sid)
        assert r.status == 200 and r.json["orchestrator"]["status"] == "running", r
        assert k.seen() and all(c["auth"] == "cert" for c in k.seen())
        # Another CA: the server's certificate is not trusted.
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        "other.key", "-out", "other.crt", "-days", "1", "-subj", "/CN=other"],
                       cwd=d, check=True, capture_output=True)
        configure(s, k.kubeconfig(os.path.join(d, "kubeconfig-other"),
                                  ca=os.path.join(d, "other.crt")))
        k.clear()
        r = deploy(s, workflow(s, "Sign up (untrusted)"))
        assert r.status == 500 and "Kubernetes" in r.json["error"], r
        assert not k.seen(), "nothing reached the API over an untrusted connection"
        s.reconfigure("runtime", {})
        r = deploy(s, workflow(s, "Sign up (no orchestrator)"))
        assert r.status == 500 and "no Kubernetes orchestrator" in r.json["error"], r
    finally:
        configure(s, os.path.join(d, "kubeconfig"))


def test_a_dedicated_pods_runtime_serves_its_agent_only(s):
    """The runtime as a dedicated agent's pod runs it (ORX_RUNTIME_AGENT, its
    secrets from ORX_AGENT_SECRETS), started for real on TCP: it serves its
    agent at /agents/<id> and as MCP at /mcp, and no other agent."""
    api(s)
    sid = workflow(s, "Sign up (in its pod)", key="pod-signing-key-0123456789abcdef01")
    agent = deploy(s, sid).json["agentId"]
    other = s.post(f"/mcp/servers/{workflow(s, 'Sign up (someone else)')}/deploy",
                   {"ownerId": "alice"}).json["agentId"]
    from pylib.stack import free_port
    port = free_port()
    env = dict(s.env, ORX_PROGRAM="runtime", ORX_INSTANCE="pod", ORX_SOCKET=f"127.0.0.1:{port}",
               ORX_RUNTIME_AGENT=agent,
               ORX_AGENT_SECRETS=json.dumps({"jwtKey": "pod-signing-key-0123456789abcdef01"}),
               DATABASE_URL=s.database_url)
    p = subprocess.run([os.path.join(ROOT, "scripts", "stack.sh"), "program", s.run, str(s.port),
                        s.build], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    conf = os.path.join(s.run, "nginx", "extra-pod.conf")
    try:
        with open(conf, "w") as f:
            f.write("location ~ ^/__pod(?<pod_uri>/.*)$ {\n"
                    "    fastcgi_param REQUEST_URI $pod_uri;\n"
                    f"    include {s.run}/nginx/fastcgi_params.conf;\n"
                    f"    fastcgi_pass 127.0.0.1:{port};\n}}\n")
        reload_nginx(s)
        assert wait_for(lambda: s.get("/__pod/healthz", key=None).status == 200, timeout=10)
        r = s.request("POST", f"/__pod/agents/{agent}", key=None,
                      raw=b'{"email":"pod@example.com","name":"P"}')
        assert r.status == 200 and r.json["success"] and r.json["token"], r
        r = s.request("POST", f"/__pod/agents/{other}", key=None,
                      raw=b'{"email":"pod@example.com","name":"P"}')
        assert r.status == 404, r
        hdr = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        r = s.request("POST", "/__pod/mcp", key=None, headers=hdr, raw=json.dumps({
            "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "pod", "version": "1"}}}).encode())
        assert r.status == 200 and r.header("MCP-Session-Id"), r
        hdr.update({"MCP-Session-Id": r.header("MCP-Session-Id"), "MCP-Protocol-Version": "2025-11-25"})
        r = s.request("POST", "/__pod/mcp", key=None, headers=hdr, raw=json.dumps({
            "jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode())
        tool = r.json["result"]["tools"][0]["name"]
        r = s.request("POST", "/__pod/mcp", key=None, headers=hdr, raw=json.dumps({
            "jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
                "name": tool, "arguments": {"email": "mcp-pod@example.com", "name": "M"}}}).encode())
        assert r.status == 200 and r.json["result"]["structuredContent"]["success"], r
    finally:
        os.remove(conf)
        reload_nginx(s)
        subprocess.run([os.path.join(ROOT, "scripts", "stack.sh"), "program-stop", s.run],
                       env=env, capture_output=True, timeout=60)


def reload_nginx(s):
    subprocess.run(["nginx", "-p", f"{s.run}/nginx", "-c", f"{s.run}/nginx/nginx.conf", "-e",
                    f"{s.run}/log/nginx-error.log", "-s", "reload"], check=True, capture_output=True)
    assert wait_for(lambda: s.get("/healthz", key=None).status == 200, timeout=10)


def test_zz_kubernetes_done(s):
    """The loopback API server stops and the runtime forgets it."""
    k = _k.pop("api", None)
    if k is not None:
        k.close()
    s.reconfigure("runtime", {})
    shutil.rmtree(_k.pop("dir", ""), ignore_errors=True)
