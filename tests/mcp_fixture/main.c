/*
 * mcp_fixture: the MCP conformance fixture. It serves, through lib/mcp/,
 * every tool, resource and prompt the official conformance suite
 * (@modelcontextprotocol/conformance) names, at /fixture/mcp. Its sessions
 * live in the stack's PostgreSQL, schema public (tables of migration 004).
 * scripts/stack.sh starts it ("fixture") behind the test stack's nginx.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "json.h"
#include "mcp.h"
#include "server.h"

#define MB	(1024 * 1024)

static const char png_b64[] =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
static const char wav_b64[] =
    "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

#define NO_ARGS "{\"type\":\"object\",\"properties\":{}}"

static const struct {
	const char *name, *description, *schema;
} tools[] = {
	{ "test_simple_text", "Tests simple text content response", NO_ARGS },
	{ "test_image_content", "Tests image content response", NO_ARGS },
	{ "test_audio_content", "Tests audio content response", NO_ARGS },
	{ "test_embedded_resource", "Tests embedded resource content response", NO_ARGS },
	{ "test_multiple_content_types",
	    "Tests response with multiple content types (text, image, resource)", NO_ARGS },
	{ "test_tool_with_logging", "Tests tool that emits log messages during execution",
	    NO_ARGS },
	{ "test_tool_with_progress", "Tests tool that reports progress notifications",
	    NO_ARGS },
	{ "test_error_handling", "Tests error response handling", NO_ARGS },
	{ "test_reconnection", "Tests SSE stream disconnection and client reconnection "
	    "(SEP-1699): the server closes the stream mid-call", NO_ARGS },
	{ "test_sampling", "Tests server-initiated sampling (LLM completion request)",
	    "{\"type\":\"object\",\"properties\":{\"prompt\":{\"type\":\"string\","
	    "\"description\":\"The prompt to send to the LLM\"}},\"required\":[\"prompt\"]}" },
	{ "test_elicitation", "Tests server-initiated elicitation (user input request)",
	    "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\","
	    "\"description\":\"The message to show the user\"}},\"required\":[\"message\"]}" },
	{ "test_elicitation_sep1034_defaults",
	    "Tests elicitation with default values per SEP-1034", NO_ARGS },
	{ "test_elicitation_sep1330_enums",
	    "Tests elicitation with enum schema improvements per SEP-1330", NO_ARGS },
	/* Not named by the suite: for tests/integration/test_60_mcp.py. */
	{ "orx_touch_resource", "Tells the sessions subscribed to a resource that it "
	    "changed (notifications/resources/updated on their GET streams)",
	    "{\"type\":\"object\",\"properties\":{\"uri\":{\"type\":\"string\"}},"
	    "\"required\":[\"uri\"]}" },
	{ "orx_list_changed", "Tells every session of this endpoint that the tool "
	    "list changed (notifications/tools/list_changed on their GET streams)", NO_ARGS },
	{ "json_schema_2020_12_tool",
	    "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
	    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
	    "\"$defs\":{\"address\":{\"type\":\"object\",\"properties\":{\"street\":"
	    "{\"type\":\"string\"},\"city\":{\"type\":\"string\"}}}},\"properties\":"
	    "{\"name\":{\"type\":\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"}},"
	    "\"additionalProperties\":false}" },
};
#define NTOOLS (sizeof(tools) / sizeof(tools[0]))

static const char sep1034_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\",\"description\":\"User name\",\"default\":\"John Doe\"},"
    "\"age\":{\"type\":\"integer\",\"description\":\"User age\",\"default\":30},"
    "\"score\":{\"type\":\"number\",\"description\":\"User score\",\"default\":95.5},"
    "\"status\":{\"type\":\"string\",\"description\":\"User status\","
    "\"enum\":[\"active\",\"inactive\",\"pending\"],\"default\":\"active\"},"
    "\"verified\":{\"type\":\"boolean\",\"description\":\"Verification status\",\"default\":true}"
    "},\"required\":[]}";

