/*
 * The Kubernetes API's address and credentials (lib/k8s/kubeconfig.h). A
 * kubeconfig is YAML: libyaml reads it into a json-c tree (every scalar a
 * string), bounded in size, depth and nodes (aliases make a small file a
 * large tree), and the current context is looked up in it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>
#include <yaml.h>

#include "config.h"
#include "crypto.h"
#include "json.h"
#include "kubeconfig.h"

#define KUBECONFIG_MAX	(1024 * 1024)
#define YAML_MAX_DEPTH	32
#define YAML_MAX_NODES	100000

void
k8s_conn_free(struct k8s_conn *c)
{
	char **s[] = { &c->server, &c->namespace, &c->ca_pem, &c->cert_pem,
	    &c->key_pem, &c->ca_file, &c->cert_file, &c->key_file, &c->token,
	    &c->token_file };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		if (*s[i] != NULL)
			crypto_wipe(*s[i], strlen(*s[i]));
		free(*s[i]);
		*s[i] = NULL;
	}
	memset(c, 0, sizeof(*c));
}

/* A malloc'd copy of s, or NULL when s is NULL. */
static char *
dup_or_null(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		abort();
	return d;
}

/* The whole file at path (at most max bytes) in a malloc'd, NUL-ended buffer. */
static char *
slurp(const char *path, size_t max, size_t *len, char *err, size_t errsz)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(max + 1)) == NULL)
		abort();
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		snprintf(err, errsz, "%s: larger than %zu bytes", path, max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* --- YAML into json-c ------------------------------------------------------ */

static struct json_object *
node_json(yaml_document_t *d, yaml_node_t *n, int depth, int *budget)
{
	struct json_object *o;

	if (n == NULL || depth > YAML_MAX_DEPTH || --*budget < 0)
		return NULL;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return json_object_new_string_len((const char *)n->data.scalar.value,
		    (int)n->data.scalar.length);
	case YAML_SEQUENCE_NODE:
		o = json_object_new_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		    it < n->data.sequence.items.top; it++) {
			struct json_object *v = node_json(d, yaml_document_get_node(d, *it),
			    depth + 1, budget);
			if (v == NULL) {
				json_object_put(o);
				return NULL;
			}
			json_object_array_add(o, v);
		}
		return o;
	case YAML_MAPPING_NODE:
		o = json_object_new_object();
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		    p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(d, p->key);
			struct json_object *v;

			if (k == NULL || k->type != YAML_SCALAR_NODE ||
			    (v = node_json(d, yaml_document_get_node(d, p->value),
			    depth + 1, budget)) == NULL) {
				json_object_put(o);
				return NULL;
			}
			json_object_object_add(o, (const char *)k->data.scalar.value, v);
		}
		return o;
	default:
		return NULL;
	}
}

/* The YAML (or JSON) text as a json-c tree, or NULL with err set. */
static struct json_object *
yaml_parse(const char *text, size_t len, char *err, size_t errsz)
{
	yaml_parser_t p;
	yaml_document_t d;
	struct json_object *o = NULL;
	int budget = YAML_MAX_NODES;

	if (!utf8_valid(text, len)) {
		snprintf(err, errsz, "not UTF-8");
		return NULL;
	}
	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &d)) {
		snprintf(err, errsz, "not YAML: %s at line %zu",
		    p.problem ? p.problem : "error", p.problem_mark.line + 1);
		yaml_parser_delete(&p);
		return NULL;
	}
	o = node_json(&d, yaml_document_get_root_node(&d), 0, &budget);
	if (o == NULL)
		snprintf(err, errsz, budget < 0 ? "too many YAML nodes" :
		    "empty, too deep, or a mapping with a non-scalar key");
	yaml_document_delete(&d);
	yaml_parser_delete(&p);
	return o;
}

/* --- the kubeconfig ------------------------------------------------------- */

/* The entry named name in list (an array of {name, <what>: {...}}): its <what>. */
static struct json_object *
named(struct json_object *root, const char *list, const char *what, const char *name)
{
	struct json_object *a = json_get(root, list, json_type_array);
	size_t n = a ? json_object_array_length(a) : 0;

	for (size_t i = 0; name != NULL && i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		const char *nm = json_get_str(e, "name");

		if (nm != NULL && strcmp(nm, name) == 0)
			return json_get(e, what, json_type_object);
	}
	return NULL;
}

