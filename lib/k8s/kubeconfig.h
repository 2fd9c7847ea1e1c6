/*
 * Where the Kubernetes API is and how to be let in: read from a
 * kubeconfig file (YAML, as kubectl writes it; its current context) or
 * from the in-cluster service account. Client certificates, bearer tokens
 * (a token file is re-read on every call: service account tokens rotate)
 * and the cluster's CA, inline (*-data) or as files.
 */
#ifndef ORX_KUBECONFIG_H
#define ORX_KUBECONFIG_H

#include <stddef.h>

struct config;

#define K8S_SA_DIR	"/var/run/secrets/kubernetes.io/serviceaccount"

/* Every string is malloc'd or NULL; k8s_conn_free frees them. */
struct k8s_conn {
	char	*server;       /* https://host[:port][/prefix], no trailing '/' */
	char	*namespace;    /* the context's, the service account's, or NULL */
	char	*ca_pem, *cert_pem, *key_pem;   /* inline PEM (decoded *-data) */
	size_t	 ca_len, cert_len, key_len;
	char	*ca_file, *cert_file, *key_file;
	char	*token;        /* a bearer token given inline */
	char	*token_file;   /* or a file holding it */
	int	 insecure;     /* insecure-skip-tls-verify: true */
};

/*
 * Fills c from the kubeconfig at path (its current-context; paths in it
 * are relative to its folder). Returns 0, or -1 with a message in err
 * (c is then empty). An exec or auth-provider user is refused: no plugin
 * is run.
 */
int	k8s_conn_from_file(struct k8s_conn *c, const char *path, char *err, size_t errsz);
/*
 * Fills c from a service account folder (token, ca.crt, namespace) and the
 * API server's host and port (KUBERNETES_SERVICE_HOST / _PORT in a pod).
 */
int	k8s_conn_in_cluster(struct k8s_conn *c, const char *sa_dir, const char *host,
	    const char *port, char *err, size_t errsz);
/*
 * The orchestrator's connection as configured: ARCHESTRA_ORCHESTRATOR_KUBECONFIG,
 * else the service account when running in a pod. Returns 1 (c filled),
 * 0 (none configured), or -1 with a message in err.
 */
int	k8s_conn_from_config(struct k8s_conn *c, const struct config *cfg, char *err,
	    size_t errsz);
void	k8s_conn_free(struct k8s_conn *c);

#endif
