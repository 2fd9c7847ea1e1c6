/*
 * The builder's templates that email a link (issue 21, part 4): a
 * password reset (one workflow: the request emails a single-use link, the
 * link's token sets the new password) and a newsletter with double opt-in
 * (subscribe stores an unconfirmed subscriber and emails a link; confirm
 * takes the link's token). Links are signed random_tokens under the
 * secret linkKey, bound to a purpose and expiring; the mail goes through
 * the configured server (ORX_SMTP_*).
 */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "builder.h"
#include "builder_int.h"
#include "json.h"

#define LINK_SECRET	"linkKey"

static struct json_object *
token_issue(const char *purpose, const char *subject, long expires_in)
{
	struct json_object *c = bd_kv("secret", json_object_new_string(LINK_SECRET));

	json_object_object_add(c, "purpose", json_object_new_string(purpose));
	json_object_object_add(c, "subject", json_object_new_string(subject));
	json_object_object_add(c, "expiresIn", json_object_new_int64(expires_in));
	return c;
}

static struct json_object *
token_verify(const char *purpose, int single_use)
{
	struct json_object *c = bd_kv("mode", json_object_new_string("verify"));

	json_object_object_add(c, "secret", json_object_new_string(LINK_SECRET));
	json_object_object_add(c, "purpose", json_object_new_string(purpose));
	json_object_object_add(c, "token", json_object_new_string("{{input.token}}"));
	if (single_use)
		json_object_object_add(c, "singleUse", json_object_new_boolean(1));
	json_object_object_add(c, "onInvalid", bd_failure(400, "this link is not valid or has expired"));
	return c;
}

/*
 * A db_update config: set (taken) on the document of s's collection that
 * the checked link names (checkToken's subject); if_none (taken) when none.
 */
static struct json_object *
update_subject(const struct bspec *s, struct json_object *set, struct json_object *if_none)
{
	struct json_object *cfg = bd_kv("collection", json_object_new_string(s->collection));

	json_object_object_add(cfg, "id", json_object_new_string("{{steps.checkToken.subject}}"));
	json_object_object_add(cfg, "set", set);
	json_object_object_add(cfg, "ifNone", if_none);
	return cfg;
}

/* Rules of one field, required. */
static struct json_object *
rule_of(const struct bfield *f)
{
	struct bfield r = *f;

	r.required = 1;
	return bf_rules(&r);
}

/*
 * Password reset, one workflow of two branches. Without a token, the
 * request: the user of that email (if any) gets a link valid for an hour;
 * the answer is the same whether or not there is one, so nobody learns
 * who has an account. With a token: it is checked (signature, purpose,
 * expiry, unused), the password is hashed and stored in the user's
 * passwordHash, and the link is used up.
 */
struct json_object *
bt_reset(struct arena *a, struct bspec *s, struct json_object *changes)
{
	struct bfield *email = bd_field_of_kind(s, FK_EMAIL), *pw = bd_field_of_kind(s, FK_PASSWORD);
	struct json_object *schema, *props, *d, *cfg, *rules, *set;
	struct bfield tok;

	bf_init(&tok, "token", 0);
	tok.kind = FK_STRING;
	tok.max = 4096;
	schema = bd_jsonv("{\"type\":\"object\",\"additionalProperties\":false}");
	props = json_object_new_object();
	json_object_object_add(props, email->name, bf_schema(email));
	json_object_object_add(props, "token", bf_schema(&tok));
	json_object_object_add(props, pw->name, bf_schema(pw));
	json_object_object_add(schema, "properties", props);
	d = bd_skeleton(s->name, "Email a single-use reset link; with its token, set a new password",
	    schema);
	bd_add(d, "input", "Input", "input", NULL);
	bd_add(d, "hasToken", "Request or reset?", "condition", bd_jsonv(
	    "{\"left\":\"{{input.token}}\",\"op\":\"exists\","
	    "\"whenTrue\":[\"validateReset\",\"checkToken\",\"hashPassword\",\"setPassword\","
	    "\"respondReset\"],\"whenFalse\":[\"validateRequest\",\"findUser\",\"hasUser\","
	    "\"makeToken\",\"sendLink\",\"respondRequested\"]}"));
	/* The reset. */
	rules = bd_kv("token", bd_jsonv("[\"required\",{\"minLength\":1}]"));
	json_object_object_add(rules, pw->name, rule_of(pw));
	bd_add(d, "validateReset", "Validate the new password", "validate", bd_kv("rules", rules));
	bd_add(d, "checkToken", "Check the link", "random_token",
	    token_verify("password-reset", 1));
	bd_add(d, "hashPassword", "Hash the new password", "password_hash",
	    bd_kv("password", json_object_new_string(bd_ref(a, "input", pw->name, NULL))));
	set = bd_kv("passwordHash", json_object_new_string("{{steps.hashPassword.hash}}"));
	json_object_object_add(set, "passwordChangedAt", json_object_new_string("{{env.now}}"));
	bd_add(d, "setPassword", "Store the new password", "db_update", update_subject(s, set,
	    bd_failure(400, "this link is not valid or has expired")));
	bd_add(d, "respondReset", "Respond", "response", bd_response(200,
	    bd_jsonv("{\"success\":true,\"message\":\"The password was changed.\"}")));
	/* The request. */
	bd_add(d, "validateRequest", "Validate the email", "validate",
	    bd_kv("rules", bd_kv(email->name, rule_of(email))));
	cfg = bd_kv("collection", json_object_new_string(s->collection));
	json_object_object_add(cfg, "where",
	    bd_kv(email->name, json_object_new_string(bd_ref(a, "input", email->name, NULL))));
	json_object_object_add(cfg, "limit", json_object_new_int(1));
	bd_add(d, "findUser", "Find the user", "db_find", cfg);
	bd_add(d, "hasUser", "Is there such a user?", "condition", bd_jsonv(
	    "{\"left\":\"{{steps.findUser.count}}\",\"op\":\"gt\",\"right\":0,"
	    "\"whenTrue\":[\"makeToken\",\"sendLink\"],\"whenFalse\":[]}"));
	bd_add(d, "makeToken", "Make the link", "random_token",
	    token_issue("password-reset", "{{steps.findUser.first.id}}", 3600));
	bd_add(d, "sendLink", "Email the link", "send_email", bd_email_step(a,
	    bd_ref(a, "input", email->name, NULL), "Reset your password", arena_printf(a,
	    "Someone asked to reset the password of your account.\n\nTo choose a new "
	    "password, open this link within an hour:\n\n%s\n\nThe link works once. If you "
	    "did not ask for this, ignore this email.\n",
	    bd_link(a, s, "reset-password", "{{steps.makeToken.token}}", changes, "sendLink")),
	    NULL));
	bd_add(d, "respondRequested", "Respond", "response", bd_response(200, bd_jsonv(
	    "{\"success\":true,\"message\":\"If an account has this email, a reset link is on "
	    "its way.\"}")));
	bd_change(changes, "without a token it emails a reset link (the same answer whether "
	    "or not the account exists); with {token, %s} it sets the new password, once",
	    pw->name);
	bd_change(changes, "the links are signed with the secret " LINK_SECRET ", to be set "
	    "among the workflow's secrets; the mail goes through ORX_SMTP_*");
	return d;
}

