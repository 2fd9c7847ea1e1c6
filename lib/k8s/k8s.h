/*
 * A small client of the Kubernetes REST API over libcurl: one JSON request,
 * one JSON answer, with the connection's TLS (the cluster's CA, a client
 * certificate) and bearer token. A failed call keeps the API's Status
 * (reason and message) so callers can tell NotFound, AlreadyExists and
 * Conflict apart.
 *
 *	struct k8s_client k;
 *	struct k8s_res res;
 *	k8s_client_init(&k, &conn, timeout_ms);
 *	if (k8s_call(&k, "GET", "/apis/apps/v1/namespaces/ns/deployments/x", NULL, &res) == 0 &&
 *	    res.http == 200) ... res.body ...
 *	k8s_res_free(&res);
 *	k8s_client_fini(&k);
 */
#ifndef ORX_K8S_H
#define ORX_K8S_H

#include <json-c/json.h>

#include "kubeconfig.h"

#define K8S_MAX_RESPONSE	(4 * 1024 * 1024)

struct k8s_client {
	const struct k8s_conn	*conn;
	long			 timeout_ms;
	void			*curl;   /* one handle for every call: kept alive */
};

struct k8s_res {
	int			 http;          /* 0 when nothing answered */
	struct json_object	*body;          /* the answer, an object, or NULL; owned */
	char			 reason[64];    /* a Status answer's reason, or "" */
	char			 message[256];  /* what went wrong, for logs and errors */
};

void	k8s_client_init(struct k8s_client *, const struct k8s_conn *, long timeout_ms);
void	k8s_client_fini(struct k8s_client *);
/*
 * method path (below the server, with its query) with body (or NULL) as
 * JSON. Returns 0 once an answer arrived (any status: see res->http), or
 * -1 when none did (res->message says why). res is overwritten.
 */
int	k8s_call(struct k8s_client *, const char *method, const char *path,
	    struct json_object *body, struct k8s_res *res);
void	k8s_res_free(struct k8s_res *);
/* "x" as a DNS-1123 label (a-z, 0-9, '-'), at most 63 bytes; 1 if it is one. */
int	k8s_label_ok(const char *);

#endif
