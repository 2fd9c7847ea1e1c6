/*
 * Identifiers and references: URI resolution (RFC 3986 section 5), JSON
 * pointer fragments (RFC 6901 inside a URI fragment), and the registry a
 * compilation keeps of schema resources (by URI, with their anchors), of
 * which compiled node stands for which JSON value, and of the documents
 * its loader handed in.
 *
 * The registry never fetches anything: a URI that no resource of the
 * document has is only ever given to the options' loader, which in the
 * programs is absent (workflow schemas are self-contained) and in the
 * test suite reads files kept under tests/data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "buf.h"
#include "crypto.h"
#include "js_int.h"

/* ------------------------------------------------------------------ */
/* URIs.                                                               */

/* The five parts of RFC 3986 appendix B; a NULL part is undefined. */
struct uri {
	const char	*scheme, *auth, *path, *query, *frag;
	size_t		 nscheme, nauth, npath, nquery, nfrag;
};

static void
uri_parse(const char *s, struct uri *u)
{
	size_t i = 0, n = strlen(s), k;

	memset(u, 0, sizeof *u);
	for (k = 0; k < n && strchr(":/?#", s[k]) == NULL; k++)
		;
	if (k > 0 && k < n && s[k] == ':') {
		u->scheme = s;
		u->nscheme = k;
		i = k + 1;
	}
	if (n - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
		i += 2;
		for (k = i; k < n && strchr("/?#", s[k]) == NULL; k++)
			;
		u->auth = s + i;
		u->nauth = k - i;
		i = k;
	}
	for (k = i; k < n && s[k] != '?' && s[k] != '#'; k++)
		;
	u->path = s + i;
	u->npath = k - i;
	i = k;
	if (i < n && s[i] == '?') {
		for (k = ++i; k < n && s[k] != '#'; k++)
			;
		u->query = s + i;
		u->nquery = k - i;
		i = k;
	}
	if (i < n && s[i] == '#') {
		u->frag = s + i + 1;
		u->nfrag = n - i - 1;
	}
}

/* RFC 3986 5.2.4: the path p[0..n) without "." and ".." segments. */
static void
remove_dots(struct buf *out, const char *p, size_t n)
{
	size_t i = 0, k, start = out->len;

	while (i < n) {
		if (n - i >= 3 && memcmp(p + i, "../", 3) == 0)
			i += 3;
		else if (n - i >= 2 && memcmp(p + i, "./", 2) == 0)
			i += 2;
		else if (n - i >= 3 && memcmp(p + i, "/./", 3) == 0)
			i += 2;
		else if (n - i == 2 && memcmp(p + i, "/.", 2) == 0) {
			i += 1;
			buf_putc(out, '/');
			break;
		} else if ((n - i >= 4 && memcmp(p + i, "/../", 4) == 0) ||
		    (n - i == 3 && memcmp(p + i, "/..", 3) == 0)) {
			/* Drop the last output segment. */
			k = out->len;
			while (k > start && out->data[k - 1] != '/')
				k--;
			buf_truncate(out, k > start ? k - 1 : start);
			if (n - i == 3) {
				buf_putc(out, '/');
				break;
			}
			i += 3;
		} else if ((n - i == 1 && p[i] == '.') ||
		    (n - i == 2 && memcmp(p + i, "..", 2) == 0))
			break;
		else {
			k = i + (p[i] == '/');
			while (k < n && p[k] != '/')
				k++;
			buf_put(out, p + i, k - i);
			i = k;
		}
	}
}

char *
uri_resolve(struct arena *a, const char *base, const char *ref)
{
	struct uri b, r;
	struct buf out, merged;
	const char *q;
	size_t nq, k;

	uri_parse(ref, &r);
	uri_parse(base, &b);
	buf_init(&out, a, strlen(base) + strlen(ref) + 8);
	if (r.scheme != NULL) {
		buf_put(&out, r.scheme, r.nscheme);
		buf_putc(&out, ':');
		if (r.auth != NULL) {
			buf_puts(&out, "//");
			buf_put(&out, r.auth, r.nauth);
		}
		remove_dots(&out, r.path, r.npath);
		q = r.query;
		nq = r.nquery;
	} else {
		if (b.scheme == NULL)
			return NULL;	/* the base must be absolute */
		buf_put(&out, b.scheme, b.nscheme);
		buf_putc(&out, ':');
		if (r.auth != NULL) {
			buf_puts(&out, "//");
			buf_put(&out, r.auth, r.nauth);
			remove_dots(&out, r.path, r.npath);
			q = r.query;
			nq = r.nquery;
		} else {
			if (b.auth != NULL) {
				buf_puts(&out, "//");
				buf_put(&out, b.auth, b.nauth);
			}
			if (r.npath == 0) {
				buf_put(&out, b.path, b.npath);
				q = r.query != NULL ? r.query : b.query;
				nq = r.query != NULL ? r.nquery : b.nquery;
			} else {
				buf_init(&merged, a, b.npath + r.npath + 2);
				if (r.path[0] == '/')
					buf_put(&merged, r.path, r.npath);
				else if (b.auth != NULL && b.npath == 0) {
					buf_putc(&merged, '/');
					buf_put(&merged, r.path, r.npath);
				} else {
					for (k = b.npath; k > 0 &&
					    b.path[k - 1] != '/'; k--)
						;
					buf_put(&merged, b.path, k);
					buf_put(&merged, r.path, r.npath);
				}
				remove_dots(&out, merged.data, merged.len);
				q = r.query;
				nq = r.nquery;
			}
		}
	}
	if (q != NULL) {
		buf_putc(&out, '?');
		buf_put(&out, q, nq);
	}
	if (r.frag != NULL) {
		buf_putc(&out, '#');
		buf_put(&out, r.frag, r.nfrag);
	}
	return out.data;
}

