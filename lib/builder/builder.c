/*
 * The builder's templates (SPEC §1, issue 21): text → one workflow, or an
 * app of several. builder_plan (builder_plan.c) reads what the message asks
 * for; the fields, constraints, collection, name and targets are read from
 * the text into a spec per workflow, and each template builds its document
 * in the style of the files in examples/ (input → validate → ... →
 * response); every document must pass workflow_check before it is
 * returned. No template, no guess: a refusal that lists what the builder
 * can do. This file holds the sign-up, login, contact form and relay
 * templates and the assembly; builder_mail.c (password reset,
 * newsletter), builder_data.c (a collection's endpoints) and
 * builder_call.c (external APIs, webhooks) the others.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "builder.h"
#include "builder_int.h"
#include "json.h"
#include "workflow.h"

const char *const tmpl_names[T__MAX] = {
	"sign-up", "login", "password reset", "contact form", "newsletter subscribe",
	"newsletter confirm", "create", "read", "update", "delete", "list", "complete",
	"external API call", "webhook receiver", "webhook relay",
};



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

/*
 * Sign-up: input → validate → hashPassword → insertUser (unique on the
 * email) → signToken (secret jwtKey) → 201 {success, user, token}. The
 * spec has an email and a password field (builder_create ensures it).
 */
struct json_object *
bt_signup(struct arena *a, struct bspec *s)
{
	const char *email = bd_field_of_kind(s, FK_EMAIL)->name;
	const char *pw = bd_field_of_kind(s, FK_PASSWORD)->name;
	struct json_object *d = bd_skeleton(s->name, "Create an account and return a signed token",
	    bd_input_schema(s, 1));
	struct json_object *doc = bd_fields_doc(a, s), *cfg, *claims, *user, *body;

	bd_add(d, "input", "Input", "input", NULL);
	bd_add(d, "validate", "Validate fields", "validate", bd_kv("rules", bd_rules(s)));
	bd_add(d, "hashPassword", "Hash password", "password_hash",
	    bd_kv("password", json_object_new_string(bd_ref(a, "input", pw, NULL))));
	json_object_object_add(doc, "passwordHash",
	    json_object_new_string("{{steps.hashPassword.hash}}"));
	json_object_object_add(doc, "createdAt", json_object_new_string("{{env.now}}"));
	cfg = bd_kv("collection", json_object_new_string(s->collection));
	json_object_object_add(cfg, "unique", bd_jsonv("[]"));
	json_object_array_add(json_object_object_get(cfg, "unique"), json_object_new_string(email));
	json_object_object_add(cfg, "document", doc);
	bd_add(d, "insertUser", "Store user", "db_insert", cfg);
	claims = bd_kv("sub", json_object_new_string("{{steps.insertUser.id}}"));
	json_object_object_add(claims, email, json_object_new_string(bd_ref(a, "input", email, NULL)));
	cfg = bd_kv("secret", json_object_new_string("jwtKey"));
	json_object_object_add(cfg, "expiresIn", json_object_new_int(3600));
	json_object_object_add(cfg, "claims", claims);
	bd_add(d, "signToken", "Sign token", "jwt_sign", cfg);
	user = bd_kv("id", json_object_new_string("{{steps.insertUser.id}}"));
	for (size_t i = 0; i < s->nf; i++)
		if (s->f[i].kind != FK_PASSWORD)
			json_object_object_add(user, s->f[i].name,
			    json_object_new_string(bd_ref(a, "input", s->f[i].name, NULL)));
	body = bd_kv("success", json_object_new_boolean(1));
	json_object_object_add(body, "user", user);
	json_object_object_add(body, "token", json_object_new_string("{{steps.signToken.token}}"));
	bd_add(d, "response", "Respond", "response", bd_response(201, body));
	return d;
}

/*
 * Login: the first field that is not the password finds the user (401 when
 * none), the password is verified (401), a token is signed.
 */
