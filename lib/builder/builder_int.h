/*
 * Internals shared by the builder's files: the words of a message
 * (builder_text.c), the kinds of fields and their constraints, and the
 * document helpers the templates and the edits both use (builder_doc.c).
 * Not part of the library's interface: include builder.h instead.
 */
#ifndef ORX_BUILDER_INT_H
#define ORX_BUILDER_INT_H

#include <stddef.h>
#include <json-c/json.h>

struct arena;

#define BT_MAX_TOKENS	600
#define BT_MAX_WORD	64
#define BT_MAX_URL	2048
#define B_MAX_FIELDS	24
#define B_NAME_MAX	64

/* A message as lower-case words and punctuation, plus what was lifted out. */
struct btext {
	size_t	 n;
	char	 tok[BT_MAX_TOKENS][BT_MAX_WORD];	/* lower-case */
	char	 orig[BT_MAX_TOKENS][BT_MAX_WORD];	/* as written */
	char	 url[BT_MAX_URL];	/* the first http(s) URL, or "" */
	char	 quoted[201];		/* the first "..." or '...' text, or "" */
};

int	bt_parse(struct btext *, const char *text);
int	bt_is(const struct btext *, size_t i, const char *word);
int	bt_any(const struct btext *, size_t i, const char *const *words);
long	bt_find(const struct btext *, size_t from, const char *phrase);
int	bt_has(const struct btext *, const char *phrase);
int	bt_has_any(const struct btext *, const char *const *phrases);
int	bt_number(const struct btext *, size_t i, long long *out);
int	bt_punct(const struct btext *, size_t i);

/* What kind of value a field holds: decides its schema and its rules. */
enum fkind {
	FK_STRING, FK_EMAIL, FK_PASSWORD, FK_PHONE, FK_URL, FK_INTEGER,
	FK_NUMBER, FK_BOOLEAN, FK_TEXT, FK__MAX
};

struct bfield {
	char		 name[B_NAME_MAX];
	enum fkind	 kind;
	int		 required;
	long long	 min, max;	/* length (strings) or value (numbers) */
	int		 has_min, has_max;
};

extern const char *const bf_kind_names[FK__MAX];
enum fkind	bf_kind_of(const char *name);
void		bf_init(struct bfield *, const char *name, int required);
void		bf_constraints(const struct btext *, struct bfield *);
int		bf_list(const struct btext *, struct bfield *out, size_t max);
int		bf_list_at(const struct btext *, size_t j, struct bfield *out, size_t nf,
		    size_t max, size_t *end);
int		bf_name_valid(const char *);
struct json_object *bf_schema(const struct bfield *);
struct json_object *bf_rules(const struct bfield *);

/* Document helpers (builder_doc.c). */
struct json_object *bd_tool(const char *id, const char *name, const char *type,
		    struct json_object *config);
struct json_object *bd_find_tool(struct json_object *doc, const char *id);
struct json_object *bd_first_of_type(struct json_object *doc, const char *type);
int		 bd_index_of(struct json_object *doc, const char *id);
void		 bd_array_insert(struct json_object *arr, size_t at, struct json_object *v);
int		 bd_insert_tool(struct json_object *doc, int at, struct json_object *tool);
void		 bd_remove_tool(struct json_object *doc, const char *id);
char		*bd_unique_id(struct arena *, struct json_object *doc, const char *base);
char		*bd_ref(struct arena *, const char *root, const char *a, const char *b);
int		 bd_mentions(struct json_object *v, const char *needle);
void		 bd_change(struct json_object *changes, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
struct json_object *bd_jsonv(const char *text);

/* Shared between templates, edits and the supervisor (builder.c). */
int		 builder_is_template(const struct btext *);
int		 builder_collection(const struct btext *, char *out, size_t size);
const char	*builder_add_notify(struct arena *, struct json_object *doc, const char *url);

/* Finishing: validates doc with workflow_check and fills out. */
struct catalog;
struct build_result;
int		 bd_finish(struct arena *, const struct catalog *, struct json_object *doc,
		    struct json_object *changes, const char *summary,
		    struct build_result *out);
int		 bd_refuse(struct arena *, struct build_result *, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* Edits (builder_fields.c, builder_steps.c): the document being edited. */
struct ectx {
	struct arena		*a;
	struct json_object	*doc;		/* the copy being edited */
	struct json_object	*changes;
	const char		*why;		/* refusal, when set */
};

#define REFUSE(e, ...) ((e)->why = arena_printf((e)->a, __VA_ARGS__), -1)

/* builder_fields.c */
struct json_object *be_schema_of(struct json_object *doc);
struct json_object *be_props_of(struct json_object *doc);
void		 be_each_config(struct ectx *, const char *type,
		    void (*fn)(struct ectx *, struct json_object *tool, void *), void *arg);
struct json_object *be_cfg(struct json_object *tool, const char *key, enum json_type);
const char	*be_field_at(struct json_object *doc, const struct btext *, size_t i,
		    size_t *used);
const char	*be_field_list(struct ectx *);
int		 be_is_numeric(struct json_object *prop);
int		 be_is_required(struct json_object *doc, const char *name);
void		 be_array_remove_str(struct json_object *arr, const char *s);
const char	*be_user_of(struct ectx *, const char *needle);
int		 be_add_field(struct ectx *, const struct bfield *);
int		 be_remove_field(struct ectx *, const char *name);
int		 be_set_required(struct ectx *, const char *name, int on);
void		 be_set_bound(struct ectx *, const char *name, int is_max, long long v);
int		 be_rename_field(struct ectx *, const char *from, const char *to);

/* builder_steps.c */
int		 be_order_index(struct json_object *doc, const char *id);
int		 be_response_count(struct json_object *doc);
int		 be_add_token_step(struct ectx *);
int		 be_add_validate_step(struct ectx *);
struct json_object *be_step_named(struct ectx *, const struct btext *, size_t i);
int		 be_drop_step(struct ectx *, struct json_object *tool);
int		 be_has_step_word(const struct btext *, size_t from);

#endif
