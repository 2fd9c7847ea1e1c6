/*
 * The builder's edits: an instruction applied to an existing workflow. A
 * message may hold several clauses ("add a phone field; make name
 * optional"); each must be understood and possible, and the result must
 * pass workflow_check, or nothing changes. The changes themselves are in
 * builder_fields.c and builder_steps.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "buf.h"
#include "builder.h"
#include "builder_int.h"
#include "json.h"

/* camelCase of up to three words at t[i...] (arena), or NULL. */
static char *
words_name(struct ectx *e, const struct btext *t, size_t i)
{
	char name[B_NAME_MAX] = "";

	for (size_t w = 0; w < 3 && i + w < t->n && !bt_punct(t, i + w) &&
	    !bt_is(t, i + w, "field") && !bt_is(t, i + w, "and"); w++) {
		size_t n = strlen(name);
		const char *word = t->orig[i + w];
		if (n == 0)
			snprintf(name, sizeof(name), "%s", word);
		else if (n + strlen(word) + 1 < sizeof(name))
			snprintf(name + n, sizeof(name) - n, "%c%s",
			    toupper((unsigned char)word[0]), word + 1);
	}
	return name[0] != '\0' ? arena_strdup(e->a, name) : NULL;
}

/* The words after token i up to punctuation, as a display name (arena). */
static char *
title_after(struct ectx *e, const struct btext *t, size_t i)
{
	char *s = arena_strdup(e->a, "");

	if (t->quoted[0] != '\0')
		return arena_strdup(e->a, t->quoted);
	for (size_t k = i, w = 0; k < t->n && !bt_punct(t, k) && w < 12; k++, w++)
		s = arena_printf(e->a, "%s%s%s", s, *s ? " " : "", t->orig[k]);
	if (*s != '\0')
		s[0] = (char)toupper((unsigned char)s[0]);
	return *s != '\0' ? s : NULL;
}

static void
set_collection(struct ectx *e, struct json_object *tool, void *arg)
{
	(void)e;
	json_object_object_add(json_object_object_get(tool, "config"), "collection",
	    json_object_new_string(arg));
}

/* "use the collection X": every db_insert and db_find tool's collection. */
static int
change_collection(struct ectx *e, const struct btext *t)
{
	char name[B_NAME_MAX] = "";
	long i = bt_find(t, 0, "collection to");

	if (i >= 0 && (size_t)i + 2 < t->n && bf_name_valid(t->tok[i + 2]))
		snprintf(name, sizeof(name), "%s", t->tok[i + 2]);
	else if (!builder_collection(t, name, sizeof(name)))
		return REFUSE(e, "Which collection? Say e.g. \"use the collection customers\".");
	if (bd_first_of_type(e->doc, "db_insert") == NULL &&
	    bd_first_of_type(e->doc, "db_find") == NULL)
		return REFUSE(e, "The workflow stores nothing, so it has no collection to change.");
	be_each_config(e, "db_insert", set_collection, name);
	be_each_config(e, "db_find", set_collection, name);
	bd_change(e->changes, "collection is now %s", name);
	return 0;
}

/*
 * "rename the field X to Y", "rename the collection to Y", or the
 * workflow's name: "rename the workflow to ...", "call it ...".
 */
