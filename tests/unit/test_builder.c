/*
 * Unit tests for the builder (lib/builder/): phrasings of each template
 * and each edit with the key properties of the document they must give,
 * refusals of nonsense (nothing guessed, the input document untouched),
 * the supervisor's intents, and every produced document passing
 * workflow_check on its own.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/json_pointer.h>

#include "arena.h"
#include "builder.h"
#include "json.h"
#include "toolcheck.h"
#include "workflow.h"
#include "t.h"

static struct catalog *cat;
static struct arena arena;

/*
 * A check on a document: "/json/pointer=<JSON>" (the value there equals
 * the JSON), "/pointer" (something is there), "!/pointer" (nothing is).
 */
static int
holds(struct json_object *doc, const char *check, char *why, size_t whysz)
{
	char ptr[256];
	const char *eq = strchr(check, '=');
	int absent = check[0] == '!';
	const char *p = check + absent;
	struct json_object *got = NULL, *want;
	size_t n = eq ? (size_t)(eq - p) : strlen(p);
	int ok;

	snprintf(ptr, sizeof(ptr), "%.*s", (int)n, p);
	if (json_pointer_get(doc, ptr, &got) != 0)
		got = NULL;
	if (absent) {
		snprintf(why, whysz, "%s is there", ptr);
		return got == NULL;
	}
	if (eq == NULL) {
		snprintf(why, whysz, "%s is missing", ptr);
		return got != NULL;
	}
	want = json_tokener_parse(eq + 1);
	ok = got != NULL && want != NULL && json_object_equal(got, want);
	snprintf(why, whysz, "%s: got %s, want %s", ptr,
	    got ? json_object_to_json_string(got) : "(nothing)", eq + 1);
	json_object_put(want);
	return ok;
}

/* The document passes workflow_check by itself. */
static int
valid(struct json_object *doc)
{
	struct json_object *errors = json_object_new_array(), *canon = NULL;
	int ok = workflow_check(doc, cat, &canon, errors) == 0;

	if (!ok)
		printf("#   errors: %s\n", json_object_to_json_string(errors));
	json_object_put(canon);
	json_object_put(errors);
	return ok;
}

static void
expect_doc(const char *what, const char *text, enum build_status st, struct build_result *r,
    const char *const *checks)
{
	char why[600];
	int ok = st == BUILD_OK && r->doc != NULL && valid(r->doc) && r->summary != NULL &&
	    r->changes != NULL && json_object_array_length(r->changes) > 0;

	if (st != BUILD_OK)
		printf("#   %s: %s\n", build_status_names[st], r->summary ? r->summary : "");
	for (size_t i = 0; ok && checks[i] != NULL; i++)
		if (!holds(r->doc, checks[i], why, sizeof(why))) {
			printf("#   %s\n", why);
			ok = 0;
		}
	T_OK(ok, "%s: \"%s\"", what, text);
	build_result_clear(r);
	arena_reset(&arena);
}

struct ccase {
	const char	*text;
	const char	*checks[8];
};

#define F25	"fa, fb, fc, fd, fe, ff, fg, fh, fi, fj, fk, fl, fm, fn, fo, fp, fq, fr, " \
		"fs, ft, fu, fv, fw, fx, fy"
