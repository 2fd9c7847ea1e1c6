/*
 * Dedicated agents on Kubernetes (lib/k8s/orchestrator.h): the three
 * objects an agent gets, made and replaced with the API's own semantics
 * (201 made; 409 AlreadyExists: read its resourceVersion and replace it;
 * 409 Conflict on a replace: someone changed it meanwhile, read again),
 * its status read from the Deployment's availableReplicas and its Pods'
 * phases and container waiting reasons, and removal (404: already done).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "json.h"
#include "log.h"
#include "orchestrator.h"

#define LABEL_APP	"mcp-server"
#define RUN_DIR		"/run/orx"
#define REPLACE_TRIES	3
#define POLL_MS		500

const char *const orch_status_names[ORCH__MAX] = {
	"not_created", "pending", "running", "failed",
};

/* Container waiting reasons that will not fix themselves: the agent failed. */
static const char *const failed_reasons[] = {
	"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull",
	"CreateContainerConfigError", "InvalidImageName", "CreateContainerError",
	NULL,
};

int
orch_open(struct orch *o, const struct config *cfg, char *err, size_t errsz)
{
	const char *ns = config_get(cfg, CFG_ORCH_NAMESPACE);
	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = k8s_conn_from_config(&o->conn, cfg, err, errsz)) != 1)
		return rc;
	if (ns == NULL || *ns == '\0')
		ns = o->conn.namespace != NULL ? o->conn.namespace : "default";
	if (!k8s_label_ok(ns)) {
		snprintf(err, errsz, "the namespace '%.60s' is not a DNS label", ns);
		k8s_conn_free(&o->conn);
		return -1;
	}
	snprintf(o->ns, sizeof(o->ns), "%s", ns);
	o->image = config_get(cfg, CFG_ORCH_IMAGE);
	o->database_url = *config_get(cfg, CFG_ORCH_DATABASE_URL) != '\0' ?
	    config_get(cfg, CFG_ORCH_DATABASE_URL) : config_get(cfg, CFG_DATABASE_URL);
	o->wait_ms = cfg->orch_wait_ms;
	k8s_client_init(&o->k, &o->conn, cfg->http_timeout_ms);
	return 1;
}

void
orch_close(struct orch *o)
{
	k8s_client_fini(&o->k);
	k8s_conn_free(&o->conn);
}

