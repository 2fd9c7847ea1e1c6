/*
 * The builder's templates (SPEC §1): text → workflow. A message is matched
 * to one template (sign-up, login, contact form, a collection's create and
 * list API, webhook relay); fields, constraints, the collection and the
 * name are read from the text; the document is built in the style of
 * the files in examples/ (input → validate → ... → response) and must pass
 * workflow_check before it is returned. No template, no guess: a refusal.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "builder.h"
#include "builder_int.h"
#include "json.h"
#include "workflow.h"

enum tmpl { T_SIGNUP, T_LOGIN, T_CONTACT, T_CRUD, T_RELAY, T__MAX };
static const char *const tmpl_names[T__MAX] = {
	"sign-up", "login", "contact form", "collection API", "webhook relay",
};

struct bspec {
	enum tmpl	 kind;
	struct bfield	 f[B_MAX_FIELDS];
	size_t		 nf;
	char		 collection[B_NAME_MAX];
	char		 name[WF_MAX_NAME + 1];
	const char	*url;
};

static const char *const signup_words[] = {
	"signup", "sign up", "register", "registration", "create account",
	"create an account", "new account", "create user", "create a user",
	"new user", "onboarding", NULL
};
static const char *const login_words[] = {
	"login", "log in", "signin", "sign in", "logon", "authenticate",
	"authentication", NULL
};
static const char *const contact_words[] = {
	"contact", "feedback", "enquiry", "inquiry", "get in touch", NULL
};
static const char *const crud_words[] = {
	"crud", "collection", "manage", "records", NULL
};
static const char *const relay_words[] = {
	"webhook", "webhooks", "relay", "forward", "forwards", "proxy", NULL
};

/* Which template the text asks for, or -1. */
static int
template_of(const struct btext *t)
{
	if (bt_has_any(t, signup_words))
		return T_SIGNUP;
	if (bt_has_any(t, login_words))
		return T_LOGIN;
	if (bt_has_any(t, contact_words))
		return T_CONTACT;
	if (bt_has_any(t, crud_words))
		return T_CRUD;
	if (bt_has_any(t, relay_words))
		return T_RELAY;
	return -1;
}

int
builder_is_template(const struct btext *t)
{
	return template_of(t) >= 0;
}

