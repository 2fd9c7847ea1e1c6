/*
 * The http_request tool (SPEC §4): one outbound HTTP call with libcurl.
 *
 * The rendered config is checked again here (it was at save time, but
 * templates may have filled it with anything). Every connection libcurl
 * opens goes through the SSRF guard (lib/base/curlio.h), which refuses
 * loopback, private and other special addresses (lib/base/ssrf.c) unless
 * ORX_HTTP_ALLOW lists the host as written in the URL: the check is on the
 * address actually connected to, so DNS rebinding gains nothing. Redirects
 * are not followed; proxies from the environment are not used; the
 * response is capped at maxBytes. "query" members are appended to the
 * URL's query, each name and value percent-encoded (a template's value
 * cannot add parameters of its own).
 *
 * Header values are never logged or put into messages: they may carry tokens.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>

#include "config.h"
#include "crypto.h"
#include "curlio.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "mask.h"
#include "ssrf.h"
#include "tools.h"
#include "waiter.h"

#define HR_TIMEOUT_MAX		60000L
#define HR_MAX_BYTES_DEFAULT	1048576L
#define HR_MAX_BYTES_MAX	10485760L
#define HR_BODY_MAX		10485760L   /* request body */
#define HR_URL_MAX		8192
#define HR_REQ_HEADERS_MAX	64
#define HR_HEADER_NAME_MAX	256
#define HR_HEADER_VALUE_MAX	8192
#define HR_RESP_HEADERS_MAX	50
#define HR_EXPECT_MAX		32
#define HR_QUERY_MAX		50

enum hr_method { HR_GET, HR_POST, HR_PUT, HR_PATCH, HR_DELETE, HR_HEAD, HR__MAX };
static const char *const hr_method_names[HR__MAX] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD",
};

/* The config, checked; pointers are borrowed from ctx->config. */
struct hr_req {
	enum hr_method		 method;
	const char		*url;
	struct json_object	*headers;   /* object or NULL */
	struct json_object	*query;     /* object or NULL */
	struct json_object	*body;      /* NULL: no body */
	long			 timeout_ms;/* 0: not given */
	long			 max_bytes;
	struct json_object	*expect;    /* array or NULL */
};

/* What libcurl's callbacks share with the caller during one call. */
struct hr_call {
	struct curl_guard	 guard;     /* the SSRF checks of its connections */
	struct curl_body	 body;      /* the response body, capped at maxBytes */
	int			 oom;       /* the header callback ran out */
	struct json_object	*headers;   /* lower-case name -> last value */
};

static const char *const hr_keys[] = {
	"method", "url", "query", "headers", "body", "timeoutMs", "maxBytes",
	"expectStatus", NULL,
};

/* 1 if c may appear in an HTTP token (RFC 9110 tchar). */
static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
is_token(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * Reads an integer in [lo, hi] from v: a JSON integer, or a string of
 * digits (what a template may have rendered). Returns 0, or -1.
 */
static int
hr_int(struct json_object *v, long lo, long hi, long *out)
{
	long long x;

	if (json_object_is_type(v, json_type_int)) {
		x = (long long)json_object_get_int64(v);
	} else if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		char *end;

		if (*s < '0' || *s > '9' || strlen(s) > 18)
			return -1;
		x = strtoll(s, &end, 10);
		if (*end != '\0')
			return -1;
	} else
		return -1;
	if (x < lo || x > hi)
		return -1;
	*out = (long)x;
	return 0;
}

/* The value at key, or NULL when it is absent or JSON null. */
static struct json_object *
hr_get(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(obj, key, &v);
	return v;
}

/* Text of a header value from config (string, number or boolean), or NULL. */
static const char *
hr_header_text(struct json_object *v, size_t *len)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		*len = (size_t)json_object_get_string_len(v);
		return json_object_get_string(v);
	case json_type_int:
	case json_type_double:
	case json_type_boolean: {
		const char *s = json_object_get_string(v);
		*len = strlen(s);
		return s;
	}
	default:
		return NULL;
	}
}

