/* NETCONF filters (RFC 6241 6, 8.9): subtree and XPath, over libyang trees. */
#ifndef RPD_FILTER_H
#define RPD_FILTER_H

#include <libyang/libyang.h>

#include "datastore.h"

/*
 * The XPath that selects what an ietf-netconf <filter> element selects, in
 * *xpath (free() it); NULL filter: *xpath is NULL, everything.  A subtree
 * filter becomes a union of paths, content match nodes becoming
 * predicates; an empty filter selects nothing ("/" matches no data node).
 */
int filter_xpath(const struct lyd_node *filter, char **xpath,
		 struct ds_error *err);

/* A copy of the nodes of tree that xpath selects, with their ancestors
 * and list keys; NULL xpath: a copy of all of it. */
int filter_apply(const struct lyd_node *tree, const char *xpath,
		 struct lyd_node **out, struct ds_error *err);

#endif