static int
collection_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !isalpha((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

static const char *const not_collections[] = {
	"a", "an", "the", "my", "our", "of", "for", "on", "api", "named", "called",
	"with", "and", "to", "in", "crud", "new", "that", NULL
};

/*
 * The collection the text names: "collection orders", "the orders
 * collection", "crud for products", "manage customers", "in the leads
 * collection". Returns 1 and fills out, or 0.
 */
int
builder_collection(const struct btext *t, char *out, size_t size)
{
	static const char *const after[] = {
		"collection", "collection named", "collection called", "crud for",
		"crud on", "crud of", "crud api for", "crud api on", "crud endpoint for",
		"manage", "manages", "managing", "records of", NULL
	};
	long i;

	for (const char *const *p = after; *p != NULL; p++) {
		size_t words = 1 + (strchr(*p, ' ') != NULL) +
		    (strchr(*p, ' ') && strchr(strchr(*p, ' ') + 1, ' '));
		for (i = bt_find(t, 0, *p); i >= 0; i = bt_find(t, (size_t)i + 1, *p)) {
			size_t k = (size_t)i + words;
			while (bt_is(t, k, "the") || bt_is(t, k, "a") || bt_is(t, k, "an") ||
			    bt_is(t, k, "my") || bt_is(t, k, "our"))
				k++;
			if (k < t->n && !bt_punct(t, k) && !bt_any(t, k, not_collections) &&
			    collection_ok(t->tok[k])) {
				snprintf(out, size, "%s", t->tok[k]);
				return 1;
			}
		}
	}
	/* "the orders collection", "an orders crud api" */
	for (i = 1; (size_t)i < t->n; i++)
		if ((bt_is(t, (size_t)i, "collection") || bt_is(t, (size_t)i, "crud")) &&
		    !bt_punct(t, (size_t)i - 1) && !bt_any(t, (size_t)i - 1, not_collections) &&
		    collection_ok(t->tok[i - 1])) {
			snprintf(out, size, "%s", t->tok[i - 1]);
			return 1;
		}
	return 0;
}

/*
 * The name the text gives ("called 'Join us'", "named signup v2"): written
 * to out, returning 1; or 0 with out untouched (it holds the template's
 * name, which "named (" must not wipe out).
 */
static int
name_of(const struct btext *t, char *out, size_t size)
{
	long i = bt_find(t, 0, "called");
	char name[WF_MAX_NAME + 1] = "";

	if (i < 0)
		i = bt_find(t, 0, "named");
	if (i < 0)
		return 0;
	if (t->quoted[0] != '\0') {
		snprintf(out, size, "%s", t->quoted);
		return 1;
	}
	for (size_t k = (size_t)i + 1, w = 0; k < t->n && w < 6 && !bt_punct(t, k) &&
	    !bt_is(t, k, "with") && !bt_is(t, k, "that"); k++, w++) {
		size_t n = strlen(name);
		/* Whole words only: a cut one could end inside a character. */
		if (n + 1 + strlen(t->orig[k]) >= sizeof(name))
			break;
		snprintf(name + n, sizeof(name) - n, "%s%s", n ? " " : "", t->orig[k]);
	}
	if (name[0] == '\0')
		return 0;
	name[0] = (char)toupper((unsigned char)name[0]);
	snprintf(out, size, "%s", name);
	return 1;
}

static struct bfield *
field_of_kind(struct bspec *s, enum fkind k)
{
	for (size_t i = 0; i < s->nf; i++)
		if (s->f[i].kind == k)
			return &s->f[i];
	return NULL;
}

/* 1 if a field of another kind than k is listed. */
static int
field_other_than(const struct bspec *s, enum fkind k)
{
	for (size_t i = 0; i < s->nf; i++)
		if (s->f[i].kind != k)
			return 1;
	return 0;
}

/*
 * Puts a field first (or adds it) when the template cannot work without it.
 * The field is there afterwards: with the list full, the last one gives way
 * (the templates dereference what they ensured).
 */
static void
ensure(struct bspec *s, const char *name, enum fkind k, struct json_object *changes,
    const char *why)
{
	if (field_of_kind(s, k) != NULL)
		return;
	if (s->nf >= B_MAX_FIELDS) {
		s->nf = B_MAX_FIELDS - 1;
		bd_change(changes, "left out field %s (at most %d fields)",
		    s->f[s->nf].name, B_MAX_FIELDS);
	}
	memmove(&s->f[1], &s->f[0], s->nf * sizeof(s->f[0]));
	bf_init(&s->f[0], name, 1);
	s->nf++;
	bd_change(changes, "added field %s (%s)", name, why);
}

static void
defaults(struct bspec *s, const char *const *names, const int *required)
{
	for (s->nf = 0; names[s->nf] != NULL; s->nf++)
		bf_init(&s->f[s->nf], names[s->nf], required[s->nf]);
}

static struct json_object *
input_schema(const struct bspec *s, int with_required)
{
	struct json_object *o = json_object_new_object(), *props = json_object_new_object();
	struct json_object *req = json_object_new_array();

	json_object_object_add(o, "type", json_object_new_string("object"));
	for (size_t i = 0; i < s->nf; i++) {
		json_object_object_add(props, s->f[i].name, bf_schema(&s->f[i]));
		if (s->f[i].required && with_required)
			json_object_array_add(req, json_object_new_string(s->f[i].name));
	}
	json_object_object_add(o, "required", req);
	json_object_object_add(o, "properties", props);
	json_object_object_add(o, "additionalProperties", json_object_new_boolean(0));
	return o;
}

static struct json_object *
rules_of(const struct bspec *s)
{
	struct json_object *r = json_object_new_object();

	for (size_t i = 0; i < s->nf; i++)
		json_object_object_add(r, s->f[i].name, bf_rules(&s->f[i]));
	return r;
}

static struct json_object *
cfg_kv(const char *key, struct json_object *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, key, v);
	return o;
}

/* Adds tool at the end of tools[] and executionOrder. */
static void
add(struct json_object *doc, const char *id, const char *name, const char *type,
    struct json_object *config)
{
	bd_insert_tool(doc, -1, bd_tool(id, name, type, config));
}

/* {field: "{{input.field}}"} for each field but passwords. */
static struct json_object *
fields_doc(struct arena *a, const struct bspec *s)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; i < s->nf; i++)
		if (s->f[i].kind != FK_PASSWORD)
			json_object_object_add(o, s->f[i].name,
			    json_object_new_string(bd_ref(a, "input", s->f[i].name, NULL)));
	return o;
}