static const char sep1330_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"untitledSingle\":{\"type\":\"string\",\"description\":\"Select one option\","
    "\"enum\":[\"option1\",\"option2\",\"option3\"]},"
    "\"titledSingle\":{\"type\":\"string\",\"description\":\"Select one option with titles\","
    "\"oneOf\":[{\"const\":\"value1\",\"title\":\"First Option\"},"
    "{\"const\":\"value2\",\"title\":\"Second Option\"},"
    "{\"const\":\"value3\",\"title\":\"Third Option\"}]},"
    "\"legacyEnum\":{\"type\":\"string\",\"description\":\"Select one option (legacy)\","
    "\"enum\":[\"opt1\",\"opt2\",\"opt3\"],"
    "\"enumNames\":[\"Option One\",\"Option Two\",\"Option Three\"]},"
    "\"untitledMulti\":{\"type\":\"array\",\"description\":\"Select multiple options\","
    "\"minItems\":1,\"maxItems\":3,\"items\":{\"type\":\"string\","
    "\"enum\":[\"option1\",\"option2\",\"option3\"]}},"
    "\"titledMulti\":{\"type\":\"array\",\"description\":\"Select multiple options with titles\","
    "\"minItems\":1,\"maxItems\":3,\"items\":{\"anyOf\":["
    "{\"const\":\"value1\",\"title\":\"First Choice\"},"
    "{\"const\":\"value2\",\"title\":\"Second Choice\"},"
    "{\"const\":\"value3\",\"title\":\"Third Choice\"}]}}"
    "},\"required\":[]}";

/* Parses a constant JSON text of this file (trusted). */
static struct json_object *
J(const char *text)
{
	return json_tokener_parse(text);
}

static struct json_object *
item(const char *type, const char *k1, const char *v1, const char *k2,
    const char *v2)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, k1, json_object_new_string(v1));
	if (k2 != NULL)
		json_object_object_add(o, k2, json_object_new_string(v2));
	return o;
}

static struct json_object *
embedded(const char *uri, const char *mime, const char *text)
{
	struct json_object *o = json_object_new_object(), *r = json_object_new_object();

	json_object_object_add(r, "uri", json_object_new_string(uri));
	json_object_object_add(r, "mimeType", json_object_new_string(mime));
	json_object_object_add(r, "text", json_object_new_string(text));
	json_object_object_add(o, "type", json_object_new_string("resource"));
	json_object_object_add(o, "resource", r);
	return o;
}

static int
f_tools_list(struct mcp_ctx *c, struct json_object *params, struct json_object *result)
{
	struct json_object *arr = json_object_new_array();

	(void)c;
	(void)params;
	for (size_t i = 0; i < NTOOLS; i++) {
		struct json_object *t = json_object_new_object();
		json_object_object_add(t, "name", json_object_new_string(tools[i].name));
		json_object_object_add(t, "description",
		    json_object_new_string(tools[i].description));
		json_object_object_add(t, "inputSchema", J(tools[i].schema));
		json_object_array_add(arr, t);
	}
	json_object_object_add(result, "tools", arr);
	return 0;
}

/* An elicitation/create with schema; the answer is echoed as text. */
static int
elicit(struct mcp_ctx *c, const char *message, const char *schema,
    const char *prefix, struct json_object *result)
{
	struct json_object *p = json_object_new_object(), *answer, *content;
	const char *action;
	int rc;

	json_object_object_add(p, "message", json_object_new_string(message));
	json_object_object_add(p, "requestedSchema", J(schema));
	rc = mcp_request(c, "elicitation/create", p, 0, &answer);
	if (rc != 0) {
		mcp_tool_text(result, 0, "Elicitation not supported or error: %s", c->errmsg);
		return 0;
	}
	action = json_get_str(answer, "action");
	content = json_get(answer, "content", json_type_object);
	mcp_tool_text(result, 0, "%s: action=%s, content=%s", prefix,
	    action ? action : "?", content ? json_plain(content) : "{}");
	return 0;
}