static int
rename_clause(struct ectx *e, const struct btext *t)
{
	long r = bt_find(t, 0, "rename"), to;
	size_t k, used = 0;
	const char *from;
	char *name;

	if (r >= 0) {
		k = (size_t)r + 1;
		while (bt_is(t, k, "the") || bt_is(t, k, "field"))
			k++;
		to = bt_find(t, k, "to");
		if (bt_is(t, k, "collection"))
			return change_collection(e, t);
		if ((from = be_field_at(e->doc, t, k, &used)) != NULL && to == (long)(k + used)) {
			if ((name = words_name(e, t, (size_t)to + 1)) == NULL)
				return REFUSE(e, "Rename %s to what?", from);
			return be_rename_field(e, from, name);
		}
		if (to < 0)
			return REFUSE(e, "Rename what to what? Say \"rename the field phone to "
			    "mobile\" or \"rename the workflow to Join us\".");
		name = title_after(e, t, (size_t)to + 1);
	} else {
		long i = bt_find(t, 0, "it");
		if (i < 0)
			i = bt_find(t, 0, "workflow");
		if (i >= 0 && bt_is(t, (size_t)i + 1, "to"))
			i++;
		name = i >= 0 ? title_after(e, t, (size_t)i + 1) : NULL;
	}
	if (name == NULL || strlen(name) > 200)
		return REFUSE(e, "What should the new name be (at most 200 characters)?");
	json_object_object_add(e->doc, "name", json_object_new_string(name));
	bd_change(e->changes, "renamed the workflow to \"%s\"", name);
	return 0;
}

static const char *const remove_verbs[] = {
	"remove", "drop", "delete", "without", "dont", "get rid of", "no longer", "stop", NULL
};
static const char *const add_verbs[] = {
	"add", "include", "collect", "also ask for", "ask for", "notify", "send", "post", NULL
};

/* Index of the first of phrases in t, or -1. */
static long
first_of(const struct btext *t, const char *const *phrases)
{
	long best = -1;

	for (; *phrases != NULL; phrases++) {
		long i = bt_find(t, 0, *phrases);
		if (i >= 0 && (best < 0 || i < best))
			best = i;
	}
	return best;
}


/*
 * "remove/drop/delete ..." from the verb at v: the fields named, or a step
 * (named by its toolId or its kind: token, validation, notification...).
 */
static int
remove_clause(struct ectx *e, const struct btext *t, size_t v)
{
	struct json_object *step;
	int n = 0;

	if (bt_find(t, v, "field") < 0 && bt_find(t, v, "fields") < 0 && be_has_step_word(t, v + 1)) {
		if ((step = be_step_named(e, t, v + 1)) == NULL)
			return REFUSE(e, "I found no such step in the workflow.");
		return be_drop_step(e, step);
	}
	for (size_t k = v + 1; k < t->n; k++) {
		size_t used = 0;
		const char *f = be_field_at(e->doc, t, k, &used);
		if (f == NULL)
			continue;
		if (be_remove_field(e, f) == -1)
			return -1;
		n++;
		k += used - 1;
	}
	if (n == 0) {
		if ((step = be_step_named(e, t, v + 1)) != NULL)
			return be_drop_step(e, step);
		return REFUSE(e, "I found no such field or step. The fields are: %s.",
		    be_field_list(e));
	}
	return 0;
}

static const char *const add_tail_skip[] = {
	"field", "fields", "to", "the", "form", "input", "workflow", "api", "too", "as",
	"well", "also", "please", "it", "this", "endpoint", "request", NULL
};
static const char *const add_tail_ok[] = {
	"at", "no", "up", "less", "more", "min", "max", "minimum", "maximum", "between",
	"of", "with", "that", "which", "must", "should", "required", "optional", "under",
	"over", "from", "longer", "shorter", NULL
};

/*
 * "add ..." from the verb at v: a notify step when a URL is given, a token
 * or validation step, or else fields (with their bounds). Returns 1 when
 * what follows the field names does not read as part of the request.
 */
