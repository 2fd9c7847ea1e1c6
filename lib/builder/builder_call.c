/*
 * The builder's templates that face other services (issue 21, part 4): an
 * API that calls an external HTTP API given its URL template ("the weather
 * for a city using https://api.example.com/weather?q={city}") and answers
 * with part of what it says, and a webhook receiver that checks the
 * sender's HMAC signature before it stores the event.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "builder.h"
#include "builder_int.h"
#include "json.h"

/* What a path placeholder may hold: it is put into the URL as it is. */
#define PATH_VALUE	"^[A-Za-z0-9_.~-]{1,200}$"

/*
 * Visits the {name} placeholders of url: fn(ctx, name, in_query, key),
 * key being the query parameter's name when the placeholder is its whole
 * value ("q={city}"), else NULL.
 */
static void
each_placeholder(const char *url, void (*fn)(void *, const char *, int, const char *),
    void *ctx)
{
	const char *q = strchr(url, '?');

	for (const char *p = url; (p = strchr(p, '{')) != NULL; p++) {
		char name[B_NAME_MAX], key[B_NAME_MAX] = "";
		const char *end = strchr(p, '}');
		size_t n;

		if (end == NULL || (n = (size_t)(end - p - 1)) == 0 || n >= sizeof(name))
			continue;
		memcpy(name, p + 1, n);
		name[n] = '\0';
		if (q != NULL && p > q && (p[-1] == '=') && (end[1] == '&' || end[1] == '\0')) {
			const char *k = p - 1;
			while (k > q + 1 && k[-1] != '&' && k[-1] != '?')
				k--;
			if ((size_t)(p - 1 - k) < sizeof(key)) {
				memcpy(key, k, (size_t)(p - 1 - k));
				key[p - 1 - k] = '\0';
			}
		}
		fn(ctx, name, q != NULL && p > q, key[0] != '\0' ? key : NULL);
	}
}

static void
add_field(void *ctx, const char *name, int in_query, const char *key)
{
	struct bspec *s = ctx;

	(void)in_query;
	(void)key;
	for (size_t i = 0; i < s->nf; i++)
		if (strcmp(s->f[i].name, name) == 0)
			return;
	if (bf_name_valid(name) && s->nf < B_MAX_FIELDS)
		bf_init(&s->f[s->nf++], name, 1);
}

static const char *const return_words[] = {
	"returning", "returns", "return", "respond with", "responds with", "responding with",
	"answer with", "answers with", "answering with", "giving back", "gives back",
	"give back", "with its", "only its", "only the", "just the", NULL
};

/*
 * The parts of the answer the text asks for ("returning its temperature
 * and humidity"): a list after a word of returning. One item followed by
 * "for", "of" or "in" is the topic instead ("returns the weather for a
 * city"), and so is the noun before "for" when nothing is returned by
 * name ("the weather for a city using ...").
 */
static void
parts_of(const struct btext *t, struct bspec *s)
{
	struct bfield f[B_MAX_PARTS];

	for (const char *const *w = return_words; *w != NULL && s->nparts == 0; w++) {
		long i = bt_find(t, 0, *w);
		size_t end = 0;
		int n;

		if (i < 0)
			continue;
		n = bf_list_at(t, (size_t)i + 1 + (strchr(*w, ' ') != NULL), f, 0, B_MAX_PARTS, &end);
		if (n == 1 && (bt_is(t, end, "for") || bt_is(t, end, "of") || bt_is(t, end, "in"))) {
			snprintf(s->topic, sizeof(s->topic), "%s", f[0].name);
			return;
		}
		for (int k = 0; k < n && s->nparts < B_MAX_PARTS; k++) {
			size_t l = strnlen(f[k].name, sizeof(s->parts[0]) - 1);
			memcpy(s->parts[s->nparts], f[k].name, l);
			s->parts[s->nparts++][l] = '\0';
		}
	}
	if (s->nparts > 0)
		return;
	for (long i = bt_find(t, 1, "for"); i > 0; i = bt_find(t, (size_t)i + 1, "for"))
		if (!bt_punct(t, (size_t)i - 1) && bf_name_valid(t->tok[i - 1]) &&
		    !bt_is(t, (size_t)i - 1, "api") && !bt_is(t, (size_t)i - 1, "endpoint")) {
			snprintf(s->topic, sizeof(s->topic), "%s", t->tok[i - 1]);
			return;
		}
}

