/*
 * Unit tests for lib/engine/mask.c: secrets masked in every string of a
 * value, passwords and password hashes in traces, the value given never
 * changed (traces share objects with the plan), text masked in place.
 */
#include <string.h>

#include <json-c/json.h>

#include "config.h"
#include "engine.h"
#include "json.h"
#include "mask.h"
#include "t.h"

static struct json_object *
P(const char *s)
{
	return json_tokener_parse(s);
}

/* The masked form of text under secrets, as plain JSON (a static copy). */
static const char *
masked(const char *text, struct json_object *secrets, enum mask_mode mode)
{
	static char out[1024];
	struct json_object *v = P(text), *m = mask_json(v, secrets, mode);

	snprintf(out, sizeof(out), "%s", json_plain(m));
	json_object_put(m);
	json_object_put(v);
	return out;
}

static void
test_secrets(void)
{
	struct json_object *sec = P("{\"k\":\"CANARY-1234\",\"short\":\"abc\"}");

	T_STR(masked("{\"a\":\"x CANARY-1234 y CANARY-1234\"}", sec, MASK_SECRETS),
	    "{\"a\":\"x *** y ***\"}", "every occurrence in a string");
	T_STR(masked("[\"CANARY-1234\",{\"d\":[1,\"pre-CANARY-1234\"]}]", sec, MASK_SECRETS),
	    "[\"***\",{\"d\":[1,\"pre-***\"]}]", "at any depth, in arrays too");
	T_STR(masked("\"CANARY-1234\"", sec, MASK_SECRETS), "\"***\"", "a bare string");
	T_STR(masked("{\"password\":\"p\",\"abc\":\"abc\"}", sec, MASK_SECRETS),
	    "{\"password\":\"p\",\"abc\":\"abc\"}",
	    "MASK_SECRETS: passwords kept, secrets under 4 bytes not looked for");
	T_STR(masked("{\"n\":1,\"b\":true,\"z\":null}", sec, MASK_SECRETS),
	    "{\"n\":1,\"b\":true,\"z\":null}", "other types untouched");
	json_object_put(sec);
}

static void
test_trace(void)
{
	struct json_object *none = P("{}");

	T_STR(masked("{\"password\":\"hunter22\",\"userPassword\":5,\"apiKey\":\"k\","
	    "\"Authorization\":\"Bearer x\",\"secretThing\":\"s\",\"keep\":\"v\"}", none,
	    MASK_TRACE),
	    "{\"password\":\"***\",\"userPassword\":\"***\",\"apiKey\":\"***\","
	    "\"Authorization\":\"***\",\"secretThing\":\"***\",\"keep\":\"v\"}",
	    "password-like keys masked in traces");
	T_STR(masked("{\"hash\":\"pbkdf2-sha256$1000$AAAA$BBBB\",\"algorithm\":\"pbkdf2-sha256\"}",
	    none, MASK_TRACE), "{\"hash\":\"***\",\"algorithm\":\"pbkdf2-sha256\"}",
	    "a password hash is masked like a password, under any key");
	T_STR(masked("{\"documents\":[{\"email\":\"a@b.c\",\"pw\":\"pbkdf2-sha256$9$x$y\"}]}",
	    NULL, MASK_TRACE), "{\"documents\":[{\"email\":\"a@b.c\",\"pw\":\"***\"}]}",
	    "a hash inside found documents (db_find), without secrets");
	T_STR(masked("{\"hash\":\"pbkdf2-sha256$1000$AAAA$BBBB\"}", none, MASK_SECRETS),
	    "{\"hash\":\"pbkdf2-sha256$1000$AAAA$BBBB\"}", "MASK_SECRETS leaves hashes");
	json_object_put(none);
}

static void
test_never_changes_its_argument(void)
{
	struct json_object *sec = P("{\"k\":\"CANARY-1234\"}");
	struct json_object *shared = P("{\"deep\":\"nothing here\"}");
	struct json_object *v = json_object_new_object(), *m;
	const char *before;
	char copy[512];

	json_object_object_add(v, "leak", json_object_new_string("CANARY-1234"));
	json_object_object_add(v, "same", json_object_get(shared));
	before = json_plain(v);
	snprintf(copy, sizeof(copy), "%s", before);
	m = mask_json(v, sec, MASK_TRACE);
	T_STR(json_plain(v), copy, "the value given is unchanged");
	T_OK(m != v, "a masked copy is a new object");
	T_OK(json_object_object_get(m, "same") == shared,
	    "members that need no masking are shared, not copied");
	json_object_put(m);
	m = mask_json(shared, sec, MASK_SECRETS);
	T_OK(m == shared, "nothing to mask: the same object, a new reference");
	json_object_put(m);
	T_OK(mask_json(NULL, sec, MASK_TRACE) == NULL, "NULL gives NULL");
	json_object_put(v);
	json_object_put(shared);
	json_object_put(sec);
}

