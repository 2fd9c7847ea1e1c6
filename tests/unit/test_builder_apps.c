/*
 * Unit tests for the builder's apps and new templates (issue 21, part 4):
 * one message giving several workflows that share their data, each valid
 * on its own and against the others (collections_check); and the corpus
 * -- phrasings as people write them, typos, word order and extra words
 * included -- each with what it must give. A phrasing is built as meant,
 * or refused (counted as not understood, and listed); one built as
 * something else fails, and so does a share understood under the floor.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "builder.h"
#include "builder_int.h"
#include "collections.h"
#include "json.h"
#include "toolcheck.h"
#include "workflow.h"
#include "t.h"

static struct catalog *cat;
static struct arena arena;

/* The share of the corpus that must be understood as meant. */
#define CORPUS_FLOOR	0.90

static int
valid(struct json_object *doc)
{
	struct json_object *errors = json_object_new_array(), *canon = NULL;
	int ok = workflow_check(doc, cat, &canon, errors) == 0;

	if (!ok)
		printf("#   errors: %s\n", json_object_to_json_string(errors));
	json_object_put(canon);
	json_object_put(errors);
	return ok;
}

/*
 * The workflows of an app agree on their collections: each checked
 * against the declarations of those before it, as the store does.
 */
static int
agree(struct json_object *docs)
{
	struct json_object *declared = json_object_new_array();
	int ok = 1;

	for (size_t i = 0; i < json_object_array_length(docs); i++) {
		struct json_object *d = json_object_array_get_idx(docs, i);
		struct json_object *errors = json_object_new_array(), *tools;

		collections_check(d, declared, errors);
		if (json_object_array_length(errors) > 0) {
			printf("#   %s: %s\n", json_get_str(d, "name"), json_plain(errors));
			ok = 0;
		}
		json_object_put(errors);
		tools = json_get(d, "tools", json_type_array);
		for (size_t k = 0; k < json_object_array_length(tools); k++) {
			struct json_object *t = json_object_array_get_idx(tools, k), *o;
			struct json_object *c = json_get(t, "config", json_type_object), *u;
			if (strcmp(json_get_str(t, "type"), "db_insert") != 0)
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "collection", json_object_new_string(
			    json_get_str(c, "collection")));
			u = json_object_object_get(c, "unique");
			json_object_object_add(o, "unique", u ? json_object_get(u) :
			    json_object_new_array());
			json_object_object_add(o, "serverId", json_object_new_string("mcp_app"));
			json_object_object_add(o, "name", json_object_new_string(json_get_str(d, "name")));
			json_object_array_add(declared, o);
		}
	}
	json_object_put(declared);
	return ok;
}

/* "name1|name2|..." of the documents of r (one or several). */
static const char *
names(const struct build_result *r)
{
	static char out[512];
	size_t n = r->docs != NULL ? json_object_array_length(r->docs) : 1;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		struct json_object *d = r->docs != NULL ? json_object_array_get_idx(r->docs, i) : r->doc;
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "|" : "",
		    json_get_str(d, "name"));
	}
	return out;
}

/* The collection each document stores into or reads (its first db step's), joined. */
static const char *
collections(const struct build_result *r)
{
	static char out[512];

	out[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(r->docs); i++) {
		struct json_object *tools = json_get(json_object_array_get_idx(r->docs, i),
		    "tools", json_type_array);
		const char *c = "-";
		for (size_t k = 0; k < json_object_array_length(tools); k++) {
			const char *cc = json_get_str(json_get(json_object_array_get_idx(tools, k),
			    "config", json_type_object), "collection");
			if (cc != NULL) {
				c = cc;
				break;
			}
		}
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "|" : "", c);
	}
	return out;
}