/*
 * The spec of an external API call: its input fields are the URL
 * template's placeholders (none without: the call takes no input), the
 * parts or the topic of its answer from the text.
 */
int
bc_call_spec(struct arena *a, const struct btext *t, struct bspec *s,
    struct json_object *changes, const char **why)
{
	(void)a;
	(void)why;
	s->nf = 0;
	each_placeholder(s->url, add_field, s);
	parts_of(t, s);
	if (s->topic[0] != '\0')
		snprintf(s->name, sizeof(s->name), "%c%s API", toupper((unsigned char)s->topic[0]),
		    s->topic + 1);
	else
		snprintf(s->name, sizeof(s->name), "External API call");
	if (s->nparts == 0)
		bd_change(changes, "answers with what the API answers%s; say \"returning its "
		    "X and Y\" to keep parts of it", s->topic[0] ? " (as the topic)" : "");
	return 0;
}

/* Builds the call's URL (path placeholders as templates) and query config. */
struct url_build {
	struct arena		*a;
	struct json_object	*query;
	struct json_object	*schema_props;
	struct json_object	*rules;
};

static void
placeholder_use(void *ctx, const char *name, int in_query, const char *key)
{
	struct url_build *u = ctx;
	struct json_object *prop = json_object_object_get(u->schema_props, name);

	if (in_query && key != NULL) {
		json_object_object_add(u->query, key,
		    json_object_new_string(bd_ref(u->a, "input", name, NULL)));
		return;
	}
	/* In the path, or inside a query value: only characters that need no encoding. */
	if (prop != NULL)
		json_object_object_add(prop, "pattern", json_object_new_string(PATH_VALUE));
	if (json_object_object_get(u->rules, name) != NULL)
		json_object_array_add(json_object_object_get(u->rules, name),
		    bd_kv("pattern", json_object_new_string(PATH_VALUE)));
}

/*
 * The url config: the template with {name} as {{input.name}}, less the
 * query parameters whose whole value is one placeholder (they go into the
 * query config, encoded by http_request).
 */
static const char *
url_of(struct arena *a, const char *tmpl)
{
	struct buf b;
	const char *q = strchr(tmpl, '?');

	buf_init(&b, a, strlen(tmpl) + 64);
	for (const char *p = tmpl; *p != '\0'; ) {
		if (q != NULL && p > q && (p[-1] == '?' || p[-1] == '&')) {
			/* A parameter: left out when its value is one placeholder. */
			const char *eq = strchr(p, '='), *amp = strchr(p, '&');
			const char *end = amp != NULL ? amp : p + strlen(p);
			if (eq != NULL && eq < end && eq[1] == '{' && end[-1] == '}' &&
			    memchr(eq + 2, '{', (size_t)(end - eq - 2)) == NULL) {
				p = *end == '&' ? end + 1 : end;
				continue;
			}
		}
		if (*p == '{') {
			const char *e = strchr(p, '}');
			buf_printf(&b, "{{input.%.*s}}", (int)(e - p - 1), p + 1);
			p = e + 1;
			continue;
		}
		buf_putc(&b, *p++);
	}
	buf_putc(&b, '\0');
	/* A dangling '?' or '&' once the parameters went. */
	while (b.len > 1 && (b.data[b.len - 2] == '&' || b.data[b.len - 2] == '?'))
		b.data[--b.len - 1] = '\0';
	return b.data;
}

/*
 * An external API call: input → validate (the placeholders) → callApi
 * (GET, 200 expected) → response: the input, and the parts of the answer
 * asked for (or the whole answer, under the topic's name or "result").
 */
