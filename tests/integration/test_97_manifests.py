"""deploy/kubernetes and deploy/container, read and checked (issue 24, part 2):
each manifest's apiVersion and kind; selectors that match their pods'
labels; Services that reach a named port; every container with its
probes; every Secret, ConfigMap, key and service account a manifest names
exists; the runtime's role grants what the orchestrator calls; settings
are ones the programs know; the image holds no build tools and knows the
roles the manifests ask of it. No cluster is needed (nor used)."""
import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
K8S = os.path.join(ROOT, "deploy", "kubernetes")
KINDS = {("v1", "Namespace"), ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Service"),
         ("v1", "ServiceAccount"), ("apps/v1", "Deployment"), ("batch/v1", "Job"),
         ("rbac.authorization.k8s.io/v1", "Role"), ("rbac.authorization.k8s.io/v1", "RoleBinding"),
         ("networking.k8s.io/v1", "NetworkPolicy")}
DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def manifests():
    kust = yaml.safe_load(open(os.path.join(K8S, "kustomization.yaml")))
    files = sorted(f for f in os.listdir(K8S) if f.endswith(".yaml") and f != "kustomization.yaml")
    assert sorted(kust["resources"]) == files, (kust["resources"], files)
    docs = []
    for f in kust["resources"]:
        for d in yaml.safe_load_all(open(os.path.join(K8S, f))):
            if d is not None:
                docs.append((f, d))
    return kust, docs


def by_kind(docs, kind):
    return {d["metadata"]["name"]: d for _, d in docs if d["kind"] == kind}


def pod_templates(docs):
    for _, d in docs:
        if d["kind"] in ("Deployment", "Job"):
            yield d, d["spec"]["template"]


def test_manifests_are_known_kinds_in_one_namespace(s):
    kust, docs = manifests()
    assert docs
    for f, d in docs:
        assert (d.get("apiVersion"), d.get("kind")) in KINDS, (f, d.get("apiVersion"), d.get("kind"))
        name = d["metadata"]["name"]
        assert DNS_LABEL.match(name), (f, name)
        if d["kind"] != "Namespace":
            assert d["metadata"].get("namespace") == kust["namespace"], (f, name)
    assert kust["namespace"] in by_kind(docs, "Namespace")


def test_selectors_match_their_pods_and_services_reach_a_port(s):
    _, docs = manifests()
    deps = by_kind(docs, "Deployment")
    assert {"orchestrix", "runtime", "nginx"} <= set(deps)
    assert deps["runtime"]["spec"]["replicas"] >= 2, "the runtime with N replicas"
    for name, d in deps.items():
        sel = d["spec"]["selector"]["matchLabels"]
        labels = d["spec"]["template"]["metadata"]["labels"]
        assert sel and all(labels.get(k) == v for k, v in sel.items()), (name, sel, labels)
    for name, svc in by_kind(docs, "Service").items():
        sel = svc["spec"]["selector"]
        pods = [t for d, t in pod_templates(docs)
                if all(t["metadata"]["labels"].get(k) == v for k, v in sel.items())]
        assert pods, f"Service {name} selects no pod"
        ports = {p["name"]: p["containerPort"] for t in pods for c in t["spec"]["containers"]
                 for p in c.get("ports", [])}
        for p in svc["spec"]["ports"]:
            assert p["targetPort"] in ports or p["targetPort"] in ports.values(), (name, p, ports)
    # nginx's upstreams name the programs' Services and ports.
    cm = by_kind(docs, "ConfigMap")["orchestrix-config"]["data"]
    svcs = by_kind(docs, "Service")
    for var, svc in (("ORX_ORCHESTRIX_HOSTS", "orchestrix"), ("ORX_RUNTIME_HOSTS", "runtime")):
        host, port = cm[var].rsplit(":", 1)
        assert host.split(".")[0] == svc and int(port) == svcs[svc]["spec"]["ports"][0]["port"], (var, cm[var])
    # A NetworkPolicy's pods and peers are pods these manifests make (or,
    # app=mcp-server, the dedicated agents' pods the orchestrator makes).
    labels = [t["metadata"]["labels"] for _, t in pod_templates(docs)] + [{"app": "mcp-server"}]

    def selects(sel):
        ok = [lb for lb in labels if all(lb.get(k) == v for k, v in sel.get("matchLabels", {}).items())
              and all(lb.get(e["key"]) in e["values"] for e in sel.get("matchExpressions", []))]
        return len(ok)
    for name, np in by_kind(docs, "NetworkPolicy").items():
        sel = np["spec"]["podSelector"]
        assert sel.get("matchLabels") or sel.get("matchExpressions"), name
        want = sum(1 for e in sel.get("matchExpressions", []) for _ in e["values"]) or 1
        assert selects(sel) >= want, (name, sel)
        for rule in np["spec"]["ingress"]:
            for peer in rule["from"]:
                assert selects(peer["podSelector"]) >= 1, (name, peer)


