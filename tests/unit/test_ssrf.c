/*
 * Unit tests for lib/base/ssrf.c: the class of many IPv4 and IPv6 addresses
 * (public ones allowed, every special range refused, IPv4 embedded in IPv6
 * judged as IPv4), allow-list matching, and the combined check.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ssrf.h"
#include "t.h"

/* Fills ss with the IP literal s; returns its length, or 0 if s is not one. */
static socklen_t
addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(443);
		return sizeof(*in);
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(443);
		return sizeof(*in6);
	}
	return 0;
}

/* The class of the literal s, "(null)" when allowed, "(bad)" if not a literal. */
static const char *
klass(const char *s)
{
	struct sockaddr_storage ss;
	socklen_t len = addr(s, &ss);
	const char *why;

	if (len == 0)
		return "(bad)";
	why = ssrf_refusal((struct sockaddr *)&ss, len);
	return why != NULL ? why : "(null)";
}

static void
check(const char *ip, const char *want)
{
	char what[128];

	snprintf(what, sizeof(what), "%s is %s", ip,
	    strcmp(want, "(null)") == 0 ? "allowed" : want);
	T_STR(klass(ip), want, what);
}

static void
test_v4(void)
{
	static const char *const allowed[] = {
		"93.184.216.34", "1.1.1.1", "8.8.8.8", "9.255.255.255",
		"11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255",
		"128.0.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255",
		"172.32.0.0", "192.0.1.0", "192.167.255.255", "192.169.0.0",
		"198.17.255.255", "198.20.0.0", "223.255.255.255",
	};
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		check(allowed[i], "(null)");

	check("0.0.0.0", "unspecified");
	check("0.1.2.3", "unspecified");
	check("127.0.0.1", "loopback");
	check("127.255.255.254", "loopback");
	check("127.1.2.3", "loopback");
	check("10.0.0.1", "private");
	check("10.255.255.255", "private");
	check("172.16.0.1", "private");
	check("172.31.255.255", "private");
	check("192.168.0.1", "private");
	check("192.168.255.255", "private");
	check("100.64.0.1", "CGNAT");
	check("100.127.255.255", "CGNAT");
	check("169.254.169.254", "link-local");
	check("169.254.0.1", "link-local");
	check("224.0.0.1", "multicast");
	check("239.255.255.250", "multicast");
	check("255.255.255.255", "broadcast");
	check("240.0.0.1", "reserved");
	check("255.255.255.254", "reserved");
	check("192.0.0.170", "reserved");
	check("192.88.99.1", "reserved");
	check("198.18.0.1", "benchmarking");
	check("198.19.255.255", "benchmarking");
	check("192.0.2.1", "documentation");
	check("198.51.100.7", "documentation");
	check("203.0.113.9", "documentation");
}

static void
test_v6(void)
{
	check("2606:2800:220:1::", "(null)");
	check("2606:2800:220:1:248:1893:25c8:1946", "(null)");
	check("2001:4860:4860::8888", "(null)");
	check("2a00:1450:4001::1", "(null)");
	check("::ffff:93.184.216.34", "(null)");
	check("64:ff9b::93.184.216.34", "(null)");
	check("2002:5db8:d822::1", "(null)");            /* 6to4 of 93.184.216.34 */

	check("::", "unspecified");
	check("::1", "loopback");
	check("0:0:0:0:0:0:0:1", "loopback");
	check("::ffff:127.0.0.1", "loopback");
	check("::ffff:7f00:1", "loopback");
	check("::ffff:10.0.0.1", "private");
	check("::ffff:192.168.1.1", "private");
	check("::ffff:169.254.169.254", "link-local");
	check("::ffff:0.0.0.0", "unspecified");
	check("::ffff:100.64.0.1", "CGNAT");
	check("::ffff:255.255.255.255", "broadcast");
	check("::ffff:0:127.0.0.1", "loopback");         /* IPv4-translated */
	check("::127.0.0.1", "loopback");                /* IPv4-compatible */
	check("::93.184.216.34", "reserved");
	check("::2", "unspecified");                   /* compatible form of 0.0.0.2 */
	check("64:ff9b::127.0.0.1", "loopback");         /* NAT64 */
	check("64:ff9b::10.1.2.3", "private");
	check("64:ff9b::169.254.169.254", "link-local");
	check("64:ff9b:1::a00:1", "private");            /* local-use NAT64 */
	check("2002:7f00:1::", "loopback");              /* 6to4 of 127.0.0.1 */
	check("2002:a00:1::1", "private");
	check("2002:a9fe:a9fe::", "link-local");
	check("2001::1", "reserved");                    /* Teredo */
	check("2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved");
	check("2001:db8::1", "documentation");
	check("3fff::1", "documentation");
	check("fc00::1", "private");
	check("fd00::1", "private");
	check("fdff:ffff::1", "private");
	check("fec0::1", "private");
	check("fe80::1", "link-local");
	check("febf:ffff::1", "link-local");
	check("ff02::1", "multicast");
	check("ff05::1:3", "multicast");
	check("100::1", "reserved");                     /* discard-only */
	check("4000::1", "reserved");
	check("1::1", "reserved");
}