static void
test_redact_in_place(void)
{
	struct json_object *sec = P("{\"k\":\"CANARY-1234\"}");
	struct json_object *v = P("{\"a\":\"x CANARY-1234\",\"password\":\"p\",\"n\":[\"CANARY-1234\"]}");
	struct json_object *arr = P("[\"CANARY-1234\",1]");

	redact(v, sec, 1);
	T_STR(json_plain(v), "{\"a\":\"x ***\",\"password\":\"***\",\"n\":[\"***\"]}",
	    "redact: the owner's copy masked in place, traces' keys too");
	redact(arr, sec, 0);
	T_STR(json_plain(arr), "[\"***\",1]", "redact: an array in place");
	redact(NULL, sec, 1);
	json_object_put(arr);
	json_object_put(v);
	json_object_put(sec);
}

static void
test_text(void)
{
	struct json_object *sec = P("{\"a\":\"CANARY-1234\",\"b\":\"s3cr3t-value\"}");
	char s[128] = "host CANARY-1234.example: s3cr3t-value; CANARY-1234";

	mask_text(s, sec);
	T_STR(s, "host ***.example: ***; ***", "log text masked in place");
	mask_text(s, NULL);
	T_STR(s, "host ***.example: ***; ***", "no secrets: unchanged");
	json_object_put(sec);
}

/* on_step listener: keeps the plain text of each step's end record. */
static void
heard(void *ctx, size_t i, const struct plan_step *s, struct json_object *rec)
{
	char *seen = ctx;

	(void)i;
	(void)s;
	if (rec != NULL)
		strncat(seen, json_plain(rec), 4000 - strlen(seen) - 1);
}

/* The engine hands out nothing unmasked: result, trace, the live step records. */
static void
test_engine_run_masks(void)
{
	static char seen[4000];
	struct json_object *doc = P("{\"name\":\"m\",\"tools\":[{\"toolId\":\"t\",\"name\":\"T\","
	    "\"type\":\"transform\",\"config\":{\"output\":{\"s\":\"x {{secrets.k}}\","
	    "\"password\":\"{{input.pw}}\"}}}],\"executionOrder\":[\"t\"]}");
	struct json_object *sec = P("{\"k\":\"CANARY-1234\"}"), *in = P("{\"pw\":\"hunter22\"}");
	struct json_object *errors = json_object_new_array();
	struct exec_result res;
	struct exec_env env;
	struct config cfg;
	struct plan *p = NULL;
	char err[128];

	seen[0] = '\0';
	T_OK(config_load(&cfg, err, sizeof(err)) == 0 &&
	    plan_compile(doc, "mcp_masktest", 1, &p, errors) == 0, "a plan to run");
	memset(&env, 0, sizeof(env));
	env.cfg = &cfg;
	env.owner = "t";
	env.environment = "development";
	env.secrets = sec;
	env.on_step = heard;
	env.step_ctx = seen;
	engine_run(p, &env, in, &res);
	T_STR(json_plain(res.output), "{\"s\":\"x ***\",\"password\":\"hunter22\"}",
	    "the output: the secret masked, the output's own fields kept");
	T_OK(strstr(json_plain(res.steps), "CANARY") == NULL &&
	    strstr(json_plain(res.steps), "hunter22") == NULL, "the steps: neither");
	T_OK(seen[0] != '\0' && strstr(seen, "CANARY") == NULL && strstr(seen, "hunter22") == NULL,
	    "what on_step heard: neither");
	T_OK(strstr(json_plain(res.state), "CANARY-1234") != NULL,
	    "the state a waiting run goes on from keeps the value");
	exec_result_free(&res);
	plan_free(p);
	config_free(&cfg);
	json_object_put(errors);
	json_object_put(in);
	json_object_put(sec);
	json_object_put(doc);
}

int
main(void)
{
	test_secrets();
	test_trace();
	test_never_changes_its_argument();
	test_redact_in_place();
	test_text();
	test_engine_run_masks();
	return t_done();
}
