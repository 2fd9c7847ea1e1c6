/*
 * The runtime's orchestrator for dedicated agents (issue 24, part 2; the
 * design of Archestra's MCP server runtime): an agent deployed with
 * "isolation": "dedicated" gets a Kubernetes Deployment of its own (one
 * replica of the runtime image serving that agent only), a Secret with its
 * secrets and the database URL, and a Service whose /mcp is the agent's MCP
 * endpoint. Each is named mcp-<the agent id as a DNS label> and labelled
 * app=mcp-server, mcp-server-id=<agent id>.
 */
#ifndef ORX_ORCHESTRATOR_H
#define ORX_ORCHESTRATOR_H

#include <stddef.h>

#include <json-c/json.h>

#include "k8s.h"

struct config;

enum orch_status { ORCH_NOT_CREATED, ORCH_PENDING, ORCH_RUNNING, ORCH_FAILED, ORCH__MAX };
extern const char *const orch_status_names[ORCH__MAX];

#define ORCH_NAME_MAX	64

struct orch {
	struct k8s_conn		 conn;
	struct k8s_client	 k;
	char			 ns[64];
	const char		*image;         /* the runtime image (config) */
	const char		*database_url;  /* what the agent's pod connects to */
	long			 wait_ms;       /* how long ensure waits for a ready pod */
};

/*
 * Opens the orchestrator as configured (lib/k8s/kubeconfig.h). Returns 1,
 * 0 when none is configured, or -1 with a message in err.
 */
int	orch_open(struct orch *, const struct config *, char *err, size_t errsz);
void	orch_close(struct orch *);

/* mcp-<agent id as a DNS-1123 label>, at most 63 bytes. */
void	orch_name(const char *agent_id, char out[ORCH_NAME_MAX]);
/* The agent's in-cluster base URL, http://<name>.<namespace>.svc.cluster.local */
void	orch_service_url(const struct orch *, const char *agent_id, char *out, size_t outsz);

/*
 * Creates or replaces the agent's Secret (secrets: name -> value, or NULL),
 * Service and Deployment, after deleting a Pod of the same name that no
 * ReplicaSet or Deployment manages (a legacy one). Returns 0, or -1 with
 * the API's reason in err.
 */
int	orch_ensure(struct orch *, const char *agent_id, struct json_object *secrets,
	    char *err, size_t errsz);
/*
 * The agent's status from its Deployment and Pods, with the failure or
 * waiting reason in reason ("" when none). Returns -1 (err set) when the
 * API could not be asked.
 */
int	orch_status(struct orch *, const char *agent_id, enum orch_status *st,
	    char *reason, size_t reasonsz);
/* As orch_status, asking again every 500 ms for up to o->wait_ms while pending. */
int	orch_wait(struct orch *, const char *agent_id, enum orch_status *st,
	    char *reason, size_t reasonsz);
/* Deletes the Deployment, Service and Secret; one already gone is done. */
int	orch_remove(struct orch *, const char *agent_id, char *err, size_t errsz);

/* The status a Deployment (NULL: none) and its PodList (or NULL) show. */
enum orch_status orch_status_of(struct json_object *deployment, struct json_object *pods,
	    char *reason, size_t reasonsz);

#endif