static void
test_malformed(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_un un;
	socklen_t len;

	len = addr("93.184.216.34", &ss);
	T_STR(ssrf_refusal((struct sockaddr *)&ss, len - 1), "malformed",
	    "a short IPv4 length is refused");
	len = addr("2606:2800:220:1::", &ss);
	T_STR(ssrf_refusal((struct sockaddr *)&ss, len - 1), "malformed",
	    "a short IPv6 length is refused");
	T_STR(ssrf_refusal(NULL, 0), "malformed", "NULL is refused");
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	T_STR(ssrf_refusal((struct sockaddr *)&un, sizeof(un)), "non-IP",
	    "a unix socket address is refused");
	memset(&ss, 0, sizeof(ss));
	T_STR(ssrf_refusal((struct sockaddr *)&ss, sizeof(ss)), "non-IP",
	    "AF_UNSPEC is refused");
}

static void
test_listed(void)
{
	const char *allow = " 127.0.0.1 , Localhost.,[::1],10.0.0.0/8,fd00::/8,,";

	T_OK(ssrf_listed(allow, "127.0.0.1"), "IPv4 literal listed");
	T_OK(ssrf_listed(allow, "::ffff:127.0.0.1"), "mapped form of a listed IPv4");
	T_OK(!ssrf_listed(allow, "127.0.0.2"), "another loopback is not listed");
	T_OK(ssrf_listed(allow, "localhost"), "name listed (case, final dot)");
	T_OK(ssrf_listed(allow, "LOCALHOST."), "name with a final dot");
	T_OK(!ssrf_listed(allow, "localhost.localdomain"), "longer name not listed");
	T_OK(!ssrf_listed(allow, "localhos"), "prefix of a name not listed");
	T_OK(ssrf_listed(allow, "::1"), "bracketed IPv6 entry matches");
	T_OK(ssrf_listed(allow, "[::1]"), "bracketed host matches");
	T_OK(ssrf_listed(allow, "0:0:0:0:0:0:0:1"), "IPv6 compared as an address");
	T_OK(ssrf_listed(allow, "10.200.3.4"), "inside a /8 prefix");
	T_OK(!ssrf_listed(allow, "11.0.0.1"), "outside the /8 prefix");
	T_OK(ssrf_listed(allow, "fd12::1"), "inside an IPv6 prefix");
	T_OK(!ssrf_listed(allow, "fe80::1"), "outside the IPv6 prefix");
	T_OK(ssrf_listed(allow, "::ffff:10.0.0.1"),
	    "mapped form inside an IPv4 prefix");
	T_OK(!ssrf_listed("", "127.0.0.1"), "empty list allows nothing");
	T_OK(!ssrf_listed(NULL, "127.0.0.1"), "NULL list allows nothing");
	T_OK(!ssrf_listed(allow, ""), "empty host is never listed");
	T_OK(!ssrf_listed("127.0.0.1", "127.0.0.1.nip.io"),
	    "a name that starts like a listed IP is not listed");
	T_OK(!ssrf_listed("10.0.0.0/33,10.0.0.0/x,10.0.0.0/", "10.0.0.1"),
	    "malformed prefixes match nothing");
	T_OK(ssrf_listed("0.0.0.0/0", "8.8.8.8"), "a /0 prefix matches its family");
	T_OK(!ssrf_listed("0.0.0.0/0", "::1"), "a /0 IPv4 prefix does not match IPv6");
	T_OK(!ssrf_listed("localhost", "127.0.0.1"),
	    "a name entry does not match an address");
}