/*
 * Checks the request headers of the config: token names, values without
 * CR, LF or NUL, none of the framing headers libcurl must set itself.
 * Messages name a header only when its name is a valid token, never a value.
 */
static int
hr_check_headers(struct tool_ctx *ctx, struct json_object *h)
{
	if (!json_object_is_type(h, json_type_object))
		return tool_fail(ctx, 400, "bad_config",
		    "headers must be an object of strings");
	if (json_object_object_length(h) > HR_REQ_HEADERS_MAX)
		return tool_fail(ctx, 400, "bad_config",
		    "at most %d headers", HR_REQ_HEADERS_MAX);
	json_object_object_foreach(h, name, v) {
		size_t nlen = strlen(name), vlen;
		const char *val;

		if (nlen > HR_HEADER_NAME_MAX || !is_token(name, nlen))
			return tool_fail(ctx, 400, "bad_config",
			    "a header name is not a valid HTTP token");
		if ((val = hr_header_text(v, &vlen)) == NULL)
			return tool_fail(ctx, 400, "bad_config",
			    "header %s must be a string", name);
		if (vlen > HR_HEADER_VALUE_MAX)
			return tool_fail(ctx, 400, "bad_config",
			    "header %s is longer than %d bytes", name,
			    HR_HEADER_VALUE_MAX);
		for (size_t i = 0; i < vlen; i++) {
			unsigned char c = (unsigned char)val[i];
			if (c == '\r' || c == '\n' || c == '\0' || c == 0x7f ||
			    (c < 0x20 && c != '\t'))
				return tool_fail(ctx, 400, "bad_config",
				    "header %s holds a control character "
				    "(CR, LF, NUL...)", name);
		}
		if (strcasecmp(name, "Content-Length") == 0 ||
		    strcasecmp(name, "Transfer-Encoding") == 0)
			return tool_fail(ctx, 400, "bad_config",
			    "header %s is set by the tool", name);
	}
	return 0;
}

