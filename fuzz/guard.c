/* Fuzz target: the outbound address guard. The input is an allow-list text, a
 * NUL, then 16-byte addresses. Whatever the allow-list, the cloud metadata
 * addresses (169.254.169.254 as IPv4-mapped IPv6, fd00:ec2::254) are refused,
 * and an address is refused or admitted without touching memory it should not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outbound/outbound.h"

static const uint8_t metadata_v4[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
					 169, 254, 169, 254 };
static const uint8_t metadata_v6[16] = { 0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0,
					 0, 0, 0x02, 0x54 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cidr_list allow;
	const uint8_t *nul = memchr(data, 0, size);
	size_t text_len = nul ? (size_t)(nul - data) : size;
	char *text = malloc(text_len + 1);
	const char *why;

	if (!text)
		return 0;
	memcpy(text, data, text_len);
	text[text_len] = '\0';
	if (cidr_list_parse(text, &allow) != 0)
		memset(&allow, 0, sizeof(allow));
	if (allow.count > CIDR_LIST_MAX)
		abort();
	if (outbound_address_allowed(metadata_v4, &allow, &why) ||
	    outbound_address_allowed(metadata_v6, &allow, &why))
		abort();
	for (size_t at = text_len + 1; nul && at + 16 <= size; at += 16)
		if (!outbound_address_allowed(data + at, &allow, &why) && !why)
			abort();
	free(text);
	return 0;
}