struct json_object *
bt_call(struct arena *a, struct bspec *s, struct json_object *changes)
{
	struct json_object *schema = bd_input_schema(s, 1), *d, *cfg, *body;
	struct url_build u = { a, json_object_new_object(),
	    json_object_object_get(schema, "properties"), bd_rules(s) };

	each_placeholder(s->url, placeholder_use, &u);
	d = bd_skeleton(s->name, arena_printf(a, "Call %s and answer with what it says", s->url),
	    schema);
	bd_add(d, "input", "Input", "input", NULL);
	if (s->nf > 0)
		bd_add(d, "validate", "Validate fields", "validate", bd_kv("rules", u.rules));
	else
		json_object_put(u.rules);
	cfg = bd_kv("method", json_object_new_string("GET"));
	json_object_object_add(cfg, "url", json_object_new_string(url_of(a, s->url)));
	if (json_object_object_length(u.query) > 0)
		json_object_object_add(cfg, "query", u.query);
	else
		json_object_put(u.query);
	json_object_object_add(cfg, "headers", bd_jsonv("{\"Accept\":\"application/json\"}"));
	json_object_object_add(cfg, "timeoutMs", json_object_new_int(10000));
	json_object_object_add(cfg, "expectStatus", bd_jsonv("[200]"));
	bd_add(d, "callApi", "Call the API", "http_request", cfg);
	body = json_object_new_object();
	for (size_t i = 0; i < s->nf; i++)
		json_object_object_add(body, s->f[i].name,
		    json_object_new_string(bd_ref(a, "input", s->f[i].name, NULL)));
	for (size_t i = 0; i < s->nparts; i++)
		if (json_object_object_get(body, s->parts[i]) == NULL)
			json_object_object_add(body, s->parts[i], json_object_new_string(
			    arena_printf(a, "{{steps.callApi.body.%s}}", s->parts[i])));
	if (s->nparts == 0)
		json_object_object_add(body, s->topic[0] != '\0' && json_object_object_get(body,
		    s->topic) == NULL ? s->topic : "result",
		    json_object_new_string("{{steps.callApi.body}}"));
	bd_add(d, "response", "Respond", "response", bd_response(200, body));
	bd_change(changes, "step callApi: GET %s (an answer other than 200 is a 502)", s->url);
	return d;
}

/*
 * A webhook receiver: the raw body's HMAC-SHA256 under the secret
 * webhookSecret must match the signature header; the event is stored.
 */
struct json_object *
bt_webhook(struct arena *a, struct bspec *s, struct json_object *changes)
{
	struct json_object *d = bd_skeleton(s->name, "Check the sender's HMAC signature and "
	    "store the event", bd_jsonv("{\"type\":\"object\"}"));
	struct json_object *cfg;

	bd_add(d, "input", "Input", "input", NULL);
	cfg = bd_kv("secret", json_object_new_string("webhookSecret"));
	json_object_object_add(cfg, "signature",
	    json_object_new_string(arena_printf(a, "{{request.headers.%s}}", s->header)));
	if (s->prefix[0] != '\0')
		json_object_object_add(cfg, "prefix", json_object_new_string(s->prefix));
	bd_add(d, "checkSignature", "Check the signature", "hmac_verify", cfg);
	cfg = bd_kv("collection", json_object_new_string(s->collection));
	json_object_object_add(cfg, "document", bd_jsonv("{\"payload\":\"{{input}}\","
	    "\"receivedAt\":\"{{env.now}}\"}"));
	bd_add(d, "storeEvent", "Store the event", "db_insert", cfg);
	bd_add(d, "response", "Respond", "response", bd_response(200, bd_jsonv(
	    "{\"received\":true,\"id\":\"{{steps.storeEvent.id}}\"}")));
	bd_change(changes, "step checkSignature: the sender signs the raw body with "
	    "HMAC-SHA256 under the secret webhookSecret (to be set among the workflow's "
	    "secrets), hex in the header %s%s%s; a wrong one is 401",
	    s->header, s->prefix[0] ? " after " : "", s->prefix);
	return d;
}
