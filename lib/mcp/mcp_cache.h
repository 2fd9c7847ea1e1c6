/*
 * A worker's cache of the MCP sessions it served in the last second, so
 * that a request in a live session does not read the session's row from
 * PostgreSQL every time: under load that read was the one round trip of a
 * tools/call, and the largest share of its database time.
 *
 * An entry is trusted for a while after it was read from the database
 * (ORX_MCP_SESSION_CACHE_MS, a second by default); then the row is read
 * again, which also keeps its last_seen fresh.
 * A session that ends or changes through one of this program's workers
 * (DELETE, logging/setLevel) bumps a counter in memory the workers share,
 * and every worker drops its whole cache at its next MCP request. A change
 * made elsewhere -- another host, or by hand in the database -- is seen
 * once the entry is no longer trusted.
 */
#ifndef ORX_MCP_CACHE_H
#define ORX_MCP_CACHE_H

#define MCP_CACHE_ENTRIES	32

struct mcp_cached_session {
	long long	read_us;            /* mono_us() of the read; 0: empty */
	char		id[33];
	char		endpoint[128];
	char		protocol_version[16];
	char		owner[64];          /* "" for none */
	char		get_stream[25];     /* 24 hex digits */
	char		log_level[16];
	char		caps[1024];         /* the client's capabilities, JSON text */
};

struct mcp_cache {
	unsigned long long		gen;   /* the shared counter when last synced */
	struct mcp_cached_session	e[MCP_CACHE_ENTRIES];
};

struct mcp_cache *mcp_cache_new(void);
void	mcp_cache_free(struct mcp_cache *);
void	mcp_cache_sync(struct mcp_cache *, unsigned long long gen);
const struct mcp_cached_session *
	mcp_cache_find(struct mcp_cache *, const char *id, const char *endpoint,
	    long long now_us, long long trust_us);
int	mcp_cache_put(struct mcp_cache *, const char *id, const char *endpoint,
	    const char *protocol_version, const char *owner, const char *get_stream,
	    const char *log_level, const char *caps, long long now_us);

#endif
