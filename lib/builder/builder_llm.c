/*
 * The builder's optional first try: when ORX_LLM_URL names an
 * OpenAI-compatible chat completions endpoint, the text and the tool
 * catalog are sent there and the answer is treated like any document a
 * client could send -- parsed strictly, stripped of server fields, and
 * validated with workflow_check. Anything short of a valid document (no
 * URL, a network error, a refusal, prose, an invalid graph) falls back to
 * the templates, so the result is never worse than without a model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "arena.h"
#include "builder.h"
#include "curlio.h"
#include "builder_int.h"
#include "config.h"
#include "json.h"
#include "log.h"
#include "toolcheck.h"
#include "workflow.h"

#define LLM_MAX_RESPONSE	(1024 * 1024)

static const char *const llm_instructions =
    "You design workflows for Orchestrix. Answer with one JSON object and "
    "nothing else: {\"name\", \"description\", \"inputSchema\" (JSON Schema of "
    "the request), \"tools\": [{\"toolId\", \"name\", \"type\", \"config\"}], "
    "\"executionOrder\": [toolIds]}. Start with an input tool, end with a "
    "response tool; a validate tool keeps its rules consistent with "
    "inputSchema. Templates: {{input.<field>}}, {{steps.<toolId>.<path>}}, "
    "{{env.now}}; a step may only read steps that run before it. JWT secrets "
    "are named (e.g. \"jwtKey\"), never written out. The tool types and the "
    "JSON Schema of each config follow.\n";

/* The request body (new object). */
static struct json_object *
llm_request(const struct catalog *cat, const char *model, const char *text)
{
	struct json_object *req = json_object_new_object(), *msgs = json_object_new_array();
	struct json_object *sys = json_object_new_object(), *user = json_object_new_object();
	size_t n = strlen(llm_instructions) + strlen(catalog_json(cat)) + 1;
	char *prompt = malloc(n);

	if (prompt != NULL)
		snprintf(prompt, n, "%s%s", llm_instructions, catalog_json(cat));
	json_object_object_add(sys, "role", json_object_new_string("system"));
	json_object_object_add(sys, "content",
	    json_object_new_string(prompt != NULL ? prompt : llm_instructions));
	free(prompt);
	json_object_object_add(user, "role", json_object_new_string("user"));
	json_object_object_add(user, "content", json_object_new_string(text));
	json_object_array_add(msgs, sys);
	json_object_array_add(msgs, user);
	json_object_object_add(req, "model", json_object_new_string(model));
	json_object_object_add(req, "temperature", json_object_new_int(0));
	json_object_object_add(req, "response_format",
	    bd_jsonv("{\"type\":\"json_object\"}"));
	json_object_object_add(req, "messages", msgs);
	return req;
}

/* POSTs body to the endpoint; returns the 2xx response text (malloc'd) or NULL. */
static char *
llm_call(const struct config *cfg, const char *url, const char *body)
{
	struct curl_body b = { .max = LLM_MAX_RESPONSE };
	struct curl_slist *hl = NULL;
	const char *key = config_get(cfg, CFG_LLM_API_KEY);
	char auth[600], errbuf[CURL_ERROR_SIZE] = "";
	long code = 0;
	CURLcode cc = CURLE_OK;
	CURL *h;

	if ((h = curl_easy_init()) == NULL)
		return NULL;
	/* A header lost to memory would send the request without its key. */
	if (slist_add(&hl, "Content-Type: application/json") == -1 ||
	    slist_add(&hl, "Expect:") == -1)
		cc = CURLE_OUT_OF_MEMORY;
	if (key != NULL && *key != '\0') {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
		if (slist_add(&hl, auth) == -1)
			cc = CURLE_OUT_OF_MEMORY;
		explicit_bzero(auth, sizeof(auth));
	}
	if (cc == CURLE_OK)
		cc = curl_defaults(h, cfg->http_timeout_ms, "orchestrix-builder", hl,
		    errbuf, &b);
#define SET(opt, val) do {						\
	if (cc == CURLE_OK)						\
		cc = curl_easy_setopt(h, opt, val);			\
} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_POSTFIELDS, body);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
#undef SET
	if (cc == CURLE_OK)
		cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hl);
	curl_easy_cleanup(h);
	if (cc != CURLE_OK || code < 200 || code > 299 || b.data == NULL) {
		log_warn("builder: the language model did not answer (HTTP %ld, %s); "
		    "using the templates", code, cc != CURLE_OK ? (errbuf[0] ? errbuf :
		    curl_easy_strerror(cc)) : "no usable body");
		free(b.data);
		return NULL;
	}
	return b.data;
}

