/*
 * Runs the official JSON Schema Test Suite (draft 2020-12) against
 * lib/schema/:
 *
 *	jsonschema_suite <suite-dir> <meta-schema-dir>
 *
 * <suite-dir> holds draft2020-12/ and remotes/; <meta-schema-dir> the
 * draft 2020-12 meta-schemas (schema.json, meta/NAME.json). Every file of
 * draft2020-12/ is run, required (the top level) and optional (optional/,
 * whose format/ files run with format asserted, as they are meant to).
 * References to http://localhost:1234/ are read from remotes/ and those to
 * the meta-schemas from <meta-schema-dir>, by the compile options' loader:
 * nothing goes to the network.
 *
 * Each test's js_validate answer must equal "valid", and its error list
 * must agree with it (empty exactly when valid). Required tests must all
 * pass. An optional test that does not pass is skipped, with its reason
 * printed, only when the table below explains it or the validator refused
 * the schema as unsupported (its own reason is printed); otherwise it
 * fails, as does an entry of the table that no longer explains anything.
 * The summary: "required: N/N (100 %) · optional: M/K (x %)", then
 * "jsonschema: P passed, F failed, S skipped". Exits 1 on any failure.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "jsonschema.h"

/*
 * Optional tests this validator does not meet, and why. file, and group
 * and test descriptions (NULL: every one).
 */