struct json_object *
bt_login(struct arena *a, struct bspec *s)
{
	const char *pw = bd_field_of_kind(s, FK_PASSWORD)->name, *id = NULL;
	struct json_object *d, *cfg, *body;

	for (size_t i = 0; i < s->nf && id == NULL; i++)
		if (s->f[i].kind != FK_PASSWORD)
			id = s->f[i].name;
	d = bd_skeleton(s->name, "Find the user, check the password, return a signed token",
	    bd_input_schema(s, 1));
	bd_add(d, "input", "Input", "input", NULL);
	bd_add(d, "validate", "Validate fields", "validate", bd_kv("rules", bd_rules(s)));
	cfg = bd_kv("collection", json_object_new_string(s->collection));
	json_object_object_add(cfg, "where",
	    bd_kv(id, json_object_new_string(bd_ref(a, "input", id, NULL))));
	json_object_object_add(cfg, "limit", json_object_new_int(1));
	json_object_object_add(cfg, "ifEmpty", bd_failure(401, "wrong credentials"));
	bd_add(d, "findUser", "Find user", "db_find", cfg);
	cfg = bd_kv("password", json_object_new_string(bd_ref(a, "input", pw, NULL)));
	json_object_object_add(cfg, "hash",
	    json_object_new_string("{{steps.findUser.first.passwordHash}}"));
	json_object_object_add(cfg, "onMismatch", bd_failure(401, "wrong credentials"));
	bd_add(d, "checkPassword", "Check password", "password_verify", cfg);
	cfg = bd_kv("secret", json_object_new_string("jwtKey"));
	json_object_object_add(cfg, "expiresIn", json_object_new_int(3600));
	json_object_object_add(cfg, "claims",
	    bd_kv("sub", json_object_new_string("{{steps.findUser.first.id}}")));
	json_object_object_add(json_object_object_get(cfg, "claims"), id,
	    json_object_new_string(bd_ref(a, "input", id, NULL)));
	bd_add(d, "signToken", "Sign token", "jwt_sign", cfg);
	body = bd_kv("success", json_object_new_boolean(1));
	json_object_object_add(body, "token", json_object_new_string("{{steps.signToken.token}}"));
	json_object_object_add(body, "expiresAt",
	    json_object_new_string("{{steps.signToken.expiresAt}}"));
	bd_add(d, "response", "Respond", "response", bd_response(200, body));
	return d;
}


/*
 * The contact form's email to its owner, after the message is stored: to
 * the address the text named, or to the secret ownerEmail; the sender's
 * address to reply to; every field in the body.
 */
static void
add_owner_email(struct arena *a, struct bspec *s, struct json_object *d,
    struct json_object *changes)
{
	struct bfield *email = bd_field_of_kind(s, FK_EMAIL), *name = NULL;
	const char *to = s->mail_to != NULL ? s->mail_to : "{{secrets.ownerEmail}}";
	struct buf body;

	for (size_t i = 0; i < s->nf && name == NULL; i++)
		if (s->f[i].kind == FK_STRING)
			name = &s->f[i];
	buf_init(&body, a, 256);
	buf_puts(&body, "A new message came in through the contact form.\n\n");
	for (size_t i = 0; i < s->nf; i++)
		buf_printf(&body, "%s: {{input.%s}}\n", s->f[i].name, s->f[i].name);
	bd_add(d, "emailOwner", "Email the owner", "send_email", bd_email_step(a, to,
	    name != NULL ? arena_printf(a, "New message from {{input.%s}}", name->name) :
	    "New message from the contact form", body.data,
	    email != NULL ? bd_ref(a, "input", email->name, NULL) : NULL));
	if (s->mail_to != NULL)
		bd_change(changes, "step emailOwner: emails each message to %s (the server: "
		    "ORX_SMTP_*)", s->mail_to);
	else
		bd_change(changes, "step emailOwner: emails each message to the address in the "
		    "secret ownerEmail, to be set among the workflow's secrets (the server: "
		    "ORX_SMTP_*)");
}