/*
 * Newsletter subscribe: the subscriber is stored unconfirmed (its email
 * unique: subscribing twice is 409), and emailed a link valid for a week.
 */
struct json_object *
bt_subscribe(struct arena *a, struct bspec *s, struct json_object *changes)
{
	struct bfield *email = bd_field_of_kind(s, FK_EMAIL);
	struct json_object *d = bd_skeleton(s->name, "Store a subscriber and email the "
	    "confirmation link (double opt-in)", bd_input_schema(s, 1));
	struct json_object *doc = bd_fields_doc(a, s), *cfg;

	bd_add(d, "input", "Input", "input", NULL);
	bd_add(d, "validate", "Validate fields", "validate", bd_kv("rules", bd_rules(s)));
	json_object_object_add(doc, "confirmed", json_object_new_boolean(0));
	json_object_object_add(doc, "subscribedAt", json_object_new_string("{{env.now}}"));
	cfg = bd_kv("collection", json_object_new_string(s->collection));
	json_object_object_add(cfg, "unique", bd_jsonv("[]"));
	json_object_array_add(json_object_object_get(cfg, "unique"),
	    json_object_new_string(email->name));
	json_object_object_add(cfg, "document", doc);
	bd_add(d, "storeSubscriber", "Store the subscriber", "db_insert", cfg);
	bd_add(d, "makeToken", "Make the link", "random_token",
	    token_issue("newsletter-confirm", "{{steps.storeSubscriber.id}}", 7 * 24 * 3600));
	bd_add(d, "sendLink", "Email the link", "send_email", bd_email_step(a,
	    bd_ref(a, "input", email->name, NULL), "Please confirm your subscription",
	    arena_printf(a, "Thank you for subscribing.\n\nTo confirm, open this link "
	    "within a week:\n\n%s\n\nIf you did not subscribe, ignore this email: nothing "
	    "will be sent to you.\n", bd_link(a, s, "confirm", "{{steps.makeToken.token}}",
	    changes, "sendLink")), NULL));
	bd_add(d, "response", "Respond", "response", bd_response(201, bd_jsonv(
	    "{\"success\":true,\"message\":\"Check your inbox to confirm the subscription.\"}")));
	bd_change(changes, "the links are signed with the secret " LINK_SECRET ", to be set "
	    "among the workflow's secrets; the mail goes through ORX_SMTP_*");
	return d;
}

/* Newsletter confirm: the link's token marks its subscriber confirmed. */
struct json_object *
bt_confirm(struct arena *a, struct bspec *s)
{
	struct json_object *d = bd_skeleton(s->name, "Confirm a subscription with the "
	    "emailed link's token", bd_input_schema(s, 1));
	struct json_object *set, *body;

	bd_add(d, "input", "Input", "input", NULL);
	bd_add(d, "validate", "Validate fields", "validate", bd_kv("rules", bd_rules(s)));
	bd_add(d, "checkToken", "Check the link", "random_token",
	    token_verify("newsletter-confirm", 0));
	set = bd_kv("confirmed", json_object_new_boolean(1));
	json_object_object_add(set, "confirmedAt", json_object_new_string("{{env.now}}"));
	bd_add(d, "confirmSubscriber", "Confirm the subscriber", "db_update",
	    update_subject(s, set, bd_failure(404, "no such subscription")));
	body = bd_kv("success", json_object_new_boolean(1));
	json_object_object_add(body, "confirmed", json_object_new_boolean(1));
	json_object_object_add(body, s->id_field, json_object_new_string(arena_printf(a,
	    "{{steps.confirmSubscriber.document.%s}}", s->id_field)));
	bd_add(d, "response", "Respond", "response", bd_response(200, body));
	return d;
}