void
orch_name(const char *agent_id, char out[ORCH_NAME_MAX])
{
	size_t j = 4;

	memcpy(out, "mcp-", 4);
	for (size_t i = 0; agent_id[i] != '\0' && j < ORCH_NAME_MAX - 1; i++) {
		char ch = agent_id[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			ch = '-';
		if (ch == '-' && out[j - 1] == '-')
			continue;
		out[j++] = ch;
	}
	while (j > 4 && out[j - 1] == '-')
		j--;
	out[j] = '\0';
}

void
orch_service_url(const struct orch *o, const char *agent_id, char *out, size_t outsz)
{
	char name[ORCH_NAME_MAX];

	orch_name(agent_id, name);
	snprintf(out, outsz, "http://%s.%s.svc.cluster.local", name, o->ns);
}

/* --- the objects ------------------------------------------------------------ */

static struct json_object *
str(const char *s)
{
	return json_object_new_string(s);
}

static struct json_object *
labels(const char *agent_id)
{
	struct json_object *l = json_object_new_object();

	json_add_new(l, "app", str(LABEL_APP));
	json_add_new(l, "mcp-server-id", str(agent_id));
	return l;
}

static struct json_object *
object(const char *api_version, const char *kind, const char *name, const char *ns,
    const char *agent_id)
{
	struct json_object *o = json_object_new_object(), *m = json_object_new_object();

	json_add_new(o, "apiVersion", str(api_version));
	json_add_new(o, "kind", str(kind));
	json_add_new(m, "name", str(name));
	json_add_new(m, "namespace", str(ns));
	json_add_new(m, "labels", labels(agent_id));
	json_add_new(o, "metadata", m);
	return o;
}

static struct json_object *
env_value(const char *name, const char *value)
{
	struct json_object *e = json_object_new_object();

	json_add_new(e, "name", str(name));
	json_add_new(e, "value", str(value));
	return e;
}

static struct json_object *
env_secret(const char *name, const char *secret)
{
	struct json_object *e = json_object_new_object(), *from = json_object_new_object(),
	    *ref = json_object_new_object();

	json_add_new(ref, "name", str(secret));
	json_add_new(ref, "key", str(name));
	json_add_new(from, "secretKeyRef", ref);
	json_add_new(e, "name", str(name));
	json_add_new(e, "valueFrom", from);
	return e;
}

static struct json_object *
run_mount(void)
{
	struct json_object *a = json_object_new_array(), *m = json_object_new_object();

	json_add_new(m, "name", str("run"));
	json_add_new(m, "mountPath", str(RUN_DIR));
	json_object_array_add(a, m);
	return a;
}

/* The agent's Secret: the database URL and its secrets, as one JSON value. */
static struct json_object *
secret_doc(const struct orch *o, const char *name, const char *agent_id,
    struct json_object *secrets)
{
	struct json_object *s = object("v1", "Secret", name, o->ns, agent_id);
	struct json_object *d = json_object_new_object();

	json_add_new(s, "type", str("Opaque"));
	json_add_new(d, "DATABASE_URL", str(o->database_url));
	json_add_new(d, "ORX_AGENT_SECRETS", str(secrets ? json_plain(secrets) : "{}"));
	json_add_new(s, "stringData", d);
	return s;
}

static struct json_object *
service_doc(const struct orch *o, const char *name, const char *agent_id)
{
	struct json_object *s = object("v1", "Service", name, o->ns, agent_id);
	struct json_object *spec = json_object_new_object(), *ports = json_object_new_array(),
	    *p = json_object_new_object();

	json_add_new(spec, "selector", labels(agent_id));
	json_add_new(p, "name", str("http"));
	json_add_new(p, "port", json_object_new_int(80));
	json_add_new(p, "targetPort", str("http"));
	json_add_new(p, "protocol", str("TCP"));
	json_object_array_add(ports, p);
	json_add_new(spec, "ports", ports);
	json_add_new(s, "spec", spec);
	return s;
}

/*
 * The agent's Deployment: one pod of the runtime image, the runtime serving
 * that agent only (ORX_RUNTIME_AGENT) on a unix socket, and nginx beside it
 * on port 8080 (/agents/<id>, /mcp, /healthz: readiness). The Secret's
 * hash is in the pod's annotations, so new secrets roll the pod.
 */
static struct json_object *
deployment_doc(const struct orch *o, const char *name, const char *agent_id,
    const char *secret_hash)
{
	struct json_object *d = object("apps/v1", "Deployment", name, o->ns, agent_id);
	struct json_object *spec = json_object_new_object(), *sel = json_object_new_object();
	struct json_object *tpl = json_object_new_object(), *tmeta = json_object_new_object();
	struct json_object *ann = json_object_new_object(), *pod = json_object_new_object();
	struct json_object *vols = json_object_new_array(), *vol = json_object_new_object();
	struct json_object *cs = json_object_new_array(), *rt = json_object_new_object();
	struct json_object *ngx = json_object_new_object(), *env, *args, *ports, *port;
	struct json_object *probe = json_object_new_object(), *get = json_object_new_object();
	char url[300];

	orch_service_url(o, agent_id, url, sizeof(url));
	json_add_new(spec, "replicas", json_object_new_int(1));
	json_add_new(sel, "matchLabels", labels(agent_id));
	json_add_new(spec, "selector", sel);
	json_add_new(tmeta, "labels", labels(agent_id));
	json_add_new(ann, "orchestrix/secret-sha256", str(secret_hash));
	json_add_new(tmeta, "annotations", ann);
	json_add_new(tpl, "metadata", tmeta);

	json_add_new(vol, "name", str("run"));
	json_add_new(vol, "emptyDir", json_object_new_object());
	json_object_array_add(vols, vol);
	json_add_new(pod, "volumes", vols);
	json_add_new(pod, "automountServiceAccountToken", json_object_new_boolean(0));

	json_add_new(rt, "name", str("runtime"));
	json_add_new(rt, "image", str(o->image));
	args = json_object_new_array();
	json_object_array_add(args, str("runtime"));
	json_add_new(rt, "args", args);
	env = json_object_new_array();
	json_object_array_add(env, env_value("ORX_RUNTIME_AGENT", agent_id));
	json_object_array_add(env, env_value("ORX_SOCKET", RUN_DIR "/runtime.sock"));
	json_object_array_add(env, env_value("ORX_PUBLIC_URL", url));
	json_object_array_add(env, env_secret("DATABASE_URL", name));
	json_object_array_add(env, env_secret("ORX_AGENT_SECRETS", name));
	json_add_new(rt, "env", env);
	json_add_new(rt, "volumeMounts", run_mount());
	json_object_array_add(cs, rt);

	json_add_new(ngx, "name", str("nginx"));
	json_add_new(ngx, "image", str(o->image));
	args = json_object_new_array();
	json_object_array_add(args, str("nginx"));
	json_add_new(ngx, "args", args);
	env = json_object_new_array();
	/* Every route of this pod's nginx goes to its one runtime. */
	json_object_array_add(env, env_value("ORX_RUNTIME_HOSTS", "unix:" RUN_DIR "/runtime.sock"));
	json_object_array_add(env, env_value("ORX_ORCHESTRIX_HOSTS", "unix:" RUN_DIR "/runtime.sock"));
	json_add_new(ngx, "env", env);
	ports = json_object_new_array();
	port = json_object_new_object();
	json_add_new(port, "name", str("http"));
	json_add_new(port, "containerPort", json_object_new_int(8080));
	json_object_array_add(ports, port);
	json_add_new(ngx, "ports", ports);
	json_add_new(get, "path", str("/healthz"));
	json_add_new(get, "port", str("http"));
	json_add_new(probe, "httpGet", get);
	json_add_new(probe, "periodSeconds", json_object_new_int(5));
	json_add_new(ngx, "readinessProbe", probe);
	json_add_new(ngx, "volumeMounts", run_mount());
	json_object_array_add(cs, ngx);
	json_add_new(pod, "containers", cs);

	json_add_new(tpl, "spec", pod);
	json_add_new(spec, "template", tpl);
	json_add_new(d, "spec", spec);
	return d;
}

/* --- calls ------------------------------------------------------------------ */

static int
api_failed(const char *what, const struct k8s_res *r, char *err, size_t errsz)
{
	snprintf(err, errsz, "%s: %s%s%s", what, r->http ? "" : "no answer: ",
	    r->reason[0] ? r->reason : "", r->reason[0] ? "" : r->message);
	if (r->reason[0] && r->message[0])
		snprintf(err + strlen(err), errsz - strlen(err), " (%s)", r->message);
	return -1;
}

/*
 * Creates doc at collection (its path); an existing one (409 AlreadyExists)
 * is replaced when replace is set: its resourceVersion read and sent with
 * the new version, again if that answers 409 Conflict (changed meanwhile).
 */
static int
create_or_replace(struct orch *o, const char *collection, const char *name,
    struct json_object *doc, int replace, char *err, size_t errsz)
{
	char path[512], what[160];
	struct k8s_res r;
	int rc = -1;

	snprintf(what, sizeof(what), "%s %s", collection, name);
	if (k8s_call(&o->k, "POST", collection, doc, &r) == -1)
		return api_failed(what, &r, err, errsz);
	if (r.http == 201 || r.http == 200 || (r.http == 409 && !replace)) {
		k8s_res_free(&r);
		return 0;
	}
	if (r.http != 409) {
		api_failed(what, &r, err, errsz);
		k8s_res_free(&r);
		return -1;
	}
	k8s_res_free(&r);
	snprintf(path, sizeof(path), "%s/%s", collection, name);
	for (int i = 0; i < REPLACE_TRIES; i++) {
		struct json_object *md = json_get(doc, "metadata", json_type_object);
		const char *rv;

		if (k8s_call(&o->k, "GET", path, NULL, &r) == -1 || r.http != 200) {
			api_failed(what, &r, err, errsz);
			break;
		}
		rv = json_get_str(json_get(r.body, "metadata", json_type_object), "resourceVersion");
		if (rv == NULL) {
			snprintf(err, errsz, "%s: the API server sent no resourceVersion", what);
			break;
		}
		json_object_object_add(md, "resourceVersion", str(rv));
		k8s_res_free(&r);
		if (k8s_call(&o->k, "PUT", path, doc, &r) == -1) {
			api_failed(what, &r, err, errsz);
			break;
		}
		if (r.http == 200 || r.http == 201) {
			rc = 0;
			break;
		}
		if (r.http != 409) {
			api_failed(what, &r, err, errsz);
			break;
		}
		api_failed(what, &r, err, errsz);  /* Conflict: read it again */
		k8s_res_free(&r);
	}
	k8s_res_free(&r);
	return rc;
}

/* 1 if the pod is managed by a ReplicaSet or a Deployment (its controller). */
static int
managed(struct json_object *pod)
{
	struct json_object *refs = json_get(json_get(pod, "metadata", json_type_object),
	    "ownerReferences", json_type_array);
	size_t n = refs ? json_object_array_length(refs) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *ref = json_object_array_get_idx(refs, i);
		const char *kind = json_get_str(ref, "kind");

		if (kind != NULL && (strcmp(kind, "ReplicaSet") == 0 ||
		    strcmp(kind, "Deployment") == 0))
			return 1;
	}
	return 0;
}

