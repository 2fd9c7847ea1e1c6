/*
 * Unit tests for lib/k8s/: the resource names; the status a dedicated agent
 * shows, read from the recorded API answers in tests/data/kubernetes (a
 * Deployment's availableReplicas and conditions, its Pods' phases and
 * container waiting reasons); kubeconfig files (YAML and JSON, inline and
 * file credentials, the current context, what is refused) and the
 * in-cluster service account. The client's HTTP side is driven against a
 * loopback API server by tests/integration/test_96_kubernetes.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kubeconfig.h"
#include "orchestrator.h"
#include "t.h"

static char dir[] = "/tmp/orx-k8s-XXXXXX";

static struct json_object *
recorded(const char *name)
{
	char path[256];
	struct json_object *o;

	snprintf(path, sizeof(path), "tests/data/kubernetes/%s.json", name);
	o = json_object_from_file(path);
	if (o == NULL)
		printf("# cannot read %s\n", path);
	return o;
}

static void
test_names(void)
{
	char n[ORCH_NAME_MAX], longid[200];

	orch_name("agent_k3x9", n);
	T_STR(n, "mcp-agent-k3x9", "mcp-<agent id as a DNS label>");
	orch_name("Agent__X.y--", n);
	T_STR(n, "mcp-agent-x-y", "lower case, runs of other characters one '-', none at the end");
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	longid[58] = '_';
	orch_name(longid, n);
	T_OK(strlen(n) <= 63 && n[strlen(n) - 1] != '-' && k8s_label_ok(n),
	    "at most 63 bytes, a valid label (%zu)", strlen(n));
	T_OK(k8s_label_ok("orchestrix") && !k8s_label_ok("Orchestrix") &&
	    !k8s_label_ok("-x") && !k8s_label_ok("x-") && !k8s_label_ok("") &&
	    !k8s_label_ok("a_b"), "namespace labels checked");
}

struct case_ {
	const char		*deployment, *pods;
	enum orch_status	 want;
	const char		*reason;   /* its beginning */
};

static void
test_status(void)
{
	static const struct case_ cases[] = {
		{ NULL, NULL, ORCH_NOT_CREATED, "" },
		{ "deployment-created", "podlist-empty", ORCH_PENDING, "" },
		{ "deployment-progressing", "podlist-pending", ORCH_PENDING, "ContainerCreating" },
		{ "deployment-available", "podlist-running", ORCH_RUNNING, "" },
		{ "deployment-progressing", "podlist-crashloop", ORCH_FAILED,
		    "CrashLoopBackOff: back-off 40s restarting failed container=runtime" },
		{ "deployment-progressing", "podlist-imagepullbackoff", ORCH_FAILED,
		    "ImagePullBackOff: Back-off pulling image \"registry.example.com/orchestrix:nope\"" },
		{ "deployment-progressing", "podlist-errimagepull", ORCH_FAILED,
		    "ErrImagePull: rpc error: code = NotFound" },
		{ "deployment-progressing", "podlist-createcontainerconfigerror", ORCH_FAILED,
		    "CreateContainerConfigError: couldn't find key DATABASE_URL" },
		{ "deployment-progressing", "podlist-failed", ORCH_FAILED,
		    "Evicted: The node was low on resource" },
		{ "deployment-deadline", "podlist-pending", ORCH_FAILED, "ProgressDeadlineExceeded" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct case_ *c = &cases[i];
		struct json_object *d = c->deployment ? recorded(c->deployment) : NULL;
		struct json_object *p = c->pods ? recorded(c->pods) : NULL;
		char reason[300];
		enum orch_status got = orch_status_of(d, p, reason, sizeof(reason));

		T_OK(got == c->want && strncmp(reason, c->reason, strlen(c->reason)) == 0 &&
		    (c->reason[0] != '\0' || reason[0] == '\0' || c->want == ORCH_PENDING),
		    "%s + %s: %s \"%s\"", c->deployment ? c->deployment : "(404)",
		    c->pods ? c->pods : "-", orch_status_names[got], reason);
		json_object_put(d);
		json_object_put(p);
	}
}

static void
put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static int
load(const char *name, struct k8s_conn *c, char *err, size_t errsz)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return k8s_conn_from_file(c, path, err, errsz);
}

