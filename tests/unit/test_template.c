/*
 * Unit tests for lib/engine/template.c: tpl_scan (references, their segments and
 * the JSON pointer of the string they sit in; syntax errors with paths),
 * tpl_render (a lone reference keeps its JSON type, interpolation as text,
 * array indexes, recursion) and tpl_has_refs.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "template.h"
#include "t.h"

/* Each reference tpl_scan reports, as "path root.seg.seg" lines. */
struct seen {
	char	text[1024];
};

static void
collect(void *ctx, const struct tpl_ref *ref, const char *path)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);

	n += (size_t)snprintf(s->text + n, sizeof(s->text) - n, "%s %s", path,
	    tpl_root_names[ref->root]);
	for (size_t i = 0; i < ref->nseg && n < sizeof(s->text); i++)
		n += (size_t)snprintf(s->text + n, sizeof(s->text) - n, ".%.*s",
		    (int)ref->seglen[i], ref->seg[i]);
	if (n < sizeof(s->text) - 1)
		strcat(s->text, "\n");
}

static void
test_scan_refs(void)
{
	struct json_object *doc = json_tokener_parse(
	    "{\"a\":\"{{input.email}}\","
	    "\"b\":[\"x {{steps.hash.value}} y {{ secrets.key }}\","
	    "{\"c\":\"{{input.items.0}}\"}],"
	    "\"d\":\"{{env.now}}\",\"e/f\":\"{{input}}\","
	    "\"g~\":\"{{env.executionId}}\","
	    "\"n\":5,\"t\":true,\"plain\":\"no refs\"}");
	struct json_object *errs = json_object_new_array();
	struct seen s = { "" };
	int bad = tpl_scan(doc, "/config", collect, &s, errs);

	T_OK(bad == 0 && json_object_array_length(errs) == 0,
	    "scan: no syntax errors in a good document");
	T_STR(s.text,
	    "/config/a input.email\n"
	    "/config/b/0 steps.hash.value\n"
	    "/config/b/0 secrets.key\n"
	    "/config/b/1/c input.items.0\n"
	    "/config/d env.now\n"
	    "/config/e~1f input\n"
	    "/config/g~0 env.executionId\n",
	    "scan: every reference with root, segments and pointer");
	json_object_put(errs);
	json_object_put(doc);
}

/* Scans one string and returns its errors as "path: message" lines. */
static int
scan_one(const char *tmpl, char *out, size_t outsz)
{
	struct json_object *v = json_object_new_string(tmpl);
	struct json_object *errs = json_object_new_array();
	int bad = tpl_scan(v, "/x", NULL, NULL, errs);
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(errs); i++) {
		struct json_object *e = json_object_array_get_idx(errs, i);
		n += (size_t)snprintf(out + n, n < outsz ? outsz - n : 0, "%s: %s;",
		    json_get_str(e, "path"), json_get_str(e, "message"));
	}
	if ((size_t)bad != json_object_array_length(errs))
		bad = -1;
	json_object_put(errs);
	json_object_put(v);
	return bad;
}

static void
check_bad(const char *tmpl, const char *want)
{
	char got[512];
	int bad = scan_one(tmpl, got, sizeof(got));

	T_OK(bad == 1, "scan %s: one error counted and listed", tmpl);
	T_STR(got, want, tmpl);
}

static void
test_scan_errors(void)
{
	check_bad("{{foo}}", "/x: bad template {{foo}}: a reference starts with "
	    "input, steps, secrets, env or request;");
	check_bad("{{steps}}", "/x: bad template {{steps}}: steps references "
	    "name a tool: steps.<toolId>;");
	check_bad("{{secrets.a.b}}", "/x: bad template {{secrets.a.b}}: secrets "
	    "references name one secret: secrets.<name>;");
	check_bad("{{secrets}}", "/x: bad template {{secrets}}: secrets "
	    "references name one secret: secrets.<name>;");
	check_bad("{{env.nope}}", "/x: bad template {{env.nope}}: env offers now, "
	    "timestamp and executionId;");
	check_bad("{{input..x}}", "/x: bad template {{input..x}}: empty name in a "
	    "reference;");
	check_bad("{{input.x!}}", "/x: bad template {{input.x!}}: a reference is "
	    "names joined by dots;");
	check_bad("{{input.x", "/x: unclosed {{ in template;");
	check_bad("ok {{input.a}} then {{input.b", "/x: unclosed {{ in template;");

	struct json_object *doc = json_tokener_parse(
	    "{\"a\":\"{{foo}}\",\"b\":[\"{{input.ok}}\",\"{{env.x}} {{steps}}\"]}");
	struct json_object *errs = json_object_new_array();
	struct seen s = { "" };
	int bad = tpl_scan(doc, "", collect, &s, errs);
	struct json_object *e1 = json_object_array_get_idx(errs, 1);
	struct json_object *e2 = json_object_array_get_idx(errs, 2);

	T_OK(bad == 3 && json_object_array_length(errs) == 3,
	    "scan: three errors in one walk (%d)", bad);
	T_STR(json_get_str(json_object_array_get_idx(errs, 0), "path"), "/a",
	    "first error path");
	T_STR(json_get_str(e1, "path"), "/b/1", "second error path");
	T_STR(json_get_str(e2, "path"), "/b/1", "third error path");
	T_STR(s.text, "/b/0 input.ok\n", "good references still reported");
	json_object_put(errs);
	json_object_put(doc);
}

