/*
 * What a message asks the builder for (issue 21, part 4): one workflow of a
 * template, or an app of several that share their data -- user accounts
 * (sign-up, login, password reset on users), a newsletter with double
 * opt-in (subscribe, confirm on subscribers), or a collection's endpoints
 * ("a todo api with create, list, complete and delete": four on todos).
 * Read from the words (after bt_normalize has mended typos), in a fixed
 * order of precedence, so the same text always asks for the same thing;
 * what matches nothing is refused, never guessed.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "builder.h"
#include "builder_int.h"

static const char *const signup_words[] = {
	"signup", "sign up", "register", "registration", "create account",
	"create an account", "new account", "create user", "create a user",
	"new user", "onboarding", "signups", "registering", NULL
};
static const char *const login_words[] = {
	"login", "log in", "signin", "sign in", "logon", "authenticate",
	"authentication", "logins", "logging in", "log them in", "log users in",
	"log people in", "logs them in", "log the user in", "log you in", NULL
};
static const char *const reset_words[] = {
	"password reset", "reset password", "reset passwords", "reset the password",
	"reset my password", "reset your password", "reset their password",
	"reset a password", "passwords reset", "forgot password", "forgot my password",
	"forgot their password", "forgotten password", "forgotten passwords",
	"lost password", "recover password", "recover the password", "password recovery",
	"reset link", "reset links", "resetting passwords", "resetting the password",
	"password resets", NULL
};
static const char *const accounts_words[] = {
	"user accounts", "user account system", "accounts", "account system",
	"auth system", "authentication system", "user management", "user auth",
	"auth flow", "authentication flow", "auth api", "membership system", NULL
};
static const char *const newsletter_words[] = {
	"newsletter", "newsletters", "mailing list", "email list", "subscribe",
	"subscribers", "subscription", "subscriptions", "optin", "opt in", NULL
};
static const char *const contact_words[] = {
	"contact", "feedback", "enquiry", "inquiry", "get in touch", "contact us", NULL
};
static const char *const webhook_words[] = {
	"webhook", "webhooks", "callback", "callbacks", "hmac", NULL
};
static const char *const signature_words[] = {
	"signature", "signatures", "signed", "hmac", "verify", "verifies", "verified",
	"verifying", "authenticity", NULL
};
static const char *const relay_words[] = {
	"relay", "relays", "forward", "forwards", "forwarding", "proxy", NULL
};
static const char *const call_words[] = {
	"using", "call", "calls", "calling", "fetch", "fetches", "fetching", "from",
	"external", "third party", "lookup", "look up", "looks up", "query", "queries",
	"wrap", "wraps", "wrapper", "via", "get", "gets", "returns", "return", NULL
};
static const char *const todo_words[] = { "todo", "todos", "to do", "to dos", NULL };
static const char *const crud_words[] = {
	"crud", "manage", "manages", "managing", "rest api for", "full api for", NULL
};
/* The nouns a request names its API by: "create a todo api" is no op. */
static const char *const api_words[] = {
	"api", "apis", "app", "application", "service", "endpoint", "endpoints",
	"backend", "system", "crud", "server", "workflow", "microservice", "rest", NULL
};
static const char *const list_nouns[] = {
	"todo", "task", "tasks", "shopping", "reading", "wish", "mailing", "email",
	"guest", "waiting", NULL
};
static const char *const fillers[] = {
	"a", "an", "the", "my", "our", "your", "their", "new", "some", "all", "them",
	"it", "one", "single", "each", "every", "of", "existing", "any", "as", NULL
};

static const struct {
	const char	*word;
	enum tmpl	 op;
} op_words[] = {
	{ "create", T_CREATE }, { "creates", T_CREATE }, { "creating", T_CREATE },
	{ "add", T_CREATE }, { "adds", T_CREATE }, { "adding", T_CREATE },
	{ "insert", T_CREATE }, { "post", T_CREATE }, { "submit", T_CREATE },
	{ "submits", T_CREATE }, { "leave", T_CREATE }, { "save", T_CREATE },
	{ "read", T_READ }, { "reads", T_READ }, { "get", T_READ }, { "gets", T_READ },
	{ "fetch", T_READ }, { "show", T_READ }, { "view", T_READ }, { "retrieve", T_READ },
	{ "find", T_READ }, { "details", T_READ },
	{ "update", T_UPDATE }, { "updates", T_UPDATE }, { "updating", T_UPDATE },
	{ "edit", T_UPDATE }, { "edits", T_UPDATE }, { "editing", T_UPDATE },
	{ "modify", T_UPDATE }, { "change", T_UPDATE }, { "patch", T_UPDATE },
	{ "delete", T_DELETE }, { "deletes", T_DELETE }, { "deleting", T_DELETE },
	{ "remove", T_DELETE }, { "removes", T_DELETE }, { "removing", T_DELETE },
	{ "destroy", T_DELETE }, { "erase", T_DELETE },
	{ "list", T_LIST }, { "lists", T_LIST }, { "listing", T_LIST }, { "browse", T_LIST },
	{ "complete", T_COMPLETE }, { "completes", T_COMPLETE }, { "completing", T_COMPLETE },
	{ "finish", T_COMPLETE }, { "done", T_COMPLETE }, { "check off", T_COMPLETE },
	{ "tick off", T_COMPLETE },
};

