/*
 * The Kubernetes REST client (lib/k8s/k8s.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "crypto.h"
#include "curlio.h"
#include "json.h"
#include "k8s.h"
#include "log.h"

#define TOKEN_MAX	16384
#define ANSWER_DEPTH	64

void
k8s_client_init(struct k8s_client *k, const struct k8s_conn *c, long timeout_ms)
{
	k->conn = c;
	k->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	k->curl = NULL;
}

void
k8s_client_fini(struct k8s_client *k)
{
	if (k->curl != NULL)
		curl_easy_cleanup(k->curl);
	k->curl = NULL;
}

void
k8s_res_free(struct k8s_res *r)
{
	json_object_put(r->body);
	memset(r, 0, sizeof(*r));
}

int
k8s_label_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* Copies s into out, printable ASCII only (it ends up in logs and JSON). */
static void
clean(char *out, size_t outsz, const char *s)
{
	size_t j = 0;

	for (size_t i = 0; s != NULL && s[i] != '\0' && j + 1 < outsz; i++)
		out[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : ' ';
	out[j] = '\0';
}

/*
 * The bearer token: inline, or read from its file now (a projected service
 * account token is replaced on disk before it expires). Returns a
 * malloc'd "Authorization: Bearer ..." line, "" when there is no token,
 * or NULL when the file cannot be read.
 */
static char *
auth_line(const struct k8s_conn *c)
{
	char *tok = NULL, *line;
	size_t n = 0;

	if (c->token != NULL)
		tok = strdup(c->token);
	else if (c->token_file != NULL) {
		FILE *f = fopen(c->token_file, "rb");

		if (f == NULL)
			return NULL;
		if ((tok = malloc(TOKEN_MAX + 1)) == NULL)
			abort();
		n = fread(tok, 1, TOKEN_MAX, f);
		fclose(f);
		tok[n] = '\0';
	} else
		return strdup("");
	if (tok == NULL)
		abort();
	n = strlen(tok);
	while (n > 0 && (tok[n - 1] == '\n' || tok[n - 1] == '\r' || tok[n - 1] == ' '))
		tok[--n] = '\0';
	/* Never sent if it would break the header. */
	for (size_t i = 0; i < n; i++)
		if (tok[i] < 0x21 || tok[i] > 0x7e) {
			crypto_wipe(tok, n);
			free(tok);
			return NULL;
		}
	if ((line = malloc(n + 32)) == NULL)
		abort();
	snprintf(line, n + 32, "Authorization: Bearer %s", tok);
	crypto_wipe(tok, n);
	free(tok);
	return line;
}

/* The connection's TLS settings on h. */
static CURLcode
set_tls(CURL *h, const struct k8s_conn *c)
{
	CURLcode cc = CURLE_OK;

#define SET(opt, val) do {						\
	if (cc == CURLE_OK)						\
		cc = curl_easy_setopt(h, opt, val);			\
} while (0)
	if (c->ca_pem != NULL) {
		struct curl_blob b = { c->ca_pem, c->ca_len, CURL_BLOB_COPY };
		SET(CURLOPT_CAINFO_BLOB, &b);
	} else if (c->ca_file != NULL)
		SET(CURLOPT_CAINFO, c->ca_file);
	if (c->cert_pem != NULL) {
		struct curl_blob b = { c->cert_pem, c->cert_len, CURL_BLOB_COPY };
		SET(CURLOPT_SSLCERT_BLOB, &b);
	} else if (c->cert_file != NULL)
		SET(CURLOPT_SSLCERT, c->cert_file);
	if (c->key_pem != NULL) {
		struct curl_blob b = { c->key_pem, c->key_len, CURL_BLOB_COPY };
		SET(CURLOPT_SSLKEY_BLOB, &b);
	} else if (c->key_file != NULL)
		SET(CURLOPT_SSLKEY, c->key_file);
	if (c->cert_pem != NULL || c->cert_file != NULL) {
		SET(CURLOPT_SSLCERTTYPE, "PEM");
		SET(CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (c->insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
#undef SET
	return cc;
}

/* Reads a Status answer's reason and message into r (or "HTTP n"). */
static void
read_status(struct k8s_res *r)
{
	const char *kind = json_get_str(r->body, "kind");

	if (kind != NULL && strcmp(kind, "Status") == 0) {
		clean(r->reason, sizeof(r->reason), json_get_str(r->body, "reason"));
		clean(r->message, sizeof(r->message), json_get_str(r->body, "message"));
	}
	if (r->message[0] == '\0' && (r->http < 200 || r->http > 299))
		snprintf(r->message, sizeof(r->message), "HTTP %d", r->http);
}

int
k8s_call(struct k8s_client *k, const char *method, const char *path,
    struct json_object *body, struct k8s_res *r)
{
	struct curl_body b = { .max = K8S_MAX_RESPONSE };
	struct curl_slist *hl = NULL;
	char errbuf[CURL_ERROR_SIZE], url[2048];
	char *auth = NULL;
	const char *text = NULL;
	CURLcode cc;
	long code = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	errbuf[0] = '\0';
	if (k->conn == NULL || k->conn->server == NULL ||
	    snprintf(url, sizeof(url), "%s%s", k->conn->server, path) >= (int)sizeof(url)) {
		snprintf(r->message, sizeof(r->message), "no API server, or the path is too long");
		return -1;
	}
	if ((auth = auth_line(k->conn)) == NULL) {
		snprintf(r->message, sizeof(r->message), "the bearer token cannot be read");
		return -1;
	}
	if (k->curl == NULL && (k->curl = curl_easy_init()) == NULL) {
		snprintf(r->message, sizeof(r->message), "libcurl could not start");
		goto out;
	}
	curl_easy_reset(k->curl);
	if ((auth[0] != '\0' && slist_add(&hl, auth) == -1) ||
	    slist_add(&hl, "Accept: application/json") == -1 ||
	    (body != NULL && slist_add(&hl, "Content-Type: application/json") == -1) ||
	    slist_add(&hl, "Expect:") == -1) {
		snprintf(r->message, sizeof(r->message), "out of memory");
		goto out;
	}
	cc = curl_defaults(k->curl, k->timeout_ms, "orchestrix-orchestrator", hl, errbuf, &b);
	if (cc == CURLE_OK)
		cc = set_tls(k->curl, k->conn);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(k->curl, CURLOPT_URL, url);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(k->curl, CURLOPT_CUSTOMREQUEST, method);
	if (cc == CURLE_OK && body != NULL) {
		text = json_plain(body);
		cc = curl_easy_setopt(k->curl, CURLOPT_POSTFIELDS, text);
		if (cc == CURLE_OK)
			cc = curl_easy_setopt(k->curl, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)strlen(text));
	}
	if (cc != CURLE_OK) {
		snprintf(r->message, sizeof(r->message), "libcurl refused an option: %s",
		    curl_easy_strerror(cc));
		goto out;
	}
	if ((cc = curl_easy_perform(k->curl)) != CURLE_OK) {
		char why[CURL_ERROR_SIZE];

		clean(why, sizeof(why), errbuf[0] ? errbuf : curl_easy_strerror(cc));
		snprintf(r->message, sizeof(r->message), "%s", why);
		log_warn("kubernetes: %s %s: %s", method, path, why);
		goto out;
	}
	curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &code);
	r->http = (int)code;
	if (b.len > 0 && (json_parse_strict(b.data, b.len, ANSWER_DEPTH, &r->body, NULL) != JP_OK ||
	    !json_object_is_type(r->body, json_type_object))) {
		json_object_put(r->body);
		r->body = NULL;
		if (r->http >= 200 && r->http <= 299) {
			snprintf(r->message, sizeof(r->message),
			    "the API server answered %d with something other than a JSON object", r->http);
			r->http = 0;
			goto out;
		}
	}
	read_status(r);
	rc = 0;
out:
	if (auth != NULL) {
		crypto_wipe(auth, strlen(auth));
		free(auth);
	}
	curl_slist_free_all(hl);
	free(b.data);
	return rc;
}