/*
 * The document inside the model's answer: choices[0].message.content,
 * from its first '{' to its last '}' (models wrap JSON in prose or code
 * fences), parsed strictly. Returns a new object or NULL.
 */
static struct json_object *
llm_document(const struct config *cfg, const char *answer)
{
	struct json_object *resp = NULL, *doc = NULL, *choices, *msg;
	const char *content, *open, *close;

	if (json_parse_strict(answer, strlen(answer), cfg->json_max_depth + 8, &resp,
	    NULL) != JP_OK)
		goto done;
	choices = json_get(resp, "choices", json_type_array);
	if (choices == NULL || json_object_array_length(choices) == 0)
		goto done;
	msg = json_get(json_object_array_get_idx(choices, 0), "message", json_type_object);
	if ((content = json_get_str(msg, "content")) == NULL ||
	    (open = strchr(content, '{')) == NULL || (close = strrchr(content, '}')) == NULL ||
	    close < open)
		goto done;
	if (json_parse_strict(open, (size_t)(close - open + 1), cfg->json_max_depth, &doc,
	    NULL) != JP_OK || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		doc = NULL;
	}
done:
	json_object_put(resp);
	return doc;
}

/*
 * Asks the configured model for a document. Returns BUILD_OK with out
 * filled (validated), or BUILD_NOT_UNDERSTOOD when there is no model or
 * its answer is not a valid workflow (the caller then uses the templates).
 */
static enum build_status
llm_create(struct arena *a, const struct catalog *cat, const struct config *cfg,
    const char *text, struct build_result *out)
{
	const char *url = config_get(cfg, CFG_LLM_URL);
	const char *model = config_get(cfg, CFG_LLM_MODEL);
	struct json_object *req, *doc, *errors, *canon = NULL, *changes;
	static const char *const server_fields[] = {
		"serverId", "ownerId", "version", "createdAt", "updatedAt",
		"archestraAgentId", "archestraEndpoint", "archestraDashboardUrl",
		"archestraDeployedAt", "archestraVersion",
	};
	char *answer;

	if (url == NULL || *url == '\0')
		return BUILD_NOT_UNDERSTOOD;
	req = llm_request(cat, model, text);
	answer = llm_call(cfg, url, json_plain(req));
	json_object_put(req);
	if (answer == NULL)
		return BUILD_NOT_UNDERSTOOD;
	doc = llm_document(cfg, answer);
	free(answer);
	if (doc == NULL) {
		log_warn("builder: the language model's answer holds no JSON document; "
		    "using the templates");
		return BUILD_NOT_UNDERSTOOD;
	}
	for (size_t i = 0; i < sizeof(server_fields) / sizeof(server_fields[0]); i++)
		json_object_object_del(doc, server_fields[i]);
	errors = json_object_new_array();
	if (workflow_check(doc, cat, &canon, errors) == -1) {
		log_warn("builder: the language model's document is not valid (%s); "
		    "using the templates", json_plain(errors));
		json_object_put(errors);
		json_object_put(doc);
		return BUILD_NOT_UNDERSTOOD;
	}
	json_object_put(errors);
	json_object_put(doc);
	changes = json_object_new_array();
	bd_change(changes, "generated by the language model %s", model);
	return bd_finish(a, cat, canon, changes, arena_printf(a, "Built \"%s\" with the "
	    "language model (%zu steps).", json_get_str(canon, "name") ?
	    json_get_str(canon, "name") : "the workflow",
	    json_object_array_length(json_object_object_get(canon, "tools"))), out);
}

/*
 * builder_create with the configured model asked first (ORX_LLM_URL);
 * without one, or when its answer is not a valid workflow, the templates.
 */
enum build_status
builder_create_with(struct arena *a, const struct catalog *cat, const struct config *cfg,
    const char *text, struct build_result *out)
{
	enum build_status st = builder_create(a, cat, text, out);

	/* An app (several workflows) is the templates' to build: the model
	 * answers one document. */
	if ((st == BUILD_OK && out->docs != NULL) || cfg == NULL || text == NULL ||
	    *config_get(cfg, CFG_LLM_URL) == '\0')
		return st;
	build_result_clear(out);
	if (llm_create(a, cat, cfg, text, out) == BUILD_OK)
		return BUILD_OK;
	build_result_clear(out);
	return builder_create(a, cat, text, out);
}