static int
f_tools_call(struct mcp_ctx *c, struct json_object *params, struct json_object *result)
{
	const char *name = json_get_str(params, "name");
	struct json_object *args = json_get(params, "arguments", json_type_object);

	if (strcmp(name, "test_simple_text") == 0)
		mcp_tool_text(result, 0, "This is a simple text response for testing.");
	else if (strcmp(name, "test_image_content") == 0)
		mcp_content_add(result, item("image", "data", png_b64, "mimeType", "image/png"));
	else if (strcmp(name, "test_audio_content") == 0)
		mcp_content_add(result, item("audio", "data", wav_b64, "mimeType", "audio/wav"));
	else if (strcmp(name, "test_embedded_resource") == 0)
		mcp_content_add(result, embedded("test://embedded-resource", "text/plain",
		    "This is an embedded resource content."));
	else if (strcmp(name, "test_multiple_content_types") == 0) {
		mcp_tool_text(result, 0, "Multiple content types test:");
		mcp_content_add(result, item("image", "data", png_b64, "mimeType", "image/png"));
		mcp_content_add(result, embedded("test://mixed-content-resource",
		    "application/json", "{\"test\":\"data\",\"value\":123}"));
	} else if (strcmp(name, "test_tool_with_logging") == 0) {
		mcp_log(c, MCP_LOG_INFO, NULL, "Tool execution started");
		usleep(50000);
		mcp_log(c, MCP_LOG_INFO, NULL, "Tool processing data");
		usleep(50000);
		mcp_log(c, MCP_LOG_INFO, NULL, "Tool execution completed");
		mcp_tool_text(result, 0, "Tool with logging executed successfully");
	} else if (strcmp(name, "test_tool_with_progress") == 0) {
		mcp_progress(c, 0, 100, "Completed step 0 of 100");
		usleep(50000);
		mcp_progress(c, 50, 100, "Completed step 50 of 100");
		usleep(50000);
		mcp_progress(c, 100, 100, "Completed step 100 of 100");
		mcp_tool_text(result, 0, "%s", c->progress_token ?
		    json_plain(c->progress_token) : "0");
	} else if (strcmp(name, "test_error_handling") == 0)
		mcp_tool_text(result, 1, "This tool intentionally returns an error for testing");
	else if (strcmp(name, "test_reconnection") == 0) {
		/* SEP-1699: the client must come back with Last-Event-ID. */
		mcp_close_stream(c);
		usleep(100000);
		mcp_tool_text(result, 0, "Reconnection test completed successfully. If you "
		    "received this, the client properly reconnected after stream closure.");
	} else if (strcmp(name, "test_sampling") == 0) {
		const char *prompt = args ? json_get_str(args, "prompt") : NULL;
		struct json_object *p, *answer, *content;
		char msg[2048];
		int rc;

		if (prompt == NULL)
			return mcp_fail(c, MCP_INVALID_PARAMS, "arguments.prompt must be a string");
		snprintf(msg, sizeof(msg), "{\"messages\":[{\"role\":\"user\",\"content\":"
		    "{\"type\":\"text\",\"text\":\"\"}}],\"maxTokens\":100}");
		p = J(msg);
		json_object_object_add(json_object_object_get(json_object_array_get_idx(
		    json_object_object_get(p, "messages"), 0), "content"), "text",
		    json_object_new_string(prompt));
		rc = mcp_request(c, "sampling/createMessage", p, 0, &answer);
		if (rc != 0)
			mcp_tool_text(result, 0, "Sampling not supported or error: %s", c->errmsg);
		else {
			content = json_get(answer, "content", json_type_object);
			const char *text = content ? json_get_str(content, "text") : NULL;
			mcp_tool_text(result, 0, "LLM response: %s", text ? text : "No response");
		}
	} else if (strcmp(name, "test_elicitation") == 0) {
		const char *message = args ? json_get_str(args, "message") : NULL;
		if (message == NULL)
			return mcp_fail(c, MCP_INVALID_PARAMS, "arguments.message must be a string");
		return elicit(c, message, "{\"type\":\"object\",\"properties\":{\"response\":"
		    "{\"type\":\"string\",\"description\":\"User's response\"}},"
		    "\"required\":[\"response\"]}", "User response", result);
	} else if (strcmp(name, "test_elicitation_sep1034_defaults") == 0)
		return elicit(c, "Please review and update the form fields with defaults",
		    sep1034_schema, "Elicitation completed", result);
	else if (strcmp(name, "test_elicitation_sep1330_enums") == 0)
		return elicit(c, "Please select options from the enum fields",
		    sep1330_schema, "Elicitation completed", result);
	else if (strcmp(name, "orx_touch_resource") == 0) {
		const char *uri = args ? json_get_str(args, "uri") : NULL;
		if (uri == NULL)
			return mcp_fail(c, MCP_INVALID_PARAMS, "arguments.uri must be a string");
		if (mcp_resource_updated(c, uri) == -1)
			mcp_tool_text(result, 1, "could not notify the subscribers");
		else
			mcp_tool_text(result, 0, "subscribers of %s notified", uri);
	} else if (strcmp(name, "orx_list_changed") == 0) {
		if (mcp_broadcast(c->req->app->db, c->arena, c->endpoint,
		    "notifications/tools/list_changed") == -1)
			mcp_tool_text(result, 1, "could not notify the sessions");
		else
			mcp_tool_text(result, 0, "sessions notified");
	} else if (strcmp(name, "json_schema_2020_12_tool") == 0)
		mcp_tool_text(result, 0, "JSON Schema 2020-12 tool called with: %s",
		    args ? json_plain(args) : "{}");
	else
		return mcp_fail(c, MCP_INVALID_PARAMS, "unknown tool %.100s", name);
	return 0;
}