static struct json_object *
skeleton(const char *name, const char *desc, struct json_object *schema)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "name", json_object_new_string(name));
	json_object_object_add(d, "description", json_object_new_string(desc));
	json_object_object_add(d, "inputSchema", schema);
	json_object_object_add(d, "tools", json_object_new_array());
	json_object_object_add(d, "executionOrder", json_object_new_array());
	return d;
}

static struct json_object *
failure(int status, const char *message)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "message", json_object_new_string(message));
	return o;
}

static struct json_object *
response(int status, struct json_object *body)
{
	struct json_object *o = cfg_kv("status", json_object_new_int(status));

	json_object_object_add(o, "body", body);
	return o;
}

/*
 * Sign-up: input → validate → hashPassword → insertUser (unique on the
 * email) → signToken (secret jwtKey) → 201 {success, user, token}. The
 * spec has an email and a password field (builder_create ensures it).
 */
static struct json_object *
build_signup(struct arena *a, struct bspec *s)
{
	const char *email = field_of_kind(s, FK_EMAIL)->name;
	const char *pw = field_of_kind(s, FK_PASSWORD)->name;
	struct json_object *d = skeleton(s->name, "Create an account and return a signed token",
	    input_schema(s, 1));
	struct json_object *doc = fields_doc(a, s), *cfg, *claims, *user, *body;

	add(d, "input", "Input", "input", NULL);
	add(d, "validate", "Validate fields", "validate", cfg_kv("rules", rules_of(s)));
	add(d, "hashPassword", "Hash password", "password_hash",
	    cfg_kv("password", json_object_new_string(bd_ref(a, "input", pw, NULL))));
	json_object_object_add(doc, "passwordHash",
	    json_object_new_string("{{steps.hashPassword.hash}}"));
	json_object_object_add(doc, "createdAt", json_object_new_string("{{env.now}}"));
	cfg = cfg_kv("collection", json_object_new_string(s->collection));
	json_object_object_add(cfg, "unique", bd_jsonv("[]"));
	json_object_array_add(json_object_object_get(cfg, "unique"), json_object_new_string(email));
	json_object_object_add(cfg, "document", doc);
	add(d, "insertUser", "Store user", "db_insert", cfg);
	claims = cfg_kv("sub", json_object_new_string("{{steps.insertUser.id}}"));
	json_object_object_add(claims, email, json_object_new_string(bd_ref(a, "input", email, NULL)));
	cfg = cfg_kv("secret", json_object_new_string("jwtKey"));
	json_object_object_add(cfg, "expiresIn", json_object_new_int(3600));
	json_object_object_add(cfg, "claims", claims);
	add(d, "signToken", "Sign token", "jwt_sign", cfg);
	user = cfg_kv("id", json_object_new_string("{{steps.insertUser.id}}"));
	for (size_t i = 0; i < s->nf; i++)
		if (s->f[i].kind != FK_PASSWORD)
			json_object_object_add(user, s->f[i].name,
			    json_object_new_string(bd_ref(a, "input", s->f[i].name, NULL)));
	body = cfg_kv("success", json_object_new_boolean(1));
	json_object_object_add(body, "user", user);
	json_object_object_add(body, "token", json_object_new_string("{{steps.signToken.token}}"));
	add(d, "response", "Respond", "response", response(201, body));
	return d;
}

/*
 * Login: the first field that is not the password finds the user (401 when
 * none), the password is verified (401), a token is signed.
 */
static struct json_object *
build_login(struct arena *a, struct bspec *s)
{
	const char *pw = field_of_kind(s, FK_PASSWORD)->name, *id = NULL;
	struct json_object *d, *cfg, *body;

	for (size_t i = 0; i < s->nf && id == NULL; i++)
		if (s->f[i].kind != FK_PASSWORD)
			id = s->f[i].name;
	d = skeleton(s->name, "Find the user, check the password, return a signed token",
	    input_schema(s, 1));
	add(d, "input", "Input", "input", NULL);
	add(d, "validate", "Validate fields", "validate", cfg_kv("rules", rules_of(s)));
	cfg = cfg_kv("collection", json_object_new_string(s->collection));
	json_object_object_add(cfg, "where",
	    cfg_kv(id, json_object_new_string(bd_ref(a, "input", id, NULL))));
	json_object_object_add(cfg, "limit", json_object_new_int(1));
	json_object_object_add(cfg, "ifEmpty", failure(401, "wrong credentials"));
	add(d, "findUser", "Find user", "db_find", cfg);
	cfg = cfg_kv("password", json_object_new_string(bd_ref(a, "input", pw, NULL)));
	json_object_object_add(cfg, "hash",
	    json_object_new_string("{{steps.findUser.first.passwordHash}}"));
	json_object_object_add(cfg, "onMismatch", failure(401, "wrong credentials"));
	add(d, "checkPassword", "Check password", "password_verify", cfg);
	cfg = cfg_kv("secret", json_object_new_string("jwtKey"));
	json_object_object_add(cfg, "expiresIn", json_object_new_int(3600));
	json_object_object_add(cfg, "claims",
	    cfg_kv("sub", json_object_new_string("{{steps.findUser.first.id}}")));
	json_object_object_add(json_object_object_get(cfg, "claims"), id,
	    json_object_new_string(bd_ref(a, "input", id, NULL)));
	add(d, "signToken", "Sign token", "jwt_sign", cfg);
	body = cfg_kv("success", json_object_new_boolean(1));
	json_object_object_add(body, "token", json_object_new_string("{{steps.signToken.token}}"));
	json_object_object_add(body, "expiresAt",
	    json_object_new_string("{{steps.signToken.expiresAt}}"));
	add(d, "response", "Respond", "response", response(200, body));
	return d;
}

