/*
 * The builder's names for things: the collection a text names, and what it
 * can build (its help). The lowest of the builder's files but its reading of
 * text (builder_text.c): templates, edits and the supervisor all use them.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "builder.h"
#include "builder_int.h"

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
		"manage", "manages", "managing", "records of", "crud", NULL
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

/* What the builder can make and change, in words (its refusals end with it). */
const char *
builder_help(void)
{
	return "I can create: a sign-up API, a login API, a password reset by emailed "
	    "link, user accounts (sign-up, login and password reset sharing users), a "
	    "contact form (that emails you, if you say so), a newsletter with double opt-in "
	    "(subscribe and confirm), the endpoints of a named collection (create, get, "
	    "update, delete, list; \"a todo api with create, list, complete and delete\"), "
	    "an API that calls another one by its URL template (\"the weather for a city "
	    "using https://api.example.com/weather?q={city}\"), a webhook receiver that "
	    "checks an HMAC signature, or a webhook relay to a URL; fields come from \"with "
	    "name, email and phone\" and limits from \"password at least 12 characters\". "
	    "On an existing workflow I can: add or remove a field, make a field required or "
	    "optional, change a limit (\"name at least 2 characters\"), rename the workflow "
	    "or a field, change the collection or the response status, add a notification "
	    "to a URL, add or drop a step (validation, token, notification), run it with a "
	    "JSON input, deploy it, or explain it.";
}
