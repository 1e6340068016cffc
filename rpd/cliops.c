/* The CLI socket's requests (proto/cli.h) on rpd's datastores and state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_config.h"
#include "cli_show.h"
#include "cliops.h"
#include "log.h"
#include "ncops.h"
#include "proto/cli.h"

static int refuse(char **text, const char *reason)
{
	*text = strdup(reason);
	return MDCS_CLI_REFUSED;
}

/* err's reason, and where: the path below the mdcs container, as the
 * commands name it. */
static int refuse_ds(char **text, const struct ds_error *err)
{
	char reason[sizeof(err->message) + sizeof(err->path) + 8];
	const char *at = strstr(err->path, "/mdcs:mdcs/");

	at = at ? at + strlen("/mdcs:mdcs/") : err->path;
	snprintf(reason, sizeof(reason), "%s%s%s", err->message,
		 at[0] ? " at " : "", at);
	return refuse(text, reason);
}

/* apply, or load (replace): lines become running as one transaction. */
static int edit(struct ncops *ops, const char *lines, bool replace, char **text)
{
	struct datastore *ds = ops->ds;
	struct ds_error err = { 0 };
	struct lyd_node *config = NULL;
	int rc = MDCS_CLI_DONE;

	if (ds->tree[DS_RUNNING] &&
	    lyd_dup_siblings(ds->tree[DS_RUNNING], NULL, LYD_DUP_RECURSIVE,
			     &config))
		return refuse(text, "out of memory");
	if (replace)
		cli_config_clear(&config);
	if (cli_config_apply(ds->ctx, &config, lines, err.message,
			     sizeof(err.message)) ||
	    ds_replace(ds, 0, DS_RUNNING, config, &err)) {
		rc = refuse_ds(text, &err);
		log_info("CLI %s refused: %s", replace ? "load" : "apply",
			 *text ? *text : "");
	}
	lyd_free_all(config);
	return rc;
}

static int show(struct ncops *ops, const char *line, char **text)
{
	struct ds_error err = { 0 };
	struct lyd_node *data;
	char reason[256];

	if (ncops_running_state(ops, &data, &err))
		return refuse_ds(text, &err);
	*text = cli_show(data, line, reason, sizeof(reason));
	lyd_free_all(data);
	return *text ? MDCS_CLI_DONE : refuse(text, reason);
}

/* "clear mdcs counters [remote-rp NAME]": the clear-counters action. */
static int clear(struct ncops *ops, const char *line, char **text)
{
	const struct lyd_node *inst =
		cli_config_instance(ops->ds->tree[DS_RUNNING]);
	const struct lys_module *mod =
		ly_ctx_get_module_implemented(ops->ds->ctx, "mdcs");
	struct lyd_node *copy = NULL, *mdcs = NULL, *action = NULL;
	struct ds_error err = { 0 };
	char rp[64] = "";
	int n = sscanf(line, "clear mdcs counters remote-rp %63s", rp);
	int rc = MDCS_CLI_DONE;

	if (n != 1 && strcmp(line, "clear mdcs counters"))
		return refuse(text, "not a clear mdcs command");
	if (!inst)
		return refuse(text, "no RP is configured");
	/* The action's parents: the instance (with its keys), mdcs. */
	if (!mod || lyd_dup_single(inst, NULL, LYD_DUP_WITH_PARENTS, &copy) ||
	    lyd_new_inner(copy, mod, "mdcs", 0, &mdcs) ||
	    lyd_new_inner(mdcs, NULL, "clear-counters", 0, &action) ||
	    (rp[0] && lyd_new_term(action, NULL, "remote-rp", rp, 0, NULL)))
		rc = refuse(text, "cannot build the clear-counters action");
	else if (ops->hooks.action(ops->hooks.arg, action, &err))
		rc = refuse_ds(text, &err);
	lyd_free_all(copy);
	return rc;
}

int cliops_answer(void *arg, const char *verb, const char *body, char **text)
{
	struct ncops *ops = arg;

	*text = NULL;
	if (!strcmp(verb, MDCS_CLI_APPLY))
		return edit(ops, body, false, text);
	if (!strcmp(verb, MDCS_CLI_LOAD))
		return edit(ops, body, true, text);
	if (!strcmp(verb, MDCS_CLI_CONFIG)) {
		*text = cli_config_render(ops->ds->tree[DS_RUNNING]);
		if (!*text)
			return refuse(text, "out of memory");
		return ops->ds->never_configured ? MDCS_CLI_UNCONFIGURED
						 : MDCS_CLI_DONE;
	}
	if (!strcmp(verb, MDCS_CLI_SHOW))
		return show(ops, body, text);
	if (!strcmp(verb, MDCS_CLI_CLEAR))
		return clear(ops, body, text);
	*text = strdup("unknown request");
	return MDCS_CLI_MALFORMED;
}
