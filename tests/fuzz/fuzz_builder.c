/*
 * Fuzz harness: the builder (lib/builder/) on arbitrary chat text. The
 * input is one message, or two: the text up to the first newline creates
 * a workflow, the rest edits it (or edits a fixed sign-up workflow when
 * nothing was created; one line is used for both). Text reaches the
 * builder from a strictly parsed JSON body, so it is valid UTF-8 without
 * NUL; other inputs are skipped.
 *
 * Every result is a document (or, for an app, several) that passes
 * workflow_check, or a refusal
 * with a summary and no document; builder_create never returns an invalid
 * document (its templates are the builder's own).
 */
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "builder.h"
#include "json.h"
#include "toolcheck.h"
#include "workflow.h"
#include "fuzz.h"

#define TEXT_MAX	(16 * 1024)

/* Built once, like a worker does; they live until exit. */
static struct catalog *cat;
static struct json_object *base;

static void
check_valid(struct json_object *doc)
{
	struct json_object *errors = json_object_new_array(), *canon = NULL;

	/* PostgreSQL stores the document as jsonb: UTF-8 or a 500. */
	FUZZ_ASSERT(utf8_valid(json_plain(doc), strlen(json_plain(doc))));
	if (workflow_check(doc, cat, &canon, errors) != 0) {
		fprintf(stderr, "invalid builder result: %s\nerrors: %s\n",
		    json_plain(doc), json_plain(errors));
		FUZZ_ASSERT(!"every builder result passes workflow_check");
	}
	json_object_put(canon);
	json_object_put(errors);
}

static void
setup(void)
{
	struct build_result r;
	struct arena a;

	if ((cat = catalog_new()) == NULL)
		abort();
	arena_init(&a, 4096);
	if (builder_create(&a, cat, "create a sign up api", &r) != BUILD_OK)
		abort();
	base = json_object_get(r.doc);
	json_object_object_add(base, "serverId", json_object_new_string("mcp_fuzz0001"));
	json_object_object_add(base, "version", json_object_new_int(1));
	build_result_clear(&r);
	arena_free(&a);
}

static void
run(struct arena *a, const char *create, const char *edit)
{
	struct build_result c, e;
	enum build_status st;
	struct json_object *doc;

	FUZZ_ASSERT(builder_intent(create, 0) < INTENT__MAX);
	FUZZ_ASSERT(builder_intent(edit, 1) < INTENT__MAX);
	st = builder_create(a, cat, create, &c);
	FUZZ_ASSERT(c.summary != NULL);
	if (st == BUILD_OK && c.docs != NULL) {
		/* An app: several documents, each valid; the edit goes to the first. */
		FUZZ_ASSERT(c.doc == NULL && c.app != NULL && c.changes != NULL &&
		    json_object_array_length(c.docs) >= 2);
		for (size_t i = 0; i < json_object_array_length(c.docs); i++) {
			check_valid(json_object_array_get_idx(c.docs, i));
			FUZZ_ASSERT(builder_explain(a, json_object_array_get_idx(c.docs, i)) != NULL);
		}
	} else if (st == BUILD_OK) {
		FUZZ_ASSERT(c.doc != NULL && c.changes != NULL);
		check_valid(c.doc);
		FUZZ_ASSERT(builder_explain(a, c.doc) != NULL);
	} else {
		if (st == BUILD_INVALID)
			fprintf(stderr, "builder_create made an invalid document: %s\n",
			    json_plain(c.errors));
		FUZZ_ASSERT(st == BUILD_NOT_UNDERSTOOD);
		FUZZ_ASSERT(c.doc == NULL);
	}
	doc = c.doc != NULL ? c.doc : c.docs != NULL ? json_object_array_get_idx(c.docs, 0) : base;
	st = builder_edit(a, cat, doc, edit, &e);
	FUZZ_ASSERT(st < BUILD__MAX && e.summary != NULL);
	if (st == BUILD_OK) {
		FUZZ_ASSERT(e.doc != NULL && e.changes != NULL);
		check_valid(e.doc);
		FUZZ_ASSERT(json_object_equal(json_object_object_get(e.doc, "serverId"),
		    json_object_object_get(doc, "serverId")));
		FUZZ_ASSERT(json_object_equal(json_object_object_get(e.doc, "version"),
		    json_object_object_get(doc, "version")));
		FUZZ_ASSERT(builder_explain(a, e.doc) != NULL);
	} else
		FUZZ_ASSERT(e.doc == NULL);
	build_result_clear(&e);
	build_result_clear(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	char *text, *nl, *edit;

	if (size > TEXT_MAX || memchr(data, '\0', size) != NULL ||
	    !utf8_valid((const char *)data, size))
		return 0;
	if (cat == NULL)
		setup();
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	edit = text;
	if ((nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		edit = nl + 1;
	}
	arena_init(&a, 4096);
	run(&a, text, edit);
	arena_free(&a);
	free(text);
	return 0;
}
