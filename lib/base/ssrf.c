#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssrf.h"

/* An IP address as bytes; IPv4-mapped IPv6 addresses are folded to IPv4. */
struct ipaddr {
	int		 family;    /* AF_INET or AF_INET6 */
	unsigned char	 b[16];     /* 4 or 16 bytes used */
};

/*
 * The class of an IPv4 address (host byte order) that outbound calls may not
 * reach, or NULL for a public unicast address. Special-purpose ranges follow
 * the IANA IPv4 Special-Purpose Address Registry.
 */
static const char *
v4_refusal(uint32_t a)
{
	if ((a >> 24) == 0)
		return "unspecified";           /* 0.0.0.0/8 "this network" */
	if ((a >> 24) == 127)
		return "loopback";
	if ((a >> 24) == 10 || (a & 0xfff00000u) == 0xac100000u ||
	    (a & 0xffff0000u) == 0xc0a80000u)
		return "private";               /* 10/8, 172.16/12, 192.168/16 */
	if ((a & 0xffc00000u) == 0x64400000u)
		return "CGNAT";                 /* 100.64/10, RFC 6598 */
	if ((a & 0xffff0000u) == 0xa9fe0000u)
		return "link-local";            /* 169.254/16: cloud metadata lives here */
	if (a == 0xffffffffu)
		return "broadcast";
	if ((a & 0xf0000000u) == 0xe0000000u)
		return "multicast";             /* 224/4 */
	if ((a & 0xf0000000u) == 0xf0000000u)
		return "reserved";              /* 240/4 */
	if ((a & 0xffffff00u) == 0xc0000000u || (a & 0xffffff00u) == 0xc0586300u)
		return "reserved";              /* 192.0.0/24 (DS-Lite, NAT64), 192.88.99/24 */
	if ((a & 0xfffe0000u) == 0xc6120000u)
		return "benchmarking";          /* 198.18/15 */
	if ((a & 0xffffff00u) == 0xc0000200u || (a & 0xffffff00u) == 0xc6336400u ||
	    (a & 0xffffff00u) == 0xcb007100u)
		return "documentation";         /* TEST-NET-1, -2, -3 */
	return NULL;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int
all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/*
 * The class of an IPv6 address outbound calls may not reach, or NULL. Only
 * global unicast (2000::/3) is allowed, less its special blocks; forms that
 * embed an IPv4 address (mapped, translated, compatible, NAT64, 6to4) take
 * the class of that address, since the packet may end up there.
 */
static const char *
v6_refusal(const unsigned char *b)
{
	static const unsigned char nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	const char *why;

	if (all_zero(b, 16))
		return "unspecified";
	if (all_zero(b, 15) && b[15] == 1)
		return "loopback";
	/* ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated) */
	if (all_zero(b, 10) && b[10] == 0xff && b[11] == 0xff)
		return v4_refusal(be32(b + 12));
	if (all_zero(b, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 &&
	    b[11] == 0)
		return v4_refusal(be32(b + 12));
	/* ::a.b.c.d, deprecated IPv4-compatible: never a real destination */
	if (all_zero(b, 12))
		return (why = v4_refusal(be32(b + 12))) != NULL ? why : "reserved";
	/* 64:ff9b::/96, the well-known NAT64 prefix */
	if (memcmp(b, nat64, 12) == 0)
		return v4_refusal(be32(b + 12));
	/* 64:ff9b:1::/48, local-use NAT64: the site's own translators */
	if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
	    b[4] == 0x00 && b[5] == 0x01)
		return "private";
	if (b[0] == 0xff)
		return "multicast";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "link-local";            /* fe80::/10 */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return "private";               /* fec0::/10, deprecated site-local */
	if ((b[0] & 0xfe) == 0xfc)
		return "private";               /* fc00::/7, unique local */
	if ((b[0] & 0xe0) != 0x20)
		return "reserved";              /* outside global unicast 2000::/3 */
	/* 2002::/16, 6to4: the IPv4 address follows the prefix */
	if (b[0] == 0x20 && b[1] == 0x02)
		return v4_refusal(be32(b + 2));
	/* 2001::/23, IETF protocol assignments, Teredo (2001::/32) among them */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)
		return "reserved";
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return "documentation";         /* 2001:db8::/32 */
	if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0x00)
		return "documentation";         /* 3fff::/20 */
	return NULL;
}

/*
 * Classifies the address a socket would connect to. Returns NULL when an
 * outbound call may go there, else the name of the address class
 * ("loopback", "private", "link-local", "unspecified", "multicast",
 * "broadcast", "CGNAT", "reserved", "documentation", "benchmarking"), or
 * "non-IP" / "malformed" for other families or a short length. Pure.
 */