def test_every_container_has_its_probes_on_healthz(s):
    _, docs = manifests()
    for d in by_kind(docs, "Deployment").values():
        for c in d["spec"]["template"]["spec"]["containers"]:
            r = c.get("readinessProbe")
            assert r and c.get("livenessProbe"), (d["metadata"]["name"], c["name"])
            if "httpGet" in r:
                assert r["httpGet"]["path"] == "/healthz", c["name"]
                names = {p["name"] for p in c["ports"]}
                assert r["httpGet"]["port"] in names, c["name"]
            else:
                # The programs speak FastCGI: the image's probe asks /healthz.
                cmd = r["exec"]["command"]
                port = next(p["containerPort"] for p in c["ports"])
                assert cmd[:2] == ["/opt/orchestrix/entrypoint.sh", "probe"], cmd
                assert cmd[2] == f"127.0.0.1:{port}", (cmd, port)
                env = {e["name"]: e.get("value") for e in c.get("env", [])}
                assert env.get("ORX_SOCKET") == f":{port}", (c["name"], env.get("ORX_SOCKET"))


def test_references_resolve(s):
    """Every Secret, ConfigMap, key, volume and service account named exists."""
    _, docs = manifests()
    secrets = {n: set(d.get("stringData", {})) | set(d.get("data", {}))
               for n, d in by_kind(docs, "Secret").items()}
    maps = {n: set(d.get("data", {})) for n, d in by_kind(docs, "ConfigMap").items()}
    accounts = set(by_kind(docs, "ServiceAccount"))
    for d, t in pod_templates(docs):
        spec = t["spec"]
        where = d["metadata"]["name"]
        if "serviceAccountName" in spec:
            assert spec["serviceAccountName"] in accounts, where
        vols = {v["name"]: v for v in spec.get("volumes", [])}
        for v in vols.values():
            if "secret" in v:
                name = v["secret"]["secretName"]
                assert name in secrets, (where, name)
                assert all(i["key"] in secrets[name] for i in v["secret"].get("items", [])), where
        for c in spec["containers"]:
            for m in c.get("volumeMounts", []):
                assert m["name"] in vols, (where, m["name"])
            for ef in c.get("envFrom", []):
                if "configMapRef" in ef:
                    assert ef["configMapRef"]["name"] in maps, where
                if "secretRef" in ef:
                    assert ef["secretRef"]["name"] in secrets, where
            for e in c.get("env", []):
                ref = e.get("valueFrom", {})
                if "secretKeyRef" in ref:
                    k = ref["secretKeyRef"]
                    assert k["name"] in secrets and k["key"] in secrets[k["name"]], (where, k)
                if "configMapKeyRef" in ref:
                    k = ref["configMapKeyRef"]
                    assert k["name"] in maps and k["key"] in maps[k["name"]], (where, k)
            # A key file named in the environment is where a volume puts it.
            for e in c.get("env", []):
                if e["name"].endswith("_FILE"):
                    path = e["value"]
                    assert any(path.startswith(m["mountPath"] + "/") for m in c.get("volumeMounts", [])), \
                        (where, path)
    rb = by_kind(docs, "RoleBinding")["runtime-mcp-orchestrator"]
    assert rb["roleRef"]["name"] in by_kind(docs, "Role")
    assert all(sub["name"] in accounts for sub in rb["subjects"])


