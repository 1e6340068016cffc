/* The mdcs configuration as FRR-style "mdcs ..." command lines, both ways. */
#ifndef RPD_CLI_CONFIG_H
#define RPD_CLI_CONFIG_H

/*
 * The lines follow the YANG model rather than a grammar of their own: after
 * "mdcs", a container or list of the mdcs container (a list with its keys),
 * then leaf/value pairs; "mdcs rp NAME" names the instance.  The first line
 * of an entry carries its mandatory leaves, so that every line, taken in
 * order, leaves a valid configuration.  docs/frr.md lists the commands.
 */

#include <stddef.h>
#include <libyang/libyang.h>

/*
 * Apply lines (separated by newlines; blank lines and "!" comments are
 * skipped) to *config, a configuration tree of ctx (NULL: none).  On
 * failure, returns -1 with the line and what is wrong with it in err;
 * *config may then be half changed.  The result is not validated.
 */
int cli_config_apply(const struct ly_ctx *ctx, struct lyd_node **config,
		     const char *lines, char *err, size_t errlen);

/* The mdcs instance (control-plane-protocol) of a data tree, or NULL. */
struct lyd_node *cli_config_instance(const struct lyd_node *tree);

/* Remove the mdcs instance from *config. */
void cli_config_clear(struct lyd_node **config);

/* config as lines, each ending in a newline (malloc'd; "" if it has no
 * mdcs instance), or NULL if out of memory. */
char *cli_config_render(const struct lyd_node *config);

#endif
