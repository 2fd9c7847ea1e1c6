/*
 * The supervisor's reading of a chat message (create, edit, run, deploy,
 * explain), the builder's help text, and a workflow explained in words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "builder.h"
#include "builder_int.h"
#include "json.h"

const char *const intent_names[INTENT__MAX] = {
	"create", "edit", "run", "deploy", "explain", "unknown",
};

static const char *const deploy_words[] = {
	"deploy", "redeploy", "publish", "ship it", "go live", "put it live",
	"make it live", NULL
};
static const char *const explain_words[] = {
	"explain", "describe", "what does", "how does", "what is it", "what is this",
	"show me the steps", "show the steps", "walk me through", "summarize",
	"summarise", "what are the steps", "tell me about", NULL
};
static const char *const run_words[] = {
	"run", "execute", "try it", "test it", "try this", "test this", "invoke",
	"call it with", NULL
};
static const char *const create_words[] = {
	"create", "build", "make", "generate", "new", "i need", "i want",
	"give me", "set up", "setup", NULL
};
static const char *const edit_words[] = {
	"add", "remove", "drop", "delete", "rename", "change", "require", "call it",
	"name it", "limit", "notify", "at least", "at most", "minimum", "maximum",
	"optional", "required", "mandatory", "dont", "without", "field", "fields",
	"step", "collection", "status", "respond with", NULL
};
static const char *const edit_starts[] = {
	"add", "remove", "drop", "delete", "rename", "change", "set", "require",
	"limit", "use", "store", "make", NULL
};
static const char *const api_words[] = {
	"api", "endpoint", "form", "service", "workflow", NULL
};

/*
 * Deploy, explain and run are recognised by their words first. A known
 * kind of API is a create when there is no workflow in the conversation,
 * or when the message says "create" or "api" and does not start with a
 * verb of changing ("add a login step"). Otherwise words of changing
 * make an edit -- also without a workflow, so the caller can ask which
 * workflow is meant instead of refusing.
 */
enum intent
builder_intent(const char *text, int has_workflow)
{
	struct btext *t = calloc(1, sizeof(*t));	/* 40 KB: not for the stack */
	enum intent in = INTENT_UNKNOWN;
	int tmpl;

	if (t == NULL || text == NULL || bt_parse(t, text) == -1 || t->n == 0)
		goto done;
	tmpl = builder_is_template(t);
	if (bt_has_any(t, deploy_words))
		in = INTENT_DEPLOY;
	else if (bt_has_any(t, explain_words))
		in = INTENT_EXPLAIN;
	else if (bt_has_any(t, run_words) && !(tmpl && bt_has_any(t, create_words)))
		in = INTENT_RUN;
	else if (tmpl && (!has_workflow || bt_has_any(t, create_words) || bt_has_any(t, api_words)) &&
	    !(has_workflow && bt_any(t, 0, edit_starts)))
		in = INTENT_CREATE;
	else if (bt_has_any(t, edit_words))
		in = INTENT_EDIT;
	else if (tmpl)
		in = INTENT_CREATE;
done:
	free(t);
	return in;
}


static const char *
str_or(struct json_object *o, const char *key, const char *dflt)
{
	const char *s = o ? json_get_str(o, key) : NULL;

	return s != NULL ? s : dflt;
}

