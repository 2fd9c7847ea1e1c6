/*
 * The per-worker MCP session cache; see mcp_cache.h.
 */
#include <stdlib.h>
#include <string.h>

#include "mcp_cache.h"

struct mcp_cache *
mcp_cache_new(void)
{
	return calloc(1, sizeof(struct mcp_cache));
}

void
mcp_cache_free(struct mcp_cache *c)
{
	free(c);
}

/* Drops every entry when gen (the shared counter) moved since the last sync. */
void
mcp_cache_sync(struct mcp_cache *c, unsigned long long gen)
{
	if (c->gen == gen)
		return;
	memset(c->e, 0, sizeof(c->e));
	c->gen = gen;
}

/* The entry of session id at endpoint, trusted or not, or NULL. */
static struct mcp_cached_session *
entry_of(struct mcp_cache *c, const char *id, const char *endpoint)
{
	for (int i = 0; i < MCP_CACHE_ENTRIES; i++) {
		struct mcp_cached_session *s = &c->e[i];

		if (s->read_us != 0 && strcmp(s->id, id) == 0 &&
		    strcmp(s->endpoint, endpoint) == 0)
			return s;
	}
	return NULL;
}

/*
 * The session id of endpoint, if it was read from the database less than
 * trust_us before now_us; NULL otherwise. Borrowed: valid until the next
 * put or sync.
 */
const struct mcp_cached_session *
mcp_cache_find(struct mcp_cache *c, const char *id, const char *endpoint,
    long long now_us, long long trust_us)
{
	const struct mcp_cached_session *s = entry_of(c, id, endpoint);

	return s != NULL && now_us >= s->read_us && now_us - s->read_us < trust_us ?
	    s : NULL;
}

/* Copies v into dst[size]: 0, or -1 (nothing copied) when it does not fit. */
static int
copy(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);

	if (n >= size)
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}

/*
 * Keeps a session just read from the database, in its old entry, a free
 * one or the one read longest ago. A session with a field too long for
 * its entry is not kept (-1): it is read from the database every time.
 */
int
mcp_cache_put(struct mcp_cache *c, const char *id, const char *endpoint,
    const char *protocol_version, const char *owner, const char *get_stream,
    const char *log_level, const char *caps, long long now_us)
{
	struct mcp_cached_session v, *slot = NULL;

	memset(&v, 0, sizeof(v));
	if (copy(v.id, sizeof(v.id), id) == -1 ||
	    copy(v.endpoint, sizeof(v.endpoint), endpoint) == -1 ||
	    copy(v.protocol_version, sizeof(v.protocol_version), protocol_version) == -1 ||
	    copy(v.owner, sizeof(v.owner), owner) == -1 ||
	    copy(v.get_stream, sizeof(v.get_stream), get_stream) == -1 ||
	    copy(v.log_level, sizeof(v.log_level), log_level) == -1 ||
	    copy(v.caps, sizeof(v.caps), caps) == -1)
		return -1;
	v.read_us = now_us != 0 ? now_us : 1;
	/* Empty entries have read_us 0: the oldest of all. */
	if ((slot = entry_of(c, id, endpoint)) == NULL)
		for (int i = 0; i < MCP_CACHE_ENTRIES; i++)
			if (slot == NULL || c->e[i].read_us < slot->read_us)
				slot = &c->e[i];
	*slot = v;
	return 0;
}
