/*
 * send_email (SPEC §4): one text message over SMTP with libcurl.
 *
 * The server is the step's own (host, port, security, username and the
 * workflow secret passwordSecret) or, when the step names no host, the one
 * the configuration names (ORX_SMTP_HOST, _PORT, _SECURITY, _USER,
 * _PASSWORD) -- whose credentials therefore never go to a host a workflow
 * chose. Security is "starttls" (the default: TLS is required, a server
 * that does not offer it is refused), "tls" (smtps, TLS from the first
 * byte) or "none"; credentials are sent over TLS only. Certificates are
 * verified (against ORX_SMTP_CA_FILE when set). The server's address goes
 * through the same SSRF guard as http_request's targets: loopback and
 * private servers only when ORX_HTTP_ALLOW lists them.
 *
 * Addresses, subject and body come from templates, so they are checked
 * again here (lib/base/mailmsg.h): one mailbox per address, one line of
 * subject, nothing that could add a header or a recipient.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "curlio.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "mailmsg.h"
#include "tools.h"
#include "waiter.h"

enum security { SEC_STARTTLS, SEC_TLS, SEC_NONE, SEC__MAX };
static const char *const security_names[SEC__MAX] = { "starttls", "tls", "none" };
static const long default_ports[SEC__MAX] = { 587, 465, 25 };

/* The server of one message: from the step, or from the configuration. */
struct smtp_server {
	char		 host[260];     /* as written in the URL ("[::1]" for IPv6) */
	long		 port;
	enum security	 security;
	const char	*username;      /* NULL: no login */
	const char	*password;
};

/* The message being uploaded (CURLOPT_READFUNCTION). */
struct upload {
	const char	*data;
	size_t		 len, at;
};

static size_t
read_message(char *out, size_t size, size_t n, void *userp)
{
	struct upload *u = userp;
	size_t left = u->len - u->at, take = size * n < left ? size * n : left;

	memcpy(out, u->data + u->at, take);
	u->at += take;
	return take;
}

static int
security_of(const char *s)
{
	for (int i = 0; i < SEC__MAX; i++)
		if (s != NULL && strcmp(s, security_names[i]) == 0)
			return i;
	return -1;
}

/*
 * Save-time check beyond the schema: a password goes with a username, and
 * credentials are not configured for a connection without TLS.
 */
int
tool_send_email_compile(struct json_object *config, const char *path,
    struct json_object *errors, void **compiled)
{
	const char *sec = json_get_str(config, "security");
	int user = json_object_object_get_ex(config, "username", NULL);
	int pass = json_object_object_get_ex(config, "passwordSecret", NULL);
	int host = json_object_object_get_ex(config, "host", NULL);
	int rc = 0;

	*compiled = NULL;
	if (user != pass) {
		errs_add(errors, path, "username and passwordSecret go together");
		rc = -1;
	}
	if ((user || pass || json_object_object_get_ex(config, "port", NULL) || sec != NULL) &&
	    !host) {
		errs_add(errors, path, "port, security and credentials are the step's own "
		    "server's: name its host too (without one, ORX_SMTP_* apply)");
		rc = -1;
	}
	if (user && sec != NULL && strcmp(sec, "none") == 0) {
		errs_add(errors, path, "credentials are sent over TLS only: security "
		    "starttls or tls");
		rc = -1;
	}
	return rc;
}

/* A host name or IP literal as written in a URL; returns 0 or -1. */
static int
host_text(const char *in, char *out, size_t outsz)
{
	size_t n = strlen(in);
	int colon = strchr(in, ':') != NULL;

	if (n == 0 || n > 253)
		return -1;
	for (const char *p = in; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		    (colon && (*p == ':' || (*p >= 'a' && *p <= 'f')))))
			return -1;
	snprintf(out, outsz, colon ? "[%s]" : "%s", in);
	return 0;
}