/* One step in words. */
static void
explain_tool(struct buf *b, struct json_object *t)
{
	const char *type = str_or(t, "type", "?");
	struct json_object *c = json_get(t, "config", json_type_object);
	struct json_object *v;

	if (strcmp(type, "input") == 0)
		buf_puts(b, "checks the request against the input schema");
	else if (strcmp(type, "validate") == 0) {
		buf_puts(b, "validates");
		int n = 0;
		if ((v = json_get(c, "rules", json_type_object)) != NULL) {
			json_object_object_foreach(v, k, r) {
				(void)r;
				buf_printf(b, "%s%s", n++ ? ", " : " ", k);
			}
		}
		if (n == 0)
			buf_puts(b, " the input");
	} else if (strcmp(type, "transform") == 0)
		buf_puts(b, "builds a new value from templates");
	else if (strcmp(type, "db_insert") == 0) {
		buf_printf(b, "stores a document in the collection %s", str_or(c, "collection", "?"));
		if ((v = json_get(c, "unique", json_type_array)) != NULL &&
		    json_object_array_length(v) > 0)
			buf_printf(b, " (unique %s: a duplicate answers 409)",
			    json_object_get_string(json_object_array_get_idx(v, 0)));
	} else if (strcmp(type, "db_find") == 0) {
		buf_printf(b, "looks up the collection %s", str_or(c, "collection", "?"));
		if ((v = json_get(c, "where", json_type_object)) != NULL) {
			int n = 0;
			json_object_object_foreach(v, k, r) {
				(void)r;
				buf_printf(b, "%s%s", n++ ? ", " : " by ", k);
			}
		}
	} else if (strcmp(type, "db_update") == 0 || strcmp(type, "db_delete") == 0) {
		buf_printf(b, "%s a document of the collection %s", type[3] == 'u' ? "changes" :
		    "deletes", str_or(c, "collection", "?"));
		if ((v = json_get(c, "where", json_type_object)) != NULL) {
			json_object_object_foreach(v, k, r) {
				(void)r;
				buf_printf(b, " found by %s", k);
			}
		} else
			buf_puts(b, " found by its id");
		buf_puts(b, " (404 when there is none)");
	} else if (strcmp(type, "send_email") == 0)
		buf_printf(b, "emails %s", (v = json_get(c, "to", json_type_string)) != NULL ?
		    json_object_get_string(v) : "its recipients");
	else if (strcmp(type, "random_token") == 0)
		buf_printf(b, "%s a %s token%s", strcmp(str_or(c, "mode", "issue"), "verify") == 0 ?
		    "checks" : "makes", json_get(c, "secret", json_type_string) ? "signed link" :
		    "random", json_get(c, "singleUse", json_type_boolean) ? " (usable once)" : "");
	else if (strcmp(type, "hmac_verify") == 0)
		buf_printf(b, "checks the HMAC signature %s with the secret %s",
		    str_or(c, "signature", "?"), str_or(c, "secret", "?"));
	else if (strcmp(type, "password_hash") == 0)
		buf_puts(b, "hashes the password (PBKDF2)");
	else if (strcmp(type, "password_verify") == 0)
		buf_puts(b, "checks the password against the stored hash");
	else if (strcmp(type, "jwt_sign") == 0)
		buf_printf(b, "signs a JWT with the secret %s", str_or(c, "secret", "?"));
	else if (strcmp(type, "jwt_verify") == 0)
		buf_printf(b, "verifies a JWT with the secret %s", str_or(c, "secret", "?"));
	else if (strcmp(type, "http_request") == 0)
		buf_printf(b, "calls %s %s", str_or(c, "method", "GET"), str_or(c, "url", "?"));
	else if (strcmp(type, "condition") == 0)
		buf_printf(b, "tests whether %s %s %s and picks a branch",
		    str_or(c, "left", "a value"), str_or(c, "op", "?"),
		    (v = json_get(c, "right", json_type_string)) ?
		    json_object_get_string(v) : "a value");
	else if (strcmp(type, "approval") == 0)
		buf_puts(b, "waits for a person's approval");
	else if (strcmp(type, "response") == 0) {
		v = json_get(c, "status", json_type_int);
		buf_printf(b, "answers with status %d", v ? json_object_get_int(v) : 200);
	} else
		buf_printf(b, "runs a %s tool", type);
}

/*
 * The workflow in words: its name, its input fields (required ones
 * marked), then each step in execution order. Returns an arena string.
 */
const char *
builder_explain(struct arena *a, struct json_object *doc)
{
	struct buf b;
	struct json_object *props = json_get(json_get(doc, "inputSchema", json_type_object),
	    "properties", json_type_object);
	struct json_object *req = json_get(json_get(doc, "inputSchema", json_type_object),
	    "required", json_type_array);
	struct json_object *order = json_get(doc, "executionOrder", json_type_array);
	size_t n = order ? json_object_array_length(order) : 0;
	int k = 0;

	buf_init(&b, a, 512);
	buf_printf(&b, "\"%s\" takes", str_or(doc, "name", "This workflow"));
	if (props != NULL) {
		json_object_object_foreach(props, name, p) {
			const char *ty = str_or(p, "format", str_or(p, "type", "any"));
			int required = 0;
			for (size_t i = 0; req && i < json_object_array_length(req); i++)
				if (strcmp(json_object_get_string(json_object_array_get_idx(req, i)),
				    name) == 0)
					required = 1;
			buf_printf(&b, "%s%s (%s%s)", k++ ? ", " : " ", name, ty,
			    required ? ", required" : "");
		}
	}
	if (k == 0)
		buf_puts(&b, " any JSON object");
	buf_printf(&b, ". It runs %zu step%s:", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(order, i));
		buf_printf(&b, " %zu. %s ", i + 1, id);
		explain_tool(&b, bd_find_tool(doc, id));
		buf_putc(&b, i + 1 < n ? ';' : '.');
	}
	return b.data;
}