static int
add_clause(struct ectx *e, const struct btext *t, size_t v)
{
	struct bfield f[B_MAX_FIELDS];
	size_t end = 0;
	int n;

	if (t->url[0] != '\0') {
		const char *id = builder_add_notify(e->a, e->doc, t->url);
		bd_change(e->changes, "added step %s (POST the input to %s)", id, t->url);
		return 0;
	}
	if (bt_has(t, "webhook") || bt_has(t, "notification") || bt_is(t, v, "notify"))
		return REFUSE(e, "To which URL? Say e.g. \"notify https://hooks.example.com/new\".");
	if (bt_has(t, "token") || bt_has(t, "jwt"))
		return be_add_token_step(e);
	if (bt_has(t, "validation") || bt_has(t, "validate") || bt_has(t, "validating"))
		return be_add_validate_step(e);
	static const char *const verb_rest[] = { "also", "ask", "for", NULL };
	size_t j = v + 1;
	while (bt_any(t, j, verb_rest))
		j++;
	n = bf_list_at(t, j, f, 0, B_MAX_FIELDS, &end);
	/* What follows the names must read as part of the same request. */
	while (end < t->n && bt_any(t, end, add_tail_skip))
		end++;
	if (n > 0 && end < t->n && !bt_any(t, end, add_tail_ok) && !bt_punct(t, end))
		return 1;
	if (n == 0)
		return REFUSE(e, "Add what? Say e.g. \"add a phone field\" or \"add an optional "
		    "age field\".");
	for (int i = 0; i < n; i++) {
		bf_constraints(t, &f[i]);
		if (be_add_field(e, &f[i]) == -1)
			return -1;
	}
	return 0;
}

/* "respond with status N": the one response step's status. */
static int
status_clause(struct ectx *e, const struct btext *t)
{
	struct json_object *resp;
	long long st = 0;
	int found = 0;

	for (size_t i = 0; i < t->n && !found; i++)
		if (bt_number(t, i, &st) && st >= 100 && st <= 599)
			found = 1;
	if (!found)
		return REFUSE(e, "Which status? Say e.g. \"respond with status 202\".");
	if (be_response_count(e->doc) != 1)
		return REFUSE(e, "The workflow has %d response steps; I change the status only "
		    "where there is one.", be_response_count(e->doc));
	resp = bd_first_of_type(e->doc, "response");
	json_object_object_add(json_object_object_get(resp, "config"), "status",
	    json_object_new_int((int)st));
	bd_change(e->changes, "the response status is now %lld", st);
	return 0;
}

/* Bounds and required/optional said of fields the workflow has. */
static int
constraint_clause(struct ectx *e, const struct btext *t)
{
	int n = 0;
	int opt = bt_has(t, "optional") || bt_has(t, "not required");
	int req = !opt && (bt_has(t, "required") || bt_has(t, "mandatory") ||
	    bt_has(t, "require") || bt_has(t, "must have"));
	long lim = bt_find(t, 0, "limit");

	for (size_t i = 0; i < t->n; i++) {
		size_t used = 0;
		const char *name = be_field_at(e->doc, t, i, &used);
		struct bfield f;
		long long v;
		if (name == NULL)
			continue;
		memset(&f, 0, sizeof(f));
		snprintf(f.name, sizeof(f.name), "%s", name);
		bf_constraints(t, &f);
		/* "limit message to 500 characters" */
		if (lim >= 0 && (size_t)lim < i && bt_is(t, i + used, "to") &&
		    bt_number(t, i + used + 1, &v)) {
			f.max = v;
			f.has_max = 1;
		}
		if (f.has_min) {
			be_set_bound(e, name, 0, f.min);
			n++;
		}
		if (f.has_max) {
			be_set_bound(e, name, 1, f.max);
			n++;
		}
		if (!f.has_min && !f.has_max && (opt || req)) {
			be_set_required(e, name, req);
			n++;
		}
		i += used - 1;
	}
	return n > 0 ? 0 : 1;
}

/* One clause: 0 done, -1 refused (e->why), 1 not understood. */
static int
clause(struct ectx *e, const struct btext *t)
{
	long v;

	if (bt_has(t, "rename") || bt_has(t, "call it") || bt_has(t, "name it") ||
	    bt_has(t, "call the workflow") || bt_has(t, "name the workflow"))
		return rename_clause(e, t);
	if ((v = first_of(t, remove_verbs)) >= 0)
		return remove_clause(e, t, (size_t)v);
	if ((v = first_of(t, add_verbs)) >= 0)
		return add_clause(e, t, (size_t)v);
	if (bt_has(t, "collection") || (bt_has(t, "store") && bt_has(t, "in")))
		return change_collection(e, t);
	if (bt_has(t, "status") || bt_has(t, "respond with"))
		return status_clause(e, t);
	return constraint_clause(e, t);
}

