/*
 * Unit tests for lib/base/config.c: defaults in a clean environment, environment
 * overrides, refusal of out-of-range numbers and unknown log levels, and the
 * ORX_CONFIG_FILE (comments, "export ", quotes, unknown keys) which wins
 * over the environment. Every config is freed (LSan checks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "t.h"

static char tmpfile_path[64];

/* Removes every variable config_load reads. */
static void
clean_env(void)
{
	for (int k = 0; k < CFG__MAX; k++)
		unsetenv(cfg_defs[k].env);
	unsetenv("ORX_DATABASE_URL");
	unsetenv("ORX_CONFIG_FILE");
}

/* Loads into c; returns config_load's result, message in err. */
static int
load(struct config *c, char *err, size_t errsz)
{
	err[0] = '\0';
	return config_load(c, err, errsz);
}

static void
test_defaults(void)
{
	struct config c;
	char err[256];

	clean_env();
	T_OK(load(&c, err, sizeof(err)) == 0, "clean environment loads (%s)", err);
	T_OK(c.workers == 4, "default workers 4");
	T_OK(c.max_body == 1048576, "default max body 1 MiB");
	T_OK(c.json_max_depth == 32, "default JSON depth 32");
	T_OK(c.log_level == LOG_INFO, "default log level info");
	T_OK(c.http_timeout_ms == 10000, "default HTTP timeout");
	T_OK(c.step_timeout_ms == 10000, "default step timeout");
	T_OK(c.run_budget_ms == 30000, "default run budget");
	T_OK(c.pbkdf2_iterations == 100000, "default PBKDF2 iterations");
	T_OK(c.mcp_session_cache_ms == 1000, "default MCP session trust 1 s");
	T_STR(config_get(&c, CFG_DATABASE_URL), "dbname=orchestrix", "default DB URL");
	T_STR(config_get(&c, CFG_SOCKET), ".run/orchestrix.sock", "default socket");
	T_STR(config_get(&c, CFG_PUBLIC_URL), "http://127.0.0.1:8080",
	    "default public URL");
	T_STR(config_get(&c, CFG_ARCHESTRA_API_KEY), "", "API key unset -> \"\"");
	T_STR(config_get(&c, CFG_LOG_LEVEL), "info", "log level text");
	config_free(&c);
	T_OK(c.str[CFG_SOCKET] == NULL, "config_free clears the strings");
}

static void
test_env(void)
{
	struct config c;
	char err[256];

	clean_env();
	setenv("ORX_WORKERS", "7", 1);
	setenv("ORX_LOG_LEVEL", "debug", 1);
	setenv("ORX_MAX_BODY", "2048", 1);
	setenv("ARCHESTRA_API_KEY", "k-123", 1);
	setenv("ORX_DATABASE_URL", "dbname=alt", 1);
	T_OK(load(&c, err, sizeof(err)) == 0, "env overrides load (%s)", err);
	T_OK(c.workers == 7, "ORX_WORKERS=7");
	T_OK(c.log_level == LOG_DEBUG, "ORX_LOG_LEVEL=debug");
	T_OK(c.max_body == 2048, "ORX_MAX_BODY=2048");
	T_STR(config_get(&c, CFG_ARCHESTRA_API_KEY), "k-123", "ARCHESTRA_API_KEY");
	T_STR(config_get(&c, CFG_DATABASE_URL), "dbname=alt",
	    "ORX_DATABASE_URL used when DATABASE_URL is unset");
	config_free(&c);

	setenv("DATABASE_URL", "dbname=main", 1);
	T_OK(load(&c, err, sizeof(err)) == 0, "both DB variables load");
	T_STR(config_get(&c, CFG_DATABASE_URL), "dbname=main",
	    "DATABASE_URL wins over ORX_DATABASE_URL");
	config_free(&c);
	clean_env();
}

/* Sets name=value in a clean environment and expects refusal with want. */
static void
refused(const char *name, const char *value, const char *want)
{
	struct config c;
	char err[256];

	clean_env();
	setenv(name, value, 1);
	T_OK(load(&c, err, sizeof(err)) == -1, "%s=%s refused", name, value);
	T_STR(err, want, "refusal message");
	config_free(&c);
	clean_env();
}

static void
test_refusals(void)
{
	const char *w = "ORX_WORKERS must be a number in [1, 64]";

	refused("ORX_WORKERS", "0", w);
	refused("ORX_WORKERS", "65", w);
	refused("ORX_WORKERS", "abc", w);
	refused("ORX_WORKERS", "", w);
	refused("ORX_WORKERS", "7x", w);
	refused("ORX_WORKERS", "99999999999999999999", w);
	refused("ORX_JSON_MAX_DEPTH", "1",
	    "ORX_JSON_MAX_DEPTH must be a number in [2, 256]");
	refused("ORX_MAX_BODY", "1023",
	    "ORX_MAX_BODY must be a number in [1024, 67108864]");
	refused("ORX_MCP_SESSION_CACHE_MS", "-1",
	    "ORX_MCP_SESSION_CACHE_MS must be a number in [0, 3600000]");
	refused("ORX_MCP_SESSION_CACHE_MS", "1s",
	    "ORX_MCP_SESSION_CACHE_MS must be a number in [0, 3600000]");
	refused("ORX_LOG_LEVEL", "bogus",
	    "ORX_LOG_LEVEL must be error, warn, info or debug");
	refused("ORX_LOG_LEVEL", "INFO",
	    "ORX_LOG_LEVEL must be error, warn, info or debug");

	struct config c;
	char err[256];
	clean_env();
	setenv("ORX_WORKERS", "64", 1);
	T_OK(load(&c, err, sizeof(err)) == 0 && c.workers == 64, "ORX_WORKERS=64 ok");
	config_free(&c);
	setenv("ORX_WORKERS", "1", 1);
	T_OK(load(&c, err, sizeof(err)) == 0 && c.workers == 1, "ORX_WORKERS=1 ok");
	config_free(&c);
	setenv("ORX_MCP_SESSION_CACHE_MS", "0", 1);
	T_OK(load(&c, err, sizeof(err)) == 0 && c.mcp_session_cache_ms == 0,
	    "ORX_MCP_SESSION_CACHE_MS=0 (the cache off) ok");
	config_free(&c);
	clean_env();
}