static const struct ccase creates[] = {
	{ "create a sign up api", {
	    "/name=\"Sign up\"", "/inputSchema/required=[\"email\",\"password\",\"name\"]",
	    "/executionOrder=[\"input\",\"validate\",\"hashPassword\",\"insertUser\",\"signToken\",\"response\"]",
	    "/tools/3/config/unique=[\"email\"]", "/tools/4/config/secret=\"jwtKey\"",
	    "/tools/5/config/status=201", "/tools/5/config/body/token=\"{{steps.signToken.token}}\"", NULL } },
	{ "Create a sign up API with name, email and phone; password at least 12 characters", {
	    "/inputSchema/properties/password/minLength=12",
	    "/tools/1/config/rules/password=[\"required\",{\"minLength\":12}]",
	    "/inputSchema/properties/phone/pattern", "/inputSchema/properties/email/format=\"email\"",
	    "!/inputSchema/properties/email/minLength", "/tools/5/config/body/user/phone=\"{{input.phone}}\"",
	    "!/tools/5/config/body/user/password", NULL } },
	{ "signup with email and a password of at least 10 characters", {
	    "/inputSchema/properties/password/minLength=10", "!/inputSchema/properties/name",
	    "/inputSchema/required=[\"email\",\"password\"]", NULL } },
	{ "register users with email, password (at least 10 characters) and an optional age between 18 and 120", {
	    "/inputSchema/properties/age={\"type\":\"integer\",\"minimum\":18,\"maximum\":120}",
	    "/inputSchema/required=[\"email\",\"password\"]",
	    "/tools/1/config/rules/age=[\"integer\",{\"min\":18},{\"max\":120}]", NULL } },
	{ "user registration endpoint with username, email and password", {
	    "/inputSchema/properties/username/type=\"string\"", "/tools/3/config/unique=[\"email\"]",
	    "/tools/3/config/document/passwordHash=\"{{steps.hashPassword.hash}}\"", NULL } },
	{ "sign-up form with first name, last name and email", {
	    "/inputSchema/properties/firstName", "/inputSchema/properties/lastName",
	    "/inputSchema/properties/password/minLength=8", NULL } },
	{ "new account api called 'Join us'", { "/name=\"Join us\"", NULL } },
	{ "signup with email, password and password confirmation", {
	    "/inputSchema/properties/passwordConfirmation/minLength=8",
	    "!/tools/3/config/document/passwordConfirmation",
	    "!/tools/5/config/body/user/passwordConfirmation", NULL } },
	{ "signup storing users in the collection members", {
	    "/tools/3/config/collection=\"members\"", NULL } },
	{ "create a signup api with name, email and password at least 12 characters", {
	    "/inputSchema/properties/password/minLength=12", "!/inputSchema/properties/email/minLength",
	    NULL } },
	{ "signup with name (optional), email and password", {
	    "/inputSchema/required=[\"email\",\"password\"]",
	    "/tools/1/config/rules/name=[{\"minLength\":1},{\"maxLength\":200}]", NULL } },
	{ "build a login endpoint", {
	    "/executionOrder=[\"input\",\"validate\",\"findUser\",\"checkPassword\",\"signToken\",\"response\"]",
	    "/tools/2/config/where={\"email\":\"{{input.email}}\"}",
	    "/tools/3/config/hash=\"{{steps.findUser.first.passwordHash}}\"",
	    "/tools/3/config/onMismatch/status=401", "/tools/5/config/status=200", NULL } },
	{ "login with username and password", {
	    "/tools/2/config/where={\"username\":\"{{input.username}}\"}",
	    "/inputSchema/required=[\"username\",\"password\"]", NULL } },
	{ "sign in api", { "/name=\"Log in\"", NULL } },
	{ "I need an authentication endpoint for the collection members", {
	    "/tools/2/config/collection=\"members\"", NULL } },
	{ "contact form", {
	    "/name=\"Contact form\"", "/tools/2/config/collection=\"messages\"",
	    "/inputSchema/required=[\"email\",\"message\"]",
	    "/tools/2/config/document/receivedAt=\"{{env.now}}\"", NULL } },
	{ "I need a contact form with name, email and message where the message is at most 500 characters", {
	    "/inputSchema/properties/message/maxLength=500",
	    "/tools/1/config/rules/message=[\"required\",{\"minLength\":1},{\"maxLength\":500}]", NULL } },
	{ "feedback form with email and comments", {
	    "/inputSchema/properties/comments/maxLength=2000", "!/inputSchema/properties/name", NULL } },
	{ "contact form that notifies https://hooks.example.com/new", {
	    "/executionOrder=[\"input\",\"validate\",\"storeMessage\",\"notify\",\"response\"]",
	    "/tools/4/config/url=\"https://hooks.example.com/new\"", "/tools/4/type=\"http_request\"", NULL } },
	{ "an endpoint to create orders with item, quantity and price", {
	    "/name=\"Create order\"", "/inputSchema/properties/quantity/type=\"integer\"",
	    "/inputSchema/properties/price/type=\"number\"",
	    "/inputSchema/required=[\"item\",\"quantity\",\"price\"]",
	    "/executionOrder=[\"input\",\"validate\",\"store\",\"response\"]",
	    "/tools/2/config/collection=\"orders\"", "/tools/3/config/status=201", NULL } },
	{ "an endpoint that lists the products", {
	    "/name=\"List products\"", "/tools/1/config/collection=\"products\"",
	    "/tools/1/config/limit=100", "/tools/2/config/body/items=\"{{steps.list.documents}}\"",
	    NULL } },
	{ "an api to delete a customer by id", {
	    "/name=\"Delete customer\"", "/tools/1/type=\"db_delete\"",
	    "/tools/1/config/id=\"{{input.id}}\"", "/inputSchema/required=[\"id\"]", NULL } },
	{ "an endpoint to update books with title, author and year", {
	    "/tools/2/type=\"db_update\"", "/tools/2/config/skipNulls=true",
	    "/inputSchema/required=[\"id\"]", "/tools/2/config/set/year=\"{{input.year}}\"",
	    "/inputSchema/properties/year/type=\"integer\"", NULL } },
	{ "a contact form that emails me at owner@example.com", {
	    "/executionOrder=[\"input\",\"validate\",\"storeMessage\",\"emailOwner\",\"response\"]",
	    "/tools/3/config/to=\"owner@example.com\"", "/tools/3/config/replyTo=\"{{input.email}}\"",
	    "/tools/3/type=\"send_email\"", NULL } },
	{ "contact form that sends me an email for each message", {
	    "/tools/3/config/to=\"{{secrets.ownerEmail}}\"", NULL } },
	{ "a password reset api", {
	    "/name=\"Password reset\"", "/tools/1/type=\"condition\"",
	    "/tools/3/config/singleUse=true", "/tools/3/config/purpose=\"password-reset\"",
	    "/tools/5/config/set/passwordHash=\"{{steps.hashPassword.hash}}\"",
	    "/tools/11/type=\"send_email\"", "/tools/10/config/secret=\"linkKey\"", NULL } },
	{ "an api that returns the weather for a city using https://api.example.com/weather?q={city}&units=metric", {
	    "/name=\"Weather API\"", "/inputSchema/required=[\"city\"]",
	    "/tools/2/config/url=\"https://api.example.com/weather?units=metric\"",
	    "/tools/2/config/query={\"q\":\"{{input.city}}\"}",
	    "/tools/3/config/body={\"city\":\"{{input.city}}\",\"weather\":\"{{steps.callApi.body}}\"}",
	    NULL } },
	{ "temperature for a city from https://api.example.com/v1/{city}/now returning temp and humidity", {
	    "/tools/2/config/url=\"https://api.example.com/v1/{{input.city}}/now\"",
	    "/inputSchema/properties/city/pattern=\"^[A-Za-z0-9_.~-]{1,200}$\"",
	    "/tools/3/config/body/temp=\"{{steps.callApi.body.temp}}\"",
	    "/tools/3/config/body/humidity=\"{{steps.callApi.body.humidity}}\"", NULL } },
	{ "a webhook receiver that checks the HMAC signature in the X-Hub-Signature-256 header", {
	    "/name=\"Webhook receiver\"", "/tools/1/type=\"hmac_verify\"",
	    "/tools/1/config/signature=\"{{request.headers.x-hub-signature-256}}\"",
	    "/tools/1/config/prefix=\"sha256=\"", "/tools/1/config/secret=\"webhookSecret\"",
	    "/tools/2/config/collection=\"events\"", NULL } },
	{ "relay webhooks to https://hooks.example.com/in", {
	    "/executionOrder=[\"input\",\"relay\",\"response\"]", "/inputSchema={\"type\":\"object\"}",
	    "/tools/1/config/url=\"https://hooks.example.com/in\"", "/tools/1/config/body=\"{{input}}\"",
	    "/tools/2/config/body/status=\"{{steps.relay.status}}\"", NULL } },
	{ "forward webhooks to https://example.org/hook with event and payload", {
	    "/inputSchema/required=[\"event\",\"payload\"]", "/tools/1/toolId=\"validate\"", NULL } },
	/* Found by tests/fuzz/fuzz_builder.c: a URL ends before a brace... */
	{ "relay webhooks to https://hooks.example.com/{{input", {
	    "/tools/1/config/url=\"https://hooks.example.com/\"", NULL } },
	/* ... and "named" before no name keeps the template's. */
	{ "a contact form named (", { "/name=\"Contact form\"", NULL } },
	/* ... and a full field list still gets the fields a template needs. */
	{ "a login api with " F25, {
	    "/inputSchema/properties/password/type=\"string\"", NULL } },
	{ "a sign up api with " F25, {
	    "/inputSchema/properties/password/type=\"string\"",
	    "/inputSchema/properties/email/format=\"email\"", NULL } },
};