/* "-----BEGIN X-----\n" in base64, and what it decodes to. */
#define CA_B64	"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="
#define CA_PEM	"-----BEGIN CERTIFICATE-----\n"

static void
test_kubeconfig(void)
{
	struct k8s_conn c;
	char err[300], want[300];

	put("inline.yaml",
	    "apiVersion: v1\nkind: Config\n"
	    "current-context: prod\n"
	    "clusters:\n"
	    "- name: dev\n  cluster:\n    server: https://dev.example:6443\n"
	    "- name: prod\n  cluster:\n    server: https://10.0.0.1:6443/\n"
	    "    certificate-authority-data: " CA_B64 "\n"
	    "contexts:\n"
	    "- name: dev\n  context: {cluster: dev, user: dev}\n"
	    "- name: prod\n  context:\n    cluster: prod\n    user: admin\n    namespace: agents\n"
	    "users:\n"
	    "- name: dev\n  user: {token: dev-token}\n"
	    "- name: admin\n  user:\n    client-certificate-data: " CA_B64 "\n"
	    "    client-key-data: " CA_B64 "\n");
	T_OK(load("inline.yaml", &c, err, sizeof(err)) == 0, "a kubeconfig as kubectl writes it: %s", err);
	T_STR(c.server, "https://10.0.0.1:6443", "the current context's server, no trailing '/'");
	T_STR(c.namespace, "agents", "its namespace");
	T_OK(c.ca_pem && strcmp(c.ca_pem, CA_PEM) == 0 && c.ca_len == strlen(CA_PEM),
	    "certificate-authority-data decoded");
	T_OK(c.cert_pem && c.key_pem && !c.token && !c.token_file, "a client certificate and key, no token");
	k8s_conn_free(&c);

	put("files.yaml",
	    "clusters:\n- name: c\n  cluster:\n    server: https://k8s.internal\n"
	    "    certificate-authority: pki/ca.crt\n    insecure-skip-tls-verify: false\n"
	    "contexts:\n- name: only\n  context: {cluster: c, user: u}\n"
	    "users:\n- name: u\n  user:\n    tokenFile: secrets/token\n"
	    "    client-certificate: /etc/k8s/client.crt\n    client-key: /etc/k8s/client.key\n");
	T_OK(load("files.yaml", &c, err, sizeof(err)) == 0, "file credentials, one context and no current-context: %s", err);
	snprintf(want, sizeof(want), "%s/pki/ca.crt", dir);
	T_STR(c.ca_file, want, "a relative path is read from the kubeconfig's folder");
	snprintf(want, sizeof(want), "%s/secrets/token", dir);
	T_STR(c.token_file, want, "the token file too");
	T_STR(c.cert_file, "/etc/k8s/client.crt", "an absolute path stays");
	T_OK(!c.insecure && c.namespace == NULL, "verified TLS; no namespace named");
	k8s_conn_free(&c);

	put("json.conf", "{\"current-context\":\"x\",\"clusters\":[{\"name\":\"x\",\"cluster\":"
	    "{\"server\":\"http://127.0.0.1:8001\",\"insecure-skip-tls-verify\":true}}],"
	    "\"contexts\":[{\"name\":\"x\",\"context\":{\"cluster\":\"x\",\"user\":\"x\"}}],"
	    "\"users\":[{\"name\":\"x\",\"user\":{\"token\":\"t0k\"}}]}");
	T_OK(load("json.conf", &c, err, sizeof(err)) == 0 && strcmp(c.token, "t0k") == 0 &&
	    c.insecure == 1, "JSON is YAML too; insecure-skip-tls-verify: true");
	k8s_conn_free(&c);

	static const struct { const char *file, *text, *err; } bad[] = {
		{ "exec.yaml", "clusters: [{name: c, cluster: {server: 'https://a'}}]\n"
		    "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
		    "users: [{name: u, user: {exec: {command: aws, args: [eks, get-token]}}}]\n",
		    "plugins are not run" },
		{ "nocluster.yaml", "current-context: x\n"
		    "contexts: [{name: x, context: {cluster: gone, user: u}}]\n", "no cluster named gone" },
		{ "nocontext.yaml", "current-context: y\ncontexts: [{name: x, context: {cluster: c}}]\n",
		    "no context named y" },
		{ "scheme.yaml", "clusters: [{name: c, cluster: {server: 'file:///etc/passwd'}}]\n"
		    "contexts: [{name: x, context: {cluster: c}}]\n", "not an http(s) URL" },
		{ "halfcert.yaml", "clusters: [{name: c, cluster: {server: 'https://a'}}]\n"
		    "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
		    "users: [{name: u, user: {client-certificate: a.crt}}]\n", "needs its key" },
		{ "b64.yaml", "clusters: [{name: c, cluster: {server: 'https://a', "
		    "certificate-authority-data: '***'}}]\n"
		    "contexts: [{name: x, context: {cluster: c}}]\n", "not base64" },
		{ "basic.yaml", "clusters: [{name: c, cluster: {server: 'https://a'}}]\n"
		    "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
		    "users: [{name: u, user: {username: admin, password: admin}}]\n", "basic auth" },
		{ "notyaml.yaml", "clusters: [unclosed\n", "not YAML" },
		{ "scalar.yaml", "just a string\n", "not a mapping" },
		/* Aliases nine deep, ten wide: a billion nodes from a few lines. */
		{ "laughs.yaml", "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
		    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
		    "i: [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]\n", "too many YAML nodes" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(bad[i].file, bad[i].text);
		err[0] = '\0';
		T_OK(load(bad[i].file, &c, err, sizeof(err)) == -1 && strstr(err, bad[i].err) != NULL &&
		    c.server == NULL, "%s refused: %s", bad[i].file, err);
	}
	T_OK(load("missing.yaml", &c, err, sizeof(err)) == -1 && strstr(err, "No such file"),
	    "a missing file: %s", err);
}

static void
test_in_cluster(void)
{
	struct k8s_conn c;
	char sa[300], err[300], want[320];

	snprintf(sa, sizeof(sa), "%s/sa", dir);
	mkdir(sa, 0700);
	T_OK(k8s_conn_in_cluster(&c, sa, "10.96.0.1", "443", err, sizeof(err)) == -1 &&
	    strstr(err, "token") != NULL, "no token file: refused (%s)", err);
	put("sa/token", "eyJhbGciOiJSUzI1NiJ9.e30.sig\n");
	put("sa/ca.crt", CA_PEM);
	put("sa/namespace", "orchestrix\n");
	T_OK(k8s_conn_in_cluster(&c, sa, "10.96.0.1", "443", err, sizeof(err)) == 0, "the service account: %s", err);
	T_STR(c.server, "https://10.96.0.1:443", "KUBERNETES_SERVICE_HOST and _PORT");
	T_STR(c.namespace, "orchestrix", "the namespace file, newline dropped");
	snprintf(want, sizeof(want), "%s/token", sa);
	T_STR(c.token_file, want, "the token read from its file at each call (it rotates)");
	snprintf(want, sizeof(want), "%s/ca.crt", sa);
	T_STR(c.ca_file, want, "the cluster's CA");
	k8s_conn_free(&c);
	T_OK(k8s_conn_in_cluster(&c, sa, "fd00::1", "6443", err, sizeof(err)) == 0 &&
	    strcmp(c.server, "https://[fd00::1]:6443") == 0, "an IPv6 host in brackets");
	k8s_conn_free(&c);
	T_OK(k8s_conn_in_cluster(&c, sa, "evil/x", "443", err, sizeof(err)) == -1 &&
	    k8s_conn_in_cluster(&c, sa, "", "443", err, sizeof(err)) == -1, "odd hosts refused");
}

int
main(void)
{
	T_OK(mkdtemp(dir) != NULL, "a scratch folder");
	test_names();
	test_status();
	test_kubeconfig();
	test_in_cluster();
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	T_OK(system(cmd) == 0, "the scratch folder removed");
	return t_done();
}