/* Deletes a legacy Pod named name (no ReplicaSet or Deployment owns it). */
static int
drop_legacy_pod(struct orch *o, const char *name, char *err, size_t errsz)
{
	char path[300];
	struct k8s_res r;
	int rc = 0;

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", o->ns, name);
	if (k8s_call(&o->k, "GET", path, NULL, &r) == -1)
		return api_failed("pod", &r, err, errsz);
	if (r.http == 200 && !managed(r.body)) {
		log_info("orchestrator: deleting legacy pod %s/%s", o->ns, name);
		k8s_res_free(&r);
		if (k8s_call(&o->k, "DELETE", path, NULL, &r) == -1 ||
		    (r.http != 200 && r.http != 202 && r.http != 404))
			rc = api_failed("legacy pod", &r, err, errsz);
	} else if (r.http != 200 && r.http != 404)
		rc = api_failed("pod", &r, err, errsz);
	k8s_res_free(&r);
	return rc;
}

int
orch_ensure(struct orch *o, const char *agent_id, struct json_object *secrets,
    char *err, size_t errsz)
{
	char name[ORCH_NAME_MAX], coll[200], hash[65];
	unsigned char digest[CRYPTO_SHA256_LEN];
	struct json_object *secret, *svc, *dep;
	const char *text;
	int rc = -1;

	orch_name(agent_id, name);
	secret = secret_doc(o, name, agent_id, secrets);
	text = json_plain(json_object_object_get(secret, "stringData"));
	crypto_sha256(text, strlen(text), digest);
	crypto_hex_encode(digest, sizeof(digest), hash, sizeof(hash));
	svc = service_doc(o, name, agent_id);
	dep = deployment_doc(o, name, agent_id, hash);
	if (drop_legacy_pod(o, name, err, errsz) == -1)
		goto out;
	snprintf(coll, sizeof(coll), "/api/v1/namespaces/%s/secrets", o->ns);
	if (create_or_replace(o, coll, name, secret, 1, err, errsz) == -1)
		goto out;
	snprintf(coll, sizeof(coll), "/api/v1/namespaces/%s/services", o->ns);
	/* An existing Service is the same one: its selector and port do not change. */
	if (create_or_replace(o, coll, name, svc, 0, err, errsz) == -1)
		goto out;
	snprintf(coll, sizeof(coll), "/apis/apps/v1/namespaces/%s/deployments", o->ns);
	if (create_or_replace(o, coll, name, dep, 1, err, errsz) == -1)
		goto out;
	rc = 0;
out:
	/* The Secret's text held the agent's secrets. */
	text = json_plain(secret);
	crypto_wipe((void *)text, strlen(text));
	json_object_put(secret);
	json_object_put(svc);
	json_object_put(dep);
	return rc;
}

