/*
 * Unit tests for lib/base/sealed.c: key files (formats, refusals, the
 * atomic write), fingerprints (known answers computed with Python's hmac,
 * not with this code), sealing under one key or two and opening with a
 * ring that holds either.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "arena.h"
#include "crypto.h"
#include "sealed.h"
#include "t.h"

#define K0_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define K0_ID  "4cbf43cd641bd6c385005f9ad1c51379caf22d54bc128567ff742d090c319741"
#define K1_HEX "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define K1_ID  "92f75fb722c0e5d58fbfdc955ce0ed3e9300dc7e7872743e3783c35c2417e7bb"

static char dir[] = "/tmp/orx-test-sealed-XXXXXX";

static const char *
file_with(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

static void
test_key_files(void)
{
	struct keyring r;
	char why[160];
	char path[256];

	T_OK(keyring_load(&r, file_with("one", K0_HEX "\n"), why, sizeof(why)) == KEY_FILE_OK &&
	    r.n == 1 && r.seal == 0 && r.also == -1, "a file of one key (as openssl rand -hex 32 writes)");
	T_STR(r.id[0], K0_ID, "its fingerprint is the HMAC-SHA256 of the label under the key");
	T_OK(keyring_load(&r, file_with("two", "# comment\n\n  " K1_HEX "  \r\n" K0_HEX "\n"),
	    why, sizeof(why)) == KEY_FILE_OK && r.n == 2, "comments, blanks, spaces, CRLF");
	T_STR(r.id[0], K1_ID, "the first key seals");
	T_OK(keyring_find(&r, K0_ID) == 1 && keyring_find(&r, "nope") == -1,
	    "keys are found by fingerprint");
	T_OK(keyring_load(&r, file_with("dup", K0_HEX "\n" K0_HEX "\n"), why, sizeof(why)) ==
	    KEY_FILE_OK && r.n == 1, "a key twice is held once");

	snprintf(path, sizeof(path), "%s/absent", dir);
	T_OK(keyring_load(&r, path, why, sizeof(why)) == KEY_FILE_MISSING && r.n == 0 &&
	    r.seal == -1, "a missing file");
	T_OK(keyring_load(&r, dir, why, sizeof(why)) == KEY_FILE_UNREADABLE &&
	    strstr(why, "directory") != NULL, "a folder in its place cannot be read (%s)", why);
	T_OK(keyring_load(&r, file_with("short", "abcd\n"), why, sizeof(why)) ==
	    KEY_FILE_MALFORMED && strstr(why, "line 1") != NULL, "a short key (%s)", why);
	T_OK(keyring_load(&r, file_with("bad", "# x\n" K0_HEX
	    "\nzz02030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"), why, sizeof(why)) ==
	    KEY_FILE_MALFORMED && strstr(why, "line 3") != NULL && r.n == 0,
	    "a bad line names its number and loads nothing (%s)", why);
	T_OK(keyring_load(&r, file_with("empty", "# nothing\n"), why, sizeof(why)) ==
	    KEY_FILE_MALFORMED, "a file of no key");
	T_OK(keyring_load(&r, file_with("five", K0_HEX "\n" K1_HEX "\n"
	    "0000000000000000000000000000000000000000000000000000000000000001\n"
	    "0000000000000000000000000000000000000000000000000000000000000002\n"
	    "0000000000000000000000000000000000000000000000000000000000000003\n"),
	    why, sizeof(why)) == KEY_FILE_MALFORMED, "more than KEYRING_MAX keys");
}

static void
test_write(void)
{
	struct keyring r, back;
	struct stat st;
	char why[160], path[256], part[300];

	keyring_load(&r, file_with("src", K1_HEX "\n" K0_HEX "\n"), why, sizeof(why));
	snprintf(path, sizeof(path), "%s/written", dir);
	snprintf(part, sizeof(part), "%s.new", path);
	file_with("written.new", "left by a write that was cut short");
	T_OK(keyring_write(path, &r, why, sizeof(why)) == 0, "a ring is written");
	T_OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
	T_OK(access(part, F_OK) == -1, "no .new file is left");
	T_OK(keyring_load(&back, path, why, sizeof(why)) == KEY_FILE_OK && keyring_same(&r, &back),
	    "it loads back the same keys in the same order");
	snprintf(path, sizeof(path), "%s/no/such/dir/key", dir);
	T_OK(keyring_write(path, &r, why, sizeof(why)) == -1 && why[0] != '\0',
	    "a folder that is not there: an error (%s)", why);
	keyring_wipe(&r);
	T_OK(r.n == 0 && r.seal == -1, "wiped");
}

static void
test_seal_open(void)
{
	struct keyring both, old, fresh, none;
	struct sealing sg;
	struct arena a;
	unsigned char out[64];
	char why[200];
	int n;

	arena_init(&a, 4096);
	keyring_load(&both, file_with("both", K1_HEX "\n" K0_HEX "\n"), why, sizeof(why));
	both.also = 1;
	keyring_load(&old, file_with("old", K0_HEX "\n"), why, sizeof(why));
	keyring_load(&fresh, file_with("fresh", K1_HEX "\n"), why, sizeof(why));
	keyring_wipe(&none);
	snprintf(none.problem, sizeof(none.problem), "the secrets key is missing");

	T_OK(sealed_seal(&both, &a, "mcp_x", "jwtKey", "s3cret", 6, &sg) == 0 &&
	    strcmp(sg.key_id, K1_ID) == 0 && sg.prev_key_id != NULL &&
	    strcmp(sg.prev_key_id, K0_ID) == 0, "sealed under the sealing key and again under also");
	T_OK(strstr(sg.hex, "s3cret") == NULL && strcmp(sg.hex, sg.prev_hex) != 0,
	    "two sealings, neither in clear");
	n = sealed_open(&old, "mcp_x", "jwtKey", sg.key_id, sg.hex, sg.prev_key_id,
	    sg.prev_hex, out, sizeof(out), why, sizeof(why));
	T_OK(n == 6 && memcmp(out, "s3cret", 6) == 0, "a worker with only the old key opens it");
	n = sealed_open(&fresh, "mcp_x", "jwtKey", sg.key_id, sg.hex, sg.prev_key_id,
	    sg.prev_hex, out, sizeof(out), why, sizeof(why));
	T_OK(n == 6 && memcmp(out, "s3cret", 6) == 0, "a worker with only the new key opens it");
	n = sealed_open(&fresh, "mcp_y", "jwtKey", sg.key_id, sg.hex, NULL, NULL, out,
	    sizeof(out), why, sizeof(why));
	T_OK(n == -1 && strstr(why, "does not open with key 92f75fb722c0e5d5") != NULL,
	    "bound to its scope: another workflow's name does not open it (%s)", why);
	n = sealed_open(&old, "mcp_x", "jwtKey", sg.key_id, sg.hex, NULL, NULL, out,
	    sizeof(out), why, sizeof(why));
	T_OK(n == -1 && strstr(why, "sealed under key 92f75fb722c0e5d5") == why &&
	    strstr(why, "not loaded") != NULL, "a key not held is named (%s)", why);
	n = sealed_open(&none, "mcp_x", "jwtKey", sg.key_id, sg.hex, NULL, NULL, out,
	    sizeof(out), why, sizeof(why));
	T_OK(n == -1 && strstr(why, "the secrets key is missing") != NULL,
	    "no key at all: the ring's problem is the reason (%s)", why);
	n = sealed_open(&both, "mcp_x", "jwtKey", "", sg.hex, NULL, NULL, out, sizeof(out),
	    why, sizeof(why));
	T_OK(n == 6, "a value sealed before keys were named is tried with every key");

	T_OK(sealed_seal(&fresh, &a, "mcp_x", "k", "v", 1, &sg) == 0 && sg.prev_key_id == NULL &&
	    sg.prev_hex == NULL, "one key: one sealing");
	T_OK(sealed_seal(&none, &a, "mcp_x", "k", "v", 1, &sg) == -1, "no key: no sealing");

	/* sealed_open_all: as the queries' sealed_of() gives them. */
	struct sealing s2;
	sealed_seal(&both, &a, "agent_a", "jwtKey", "one", 3, &sg);
	sealed_seal(&fresh, &a, "agent_a", "api", "two", 3, &s2);
	char *json = arena_printf(&a, "[[\"jwtKey\",\"%s\",\"%s\",\"%s\",\"%s\"],"
	    "[\"api\",\"%s\",\"%s\",null,null]]", sg.key_id, sg.hex, sg.prev_key_id, sg.prev_hex,
	    s2.key_id, s2.hex);
	struct json_object *o = sealed_open_all(&old, "agent_a", json, why, sizeof(why));
	T_OK(o == NULL && strstr(why, "not loaded") != NULL,
	    "one secret that does not open fails them all (%s)", why);
	o = sealed_open_all(&both, "agent_a", json, why, sizeof(why));
	T_OK(o != NULL && json_object_object_length(o) == 2, "all open with the ring");
	json_object_put(o);
	o = sealed_open_all(&none, "agent_a", "[]", why, sizeof(why));
	T_OK(o != NULL && json_object_object_length(o) == 0, "nothing sealed: nothing to open, no key needed");
	json_object_put(o);
	arena_free(&a);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		printf("not ok 1 - mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_key_files();
	test_write();
	test_seal_open();
	char rm[64];
	snprintf(rm, sizeof(rm), "rm -rf %s", dir);
	if (system(rm) != 0)
		return 1;
	return t_done();
}
