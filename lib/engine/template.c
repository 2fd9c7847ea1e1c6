#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "json.h"
#include "template.h"

const char *const tpl_root_names[TPL__MAX] = {
	"input", "steps", "secrets", "env", "request",
};

static int
seg_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/*
 * Parses the reference between "{{" and "}}" (s[0..n), spaces allowed
 * around it). Returns 0 or -1 with a reason in *why.
 */
static int
parse_ref(const char *s, size_t n, struct tpl_ref *ref, const char **why)
{
	size_t i = 0, start;
	int r;

	while (n > 0 && s[n - 1] == ' ')
		n--;
	while (i < n && s[i] == ' ')
		i++;
	start = i;
	while (i < n && seg_char(s[i]))
		i++;
	for (r = 0; r < TPL__MAX; r++)
		if (strlen(tpl_root_names[r]) == i - start &&
		    strncmp(s + start, tpl_root_names[r], i - start) == 0)
			break;
	if (r == TPL__MAX) {
		*why = "a reference starts with input, steps, secrets, env or request";
		return -1;
	}
	ref->root = (enum tpl_root)r;
	ref->nseg = 0;
	while (i < n) {
		if (s[i] != '.') {
			*why = "a reference is names joined by dots";
			return -1;
		}
		start = ++i;
		while (i < n && seg_char(s[i]))
			i++;
		if (i == start) {
			*why = "empty name in a reference";
			return -1;
		}
		if (ref->nseg == TPL_MAX_SEGS) {
			*why = "a reference is at most 16 names deep";
			return -1;
		}
		ref->seg[ref->nseg] = s + start;
		ref->seglen[ref->nseg] = i - start;
		ref->nseg++;
	}
	switch (ref->root) {
	case TPL_INPUT:
		return 0;
	case TPL_STEPS:
		if (ref->nseg == 0) {
			*why = "steps references name a tool: steps.<toolId>";
			return -1;
		}
		return 0;
	case TPL_SECRETS:
		if (ref->nseg != 1) {
			*why = "secrets references name one secret: secrets.<name>";
			return -1;
		}
		return 0;
	case TPL_ENV:
		if (ref->nseg != 1 || !((ref->seglen[0] == 3 &&
		    strncmp(ref->seg[0], "now", 3) == 0) ||
		    (ref->seglen[0] == 9 && strncmp(ref->seg[0], "timestamp", 9) == 0) ||
		    (ref->seglen[0] == 11 && strncmp(ref->seg[0], "executionId", 11) == 0))) {
			*why = "env offers now, timestamp and executionId";
			return -1;
		}
		return 0;
	case TPL_REQUEST:
		/* request.body, request.headers, request.headers.<name> */
		if (!((ref->nseg == 1 && ref->seglen[0] == 4 &&
		    strncmp(ref->seg[0], "body", 4) == 0) ||
		    (ref->nseg <= 2 && ref->nseg >= 1 && ref->seglen[0] == 7 &&
		    strncmp(ref->seg[0], "headers", 7) == 0))) {
			*why = "request offers body and headers.<name>";
			return -1;
		}
		for (size_t k = 0; ref->nseg == 2 && k < ref->seglen[1]; k++)
			if (ref->seg[1][k] >= 'A' && ref->seg[1][k] <= 'Z') {
				*why = "request header names are written in lower case";
				return -1;
			}
		return 0;
	default:
		return -1;
	}
}

/*
 * Visits each "{{...}}" in s. fn gets the parsed reference and where it
 * stands. Returns the number of syntax errors (each also appended to errors).
 */
static int
scan_string(const char *s, const char *path, tpl_ref_cb cb, void *ctx,
    struct json_object *errors)
{
	const char *p = s, *open, *close, *why;
	struct tpl_ref ref;
	int bad = 0;

	while ((open = strstr(p, "{{")) != NULL) {
		if ((close = strstr(open + 2, "}}")) == NULL) {
			errs_add(errors, path, "unclosed {{ in template");
			return bad + 1;
		}
		if (parse_ref(open + 2, (size_t)(close - open - 2), &ref, &why) == -1) {
			errs_add(errors, path, "bad template {{%.*s}}: %s",
			    (int)(close - open - 2 > 60 ? 60 : close - open - 2),
			    open + 2, why);
			bad++;
		} else if (cb != NULL)
			cb(ctx, &ref, path);
		p = close + 2;
	}
	return bad;
}

/*
 * Walks every string value under v and reports references to cb.
 * Returns the number of template syntax errors found.
 */
int
tpl_scan(struct json_object *v, const char *path, tpl_ref_cb cb, void *ctx,
    struct json_object *errors)
{
	char sub[512];
	int bad = 0;

	switch (json_object_get_type(v)) {
	case json_type_string:
		return scan_string(json_object_get_string(v), path, cb, ctx, errors);
	case json_type_array: {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			snprintf(sub, sizeof(sub), "%s/%zu", path, i);
			bad += tpl_scan(json_object_array_get_idx(v, i), sub, cb,
			    ctx, errors);
		}
		return bad;
	}
	case json_type_object: {
		json_object_object_foreach(v, key, val) {
			json_pointer_append(sub, sizeof(sub), path, key);
			bad += tpl_scan(val, sub, cb, ctx, errors);
		}
		return bad;
	}
	default:
		return 0;
	}
}

static void
count_cb(void *ctx, const struct tpl_ref *ref, const char *path)
{
	(void)ref;
	(void)path;
	(*(int *)ctx)++;
}