static const struct {
	const char *uri, *name, *title, *description, *mime, *text, *blob;
} resources[] = {
	{ "test://static-text", "static-text", "Static Text Resource",
	    "A static text resource for testing", "text/plain",
	    "This is the content of the static text resource.", NULL },
	{ "test://static-binary", "static-binary", "Static Binary Resource",
	    "A static binary resource (image) for testing", "image/png", NULL, png_b64 },
	{ "test://watched-resource", "watched-resource", "Watched Resource",
	    "A resource that clients may subscribe to", "text/plain",
	    "Watched resource content", NULL },
};
#define NRES (sizeof(resources) / sizeof(resources[0]))

static int
f_resources_list(struct mcp_ctx *c, struct json_object *params, struct json_object *result)
{
	struct json_object *arr = json_object_new_array();

	(void)c;
	(void)params;
	for (size_t i = 0; i < NRES; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "uri", json_object_new_string(resources[i].uri));
		json_object_object_add(o, "name", json_object_new_string(resources[i].name));
		json_object_object_add(o, "title", json_object_new_string(resources[i].title));
		json_object_object_add(o, "description",
		    json_object_new_string(resources[i].description));
		json_object_object_add(o, "mimeType", json_object_new_string(resources[i].mime));
		json_object_array_add(arr, o);
	}
	json_object_object_add(result, "resources", arr);
	return 0;
}

static int
f_templates_list(struct mcp_ctx *c, struct json_object *params, struct json_object *result)
{
	(void)c;
	(void)params;
	json_object_object_add(result, "resourceTemplates", J(
	    "[{\"uriTemplate\":\"test://template/{id}/data\",\"name\":\"template\","
	    "\"title\":\"Resource Template\",\"description\":\"A resource template with "
	    "parameter substitution\",\"mimeType\":\"application/json\"}]"));
	return 0;
}

