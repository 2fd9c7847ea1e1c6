/*
 * Unit tests for lib/base/crypto.c: known-answer vectors (FIPS 180-2, RFC 4231,
 * RFC 4648, RFC 6070-style PBKDF2-SHA256, McGrew-Viega GCM) plus edge cases.
 * Expected values were computed independently (openssl CLI, Python
 * cryptography), not with this code.
 */
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "t.h"

/* Hex of n bytes into a static buffer, for comparing with T_STR. */
static const char *
hex(const void *p, size_t n)
{
	static char buf[1024];

	if (crypto_hex_encode(p, n, buf, sizeof(buf)) == -1)
		return "(hex failed)";
	return buf;
}

/* Printable form of a test string for TAP descriptions (one line). */
static const char *
vis(const char *s)
{
	static char buf[256];
	size_t o = 0;

	for (; *s != '\0' && o + 5 < sizeof(buf); s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "\\x%02x", c);
	}
	buf[o] = '\0';
	return buf;
}

static int
all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void
test_random(void)
{
	unsigned char a[32], b[32];
	char id[CRYPTO_ID_MAX_BYTES * 2 + 1], id2[33];
	size_t i;
	int ok, n;

	T_OK(crypto_random(a, sizeof(a)) == 0, "random: 32 bytes");
	T_OK(crypto_random(b, sizeof(b)) == 0, "random: 32 more bytes");
	T_OK(memcmp(a, b, sizeof(a)) != 0, "random: two draws differ");
	T_OK(crypto_random(a, 0) == 0, "random: zero bytes is fine");

	n = crypto_random_id(id, sizeof(id), 16);
	T_OK(n == 32 && strlen(id) == 32, "random_id: 16 bytes -> 32 chars");
	for (ok = 1, i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			ok = 0;
	T_OK(ok, "random_id: lowercase hex only");
	n = crypto_random_id(id2, sizeof(id2), 16);
	T_OK(n == 32 && strcmp(id, id2) != 0, "random_id: two ids differ");
	T_OK(crypto_random_id(id2, 32, 16) == -1 && id2[0] == '\0',
	    "random_id: buffer one short refused, left empty");
	T_OK(crypto_random_id(id, sizeof(id), 0) == -1,
	    "random_id: zero bytes refused");
	T_OK(crypto_random_id(id, sizeof(id), CRYPTO_ID_MAX_BYTES) ==
	    CRYPTO_ID_MAX_BYTES * 2, "random_id: maximum size");
	T_OK(crypto_random_id(id, sizeof(id), CRYPTO_ID_MAX_BYTES + 1) == -1,
	    "random_id: over maximum refused");
}

static void
test_hashes(void)
{
	unsigned char out[CRYPTO_SHA256_LEN], key[131];
	static const char tc6[] =
	    "Test Using Larger Than Block-Size Key - Hash Key First";

	T_OK(crypto_sha256("abc", 3, out) == 0, "sha256(abc) succeeds");
	T_STR(hex(out, sizeof(out)),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "sha256(abc) known answer");
	crypto_sha256(NULL, 0, out);
	T_STR(hex(out, sizeof(out)),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "sha256(empty) known answer");

	memset(key, 0x0b, 20);
	T_OK(crypto_hmac_sha256(key, 20, "Hi There", 8, out) == 0,
	    "hmac: RFC 4231 case 1 succeeds");
	T_STR(hex(out, sizeof(out)),
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	    "hmac: RFC 4231 case 1");
	crypto_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, out);
	T_STR(hex(out, sizeof(out)),
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "hmac: RFC 4231 case 2");
	memset(key, 0xaa, sizeof(key));
	crypto_hmac_sha256(key, sizeof(key), tc6, sizeof(tc6) - 1, out);
	T_STR(hex(out, sizeof(out)),
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    "hmac: RFC 4231 case 6 (key longer than a block)");
	T_OK(crypto_hmac_sha256(NULL, 0, NULL, 0, out) == 0,
	    "hmac: empty key and message accepted");

	T_OK(crypto_timingsafe_eq("abcd", "abcd", 4) == 1, "eq: equal");
	T_OK(crypto_timingsafe_eq("abcd", "abce", 4) == 0, "eq: last differs");
	T_OK(crypto_timingsafe_eq("xbcd", "abcd", 4) == 0, "eq: first differs");
	T_OK(crypto_timingsafe_eq("a", "b", 0) == 1, "eq: zero length");
}