const char *
ssrf_refusal(const struct sockaddr *sa, socklen_t len)
{
	if (sa == NULL || len < (socklen_t)sizeof(sa_family_t))
		return "malformed";
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in in;

		if (len < (socklen_t)sizeof(in))
			return "malformed";
		memcpy(&in, sa, sizeof(in));
		return v4_refusal(ntohl(in.sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 in6;

		if (len < (socklen_t)sizeof(in6))
			return "malformed";
		memcpy(&in6, sa, sizeof(in6));
		return v6_refusal(in6.sin6_addr.s6_addr);
	}
	return "non-IP";
}

/*
 * Parses an IP literal (IPv6 possibly in brackets) into *ip, folding
 * IPv4-mapped IPv6 to IPv4. Returns 0, or -1 if s is not an IP literal.
 */
static int
parse_ip(const char *s, size_t n, struct ipaddr *ip)
{
	char tmp[64];

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, tmp, ip->b) == 1) {
		ip->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, ip->b) == 1) {
		ip->family = AF_INET6;
		if (all_zero(ip->b, 10) && ip->b[10] == 0xff && ip->b[11] == 0xff) {
			memmove(ip->b, ip->b + 12, 4);
			memset(ip->b + 4, 0, 12);
			ip->family = AF_INET;
		}
		return 0;
	}
	return -1;
}

/* 1 if the first bits of a and b are equal (same family), else 0. */
static int
prefix_match(const struct ipaddr *a, const struct ipaddr *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (a->family != b->family)
		return 0;
	if (memcmp(a->b, b->b, full) != 0)
		return 0;
	if (rest != 0) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));
		if ((a->b[full] & mask) != (b->b[full] & mask))
			return 0;
	}
	return 1;
}

/*
 * Normalises a URL's host (as libcurl's parser gives it: percent-decoded)
 * into out: ASCII letters lowered, one final dot dropped. Returns what it
 * is: SSRF_HOST_IP for a dotted-quad IPv4 or a bracketed IPv6 literal
 * without a zone; SSRF_HOST_LOCAL for "localhost" and names under it (RFC
 * 6761: loopback, not to be asked of DNS); SSRF_HOST_NAME for a host name
 * of RFC 1123 labels (letters, digits, inner hyphens; 1-63 bytes each, 253
 * in all) whose last label starts with a letter -- so no numeric form of an
 * address ("127.1", "0x7f.1", "2130706433") passes as a name; otherwise
 * SSRF_HOST_INVALID: a percent sign, a space or tab, a byte outside ASCII
 * (an internationalised name must come in its xn-- form), an empty label.
 */
enum ssrf_host
ssrf_host_normalise(const char *host, char *out, size_t outsz)
{
	size_t n = host != NULL ? strlen(host) : 0, label = 0, last = 0;
	struct ipaddr ip;

	if (n == 0 || n >= outsz || n >= SSRF_HOST_MAX)
		return SSRF_HOST_INVALID;
	if (host[0] == '[') {
		/* IPv6: inet_pton takes neither a zone ("%eth0") nor junk. */
		if (host[n - 1] != ']' || memchr(host, '%', n) != NULL ||
		    parse_ip(host, n, &ip) == -1)
			return SSRF_HOST_INVALID;
		for (size_t i = 0; i <= n; i++)
			out[i] = (char)(host[i] >= 'A' && host[i] <= 'F' ? host[i] - 'A' + 'a' : host[i]);
		return SSRF_HOST_IP;
	}
	if (n > 1 && host[n - 1] == '.')
		n--;
	for (size_t i = 0; i < n; i++) {
		char c = host[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out[i] = c;
		if (c == '.') {
			if (label == 0 || out[i - 1] == '-')
				return SSRF_HOST_INVALID;
			label = 0;
			last = i + 1;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (c == '-' && label > 0)) || ++label > 63)
			return SSRF_HOST_INVALID;
	}
	out[n] = '\0';
	if (label == 0 || out[n - 1] == '-' || n > 253)
		return SSRF_HOST_INVALID;
	if (out[last] >= '0' && out[last] <= '9') {
		struct in_addr a;
		char back[INET_ADDRSTRLEN];

		/* Only the canonical dotted quad: inet_pton refuses 127.1 and
		 * 0x7f..., and what it takes must print back the same. */
		if (inet_pton(AF_INET, out, &a) != 1 ||
		    inet_ntop(AF_INET, &a, back, sizeof(back)) == NULL ||
		    strcmp(back, out) != 0)
			return SSRF_HOST_INVALID;
		return SSRF_HOST_IP;
	}
	if (strcmp(out, "localhost") == 0 ||
	    (n > 10 && strcmp(out + n - 10, ".localhost") == 0))
		return SSRF_HOST_LOCAL;
	return SSRF_HOST_NAME;
}