static const char *const clause_verbs[] = {
	"add", "remove", "drop", "delete", "make", "rename", "change", "set", "require",
	"use", "call", "respond", "return", "limit", "store", "notify", "include", NULL
};

/*
 * Splits an instruction into clauses (arena strings, at most max): at ';',
 * a newline, '.' before a space or the end, "then", and "and" or ","
 * before a verb ("add a phone field and make name optional").
 */
static size_t
split_clauses(struct arena *a, const char *text, char **out, size_t max)
{
	char *s = arena_strdup(a, text), *start = s;
	size_t n = 0;

	for (char *p = s; *p != '\0' && n + 1 < max; p++) {
		size_t cut = 0;
		if (*p == ';' || *p == '\n' || (*p == '.' && (p[1] == ' ' || p[1] == '\0')))
			cut = 1;
		else if (strncasecmp(p, " then ", 6) == 0)
			cut = 6;
		else if (strncasecmp(p, " and ", 5) == 0 || strncmp(p, ", ", 2) == 0) {
			const char *w = p + (*p == ',' ? 2 : 5);
			for (const char *const *v = clause_verbs; *v != NULL; v++) {
				size_t l = strlen(*v);
				if (strncasecmp(w, *v, l) == 0 && (w[l] == ' ' || w[l] == '\0'))
					cut = (size_t)(w - p);
			}
		}
		if (cut == 0)
			continue;
		*p = '\0';
		out[n++] = start;
		start = p + cut;
		p = start - 1;
	}
	out[n++] = start;
	return n;
}

/*
 * Applies an instruction to a copy of doc. Each clause must be understood
 * and possible, and the result must pass workflow_check; otherwise nothing
 * changes and out->summary says why (BUILD_NOT_UNDERSTOOD with the help
 * text, or BUILD_INVALID for an understood change that cannot be made).
 */
enum build_status
builder_edit(struct arena *a, const struct catalog *cat, struct json_object *doc,
    const char *text, struct build_result *out)
{
	struct ectx e;
	struct btext *t = calloc(1, sizeof(*t));
	struct json_object *copy = NULL;
	char *clauses[16];
	size_t n;
	enum build_status st = BUILD_NOMEM;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	if (t == NULL)
		return BUILD_NOMEM;
	if (text == NULL || !json_object_is_type(doc, json_type_object) ||
	    json_object_deep_copy(doc, &copy, NULL) != 0) {
		free(t);
		return text == NULL ? bd_refuse(a, out, "There was no instruction.") : BUILD_NOMEM;
	}
	e.a = a;
	e.doc = copy;
	e.changes = json_object_new_array();
	n = split_clauses(a, text, clauses, sizeof(clauses) / sizeof(clauses[0]));
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (bt_parse(t, clauses[i]) == -1) {
			st = bd_refuse(a, out, "That instruction is too long for me.");
			goto fail;
		}
		if (t->n == 0)
			continue;
		rc = clause(&e, t);
		if (rc == 1) {
			st = bd_refuse(a, out, "I did not understand \"%s\".", clauses[i]);
			goto fail;
		}
	}
	if (rc == -1) {
		out->summary = arena_printf(a, "%s Nothing was changed.", e.why);
		st = BUILD_INVALID;
		goto fail;
	}
	if (json_object_array_length(e.changes) == 0) {
		st = bd_refuse(a, out, "I found nothing to change in that.");
		goto fail;
	}
	{
		char *sum = arena_strdup(a, "Changed the workflow:");
		for (size_t i = 0; i < json_object_array_length(e.changes); i++)
			sum = arena_printf(a, "%s%s %s", sum, i ? ";" : "",
			    json_object_get_string(json_object_array_get_idx(e.changes, i)));
		sum = arena_printf(a, "%s.", sum);
		free(t);
		return bd_finish(a, cat, copy, e.changes, sum, out);
	}
fail:
	json_object_put(copy);
	json_object_put(e.changes);
	free(t);
	return st;
}
