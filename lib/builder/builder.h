/*
 * The builder (SPEC §1, §5): text → workflow, and edits of a workflow by
 * instruction. Offline and deterministic: a library of templates with the
 * fields, names and constraints pulled from the text. Every document it
 * returns has passed workflow_check(); an instruction it does not
 * understand is refused with a message that lists what it can do.
 *
 * The builder only runs on the development side; the runtime never links
 * it into a request path.
 */
#ifndef ORX_BUILDER_H
#define ORX_BUILDER_H

#include <json-c/json.h>

struct arena;
struct catalog;
struct config;

enum build_status {
	BUILD_OK = 0,
	BUILD_NOT_UNDERSTOOD,	/* the text matched no template or edit */
	BUILD_INVALID,		/* understood, but the result failed validation */
	BUILD_NOMEM,
	BUILD__MAX
};
extern const char *const build_status_names[BUILD__MAX];

/* What the supervisor may do with a chat message. */
enum intent {
	INTENT_CREATE,
	INTENT_EDIT,
	INTENT_RUN,
	INTENT_DEPLOY,
	INTENT_EXPLAIN,
	INTENT_UNKNOWN,
	INTENT__MAX
};
extern const char *const intent_names[INTENT__MAX];

/*
 * What a build gave: one document (doc), or for an app -- several
 * workflows from one message, such as a sign-up, a login and a password
 * reset sharing users -- the documents in docs (doc is then NULL) and the
 * app's name.
 */
struct build_result {
	struct json_object	*doc;	  /* new reference, or NULL */
	struct json_object	*docs;	  /* new reference: array of documents, or NULL */
	const char		*app;	  /* arena string: the app's name, or NULL */
	const char		*summary; /* arena string: what was done, or why not */
	struct json_object	*changes; /* new reference: array of strings, or NULL */
	struct json_object	*errors;  /* new reference: validation errors, or NULL */
};

/*
 * Classifies a chat message. has_workflow tells whether the conversation
 * is about an existing workflow (a serverId was given): "add a phone
 * field" is an edit then, and nothing without it.
 */
enum intent	builder_intent(const char *text, int has_workflow);

/*
 * Builds a new workflow document from text (no serverId, ownerId or
 * version: the caller stores it), or the documents of an app when the
 * text asks for one ("user accounts with sign up, login and password
 * reset"); the caller stores them together. The caller puts the
 * references in *out.
 */
enum build_status builder_create(struct arena *, const struct catalog *,
		    const char *text, struct build_result *out);

/*
 * builder_create, with the OpenAI-compatible chat completions endpoint of
 * ORX_LLM_URL asked first when one is configured; its answer is validated
 * like any document, and anything else falls back to the templates.
 */
enum build_status builder_create_with(struct arena *, const struct catalog *,
		    const struct config *, const char *text, struct build_result *out);

/*
 * Applies an edit instruction to doc (borrowed, not modified). On BUILD_OK
 * out->doc is the whole new document, carrying doc's serverId and version
 * unchanged (the caller's store bumps the version).
 */
enum build_status builder_edit(struct arena *, const struct catalog *,
		    struct json_object *doc, const char *text,
		    struct build_result *out);

/* One paragraph: what the builder understands, for refusals and help. */
const char	*builder_help(void);

/* The workflow in words (name, input fields, each step); an arena string. */
const char	*builder_explain(struct arena *, struct json_object *doc);

void		 build_result_clear(struct build_result *);

#endif
