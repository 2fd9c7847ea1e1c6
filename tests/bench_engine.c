/*
 * Engine micro-benchmark: the cost of a run of 0, 1, 10 and 100 transform
 * steps, in-process, no I/O. The 0-step run is the baseline (input, logs,
 * result); the per-step overhead is what each further step adds. Then the
 * no-DB agent as the public endpoint runs it, and the validation of the
 * sign-up input alone (examples/signup.json: its inputSchema and its validate
 * step's schema), in ns per call.
 *
 * BENCH_ENGINE_ONLY=nodb or =signup runs one of the last two; with
 * BENCH_CALLS=N the sign-up case makes exactly N calls (for callgrind: the
 * difference between two counts, divided, is the instructions per call).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "engine.h"
#include "json.h"
#include "jsonschema.h"
#include "tools.h"
#include "workflow.h"

static int
only(const char *what)
{
	const char *o = getenv("BENCH_ENGINE_ONLY");

	return o == NULL || strcmp(o, what) == 0;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A workflow of n transform steps, each reading the input and the previous step. */
static struct json_object *
make_doc(int n)
{
	struct json_object *doc = json_object_new_object(), *tools = json_object_new_array();
	struct json_object *order = json_object_new_array();
	char id[16], prev[32];

	json_object_object_add(doc, "name", json_object_new_string("bench"));
	json_object_object_add(doc, "inputSchema", json_tokener_parse("{\"type\":\"object\"}"));
	for (int i = 0; i < n; i++) {
		struct json_object *t = json_object_new_object(), *cfg = json_object_new_object();
		struct json_object *out = json_object_new_object();

		snprintf(id, sizeof(id), "t%d", i);
		snprintf(prev, sizeof(prev), i ? "{{steps.t%d.n}}" : "{{input.n}}", i - 1);
		json_object_object_add(out, "n", json_object_new_string(prev));
		json_object_object_add(out, "label", json_object_new_string("step {{input.name}}"));
		json_object_object_add(cfg, "output", out);
		json_object_object_add(t, "toolId", json_object_new_string(id));
		json_object_object_add(t, "name", json_object_new_string(id));
		json_object_object_add(t, "type", json_object_new_string("transform"));
		json_object_object_add(t, "config", cfg);
		json_object_array_add(tools, t);
		json_object_array_add(order, json_object_new_string(id));
	}
	json_object_object_add(doc, "tools", tools);
	json_object_object_add(doc, "executionOrder", order);
	return doc;
}

/*
 * The sign-up input checked as its workflow checks it: the input step's
 * schema, then the validate step's (both compiled by plan_compile).
 */
static int
bench_signup(void)
{
	struct json_object *doc = json_object_from_file("examples/signup.json");
	struct json_object *errors = json_object_new_array(), *canon = NULL;
	struct json_object *in = json_tokener_parse(
	    "{\"email\":\"ann.smith@example.com\",\"password\":\"secret123\","
	    "\"name\":\"Ann Smith\"}");
	struct json_object *verrs = json_object_new_array();
	const struct js_schema *vs = NULL;
	const char *calls = getenv("BENCH_CALLS");
	long n = calls != NULL ? atol(calls) : 0, runs = 0;
	struct plan *p;
	double t0, t;

	if (doc == NULL || workflow_check(doc, NULL, &canon, errors) == -1 ||
	    plan_compile(canon, "mcp_bench", 1, &p, errors) == -1) {
		fprintf(stderr, "signup: %s\n", json_plain(errors));
		return -1;
	}
	for (size_t i = 0; i < p->nsteps; i++)
		if (p->steps[i].type == TOOL_VALIDATE)
			vs = p->steps[i].compiled;
	if (p->input_schema == NULL || vs == NULL) {
		fprintf(stderr, "signup: no input schema or validate step\n");
		return -1;
	}
	t0 = now_s();
	do {
		for (int i = 0; i < 100 && (n == 0 || runs < n); i++, runs++)
			/* With an error list, as the tools call it. */
			if (js_validate(p->input_schema, in, verrs) != 1 ||
			    js_validate(vs, in, verrs) != 1) {
				fprintf(stderr, "signup: the input is refused\n");
				return -1;
			}
		t = now_s() - t0;
	} while (n > 0 ? runs < n : t < 1.0);
	printf("%-10s %12.0f %14.3f   (examples/signup.json: input and validate schemas)\n",
	    "signup", (double)runs / t, t * 1e6 / (double)runs);
	plan_free(p);
	json_object_put(canon);
	json_object_put(doc);
	json_object_put(errors);
	json_object_put(in);
	json_object_put(verrs);
	return 0;
}