static void
test_hex(void)
{
	static const unsigned char bin[] = { 0x00, 0xff, 0x10, 0xab, 0x9c };
	unsigned char out[8];
	char txt[16];

	T_OK(crypto_hex_encode(bin, sizeof(bin), txt, sizeof(txt)) == 10,
	    "hex encode length");
	T_STR(txt, "00ff10ab9c", "hex encode is lowercase");
	T_OK(crypto_hex_encode(bin, sizeof(bin), txt, 10) == -1 &&
	    txt[0] == '\0', "hex encode: no room for NUL refused");
	T_OK(crypto_hex_encode(bin, 0, txt, 1) == 0 && txt[0] == '\0',
	    "hex encode: empty");
	T_OK(crypto_hex_decode("00FF10aB9c", 10, out, sizeof(out)) == 5 &&
	    memcmp(out, bin, 5) == 0, "hex decode: mixed case");
	T_OK(crypto_hex_decode("00f", 3, out, sizeof(out)) == -1,
	    "hex decode: odd length refused");
	T_OK(crypto_hex_decode("0g", 2, out, sizeof(out)) == -1,
	    "hex decode: 'g' refused");
	T_OK(crypto_hex_decode("0/", 2, out, sizeof(out)) == -1 &&
	    crypto_hex_decode("0:", 2, out, sizeof(out)) == -1 &&
	    crypto_hex_decode("@0", 2, out, sizeof(out)) == -1 &&
	    crypto_hex_decode("`0", 2, out, sizeof(out)) == -1 &&
	    crypto_hex_decode("G0", 2, out, sizeof(out)) == -1 &&
	    crypto_hex_decode("\xe0" "0", 2, out, sizeof(out)) == -1,
	    "hex decode: neighbours of the ranges refused");
	T_OK(crypto_hex_decode("0 ", 2, out, sizeof(out)) == -1,
	    "hex decode: space refused");
	T_OK(crypto_hex_decode("00ff10ab9c", 10, out, 4) == -1,
	    "hex decode: small output refused");
	T_OK(crypto_hex_decode("", 0, out, 0) == 0, "hex decode: empty");
}

struct b64_vec {
	const char	*plain;
	const char	*url;
	const char	*std;
};