/* Checks ctx->config into *rq. Returns 0, or -1 with a 400 bad_config. */
static int
hr_parse(struct tool_ctx *ctx, struct hr_req *rq)
{
	struct json_object *c = ctx->config, *v;

	memset(rq, 0, sizeof(*rq));
	rq->max_bytes = HR_MAX_BYTES_DEFAULT;
	if (!json_object_is_type(c, json_type_object))
		return tool_fail(ctx, 400, "bad_config", "config must be an object");
	json_object_object_foreach(c, key, val) {
		(void)val;
		if (!key_in_list(hr_keys, key))
			return tool_fail(ctx, 400, "bad_config",
			    "unknown config field (known: method, url, query, headers, "
			    "body, timeoutMs, maxBytes, expectStatus)");
	}

	if ((v = hr_get(c, "method")) != NULL) {
		int m;

		if (!json_object_is_type(v, json_type_string))
			return tool_fail(ctx, 400, "bad_config", "method must be a string");
		for (m = 0; m < HR__MAX; m++)
			if (strcmp(json_object_get_string(v), hr_method_names[m]) == 0)
				break;
		if (m == HR__MAX)
			return tool_fail(ctx, 400, "bad_config",
			    "method must be GET, POST, PUT, PATCH, DELETE or HEAD");
		rq->method = (enum hr_method)m;
	}

	if ((v = hr_get(c, "url")) == NULL)
		return tool_fail(ctx, 400, "bad_config", "url is required");
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0)
		return tool_fail(ctx, 400, "bad_config", "url must be a non-empty string");
	if (json_object_get_string_len(v) > HR_URL_MAX ||
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return tool_fail(ctx, 400, "bad_config",
		    "url must be at most %d bytes, without NUL", HR_URL_MAX);
	rq->url = json_object_get_string(v);

	if ((v = hr_get(c, "query")) != NULL) {
		if (!json_object_is_type(v, json_type_object) ||
		    json_object_object_length(v) > HR_QUERY_MAX)
			return tool_fail(ctx, 400, "bad_config",
			    "query must be an object of at most %d values", HR_QUERY_MAX);
		json_object_object_foreach(v, name, qv) {
			(void)name;
			if (qv != NULL && !json_object_is_type(qv, json_type_string) &&
			    !json_object_is_type(qv, json_type_int) &&
			    !json_object_is_type(qv, json_type_double) &&
			    !json_object_is_type(qv, json_type_boolean))
				return tool_fail(ctx, 400, "bad_config",
				    "query values are strings, numbers or booleans");
		}
		rq->query = v;
	}

	if ((v = hr_get(c, "headers")) != NULL) {
		if (hr_check_headers(ctx, v) == -1)
			return -1;
		rq->headers = v;
	}

	if ((v = hr_get(c, "body")) != NULL) {
		if (rq->method == HR_HEAD)
			return tool_fail(ctx, 400, "bad_config",
			    "a HEAD request has no body");
		rq->body = v;
	}

	if ((v = hr_get(c, "timeoutMs")) != NULL &&
	    hr_int(v, 1, HR_TIMEOUT_MAX, &rq->timeout_ms) == -1)
		return tool_fail(ctx, 400, "bad_config",
		    "timeoutMs must be an integer from 1 to %ld", HR_TIMEOUT_MAX);

	if ((v = hr_get(c, "maxBytes")) != NULL &&
	    hr_int(v, 1, HR_MAX_BYTES_MAX, &rq->max_bytes) == -1)
		return tool_fail(ctx, 400, "bad_config",
		    "maxBytes must be an integer from 1 to %ld", HR_MAX_BYTES_MAX);

	if ((v = hr_get(c, "expectStatus")) != NULL) {
		size_t n;

		if (!json_object_is_type(v, json_type_array) ||
		    (n = json_object_array_length(v)) == 0 || n > HR_EXPECT_MAX)
			return tool_fail(ctx, 400, "bad_config",
			    "expectStatus must be an array of 1 to %d statuses",
			    HR_EXPECT_MAX);
		for (size_t i = 0; i < n; i++) {
			long s;

			if (hr_int(json_object_array_get_idx(v, i), 100, 599, &s) == -1)
				return tool_fail(ctx, 400, "bad_config",
				    "expectStatus[%zu] must be an HTTP status (100-599)", i);
		}
		rq->expect = v;
	}
	return 0;
}

/*
 * CURLOPT_HEADERFUNCTION: collects "name: value" lines into c->headers with
 * lower-case names, the last value of a name winning, at most
 * HR_RESP_HEADERS_MAX names. A status line starts afresh (a 100 Continue
 * precedes the real answer). Lines that are not valid UTF-8 text are dropped.
 */