static struct json_object *scope;

/* Renders a template given as JSON text; "ERR:" + message on failure. */
static const char *
render(const char *tmpl_json)
{
	static char out[512];
	struct json_object *t = json_tokener_parse(tmpl_json), *v;
	char err[128] = "";

	if (tpl_render(t, scope, &v, err, sizeof(err)) == -1)
		snprintf(out, sizeof(out), "ERR:%s", err);
	else
		snprintf(out, sizeof(out), "%s", v == NULL ? "NULL" : json_plain(v));
	json_object_put(v);
	json_object_put(t);
	return out;
}

/* The json_type of a rendered lone reference. */
static enum json_type
render_type(const char *tmpl)
{
	struct json_object *t = json_object_new_string(tmpl), *v;
	char err[128];
	enum json_type ty = json_type_null;

	if (tpl_render(t, scope, &v, err, sizeof(err)) == 0)
		ty = json_object_get_type(v);
	json_object_put(v);
	json_object_put(t);
	return ty;
}

static void
test_render_lone(void)
{
	T_STR(render("\"{{input.n}}\""), "42", "lone ref: number");
	T_OK(render_type("{{input.n}}") == json_type_int, "lone ref keeps int type");
	T_OK(render_type("{{input.f}}") == json_type_double, "lone ref keeps double");
	T_STR(render("\"{{input.o}}\""), "{\"k\":\"v\",\"m\":[1]}", "lone ref: object");
	T_OK(render_type("{{input.o}}") == json_type_object, "lone ref: object type");
	T_STR(render("\"{{input.arr}}\""), "[1,2,3]", "lone ref: array");
	T_OK(render_type("{{input.b}}") == json_type_boolean, "lone ref: bool type");
	T_STR(render("\"{{input.b}}\""), "true", "lone ref: true");
	T_STR(render("\"{{input.s}}\""), "\"hi\"", "lone ref: string");
	T_STR(render("\"{{ input.n }}\""), "42", "lone ref with spaces");
	T_STR(render("\"{{input.missing}}\""), "NULL", "lone missing ref -> NULL");
	T_STR(render("\"{{input.nul}}\""), "NULL", "lone ref to null -> NULL");
	T_STR(render("\"{{input.s.deeper}}\""), "NULL", "ref through a string -> NULL");
	T_STR(render("\"{{steps.hash.value}}\""), "\"H\"", "steps reference");
	T_STR(render("\"{{secrets.key}}\""), "\"S\"", "secrets reference");
	T_STR(render("\"{{env.now}}\""), "\"2024-01-01T00:00:00Z\"", "env reference");
	T_STR(render("\"{{input}}\"") , "{\"n\":42,\"f\":1.5,\"o\":{\"k\":\"v\",\"m\":[1]},"
	    "\"arr\":[1,2,3],\"b\":true,\"s\":\"hi\",\"items\":[\"a\",\"b\",\"c\"],"
	    "\"nul\":null,\"q\":\"say \\\"x\\\"\"}", "whole input");
}

static void
test_render_text(void)
{
	T_STR(render("\"a {{input.s}} b\""), "\"a hi b\"", "interpolate string");
	T_STR(render("\"n={{input.n}}\""), "\"n=42\"", "interpolate number");
	T_STR(render("\"f={{input.f}}\""), "\"f=1.5\"", "interpolate double");
	T_STR(render("\"o={{input.o}}\""), "\"o={\\\"k\\\":\\\"v\\\",\\\"m\\\":[1]}\"",
	    "interpolate object as JSON text");
	T_STR(render("\"{{input.arr}}!\""), "\"[1,2,3]!\"", "interpolate array");
	T_STR(render("\"b={{input.b}}\""), "\"b=true\"", "interpolate bool");
	T_STR(render("\"q={{input.q}}\""), "\"q=say \\\"x\\\"\"",
	    "interpolated string is raw text, not JSON");
	T_STR(render("\"x{{input.missing}}y\""), "\"xy\"", "missing -> empty text");
	T_STR(render("\"x{{input.nul}}y\""), "\"xy\"", "null -> empty text");
	T_STR(render("\"{{input.s}}{{input.s}}\""), "\"hihi\"", "two refs back to back");
	T_STR(render("\" {{input.n}}\""), "\" 42\"", "text around a ref -> string");
	T_STR(render("\"no refs\""), "\"no refs\"", "plain string unchanged");
}