static void
test_b64(void)
{
	static const struct b64_vec v[] = {	/* RFC 4648 §10 */
		{ "", "", "" },
		{ "f", "Zg", "Zg==" },
		{ "fo", "Zm8", "Zm8=" },
		{ "foo", "Zm9v", "Zm9v" },
		{ "foob", "Zm9vYg", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
	};
	static const unsigned char hi[] = { 0xfb, 0xff, 0xbf };
	static const char *bad_url[] = {
		"Zg=", "Zg==", "Z", "Zm9vY", "Zh", "Zm9", "Zm 9v", "Zm9v\n",
		"+/8", "Zm9v/w", "Zm.v", "Zm9v=", "Z\xc3\xa9",
	};
	static const char *bad_std[] = {
		"Zg", "Zg=", "Zg===", "Z===", "Zh==", "Zm9=", "=Zm8", "Zm=8",
		"Zm8 ", "-_8=", "Zm9vYg=\n", "====", "Zm9v====",
	};
	unsigned char out[64], rnd[64], back[64];
	char txt[160];
	size_t i, n;
	int ok;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t pl = strlen(v[i].plain);

		T_OK(crypto_b64url_encode(v[i].plain, pl, txt, sizeof(txt)) ==
		    (int)strlen(v[i].url) && strcmp(txt, v[i].url) == 0,
		    "b64url encode \"%s\" -> \"%s\"", v[i].plain, v[i].url);
		T_OK((size_t)B64URL_ENCODED_LEN(pl) == strlen(v[i].url),
		    "B64URL_ENCODED_LEN(%zu)", pl);
		T_OK(crypto_b64url_decode(v[i].url, strlen(v[i].url), out,
		    B64URL_DECODED_MAX(strlen(v[i].url))) == (int)pl &&
		    memcmp(out, v[i].plain, pl) == 0,
		    "b64url decode \"%s\"", v[i].url);
		T_OK((size_t)B64URL_DECODED_MAX(strlen(v[i].url)) == pl,
		    "B64URL_DECODED_MAX is exact for \"%s\"", v[i].url);
		T_OK(crypto_b64_encode(v[i].plain, pl, txt, sizeof(txt)) ==
		    (int)strlen(v[i].std) && strcmp(txt, v[i].std) == 0,
		    "b64 encode \"%s\" -> \"%s\"", v[i].plain, v[i].std);
		T_OK((size_t)B64_ENCODED_LEN(pl) == strlen(v[i].std),
		    "B64_ENCODED_LEN(%zu)", pl);
		T_OK(crypto_b64_decode(v[i].std, strlen(v[i].std), out,
		    B64_DECODED_MAX(strlen(v[i].std))) == (int)pl &&
		    memcmp(out, v[i].plain, pl) == 0,
		    "b64 decode \"%s\"", v[i].std);
	}

	crypto_b64url_encode(hi, sizeof(hi), txt, sizeof(txt));
	T_STR(txt, "-_-_", "b64url uses - and _");
	crypto_b64_encode(hi, sizeof(hi), txt, sizeof(txt));
	T_STR(txt, "+/+/", "b64 uses + and /");
	T_OK(crypto_b64url_decode("-_-_", 4, out, sizeof(out)) == 3 &&
	    memcmp(out, hi, 3) == 0, "b64url decodes - and _");
	T_OK(crypto_b64_decode("+/+/", 4, out, sizeof(out)) == 3 &&
	    memcmp(out, hi, 3) == 0, "b64 decodes + and /");

	for (i = 0; i < sizeof(bad_url) / sizeof(bad_url[0]); i++)
		T_OK(crypto_b64url_decode(bad_url[i], strlen(bad_url[i]), out,
		    sizeof(out)) == -1, "b64url refuses \"%s\"", vis(bad_url[i]));
	T_OK(crypto_b64url_decode("Zm\0v", 4, out, sizeof(out)) == -1,
	    "b64url refuses an embedded NUL");
	for (i = 0; i < sizeof(bad_std) / sizeof(bad_std[0]); i++)
		T_OK(crypto_b64_decode(bad_std[i], strlen(bad_std[i]), out,
		    sizeof(out)) == -1, "b64 refuses \"%s\"", vis(bad_std[i]));

	T_OK(crypto_b64url_encode("foo", 3, txt, 4) == -1 && txt[0] == '\0',
	    "b64url encode: no room for NUL refused");
	T_OK(crypto_b64_encode("f", 1, txt, 4) == -1,
	    "b64 encode: no room for NUL refused");
	T_OK(crypto_b64url_decode("Zm9vYmFy", 8, out, 5) == -1,
	    "b64url decode: small output refused");

	/*
	 * Every byte value against a plain reference: the branch-free
	 * character classes must agree with strchr on the alphabets.
	 */
	ok = 1;
	for (i = 0; i < 256; i++) {
		static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_";
		static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/";
		static const char hx[] = "0123456789abcdefABCDEF";
		char q[4] = { 'A', 'A', 'A', (char)i }, h[2] = { '0', (char)i };
		const char *u = i ? memchr(url, (int)i, 64) : NULL;
		const char *s = i ? memchr(std, (int)i, 64) : NULL;
		const char *x = i ? memchr(hx, (int)i, 22) : NULL;
		int r;

		r = crypto_b64url_decode(q, 4, out, sizeof(out));
		if ((u == NULL) != (r == -1) ||
		    (u != NULL && out[2] != (unsigned char)(u - url)))
			ok = 0;
		r = crypto_b64_decode(q, 4, out, sizeof(out));
		if (i == '=') {
			/* "AAA=" is valid padding: two bytes. */
			if (r != 2)
				ok = 0;
		} else if ((s == NULL) != (r == -1) ||
		    (s != NULL && out[2] != (unsigned char)(s - std)))
			ok = 0;
		r = crypto_hex_decode(h, 2, out, sizeof(out));
		if ((x == NULL) != (r == -1) || (x != NULL && out[0] !=
		    (unsigned char)(x - hx < 16 ? x - hx : x - hx - 6)))
			ok = 0;
	}
	T_OK(ok, "all 256 byte values classified like the reference tables");

	/* Round trips over every tail length, both alphabets. */
	ok = 1;
	for (n = 0; n <= sizeof(rnd); n++) {
		crypto_random(rnd, sizeof(rnd));
		if (crypto_b64url_encode(rnd, n, txt, sizeof(txt)) !=
		    (int)B64URL_ENCODED_LEN(n) ||
		    crypto_b64url_decode(txt, strlen(txt), back,
		    sizeof(back)) != (int)n || memcmp(rnd, back, n) != 0)
			ok = 0;
		if (crypto_b64_encode(rnd, n, txt, sizeof(txt)) !=
		    (int)B64_ENCODED_LEN(n) ||
		    crypto_b64_decode(txt, strlen(txt), back,
		    sizeof(back)) != (int)n || memcmp(rnd, back, n) != 0)
			ok = 0;
		if (crypto_hex_encode(rnd, n, txt, sizeof(txt)) !=
		    (int)HEX_ENCODED_LEN(n) ||
		    crypto_hex_decode(txt, strlen(txt), back,
		    sizeof(back)) != (int)n || memcmp(rnd, back, n) != 0)
			ok = 0;
	}
	T_OK(ok, "random round trips, 0..64 bytes, hex/b64/b64url");
}