/* The op word at token i ("check off" counts from "check"), or -1. */
static int
op_at(const struct btext *t, size_t i)
{
	for (size_t k = 0; k < sizeof(op_words) / sizeof(op_words[0]); k++)
		if (bt_find(t, i, op_words[k].word) == (long)i)
			return (int)op_words[k].op;
	return -1;
}

/*
 * 1 when the op word at i is the request's own verb ("create a todo api",
 * "add an endpoint for orders"), not one the API is to have: an API noun
 * follows within four words, before any punctuation.
 */
static int
request_verb(const struct btext *t, size_t i)
{
	for (size_t k = i + 1; k < t->n && k <= i + 4 && !bt_punct(t, k); k++) {
		if (bt_any(t, k, api_words))
			return 1;
		if (bt_is(t, k, "list") && k > 0 && bt_any(t, k - 1, list_nouns))
			return 1;   /* "create a todo list with ..." */
	}
	return 0;
}

/* 1 when token i is an op the API is to have (the request's verb is none). */
int
bp_is_op_word(const struct btext *t, size_t i)
{
	int op = op_at(t, i);

	if (op < 0)
		return 0;
	/* "todo list", "mailing list": a noun, not the op. */
	if (op == T_LIST && bt_is(t, i, "list") && i > 0 && bt_any(t, i - 1, list_nouns))
		return 0;
	return !request_verb(t, i);
}

/* The ops named, as bits of 1 << T_*; the number of them in *n. */
static unsigned
ops_named(const struct btext *t, size_t *n)
{
	unsigned bits = 0;

	*n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (bp_is_op_word(t, i) && !(bits & (1u << op_at(t, i)))) {
			bits |= 1u << op_at(t, i);
			(*n)++;
		}
	return bits;
}