static struct deviation {
	const char	*file;
	const char	*group;
	const char	*test;
	const char	*why;
	int		 used;
} deviations[] = {
	{ "optional/format/hostname.json",
	    "validation of A-label (punycode) host names", NULL,
	    "an A-label (xn--...) is checked as an LDH label only: IDNA 2008's "
	    "Punycode and contextual rules (RFC 5890-5893) need Unicode tables "
	    "that are not built in", 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};

struct totals {
	int	passed;
	int	failed;
	int	skipped;
};

struct suite {
	char		 dir[4096];	/* draft2020-12 */
	char		 remotes[4096];
	char		 meta[4096];
	struct totals	 all;
	int		 req_total, req_passed, opt_total, opt_passed;
	struct json_object *lines;	/* SKIP and FAIL lines, in order */
};

/* Appends one formatted line to the report. */
static void
line(struct suite *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
line(struct suite *s, const char *fmt, ...)
{
	char b[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	json_object_array_add(s->lines, json_object_new_string(b));
}

/* Reads and parses a whole file; NULL on failure. */
static struct json_object *
load_file(const char *path)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	FILE *f;
	char *buf = NULL;
	long len;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len)
		goto out;
	if ((tok = json_tokener_new_ex(128)) == NULL)
		goto out;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
out:
	free(buf);
	fclose(f);
	return o;
}

/*
 * The loader: the suite's remotes and the meta-schemas, from files. Any
 * other URI, or a path with "..", is unknown.
 */
static struct json_object *
loader(void *arg, const char *uri)
{
	static const char remote[] = "http://localhost:1234/";
	static const char draft[] = "https://json-schema.org/draft/2020-12/";
	const struct suite *s = arg;
	char path[8192];

	if (strstr(uri, "..") != NULL)
		return NULL;
	if (strncmp(uri, remote, sizeof remote - 1) == 0)
		snprintf(path, sizeof path, "%s/%s", s->remotes,
		    uri + sizeof remote - 1);
	else if (strcmp(uri, "https://json-schema.org/draft/2020-12/schema") == 0)
		snprintf(path, sizeof path, "%s/schema.json", s->meta);
	else if (strncmp(uri, draft, sizeof draft - 1) == 0 &&
	    strncmp(uri + sizeof draft - 1, "meta/", 5) == 0)
		snprintf(path, sizeof path, "%s/%s.json", s->meta,
		    uri + sizeof draft - 1);
	else
		return NULL;
	return load_file(path);
}

/* The first error message of a refused compile, with its path. */
static void
reason(struct json_object *errors, char *buf, size_t sz)
{
	struct json_object *e, *p, *m;

	snprintf(buf, sz, "(no error reported)");
	if (json_object_array_length(errors) == 0)
		return;
	e = json_object_array_get_idx(errors, 0);
	json_object_object_get_ex(e, "path", &p);
	json_object_object_get_ex(e, "message", &m);
	snprintf(buf, sz, "%s: %s", json_object_get_string(p),
	    json_object_get_string(m));
}

static struct deviation *
deviation(const char *file, const char *group, const char *test)
{
	struct deviation *d;

	for (d = deviations; d->file != NULL; d++)
		if (strcmp(d->file, file) == 0 &&
		    (d->group == NULL || strcmp(d->group, group) == 0) &&
		    (d->test == NULL || strcmp(d->test, test) == 0))
			return d;
	return NULL;
}

/* A test that did not pass: a failure, or an explained optional skip. */
static void
not_passed(struct suite *s, struct totals *t, int optional, const char *file,
    const char *group, const char *test, const char *what)
{
	struct deviation *d = optional ? deviation(file, group, test) : NULL;

	if (d != NULL) {
		d->used++;
		t->skipped++;
		line(s, "SKIP %s: %s / %s: %s", file, group, test, d->why);
		return;
	}
	t->failed++;
	line(s, "FAIL %s: %s / %s%s%s", file, group, test, what[0] ? ": " : "",
	    what);
}

static void
run_group(struct suite *s, const char *file, int optional,
    const struct js_options *opt, struct json_object *group,
    struct totals *t)
{
	struct json_object *schema = NULL, *tests = NULL, *gdesc = NULL;
	struct json_object *test, *data, *valid, *desc, *errors, *verrs;
	struct js_schema *js = NULL;
	enum js_status st;
	const char *g, *d;
	size_t i, n;
	char why[1024];
	int want, got, consistent;

	json_object_object_get_ex(group, "description", &gdesc);
	json_object_object_get_ex(group, "schema", &schema);
	g = json_object_get_string(gdesc);
	if (!json_object_object_get_ex(group, "tests", &tests) ||
	    !json_object_is_type(tests, json_type_array)) {
		t->failed++;
		line(s, "FAIL %s: %s: malformed group", file, g);
		return;
	}
	n = json_object_array_length(tests);
	errors = json_object_new_array();
	st = js_compile_with(schema, opt, &js, errors);
	reason(errors, why, sizeof why);
	for (i = 0; i < n; i++) {
		test = json_object_array_get_idx(tests, i);
		data = valid = desc = NULL;
		json_object_object_get_ex(test, "data", &data);
		json_object_object_get_ex(test, "valid", &valid);
		json_object_object_get_ex(test, "description", &desc);
		d = json_object_get_string(desc);
		if (optional)
			s->opt_total++;
		else
			s->req_total++;
		if (st == JS_ERR_UNSUPPORTED && optional) {
			t->skipped++;
			line(s, "SKIP %s: %s / %s: refused: %s", file, g, d, why);
			continue;
		}
		if (st != JS_OK) {
			char what[1100];

			snprintf(what, sizeof what, "schema refused (%s): %s",
			    js_status_names[st], why);
			not_passed(s, t, optional, file, g, d, what);
			continue;
		}
		want = json_object_get_boolean(valid);
		verrs = json_object_new_array();
		got = js_validate(js, data, verrs);
		/* With and without an error list the answer must agree. */
		consistent = got == js_validate(js, data, NULL) &&
		    (json_object_array_length(verrs) == 0) == (got == 1);
		if (got == want && consistent) {
			t->passed++;
			if (optional)
				s->opt_passed++;
			else
				s->req_passed++;
		} else
			not_passed(s, t, optional, file, g, d, !consistent ?
			    "the error list does not agree with the answer" :
			    want ? "valid, but refused" : "invalid, but accepted");
		json_object_put(verrs);
	}
	js_free(js);
	json_object_put(errors);
}

static void
run_file(struct suite *s, const char *rel)
{
	struct js_options opt = { 0, loader, s };
	struct json_object *doc;
	struct totals t = { 0, 0, 0 };
	char path[8192];
	int optional = strncmp(rel, "optional/", 9) == 0;

	/* The format files test format as an assertion. */
	opt.assert_formats = strncmp(rel, "optional/format/", 16) == 0;
	snprintf(path, sizeof path, "%s/%s", s->dir, rel);
	if ((doc = load_file(path)) == NULL ||
	    !json_object_is_type(doc, json_type_array)) {
		t.failed++;
		line(s, "FAIL %s: cannot read or parse the file", rel);
	} else
		for (size_t j = 0; j < json_object_array_length(doc); j++)
			run_group(s, rel, optional, &opt,
			    json_object_array_get_idx(doc, j), &t);
	json_object_put(doc);
	printf("%s: %d passed, %d failed, %d skipped\n", rel, t.passed,
	    t.failed, t.skipped);
	s->all.passed += t.passed;
	s->all.failed += t.failed;
	s->all.skipped += t.skipped;
}

static int
name_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int ox = strchr(x, '/') != NULL, oy = strchr(y, '/') != NULL;

	/* The required files first, then optional/, then its format/. */
	if (ox != oy)
		return ox - oy;
	return strcmp(x, y);
}

