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
	char	 url[BT_MAX_URL];	/* the first http(s) URL, or "" ({name} kept) */
	char	 quoted[201];		/* the first "..." or '...' text, or "" */
	char	 email[255];		/* the first email address, or "" */
	char	 header[65];		/* the first X-... header name, lower case, or "" */
};

int	bt_parse(struct btext *, const char *text);
void	bt_normalize(struct btext *);
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

/*
 * The kinds of workflow the builder makes (one template each) and what a
 * template is made from: the fields, names and targets read from the text.
 */
enum tmpl {
	T_SIGNUP, T_LOGIN, T_RESET, T_CONTACT, T_SUBSCRIBE, T_CONFIRM,
	T_CREATE, T_READ, T_UPDATE, T_DELETE, T_LIST, T_COMPLETE,
	T_CALL, T_WEBHOOK, T_RELAY, T__MAX
};
extern const char *const tmpl_names[T__MAX];

#define B_MAX_PARTS	8
#define B_MAX_APP	6

struct bspec {
	enum tmpl	 kind;
	struct bfield	 f[B_MAX_FIELDS];
	size_t		 nf;
	char		 collection[B_NAME_MAX];
	char		 name[201];		/* WF_MAX_NAME + 1 */
	const char	*url;		/* relay and notify target; the API's URL template */
	const char	*link;		/* the page a reset or confirmation link opens */
	const char	*mail_to;	/* contact: the owner's address, or NULL (secret) */
	int		 email_owner;	/* contact: each message is emailed */
	char		 header[65];	/* webhook: the header with the signature */
	char		 prefix[16];	/* webhook: what precedes it ("sha256=") */
	char		 parts[B_MAX_PARTS][B_NAME_MAX];  /* API call: the answer's parts */
	size_t		 nparts;
	char		 topic[B_NAME_MAX];	/* API call: what it gives ("weather") */
	char		 id_field[B_NAME_MAX];	/* accounts: the users' unique field */
};

/*
 * What a message asks for (builder_plan.c): one workflow, or an app of
 * several that share a collection (user accounts, a newsletter, a
 * collection's endpoints).
 */
struct bplan {
	const char	*app;		/* the app's name, or NULL for one workflow */
	size_t		 n;
	enum tmpl	 kinds[B_MAX_APP];
	char		 collection[B_NAME_MAX];	/* "" when the template's own */
};

int		 builder_plan(const struct btext *, struct bplan *, const char **why,
		    struct arena *);
int		 bp_fields(const struct btext *, struct bfield *out, size_t max);
int		 bp_email_owner(const struct btext *);
int		 bp_is_op_word(const struct btext *, size_t i);

/* Document pieces of the templates (builder_doc.c). */
struct json_object *bd_skeleton(const char *name, const char *desc, struct json_object *schema);
void		 bd_add(struct json_object *doc, const char *id, const char *name,
		    const char *type, struct json_object *config);
struct json_object *bd_kv(const char *key, struct json_object *v);
struct json_object *bd_input_schema(const struct bspec *, int with_required);
struct json_object *bd_rules(const struct bspec *);
struct json_object *bd_fields_doc(struct arena *, const struct bspec *);
struct json_object *bd_failure(int status, const char *message);
struct json_object *bd_response(int status, struct json_object *body);
struct bfield	*bd_field_of_kind(struct bspec *, enum fkind);
void		 bd_ensure(struct bspec *, const char *name, enum fkind, struct json_object *changes,
		    const char *why);
void		 bd_defaults(struct bspec *, const char *const *names, const int *required);
struct json_object *bd_email_step(struct arena *, const char *to, const char *subject,
		    const char *body, const char *reply_to);
const char	*bd_link(struct arena *, const struct bspec *, const char *fallback_path,
		    const char *token_ref, struct json_object *changes, const char *step);
void		 bd_singular(const char *plural, char *out, size_t size);

/* The templates, one function each (builder.c, builder_mail.c, builder_data.c,
 * builder_call.c): the workflow for spec s, a new document. */
struct json_object *bt_signup(struct arena *, struct bspec *);
struct json_object *bt_login(struct arena *, struct bspec *);
struct json_object *bt_contact(struct arena *, struct bspec *, struct json_object *changes);
struct json_object *bt_reset(struct arena *, struct bspec *, struct json_object *changes);
struct json_object *bt_subscribe(struct arena *, struct bspec *, struct json_object *changes);
struct json_object *bt_confirm(struct arena *, struct bspec *);
struct json_object *bt_collection_op(struct arena *, struct bspec *);
struct json_object *bt_call(struct arena *, struct bspec *, struct json_object *changes);
int		 bc_call_spec(struct arena *, const struct btext *, struct bspec *,
		    struct json_object *changes, const char **why);
struct json_object *bt_webhook(struct arena *, struct bspec *, struct json_object *changes);
struct json_object *bt_relay(struct arena *, struct bspec *);

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
int		 builder_is_template(struct btext *);
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