/*
 * Contact form: input → validate → storeMessage (→ emailOwner) → 201
 * {success, id}.
 */
struct json_object *
bt_contact(struct arena *a, struct bspec *s, struct json_object *changes)
{
	struct json_object *d = bd_skeleton(s->name, "Validate a message and store it",
	    bd_input_schema(s, 1));
	struct json_object *doc = bd_fields_doc(a, s), *cfg, *body;

	bd_add(d, "input", "Input", "input", NULL);
	bd_add(d, "validate", "Validate fields", "validate", bd_kv("rules", bd_rules(s)));
	json_object_object_add(doc, "receivedAt", json_object_new_string("{{env.now}}"));
	cfg = bd_kv("collection", json_object_new_string(s->collection));
	json_object_object_add(cfg, "document", doc);
	bd_add(d, "storeMessage", "Store message", "db_insert", cfg);
	if (s->email_owner)
		add_owner_email(a, s, d, changes);
	body = bd_kv("success", json_object_new_boolean(1));
	json_object_object_add(body, "id", json_object_new_string("{{steps.storeMessage.id}}"));
	bd_add(d, "response", "Respond", "response", bd_response(201, body));
	return d;
}

/*
 * Webhook relay: the whole input is POSTed to the URL; the answer carries
 * the target's status. With fields named, they are checked first.
 */
struct json_object *
bt_relay(struct arena *a, struct bspec *s)
{
	struct json_object *schema, *d, *cfg, *body;

	if (s->nf > 0)
		schema = bd_input_schema(s, 1);
	else
		schema = bd_jsonv("{\"type\":\"object\"}");
	d = bd_skeleton(s->name, arena_printf(a, "Relay the request to %s", s->url), schema);
	bd_add(d, "input", "Input", "input", NULL);
	if (s->nf > 0)
		bd_add(d, "validate", "Validate fields", "validate", bd_kv("rules", bd_rules(s)));
	cfg = bd_kv("method", json_object_new_string("POST"));
	json_object_object_add(cfg, "url", json_object_new_string(s->url));
	json_object_object_add(cfg, "headers",
	    bd_jsonv("{\"Content-Type\":\"application/json\"}"));
	json_object_object_add(cfg, "body", json_object_new_string("{{input}}"));
	json_object_object_add(cfg, "timeoutMs", json_object_new_int(10000));
	bd_add(d, "relay", "Relay request", "http_request", cfg);
	body = bd_kv("success", json_object_new_boolean(1));
	json_object_object_add(body, "status", json_object_new_string("{{steps.relay.status}}"));
	bd_add(d, "response", "Respond", "response", bd_response(200, body));
	return d;
}

/*
 * Adds an http_request step that POSTs the input to url, right before the
 * first response (shared with the edits). Returns the new toolId (arena).
 */