/* --- status ----------------------------------------------------------------- */

static int
is_failed_reason(const char *r)
{
	for (int i = 0; r != NULL && failed_reasons[i] != NULL; i++)
		if (strcmp(r, failed_reasons[i]) == 0)
			return 1;
	return 0;
}

/* The first container of pod (init containers first) waiting, or NULL. */
static struct json_object *
waiting(struct json_object *pod, int failed_only)
{
	static const char *const lists[] = { "initContainerStatuses", "containerStatuses" };
	struct json_object *st = json_get(pod, "status", json_type_object);

	for (int l = 0; l < 2; l++) {
		struct json_object *a = json_get(st, lists[l], json_type_array);
		size_t n = a ? json_object_array_length(a) : 0;

		for (size_t i = 0; i < n; i++) {
			struct json_object *w = json_get(json_get(json_object_array_get_idx(a, i),
			    "state", json_type_object), "waiting", json_type_object);

			if (w != NULL && json_get_str(w, "reason") != NULL &&
			    (!failed_only || is_failed_reason(json_get_str(w, "reason"))))
				return w;
		}
	}
	return NULL;
}

static void
say(char *out, size_t outsz, const char *reason, const char *message)
{
	snprintf(out, outsz, "%s%s%.200s", reason, message && *message ? ": " : "",
	    message ? message : "");
}

