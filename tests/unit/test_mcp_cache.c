/*
 * Unit tests for lib/mcp/mcp_cache.c: a session is found by id and endpoint
 * while it is trusted and not after; a sync with a moved counter drops
 * everything; a put replaces the same session's entry, then a free one,
 * then the one read longest ago; a session with a field too long for its
 * entry is not kept.
 */
#include <string.h>

#include "mcp_cache.h"
#include "t.h"

#define SID_A	"0123456789abcdef0123456789abcdef"
#define SID_B	"fedcba9876543210fedcba9876543210"
#define TRUST	1000000LL

static int
put(struct mcp_cache *c, const char *id, const char *endpoint, const char *level,
    long long now)
{
	return mcp_cache_put(c, id, endpoint, "2025-11-25", "", "0123456789abcdef01234567",
	    level, "{\"roots\":{}}", now);
}

static void
test_find_and_trust(void)
{
	struct mcp_cache *c = mcp_cache_new();
	const struct mcp_cached_session *s;

	T_OK(c != NULL, "a cache");
	if (c == NULL)
		return;
	T_OK(mcp_cache_find(c, SID_A, "/mcp", 5, TRUST) == NULL, "an empty cache finds nothing");
	T_OK(put(c, SID_A, "/mcp", "info", 1000) == 0, "put");
	s = mcp_cache_find(c, SID_A, "/mcp", 1000 + TRUST - 1, TRUST);
	T_OK(s != NULL, "found while trusted");
	if (s != NULL) {
		T_STR(s->protocol_version, "2025-11-25", "its protocol version");
		T_STR(s->log_level, "info", "its log level");
		T_STR(s->caps, "{\"roots\":{}}", "its capabilities");
		T_STR(s->get_stream, "0123456789abcdef01234567", "its GET stream");
		T_STR(s->owner, "", "no owner");
	}
	T_OK(mcp_cache_find(c, SID_A, "/mcp", 1000 + TRUST, TRUST) == NULL,
	    "not trusted once the time is up");
	T_OK(mcp_cache_find(c, SID_A, "/mcp", 999, TRUST) == NULL,
	    "not trusted before it was read (a clock that went back)");
	T_OK(mcp_cache_find(c, SID_A, "/other/mcp", 1001, TRUST) == NULL,
	    "the same id at another endpoint is another session");
	T_OK(mcp_cache_find(c, SID_B, "/mcp", 1001, TRUST) == NULL, "another id");
	/* A new read replaces the entry, and the trust starts again. */
	T_OK(put(c, SID_A, "/mcp", "error", 1000 + TRUST) == 0, "put again");
	s = mcp_cache_find(c, SID_A, "/mcp", 1000 + TRUST + 1, TRUST);
	T_OK(s != NULL && strcmp(s->log_level, "error") == 0, "the new read is what is found");
	mcp_cache_free(c);
}

static void
test_sync(void)
{
	struct mcp_cache *c = mcp_cache_new();

	if (c == NULL)
		return;
	mcp_cache_sync(c, 0);
	put(c, SID_A, "/mcp", "info", 10);
	mcp_cache_sync(c, 0);
	T_OK(mcp_cache_find(c, SID_A, "/mcp", 11, TRUST) != NULL,
	    "a sync with the same counter keeps the entries");
	mcp_cache_sync(c, 1);
	T_OK(mcp_cache_find(c, SID_A, "/mcp", 11, TRUST) == NULL,
	    "a sync with a moved counter drops them");
	put(c, SID_A, "/mcp", "info", 12);
	mcp_cache_sync(c, 1);
	T_OK(mcp_cache_find(c, SID_A, "/mcp", 13, TRUST) != NULL,
	    "entries put after the sync stay until the counter moves again");
	mcp_cache_free(c);
}

static void
test_replacement_and_limits(void)
{
	struct mcp_cache *c = mcp_cache_new();
	char id[33], long_endpoint[200], long_caps[2000];
	int kept = 0;

	if (c == NULL)
		return;
	/* One more session than entries: the one read longest ago goes. */
	for (int i = 0; i <= MCP_CACHE_ENTRIES; i++) {
		snprintf(id, sizeof(id), "%032x", i);
		put(c, id, "/mcp", "info", 100 + i);
	}
	for (int i = 0; i <= MCP_CACHE_ENTRIES; i++) {
		snprintf(id, sizeof(id), "%032x", i);
		kept += mcp_cache_find(c, id, "/mcp", 200, TRUST) != NULL;
	}
	snprintf(id, sizeof(id), "%032x", 0);
	T_OK(kept == MCP_CACHE_ENTRIES && mcp_cache_find(c, id, "/mcp", 200, TRUST) == NULL,
	    "a full cache keeps the %d read last (kept %d)", MCP_CACHE_ENTRIES, kept);
	snprintf(id, sizeof(id), "%032x", MCP_CACHE_ENTRIES);
	T_OK(mcp_cache_find(c, id, "/mcp", 200, TRUST) != NULL, "the newest is kept");

	memset(long_endpoint, 'e', sizeof(long_endpoint) - 1);
	long_endpoint[0] = '/';
	long_endpoint[sizeof(long_endpoint) - 1] = '\0';
	T_OK(put(c, SID_B, long_endpoint, "info", 300) == -1 &&
	    mcp_cache_find(c, SID_B, long_endpoint, 301, TRUST) == NULL,
	    "an endpoint too long for an entry is not kept");
	memset(long_caps, ' ', sizeof(long_caps) - 1);
	long_caps[0] = '{';
	long_caps[sizeof(long_caps) - 2] = '}';
	long_caps[sizeof(long_caps) - 1] = '\0';
	T_OK(mcp_cache_put(c, SID_B, "/mcp", "2025-11-25", "", "0123456789abcdef01234567",
	    "info", long_caps, 300) == -1 && mcp_cache_find(c, SID_B, "/mcp", 301, TRUST) == NULL,
	    "capabilities too long for an entry are not kept");
	T_OK(mcp_cache_find(c, id, "/mcp", 301, TRUST) != NULL,
	    "a refused put leaves the entries as they were");
	mcp_cache_free(c);
}

int
main(void)
{
	test_find_and_trust();
	test_sync();
	test_replacement_and_limits();
	return t_done();
}