/* The server of the step (config) or of the configuration; 0, or -1 with the step failed. */
static int
server_of(struct tool_ctx *ctx, struct smtp_server *s)
{
	const struct config *cfg = ctx->env->cfg;
	const char *host = json_get_str(ctx->config, "host"), *sec, *port;
	struct json_object *pv = json_get(ctx->config, "port", json_type_int);
	int own = host != NULL;

	memset(s, 0, sizeof(*s));
	if (!own)
		host = config_get(cfg, CFG_SMTP_HOST);
	if (host == NULL || *host == '\0')
		return tool_fail(ctx, 500, "smtp_not_configured",
		    "no SMTP server: give the step a host, or set ORX_SMTP_HOST");
	if (host_text(host, s->host, sizeof(s->host)) == -1)
		return tool_fail(ctx, 400, "bad_config", "host is not a host name or IP address");
	sec = own ? json_get_str(ctx->config, "security") : config_get(cfg, CFG_SMTP_SECURITY);
	if (sec == NULL || *sec == '\0')
		sec = "starttls";
	if (security_of(sec) < 0)
		return tool_fail(ctx, 500, "bad_config", "security is starttls, tls or none");
	s->security = (enum security)security_of(sec);
	s->port = default_ports[s->security];
	if (own && pv != NULL)
		s->port = json_object_get_int(pv);
	else if (!own && *(port = config_get(cfg, CFG_SMTP_PORT)) != '\0')
		s->port = strtol(port, NULL, 10);
	if (s->port < 1 || s->port > 65535)
		return tool_fail(ctx, 500, "bad_config", "port is 1 to 65535");
	if (own && json_get_str(ctx->config, "username") != NULL) {
		s->username = json_get_str(ctx->config, "username");
		if ((s->password = tool_secret(ctx,
		    json_get_str(ctx->config, "passwordSecret"))) == NULL)
			return -1;
	} else if (!own && *config_get(cfg, CFG_SMTP_USER) != '\0') {
		s->username = config_get(cfg, CFG_SMTP_USER);
		s->password = config_get(cfg, CFG_SMTP_PASSWORD);
	}
	if (s->username != NULL && s->security == SEC_NONE)
		return tool_fail(ctx, 500, "bad_config", "credentials are sent over TLS only");
	return 0;
}

/* Parses the mailbox text into m, failing the step with field's name. */
static int
mailbox_of(struct tool_ctx *ctx, struct json_object *v, const char *field,
    struct mailbox *m)
{
	const char *why;

	if (!json_object_is_type(v, json_type_string))
		return tool_fail(ctx, 400, "invalid_address", "%s must be an email address",
		    field);
	if ((why = mailbox_parse(json_object_get_string(v), m)) != NULL)
		return tool_fail(ctx, 400, "invalid_address", "%s: %s", field, why);
	return 0;
}

/* The message's parts, checked; 0, or -1 with the step failed. */
static int
message_of(struct tool_ctx *ctx, struct mail *m, struct mailbox *to,
    struct mailbox *reply_to)
{
	struct json_object *tov = json_object_object_get(ctx->config, "to"), *v;
	const char *from = json_get_str(ctx->config, "from"), *why;
	struct json_object *fromv;
	size_t n;
	int bad;