/*
 * Writes text to a fresh temporary file (its path is tmpfile_path) and
 * points ORX_CONFIG_FILE at it.
 */
static int
write_file(const char *text)
{
	FILE *f;
	int fd;

	snprintf(tmpfile_path, sizeof(tmpfile_path), "/tmp/orx-cfg-XXXXXX");
	if ((fd = mkstemp(tmpfile_path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	return setenv("ORX_CONFIG_FILE", tmpfile_path, 1);
}

static void
test_file(void)
{
	struct config c;
	char err[256];

	clean_env();
	setenv("ORX_WORKERS", "7", 1);
	setenv("ORX_SOCKET", "/env.sock", 1);
	T_OK(write_file(
	    "# Orchestrix settings\n"
	    "\n"
	    "ORX_WORKERS=9\n"
	    "export ORX_LOG_LEVEL=warn\n"
	    "ORX_PUBLIC_URL=\"http://example.test:9000\"\n"
	    "ORX_SECRET_KEY_FILE='/etc/orx key'\n"
	    "PGPORT=5433\n"
	    "ORX_MAX_BODY=4096  \r\n"
	    "ARCHESTRA_API_KEY=a=b=c\n") == 0, "temporary file written");
	T_OK(load(&c, err, sizeof(err)) == 0, "file loads, unknown key ignored (%s)",
	    err);
	T_OK(c.workers == 9, "file value wins over the environment");
	T_OK(c.log_level == LOG_WARN, "\"export \" prefix accepted");
	T_STR(config_get(&c, CFG_PUBLIC_URL), "http://example.test:9000",
	    "double quotes removed");
	T_STR(config_get(&c, CFG_SECRET_KEY_FILE), "/etc/orx key",
	    "single quotes removed, inner space kept");
	T_OK(c.max_body == 4096, "trailing blanks and CR trimmed");
	T_STR(config_get(&c, CFG_ARCHESTRA_API_KEY), "a=b=c",
	    "value split at the first '='");
	T_STR(config_get(&c, CFG_SOCKET), "/env.sock",
	    "environment kept for keys the file does not set");
	config_free(&c);
	unlink(tmpfile_path);

	T_OK(write_file("ORX_WORKERS=3\nthis line has no equals sign\n") == 0,
	    "second file written");
	T_OK(load(&c, err, sizeof(err)) == -1, "line without '=' refused");
	char want[128];
	snprintf(want, sizeof(want), "%s:2: expected KEY=VALUE", tmpfile_path);
	T_STR(err, want, "message names file and line");
	config_free(&c);
	unlink(tmpfile_path);

	T_OK(write_file("ORX_WORKERS=0\n") == 0, "third file written");
	T_OK(load(&c, err, sizeof(err)) == -1, "bad number from the file refused");
	T_STR(err, "ORX_WORKERS must be a number in [1, 64]", "file value checked");
	config_free(&c);
	unlink(tmpfile_path);

	T_OK(load(&c, err, sizeof(err)) == -1, "missing file refused");
	snprintf(want, sizeof(want), "%s: No such file or directory", tmpfile_path);
	T_STR(err, want, "missing file message");
	config_free(&c);
	clean_env();
}

/* The SMTP settings of send_email: defaults, and what is refused at load. */
static void
test_smtp(void)
{
	static const struct { const char *key, *value; } bad[] = {
		{ "ORX_SMTP_PORT", "0" }, { "ORX_SMTP_PORT", "65536" }, { "ORX_SMTP_PORT", "25x" },
		{ "ORX_SMTP_SECURITY", "ssl" }, { "ORX_SMTP_SECURITY", "" },
	};
	struct config c;
	char err[256];

	clean_env();
	T_OK(load(&c, err, sizeof(err)) == 0 && strcmp(config_get(&c, CFG_SMTP_SECURITY),
	    "starttls") == 0 && *config_get(&c, CFG_SMTP_HOST) == '\0' &&
	    *config_get(&c, CFG_SMTP_PORT) == '\0', "SMTP: starttls, no server by default");
	config_free(&c);
	setenv("ORX_SMTP_PORT", "2525", 1);
	setenv("ORX_SMTP_SECURITY", "none", 1);
	T_OK(load(&c, err, sizeof(err)) == 0, "ORX_SMTP_PORT=2525, ORX_SMTP_SECURITY=none (%s)", err);
	config_free(&c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		clean_env();
		setenv(bad[i].key, bad[i].value, 1);
		T_OK(load(&c, err, sizeof(err)) == -1 && strstr(err, bad[i].key) != NULL,
		    "%s=%s refused: %s", bad[i].key, bad[i].value, err);
		config_free(&c);
	}
	clean_env();
}

int
main(void)
{
	test_defaults();
	test_smtp();
	test_env();
	test_refusals();
	test_file();
	return t_done();
}