int
main(void)
{
	static const int sizes[] = { 0, 1, 10, 100 };
	struct json_object *input = json_tokener_parse("{\"n\":1,\"name\":\"ann\"}");
	struct config cfg;
	char err[128];
	double base = 0;

	if (config_load(&cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%-10s %12s %14s %16s\n", "steps", "runs/s", "us/run", "us/step (over 0)");
	for (size_t k = 0; getenv("BENCH_ENGINE_ONLY") == NULL &&
	    k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct json_object *doc = make_doc(sizes[k]), *errors = json_object_new_array();
		struct plan *p;
		struct exec_env env = { .cfg = &cfg, .owner = "bench", .environment = ENV_DEVELOPMENT, .execution_id = "exe_bench" };
		long runs = 0;
		double t0 = now_s(), t;

		if (plan_compile(doc, "mcp_bench", 1, &p, errors) == -1) {
			fprintf(stderr, "compile: %s\n", json_plain(errors));
			return 1;
		}
		do {
			struct exec_result res;
			for (int i = 0; i < 50; i++, runs++) {
				engine_run(p, &env, input, &res);
				exec_result_free(&res);
			}
			t = now_s() - t0;
		} while (t < 1.0);
		double us = t * 1e6 / (double)runs;
		if (sizes[k] == 0)
			base = us;
		if (sizes[k] == 0)
			printf("%-10d %12.0f %14.2f %16s\n", sizes[k], (double)runs / t, us, "(baseline)");
		else
			printf("%-10d %12.0f %14.2f %16.2f\n", sizes[k], (double)runs / t, us,
			    (us - base) / sizes[k]);
		plan_free(p);
		json_object_put(errors);
		json_object_put(doc);
	}
	/* The runtime bench's no-DB agent, as the public endpoint runs it. */
	if (only("nodb")) {
		struct json_object *doc = json_object_from_file("tests/bench/nodb.json");
		struct json_object *errors = json_object_new_array(), *canon = NULL;
		struct json_object *secrets = json_tokener_parse(
		    "{\"jwtKey\":\"bench-signing-key-0123456789abcdef\"}");
		struct json_object *in = json_tokener_parse(
		    "{\"email\":\"fixed.user@example.com\",\"name\":\"Fixed User\"}");
		struct exec_env env = { .cfg = &cfg, .owner = "bench", .environment = ENV_DEVELOPMENT, .secrets = secrets,
		    .execution_id = "exe_bench", .no_trace = 1 };
		struct plan *p;
		long runs = 0;
		double t0 = now_s(), t;

		if (doc == NULL || workflow_check(doc, NULL, &canon, errors) == -1 ||
		    plan_compile(canon, "agent_bench", 1, &p, errors) == -1) {
			fprintf(stderr, "nodb: %s\n", json_plain(errors));
			return 1;
		}
		do {
			struct exec_result res;
			for (int i = 0; i < 50; i++, runs++) {
				engine_run(p, &env, in, &res);
				exec_result_free(&res);
			}
			t = now_s() - t0;
		} while (t < 1.0);
		printf("%-10s %12.0f %14.2f   (tests/bench/nodb.json: validate, jwt_sign, response)\n",
		    "nodb", (double)runs / t, t * 1e6 / (double)runs);
		plan_free(p);
		json_object_put(canon);
		json_object_put(doc);
		json_object_put(errors);
		json_object_put(secrets);
		json_object_put(in);
	}
	if (only("signup") && bench_signup() == -1)
		return 1;
	json_object_put(input);
	config_free(&cfg);
	return 0;
}