static void
test_check(void)
{
	struct sockaddr_storage ss;
	socklen_t len;

	len = addr("127.0.0.1", &ss);
	T_STR(ssrf_check("", "localhost", (struct sockaddr *)&ss, len),
	    "loopback", "check: loopback refused without allow list");
	T_OK(ssrf_check("localhost", "localhost", (struct sockaddr *)&ss, len) == NULL,
	    "check: allowed by the host as written");
	T_STR(ssrf_check("127.0.0.1", "evil.example", (struct sockaddr *)&ss, len),
	    "loopback", "check: a listed address does not allow a name resolving to it");
	T_OK(ssrf_check("127.0.0.1", "127.0.0.1", (struct sockaddr *)&ss, len) == NULL,
	    "check: a listed address allows itself as host");
	T_OK(ssrf_check("127.0.0.0/8", NULL, (struct sockaddr *)&ss, len) == NULL,
	    "check: without a host the address decides");
	T_STR(ssrf_check("127.0.0.1", "[::1]", (struct sockaddr *)&ss, len) == NULL ?
	    "allowed" : "refused", "allowed", "check: for a literal host the address decides");
	T_STR(ssrf_check("localhost", "127.0.0.1", (struct sockaddr *)&ss, len),
	    "loopback", "check: a listed name does not allow its address");
	T_STR(ssrf_check("10.0.0.1", "10.0.0.1", (struct sockaddr *)&ss, len),
	    "loopback", "check: a listed IP literal as host does not allow another address");
	len = addr("93.184.216.34", &ss);
	T_OK(ssrf_check("", "example.com", (struct sockaddr *)&ss, len) == NULL,
	    "check: public address allowed");
	len = addr("::ffff:127.0.0.1", &ss);
	T_OK(ssrf_check("127.0.0.1", "[::ffff:127.0.0.1]", (struct sockaddr *)&ss,
	    len) == NULL, "check: mapped loopback allowed by its IPv4 entry");
	len = addr("::1", &ss);
	T_STR(ssrf_check("127.0.0.1,LOCALHOST", "localhost", (struct sockaddr *)&ss, len)
	    == NULL ? "allowed" : "refused", "allowed",
	    "check: a listed name allows its IPv6 loopback too");
	T_STR(ssrf_check("", "localhost", (struct sockaddr *)&ss, len), "loopback",
	    "check: ::1 refused without allow list");
	T_OK(ssrf_addr_text((struct sockaddr *)&ss, len, (char[SSRF_ADDR_TEXT]){0},
	    SSRF_ADDR_TEXT) == 0, "addr_text of IPv6");
}