static size_t
hr_header(char *p, size_t size, size_t n, void *clientp)
{
	struct hr_call *c = clientp;
	size_t len = size * n, nlen, i;
	char name[HR_HEADER_NAME_MAX + 1];
	const char *colon, *val, *end;
	struct json_object *s;

	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		json_object_put(c->headers);
		if ((c->headers = json_object_new_object()) == NULL)
			c->oom = 1;
		return c->oom ? 0 : len;
	}
	if (c->headers == NULL || len == 0 || p[0] == ' ' || p[0] == '\t')
		return len;     /* before any status line, or obsolete line folding */
	if ((colon = memchr(p, ':', len)) == NULL)
		return len;
	nlen = (size_t)(colon - p);
	if (nlen > HR_HEADER_NAME_MAX || !is_token(p, nlen))
		return len;
	for (i = 0; i < nlen; i++)
		name[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]);
	name[nlen] = '\0';
	val = colon + 1;
	end = p + len;
	while (end > val && (end[-1] == '\r' || end[-1] == '\n' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		end--;
	while (val < end && (*val == ' ' || *val == '\t'))
		val++;
	for (const char *q = val; q < end; q++)
		if (((unsigned char)*q < 0x20 && *q != '\t') || *q == 0x7f)
			return len;
	if (!utf8_valid(val, (size_t)(end - val)))
		return len;
	if (!json_object_object_get_ex(c->headers, name, NULL) &&
	    json_object_object_length(c->headers) >= HR_RESP_HEADERS_MAX)
		return len;
	if ((s = json_object_new_string_len(val, (int)(end - val))) == NULL ||
	    json_object_object_add(c->headers, name, s) != 0) {
		json_object_put(s);
		c->oom = 1;
		return 0;
	}
	return len;
}

/*
 * Appends each member of query (checked by hr_parse) to u's query as
 * name=value, both percent-encoded by libcurl; null members are left out.
 * Returns 0, or -1 when a pair is too long or libcurl refuses it.
 */
static int
hr_append_query(CURLU *u, struct json_object *query)
{
	char pair[HR_URL_MAX];

	json_object_object_foreach(query, name, v) {
		const char *text;
		int n;

		if (v == NULL)
			continue;
		text = json_object_is_type(v, json_type_string) ? json_object_get_string(v) :
		    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		n = snprintf(pair, sizeof(pair), "%s=%s", name, text);
		if (n < 0 || (size_t)n >= sizeof(pair) ||
		    curl_url_set(u, CURLUPART_QUERY, pair,
		    CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK)
			return -1;
	}
	return 0;
}

/* 1 if the config's headers hold name (any case). */
static int
has_header(const struct hr_req *rq, const char *name)
{
	if (rq->headers == NULL)
		return 0;
	json_object_object_foreach(rq->headers, k, v) {
		(void)v;
		if (strcasecmp(k, name) == 0)
			return 1;
	}
	return 0;
}

/*
 * Builds the request header list: the config's headers (an empty or blank
 * value is sent as "Name;", libcurl's way to send it empty), then the
 * Content-Type of a JSON body, and an empty Expect so that libcurl does not
 * wait for a 100 Continue. Returns 0, or -1 out of memory (*out then still freed by
 * the caller).
 */
static int
hr_header_list(const struct hr_req *rq, int json_body, int has_fields,
    struct curl_slist **out)
{
	char line[HR_HEADER_NAME_MAX + HR_HEADER_VALUE_MAX + 4];

	if (rq->headers != NULL) {
		json_object_object_foreach(rq->headers, name, v) {
			size_t vlen;
			const char *val = hr_header_text(v, &vlen);

			/* libcurl reads "Name:" with nothing but blanks after it as
			 * "remove this header". */
			if (strspn(val, " \t") == vlen)
				snprintf(line, sizeof(line), "%s;", name);
			else
				snprintf(line, sizeof(line), "%s: %s", name, val);
			if (slist_add(out, line) == -1)
				return -1;
		}
	}
	if (!has_header(rq, "Content-Type")) {
		/* With POSTFIELDS libcurl would claim a form otherwise. */
		if (json_body && slist_add(out, "Content-Type: application/json") == -1)
			return -1;
		if (!json_body && has_fields && slist_add(out, "Content-Type:") == -1)
			return -1;
	}
	if (!has_header(rq, "Expect") && slist_add(out, "Expect:") == -1)
		return -1;
	return 0;
}

/* 1 if a Content-Type says JSON: application/json or any "+json" type. */
static int
is_json_type(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return 1;
	return n > 5 && memchr(ct, '/', n) != NULL &&
	    strncasecmp(ct + n - 5, "+json", 5) == 0;
}

/* The host for messages: as written if plain printable ASCII. */
static const char *
hr_host_text(const struct hr_call *c)
{
	const char *h = c->guard.host;

	if (h == NULL || *h == '\0' || strlen(h) > 255)
		return "the target";
	for (const char *q = h; *q != '\0'; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
			return "the target";
	return h;
}

/*
 * Maps a failed transfer to the tool's failure. The detail from libcurl
 * goes to the log (it names hosts and addresses, never header values).
 */
static int
hr_fail(struct tool_ctx *ctx, struct hr_call *c, CURLcode rc,
    const char *errbuf, long timeout_ms)
{
	const char *host = hr_host_text(c);

	if (c->guard.refused != NULL)
		return tool_refused(ctx, &c->guard);
	if (c->oom || c->body.oom || rc == CURLE_OUT_OF_MEMORY)
		return tool_fail(ctx, 500, "internal", "out of memory");
	if (c->body.too_large || rc == CURLE_FILESIZE_EXCEEDED)
		return tool_fail(ctx, 502, "upstream_too_large",
		    "the response of %s is larger than %zu bytes", host, c->body.max);
	{
		/* A templated URL may have put a secret in the host or in
		 * libcurl's message. */
		char line[CURL_ERROR_SIZE + 300];

		snprintf(line, sizeof(line), "http_request: %s: %s (curl %d)", host,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc), (int)rc);
		mask_text(line, ctx->env->secrets);
		log_warn("%s", line);
	}
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return tool_fail(ctx, 504, "upstream_timeout",
		    "%s did not answer within %ld ms", host, timeout_ms);
	case CURLE_COULDNT_RESOLVE_HOST:
		return tool_fail(ctx, 502, "upstream_unreachable",
		    "cannot resolve %s", host);
	case CURLE_COULDNT_CONNECT:
		return tool_fail(ctx, 502, "upstream_unreachable",
		    "cannot connect to %s", host);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_USE_SSL_FAILED:
		return tool_fail(ctx, 502, "upstream_unreachable",
		    "TLS with %s failed", host);
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return tool_fail(ctx, 502, "upstream_unreachable",
		    "the connection to %s broke before a complete answer", host);
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return tool_fail(ctx, 400, "bad_config", "url is not a valid http(s) URL");
	default:
		return tool_fail(ctx, 502, "upstream_error",
		    "%s did not answer with valid HTTP", host);
	}
}

/*
 * Builds the output {status, headers, body | body+bodyBase64, durationMs}
 * into *out (a new reference). Takes c->headers. Returns 0, or -1 out of
 * memory.
 */
static int
hr_output(struct tool_ctx *ctx, struct hr_call *c, long status,
    long long duration_ms, struct json_object **out)
{
	struct json_object *o, *body = NULL, *ct = NULL;
	char *b64 = NULL;
	const char *data = c->body.data != NULL ? c->body.data : "";
	int rc = -1;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	if (c->headers == NULL && (c->headers = json_object_new_object()) == NULL)
		goto out;
	json_object_object_get_ex(c->headers, "content-type", &ct);
	if (!is_json_type(ct != NULL ? json_object_get_string(ct) : NULL) ||
	    json_parse_strict(data, c->body.len, ctx->env->cfg->json_max_depth,
	    &body, NULL) != JP_OK) {
		body = NULL;
		if (utf8_valid(data, c->body.len) && memchr(data, '\0', c->body.len) == NULL) {
			if ((body = json_object_new_string_len(data, (int)c->body.len)) == NULL)
				goto out;
		} else {
			size_t n = B64_ENCODED_LEN(c->body.len) + 1;
			struct json_object *s;

			if ((b64 = malloc(n)) == NULL ||
			    crypto_b64_encode(data, c->body.len, b64, n) == -1)
				goto out;
			if ((s = json_object_new_string(b64)) == NULL)
				goto out;
			if (json_object_object_add(o, "bodyBase64", s) != 0) {
				json_object_put(s);
				goto out;
			}
		}
	}
	json_object_object_add(o, "status", json_object_new_int((int)status));
	json_object_object_add(o, "headers", c->headers);
	c->headers = NULL;
	json_object_object_add(o, "body", body);
	body = NULL;
	json_object_object_add(o, "durationMs", json_object_new_int64(duration_ms));
	*out = o;
	o = NULL;
	rc = 0;
out:
	free(b64);
	json_object_put(body);
	json_object_put(o);
	return rc;
}

/* 1 if status is listed in expect (an array checked by hr_parse). */
static int
hr_expected(struct json_object *expect, long status)
{
	size_t n = json_object_array_length(expect);

	for (size_t i = 0; i < n; i++) {
		long s;

		if (hr_int(json_object_array_get_idx(expect, i), 100, 599, &s) == 0 &&
		    s == status)
			return 1;
	}
	return 0;
}

/*
 * Runs the call. On success ctx->output is {status, headers, body,
 * durationMs}; failures are 400 bad_config, 403 target_refused, 502
 * upstream_unreachable / upstream_too_large / upstream_status /
 * upstream_error, 504 upstream_timeout, 500 internal.
 */
int
tool_http_request_run(struct tool_ctx *ctx)
{
	const struct config *cfg = ctx->env->cfg;
	struct hr_req rq;
	struct hr_call c;
	CURL *h = NULL;
	CURLU *u = NULL;
	struct curl_slist *hl = NULL;
	char *scheme = NULL, *host = NULL;
	char errbuf[CURL_ERROR_SIZE], norm[SSRF_HOST_MAX];
	const char *fields = NULL;
	size_t flen = 0;
	int json_body = 0, has_fields = 0, rc = -1;
	long timeout, status = 0;
	long long t0;
	CURLcode cc;

	memset(&c, 0, sizeof(c));
	errbuf[0] = '\0';
	if (hr_parse(ctx, &rq) == -1)
		return -1;

	/* One parse of the URL, by libcurl, used both here and for the call. */
	if ((u = curl_url()) == NULL) {
		tool_fail(ctx, 500, "internal", "out of memory");
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, rq.url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, CURLU_PUNYCODE) != CURLUE_OK ||
	    host[0] == '\0') {
		tool_fail(ctx, 400, "bad_config", "url is not a valid absolute URL");
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		tool_fail(ctx, 400, "bad_config", "url must start with http:// or https://");
		goto out;
	}
	/* The host, normalised before anything looks it up: what goes to the
	 * resolver is a plain host name or nothing ("LOCALHOST.", "127.0.0.1."
	 * and "127.0.0.1%09" never do). */
	switch (ssrf_host_normalise(host, norm, sizeof(norm))) {
	case SSRF_HOST_INVALID:
		tool_fail(ctx, 400, "bad_config", "the url's host is not a valid host name "
		    "or IP address");
		goto out;
	case SSRF_HOST_LOCAL:
		/* Loopback by definition (RFC 6761): refused unless listed, unasked. */
		if (!ssrf_listed(config_get(cfg, CFG_HTTP_ALLOW), norm)) {
			struct json_object *d = json_object_new_object();

			if (d != NULL) {
				json_object_object_add(d, "host", json_object_new_string(norm));
				json_object_object_add(d, "class", json_object_new_string("loopback"));
				ctx->err_details = d;
			}
			tool_fail(ctx, 403, "target_refused", "refused to connect to %s "
			    "(loopback address); ORX_HTTP_ALLOW can allow it", norm);
			goto out;
		}
		break;
	default:
		break;
	}
	if (strcmp(norm, host) != 0 &&
	    curl_url_set(u, CURLUPART_HOST, norm, 0) != CURLUE_OK) {
		tool_fail(ctx, 400, "bad_config", "url is not a valid absolute URL");
		goto out;
	}
	if (rq.query != NULL && hr_append_query(u, rq.query) == -1) {
		tool_fail(ctx, 400, "bad_config", "a query value does not fit in the URL");
		goto out;
	}

	if (rq.body != NULL) {
		if (json_object_is_type(rq.body, json_type_string) &&
		    has_header(&rq, "Content-Type")) {
			fields = json_object_get_string(rq.body);
			flen = (size_t)json_object_get_string_len(rq.body);
		} else {
			fields = json_object_to_json_string_ext(rq.body,
			    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
			if (fields == NULL) {
				tool_fail(ctx, 500, "internal", "out of memory");
				goto out;
			}
			flen = strlen(fields);
			json_body = 1;
		}
		if (flen > (size_t)HR_BODY_MAX) {
			tool_fail(ctx, 400, "bad_config",
			    "body is larger than %ld bytes", HR_BODY_MAX);
			goto out;
		}
		has_fields = 1;
	} else if (rq.method == HR_POST || rq.method == HR_PUT ||
	    rq.method == HR_PATCH) {
		fields = "";    /* so that "Content-Length: 0" goes out */
		has_fields = 1;
	}

	timeout = cfg->http_timeout_ms;
	if (rq.timeout_ms > 0 && rq.timeout_ms < timeout)
		timeout = rq.timeout_ms;
	if (ctx->deadline_ms > 0) {
		long long left = ctx->deadline_ms - mono_ms();

		if (left <= 0) {
			tool_fail(ctx, 504, "upstream_timeout",
			    "no time was left for the call before the step deadline");
			goto out;
		}
		if (left < timeout)
			timeout = (long)left;
	}

	c.guard.allow = config_get(cfg, CFG_HTTP_ALLOW);
	c.guard.host = norm;
	c.body.max = (size_t)rq.max_bytes;
	if (hr_header_list(&rq, json_body, has_fields, &hl) == -1 ||
	    (h = curl_easy_init()) == NULL) {
		tool_fail(ctx, 500, "internal", "out of memory");
		goto out;
	}

#define SET(opt, val) do {						\
	if ((cc = curl_easy_setopt(h, opt, val)) != CURLE_OK) {		\
		log_error("http_request: setting " #opt ": %s",		\
		    curl_easy_strerror(cc));				\
		tool_fail(ctx, 500, "internal", "libcurl refused an option"); \
		goto out;						\
	}								\
} while (0)
	if ((cc = curl_defaults(h, timeout, "Orchestrix-http_request/1", hl, errbuf,
	    &c.body)) != CURLE_OK) {
		log_error("http_request: libcurl refused an option: %s", curl_easy_strerror(cc));
		tool_fail(ctx, 500, "internal", "libcurl refused an option");
		goto out;
	}
	SET(CURLOPT_CURLU, u);
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* Refuses an announced Content-Length over the cap before reading any
	 * of it; a HEAD answer announces the size of a body it does not send. */
	if (rq.method != HR_HEAD)
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)rq.max_bytes);
	if ((cc = curl_guard_install(h, &c.guard)) != CURLE_OK) {
		log_error("http_request: the SSRF guard: %s", curl_easy_strerror(cc));
		tool_fail(ctx, 500, "internal", "libcurl refused an option");
		goto out;
	}
	SET(CURLOPT_HEADERFUNCTION, hr_header);
	SET(CURLOPT_HEADERDATA, &c);
	switch (rq.method) {
	case HR_GET:
		if (!has_fields)
			SET(CURLOPT_HTTPGET, 1L);
		break;
	case HR_HEAD:
		SET(CURLOPT_NOBODY, 1L);
		break;
	case HR_POST:
		break;
	default:
		SET(CURLOPT_CUSTOMREQUEST, hr_method_names[rq.method]);
		break;
	}
	if (has_fields) {
		/* No copy: the config outlives the call. */
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)flen);
		SET(CURLOPT_POSTFIELDS, fields);
		if (rq.method == HR_GET)
			SET(CURLOPT_CUSTOMREQUEST, "GET");
	}