enum orch_status
orch_status_of(struct json_object *dep, struct json_object *pods, char *reason,
    size_t reasonsz)
{
	struct json_object *st = json_get(dep, "status", json_type_object), *av, *conds, *items;
	size_t n;

	reason[0] = '\0';
	if (dep == NULL)
		return ORCH_NOT_CREATED;
	if (json_object_object_get_ex(st, "availableReplicas", &av) &&
	    json_object_get_int(av) >= 1)
		return ORCH_RUNNING;
	conds = json_get(st, "conditions", json_type_array);
	n = conds ? json_object_array_length(conds) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(conds, i);
		const char *r = json_get_str(c, "reason");

		if (r != NULL && strcmp(r, "ProgressDeadlineExceeded") == 0) {
			say(reason, reasonsz, r, json_get_str(c, "message"));
			return ORCH_FAILED;
		}
	}
	items = json_get(pods, "items", json_type_array);
	n = items ? json_object_array_length(items) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *pod = json_object_array_get_idx(items, i), *w;
		struct json_object *ps = json_get(pod, "status", json_type_object);
		const char *phase = json_get_str(ps, "phase");

		if ((w = waiting(pod, 1)) != NULL) {
			say(reason, reasonsz, json_get_str(w, "reason"), json_get_str(w, "message"));
			return ORCH_FAILED;
		}
		if (phase != NULL && strcmp(phase, "Failed") == 0) {
			say(reason, reasonsz, json_get_str(ps, "reason") ?
			    json_get_str(ps, "reason") : "Failed", json_get_str(ps, "message"));
			return ORCH_FAILED;
		}
	}
	/* Still coming up: say what it waits on (ContainerCreating, …). */
	for (size_t i = 0; i < n && reason[0] == '\0'; i++) {
		struct json_object *pod = json_object_array_get_idx(items, i), *w;

		if ((w = waiting(pod, 0)) != NULL)
			say(reason, reasonsz, json_get_str(w, "reason"), NULL);
		else if (json_get_str(json_get(pod, "status", json_type_object), "phase") != NULL)
			say(reason, reasonsz, json_get_str(json_get(pod, "status",
			    json_type_object), "phase"), NULL);
	}
	return ORCH_PENDING;
}

int
orch_status(struct orch *o, const char *agent_id, enum orch_status *st, char *reason,
    size_t reasonsz)
{
	char name[ORCH_NAME_MAX], path[400];
	struct k8s_res dep, pods;
	int rc = -1;

	orch_name(agent_id, name);
	snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/%s/deployments/%s", o->ns, name);
	memset(&pods, 0, sizeof(pods));
	if (k8s_call(&o->k, "GET", path, NULL, &dep) == -1 ||
	    (dep.http != 200 && dep.http != 404)) {
		api_failed("deployment", &dep, reason, reasonsz);
		goto out;
	}
	if (dep.http == 200) {
		/* The agent ids' characters need no escaping in a query. */
		snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods?labelSelector="
		    "app%%3D" LABEL_APP "%%2Cmcp-server-id%%3D%s", o->ns, agent_id);
		if (k8s_call(&o->k, "GET", path, NULL, &pods) == -1 || pods.http != 200) {
			api_failed("pods", &pods, reason, reasonsz);
			goto out;
		}
	}
	*st = orch_status_of(dep.http == 200 ? dep.body : NULL, pods.body, reason, reasonsz);
	rc = 0;
out:
	k8s_res_free(&dep);
	k8s_res_free(&pods);
	return rc;
}

int
orch_wait(struct orch *o, const char *agent_id, enum orch_status *st, char *reason,
    size_t reasonsz)
{
	long long until = mono_ms() + o->wait_ms;

	for (;;) {
		if (orch_status(o, agent_id, st, reason, reasonsz) == -1)
			return -1;
		if (*st != ORCH_PENDING || mono_ms() >= until)
			return 0;
		struct timespec ts = { 0, POLL_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
}

int
orch_remove(struct orch *o, const char *agent_id, char *err, size_t errsz)
{
	char name[ORCH_NAME_MAX], path[400];
	const char *const what[] = { "deployment", "service", "secret" };
	int rc = 0;

	orch_name(agent_id, name);
	err[0] = '\0';
	for (int i = 0; i < 3; i++) {
		struct k8s_res r;

		if (i == 0)
			/* Its ReplicaSet and Pod go with it, in the background. */
			snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/%s/deployments/%s"
			    "?propagationPolicy=Background", o->ns, name);
		else
			snprintf(path, sizeof(path), "/api/v1/namespaces/%s/%ss/%s", o->ns,
			    what[i], name);
		if (k8s_call(&o->k, "DELETE", path, NULL, &r) == -1 ||
		    (r.http != 200 && r.http != 202 && r.http != 404)) {
			if (rc == 0)
				api_failed(what[i], &r, err, errsz);
			rc = -1;
		}
		k8s_res_free(&r);
	}
	return rc;
}
