/* "show mdcs ..." for vtysh: rpd's configuration and state as text or JSON. */
#ifndef RPD_CLI_SHOW_H
#define RPD_CLI_SHOW_H

#include <stddef.h>
#include <libyang/libyang.h>

/*
 * The output of line ("show mdcs [WHAT] [json]") on data, the running
 * configuration with its state: tables for people, or the YANG data as
 * RFC 7951 JSON.  Returns the output (malloc'd), or NULL with the reason
 * in err.
 */
char *cli_show(const struct lyd_node *data, const char *line, char *err,
	       size_t errlen);

#endif
