/*
 * The Archestra deployment API (SPEC §6), both sides of the wire: the
 * deployment package built from a workflow document (and read back by the
 * runtime), and the libcurl client Orchestrix deploys with.
 */
#ifndef ORX_ARCHESTRA_H
#define ORX_ARCHESTRA_H

#include <stddef.h>
#include <json-c/json.h>

struct config;

#define ARC_MAX_SECRET		8192	/* bytes of one secret value */
#define ARC_MAX_RESPONSE	(1024 * 1024)

/* The package from a canonical workflow document; NULL if doc is not one. */
struct json_object *arc_package(struct json_object *doc, const char *server_id,
		    const char *owner_id, int version, const char *created_at,
		    struct json_object *secrets);
int		 arc_package_to_doc(struct json_object *pkg,
		    struct json_object **doc_out, struct json_object **secrets_out,
		    struct json_object *errors);
int		 arc_agent_id_valid(const char *);

enum arc_status {
	ARC_OK = 0,
	ARC_NO_KEY,
	ARC_UNAUTHORIZED,
	ARC_NETWORK,
	ARC_REJECTED,
	ARC_NOT_FOUND,
	ARC_SERVER_ERROR,
	ARC_BAD_RESPONSE,
	ARC__MAX
};
extern const char *const arc_status_names[ARC__MAX];

struct arc_client {
	const char	*endpoint;    /* e.g. http://127.0.0.1:8080/mcp/agents */
	const char	*api_key;     /* NULL or "" => ARC_NO_KEY, nothing sent */
	long		 timeout_ms;  /* <= 0 => 10 s */
};

struct arc_result {
	enum arc_status	 status;
	int		 http_status;        /* 0 when no response */
	char		 agent_id[96];
	char		 endpoint[512];
	char		 dashboard_url[512];
	int		 version;            /* from the answer, 0 if absent */
	/* "shared" or "dedicated" ("" if the answer says nothing), and a
	 * dedicated agent's orchestrator status and reason ("" if none). */
	char		 isolation[16];
	char		 orch_status[16];
	char		 orch_reason[256];
	char		 reason[300];        /* "" on ARC_OK */
	struct json_object *details;         /* field errors of a 400/422, owned */
};

int		 arc_endpoint_insecure(const char *endpoint);
void		 arc_client_from_config(struct arc_client *, const struct config *,
		    char *endpoint_buf, size_t bufsz);
enum arc_status	 arc_create(const struct arc_client *, struct json_object *package,
		    const char *idempotency_key, struct arc_result *);
enum arc_status	 arc_replace(const struct arc_client *, const char *agent_id,
		    struct json_object *package, struct arc_result *);
enum arc_status	 arc_delete(const struct arc_client *, const char *agent_id,
		    struct arc_result *);
enum arc_status	 arc_get(const struct arc_client *, const char *agent_id,
		    struct arc_result *);
struct buf;
/* Appends "status":<status>,"reason":<reason or null> (an orchestrator's). */
void		 arc_put_orchestrator(struct buf *, const char *status, const char *reason);
void		 arc_result_free(struct arc_result *);

#endif