/* Length of host name s[0..n) compared: a final dot ("localhost.") is dropped. */
static size_t
name_len(const char *s, size_t n)
{
	return n > 1 && s[n - 1] == '.' ? n - 1 : n;
}

/*
 * Returns 1 if host (a name or an IP literal, as written in a URL or as
 * inet_ntop prints it) matches an entry of the allow list, else 0. Names
 * match names only; literals match literals and prefixes only, compared as
 * addresses, so "0:0::1" matches "::1" and "::ffff:127.0.0.1" matches
 * "127.0.0.1".
 */
int
ssrf_listed(const char *allow, const char *host)
{
	struct ipaddr hip, eip;
	size_t hlen;
	int host_is_ip;
	const char *p;

	if (allow == NULL || host == NULL || (hlen = strlen(host)) == 0)
		return 0;
	host_is_ip = parse_ip(host, hlen, &hip) == 0;
	if (!host_is_ip)
		hlen = name_len(host, hlen);
	for (p = allow; *p != '\0'; ) {
		const char *e = p, *end, *slash;
		size_t elen;

		while (*e == ' ' || *e == '\t')
			e++;
		end = strchr(e, ',');
		if (end == NULL)
			end = e + strlen(e);
		p = *end == ',' ? end + 1 : end;
		while (end > e && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if ((elen = (size_t)(end - e)) == 0)
			continue;
		slash = memchr(e, '/', elen);
		if (slash != NULL) {
			char *stop;
			unsigned long bits;

			if (!host_is_ip || parse_ip(e, (size_t)(slash - e), &eip) == -1)
				continue;
			if (slash + 1 == end || slash[1] < '0' || slash[1] > '9')
				continue;
			bits = strtoul(slash + 1, &stop, 10);
			if (stop != end ||
			    bits > (eip.family == AF_INET ? 32ul : 128ul))
				continue;
			if (prefix_match(&hip, &eip, (unsigned)bits))
				return 1;
		} else if (parse_ip(e, elen, &eip) == 0) {
			if (host_is_ip && prefix_match(&hip, &eip,
			    hip.family == AF_INET ? 32 : 128))
				return 1;
		} else if (!host_is_ip) {
			elen = name_len(e, elen);
			if (elen == hlen && strncasecmp(e, host, hlen) == 0)
				return 1;
		}
	}
	return 0;
}

/*
 * Writes the address of sa as text (inet_ntop) into out. Returns 0, or -1
 * for a family other than IPv4/IPv6, a short length or a small buffer.
 */
int
ssrf_addr_text(const struct sockaddr *sa, socklen_t len, char *out,
    size_t outsz)
{
	if (sa == NULL || outsz == 0 || len < (socklen_t)sizeof(sa_family_t))
		return -1;
	out[0] = '\0';
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;

		memcpy(&in, sa, sizeof(in));
		return inet_ntop(AF_INET, &in.sin_addr, out, (socklen_t)outsz) ?
		    0 : -1;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;

		memcpy(&in6, sa, sizeof(in6));
		return inet_ntop(AF_INET6, &in6.sin6_addr, out, (socklen_t)outsz) ?
		    0 : -1;
	}
	return -1;
}

/*
 * The whole decision for one connection: host as written in the URL (NULL:
 * unknown), sa the address about to be connected to. Returns NULL (go
 * ahead) when the address is public or when the allow list names the host
 * as written: a name entry allows that name whatever it resolves to, an IP
 * entry or prefix allows URLs that write such an address (their host is the
 * address itself, so the address is what is compared). A listed address does
 * not allow other names that resolve to it. Otherwise returns the class
 * ssrf_refusal names; families other than IPv4/IPv6 are never allowed.
 */
const char *
ssrf_check(const char *allow, const char *host, const struct sockaddr *sa,
    socklen_t len)
{
	char text[SSRF_ADDR_TEXT];
	struct ipaddr ip;
	const char *why;

	if ((why = ssrf_refusal(sa, len)) == NULL)
		return NULL;
	if (ssrf_addr_text(sa, len, text, sizeof(text)) == -1)
		return why;
	if (host == NULL || parse_ip(host, strlen(host), &ip) == 0)
		return ssrf_listed(allow, text) ? NULL : why;
	return ssrf_listed(allow, host) ? NULL : why;
}