	memset(m, 0, sizeof(*m));
	if (json_object_is_type(tov, json_type_string)) {
		n = 1;
		if (mailbox_of(ctx, tov, "to", &to[0]) == -1)
			return -1;
	} else if (json_object_is_type(tov, json_type_array) &&
	    (n = json_object_array_length(tov)) >= 1 && n <= MAIL_RCPT_MAX) {
		for (size_t i = 0; i < n; i++)
			if (mailbox_of(ctx, json_object_array_get_idx(tov, i), "to", &to[i]) == -1)
				return -1;
	} else
		return tool_fail(ctx, 400, "invalid_address",
		    "to is an address or a list of 1 to %d", MAIL_RCPT_MAX);
	m->to = to;
	m->nto = n;
	if (from == NULL || *from == '\0')
		from = config_get(ctx->env->cfg, CFG_SMTP_FROM);
	if (*from == '\0')
		return tool_fail(ctx, 500, "bad_config",
		    "no sender: give the step a from, or set ORX_SMTP_FROM");
	fromv = json_object_new_string(from);
	bad = mailbox_of(ctx, fromv, "from", &m->from);
	json_object_put(fromv);
	if (bad)
		return -1;
	if ((v = json_object_object_get(ctx->config, "replyTo")) != NULL) {
		if (mailbox_of(ctx, v, "replyTo", reply_to) == -1)
			return -1;
		m->reply_to = reply_to;
	}
	m->subject = json_get_str(ctx->config, "subject");
	m->body = json_get_str(ctx->config, "body");
	if (m->subject == NULL || m->body == NULL)
		return tool_fail(ctx, 400, "bad_config", "subject and body must be text");
	if ((why = mail_text_check(m->subject, MAIL_SUBJECT_MAX, 1)) != NULL)
		return tool_fail(ctx, 400, "bad_config", "subject: %s", why);
	if ((why = mail_text_check(m->body, MAIL_BODY_MAX, 0)) != NULL)
		return tool_fail(ctx, 400, "bad_config", "body: %s", why);
	return 0;
}

/* Maps a failed transfer to the step's failure; libcurl's detail goes to the log. */
static int
smtp_fail(struct tool_ctx *ctx, CURL *h, const struct curl_guard *g, CURLcode rc,
    const char *errbuf, const char *host)
{
	long code = 0;

	if (g->refused != NULL)
		return tool_refused(ctx, g);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	log_warn("send_email: %s: %s (curl %d, SMTP %ld)", host,
	    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc), (int)rc, code);
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return tool_fail(ctx, 504, "smtp_timeout", "%s did not answer in time", host);
	case CURLE_COULDNT_RESOLVE_HOST:
		return tool_fail(ctx, 502, "smtp_unreachable", "cannot resolve %s", host);
	case CURLE_COULDNT_CONNECT:
		return tool_fail(ctx, 502, "smtp_unreachable", "cannot connect to %s", host);
	case CURLE_USE_SSL_FAILED:
		return tool_fail(ctx, 502, "smtp_tls", "%s does not offer STARTTLS", host);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return tool_fail(ctx, 502, "smtp_tls", "TLS with %s failed", host);
	case CURLE_LOGIN_DENIED:
		return tool_fail(ctx, 502, "smtp_auth", "%s refused the credentials", host);
	default:
		if (code >= 400)
			return tool_fail(ctx, 502, "smtp_refused",
			    "%s refused the message (SMTP %ld)", host, code);
		return tool_fail(ctx, 502, "smtp_error", "the SMTP exchange with %s failed",
		    host);
	}
}

