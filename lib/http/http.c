#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "db.h"
#include "http.h"
#include "json.h"

const char *const http_method_names[HTTP_METHOD__MAX] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
};

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default:  return "Unknown";
	}
}

/* Looks a FastCGI parameter up in the request's environment. */
const char *
req_env(const struct req *r, const char *name)
{
	size_t n = strlen(name);

	if (r->envp == NULL)
		return NULL;
	for (char **e = r->envp; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* Looks up a request header by its HTTP name ("MCP-Session-Id"). */
const char *
req_header(const struct req *r, const char *name)
{
	char key[128];
	size_t i, n = strlen(name);

	if (n + 6 >= sizeof(key))
		return NULL;
	memcpy(key, "HTTP_", 5);
	for (i = 0; i < n; i++) {
		char c = name[i];
		key[5 + i] = c == '-' ? '_' :
		    (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
	}
	key[5 + n] = '\0';
	return req_env(r, key);
}

/*
 * The request as a workflow run sees it ({{request.*}}): a new object
 * {headers: {lower-case name: value}, body: the raw body as text}. The
 * headers are the HTTP_* parameters nginx passes (a header sent twice
 * arrives joined by nginx). A body that is not valid UTF-8 is "" (JSON
 * text cannot hold it; such a body was refused before any run anyway).
 */
struct json_object *
req_request_json(const struct req *r)
{
	struct json_object *o = json_object_new_object(), *h = json_object_new_object();
	char name[128];

	for (char **e = r->envp; e != NULL && *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		size_t n;

		if (strncmp(*e, "HTTP_", 5) != 0 || eq == NULL ||
		    (n = (size_t)(eq - *e) - 5) == 0 || n >= sizeof(name) ||
		    !utf8_valid(eq + 1, strlen(eq + 1)))
			continue;
		for (size_t i = 0; i < n; i++) {
			char c = (*e)[5 + i];
			name[i] = c == '_' ? '-' : (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
		name[n] = '\0';
		json_object_object_add(h, name, json_object_new_string(eq + 1));
	}
	json_object_object_add(o, "headers", h);
	json_object_object_add(o, "body", r->body != NULL && utf8_valid(r->body, r->body_len) ?
	    json_object_new_string_len(r->body, (int)r->body_len) : json_object_new_string(""));
	return o;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes s[0..n) into a new arena string; with form set, '+' is a
 * space (query strings), else a plus (path segments, RFC 3986).
 * Returns 0, or -1 for a bad escape, a NUL byte or invalid UTF-8.
 */
int
url_decode(struct arena *a, const char *s, size_t n, int form, char **out)
{
	char *d = arena_alloc(a, n + 1);
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;
			if (i + 2 >= n || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return -1;
			d[j++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (form && s[i] == '+')
			d[j++] = ' ';
		else
			d[j++] = s[i];
		if (d[j - 1] == '\0')
			return -1;
	}
	d[j] = '\0';
	if (!utf8_valid(d, j))
		return -1;
	*out = d;
	return 0;
}

/*
 * Splits the query string into its pairs once, decoding each name and value
 * (form encoding: '+' is a space). A pair that does not decode keeps a
 * NULL value (a NULL name when the name itself is bad); empty pieces
 * ("a=1&&b=2", a trailing '&') are skipped. Pairs beyond REQ_MAX_QUERY
 * are not kept (req_query_check refuses such a query).
 */
static void
query_split(struct req *r)
{
	const char *p = r->query;
	size_t n = 0;

	r->qsplit = p;
	r->nqpairs = 0;
	if (p == NULL || *p == '\0')
		return;
	for (const char *c = p; *c != '\0'; c++)
		n += *c == '&';
	n++;
	if (n > REQ_MAX_QUERY + 1)
		n = REQ_MAX_QUERY + 1;
	r->qpairs = arena_alloc(r->arena, n * sizeof(*r->qpairs));
	while (p != NULL && *p != '\0' && r->nqpairs < n) {
		const char *amp = strchr(p, '&'), *eq;
		size_t len = amp ? (size_t)(amp - p) : strlen(p), nl;
		struct query_pair *q = &r->qpairs[r->nqpairs];
		char *v;

		if (len > 0) {
			eq = memchr(p, '=', len);
			nl = eq ? (size_t)(eq - p) : len;
			q->name = nl > 0 && url_decode(r->arena, p, nl, 1, &v) == 0 ?
			    v : NULL;
			if (eq == NULL)
				q->value = "";
			else
				q->value = url_decode(r->arena, eq + 1, len - nl - 1, 1,
				    &v) == 0 ? v : NULL;
			r->nqpairs++;
		}
		p = amp ? amp + 1 : NULL;
	}
}

/*
 * Returns the decoded value of query parameter name ("" for "?name" or
 * "?name="), or NULL when it is absent or does not decode.
 */
const char *
req_query(struct req *r, const char *name)
{
	if (r->qsplit != r->query)
		query_split(r);
	for (size_t i = 0; i < r->nqpairs; i++)
		if (r->qpairs[i].name != NULL && strcmp(r->qpairs[i].name, name) == 0)
			return r->qpairs[i].value;
	return NULL;
}

/*
 * The dispatcher's check of the whole query string: every name and value
 * must percent-decode to UTF-8 without NUL, no name may come twice, and
 * there are at most REQ_MAX_QUERY parameters. Returns 0, or 400 with the
 * envelope written.
 */
int
req_query_check(struct req *r, struct resp *w)
{
	if (r->qsplit != r->query)
		query_split(r);
	if (r->nqpairs > REQ_MAX_QUERY)
		return resp_error(w, HTTP_BAD_REQUEST, "invalid_query",
		    "a request takes at most %d query parameters", REQ_MAX_QUERY);
	for (size_t i = 0; i < r->nqpairs; i++) {
		const struct query_pair *q = &r->qpairs[i];

		if (q->name == NULL)
			return resp_error(w, HTTP_BAD_REQUEST, "invalid_query",
			    "query parameter %zu has no name, or one that is not "
			    "percent-encoded UTF-8", i + 1);
		if (q->value == NULL)
			return resp_error(w, HTTP_BAD_REQUEST, "invalid_query",
			    "the value of query parameter %.64s is not percent-encoded "
			    "UTF-8 (or holds %%00)", q->name);
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->qpairs[j].name, q->name) == 0)
				return resp_error(w, HTTP_BAD_REQUEST, "invalid_query",
				    "query parameter %.64s is given more than once",
				    q->name);
	}
	return 0;
}

void
resp_init(struct resp *w, struct arena *a)
{
	w->status = HTTP_OK;
	w->content_type = "application/json";
	w->nheaders = 0;
	w->sio = NULL;
	w->sio_ctx = NULL;
	w->stream = STREAM_NONE;
	w->stream_failed = 0;
	buf_init(&w->body, a, 1024);
}

/*
 * Sends the status line and headers now; from here on the body is written
 * with resp_stream_write(). Returns 0, or -1 when the program has no
 * streaming glue or the response has already started.
 */
int
resp_stream_begin(struct resp *w, int status, const char *content_type)
{
	if (w->sio == NULL || w->stream != STREAM_NONE)
		return -1;
	w->status = status;
	w->content_type = content_type;
	buf_reset(&w->body);
	w->stream = STREAM_OPEN;
	if (w->sio->begin(w->sio_ctx, w) == -1) {
		w->stream_failed = 1;
		return -1;
	}
	return 0;
}

/* Sends and flushes n bytes. Returns 0, or -1 once the client is gone. */
int
resp_stream_write(struct resp *w, const char *s, size_t n)
{
	if (w->stream != STREAM_OPEN || w->stream_failed)
		return -1;
	if (w->sio->write(w->sio_ctx, s, n) == -1) {
		w->stream_failed = 1;
		return -1;
	}
	return 0;
}

/* Finishes the HTTP response now; later writes fail quietly. */
void
resp_stream_end(struct resp *w)
{
	if (w->stream != STREAM_OPEN)
		return;
	w->sio->end(w->sio_ctx);
	w->stream = STREAM_ENDED;
}

/*
 * The descriptor of the connection to the web server while a stream is
 * open (poll it: readable or hung up means the client went away), or -1.
 */
int
resp_stream_fd(const struct resp *w)
{
	if (w->stream != STREAM_OPEN || w->stream_failed)
		return -1;
	return w->sio->fd(w->sio_ctx);
}

/* Adds a header; name and value must live as long as the request. */
void
resp_header(struct resp *w, const char *name, const char *value)
{
	if (w->nheaders < RESP_MAX_HEADERS) {
		w->headers[w->nheaders].name = name;
		w->headers[w->nheaders].value = value;
		w->nheaders++;
	}
}

/* Sets a JSON body from text. Returns status, for `return resp_...`. */
int
resp_raw_json(struct resp *w, int status, const char *s, size_t n)
{
	w->status = status;
	w->content_type = "application/json";
	buf_reset(&w->body);
	buf_put(&w->body, s, n);
	return status;
}

/* Serialises v as the body and puts v (the reference is taken). */
int
resp_json(struct resp *w, int status, struct json_object *v)
{
	const char *s = json_plain(v);

	resp_raw_json(w, status, s, strlen(s));
	json_object_put(v);
	return status;
}

/*
 * The error envelope. details (taken, may be NULL) is a JSON array of
 * {path, message} for validation errors.
 */
int
resp_error_details(struct resp *w, int status, const char *code,
    const char *message, struct json_object *details)
{
	buf_reset(&w->body);
	w->status = status;
	w->content_type = "application/json";
	json_error_envelope(&w->body, code, message, details);
	json_object_put(details);
	return status;
}

int
resp_error(struct resp *w, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return resp_error_details(w, status, code, msg, NULL);
}

/* 503 while the database is away: the client may retry in a second. */
int
resp_unavailable(struct resp *w)
{
	resp_header(w, "Retry-After", "1");
	return resp_error(w, HTTP_SERVICE_UNAVAILABLE, "unavailable", "%s",
	    DB_UNAVAILABLE_MESSAGE);
}

/*
 * A decimal query parameter in [lo, hi]: fallback when absent or empty,
 * -1 when it is anything but digits in range.
 */
long long
req_query_number(struct req *r, const char *name, long long lo, long long hi,
    long long fallback)
{
	const char *s = req_query(r, name);
	long long v;

	if (s == NULL || *s == '\0')
		return fallback;
	if (strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
		return -1;
	v = strtoll(s, NULL, 10);
	return v < lo || v > hi ? -1 : v;
}
