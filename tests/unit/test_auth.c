/*
 * Unit tests for lib/http/auth.c: scope lists both ways, SHA-256 hex, the shape
 * of new ids, and the Bearer token taken from a fake FastCGI environment.
 */
#include <string.h>

#include "auth.h"
#include "http.h"
#include "t.h"

static void
test_scopes(void)
{
	char out[64];
	unsigned bits = 99;
	int ok = 1;

	T_OK(scopes_parse("read,write", &bits) == 0 && bits == (S_READ | S_WRITE),
	    "parse read,write");
	T_OK(scopes_parse("read,write,run,deploy,admin", &bits) == 0 &&
	    bits == S_ALL, "parse every scope");
	T_OK(scopes_parse("deploy", &bits) == 0 && bits == S_DEPLOY, "parse one");
	T_OK(scopes_parse("", &bits) == 0 && bits == 0, "parse empty -> no scopes");
	T_OK(scopes_parse("run,run", &bits) == 0 && bits == S_RUN, "parse repeated");
	T_OK(scopes_parse("read,bogus", &bits) == -1, "unknown scope refused");
	T_OK(scopes_parse("READ", &bits) == -1, "scopes are case-sensitive");
	T_OK(scopes_parse("read, write", &bits) == -1, "space refused");
	T_OK(scopes_parse("read,,write", &bits) == -1, "empty item refused");
	T_OK(scopes_parse("rea", &bits) == -1, "prefix of a scope refused");
	T_OK(scopes_parse("reader", &bits) == -1, "longer name refused");

	scopes_format(S_ALL, out, sizeof(out));
	T_STR(out, "read,write,run,deploy,admin", "format all");
	scopes_format(S_RUN | S_ADMIN, out, sizeof(out));
	T_STR(out, "run,admin", "format two, table order");
	scopes_format(0, out, sizeof(out));
	T_STR(out, "", "format none");
	scopes_format(S_READ | (1u << 20), out, sizeof(out));
	T_STR(out, "read", "format ignores unknown bits");

	for (unsigned b = 0; b <= S_ALL; b++) {
		unsigned back = 0;
		scopes_format(b, out, sizeof(out));
		if (scopes_parse(out, &back) != 0 || back != b)
			ok = 0;
	}
	T_OK(ok, "format then parse round-trips all 32 sets");

	char small[8];
	scopes_format(S_ALL, small, sizeof(small));
	T_OK(strlen(small) < sizeof(small), "format truncates inside the buffer");
}

static void
test_sha256(void)
{
	char hex[65];

	sha256_hex("abc", 3, hex);
	T_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "sha256_hex(abc)");
	sha256_hex("", 0, hex);
	T_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "sha256_hex(empty)");
}

/* 1 if s is prefix + n characters of [a-z2-7]. */
static int
id_shape(const char *s, const char *prefix, size_t n)
{
	size_t pl = strlen(prefix);

	if (strlen(s) != pl + n || strncmp(s, prefix, pl) != 0)
		return 0;
	for (size_t i = pl; i < pl + n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' && s[i] <= '7')))
			return 0;
	return 1;
}

static void
test_id_new(void)
{
	char a[64], b[64], exact[13];

	T_OK(id_new(a, sizeof(a), "orx_", 32) == 0, "id_new: orx_ + 32");
	T_OK(id_shape(a, "orx_", 32), "id shape: prefix + 32 of [a-z2-7] (%s)", a);
	T_OK(id_new(b, sizeof(b), "orx_", 32) == 0 && strcmp(a, b) != 0,
	    "two ids differ");
	T_OK(id_new(exact, sizeof(exact), "mcp_", 8) == 0 &&
	    id_shape(exact, "mcp_", 8), "buffer of exactly prefix + n + 1");
	T_OK(id_new(exact, sizeof(exact), "mcp_", 9) == -1,
	    "buffer one short refused");
	T_OK(id_new(a, sizeof(a), "", 0) == 0 && a[0] == '\0', "empty id");
	T_OK(id_new(a, sizeof(a), "x", 63) == -1, "no room for 63 after a prefix");
	char big[128];
	T_OK(id_new(big, sizeof(big), "", 64) == 0 && id_shape(big, "", 64),
	    "64 characters");
	T_OK(id_new(big, sizeof(big), "", 65) == -1, "more than 64 refused");

	/* Over many draws every character of the alphabet shows up. */
	int seen[256] = { 0 }, all = 1;
	for (int i = 0; i < 64; i++) {
		id_new(big, sizeof(big), "", 64);
		for (int j = 0; j < 64; j++)
			seen[(unsigned char)big[j]] = 1;
	}
	for (const char *c = "abcdefghijklmnopqrstuvwxyz234567"; *c; c++)
		if (!seen[(unsigned char)*c])
			all = 0;
	T_OK(all, "all 32 characters appear in 4096 draws");
}

/* bearer_token of a request whose only header is Authorization: h. */
static const char *
bearer(const char *h)
{
	static char line[700];
	static char *envp[3];
	static struct req r;

	if (h != NULL)
		snprintf(line, sizeof(line), "HTTP_AUTHORIZATION=%s", h);
	envp[0] = "CONTENT_TYPE=application/json";
	envp[1] = h != NULL ? line : NULL;
	envp[2] = NULL;
	memset(&r, 0, sizeof(r));
	r.envp = envp;
	return bearer_token(&r);
}

static void
test_bearer(void)
{
	char tok[600];

	T_STR(bearer("Bearer abc"), "abc", "Bearer abc");
	T_STR(bearer("bearer  abc"), "abc", "lowercase, two spaces");
	T_STR(bearer("BEARER orx_x"), "orx_x", "uppercase scheme");
	T_OK(bearer("Basic x") == NULL, "Basic -> NULL");
	T_OK(bearer("Bearer ") == NULL, "empty token -> NULL");
	T_OK(bearer("Bearer    ") == NULL, "blank token -> NULL");
	T_OK(bearer("Bearer") == NULL, "scheme alone -> NULL");
	T_OK(bearer("Bearerabc") == NULL, "no space -> NULL");
	T_OK(bearer(NULL) == NULL, "no header -> NULL");
	memcpy(tok, "Bearer ", 7);
	memset(tok + 7, 'a', 512);
	tok[519] = '\0';
	T_OK(bearer(tok) != NULL && strlen(bearer(tok)) == 512, "512-byte token ok");
	tok[519] = 'a';
	tok[520] = '\0';
	T_OK(bearer(tok) == NULL, "513-byte token -> NULL");
}

int
main(void)
{
	test_scopes();
	test_sha256();
	test_id_new();
	test_bearer();
	return t_done();
}