static int
f_resources_read(struct mcp_ctx *c, struct json_object *params, struct json_object *result)
{
	const char *uri = json_get_str(params, "uri");
	struct json_object *arr = json_object_new_array(), *o = json_object_new_object();
	static const char tpre[] = "test://template/", tsuf[] = "/data";
	size_t n = strlen(uri);

	json_object_object_add(result, "contents", arr);
	json_object_array_add(arr, o);
	json_object_object_add(o, "uri", json_object_new_string(uri));
	for (size_t i = 0; i < NRES; i++)
		if (strcmp(uri, resources[i].uri) == 0) {
			json_object_object_add(o, "mimeType",
			    json_object_new_string(resources[i].mime));
			json_object_object_add(o, resources[i].text ? "text" : "blob",
			    json_object_new_string(resources[i].text ? resources[i].text :
			    resources[i].blob));
			return 0;
		}
	if (n > sizeof(tpre) - 1 + sizeof(tsuf) - 1 && n < 300 &&
	    strncmp(uri, tpre, sizeof(tpre) - 1) == 0 &&
	    strcmp(uri + n - (sizeof(tsuf) - 1), tsuf) == 0) {
		char id[300];
		struct json_object *d = json_object_new_object();
		size_t idn = n - (sizeof(tpre) - 1) - (sizeof(tsuf) - 1);

		memcpy(id, uri + sizeof(tpre) - 1, idn);
		id[idn] = '\0';
		if (strchr(id, '/') == NULL) {
			char text[400];
			json_object_object_add(d, "id", json_object_new_string(id));
			json_object_object_add(d, "templateTest", json_object_new_boolean(1));
			snprintf(text, sizeof(text), "Data for ID: %s", id);
			json_object_object_add(d, "data", json_object_new_string(text));
			json_object_object_add(o, "mimeType",
			    json_object_new_string("application/json"));
			json_object_object_add(o, "text", json_object_new_string(json_plain(d)));
			json_object_put(d);
			return 0;
		}
		json_object_put(d);
	}
	return mcp_fail(c, MCP_RESOURCE_NOT_FOUND, "Resource not found: %.200s", uri);
}

static int
f_prompts_list(struct mcp_ctx *c, struct json_object *params, struct json_object *result)
{
	(void)c;
	(void)params;
	json_object_object_add(result, "prompts", J("["
	    "{\"name\":\"test_simple_prompt\",\"title\":\"Simple Test Prompt\","
	    "\"description\":\"A simple prompt without arguments\"},"
	    "{\"name\":\"test_prompt_with_arguments\",\"title\":\"Prompt With Arguments\","
	    "\"description\":\"A prompt with required arguments\",\"arguments\":["
	    "{\"name\":\"arg1\",\"description\":\"First test argument\",\"required\":true},"
	    "{\"name\":\"arg2\",\"description\":\"Second test argument\",\"required\":true}]},"
	    "{\"name\":\"test_prompt_with_embedded_resource\",\"title\":\"Prompt With Embedded "
	    "Resource\",\"description\":\"A prompt that includes an embedded resource\","
	    "\"arguments\":[{\"name\":\"resourceUri\",\"description\":\"URI of the resource "
	    "to embed\",\"required\":true}]},"
	    "{\"name\":\"test_prompt_with_image\",\"title\":\"Prompt With Image\","
	    "\"description\":\"A prompt that includes image content\"}]"));
	return 0;
}

