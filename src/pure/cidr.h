/* cidr: address ranges ("10.0.0.0/8", "::1/128"), for the operator's lists:
 * the replay allow-list and the trusted proxies. IPv4 is held as IPv4-mapped
 * IPv6, so one comparison serves both families. */
#ifndef TELLTALE_CIDR_H
#define TELLTALE_CIDR_H

#include <stddef.h>
#include <stdint.h>

#define CIDR_LIST_MAX 32

struct cidr {
	uint8_t addr[16];
	int prefix;          /* 0..128, counted on the 16-byte form */
};

struct cidr_list {
	struct cidr cidrs[CIDR_LIST_MAX];
	size_t count;
};

/* Parses "address" or "address/prefix" (text[0..len)) into *out; host bits
 * past the prefix are cleared. Returns 0, or -1 when it is not one. */
int cidr_parse(const char *text, size_t len, struct cidr *out);

/* 1 when addr (16 bytes) is in c. */
int cidr_contains(const struct cidr *c, const uint8_t addr[16]);

/* Parses a list of CIDRs separated by commas or white space ("127.0.0.1/32,
 * 10.0.0.0/8 ::1/128"; a bare address is a single host). Returns 0, or -1
 * when an entry is malformed or there are more than CIDR_LIST_MAX. */
int cidr_list_parse(const char *text, struct cidr_list *out);

/* 1 when addr is in one of list's ranges. */
int cidr_list_contains(const struct cidr_list *list, const uint8_t addr[16]);

/* The address text ("192.0.2.1", "2001:db8::1") into addr. Returns 0 or -1. */
int cidr_address_parse(const char *text, uint8_t addr[16]);

#endif