static void
test_creates(void)
{
	for (size_t i = 0; i < sizeof(creates) / sizeof(creates[0]); i++) {
		struct build_result r;
		enum build_status st = builder_create(&arena, cat, creates[i].text, &r);
		expect_doc("create", creates[i].text, st, &r, creates[i].checks);
	}
}

/* Edits: each applied to a fresh document built from base. */
struct ecase {
	const char	*base;
	const char	*text;
	const char	*checks[8];
};

#define SIGNUP	"create a sign up api"
static const struct ecase edits[] = {
	{ SIGNUP, "add a phone field", {
	    "/inputSchema/properties/phone/pattern", "/tools/3/config/document/phone=\"{{input.phone}}\"",
	    "/tools/5/config/body/user/phone=\"{{input.phone}}\"",
	    "/inputSchema/required=[\"email\",\"password\",\"name\",\"phone\"]", NULL } },
	{ SIGNUP, "add an optional age field of at least 18", {
	    "/inputSchema/properties/age={\"type\":\"integer\",\"minimum\":18}",
	    "/inputSchema/required=[\"email\",\"password\",\"name\"]",
	    "/tools/1/config/rules/age=[\"integer\",{\"min\":18}]", NULL } },
	{ SIGNUP, "add phone and age fields", {
	    "/inputSchema/properties/phone", "/inputSchema/properties/age", NULL } },
	{ SIGNUP, "please also ask for a website", {
	    "/inputSchema/properties/website/format=\"uri\"", NULL } },
	{ SIGNUP, "remove the name field", {
	    "!/inputSchema/properties/name", "!/tools/1/config/rules/name",
	    "!/tools/3/config/document/name", "!/tools/5/config/body/user/name",
	    "/inputSchema/required=[\"email\",\"password\"]", NULL } },
	{ SIGNUP, "make name optional", {
	    "/inputSchema/required=[\"email\",\"password\"]",
	    "/tools/1/config/rules/name=[{\"minLength\":1},{\"maxLength\":200}]", NULL } },
	{ SIGNUP, "require the name to be at least 2 characters", {
	    "/inputSchema/properties/name/minLength=2",
	    "/tools/1/config/rules/name=[\"required\",{\"minLength\":2},{\"maxLength\":200}]", NULL } },
	{ SIGNUP, "password must be at least 12 characters", {
	    "/inputSchema/properties/password/minLength=12",
	    "/tools/1/config/rules/password=[\"required\",{\"minLength\":12}]", NULL } },
	{ SIGNUP, "set the minimum length of name to 3", {
	    "/inputSchema/properties/name/minLength=3", NULL } },
	{ SIGNUP, "limit name to 50 characters", {
	    "/inputSchema/properties/name/maxLength=50",
	    "/tools/1/config/rules/name=[\"required\",{\"minLength\":1},{\"maxLength\":50}]", NULL } },
	{ SIGNUP, "rename the field name to fullName", {
	    "/inputSchema/properties/fullName", "!/inputSchema/properties/name",
	    "/tools/5/config/body/user/fullName=\"{{input.fullName}}\"",
	    "/tools/3/config/document/fullName=\"{{input.fullName}}\"",
	    "/inputSchema/required=[\"email\",\"password\",\"fullName\"]", NULL } },
	{ SIGNUP, "rename the field email to login", {
	    "/tools/3/config/unique=[\"login\"]", "/tools/4/config/claims/login=\"{{input.login}}\"",
	    NULL } },
	{ SIGNUP, "rename the workflow to 'Join us'", { "/name=\"Join us\"", NULL } },
	{ SIGNUP, "call it Member registration", { "/name=\"Member registration\"", NULL } },
	{ SIGNUP, "drop the token step", {
	    "!/tools/5", "/executionOrder=[\"input\",\"validate\",\"hashPassword\",\"insertUser\",\"response\"]",
	    "!/tools/4/config/body/token", NULL } },
	{ SIGNUP, "remove validation", {
	    "/executionOrder/1=\"hashPassword\"", NULL } },
	{ SIGNUP, "use the collection members", { "/tools/3/config/collection=\"members\"", NULL } },
	{ SIGNUP, "respond with status 200", { "/tools/5/config/status=200", NULL } },
	{ SIGNUP, "notify https://hooks.example.com/new", {
	    "/executionOrder/5=\"notify\"", "/executionOrder/6=\"response\"",
	    "/tools/6/config/method=\"POST\"", NULL } },
	{ SIGNUP, "add a phone field and make name optional", {
	    "/inputSchema/properties/phone", "/inputSchema/required=[\"email\",\"password\",\"phone\"]",
	    NULL } },
	{ SIGNUP, "add an optional company field; limit name to 80 characters. respond with status 200", {
	    "/inputSchema/properties/company", "/inputSchema/properties/name/maxLength=80",
	    "/tools/5/config/status=200", NULL } },
	{ "build a login endpoint", "rename the field email to username", {
	    "/tools/2/config/where={\"username\":\"{{input.username}}\"}", NULL } },
	{ "build a login endpoint", "drop the token step", {
	    "/tools/4/config/body={\"success\":true}", NULL } },
	{ "contact form", "add a required company field", {
	    "/inputSchema/required=[\"email\",\"message\",\"company\"]",
	    "/tools/2/config/document/company=\"{{input.company}}\"", NULL } },
	{ "contact form", "add a token step", {
	    "/executionOrder/3=\"signToken\"", "/tools/4/config/claims/sub=\"{{steps.storeMessage.id}}\"",
	    "/tools/3/config/body/token=\"{{steps.signToken.token}}\"", NULL } },
	{ "create customers with name", "use the collection clients", {
	    "/tools/2/config/collection=\"clients\"", NULL } },
	{ "relay webhooks to https://hooks.example.com/in", "add validation", {
	    "/tools/3/type=\"validate\"", "/executionOrder/1=\"validate\"", NULL } },
};