/* 1 if any string under v holds a reference. */
int
tpl_has_refs(struct json_object *v)
{
	int n = 0;

	tpl_scan(v, "", count_cb, &n, NULL);
	return n > 0;
}

/* Follows ref's segments from scope[root]; returns a borrowed value or NULL. */
static struct json_object *
resolve(struct json_object *scope, const struct tpl_ref *ref)
{
	struct json_object *cur;
	char key[256];

	if (!json_object_object_get_ex(scope, tpl_root_names[ref->root], &cur))
		return NULL;
	for (size_t i = 0; i < ref->nseg && cur != NULL; i++) {
		size_t n = ref->seglen[i];
		if (n >= sizeof(key))
			return NULL;  /* no key is that long */
		memcpy(key, ref->seg[i], n);
		key[n] = '\0';
		if (json_object_is_type(cur, json_type_object)) {
			if (!json_object_object_get_ex(cur, key, &cur))
				return NULL;
		} else if (json_object_is_type(cur, json_type_array)) {
			char *end;
			long idx = strtol(key, &end, 10);
			if (*end != '\0' || idx < 0 ||
			    (size_t)idx >= json_object_array_length(cur))
				return NULL;
			cur = json_object_array_get_idx(cur, (size_t)idx);
		} else
			return NULL;
	}
	return cur;
}

/* Renders one string; a lone reference keeps its type. */
static int
render_string(const char *s, struct json_object *scope,
    struct json_object **out, char *err, size_t errsz)
{
	const char *p = s, *open, *close, *why;
	struct tpl_ref ref;
	struct arena a;
	struct buf b;
	size_t n = strlen(s);

	open = strstr(s, "{{");
	if (open == NULL) {
		*out = json_object_new_string_len(s, (int)n);
		return 0;
	}
	/* Exactly "{{ ref }}": the value itself, with its JSON type. */
	close = strstr(open + 2, "}}");
	if (open == s && close != NULL && close + 2 == s + n &&
	    strstr(open + 2, "{{") == NULL) {
		if (parse_ref(open + 2, (size_t)(close - open - 2), &ref, &why) == -1) {
			snprintf(err, errsz, "%s", why);
			return -1;
		}
		struct json_object *v = resolve(scope, &ref);
		*out = v != NULL ? json_object_get(v) : NULL;
		return 0;
	}
	arena_init(&a, 1024);
	buf_init(&b, &a, n + 64);
	while ((open = strstr(p, "{{")) != NULL) {
		if ((close = strstr(open + 2, "}}")) == NULL)
			break;
		buf_put(&b, p, (size_t)(open - p));
		if (parse_ref(open + 2, (size_t)(close - open - 2), &ref, &why) == -1) {
			snprintf(err, errsz, "%s", why);
			arena_free(&a);
			return -1;
		}
		struct json_object *v = resolve(scope, &ref);
		if (v == NULL)
			;  /* missing or null: nothing */
		else if (json_object_is_type(v, json_type_string))
			buf_put(&b, json_object_get_string(v),
			    (size_t)json_object_get_string_len(v));
		else
			buf_puts(&b, json_object_to_json_string_ext(v,
			    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		p = close + 2;
	}
	buf_puts(&b, p);
	*out = json_object_new_string_len(b.data, (int)b.len);
	arena_free(&a);
	return 0;
}

/*
 * Renders tmpl against scope ({input, steps, secrets, env}) into *out, a
 * new reference (NULL stands for JSON null). Parts without references are
 * tmpl's own, shared rather than copied: treat the result as read-only.
 * Returns 0, or -1 with err set.
 */
int
tpl_render(struct json_object *tmpl, struct json_object *scope,
    struct json_object **out, char *err, size_t errsz)
{
	int same = 1;  /* every part rendered as itself: share tmpl */

	*out = NULL;
	switch (json_object_get_type(tmpl)) {
	case json_type_string:
		if (strstr(json_object_get_string(tmpl), "{{") == NULL) {
			*out = json_object_get(tmpl);
			return 0;
		}
		return render_string(json_object_get_string(tmpl), scope, out,
		    err, errsz);
	case json_type_array: {
		size_t n = json_object_array_length(tmpl);
		struct json_object *arr = json_object_new_array_ext((int)n);
		for (size_t i = 0; i < n; i++) {
			struct json_object *v, *t = json_object_array_get_idx(tmpl, i);
			if (tpl_render(t, scope, &v, err, errsz) == -1) {
				json_object_put(arr);
				return -1;
			}
			same &= v == t;
			json_object_array_add(arr, v);
		}
		if (same) {
			json_object_put(arr);
			arr = json_object_get(tmpl);
		}
		*out = arr;
		return 0;
	}
	case json_type_object: {
		/* Built only from the first member that renders as something new. */
		struct json_object *obj = NULL;
		json_object_object_foreach(tmpl, key, val) {
			struct json_object *v;
			if (tpl_render(val, scope, &v, err, errsz) == -1) {
				json_object_put(obj);
				return -1;
			}
			if (obj == NULL && v == val) {
				json_object_put(v);
				continue;
			}
			if (obj == NULL) {
				obj = json_object_new_object();
				json_object_object_foreach(tmpl, k0, v0) {
					if (k0 == key)
						break;
					json_object_object_add_ex(obj, k0, json_object_get(v0),
					    JSON_C_OBJECT_ADD_KEY_IS_NEW);
				}
			}
			json_object_object_add_ex(obj, key, v, JSON_C_OBJECT_ADD_KEY_IS_NEW);
		}
		*out = obj != NULL ? obj : json_object_get(tmpl);
		return 0;
	}
	default:
		*out = json_object_get(tmpl);
		return 0;
	}
}