static void
test_apps(void)
{
	/* fields: the input fields of the first workflow (the feature list is none). */
	static const struct { const char *text, *app, *names, *colls, *fields; } apps[] = {
		{ "user accounts with sign up, login and password reset", "User accounts",
		    "Sign up|Log in|Password reset", "users|users|users", "email,password,name" },
		{ "a sign up and a login api with username, email and password", "User accounts",
		    "Sign up|Log in", "users|users", "username,email,password" },
		{ "a todo api with create, list, complete and delete", "Todo list",
		    "Create todo|Delete todo|List todos|Complete todo", "todos|todos|todos|todos",
		    "title" },
		{ "a CRUD API for the collection orders with item, quantity and price",
		    "Collection API", "Create order|Get order|Update order|Delete order|List orders",
		    "orders|orders|orders|orders|orders", "item,quantity,price" },
		{ "newsletter with double opt-in", "Newsletter", "Subscribe|Confirm subscription",
		    "subscribers|subscribers", "email" },
	};
	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
		struct build_result r;
		enum build_status st = builder_create(&arena, cat, apps[i].text, &r);
		int ok = st == BUILD_OK && r.doc == NULL && r.docs != NULL && r.app != NULL &&
		    strcmp(r.app, apps[i].app) == 0;

		for (size_t k = 0; ok && k < json_object_array_length(r.docs); k++)
			ok = valid(json_object_array_get_idx(r.docs, k));
		T_OK(ok && agree(r.docs), "app \"%s\": %s, each valid, their collections agree",
		    apps[i].text, apps[i].app);
		if (st == BUILD_OK && r.docs != NULL) {
			char f[256] = "";
			json_object_object_foreach(json_get(json_get(json_object_array_get_idx(
			    r.docs, 0), "inputSchema", json_type_object), "properties",
			    json_type_object), k, v) {
				(void)v;
				snprintf(f + strlen(f), sizeof(f) - strlen(f), "%s%s", f[0] ? "," : "", k);
			}
			T_STR(names(&r), apps[i].names, "  its workflows");
			T_STR(collections(&r), apps[i].colls, "  their collections");
			T_STR(f, apps[i].fields, "  the first one's fields");
		} else
			printf("#   %s\n", r.summary ? r.summary : "");
		build_result_clear(&r);
		arena_reset(&arena);
	}
	/* In the accounts app, the login and the reset find users by the sign-up's unique field. */
	struct build_result r;
	if (builder_create(&arena, cat, "user accounts: sign up with username (unique), "
	    "emailAddress and password; login; password reset", &r) == BUILD_OK && r.docs != NULL) {
		const char *d0 = json_plain(json_object_array_get_idx(r.docs, 0));
		const char *d1 = json_plain(json_object_array_get_idx(r.docs, 1));
		T_OK(strstr(d0, "\"unique\":[\"emailAddress\"]") != NULL &&
		    strstr(d1, "\"where\":{\"emailAddress\":\"{{input.emailAddress}}\"}") != NULL,
		    "the login finds users by the sign-up's unique email field");
	} else
		T_OK(0, "the accounts app with named fields builds");
	build_result_clear(&r);
	arena_reset(&arena);
}