static int
f_prompts_get(struct mcp_ctx *c, struct json_object *params, struct json_object *result)
{
	const char *name = json_get_str(params, "name");
	struct json_object *args = json_get(params, "arguments", json_type_object);
	struct json_object *msgs = json_object_new_array();
	char text[1024];

	json_object_object_add(result, "messages", msgs);
	if (strcmp(name, "test_simple_prompt") == 0)
		mcp_prompt_message(msgs, mcp_text_item("This is a simple prompt for testing."));
	else if (strcmp(name, "test_prompt_with_arguments") == 0) {
		const char *a1 = args ? json_get_str(args, "arg1") : NULL;
		const char *a2 = args ? json_get_str(args, "arg2") : NULL;
		if (a1 == NULL || a2 == NULL)
			return mcp_fail(c, MCP_INVALID_PARAMS, "arguments arg1 and arg2 are required");
		snprintf(text, sizeof(text), "Prompt with arguments: arg1='%.400s', arg2='%.400s'",
		    a1, a2);
		mcp_prompt_message(msgs, mcp_text_item(text));
	} else if (strcmp(name, "test_prompt_with_embedded_resource") == 0) {
		const char *uri = args ? json_get_str(args, "resourceUri") : NULL;
		if (uri == NULL)
			return mcp_fail(c, MCP_INVALID_PARAMS, "argument resourceUri is required");
		mcp_prompt_message(msgs, embedded(uri, "text/plain", "Embedded resource content for testing."));
		mcp_prompt_message(msgs, mcp_text_item("Please process the embedded resource above."));
	} else if (strcmp(name, "test_prompt_with_image") == 0) {
		mcp_prompt_message(msgs, item("image", "data", png_b64, "mimeType", "image/png"));
		mcp_prompt_message(msgs, mcp_text_item("Please analyze the image above."));
	} else
		return mcp_fail(c, MCP_INVALID_PARAMS, "unknown prompt %.100s", name);
	return 0;
}

static int
f_complete(struct mcp_ctx *c, struct json_object *params, struct json_object *result)
{
	(void)c;
	(void)params;
	json_object_object_add(result, "completion",
	    J("{\"values\":[],\"total\":0,\"hasMore\":false}"));
	return 0;
}

static const struct mcp_server fixture = {
	.name = "orchestrix-mcp-fixture",
	.title = "Orchestrix MCP conformance fixture",
	.version = "1.0.0",
	.instructions = "The conformance suite's fixtures, served by Orchestrix's lib/mcp.",
	.flags = MCP_RESOURCES_SUBSCRIBE | MCP_TOOLS_LIST_CHANGED,
	.tools_list = f_tools_list,
	.tools_call = f_tools_call,
	.resources_list = f_resources_list,
	.resources_read = f_resources_read,
	.resources_templates_list = f_templates_list,
	.prompts_list = f_prompts_list,
	.prompts_get = f_prompts_get,
	.completion_complete = f_complete,
	.stream_hold_ms = 5000,
	.retry_ms = 500,
	.request_timeout_ms = 30000,
};

/* X-Fixture-Worker names the worker, so tests see requests change workers. */
static int
h_mcp(struct req *r, struct resp *w)
{
	resp_header(w, "X-Fixture-Worker", arena_printf(r->arena, "%ld", (long)getpid()));
	return mcp_handle(&fixture, NULL, r, w);
}

static int
h_healthz(struct req *r, struct resp *w)
{
	(void)r;
	return resp_raw_json(w, HTTP_OK, "{\"status\":\"ok\"}", 15);
}

static const struct route routes[] = {
	{ HTTP_POST,   "/fixture/mcp", h_mcp, 0, MB, 0, {0} },
	{ HTTP_GET,    "/fixture/mcp", h_mcp, 0, 0, 0, {0} },
	{ HTTP_DELETE, "/fixture/mcp", h_mcp, 0, 0, 0, {0} },
	{ HTTP_GET,    "/fixture/healthz", h_healthz, 0, 0, 0, {0} },
	{ 0, NULL, NULL, 0, 0, 0, {0} }
};

static const struct router router = { routes, NULL, NULL, NULL };

static const struct program program = {
	.name = "mcp_fixture",
	.router = &router,
};

int
main(int argc, char **argv)
{
	return server_main(&program, argc, argv);
}