const char *
builder_add_notify(struct arena *a, struct json_object *doc, const char *url)
{
	struct json_object *cfg = bd_kv("method", json_object_new_string("POST"));
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
 * Reads the spec of one workflow of kind k (of plan p) from t. Returns 0,
 * or -1 with *why when the text lacks what the template needs.
 */
static int
spec_of(struct arena *a, const struct btext *t, const struct bplan *p, enum tmpl k,
    struct bspec *s, const struct bspec *first, struct json_object *changes,
    const char **why)
{
	char one[B_NAME_MAX];
	int other = 0;

	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->url = t->url[0] != '\0' ? arena_strdup(a, t->url) : NULL;
	if (k != T_CONFIRM && k != T_READ && k != T_DELETE && k != T_COMPLETE &&
	    k != T_LIST && k != T_CALL && k != T_WEBHOOK)
		s->nf = (size_t)bp_fields(t, s->f, B_MAX_FIELDS);
	if (p->collection[0] != '\0')
		snprintf(s->collection, sizeof(s->collection), "%s", p->collection);
	bd_singular(s->collection, one, sizeof(one));
	switch (k) {
	case T_SIGNUP:
		if (s->nf == 0)
			bd_defaults(s, (const char *const[]){ "email", "password", "name", NULL },
			    (const int[]){ 1, 1, 1 });
		bd_ensure(s, "password", FK_PASSWORD, changes, "a sign-up needs a password");
		bd_ensure(s, "email", FK_EMAIL, changes, "a sign-up needs an email to be unique on");
		snprintf(s->collection, sizeof(s->collection), "users");
		snprintf(s->name, sizeof(s->name), "Sign up");
		break;
	case T_LOGIN:
	case T_RESET:
		/* In an app, the sign-up's unique field finds the user. */
		if (first != NULL && first->kind == T_SIGNUP) {
			const struct bfield *pw = NULL;
			for (size_t i = 0; i < first->nf; i++)
				if (first->f[i].kind == FK_PASSWORD && pw == NULL)
					pw = &first->f[i];
			s->nf = 0;
			bf_init(&s->f[s->nf++], first->id_field, 1);
			s->f[s->nf++] = *pw;
		} else if (s->nf == 0)
			bd_defaults(s, (const char *const[]){ "email", "password", NULL },
			    (const int[]){ 1, 1 });
		bd_ensure(s, "password", FK_PASSWORD, changes, k == T_LOGIN ?
		    "a login checks a password" : "a reset sets a new password");
		for (size_t i = 0; i < s->nf; i++)
			other |= s->f[i].kind != FK_PASSWORD;
		if (k == T_RESET || !other)
			bd_ensure(s, "email", FK_EMAIL, changes, k == T_LOGIN ?
			    "a login finds the user by it" : "the reset link is emailed to it");
		for (size_t i = 0; i < s->nf && k == T_LOGIN; i++)
			if (s->f[i].kind == FK_PASSWORD)
				s->f[i].min = 1;   /* its length was checked at sign-up */
		snprintf(s->collection, sizeof(s->collection), "users");
		snprintf(s->name, sizeof(s->name), k == T_LOGIN ? "Log in" : "Password reset");
		s->link = s->url;
		if (k == T_RESET)
			s->url = NULL;
		break;
	case T_CONTACT:
		if (s->nf == 0)
			bd_defaults(s, (const char *const[]){ "name", "email", "message", NULL },
			    (const int[]){ 0, 1, 1 });
		snprintf(s->collection, sizeof(s->collection), "messages");
		snprintf(s->name, sizeof(s->name), "Contact form");
		s->email_owner = bp_email_owner(t);
		s->mail_to = t->email[0] != '\0' ? arena_strdup(a, t->email) : NULL;
		break;
	case T_SUBSCRIBE:
		for (size_t i = 0; i < s->nf; i++)
			if (s->f[i].kind == FK_PASSWORD || s->f[i].kind == FK_BOOLEAN)
				memmove(&s->f[i], &s->f[i + 1], (--s->nf - i) * sizeof(s->f[0])), i--;
		if (s->nf == 0)
			bd_defaults(s, (const char *const[]){ "email", NULL }, (const int[]){ 1 });
		bd_ensure(s, "email", FK_EMAIL, changes, "subscribers are emailed");
		snprintf(s->id_field, sizeof(s->id_field), "%s", bd_field_of_kind(s, FK_EMAIL)->name);
		snprintf(s->name, sizeof(s->name), "Subscribe");
		s->link = s->url;
		s->url = NULL;
		break;
	case T_CONFIRM:
		bf_init(&s->f[s->nf++], "token", 1);
		s->f[0].kind = FK_STRING;
		s->f[0].max = 4096;
		snprintf(s->id_field, sizeof(s->id_field), "%s",
		    first != NULL && first->id_field[0] != '\0' ? first->id_field : "email");
		snprintf(s->name, sizeof(s->name), "Confirm subscription");
		s->url = NULL;
		break;
	case T_CREATE:
	case T_UPDATE:
		if (s->nf == 0) {
			int todo = strcmp(s->collection, "todos") == 0;
			bd_defaults(s, (const char *const[]){ todo ? "title" : "name", NULL },
			    (const int[]){ 1 });
			bd_change(changes, "no fields named: the %s have a %s", s->collection,
			    s->f[0].name);
		}
		/* fall through */
	case T_READ:
	case T_DELETE:
	case T_LIST:
	case T_COMPLETE:
		if (s->collection[0] == '\0' &&
		    !builder_collection(t, s->collection, sizeof(s->collection))) {
			*why = "Which collection? Say e.g. \"a CRUD API for the collection orders "
			    "with item, quantity and price\".";
			return -1;
		}
		bd_singular(s->collection, one, sizeof(one));
		snprintf(s->name, sizeof(s->name), "%s %s",
		    k == T_CREATE ? "Create" : k == T_READ ? "Get" : k == T_UPDATE ? "Update" :
		    k == T_DELETE ? "Delete" : k == T_LIST ? "List" : "Complete",
		    k == T_LIST ? s->collection : one);
		s->url = NULL;
		break;
	case T_CALL:
		if (bc_call_spec(a, t, s, changes, why) == -1)
			return -1;
		break;
	case T_WEBHOOK:
		if (s->collection[0] == '\0' &&
		    !builder_collection(t, s->collection, sizeof(s->collection)))
			snprintf(s->collection, sizeof(s->collection), "events");
		snprintf(s->header, sizeof(s->header), "%s",
		    t->header[0] != '\0' ? t->header : "x-signature");
		if (bt_has(t, "sha256") || strstr(s->header, "256") != NULL)
			snprintf(s->prefix, sizeof(s->prefix), "sha256=");
		snprintf(s->name, sizeof(s->name), "Webhook receiver");
		s->url = NULL;
		break;
	case T_RELAY:
		if (s->url == NULL) {
			*why = "A webhook relay needs the URL to relay to (e.g. \"relay webhooks to "
			    "https://hooks.example.com/in\").";
			return -1;
		}
		snprintf(s->name, sizeof(s->name), "Webhook relay");
		break;
	default:
		break;
	}
	/* A collection named in the text wins over a single template's own. */
	if (p->app == NULL && k != T_RELAY && k != T_CALL && k != T_CONFIRM &&
	    (k < T_CREATE || k > T_COMPLETE))
		(void)builder_collection(t, s->collection, sizeof(s->collection));
	for (size_t i = 0; i < s->nf; i++)
		bf_constraints(t, &s->f[i]);
	if (k == T_SIGNUP)
		snprintf(s->id_field, sizeof(s->id_field), "%s", bd_field_of_kind(s, FK_EMAIL)->name);
	if (p->app == NULL)
		(void)name_of(t, s->name, sizeof(s->name));
	return 0;
}

/* The document of spec s. */
static struct json_object *
build(struct arena *a, struct bspec *s, struct json_object *changes)
{
	switch (s->kind) {
	case T_SIGNUP:    return bt_signup(a, s);
	case T_LOGIN:     return bt_login(a, s);
	case T_RESET:     return bt_reset(a, s, changes);
	case T_CONTACT:   return bt_contact(a, s, changes);
	case T_SUBSCRIBE: return bt_subscribe(a, s, changes);
	case T_CONFIRM:   return bt_confirm(a, s);
	case T_CALL:      return bt_call(a, s, changes);
	case T_WEBHOOK:   return bt_webhook(a, s, changes);
	case T_RELAY:     return bt_relay(a, s);
	default:          return bt_collection_op(a, s);
	}
}

/*
 * Builds a new workflow from text -- or the workflows of an app -- by the
 * plan builder_plan reads: a spec per workflow, its document, validated.
 * Returns BUILD_OK (out filled: doc, or docs and app), BUILD_NOT_UNDERSTOOD
 * (out->summary says why and what the builder can do), or BUILD_INVALID.
 */
enum build_status
builder_create(struct arena *a, const struct catalog *cat, const char *text,
    struct build_result *out)
{
	struct btext *t = calloc(1, sizeof(*t));
	struct bspec *s = calloc(B_MAX_APP, sizeof(*s));
	struct json_object *changes = NULL, *docs = NULL, *mine;
	enum build_status st = BUILD_NOMEM;
	const char *why = NULL;
	struct bplan p;
	size_t steps = 0;

	memset(out, 0, sizeof(*out));
	if (t == NULL || s == NULL)
		goto done;
	if (text == NULL || bt_parse(t, text) == -1) {
		st = bd_refuse(a, out, "That message is too long for me.");
		goto done;
	}
	bt_normalize(t);
	if (builder_plan(t, &p, &why, a) == -1) {
		st = bd_refuse(a, out, "%s", why);
		goto done;
	}
	changes = json_object_new_array();
	docs = json_object_new_array();
	if (p.app != NULL)
		bd_change(changes, "app %s: %zu workflows sharing the collection %s", p.app, p.n,
		    p.kinds[0] == T_SIGNUP || p.kinds[0] == T_LOGIN ? "users" : p.collection);
	for (size_t i = 0; i < p.n; i++) {
		struct json_object *doc, *errors, *canon = NULL;

		mine = json_object_new_array();
		if (spec_of(a, t, &p, p.kinds[i], &s[i], i > 0 ? &s[0] : NULL, mine, &why) == -1) {
			json_object_put(mine);
			st = bd_refuse(a, out, "%s", why);
			goto done;
		}
		bd_change(changes, "%s%stemplate %s", p.app ? s[i].name : "", p.app ? ": " : "",
		    tmpl_names[s[i].kind]);
		describe_fields(&s[i], mine);
		doc = build(a, &s[i], mine);
		if (s[i].url != NULL && s[i].kind != T_RELAY && s[i].kind != T_CALL) {
			const char *id = builder_add_notify(a, doc, s[i].url);
			bd_change(mine, "step %s: POST the input to %s", id, s[i].url);
		}
		if (s[i].collection[0] != '\0' && s[i].kind != T_RELAY && s[i].kind != T_CALL)
			bd_change(mine, "collection %s", s[i].collection);
		for (size_t k = 0; k < json_object_array_length(mine); k++)
			bd_change(changes, "%s%s%s", p.app ? s[i].name : "", p.app ? ": " : "",
			    json_object_get_string(json_object_array_get_idx(mine, k)));
		json_object_put(mine);
		errors = json_object_new_array();
		if (workflow_check(doc, cat, &canon, errors) == -1) {
			json_object_put(doc);
			out->errors = errors;
			out->summary = arena_printf(a, "the %s template made an invalid workflow; "
			    "nothing was stored", tmpl_names[s[i].kind]);
			st = BUILD_INVALID;
			goto done;
		}
		json_object_put(canon);
		json_object_put(errors);
		steps += json_object_array_length(json_object_object_get(doc, "tools"));
		json_object_array_add(docs, doc);
	}
	if (p.app == NULL) {
		out->doc = json_object_get(json_object_array_get_idx(docs, 0));
		out->summary = arena_printf(a, "Built a %s workflow \"%s\" with %zu steps.",
		    tmpl_names[s[0].kind], s[0].name, steps);
	} else {
		out->docs = docs;
		docs = NULL;
		out->app = arena_strdup(a, p.app);
		out->summary = arena_printf(a, "Built the app %s: %zu workflows (%zu steps).",
		    p.app, p.n, steps);
	}
	out->changes = changes;
	changes = NULL;
	st = BUILD_OK;
done:
	json_object_put(changes);
	json_object_put(docs);
	free(t);
	free(s);
	return st;
}