/* Contact form: input → validate → storeMessage → 201 {success, id}. */
static struct json_object *
build_contact(struct arena *a, struct bspec *s)
{
	struct json_object *d = skeleton(s->name, "Validate a message and store it",
	    input_schema(s, 1));
	struct json_object *doc = fields_doc(a, s), *cfg, *body;

	add(d, "input", "Input", "input", NULL);
	add(d, "validate", "Validate fields", "validate", cfg_kv("rules", rules_of(s)));
	json_object_object_add(doc, "receivedAt", json_object_new_string("{{env.now}}"));
	cfg = cfg_kv("collection", json_object_new_string(s->collection));
	json_object_object_add(cfg, "document", doc);
	add(d, "storeMessage", "Store message", "db_insert", cfg);
	body = cfg_kv("success", json_object_new_boolean(1));
	json_object_object_add(body, "id", json_object_new_string("{{steps.storeMessage.id}}"));
	add(d, "response", "Respond", "response", response(201, body));
	return d;
}

/*
 * A collection's API: {"action":"create", ...fields} stores one document
 * (validated), {"action":"list"} lists them. A condition picks the branch.
 */
static struct json_object *
build_crud(struct arena *a, struct bspec *s)
{
	struct json_object *schema = input_schema(s, 0), *d, *cfg, *body, *props;

	props = json_object_object_get(schema, "properties");
	json_object_object_add(props, "action",
	    bd_jsonv("{\"type\":\"string\",\"enum\":[\"create\",\"list\"]}"));
	json_object_array_add(json_object_object_get(schema, "required"),
	    json_object_new_string("action"));
	d = skeleton(s->name, arena_printf(a, "Create and list documents of the %s collection",
	    s->collection), schema);
	add(d, "input", "Input", "input", NULL);
	cfg = bd_jsonv("{\"left\":\"{{input.action}}\",\"op\":\"eq\",\"right\":\"create\","
	    "\"whenTrue\":[\"validate\",\"insertItem\",\"respondCreated\"],"
	    "\"whenFalse\":[\"listItems\",\"respondList\"]}");
	add(d, "isCreate", "Create or list?", "condition", cfg);
	add(d, "validate", "Validate fields", "validate", cfg_kv("rules", rules_of(s)));
	cfg = cfg_kv("collection", json_object_new_string(s->collection));
	json_object_object_add(cfg, "document", fields_doc(a, s));
	json_object_object_add(json_object_object_get(cfg, "document"), "createdAt",
	    json_object_new_string("{{env.now}}"));
	add(d, "insertItem", "Store item", "db_insert", cfg);
	body = cfg_kv("success", json_object_new_boolean(1));
	json_object_object_add(body, "id", json_object_new_string("{{steps.insertItem.id}}"));
	json_object_object_add(body, "item", json_object_new_string("{{steps.insertItem.document}}"));
	add(d, "respondCreated", "Respond created", "response", response(201, body));
	cfg = cfg_kv("collection", json_object_new_string(s->collection));
	json_object_object_add(cfg, "limit", json_object_new_int(100));
	add(d, "listItems", "List items", "db_find", cfg);
	body = cfg_kv("success", json_object_new_boolean(1));
	json_object_object_add(body, "items", json_object_new_string("{{steps.listItems.documents}}"));
	json_object_object_add(body, "count", json_object_new_string("{{steps.listItems.count}}"));
	add(d, "respondList", "Respond with the list", "response", response(200, body));
	return d;
}

