/*
 * Fuzz harness: the workflow document. The input is a request body; what
 * parses goes through workflow_check with the tool catalog, as on save.
 * A refused document has errors and no canonical form; an accepted one has
 * a canonical form that passes the check again unchanged and compiles into
 * a plan (a stored workflow that does not compile could never run).
 */
#include <string.h>

#include <json-c/json.h>

#include "engine.h"
#include "json.h"
#include "toolcheck.h"
#include "workflow.h"
#include "fuzz.h"

#define BODY_MAX	(1024 * 1024)

/* The catalog is built once, like a worker does; it lives until exit. */
static struct catalog *cat;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *doc = NULL, *canon = NULL, *again = NULL, *errors;
	struct plan *p = NULL;
	int rc;

	if (size > BODY_MAX)
		return 0;
	if (cat == NULL && (cat = catalog_new()) == NULL)
		abort();
	if (json_parse_strict((const char *)data, size, 32, &doc, NULL) != JP_OK)
		return 0;
	errors = json_object_new_array();
	rc = workflow_check(doc, cat, &canon, errors);
	if (rc != 0) {
		FUZZ_ASSERT(rc == -1 && canon == NULL);
		FUZZ_ASSERT(json_object_array_length(errors) > 0);
		goto out;
	}
	FUZZ_ASSERT(canon != NULL && json_object_array_length(errors) == 0);
	/* The canonical form is a fixed point of the check. */
	FUZZ_ASSERT(workflow_check(canon, cat, &again, errors) == 0);
	FUZZ_ASSERT(json_object_equal(canon, again));
	if (plan_compile(canon, "mcp_fuzz", 1, &p, errors) != 0) {
		fprintf(stderr, "plan_compile refused a checked workflow: %s\n",
		    json_plain(errors));
		FUZZ_ASSERT(!"a checked workflow compiles");
	}
	FUZZ_ASSERT(p != NULL && p->nsteps > 0 && p->steps != NULL);
	for (size_t i = 0; i < p->nsteps; i++)
		FUZZ_ASSERT(p->steps[i].tool_id != NULL && p->steps[i].type < TOOL__MAX);
	plan_free(p);
out:
	json_object_put(again);
	json_object_put(canon);
	json_object_put(errors);
	json_object_put(doc);
	return 0;
}
