/*
 * JSON intake and small json-c helpers. Bodies are parsed strictly: a depth
 * limit, valid UTF-8, no trailing bytes, and no NUL inside strings or keys
 * (PostgreSQL's jsonb cannot store \u0000, so it is refused at the door).
 */
#ifndef ORX_JSON_H
#define ORX_JSON_H

#include <stddef.h>
#include <json-c/json.h>

#include "utf8.h"

/*
 * Adds v to o under the string literal k, which o does not have yet (o is
 * being built): json-c keeps the literal instead of a copy and skips its
 * lookup. The "" pastes refuse anything but a literal.
 */
#define json_add_new(o, k, v)	json_object_object_add_ex((o), "" k "", (v), \
	JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY)

enum jp_status {
	JP_OK = 0,
	JP_EMPTY,
	JP_MALFORMED,
	JP_TOO_DEEP,
	JP_BAD_UTF8,
	JP_TRAILING,
	JP_NUL,
	JP__MAX
};
extern const char *const jp_status_names[JP__MAX];

enum jp_status	 json_parse_strict(const char *, size_t, int max_depth,
		    struct json_object **out, size_t *err_offset);
int		 key_in_list(const char *const *list, const char *key);
void		 json_put_cb(void *);
void		 errs_add(struct json_object *errors, const char *path,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void		 errs_merge(struct json_object *errors, struct json_object *sub,
		    const char *prefix);
void		 json_pointer_append(char *out, size_t outsz, const char *base,
		    const char *token);
const char	*json_plain(struct json_object *);
struct buf;
struct arena;
void		 json_buf_put(struct buf *, struct json_object *);
const char	*json_text(struct arena *, struct json_object *, size_t *len);
void		 json_error_envelope(struct buf *, const char *code,
		    const char *message, struct json_object *details);
struct json_object *json_raw_new(struct arena *, const char *text, size_t len);
const char	*json_get_str(struct json_object *obj, const char *key);
struct json_object *json_get(struct json_object *obj, const char *key,
		    enum json_type type);

#endif