/* Adds the .json files under dir/sub (recursively) to *names. */
static void
walk(const char *dir, const char *sub, char ***names, size_t *n, size_t *cap)
{
	char path[8192], rel[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;

	snprintf(path, sizeof path, "%s%s%s", dir, sub[0] ? "/" : "", sub);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof rel, "%s%s%s", sub, sub[0] ? "/" : "",
		    de->d_name);
		snprintf(path, sizeof path, "%s/%s", dir, rel);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk(dir, rel, names, n, cap);
			continue;
		}
		if (strlen(de->d_name) < 5 ||
		    strcmp(de->d_name + strlen(de->d_name) - 5, ".json") != 0)
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			if ((*names = realloc(*names, *cap * sizeof **names)) ==
			    NULL)
				abort();
		}
		if (((*names)[(*n)++] = strdup(rel)) == NULL)
			abort();
	}
	closedir(d);
}

static double
rate(int part, int whole)
{
	return whole ? 100.0 * part / whole : 0.0;
}

int
main(int argc, char *argv[])
{
	struct suite s;
	struct stat st;
	struct deviation *d;
	char **names = NULL, probe[8192];
	size_t n = 0, cap = 0, i;

	if (argc != 3) {
		fprintf(stderr, "usage: %s suite-dir meta-schema-dir\n",
		    argv[0]);
		return 2;
	}
	memset(&s, 0, sizeof s);
	snprintf(s.dir, sizeof s.dir, "%s/draft2020-12", argv[1]);
	snprintf(s.remotes, sizeof s.remotes, "%s/remotes", argv[1]);
	snprintf(s.meta, sizeof s.meta, "%s", argv[2]);
	snprintf(probe, sizeof probe, "%s/schema.json", s.meta);
	if (stat(s.dir, &st) != 0 || stat(s.remotes, &st) != 0 ||
	    stat(probe, &st) != 0) {
		fprintf(stderr, "%s: need draft2020-12/ and remotes/ there, "
		    "and %s\n", argv[1], probe);
		return 2;
	}
	s.lines = json_object_new_array();
	walk(s.dir, "", &names, &n, &cap);
	qsort(names, n, sizeof *names, name_cmp);
	for (i = 0; i < n; i++) {
		run_file(&s, names[i]);
		free(names[i]);
	}
	free(names);
	for (d = deviations; d->file != NULL; d++)
		if (d->used == 0) {
			s.all.failed++;
			line(&s, "FAIL the reason for %s: %s / %s explains no test "
			    "any more (remove it)", d->file,
			    d->group ? d->group : "*", d->test ? d->test : "*");
		}
	for (i = 0; i < json_object_array_length(s.lines); i++)
		printf("%s\n", json_object_get_string(
		    json_object_array_get_idx(s.lines, i)));
	printf("required: %d/%d (%.1f %%) \xc2\xb7 optional: %d/%d (%.1f %%)\n",
	    s.req_passed, s.req_total, rate(s.req_passed, s.req_total),
	    s.opt_passed, s.opt_total, rate(s.opt_passed, s.opt_total));
	printf("jsonschema: %d passed, %d failed, %d skipped\n",
	    s.all.passed, s.all.failed, s.all.skipped);
	json_object_put(s.lines);
	return s.all.failed || n == 0 ? 1 : 0;
}