/*
 * Webhook relay: the whole input is POSTed to the URL; the answer carries
 * the target's status. With fields named, they are checked first.
 */
static struct json_object *
build_relay(struct arena *a, struct bspec *s)
{
	struct json_object *schema, *d, *cfg, *body;

	if (s->nf > 0)
		schema = input_schema(s, 1);
	else
		schema = bd_jsonv("{\"type\":\"object\"}");
	d = skeleton(s->name, arena_printf(a, "Relay the request to %s", s->url), schema);
	add(d, "input", "Input", "input", NULL);
	if (s->nf > 0)
		add(d, "validate", "Validate fields", "validate", cfg_kv("rules", rules_of(s)));
	cfg = cfg_kv("method", json_object_new_string("POST"));
	json_object_object_add(cfg, "url", json_object_new_string(s->url));
	json_object_object_add(cfg, "headers",
	    bd_jsonv("{\"Content-Type\":\"application/json\"}"));
	json_object_object_add(cfg, "body", json_object_new_string("{{input}}"));
	json_object_object_add(cfg, "timeoutMs", json_object_new_int(10000));
	add(d, "relay", "Relay request", "http_request", cfg);
	body = cfg_kv("success", json_object_new_boolean(1));
	json_object_object_add(body, "status", json_object_new_string("{{steps.relay.status}}"));
	add(d, "response", "Respond", "response", response(200, body));
	return d;
}

/*
 * Adds an http_request step that POSTs the input to url, right before the
 * first response (shared with the edits). Returns the new toolId (arena).
 */
const char *
builder_add_notify(struct arena *a, struct json_object *doc, const char *url)
{
	struct json_object *cfg = cfg_kv("method", json_object_new_string("POST"));
	struct json_object *resp = bd_first_of_type(doc, "response");
	const char *id = bd_unique_id(a, doc, "notify");
	struct json_object *order = json_get(doc, "executionOrder", json_type_array);
	int at = -1;

	for (size_t i = 0; resp && order && i < json_object_array_length(order); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(order, i)),
		    json_get_str(resp, "toolId")) == 0) {
			at = (int)i;
			break;
		}
	json_object_object_add(cfg, "url", json_object_new_string(url));
	json_object_object_add(cfg, "headers",
	    bd_jsonv("{\"Content-Type\":\"application/json\"}"));
	json_object_object_add(cfg, "body", json_object_new_string("{{input}}"));
	json_object_object_add(cfg, "timeoutMs", json_object_new_int(10000));
	bd_insert_tool(doc, at, bd_tool(id, "Notify", "http_request", cfg));
	return id;
}

/* One line of changes per field: its kind, required or not, its bounds. */
static void
describe_fields(const struct bspec *s, struct json_object *changes)
{
	for (size_t i = 0; i < s->nf; i++) {
		const struct bfield *f = &s->f[i];
		char b[120] = "";
		int num = f->kind == FK_INTEGER || f->kind == FK_NUMBER;
		const char *unit = num ? "" : " characters";
		if (f->has_min && f->has_max)
			snprintf(b, sizeof(b), ", %lld to %lld%s", f->min, f->max, unit);
		else if (f->has_min)
			snprintf(b, sizeof(b), ", at least %lld%s", f->min,
			    num ? "" : f->min == 1 ? " character" : unit);
		else if (f->has_max)
			snprintf(b, sizeof(b), ", at most %lld%s", f->max,
			    num ? "" : f->max == 1 ? " character" : unit);
		bd_change(changes, "field %s (%s%s%s)", f->name, bf_kind_names[f->kind],
		    f->required ? ", required" : ", optional", b);
	}
}

/*
 * Builds a new workflow from text: picks the template, reads fields,
 * constraints, collection, name and URL, builds and validates. Returns
 * BUILD_OK (out filled), BUILD_NOT_UNDERSTOOD (out->summary says why and
 * what the builder can do), or BUILD_INVALID.
 */
enum build_status
builder_create(struct arena *a, const struct catalog *cat, const char *text,
    struct build_result *out)
{
	struct btext *t = calloc(1, sizeof(*t));
	struct bspec *s = calloc(1, sizeof(*s));
	struct json_object *changes = NULL, *doc = NULL;
	enum build_status st = BUILD_NOMEM;
	int kind;