/* A path from the kubeconfig, relative to its folder dir (malloc'd). */
static char *
resolve(const char *dir, const char *p)
{
	char *out;
	size_t n;

	if (p == NULL || *p == '\0')
		return NULL;
	if (p[0] == '/' || dir[0] == '\0')
		return dup_or_null(p);
	n = strlen(dir) + strlen(p) + 2;
	if ((out = malloc(n)) == NULL)
		abort();
	snprintf(out, n, "%s/%s", dir, p);
	return out;
}

/* Decodes a *-data field (base64 PEM) into *out / *len. Returns 0 or -1. */
static int
decode_data(const char *b64, char **out, size_t *len)
{
	size_t n = strlen(b64), cap = n / 4 * 3 + 4;
	int got;

	if ((*out = malloc(cap)) == NULL)
		abort();
	if ((got = crypto_b64_decode(b64, n, *out, cap - 1)) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	(*out)[got] = '\0';
	*len = (size_t)got;
	return 0;
}

/* One credential, inline (name-data) or as a file (name), into pem/file. */
static int
credential(struct json_object *o, const char *file_key, const char *data_key,
    const char *dir, char **pem, size_t *pem_len, char **file, char *err, size_t errsz)
{
	const char *data = json_get_str(o, data_key);

	if (data != NULL && *data != '\0') {
		if (decode_data(data, pem, pem_len) == -1) {
			snprintf(err, errsz, "%s is not base64", data_key);
			return -1;
		}
		return 0;
	}
	*file = resolve(dir, json_get_str(o, file_key));
	return 0;
}

static int
server_ok(const char *s)
{
	return s != NULL && (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0) &&
	    strlen(s) < 512 && strpbrk(s, " \t\r\n\"") == NULL;
}

static void
set_server(struct k8s_conn *c, const char *s)
{
	size_t n;

	c->server = dup_or_null(s);
	n = strlen(c->server);
	while (n > 0 && c->server[n - 1] == '/')
		c->server[--n] = '\0';
}

/* Fills c from a parsed kubeconfig; dir is its folder. */
static int
from_tree(struct k8s_conn *c, struct json_object *root, const char *dir, char *err,
    size_t errsz)
{
	const char *ctx_name = json_get_str(root, "current-context");
	struct json_object *ctx, *cluster, *user = NULL, *contexts;
	const char *cl_name, *user_name, *tok;

	contexts = json_get(root, "contexts", json_type_array);
	if ((ctx_name == NULL || *ctx_name == '\0') && contexts != NULL &&
	    json_object_array_length(contexts) == 1)
		ctx_name = json_get_str(json_object_array_get_idx(contexts, 0), "name");
	if ((ctx = named(root, "contexts", "context", ctx_name)) == NULL) {
		snprintf(err, errsz, "no context named %s", ctx_name ? ctx_name : "(none)");
		return -1;
	}
	cl_name = json_get_str(ctx, "cluster");
	user_name = json_get_str(ctx, "user");
	if ((cluster = named(root, "clusters", "cluster", cl_name)) == NULL) {
		snprintf(err, errsz, "context %s: no cluster named %s", ctx_name,
		    cl_name ? cl_name : "(none)");
		return -1;
	}
	if (!server_ok(json_get_str(cluster, "server"))) {
		snprintf(err, errsz, "cluster %s: server is not an http(s) URL", cl_name);
		return -1;
	}
	set_server(c, json_get_str(cluster, "server"));
	c->insecure = json_get_str(cluster, "insecure-skip-tls-verify") != NULL &&
	    strcmp(json_get_str(cluster, "insecure-skip-tls-verify"), "true") == 0;
	if (credential(cluster, "certificate-authority", "certificate-authority-data", dir,
	    &c->ca_pem, &c->ca_len, &c->ca_file, err, errsz) == -1)
		return -1;
	c->namespace = dup_or_null(json_get_str(ctx, "namespace"));
	if (user_name != NULL && (user = named(root, "users", "user", user_name)) == NULL) {
		snprintf(err, errsz, "context %s: no user named %s", ctx_name, user_name);
		return -1;
	}
	if (user == NULL)
		return 0;
	if (json_object_object_get(user, "exec") != NULL ||
	    json_object_object_get(user, "auth-provider") != NULL) {
		snprintf(err, errsz, "user %s: exec and auth-provider plugins are not run; "
		    "give a token or a client certificate", user_name);
		return -1;
	}
	if (json_get_str(user, "username") != NULL || json_get_str(user, "password") != NULL) {
		snprintf(err, errsz, "user %s: basic auth is not supported; give a token "
		    "or a client certificate", user_name);
		return -1;
	}
	if ((tok = json_get_str(user, "token")) != NULL && *tok != '\0')
		c->token = dup_or_null(tok);
	else
		c->token_file = resolve(dir, json_get_str(user, "tokenFile"));
	if (credential(user, "client-certificate", "client-certificate-data", dir,
	    &c->cert_pem, &c->cert_len, &c->cert_file, err, errsz) == -1 ||
	    credential(user, "client-key", "client-key-data", dir, &c->key_pem,
	    &c->key_len, &c->key_file, err, errsz) == -1)
		return -1;
	if ((c->cert_pem || c->cert_file) != (c->key_pem || c->key_file)) {
		snprintf(err, errsz, "user %s: a client certificate needs its key, and a key "
		    "its certificate", user_name);
		return -1;
	}
	return 0;
}

int
k8s_conn_from_file(struct k8s_conn *c, const char *path, char *err, size_t errsz)
{
	char dir[4096], e2[200];
	const char *slash = strrchr(path, '/');
	struct json_object *root;
	size_t len;
	char *text;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0, path);
	if ((text = slurp(path, KUBECONFIG_MAX, &len, err, errsz)) == NULL)
		return -1;
	root = yaml_parse(text, len, e2, sizeof(e2));
	crypto_wipe(text, len);
	free(text);
	if (root == NULL || !json_object_is_type(root, json_type_object))
		snprintf(err, errsz, "%s: %s", path, root == NULL ? e2 : "not a mapping");
	else if (from_tree(c, root, dir, e2, sizeof(e2)) == 0)
		rc = 0;
	else
		snprintf(err, errsz, "%s: %s", path, e2);
	json_object_put(root);
	if (rc == -1)
		k8s_conn_free(c);
	return rc;
}