static int
word_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 40 || !isalpha((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/* A noun the request may name its collection by: not an op, filler or API word. */
static int
noun_at(const struct btext *t, size_t k)
{
	static const char *const not_nouns[] = {
		"and", "or", "with", "for", "to", "that", "which", "by", "id", "me", "i",
		"is", "are", "can", "in", "on", "from", "where", "fields", "field",
		"endpoint", "endpoints", "them", "data", "also", "so",
		"validation", "token", "notification", "step", "steps", "status", "it", NULL
	};
	/* "add a phone field": a field, not a collection. */
	static const char *const after[] = { "field", "fields", "step", "steps", "column", NULL };

	return k < t->n && !bt_punct(t, k) && op_at(t, k) < 0 && !bt_any(t, k, fillers) &&
	    !bt_any(t, k, api_words) && !bt_any(t, k, not_nouns) && word_ok(t->tok[k]) &&
	    !bt_any(t, k + 1, after);
}

/* name, made a plural: "book" → books, "category" → categories; plurals stay. */
static void
plural(const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	int w;

	if (n > 1 && name[n - 1] == 's')
		w = snprintf(out, size, "%s", name);
	else if (n > 1 && name[n - 1] == 'y' && strchr("aeiou", name[n - 2]) == NULL)
		w = snprintf(out, size, "%.*sies", (int)(n - 1), name);
	else
		w = snprintf(out, size, "%ss", name);
	if (w < 0 || (size_t)w >= size)   /* too long a name: as it was written */
		snprintf(out, size, "%.*s", (int)(size - 1), name);
}

/*
 * The collection a collection app is on: named outright ("collection
 * orders", builder_collection), a to-do list's todos, the noun after an op
 * ("create, list and delete books"), before an API word ("a books api") or
 * after "for" ("endpoints for invoices"). 1 with out filled, or 0.
 */
static int
collection_of(const struct btext *t, char *out, size_t size)
{
	char word[B_NAME_MAX] = "";

	if (builder_collection(t, out, size))
		return 1;
	if (bt_has_any(t, todo_words)) {
		snprintf(out, size, "todos");
		return 1;
	}
	for (size_t i = 0; i < t->n && word[0] == '\0'; i++) {
		size_t k = i + 1;
		if (!bp_is_op_word(t, i))
			continue;
		if (bt_is(t, i, "check") || bt_is(t, i, "tick"))
			k++;
		while (k < t->n && bt_any(t, k, fillers))
			k++;
		if (noun_at(t, k))
			snprintf(word, sizeof(word), "%s", t->tok[k]);
	}
	for (size_t i = 1; i < t->n && word[0] == '\0'; i++)
		if (bt_any(t, i, api_words) && noun_at(t, i - 1))
			snprintf(word, sizeof(word), "%s", t->tok[i - 1]);
	for (long i = bt_find(t, 0, "for"); i >= 0 && word[0] == '\0';
	    i = bt_find(t, (size_t)i + 1, "for")) {
		size_t k = (size_t)i + 1;
		while (k < t->n && bt_any(t, k, fillers))
			k++;
		if (noun_at(t, k))
			snprintf(word, sizeof(word), "%s", t->tok[k]);
	}
	if (word[0] == '\0')
		return 0;
	plural(word, out, size);
	return 1;
}

/*
 * 1 when the message starts by asking for something to be built ("create
 * ...", "I need ...", "please build ..."): one op and a noun are then an
 * endpoint to make, where "add a phone field" alone is an edit.
 */
static int
asks_to_build(const struct btext *t)
{
	static const char *const verbs[] = {
		"create", "build", "make", "generate", "setup", "write", "design", "develop",
		"implement", "need", "want", "give", NULL
	};
	static const char *const lead[] = {
		"please", "i", "we", "can", "could", "would", "you", "like", "to", "id", "d",
		"lets", "let", "us", "me", "just", NULL
	};
	size_t k = 0;

	while (k < t->n && k < 6 && bt_any(t, k, lead))
		k++;
	return bt_any(t, k, verbs) || bt_find(t, k, "set up") == (long)k;
}

/* 1 when a contact form is to email each message to its owner. */
int
bp_email_owner(const struct btext *t)
{
	static const char *const words[] = {
		"email me", "emails me", "mail me", "mails me", "email the owner",
		"emails the owner", "email it to me", "emails it to me", "email them to me",
		"emails them to me", "send me an email", "sends me an email", "notify me by email",
		"notifies me by email", "by email", "via email", "to my email", "to my inbox",
		"email to the owner", "email notification", "email notifications", "that emails",
		"which emails", "and emails", "then emails", "emailing", "send an email",
		"sends an email", "emails to", "email to", "forward to my email", "<email>", NULL
	};

	return bt_has_any(t, words);
}

/* 1 when the URL of the text is a template with a {placeholder}. */
static int
url_template(const struct btext *t)
{
	return strchr(t->url, '{') != NULL;
}

/*
 * 1 when a field name is an op, a to-do word or a feature of an app:
 * "with create, list and delete", "with sign up, login and password
 * reset" and "with double opt-in" name no fields.
 */
static int
op_name(const char *name)
{
	static const char *const features[] = {
		"signup", "login", "logon", "signin", "passwordreset", "resetpassword", "reset",
		"register", "registration", "forgotpassword", "passwordrecovery", "recovery",
		"doubleoptin", "optin", "doubleopt", "confirmation", "confirm", "subscribe",
		"subscription", "newsletter", "hmac", "signaturecheck", "crud", "sign", "log", NULL
	};
	char low[B_NAME_MAX];
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	for (const char *const *f = features; *f != NULL; f++)
		if (strcmp(low, *f) == 0)
			return 1;
	for (size_t k = 0; k < sizeof(op_words) / sizeof(op_words[0]); k++)
		if (strcmp(low, op_words[k].word) == 0)
			return 1;
	for (const char *const *w = todo_words; *w != NULL; w++)
		if (strcmp(low, *w) == 0)
			return 1;
	return 0;
}

/*
 * The first field list of the text that is not a list of ops: the fields,
 * op words left out.
 */
int
bp_fields(const struct btext *t, struct bfield *out, size_t max)
{
	static const char *const triggers[] = {
		"with", "fields", "field", "taking", "takes", "accepting", "accepts",
		"containing", "having", "including", "collecting", "collects", "asks", NULL
	};

	for (size_t i = 0; i < t->n; i++) {
		int nf;
		size_t keep = 0;

		if (!bt_any(t, i, triggers) || (nf = bf_list_at(t, i + 1, out, 0, max, NULL)) <= 0)
			continue;
		for (int k = 0; k < nf; k++)
			if (!op_name(out[k].name))
				out[keep++] = out[k];
		if (keep > 0)
			return (int)keep;
	}
	return 0;
}

static void
one(struct bplan *p, enum tmpl k)
{
	p->app = NULL;
	p->n = 1;
	p->kinds[0] = k;
}

static void
push(struct bplan *p, enum tmpl k)
{
	if (p->n < B_MAX_APP)
		p->kinds[p->n++] = k;
}

/*
 * Reads what t asks for into p. Returns 0, or -1 with *why (a static
 * string) saying what is missing or that nothing matched.
 */
int
builder_plan(const struct btext *t, struct bplan *p, const char **why, struct arena *a)
{
	int signup = bt_has_any(t, signup_words), login = bt_has_any(t, login_words);
	int reset = bt_has_any(t, reset_words), accounts = bt_has_any(t, accounts_words);
	int webhook = bt_has_any(t, webhook_words), relay = bt_has_any(t, relay_words);
	int url = t->url[0] != '\0', todo = bt_has_any(t, todo_words);
	int crud = bt_has_any(t, crud_words);
	size_t nops;
	unsigned ops = ops_named(t, &nops);

	(void)a;
	memset(p, 0, sizeof(*p));
	*why = "I did not recognise a kind of API in that.";
	/* "password" is what tells a sign-up apart from a newsletter's. */
	if (bt_has_any(t, newsletter_words) && !bt_has(t, "password") && !login &&
	    !bt_has_any(t, contact_words)) {
		p->app = "Newsletter";
		push(p, T_SUBSCRIBE);
		push(p, T_CONFIRM);
		if (!builder_collection(t, p->collection, sizeof(p->collection)))
			snprintf(p->collection, sizeof(p->collection), "subscribers");
		return 0;
	}
	/* "sign up, login and reset", "reset a user's password" */
	if (reset == 0 && bt_has(t, "reset") && (signup || login || accounts || bt_has(t, "password")))
		reset = 1;
	if (accounts || signup + login + reset >= 2) {
		if (signup || (accounts && !login && !reset))
			push(p, T_SIGNUP);
		if (login || (accounts && !signup && !reset))
			push(p, T_LOGIN);
		if (reset || (accounts && !signup && !login))
			push(p, T_RESET);
		if (p->n == 1) {
			one(p, p->kinds[0]);
			return 0;
		}
		p->app = "User accounts";
		return 0;
	}
	if (signup || login || reset) {
		one(p, signup ? T_SIGNUP : login ? T_LOGIN : T_RESET);
		return 0;
	}
	/* "a form that emails me" is a contact form too. */
	if (bt_has_any(t, contact_words) || (bt_has(t, "form") && bp_email_owner(t))) {
		one(p, T_CONTACT);
		return 0;
	}
	if (relay) {
		if (!url) {
			*why = "A webhook relay needs the URL to relay to (e.g. \"relay webhooks to "
			    "https://hooks.example.com/in\").";
			return -1;
		}
		one(p, T_RELAY);
		return 0;
	}
	if (webhook && url && !bt_has_any(t, signature_words)) {
		one(p, T_RELAY);    /* "a webhook to https://..." */
		return 0;
	}
	if (webhook) {
		one(p, T_WEBHOOK);
		return 0;
	}
	if (url && (url_template(t) || bt_has_any(t, call_words))) {
		one(p, T_CALL);
		return 0;
	}
	if (crud || todo || builder_collection(t, p->collection, sizeof(p->collection)) ||
	    (nops > 0 && (nops >= 2 || bt_has_any(t, api_words) || asks_to_build(t)))) {
		if (!collection_of(t, p->collection, sizeof(p->collection))) {
			*why = "Which collection? Say e.g. \"a CRUD API for the collection orders "
			    "with item, quantity and price\".";
			return -1;
		}
		if (crud || (nops == 0 && !todo)) {
			ops |= 1u << T_CREATE | 1u << T_READ | 1u << T_UPDATE | 1u << T_DELETE |
			    1u << T_LIST;
		} else if (nops == 0)
			ops = 1u << T_CREATE | 1u << T_LIST | 1u << T_COMPLETE | 1u << T_DELETE;
		for (int k = T_CREATE; k <= T_COMPLETE; k++)
			if (ops & (1u << k))
				push(p, (enum tmpl)k);
		if (p->n == 1) {
			char keep[B_NAME_MAX];
			snprintf(keep, sizeof(keep), "%s", p->collection);
			one(p, p->kinds[0]);
			snprintf(p->collection, sizeof(p->collection), "%s", keep);
			return 0;
		}
		p->app = todo ? "Todo list" : "Collection API";
		return 0;
	}
	return -1;
}

/* 1 if the text asks for something the builder makes (the supervisor's intents). */
int
builder_is_template(struct btext *t)
{
	struct bplan p;
	const char *why;

	bt_normalize(t);
	return builder_plan(t, &p, &why, NULL) == 0;
}