def test_the_runtimes_role_grants_what_the_orchestrator_calls(s):
    """The verbs lib/k8s/orchestrator.c uses on each resource, granted."""
    _, docs = manifests()
    rules = by_kind(docs, "Role")["mcp-orchestrator"]["rules"]
    granted = {(g, r, v) for rule in rules for g in rule["apiGroups"] for r in rule["resources"]
               for v in rule["verbs"]}
    src = open(os.path.join(ROOT, "lib", "k8s", "orchestrator.c")).read()
    need = {("apps", "deployments", v) for v in ("get", "create", "update", "delete")}
    need |= {("", r, v) for r in ("secrets", "services") for v in ("get", "create", "update", "delete")}
    need |= {("", "pods", v) for v in ("get", "list", "delete")}
    assert need <= granted, need - granted
    for path in ("/apis/apps/v1/namespaces/%s/deployments", "/api/v1/namespaces/%s/secrets",
                 "/api/v1/namespaces/%s/services", "/api/v1/namespaces/%s/pods"):
        assert path in src or path.rsplit("/", 1)[0] in src, path


def test_settings_are_ones_the_programs_know(s):
    _, docs = manifests()
    known = set(re.findall(r'\{ "([A-Z0-9_]+)",', open(os.path.join(ROOT, "lib", "base", "config.c")).read()))
    nginx = set(re.findall(r"^#\s+(ORX_[A-Z_]+)", open(os.path.join(ROOT, "scripts", "nginx-conf.sh")).read(), re.M))
    nginx |= {"ORX_ORCHESTRIX_HOSTS", "ORX_RUNTIME_HOSTS", "ORX_NGINX_LISTEN", "ORX_AGENT_RATE"}
    assert "ORX_SOCKET" in known and "ARCHESTRA_ORCHESTRATOR_IMAGE" in known
    for name in by_kind(docs, "ConfigMap")["orchestrix-config"]["data"]:
        assert name in known or name in nginx, name
    for d, t in pod_templates(docs):
        for c in t["spec"]["containers"]:
            for e in c.get("env", []):
                assert e["name"] in known, (d["metadata"]["name"], e["name"])


def test_the_image_has_no_build_tools_and_knows_the_roles(s):
    text = open(os.path.join(ROOT, "deploy", "container", "Dockerfile")).read()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    assert len(stages) == 2 and stages[0].startswith("debian:12 AS build"), stages[0][:40]
    final = stages[1]
    assert final.startswith("debian:12"), final[:40]
    pkgs = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", final.split("install", 1)[1].split("&&")[0]))
    assert not {p for p in pkgs if p.endswith("-dev") or p in ("build-essential", "gcc", "make",
                                                             "cc", "clang", "binutils")}, pkgs
    assert "USER 10001" in final and "ENTRYPOINT" in final
    entry = open(os.path.join(ROOT, "deploy", "container", "entrypoint.sh")).read()
    roles = set(re.findall(r"^(\w+(?:\|\w+)*)\)", entry, re.M))
    roles = {r for group in roles for r in group.split("|")}
    _, docs = manifests()
    for d, t in pod_templates(docs):
        for c in t["spec"]["containers"]:
            assert c["args"][0] in roles, (d["metadata"]["name"], c["args"], roles)
    # The dedicated agents' Deployments ask the same image for these roles.
    orch = open(os.path.join(ROOT, "lib", "k8s", "orchestrator.c")).read()
    assert '"runtime"' in orch and '"nginx"' in orch and {"runtime", "nginx", "probe"} <= roles