static void
test_edits(void)
{
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		struct build_result b, r;
		const char *before;
		enum build_status st;

		if (builder_create(&arena, cat, edits[i].base, &b) != BUILD_OK) {
			T_OK(0, "base \"%s\" builds", edits[i].base);
			continue;
		}
		json_object_object_add(b.doc, "serverId", json_object_new_string("mcp_abcdefgh"));
		json_object_object_add(b.doc, "version", json_object_new_int(3));
		before = arena_strdup(&arena, json_object_to_json_string(b.doc));
		st = builder_edit(&arena, cat, b.doc, edits[i].text, &r);
		T_OK(strcmp(before, json_object_to_json_string(b.doc)) == 0,
		    "edit leaves its input alone: \"%s\"", edits[i].text);
		T_OK(st != BUILD_OK || (json_object_get_int(json_object_object_get(r.doc, "version")) == 3 &&
		    strcmp(json_get_str(r.doc, "serverId"), "mcp_abcdefgh") == 0),
		    "edit keeps serverId and version: \"%s\"", edits[i].text);
		build_result_clear(&b);
		expect_doc("edit", edits[i].text, st, &r, edits[i].checks);
	}
}

static void
test_refusals(void)
{
	static const char *const nonsense[] = {
		"make me a sandwich", "", "   ", "asdf qwer zxcv", "what is the weather like",
		"hello there", "relay webhooks", "a crud api", "!!! ???",
	};
	static const struct { const char *base, *text; enum build_status want; } bad_edits[] = {
		{ SIGNUP, "paint it blue", BUILD_NOT_UNDERSTOOD },
		{ SIGNUP, "add a field and paint it blue", BUILD_NOT_UNDERSTOOD },
		{ SIGNUP, "make phone required", BUILD_NOT_UNDERSTOOD },
		{ SIGNUP, "add a phone field. then sing", BUILD_NOT_UNDERSTOOD },
		{ SIGNUP, "remove the password field", BUILD_INVALID },
		{ SIGNUP, "remove the shoe size field", BUILD_INVALID },
		{ SIGNUP, "add validation", BUILD_INVALID },
		{ SIGNUP, "add an email field", BUILD_INVALID },
		{ SIGNUP, "remove the response step", BUILD_INVALID },
		{ SIGNUP, "drop the hashing step", BUILD_INVALID },
		{ SIGNUP, "rename the field name to 9lives", BUILD_INVALID },
		{ SIGNUP, "add a webhook", BUILD_INVALID },
		{ "a password reset api", "respond with status 201", BUILD_INVALID },
		{ "relay webhooks to https://hooks.example.com/in", "use the collection x", BUILD_INVALID },
	};
	for (size_t i = 0; i < sizeof(nonsense) / sizeof(nonsense[0]); i++) {
		struct build_result r;
		enum build_status st = builder_create(&arena, cat, nonsense[i], &r);
		T_OK(st == BUILD_NOT_UNDERSTOOD && r.doc == NULL && r.summary != NULL &&
		    strstr(r.summary, "I can create") != NULL,
		    "create refuses \"%s\" and says what it can do", nonsense[i]);
		build_result_clear(&r);
		arena_reset(&arena);
	}
	for (size_t i = 0; i < sizeof(bad_edits) / sizeof(bad_edits[0]); i++) {
		struct build_result b, r;
		enum build_status st;
		const char *before;

		if (builder_create(&arena, cat, bad_edits[i].base, &b) != BUILD_OK) {
			T_OK(0, "base \"%s\" builds", bad_edits[i].base);
			continue;
		}
		before = arena_strdup(&arena, json_object_to_json_string(b.doc));
		st = builder_edit(&arena, cat, b.doc, bad_edits[i].text, &r);
		T_OK(st == bad_edits[i].want && r.doc == NULL && r.summary != NULL &&
		    strcmp(before, json_object_to_json_string(b.doc)) == 0,
		    "edit refuses \"%s\" (%s): %s", bad_edits[i].text,
		    build_status_names[bad_edits[i].want], r.summary ? r.summary : "(none)");
		build_result_clear(&b);
		build_result_clear(&r);
		arena_reset(&arena);
	}
}