static void
test_pbkdf2(void)
{
	unsigned char dk[32];
	char enc[CRYPTO_PW_ENCODED_MAX], enc2[CRYPTO_PW_ENCODED_MAX];
	char bad[CRYPTO_PW_ENCODED_MAX];
	static const char *malformed[] = {
		"",
		"pbkdf2-sha256",
		"pbkdf2-sha1$1000$AAECAwQFBgcICQoLDA0ODw$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
		"pbkdf2-sha256$999$AAECAwQFBgcICQoLDA0ODw$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
		"pbkdf2-sha256$01000$AAECAwQFBgcICQoLDA0ODw$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
		"pbkdf2-sha256$+1000$AAECAwQFBgcICQoLDA0ODw$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
		"pbkdf2-sha256$10000001$AAECAwQFBgcICQoLDA0ODw$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
		"pbkdf2-sha256$4294968296$AAECAwQFBgcICQoLDA0ODw$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
		"pbkdf2-sha256$$AAECAwQFBgcICQoLDA0ODw$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
		"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0O$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
		"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
		"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODx$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
		"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumG",
		"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ$",
		"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ ",
		"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$"
		    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKum+Q",
		"pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw",
	};
	size_t i;
	int n;

	/* Widely published PBKDF2-HMAC-SHA256 vectors (RFC 6070 inputs). */
	T_OK(crypto_pbkdf2_sha256("password", 8, "salt", 4, 1, dk, 32) == 0,
	    "pbkdf2: c=1 succeeds");
	T_STR(hex(dk, 32),
	    "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b",
	    "pbkdf2: P=password S=salt c=1 dkLen=32");
	crypto_pbkdf2_sha256("password", 8, "salt", 4, 4096, dk, 32);
	T_STR(hex(dk, 32),
	    "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a",
	    "pbkdf2: P=password S=salt c=4096 dkLen=32");
	T_OK(crypto_pbkdf2_sha256("password", 8, "salt", 4, 0, dk, 32) == -1,
	    "pbkdf2: zero iterations refused");

	/* Made with `openssl kdf ... PBKDF2`, salt 00..0f, c=1000. */
	T_OK(crypto_password_verify("correct horse", 13,
	    "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$"
	    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ") == 1,
	    "password: independently computed hash verifies");
	T_OK(crypto_password_verify("correct horsf", 13,
	    "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$"
	    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ") == 0,
	    "password: wrong password against it is 0");
	T_OK(crypto_password_verify("correct horse", 12,
	    "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$"
	    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ") == 0,
	    "password: prefix of the password is 0");

	n = crypto_password_hash("hunter2", 7, 1000, enc, sizeof(enc));
	T_OK(n == (int)strlen(enc) && n == 85, "password: hash length %d", n);
	T_OK(strncmp(enc, "pbkdf2-sha256$1000$", 19) == 0,
	    "password: self-describing prefix");
	T_OK(crypto_password_verify("hunter2", 7, enc) == 1,
	    "password: round trip matches");
	T_OK(crypto_password_verify("hunter3", 7, enc) == 0,
	    "password: wrong password is 0");
	T_OK(crypto_password_verify("", 0, enc) == 0,
	    "password: empty password is 0");
	crypto_password_hash("hunter2", 7, 1000, enc2, sizeof(enc2));
	T_OK(strcmp(enc, enc2) != 0, "password: salts differ between hashes");
	T_OK(crypto_password_hash("a\0b", 3, 1000, enc2, sizeof(enc2)) > 0 &&
	    crypto_password_verify("a\0b", 3, enc2) == 1 &&
	    crypto_password_verify("a\0c", 3, enc2) == 0,
	    "password: embedded NUL is part of the password");
	T_OK(crypto_password_hash("", 0, 1000, enc2, sizeof(enc2)) > 0 &&
	    crypto_password_verify("", 0, enc2) == 1,
	    "password: empty password hashes and verifies");
	T_OK(crypto_password_hash("x", 1, 999, enc2, sizeof(enc2)) == -1,
	    "password: iterations below minimum refused");
	T_OK(crypto_password_hash("x", 1, CRYPTO_PW_ITER_MAX + 1, enc2,
	    sizeof(enc2)) == -1, "password: iterations above maximum refused");
	T_OK(crypto_password_hash("x", 1, 1000, enc2, 85) == -1 &&
	    enc2[0] == '\0', "password: too-small output refused, empty");

	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		T_OK(crypto_password_verify("correct horse", 13,
		    malformed[i]) == -1, "password: malformed #%zu is -1", i);
	T_OK(crypto_password_verify("x", 1, NULL) == -1,
	    "password: NULL encoding is -1");
	/* A flipped hash byte is a mismatch, not a malformation. */
	snprintf(bad, sizeof(bad), "%s", enc);
	bad[n - 2] = bad[n - 2] == 'A' ? 'B' : 'A';
	T_OK(crypto_password_verify("hunter2", 7, bad) == 0,
	    "password: altered hash is 0");
}

static void
test_aead(void)
{
	static const char msg[] = "orchestrix secret";
	static const char aad[] = "mcp_server:42";
	unsigned char key[CRYPTO_KEY_LEN], key2[CRYPTO_KEY_LEN];
	unsigned char sealed[64], sealed2[64], plain[64], tmp[64];
	size_t i, sn;
	int n, ok;

	T_OK(crypto_key_from_hex("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191A1B1C1D1E1F", key) == 0,
	    "key_from_hex: 64 digits");
	for (ok = 1, i = 0; i < sizeof(key); i++)
		if (key[i] != i)
			ok = 0;
	T_OK(ok, "key_from_hex: bytes");
	T_OK(crypto_key_from_hex("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1", key2) == -1 &&
	    all_zero(key2, sizeof(key2)), "key_from_hex: 63 digits refused");
	T_OK(crypto_key_from_hex("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f0", key2) == -1,
	    "key_from_hex: 65 digits refused");
	T_OK(crypto_key_from_hex("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1z", key2) == -1 &&
	    all_zero(key2, sizeof(key2)), "key_from_hex: bad digit refused");
	T_OK(crypto_key_from_hex(NULL, key2) == -1, "key_from_hex: NULL");

	/* McGrew-Viega GCM test cases 13 and 14 through crypto_open. */
	memset(key2, 0, sizeof(key2));
	n = crypto_hex_decode("000000000000000000000000"
	    "530f8afbc74536b9a963b4f1c4cb738b", 56, tmp, sizeof(tmp));
	T_OK(n == 28 && crypto_open(key2, tmp, 28, NULL, 0, NULL, 0) == 0,
	    "open: GCM test case 13 (empty plaintext)");
	n = crypto_hex_decode("000000000000000000000000"
	    "cea7403d4d606b6e074ec5d3baf39d18"
	    "d0d1c8a799996bf0265b98b5d48ab919", 88, tmp, sizeof(tmp));
	T_OK(n == 44 && crypto_open(key2, tmp, 44, NULL, 0, plain,
	    sizeof(plain)) == 16 && all_zero(plain, 16),
	    "open: GCM test case 14");
	/* Computed with Python cryptography's AESGCM: nonce 64..6f. */
	n = crypto_hex_decode("6465666768696a6b6c6d6e6f"
	    "2769bd0e1c9a22ec571a7f9bbf06189836c325c7ed589919fdbf60b62c13ffc275",
	    90, tmp, sizeof(tmp));
	T_OK(n == 45 && crypto_open(key, tmp, 45, aad, strlen(aad), plain,
	    sizeof(plain)) == 17 && memcmp(plain, msg, 17) == 0,
	    "open: known sealed value with aad");

	n = crypto_seal(key, msg, strlen(msg), aad, strlen(aad), sealed,
	    sizeof(sealed));
	T_OK(n == (int)strlen(msg) + CRYPTO_SEAL_OVERHEAD,
	    "seal: length is plaintext + %d", CRYPTO_SEAL_OVERHEAD);
	sn = (size_t)n;
	memset(plain, 0, sizeof(plain));
	T_OK(crypto_open(key, sealed, sn, aad, strlen(aad), plain,
	    sizeof(plain)) == (int)strlen(msg) &&
	    memcmp(plain, msg, strlen(msg)) == 0, "open: round trip");
	T_OK(crypto_open(key, sealed, sn, aad, strlen(aad), plain,
	    strlen(msg)) == (int)strlen(msg), "open: exact output size");
	T_OK(crypto_open(key, sealed, sn, aad, strlen(aad), plain,
	    strlen(msg) - 1) == -1, "open: small output refused");
	T_OK(crypto_seal(key, msg, strlen(msg), aad, strlen(aad), sealed2,
	    sizeof(sealed2)) == n && memcmp(sealed, sealed2, sn) != 0,
	    "seal: same input seals differently (random nonce)");
	T_OK(crypto_seal(key, msg, strlen(msg), NULL, 0, sealed2,
	    strlen(msg) + CRYPTO_SEAL_OVERHEAD - 1) == -1,
	    "seal: small output refused");

	/* Flip one bit anywhere in nonce | ciphertext | tag: open fails. */
	ok = 1;
	for (i = 0; i < sn * 8; i++) {
		memcpy(tmp, sealed, sn);
		tmp[i / 8] ^= (unsigned char)(1u << (i % 8));
		memset(plain, 0x55, sizeof(plain));
		if (crypto_open(key, tmp, sn, aad, strlen(aad), plain,
		    sizeof(plain)) != -1 || !all_zero(plain, strlen(msg)))
			ok = 0;
	}
	T_OK(ok, "open: every single-bit flip of the %zu bytes is refused, "
	    "output wiped", sn);
	memcpy(tmp, sealed, sn);
	tmp[0] ^= 1;
	T_OK(crypto_open(key, tmp, sn, aad, strlen(aad), plain,
	    sizeof(plain)) == -1, "open: tampered nonce refused");
	memcpy(tmp, sealed, sn);
	tmp[CRYPTO_NONCE_LEN] ^= 0x80;
	T_OK(crypto_open(key, tmp, sn, aad, strlen(aad), plain,
	    sizeof(plain)) == -1, "open: tampered ciphertext refused");
	memcpy(tmp, sealed, sn);
	tmp[sn - 1] ^= 0x01;
	T_OK(crypto_open(key, tmp, sn, aad, strlen(aad), plain,
	    sizeof(plain)) == -1, "open: tampered tag refused");
	T_OK(crypto_open(key, sealed, sn, "mcp_server:43", 13, plain,
	    sizeof(plain)) == -1, "open: different aad refused");
	T_OK(crypto_open(key, sealed, sn, NULL, 0, plain,
	    sizeof(plain)) == -1, "open: missing aad refused");
	memcpy(key2, key, sizeof(key));
	key2[31] ^= 1;
	T_OK(crypto_open(key2, sealed, sn, aad, strlen(aad), plain,
	    sizeof(plain)) == -1, "open: wrong key refused");
	T_OK(crypto_open(key, sealed, sn - 1, aad, strlen(aad), plain,
	    sizeof(plain)) == -1, "open: truncated input refused");
	T_OK(crypto_open(key, sealed, CRYPTO_SEAL_OVERHEAD - 1, NULL, 0,
	    plain, sizeof(plain)) == -1, "open: shorter than overhead refused");
	T_OK(crypto_open(key, sealed, 0, NULL, 0, plain, sizeof(plain)) == -1,
	    "open: empty input refused");

	n = crypto_seal(key, NULL, 0, NULL, 0, sealed, sizeof(sealed));
	T_OK(n == CRYPTO_SEAL_OVERHEAD && crypto_open(key, sealed, (size_t)n,
	    NULL, 0, plain, 0) == 0, "seal/open: empty plaintext, no aad");
	sealed[CRYPTO_NONCE_LEN] ^= 1;
	T_OK(crypto_open(key, sealed, (size_t)n, NULL, 0, plain, 0) == -1,
	    "open: empty plaintext, tampered tag refused");
}

int
main(void)
{
	test_random();
	test_hashes();
	test_hex();
	test_b64();
	test_pbkdf2();
	test_aead();
	return t_done();
}