/* The corpus: a phrasing, and the templates it must give (in order), or "" for a refusal. */
static const struct { const char *text, *want; } corpus[] = {
	/* user accounts */
	{ "user accounts with sign up, login and password reset", "sign-up+login+password reset" },
	{ "User acounts: signup, log in, forgot password", "sign-up+login+password reset" },
	{ "I need an auth system with registration, login and password recovery",
	    "sign-up+login+password reset" },
	{ "create sign-up, login and reset password endpoints for my app",
	    "sign-up+login+password reset" },
	{ "accounts for my users please", "sign-up+login+password reset" },
	{ "build user accounts", "sign-up+login+password reset" },
	{ "sign up and login api", "sign-up+login" },
	{ "registration + login", "sign-up+login" },
	{ "a login and a sign up for members", "sign-up+login" },
	{ "sigup and loign api", "sign-up+login" },
	{ "password reset with an emailed token", "password reset" },
	{ "forgot password flow that emails a reset link", "password reset" },
	{ "reset pasword api", "password reset" },
	{ "an endpoint to reset a user's password by email", "password reset" },
	{ "create a sign up api with name, email and phone", "sign-up" },
	{ "Signup endpoint for new users with email and password, password at least 10 chars",
	    "sign-up" },
	{ "login api", "login" },
	{ "please make me a log in endpoint with username and password", "login" },
	{ "authenticate users by email and password", "login" },
	{ "Hey, could you build me a simple signup API? Just email + password.", "sign-up" },
	{ "LOGIN ENDPOINT PLEASE", "login" },
	/* newsletter */
	{ "newsletter with double opt-in", "newsletter subscribe+newsletter confirm" },
	{ "newsletter subscribe with double opt-in", "newsletter subscribe+newsletter confirm" },
	{ "a mailing list signup that confirms the email address",
	    "newsletter subscribe+newsletter confirm" },
	{ "newsleter subscription with confirmation email",
	    "newsletter subscribe+newsletter confirm" },
	{ "let people subscribe to my newsletter and confirm by email",
	    "newsletter subscribe+newsletter confirm" },
	{ "double opt in email list", "newsletter subscribe+newsletter confirm" },
	{ "A newsletter, double-opt-in, with name and email",
	    "newsletter subscribe+newsletter confirm" },
	/* contact */
	{ "contact form that emails me", "contact form" },
	{ "a contact form which sends me an email at ann@example.com", "contact form" },
	{ "feedback form with email and comments", "contact form" },
	{ "contact us form, email the owner", "contact form" },
	{ "contcat form", "contact form" },
	{ "get in touch form that emails me new messages", "contact form" },
	{ "contact-form that e-mails the site owner", "contact form" },
	/* a collection's endpoints */
	{ "a todo api with create, list, complete and delete", "create+delete+list+complete" },
	{ "todo list: create and list todos", "create+list" },
	{ "to do app where I can add tasks, list them, mark them done and remove them",
	    "create+delete+list+complete" },
	{ "CRUD for the collection orders with item, quantity and price",
	    "create+read+update+delete+list" },
	{ "crud api for products with name and price", "create+read+update+delete+list" },
	{ "manage books with title, author and year", "create+read+update+delete+list" },
	{ "an api for customers with create, read, update and delete",
	    "create+read+update+delete" },
	{ "endpoints to add, edit, delete and list notes", "create+update+delete+list" },
	{ "I want a REST api to create and list invoices with amount and customer",
	    "create+list" },
	{ "an inventory api: add items, list items and remove items", "create+delete+list" },
	{ "a blog posts api with create, get, update and delete", "create+read+update+delete" },
	{ "tasks api with craete and lsit", "create+list" },
	{ "an endpoint that lists the products", "list" },
	{ "an api to delete a customer by id", "delete" },
	{ "get one order by id endpoint", "read" },
	/* other APIs */
	{ "an api that returns the weather for a city using https://api.example.com/weather?q={city}",
	    "external API call" },
	{ "the weather for a city using https://api.example.com/weather?q={city}",
	    "external API call" },
	{ "wrap https://api.example.com/v1/people/{id} returning name and email",
	    "external API call" },
	{ "exchange rate api that calls https://rates.example.com/latest?base={currency}",
	    "external API call" },
	{ "fetch https://api.example.com/quote of the day", "external API call" },
	/* webhooks */
	{ "webhook receiver with HMAC signature check", "webhook receiver" },
	{ "receive GitHub webhooks and verify the X-Hub-Signature-256 header", "webhook receiver" },
	{ "an endpoint for incoming webhooks signed with hmac sha256", "webhook receiver" },
	{ "webhok reciever that checks the signature", "webhook receiver" },
	{ "relay webhooks to https://hooks.example.com/in", "webhook relay" },
	{ "forward incoming webhooks to https://example.org/hook", "webhook relay" },
	/* phrasings written after the templates, as people might */
	{ "i want users to be able to register and then log in", "sign-up+login" },
	{ "make an API to register users, log them in and let them reset forgotten passwords",
	    "sign-up+login+password reset" },
	{ "signup/login", "sign-up+login" },
	{ "regster api", "sign-up" },
	{ "loginn", "login" },
	{ "sign in with email and password", "login" },
	{ "Registration form with first name, last name, email, password and date of birth",
	    "sign-up" },
	{ "password reset", "password reset" },
	{ "let users reset their password via email link", "password reset" },
	{ "newsletter", "newsletter subscribe+newsletter confirm" },
	{ "subscribe form for my newsletter", "newsletter subscribe+newsletter confirm" },
	{ "confirm newsletter subscriptions via email link",
	    "newsletter subscribe+newsletter confirm" },
	{ "double opt-in newsletter signup with first name",
	    "newsletter subscribe+newsletter confirm" },
	{ "a form that emails me", "contact form" },
	{ "contact page where visitors send us a message and we get an email", "contact form" },
	{ "I'd like a feedback endpoint that forwards the feedback to my email", "contact form" },
	{ "todo", "create+delete+list+complete" },
	{ "build a backend for a todo app", "create+delete+list+complete" },
	{ "A todo-list API. Endpoints: create todo, list todos, mark todo as complete, delete todo.",
	    "create+delete+list+complete" },
	{ "shopping list api: add item, remove item, list items", "create+delete+list" },
	{ "a simple CRUD for notes", "create+read+update+delete+list" },
	{ "CRUD users", "create+read+update+delete+list" },
	{ "i need endpoints to create, update and delete events", "create+update+delete" },
	{ "an API where customers can leave reviews with rating and comment", "create" },
	{ "an api to list and search movies", "list" },
	{ "get the current bitcoin price from https://api.coindesk.com/v1/bpi/currentprice.json",
	    "external API call" },
	{ "call https://api.github.com/users/{username} and return the name and public_repos",
	    "external API call" },
	{ "webhook", "webhook receiver" },
	{ "An endpoint which receives Stripe webhooks and checks the signature",
	    "webhook receiver" },
	/* what it cannot build: refused */
	{ "photo gallery with upload", "" },
	{ "make me a sandwich", "" },
	{ "a chat app with websockets", "" },
	{ "what is the weather like", "" },
	{ "an api", "" },
	{ "relay webhooks", "" },
	{ "a crud api", "" },
	{ "generate a pdf invoice and print it", "" },
	{ "upload images to s3", "" },
	{ "a real-time multiplayer game server", "" },
};