char *
uri_split(struct arena *a, const char *uri, const char **frag)
{
	const char *hash = strchr(uri, '#');

	*frag = hash != NULL ? hash + 1 : "";
	return arena_strndup(a, uri, hash != NULL ? (size_t)(hash - uri) :
	    strlen(uri));
}

/* ------------------------------------------------------------------ */
/* JSON pointers.                                                      */

void
ptr_put_token(struct buf *b, const char *s, size_t n)
{
	size_t i, start = 0;

	buf_putc(b, '/');
	for (i = 0; i < n; i++) {
		if (s[i] != '~' && s[i] != '/')
			continue;
		buf_put(b, s + start, i - start);
		buf_puts(b, s[i] == '~' ? "~0" : "~1");
		start = i + 1;
	}
	buf_put(b, s + start, n - start);
}

/* The member of cur named by token tok[0..n) (unescaped); NULL if none. */
static struct json_object *
ptr_step(struct json_object *cur, const char *tok, size_t n)
{
	struct json_object *next;
	char key[1024], *end;
	size_t idx;

	if (n >= sizeof key)
		return NULL;
	memcpy(key, tok, n);
	key[n] = '\0';
	if (json_object_is_type(cur, json_type_object))
		return json_object_object_get_ex(cur, key, &next) ? next : NULL;
	if (!json_object_is_type(cur, json_type_array) || n == 0 ||
	    key[0] < '0' || key[0] > '9' || (key[0] == '0' && n > 1))
		return NULL;
	idx = strtoul(key, &end, 10);
	if (*end != '\0' || idx >= json_object_array_length(cur))
		return NULL;
	return json_object_array_get_idx(cur, idx);
}

struct json_object *
ptr_walk(struct json_object *root, const char *frag, int *bad)
{
	struct json_object *cur = root;
	char tok[1024];
	unsigned char byte;
	size_t i, n = 0;

	*bad = 0;
	if (frag[0] == '\0')
		return root;
	if (frag[0] != '/') {
		*bad = 1;
		return NULL;
	}
	for (i = 1;; i++) {
		if (frag[i] == '/' || frag[i] == '\0') {
			if ((cur = ptr_step(cur, tok, n)) == NULL)
				return NULL;
			if (frag[i] == '\0')
				return cur;
			n = 0;
			continue;
		}
		if (n + 1 >= sizeof tok)
			return NULL;
		if (frag[i] == '%') {
			if (crypto_hex_decode(frag + i + 1, 2, &byte, 1) != 1) {
				*bad = 1;
				return NULL;
			}
			i += 2;
		} else
			byte = (unsigned char)frag[i];
		if (byte == '~') {
			/* ~0 and ~1, themselves possibly percent-encoded */
			char c = frag[i + 1];

			if (c == '%' && crypto_hex_decode(frag + i + 2, 2,
			    &byte, 1) == 1) {
				c = (char)byte;
				i += 2;
			}
			if (c != '0' && c != '1') {
				*bad = 1;
				return NULL;
			}
			byte = c == '0' ? '~' : '/';
			i++;
		}
		tok[n++] = (char)byte;
	}
}

/* ------------------------------------------------------------------ */
/* The registry.                                                       */

struct uri_entry {
	const char		*uri;
	struct js_resource	*res;
};

struct node_slot {
	struct json_object	*json;
	struct js_node		*node;
};

struct js_registry {
	struct arena		*arena;
	const struct js_options	*opt;
	struct uri_entry	*uris;
	size_t			 nuris, capuris;
	struct node_slot	*slots;		/* open addressing, by pointer */
	size_t			 nslots, used;
	const char		**failed;	/* URIs the loader had not */
	size_t			 nfailed, capfailed;
};

struct js_registry *
reg_new(struct arena *a, const struct js_options *opt)
{
	struct js_registry *r = arena_calloc(a, 1, sizeof *r);

	r->arena = a;
	r->opt = opt;
	return r;
}

void
reg_free(struct js_registry *r)
{
	if (r == NULL)
		return;
	free(r->uris);
	free(r->slots);
	free(r->failed);
}