static void
test_render_index(void)
{
	T_STR(render("\"{{input.items.1}}\""), "\"b\"", "array index segment");
	T_STR(render("\"{{input.items.0}}-{{input.items.2}}\""), "\"a-c\"",
	    "array index in text");
	T_STR(render("\"{{input.items.3}}\""), "NULL", "index past the end -> NULL");
	T_STR(render("\"{{input.items.x}}\""), "NULL", "non-numeric index -> NULL");
	T_STR(render("\"{{input.items.-1}}\""), "NULL", "negative index -> NULL");
	T_STR(render("\"{{input.o.m.0}}\""), "1", "index below an object");
}

static void
test_render_nested(void)
{
	T_STR(render("{\"user\":{\"email\":\"{{input.s}}\",\"tags\":[\"{{input.n}}\","
	    "\"t-{{input.n}}\",\"{{input.missing}}\"]},\"k\":7,\"ok\":false,\"z\":null,"
	    "\"d\":2.25}"),
	    "{\"user\":{\"email\":\"hi\",\"tags\":[42,\"t-42\",null]},\"k\":7,"
	    "\"ok\":false,\"z\":null,\"d\":2.25}",
	    "nested objects and arrays rendered recursively");
	T_STR(render("7"), "7", "number passed through");
	T_STR(render("false"), "false", "bool passed through");
	T_STR(render("[]"), "[]", "empty array");
	T_STR(render("\"{{foo}}\""),
	    "ERR:a reference starts with input, steps, secrets, env or request",
	    "bad lone ref -> error");
	T_STR(render("{\"a\":[\"x {{env.nope}}\"]}"),
	    "ERR:env offers now, timestamp and executionId",
	    "bad ref deep inside -> error");
}

/* Unchanged members are the template's own; the object is new only when one changes. */
static void
test_render_shares(void)
{
	struct json_object *t = json_tokener_parse(
	    "{\"a\":{\"x\":1},\"b\":[true],\"c\":\"{{input.s}}\",\"d\":{\"y\":2}}");
	struct json_object *u = json_tokener_parse("{\"a\":{\"x\":1},\"b\":\"plain\"}");
	struct json_object *v = NULL;
	char err[128];

	T_OK(tpl_render(t, scope, &v, err, sizeof(err)) == 0 && v != t,
	    "render shares: a changed member makes a new object");
	T_STR(json_plain(v), "{\"a\":{\"x\":1},\"b\":[true],\"c\":\"hi\",\"d\":{\"y\":2}}",
	    "render shares: members in the template's order");
	T_OK(json_object_object_get(v, "a") == json_object_object_get(t, "a") &&
	    json_object_object_get(v, "b") == json_object_object_get(t, "b") &&
	    json_object_object_get(v, "d") == json_object_object_get(t, "d"),
	    "render shares: members before and after the change are the template's");
	json_object_put(v);
	T_OK(tpl_render(u, scope, &v, err, sizeof(err)) == 0 && v == u,
	    "render shares: nothing changed, the template itself");
	json_object_put(v);
	json_object_put(u);
	json_object_put(t);
}

/* A 300-character segment must not resolve to a 255-character key. */
static void
test_render_long_key(void)
{
	char key[301], tmpl[400];
	struct json_object *in = json_object_object_get(scope, "input");

	memset(key, 'k', 255);
	key[255] = '\0';
	json_object_object_add(in, key, json_object_new_string("short"));
	memset(key, 'k', 300);
	key[300] = '\0';
	snprintf(tmpl, sizeof(tmpl), "\"{{input.%s}}\"", key);
	T_STR(render(tmpl), "NULL", "long segment does not match a truncated key");
}

static void
test_has_refs(void)
{
	struct json_object *v;

	v = json_tokener_parse("{\"a\":[1,{\"b\":\"x {{input.y}}\"}]}");
	T_OK(tpl_has_refs(v) == 1, "has_refs: deep reference found");
	json_object_put(v);
	v = json_tokener_parse("{\"a\":[1,{\"b\":\"x {y}\"}],\"c\":true}");
	T_OK(tpl_has_refs(v) == 0, "has_refs: none");
	json_object_put(v);
	v = json_object_new_int(5);
	T_OK(tpl_has_refs(v) == 0, "has_refs: a number");
	json_object_put(v);
	v = json_object_new_string("{{env.now}}");
	T_OK(tpl_has_refs(v) == 1, "has_refs: a lone string");
	json_object_put(v);
}

int
main(void)
{
	scope = json_tokener_parse(
	    "{\"input\":{\"n\":42,\"f\":1.5,\"o\":{\"k\":\"v\",\"m\":[1]},"
	    "\"arr\":[1,2,3],\"b\":true,\"s\":\"hi\",\"items\":[\"a\",\"b\",\"c\"],"
	    "\"nul\":null,\"q\":\"say \\\"x\\\"\"},"
	    "\"steps\":{\"hash\":{\"value\":\"H\"}},"
	    "\"secrets\":{\"key\":\"S\"},"
	    "\"env\":{\"now\":\"2024-01-01T00:00:00Z\"}}");

	test_scan_refs();
	test_scan_errors();
	test_render_lone();
	test_render_text();
	test_render_index();
	test_render_nested();
	test_render_long_key();
	test_render_shares();
	test_has_refs();
	json_object_put(scope);
	return t_done();
}