/* Issue 25 item 9: what a URL's host becomes before any lookup. */
static void
test_host_normalise(void)
{
	static const struct {
		const char	*in, *out;
		enum ssrf_host	 kind;
	} cases[] = {
		{ "example.com", "example.com", SSRF_HOST_NAME },
		{ "API.Example.COM.", "api.example.com", SSRF_HOST_NAME },
		{ "xn--bcher-kva.example", "xn--bcher-kva.example", SSRF_HOST_NAME },
		{ "a-b.c0", "a-b.c0", SSRF_HOST_NAME },
		{ "intranet", "intranet", SSRF_HOST_NAME },
		{ "LOCALHOST.", "localhost", SSRF_HOST_LOCAL },
		{ "localhost", "localhost", SSRF_HOST_LOCAL },
		{ "db.LocalHost", "db.localhost", SSRF_HOST_LOCAL },
		{ "notlocalhost", "notlocalhost", SSRF_HOST_NAME },
		{ "127.0.0.1", "127.0.0.1", SSRF_HOST_IP },
		{ "127.0.0.1.", "127.0.0.1", SSRF_HOST_IP },
		{ "[::1]", "[::1]", SSRF_HOST_IP },
		{ "[::FFFF:127.0.0.1]", "[::ffff:127.0.0.1]", SSRF_HOST_IP },
		{ "127.0.0.1%09", NULL, SSRF_HOST_INVALID },
		{ "127.0.0.1\t", NULL, SSRF_HOST_INVALID },
		{ "exa mple.com", NULL, SSRF_HOST_INVALID },
		{ "exa%6dple.com", NULL, SSRF_HOST_INVALID },
		{ "127.1", NULL, SSRF_HOST_INVALID },
		{ "0x7f.0.0.1", NULL, SSRF_HOST_INVALID },
		{ "0x7f000001", NULL, SSRF_HOST_INVALID },
		{ "2130706433", NULL, SSRF_HOST_INVALID },
		{ "0177.0.0.1", NULL, SSRF_HOST_INVALID },
		{ "127.000.000.001", NULL, SSRF_HOST_INVALID },
		{ "1.2.3.4.5", NULL, SSRF_HOST_INVALID },
		{ "example.123", NULL, SSRF_HOST_INVALID },
		{ "a..b", NULL, SSRF_HOST_INVALID },
		{ ".a", NULL, SSRF_HOST_INVALID },
		{ "a.", "a", SSRF_HOST_NAME },
		{ "..", NULL, SSRF_HOST_INVALID },
		{ ".", NULL, SSRF_HOST_INVALID },
		{ "-a.com", NULL, SSRF_HOST_INVALID },
		{ "a-.com", NULL, SSRF_HOST_INVALID },
		{ "under_score.com", NULL, SSRF_HOST_INVALID },
		{ "b\xc3\xbc" "cher.example", NULL, SSRF_HOST_INVALID },
		{ "[fe80::1%25eth0]", NULL, SSRF_HOST_INVALID },
		{ "[::1", NULL, SSRF_HOST_INVALID },
		{ "[nope]", NULL, SSRF_HOST_INVALID },
		{ "", NULL, SSRF_HOST_INVALID },
	};
	char out[SSRF_HOST_MAX], label[70], name[300];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum ssrf_host k = ssrf_host_normalise(cases[i].in, out, sizeof(out));

		T_OK(k == cases[i].kind && (cases[i].out == NULL ||
		    strcmp(out, cases[i].out) == 0), "host \"%s\" -> %s%s", cases[i].in,
		    cases[i].out ? cases[i].out : "refused",
		    k == cases[i].kind ? "" : " (kind differs)");
	}
	memset(label, 'a', 63);
	label[63] = '\0';
	T_OK(ssrf_host_normalise(label, out, sizeof(out)) == SSRF_HOST_NAME, "a 63-byte label");
	label[63] = 'a';
	label[64] = '\0';
	T_OK(ssrf_host_normalise(label, out, sizeof(out)) == SSRF_HOST_INVALID, "a 64-byte label");
	name[0] = '\0';
	while (strlen(name) < 254)
		strcat(name, "abcdefghi.");
	name[254] = '\0';
	T_OK(ssrf_host_normalise(name, out, sizeof(out)) == SSRF_HOST_INVALID, "254 bytes in all");
	T_OK(ssrf_host_normalise("example.com", out, 5) == SSRF_HOST_INVALID, "a short buffer");
	T_OK(ssrf_host_normalise(NULL, out, sizeof(out)) == SSRF_HOST_INVALID, "NULL");
}

int
main(void)
{
	test_host_normalise();
	test_v4();
	test_v6();
	test_malformed();
	test_listed();
	test_check();
	return t_done();
}
