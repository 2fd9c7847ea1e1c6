/*
 * Unit tests for lib/engine/engine.c's durable side, without a database: a
 * run stops at an approval with where it stands; goes on from there with the
 * answer as the step's output and the earlier steps' outputs restored; stops
 * at a step boundary when told to pause or cancel; checkpoints after steps
 * with effects only.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "json.h"
#include "t.h"

static const char DOC[] =
    "{\"name\":\"t\",\"tools\":["
    "{\"toolId\":\"in\",\"name\":\"In\",\"type\":\"input\",\"config\":{}},"
    "{\"toolId\":\"a\",\"name\":\"A\",\"type\":\"transform\","
    " \"config\":{\"output\":{\"x\":\"{{input.x}}\",\"at\":\"{{env.now}}\"}}},"
    "{\"toolId\":\"ok\",\"name\":\"OK\",\"type\":\"approval\","
    " \"config\":{\"prompt\":\"x is {{steps.a.x}}?\",\"timeout\":60}},"
    "{\"toolId\":\"b\",\"name\":\"B\",\"type\":\"transform\","
    " \"config\":{\"output\":{\"x\":\"{{steps.a.x}}\",\"said\":\"{{steps.ok.response}}\","
    "  \"at\":\"{{steps.a.at}}\"}}},"
    "{\"toolId\":\"out\",\"name\":\"Out\",\"type\":\"response\","
    " \"config\":{\"status\":201,\"body\":\"{{steps.b}}\"}}],"
    "\"executionOrder\":[\"in\",\"a\",\"ok\",\"b\",\"out\"]}";

struct hooks {
	int	 boundaries;
	int	 stop_at;          /* a step index, or -1 */
	enum exec_status stop_as;
	int	 checkpoints;
};

static enum exec_status
boundary(void *ctx, size_t i)
{
	struct hooks *h = ctx;

	h->boundaries++;
	return h->stop_at >= 0 && (size_t)h->stop_at == i ? h->stop_as : EXEC_RUNNING;
}

static int
checkpoint(void *ctx, struct exec_result *r, size_t next)
{
	struct hooks *h = ctx;

	(void)r;
	(void)next;
	h->checkpoints++;
	return 0;
}

static void
env_for(struct exec_env *env, const struct config *cfg, struct hooks *h)
{
	memset(env, 0, sizeof(*env));
	env->cfg = cfg;
	env->owner = "t";
	env->environment = "development";
	env->execution_id = "exe_testtesttest";
	env->boundary = boundary;
	env->checkpoint = checkpoint;
	env->hook_ctx = h;
}

int
main(void)
{
	struct json_object *doc = json_tokener_parse(DOC), *errors = json_object_new_array();
	struct json_object *input = json_tokener_parse("{\"x\":5}"), *answer, *state;
	struct exec_resume from;
	struct exec_result r1, r2;
	struct exec_env env;
	struct hooks h = { 0, -1, EXEC_RUNNING, 0 };
	struct config cfg;
	struct plan *p;
	char err[128], at1[64] = "";

	T_OK(config_load(&cfg, err, sizeof(err)) == 0, "configuration");
	T_OK(plan_compile(doc, "t", 1, &p, errors) == 0, "the plan compiles: %s",
	    json_plain(errors));

	/* A fresh run stops before the approval. */
	env_for(&env, &cfg, &h);
	T_OK(engine_run(p, &env, input, &r1) == 0, "a run that waits is no failure");
	T_OK(r1.status == EXEC_WAITING && r1.http_status == 202 && r1.next_step == 2,
	    "it waits at the approval (step 2), answered 202");
	T_STR(json_get_str(r1.intervention, "prompt"), "x is 5?",
	    "the intervention's prompt is rendered");
	T_OK(json_object_get_int(json_object_object_get(r1.intervention, "timeout")) == 60 &&
	    json_get(r1.intervention, "options", json_type_array) != NULL,
	    "with its timeout, and the default options");
	T_STR(json_get_str(json_object_array_get_idx(r1.steps, 2), "status"), "waiting",
	    "the trace shows the approval waiting");
	T_OK(r1.output == NULL, "no output yet");
	T_OK(h.boundaries == 3 && h.checkpoints == 0,
	    "a boundary before each step run, no checkpoint (no step had effects)");
	state = json_object_object_get(r1.state, "steps");
	T_OK(json_get(state, "a", json_type_object) != NULL &&
	    json_get(state, "ok", json_type_object) == NULL,
	    "the state holds the outputs of the steps before it");
	snprintf(at1, sizeof(at1), "%s", json_get_str(json_get(state, "a", json_type_object), "at"));

	/* It goes on from there with the answer, in another "process". */
	answer = json_tokener_parse("{\"response\":\"approve\",\"approved\":true}");
	memset(&from, 0, sizeof(from));
	from.next_step = r1.next_step;
	from.state = r1.state;
	from.steps = r1.steps;
	from.logs = r1.logs;
	from.answer = answer;
	env_for(&env, &cfg, &h);
	env.resume = &from;
	h.boundaries = 0;
	T_OK(engine_run(p, &env, input, &r2) == 0 && r2.status == EXEC_SUCCEEDED,
	    "the run goes on and succeeds");
	T_OK(r2.http_status == 201, "with the response's status");
	T_STR(json_get_str(r2.output, "said"), "approve", "later steps read the answer");
	T_OK(json_object_get_int(json_object_object_get(r2.output, "x")) == 5,
	    "and the outputs of the steps before the wait");
	T_STR(json_get_str(r2.output, "at"), at1, "env.now keeps the run's start");
	T_OK(json_object_array_length(r2.steps) == 5, "one trace record per step: %zu",
	    json_object_array_length(r2.steps));
	T_STR(json_get_str(json_object_array_get_idx(r2.steps, 2), "status"), "succeeded",
	    "the waiting record is replaced by the answered one");
	T_OK(h.boundaries == 2, "boundaries of the steps it ran (not of the answered one)");
	exec_result_free(&r2);
	exec_result_free(&r1);

	/* Told to pause before step 1, the run stops there. */
	env_for(&env, &cfg, &h);
	h.stop_at = 1;
	h.stop_as = EXEC_PAUSED;
	T_OK(engine_run(p, &env, input, &r1) == 0 && r1.status == EXEC_PAUSED &&
	    r1.next_step == 1, "paused at the boundary of step 1");
	T_OK(json_object_array_length(r1.steps) == 1, "with step 0 done");
	exec_result_free(&r1);
	h.stop_at = 0;
	h.stop_as = EXEC_CANCELLED;
	T_OK(engine_run(p, &env, input, &r1) == 0 && r1.status == EXEC_CANCELLED &&
	    r1.next_step == 0, "cancelled before its first step");
	exec_result_free(&r1);

	json_object_put(answer);
	json_object_put(input);
	json_object_put(errors);
	json_object_put(doc);
	plan_free(p);
	config_free(&cfg);
	return t_done();
}
