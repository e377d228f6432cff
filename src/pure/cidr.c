/* cidr: address ranges, IPv4 held as IPv4-mapped IPv6 so that one comparison
 * serves both families. */
#include "pure/cidr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define V4_PREFIX 96          /* an IPv4 prefix counted on the IPv4-mapped form */

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Parses "address" or "address/prefix" (text[0..len)) into *out; host bits
 * past the prefix are cleared. Returns 0, or -1 when it is not one. */
int cidr_parse(const char *text, size_t len, struct cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long prefix;
	int v4;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if ((slash = strchr(buf, '/')))
		*slash = '\0';
	memset(out, 0, sizeof(*out));
	if ((v4 = inet_pton(AF_INET, buf, out->addr + 12) == 1))
		memcpy(out->addr, v4_mapped, sizeof(v4_mapped));
	else if (inet_pton(AF_INET6, buf, out->addr) != 1)
		return -1;
	prefix = v4 ? 32 : 128;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
			return -1;
		prefix = strtol(slash + 1, &end, 10);
		if (*end || prefix > (v4 ? 32 : 128))
			return -1;
	}
	out->prefix = (int)prefix + (v4 ? V4_PREFIX : 0);
	for (int bit = out->prefix; bit < 128; bit++)
		out->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	return 0;
}

int cidr_contains(const struct cidr *c, const uint8_t addr[16])
{
	int full = c->prefix / 8, rest = c->prefix % 8;
	uint8_t mask;

	if (memcmp(c->addr, addr, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xffu << (8 - rest));
	return (c->addr[full] & mask) == (addr[full] & mask);
}

int cidr_list_parse(const char *text, struct cidr_list *out)
{
	static const char seps[] = ", \t\r\n";

	memset(out, 0, sizeof(*out));
	for (const char *p = text ? text : ""; *(p += strspn(p, seps)); ) {
		size_t n = strcspn(p, seps);

		if (out->count == CIDR_LIST_MAX || cidr_parse(p, n, &out->cidrs[out->count]) != 0) {
			memset(out, 0, sizeof(*out));
			return -1;
		}
		out->count++;
		p += n;
	}
	return 0;
}

int cidr_list_contains(const struct cidr_list *list, const uint8_t addr[16])
{
	for (size_t i = 0; i < list->count; i++)
		if (cidr_contains(&list->cidrs[i], addr))
			return 1;
	return 0;
}

int cidr_address_parse(const char *text, uint8_t addr[16])
{
	struct cidr one;

	if (strchr(text, '/') || cidr_parse(text, strlen(text), &one) != 0)
		return -1;
	memcpy(addr, one.addr, 16);
	return 0;
}