	memset(out, 0, sizeof(*out));
	if (t == NULL || s == NULL)
		goto done;
	if (text == NULL || bt_parse(t, text) == -1) {
		st = bd_refuse(a, out, "That message is too long for me.");
		goto done;
	}
	if ((kind = template_of(t)) < 0) {
		st = bd_refuse(a, out, "I did not recognise a kind of API in that.");
		goto done;
	}
	s->kind = (enum tmpl)kind;
	changes = json_object_new_array();
	bd_change(changes, "template %s", tmpl_names[s->kind]);
	s->nf = (size_t)bf_list(t, s->f, B_MAX_FIELDS);
	s->url = t->url[0] != '\0' ? arena_strdup(a, t->url) : NULL;
	switch (s->kind) {
	case T_SIGNUP:
		if (s->nf == 0)
			defaults(s, (const char *const[]){ "email", "password", "name", NULL },
			    (const int[]){ 1, 1, 1 });
		ensure(s, "password", FK_PASSWORD, changes, "a sign-up needs a password");
		ensure(s, "email", FK_EMAIL, changes, "a sign-up needs an email to be unique on");
		snprintf(s->collection, sizeof(s->collection), "users");
		snprintf(s->name, sizeof(s->name), "Sign up");
		break;
	case T_LOGIN:
		if (s->nf == 0)
			defaults(s, (const char *const[]){ "email", "password", NULL },
			    (const int[]){ 1, 1 });
		ensure(s, "password", FK_PASSWORD, changes, "a login checks a password");
		if (!field_other_than(s, FK_PASSWORD))
			ensure(s, "email", FK_EMAIL, changes, "a login finds the user by it");
		for (size_t i = 0; i < s->nf; i++)
			if (s->f[i].kind == FK_PASSWORD) {
				/* A login checks the password; its length was checked at sign-up. */
				s->f[i].min = 1;
			}
		snprintf(s->collection, sizeof(s->collection), "users");
		snprintf(s->name, sizeof(s->name), "Log in");
		break;
	case T_CONTACT:
		if (s->nf == 0)
			defaults(s, (const char *const[]){ "name", "email", "message", NULL },
			    (const int[]){ 0, 1, 1 });
		snprintf(s->collection, sizeof(s->collection), "messages");
		snprintf(s->name, sizeof(s->name), "Contact form");
		break;
	case T_CRUD:
		if (!builder_collection(t, s->collection, sizeof(s->collection))) {
			st = bd_refuse(a, out, "Which collection? Say e.g. \"a CRUD API for the "
			    "collection orders with item, quantity and price\".");
			goto done;
		}
		if (s->nf == 0) {
			defaults(s, (const char *const[]){ "name", NULL }, (const int[]){ 1 });
			bd_change(changes, "no fields named: the items have a name");
		}
		snprintf(s->name, sizeof(s->name), "%c%s API",
		    toupper((unsigned char)s->collection[0]), s->collection + 1);
		break;
	case T_RELAY:
		if (s->url == NULL) {
			st = bd_refuse(a, out, "A webhook relay needs the URL to relay to "
			    "(e.g. \"relay webhooks to https://hooks.example.com/in\").");
			goto done;
		}
		snprintf(s->name, sizeof(s->name), "Webhook relay");
		break;
	default:
		break;
	}
	/* A collection named in the text wins over the template's own. */
	if (s->kind != T_CRUD && s->kind != T_RELAY)
		(void)builder_collection(t, s->collection, sizeof(s->collection));
	for (size_t i = 0; i < s->nf; i++)
		bf_constraints(t, &s->f[i]);
	(void)name_of(t, s->name, sizeof(s->name));
	describe_fields(s, changes);
	switch (s->kind) {
	case T_SIGNUP:  doc = build_signup(a, s); break;
	case T_LOGIN:   doc = build_login(a, s); break;
	case T_CONTACT: doc = build_contact(a, s); break;
	case T_CRUD:    doc = build_crud(a, s); break;
	default:        doc = build_relay(a, s); break;
	}
	if (s->kind != T_RELAY && s->url != NULL) {
		const char *id = builder_add_notify(a, doc, s->url);
		bd_change(changes, "step %s: POST the input to %s", id, s->url);
	}
	if (s->kind != T_CRUD && s->kind != T_RELAY)
		bd_change(changes, "collection %s", s->collection);
	st = bd_finish(a, cat, doc, changes, arena_printf(a, "Built a %s workflow \"%s\" "
	    "with %zu steps.", tmpl_names[s->kind], s->name,
	    json_object_array_length(json_object_object_get(doc, "tools"))), out);
	doc = changes = NULL;
done:
	json_object_put(changes);
	json_object_put(doc);
	free(t);
	free(s);
	return st;
}