int
tool_send_email_run(struct tool_ctx *ctx)
{
	const struct config *cfg = ctx->env->cfg;
	struct mailbox to[MAIL_RCPT_MAX], reply_to;
	struct smtp_server srv;
	struct curl_guard guard;
	struct curl_slist *rcpt = NULL;
	struct upload up;
	struct mail m;
	struct arena a;
	struct buf msg;
	struct json_object *tov, *tm = json_get(ctx->config, "timeoutMs", json_type_int);
	char url[300], from[MAIL_ADDR_MAX + 3], line[MAIL_ADDR_MAX + 3], errbuf[CURL_ERROR_SIZE];
	char rnd[33], *mid;
	const char *ca = config_get(cfg, CFG_SMTP_CA_FILE), *domain;
	long timeout = cfg->http_timeout_ms;
	CURL *h = NULL;
	CURLcode cc = CURLE_OK;
	int rc = -1;

	if (server_of(ctx, &srv) == -1 || message_of(ctx, &m, to, &reply_to) == -1)
		return -1;
	if (tm != NULL && json_object_get_int(tm) < timeout)
		timeout = json_object_get_int(tm);
	if (ctx->deadline_ms > 0) {
		long long left = ctx->deadline_ms - mono_ms();
		if (left <= 0)
			return tool_fail(ctx, 504, "smtp_timeout",
			    "no time was left for the message before the step deadline");
		if (left < timeout)
			timeout = (long)left;
	}
	if (crypto_random_id(rnd, sizeof(rnd), 16) < 0)
		return tool_fail(ctx, 500, "internal", "no randomness");
	arena_init(&a, 8192);
	domain = strchr(m.from.addr, '@') + 1;
	mid = arena_printf(&a, "<%s@%s>", rnd, domain);
	m.message_id = mid;
	m.date = wall_us() / 1000000;
	buf_init(&msg, &a, strlen(m.body) * 4 / 3 + 1024);
	mail_message(&msg, &m);
	up.data = msg.data;
	up.len = msg.len;
	up.at = 0;

	snprintf(url, sizeof(url), "%s://%s:%ld", srv.security == SEC_TLS ? "smtps" : "smtp",
	    srv.host, srv.port);
	snprintf(from, sizeof(from), "<%s>", m.from.addr);
	for (size_t i = 0; i < m.nto; i++) {
		snprintf(line, sizeof(line), "<%s>", m.to[i].addr);
		if (slist_add(&rcpt, line) == -1) {
			tool_fail(ctx, 500, "internal", "out of memory");
			goto out;
		}
	}
	memset(&guard, 0, sizeof(guard));
	guard.allow = config_get(cfg, CFG_HTTP_ALLOW);
	guard.host = srv.host;
	errbuf[0] = '\0';
	if ((h = curl_easy_init()) == NULL) {
		tool_fail(ctx, 500, "internal", "out of memory");
		goto out;
	}
#define SET(opt, val) do {						\
	if (cc == CURLE_OK)						\
		cc = curl_easy_setopt(h, opt, val);			\
} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USE_SSL, srv.security == SEC_NONE ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (*ca != '\0')
		SET(CURLOPT_CAINFO, ca);
	SET(CURLOPT_TIMEOUT_MS, timeout);
	SET(CURLOPT_CONNECTTIMEOUT_MS, timeout);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_MAIL_FROM, from);
	SET(CURLOPT_MAIL_RCPT, rcpt);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, read_message);
	SET(CURLOPT_READDATA, &up);
	SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
	if (srv.username != NULL) {
		SET(CURLOPT_USERNAME, srv.username);
		SET(CURLOPT_PASSWORD, srv.password);
	}
#undef SET
	if (cc == CURLE_OK)
		cc = curl_guard_install(h, &guard);
	if (cc != CURLE_OK) {
		log_error("send_email: libcurl refused an option: %s", curl_easy_strerror(cc));
		tool_fail(ctx, 500, "internal", "libcurl refused an option");
		goto out;
	}
	/* The worker's CPU gate place (its connection's) goes meanwhile. */
	if (ctx->env->db != NULL)
		waiter_notify(ctx->env->db->waiter);
	if ((cc = curl_easy_perform(h)) != CURLE_OK) {
		smtp_fail(ctx, h, &guard, cc, errbuf, srv.host);
		goto out;
	}
	ctx->output = json_object_new_object();
	json_add_new(ctx->output, "sent", json_object_new_boolean(1));
	tov = json_object_new_array();
	for (size_t i = 0; i < m.nto; i++)
		json_object_array_add(tov, json_object_new_string(m.to[i].addr));
	json_add_new(ctx->output, "to", tov);
	json_add_new(ctx->output, "messageId", json_object_new_string(mid));
	rc = 0;
out:
	curl_easy_cleanup(h);
	curl_slist_free_all(rcpt);
	arena_free(&a);
	return rc;
}
