/*
 * condition: tests earlier output and skips the tools of the branch not
 * taken ("whenTrue" / "whenFalse" name tools that run later).
 */
#include <string.h>

#include "json.h"
#include "tools.h"

static const char *const ops[] = {
	"eq", "ne", "gt", "gte", "lt", "lte", "exists", "missing", "truthy",
	"falsy", "contains", "in", NULL
};

static int
truthy(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:    return 0;
	case json_type_boolean: return json_object_get_boolean(v);
	case json_type_int:     return json_object_get_int64(v) != 0;
	case json_type_double:  return json_object_get_double(v) != 0;
	case json_type_string:  return json_object_get_string_len(v) > 0;
	case json_type_array:   return json_object_array_length(v) > 0;
	default:                return 1;
	}
}

static int
numeric(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double);
}

/* Orders a and b (numbers numerically, strings bytewise); 2 = incomparable. */
static int
compare(struct json_object *a, struct json_object *b)
{
	if (numeric(a) && numeric(b)) {
		double x = json_object_get_double(a), y = json_object_get_double(b);
		return x < y ? -1 : x > y;
	}
	if (json_object_is_type(a, json_type_string) &&
	    json_object_is_type(b, json_type_string)) {
		int c = strcmp(json_object_get_string(a), json_object_get_string(b));
		return c < 0 ? -1 : c > 0;
	}
	return 2;
}

static int
member(struct json_object *arr, struct json_object *v)
{
	size_t n = json_object_array_length(arr);

	for (size_t i = 0; i < n; i++)
		if (json_object_equal(json_object_array_get_idx(arr, i), v))
			return 1;
	return 0;
}

/* Marks each tool named in list (which must run after this one) skipped. */
static int
skip_branch(struct tool_ctx *ctx, struct json_object *list)
{
	size_t n = list ? json_object_array_length(list) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(list, i));
		size_t k;
		for (k = ctx->index + 1; k < ctx->plan->nsteps; k++)
			if (strcmp(ctx->plan->steps[k].tool_id, id) == 0)
				break;
		if (k == ctx->plan->nsteps)
			return tool_fail(ctx, 500, "bad_config",
			    "%.64s is not a tool that runs after this condition", id);
		ctx->skip[k] = 1;
	}
	return 0;
}

int
tool_condition_run(struct tool_ctx *ctx)
{
	const char *op = json_get_str(ctx->config, "op");
	struct json_object *l = NULL, *r = NULL;
	int has_l = json_object_object_get_ex(ctx->config, "left", &l);
	int result = 0, c, i;

	(void)json_object_object_get_ex(ctx->config, "right", &r);
	for (i = 0; ops[i] != NULL; i++)
		if (op != NULL && strcmp(op, ops[i]) == 0)
			break;
	switch (i) {
	case 0: result = json_object_equal(l, r); break;
	case 1: result = !json_object_equal(l, r); break;
	case 2: result = (c = compare(l, r)) == 1; break;
	case 3: result = (c = compare(l, r)) == 1 || c == 0; break;
	case 4: result = compare(l, r) == -1; break;
	case 5: result = (c = compare(l, r)) == -1 || c == 0; break;
	case 6: result = has_l && l != NULL; break;
	case 7: result = !has_l || l == NULL; break;
	case 8: result = truthy(l); break;
	case 9: result = !truthy(l); break;
	case 10:
		result = json_object_is_type(l, json_type_array) ? member(l, r) :
		    json_object_is_type(l, json_type_string) &&
		    json_object_is_type(r, json_type_string) &&
		    strstr(json_object_get_string(l), json_object_get_string(r)) != NULL;
		break;
	case 11:
		result = json_object_is_type(r, json_type_array) && member(r, l);
		break;
	default:
		return tool_fail(ctx, 500, "bad_config", "unknown op");
	}
	if (skip_branch(ctx, json_get(ctx->config, result ? "whenFalse" : "whenTrue",
	    json_type_array)) != 0)
		return -1;
	ctx->output = json_object_new_object();
	json_object_object_add(ctx->output, "result", json_object_new_boolean(result));
	return 0;
}