static void
test_intents(void)
{
	static const struct { const char *text; int wf; enum intent want; } cases[] = {
		{ "create a sign up api", 0, INTENT_CREATE },
		{ "create a sign up api", 1, INTENT_CREATE },
		{ "login with username and password", 0, INTENT_CREATE },
		{ "contact form", 0, INTENT_CREATE },
		{ "add a phone field", 1, INTENT_EDIT },
		{ "add a phone field", 0, INTENT_EDIT },
		{ "make name optional", 1, INTENT_EDIT },
		{ "use the collection members", 1, INTENT_EDIT },
		{ "rename the workflow to Join", 1, INTENT_EDIT },
		{ "respond with status 200", 1, INTENT_EDIT },
		{ "run it with {\"email\": \"a@b.c\"}", 1, INTENT_RUN },
		{ "execute it", 1, INTENT_RUN },
		{ "run it with {\"name\": \"new user\", \"note\": \"create a signup api\"}", 1,
		    INTENT_RUN },
		{ "deploy it", 1, INTENT_DEPLOY },
		{ "publish this to archestra", 1, INTENT_DEPLOY },
		{ "explain this workflow", 1, INTENT_EXPLAIN },
		{ "what does it do?", 1, INTENT_EXPLAIN },
		{ "make me a sandwich", 0, INTENT_UNKNOWN },
		{ "hello", 1, INTENT_UNKNOWN },
		{ "", 0, INTENT_UNKNOWN },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_STR(intent_names[builder_intent(cases[i].text, cases[i].wf)],
		    intent_names[cases[i].want], cases[i].text);
}

static void
test_explain(void)
{
	struct build_result b;

	if (builder_create(&arena, cat, SIGNUP, &b) != BUILD_OK) {
		T_OK(0, "signup builds");
		return;
	}
	const char *s = builder_explain(&arena, b.doc);
	T_OK(strstr(s, "\"Sign up\" takes email (email, required)") == s &&
	    strstr(s, "3. hashPassword hashes the password") != NULL &&
	    strstr(s, "collection users (unique email") != NULL &&
	    strstr(s, "secret jwtKey") != NULL && strstr(s, "status 201.") != NULL,
	    "explain: %s", s);
	build_result_clear(&b);
	arena_reset(&arena);
}

/*
 * Long words of two-byte characters are cut between characters: the name
 * stays UTF-8 (found by tests/fuzz/fuzz_builder.c).
 */
static void
test_long_utf8_words(void)
{
	static const char *const texts[] = {
		/* one word of 40 "é": cut at 63 bytes */
		"a contact form named \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
		NULL, /* six words of 63 bytes: the name cut at 200 bytes */
	};
	char six[512] = "a contact form named";
	struct build_result r;

	for (int w = 0; w < 6; w++) {
		strcat(six, " x");
		for (int i = 0; i < 31; i++)
			strcat(six, "\xc3\xa9");
	}
	for (int k = 0; k < 2; k++) {
		const char *text = texts[k] != NULL ? texts[k] : six;
		enum build_status st = builder_create(&arena, cat, text, &r);
		const char *name = st == BUILD_OK ? json_get_str(r.doc, "name") : NULL;
		T_OK(name != NULL && utf8_valid(name, strlen(name)) &&
		    valid(r.doc), "a name of long UTF-8 words stays UTF-8 (%d)", k);
		build_result_clear(&r);
		arena_reset(&arena);
	}
}

/* Long and hostile text: no crash, a refusal or a document. */
static void
test_hostile_text(void)
{
	static char big[20000];
	struct build_result r;
	enum build_status st;

	memset(big, 'a', sizeof(big) - 1);
	for (size_t i = 0; i + 1 < sizeof(big); i += 3)
		big[i] = ' ';
	st = builder_create(&arena, cat, big, &r);
	T_OK(st == BUILD_NOT_UNDERSTOOD, "20 000 characters of words: refused");
	build_result_clear(&r);
	memcpy(big, "signup with ", 12);
	st = builder_create(&arena, cat, big, &r);
	T_OK(st == BUILD_NOT_UNDERSTOOD, "a sign-up with 6 000 words: refused as too long");
	build_result_clear(&r);
	st = builder_create(&arena, cat, "signup with \"unterminated, 'mixed\" quotes'", &r);
	T_OK(st == BUILD_OK && valid(r.doc), "odd quotes still build");
	build_result_clear(&r);
	arena_reset(&arena);
}

/*
 * Word soup from the builder's own vocabulary (a fixed seed, so the same
 * soup every run): create, then edit what was created. Whatever comes
 * back is either a refusal that left the input alone or a valid document.
 */
static void
test_word_soup(void)
{
	static const char *const words[] = {
		"signup", "login", "contact", "form", "crud", "collection", "orders", "relay",
		"webhook", "https://hooks.example.com/x", "with", "and", "or", ",", ".", ";",
		"(", ")", "'Quoted name'", "\"", "{", "}", "at", "least", "most", "between",
		"12", "0", "999999999", "characters", "name", "email", "phone", "password",
		"age", "price", "optional", "required", "add", "remove", "drop", "rename",
		"to", "field", "step", "token", "validation", "notify", "make", "limit",
		"status", "201", "respond", "use", "the", "a", "called", "then", "min",
		"maximum", "length", "of", "input", "é", "phone number", "firstName",
	};
	unsigned long seed = 12345;
	int bad = 0, built = 0, edited = 0;

	for (int i = 0; i < 5000 && !bad; i++) {
		char text[2][400];
		for (int k = 0; k < 2; k++) {
			size_t n = 0, len;
			text[k][0] = '\0';
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			len = 1 + (seed >> 33) % 14;
			for (size_t w = 0; w < len; w++) {
				seed = seed * 6364136223846793005UL + 1442695040888963407UL;
				const char *word = words[(seed >> 33) % (sizeof(words) / sizeof(words[0]))];
				n += (size_t)snprintf(text[k] + n, sizeof(text[k]) - n, "%s%s",
				    w ? " " : "", word);
				if (n >= sizeof(text[k]))
					break;
			}
		}
		struct build_result c, e;
		if (builder_create(&arena, cat, text[0], &c) == BUILD_OK) {
			built++;
			if (c.docs != NULL) {
				/* An app: each of its documents valid; edits are of one. */
				for (size_t k = 0; k < json_object_array_length(c.docs); k++)
					if (!valid(json_object_array_get_idx(c.docs, k))) {
						printf("#   app: %s\n", text[0]);
						bad = 1;
					}
				build_result_clear(&c);
				arena_reset(&arena);
				continue;
			}
			if (!valid(c.doc)) {
				printf("#   create: %s\n", text[0]);
				bad = 1;
			}
			const char *before = arena_strdup(&arena, json_object_to_json_string(c.doc));
			enum build_status st = builder_edit(&arena, cat, c.doc, text[1], &e);
			if (st == BUILD_OK) {
				edited++;
				if (!valid(e.doc)) {
					printf("#   edit: %s / %s\n", text[0], text[1]);
					bad = 1;
				}
			} else if (e.doc != NULL || e.summary == NULL) {
				bad = 1;
			}
			if (strcmp(before, json_object_to_json_string(c.doc)) != 0) {
				printf("#   edit changed its input: %s / %s\n", text[0], text[1]);
				bad = 1;
			}
			build_result_clear(&e);
		} else if (c.doc != NULL || c.summary == NULL)
			bad = 1;
		build_result_clear(&c);
		arena_reset(&arena);
	}
	T_OK(!bad && built > 0 && edited > 0,
	    "word soup: 5000 creates (%d built), %d edits made, all valid or refused",
	    built, edited);
}

int
main(void)
{
	arena_init(&arena, 8192);
	cat = catalog_new();
	test_creates();
	test_edits();
	test_refusals();
	test_intents();
	test_explain();
	test_long_utf8_words();
	test_hostile_text();
	test_word_soup();
	catalog_free(cat);
	arena_free(&arena);
	return t_done();
}