int
k8s_conn_in_cluster(struct k8s_conn *c, const char *sa_dir, const char *host,
    const char *port, char *err, size_t errsz)
{
	char path[4096], url[512];
	struct stat st;
	size_t len;
	char *ns;

	memset(c, 0, sizeof(*c));
	if (host == NULL || *host == '\0' || strpbrk(host, "/ \t\r\n@") != NULL) {
		snprintf(err, errsz, "KUBERNETES_SERVICE_HOST is not set");
		return -1;
	}
	/* An IPv6 address goes in brackets. */
	snprintf(url, sizeof(url), strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s",
	    host, port && *port ? port : "443");
	if (!server_ok(url)) {
		snprintf(err, errsz, "the in-cluster API server address is not usable");
		return -1;
	}
	set_server(c, url);
	snprintf(path, sizeof(path), "%s/token", sa_dir);
	if (stat(path, &st) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		k8s_conn_free(c);
		return -1;
	}
	c->token_file = dup_or_null(path);
	snprintf(path, sizeof(path), "%s/ca.crt", sa_dir);
	c->ca_file = dup_or_null(path);
	snprintf(path, sizeof(path), "%s/namespace", sa_dir);
	if ((ns = slurp(path, 253, &len, err, errsz)) != NULL) {
		while (len > 0 && (ns[len - 1] == '\n' || ns[len - 1] == ' '))
			ns[--len] = '\0';
		c->namespace = ns;
	}
	err[0] = '\0';
	return 0;
}

int
k8s_conn_from_config(struct k8s_conn *c, const struct config *cfg, char *err,
    size_t errsz)
{
	const char *path = config_get(cfg, CFG_ORCH_KUBECONFIG);
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	struct stat st;

	memset(c, 0, sizeof(*c));
	if (path != NULL && *path != '\0')
		return k8s_conn_from_file(c, path, err, errsz) == 0 ? 1 : -1;
	if (host == NULL || stat(K8S_SA_DIR "/token", &st) == -1)
		return 0;
	return k8s_conn_in_cluster(c, K8S_SA_DIR, host,
	    getenv("KUBERNETES_SERVICE_PORT"), err, errsz) == 0 ? 1 : -1;
}