/* "tmpl+tmpl" of what r built, from the changes' "template ..." lines. */
static const char *
kinds(const struct build_result *r)
{
	static char out[256];

	out[0] = '\0';
	for (size_t i = 0; r->changes != NULL && i < json_object_array_length(r->changes); i++) {
		const char *c = json_object_get_string(json_object_array_get_idx(r->changes, i));
		const char *t = strstr(c, "template ");
		if (t != NULL && (t == c || (t > c + 1 && t[-1] == ' ' && t[-2] == ':')))
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
			    out[0] ? "+" : "", t + 9);
	}
	return out;
}

static void
test_corpus(void)
{
	size_t n = sizeof(corpus) / sizeof(corpus[0]), meant = 0, understood = 0, refused = 0;
	int wrong = 0;

	for (size_t i = 0; i < n; i++) {
		struct build_result r;
		enum build_status st = builder_create(&arena, cat, corpus[i].text, &r);
		const char *got = st == BUILD_OK ? kinds(&r) : "";
		int ok_docs = 1;

		if (st == BUILD_OK)
			for (size_t k = 0; r.docs != NULL && k < json_object_array_length(r.docs); k++)
				ok_docs &= valid(json_object_array_get_idx(r.docs, k));
		if (st == BUILD_OK && r.doc != NULL)
			ok_docs &= valid(r.doc);
		if (corpus[i].want[0] == '\0') {
			if (st == BUILD_NOT_UNDERSTOOD && strstr(r.summary, "I can create") != NULL)
				refused++;
			else {
				printf("#   built, should refuse: \"%s\" -> %s\n", corpus[i].text, got);
				wrong++;
			}
		} else {
			meant++;
			if (st == BUILD_OK && strcmp(got, corpus[i].want) == 0 && ok_docs)
				understood++;
			else if (st == BUILD_NOT_UNDERSTOOD)
				printf("#   not understood: \"%s\"\n", corpus[i].text);
			else {
				printf("#   misread: \"%s\" -> %s (want %s)\n", corpus[i].text,
				    st == BUILD_OK ? got : build_status_names[st], corpus[i].want);
				wrong++;
			}
		}
		build_result_clear(&r);
		arena_reset(&arena);
	}
	printf("# corpus: %zu phrasings; %zu of %zu understood as meant (%.1f%%); %zu of %zu "
	    "refused as they must be\n", n, understood, meant, 100.0 * (double)understood /
	    (double)meant, refused, n - meant);
	T_OK(n >= 60, "the corpus has at least 60 phrasings (%zu)", n);
	T_OK(wrong == 0, "no phrasing is built as something it does not ask for");
	T_OK((double)understood >= CORPUS_FLOOR * (double)meant,
	    "at least %.0f%% understood (%zu of %zu)", CORPUS_FLOOR * 100, understood, meant);
}

int
main(void)
{
	arena_init(&arena, 8192);
	cat = catalog_new();
	test_apps();
	test_corpus();
	catalog_free(cat);
	arena_free(&arena);
	return t_done();
}