#undef SET

	/* The worker's CPU gate place (its connection's) goes meanwhile. */
	if (ctx->env->db != NULL)
		waiter_notify(ctx->env->db->waiter);
	t0 = mono_ms();
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK || c.oom || c.body.oom) {
		hr_fail(ctx, &c, cc, errbuf, timeout);
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (hr_output(ctx, &c, status, mono_ms() - t0, &ctx->output) == -1) {
		tool_fail(ctx, 500, "internal", "out of memory");
		goto out;
	}
	if (rq.expect != NULL && !hr_expected(rq.expect, status)) {
		struct json_object *d = json_object_new_object();

		json_object_put(ctx->output);
		ctx->output = NULL;
		if (d != NULL) {
			json_object_object_add(d, "status", json_object_new_int((int)status));
			json_object_object_add(d, "expectStatus", json_object_get(rq.expect));
			ctx->err_details = d;
		}
		tool_fail(ctx, 502, "upstream_status",
		    "%s answered %ld, not one of the expected statuses",
		    hr_host_text(&c), status);
		goto out;
	}
	rc = 0;
out:
	curl_easy_cleanup(h);
	curl_slist_free_all(hl);
	curl_url_cleanup(u);
	curl_free(scheme);
	curl_free(host);
	free(c.body.data);
	json_object_put(c.headers);
	return rc;
}