/* Grows *p (of *cap elements of size sz) to hold n + 1; aborts on OOM. */
static void
grow(void *pp, size_t *cap, size_t n, size_t sz)
{
	void **p = pp, *np;

	if (n < *cap)
		return;
	*cap = *cap ? *cap * 2 : 8;
	if ((np = realloc(*p, *cap * sz)) == NULL)
		abort();
	*p = np;
}

struct js_resource *
reg_find(struct js_registry *r, const char *uri)
{
	for (size_t i = 0; i < r->nuris; i++)
		if (strcmp(r->uris[i].uri, uri) == 0)
			return r->uris[i].res;
	return NULL;
}

int
reg_alias(struct js_registry *r, const char *uri, struct js_resource *res)
{
	if (reg_find(r, uri) != NULL)
		return 0;
	grow(&r->uris, &r->capuris, r->nuris, sizeof *r->uris);
	r->uris[r->nuris].uri = arena_strdup(r->arena, uri);
	r->uris[r->nuris].res = res;
	r->nuris++;
	return 1;
}

struct js_resource *
reg_resource(struct js_registry *r, const char *uri, struct json_object *json,
    unsigned vocab)
{
	struct js_resource *res = arena_calloc(r->arena, 1, sizeof *res);

	res->uri = arena_strdup(r->arena, uri);
	res->json = json;
	res->vocab = vocab;
	return res;
}

struct js_resource *
reg_add(struct js_registry *r, const char *uri, struct json_object *json,
    unsigned vocab)
{
	struct js_resource *res;

	if (reg_find(r, uri) != NULL)
		return NULL;
	res = reg_resource(r, uri, json, vocab);
	reg_alias(r, uri, res);
	return res;
}

void
reg_anchor(struct js_registry *r, struct js_resource *res, const char *name,
    struct js_node *node, int dynamic)
{
	struct js_anchor *grown;

	if (res->nanchors == res->capanchors) {
		res->capanchors = res->capanchors ? res->capanchors * 2 : 4;
		grown = arena_alloc(r->arena, res->capanchors * sizeof *grown);
		if (res->nanchors > 0)
			memcpy(grown, res->anchors,
			    res->nanchors * sizeof *grown);
		res->anchors = grown;
	}
	res->anchors[res->nanchors].name = arena_strdup(r->arena, name);
	res->anchors[res->nanchors].node = node;
	res->anchors[res->nanchors].dynamic = dynamic;
	res->nanchors++;
	res->has_dynamic |= dynamic;
}

struct js_node *
reg_find_anchor(const struct js_resource *res, const char *name,
    int dynamic_only)
{
	for (size_t i = 0; i < res->nanchors; i++)
		if ((!dynamic_only || res->anchors[i].dynamic) &&
		    strcmp(res->anchors[i].name, name) == 0)
			return res->anchors[i].node;
	return NULL;
}

static size_t
slot_of(struct json_object *json, size_t nslots)
{
	uintptr_t h = (uintptr_t)json;

	h ^= h >> 17;
	h *= (uintptr_t)0x9E3779B97F4A7C15ULL;
	return (size_t)(h >> 7) & (nslots - 1);
}

void
reg_map(struct js_registry *r, struct json_object *json, struct js_node *node)
{
	struct node_slot *old = r->slots;
	size_t nold = r->nslots, i;

	if ((r->used + 1) * 2 > r->nslots) {
		r->nslots = r->nslots ? r->nslots * 2 : 64;
		if ((r->slots = calloc(r->nslots, sizeof *r->slots)) == NULL)
			abort();
		r->used = 0;
		for (i = 0; i < nold; i++)
			if (old[i].json != NULL)
				reg_map(r, old[i].json, old[i].node);
		free(old);
	}
	for (i = slot_of(json, r->nslots); r->slots[i].json != NULL &&
	    r->slots[i].json != json; i = (i + 1) & (r->nslots - 1))
		;
	if (r->slots[i].json == NULL)
		r->used++;
	r->slots[i].json = json;
	r->slots[i].node = node;
}

struct js_node *
reg_lookup(struct js_registry *r, struct json_object *json)
{
	size_t i;

	if (r->nslots == 0)
		return NULL;
	for (i = slot_of(json, r->nslots); r->slots[i].json != NULL;
	    i = (i + 1) & (r->nslots - 1))
		if (r->slots[i].json == json)
			return r->slots[i].node;
	return NULL;
}

static void
put_json(void *o)
{
	json_object_put(o);
}

struct json_object *
reg_load(struct js_registry *r, const char *uri)
{
	struct json_object *doc;

	if (r->opt == NULL || r->opt->load == NULL)
		return NULL;
	for (size_t i = 0; i < r->nfailed; i++)
		if (strcmp(r->failed[i], uri) == 0)
			return NULL;
	if ((doc = r->opt->load(r->opt->load_arg, uri)) == NULL) {
		grow(&r->failed, &r->capfailed, r->nfailed, sizeof *r->failed);
		r->failed[r->nfailed++] = arena_strdup(r->arena, uri);
		return NULL;
	}
	/* The compiled schema keeps it: nodes point into it for $ref. */
	arena_defer(r->arena, put_json, doc);
	return doc;
}
