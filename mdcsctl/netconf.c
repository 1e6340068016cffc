/* mdcsctl's NETCONF client: rpd's YANG data over its UNIX socket. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nc_client.h>

#include "netconf.h"

#define REPLY_MS 120000 /* a commit of many mappings takes seconds */

static const struct {
	const char *name;
	NC_DATASTORE ds;
} datastores[] = {
	{ "running", NC_DATASTORE_RUNNING },
	{ "candidate", NC_DATASTORE_CANDIDATE },
	{ "startup", NC_DATASTORE_STARTUP },
};

static int parse_datastore(const char *name, NC_DATASTORE *ds)
{
	for (size_t i = 0; i < sizeof(datastores) / sizeof(datastores[0]); i++)
		if (!strcmp(name, datastores[i].name)) {
			*ds = datastores[i].ds;
			return 0;
		}
	fprintf(stderr,
		"mdcsctl: no datastore %s: running, candidate or "
		"startup\n",
		name);
	return -1;
}

/*
 * libnetconf2's own messages, kept to explain a failure: while it learns
 * rpd's modules it also logs errors it recovers from (a module rpd does not
 * have), which would only confuse a command that succeeds.
 */
#define KEPT_MESSAGES 4
static char kept[KEPT_MESSAGES][256];
static unsigned n_kept;

static void keep_message(const struct nc_session *s, NC_VERB_LEVEL level,
			 const char *msg)
{
	(void)s;
	(void)level;
	snprintf(kept[n_kept++ % KEPT_MESSAGES], sizeof(kept[0]), "%s", msg);
}

static void print_kept(void)
{
	unsigned first = n_kept > KEPT_MESSAGES ? n_kept - KEPT_MESSAGES : 0;

	for (unsigned i = first; i < n_kept; i++)
		fprintf(stderr, "mdcsctl: %s\n", kept[i % KEPT_MESSAGES]);
}

/* The rpc-reply envelope is opaque data: names and values as sent. */
static const char *node_name(const struct lyd_node *n)
{
	return n->schema ? n->schema->name
			 : ((const struct lyd_node_opaq *)n)->name.name;
}

static const char *node_value(const struct lyd_node *n)
{
	return n->schema ? lyd_get_value(n)
			 : ((const struct lyd_node_opaq *)n)->value;
}

static const char *child_value(const struct lyd_node *n, const char *name)
{
	const struct lyd_node *c;

	LY_LIST_FOR (lyd_child(n), c)
		if (!strcmp(node_name(c), name))
			return node_value(c);
	return NULL;
}

/* Print each rpc-error of a reply; the number printed. */
static int print_errors(const struct lyd_node *envp)
{
	const struct lyd_node *e;
	int n = 0;

	LY_LIST_FOR (lyd_child(envp), e) {
		const char *msg, *tag, *path;

		if (strcmp(node_name(e), "rpc-error"))
			continue;
		msg = child_value(e, "error-message");
		tag = child_value(e, "error-tag");
		path = child_value(e, "error-path");
		fprintf(stderr, "mdcsctl: refused: %s (%s%s%s)\n",
			msg ? msg : "no reason given", tag ? tag : "error",
			path ? " at " : "", path ? path : "");
		n++;
	}
	return n;
}

static void print_data(const struct lyd_node *op)
{
	const struct lyd_node *n;

	LY_LIST_FOR (lyd_child(op), n) {
		const struct lyd_node_any *data = (const void *)n;

		if (strcmp(node_name(n), "data"))
			continue;
		if (data->value_type == LYD_ANYDATA_DATATREE &&
		    data->value.tree) {
			lyd_print_file(stdout, data->value.tree, LYD_JSON,
				       LYD_PRINT_WITHSIBLINGS);
			return;
		}
	}
	printf("{}\n");
}

/* Send rpc (freed here) and wait for its reply: 0 done, 1 refused. */
static int call(struct nc_session *s, struct nc_rpc *rpc)
{
	struct lyd_node *envp = NULL, *op = NULL;
	NC_MSG_TYPE r;
	uint64_t id;
	int rc = 1;

	if (nc_send_rpc(s, rpc, REPLY_MS, &id) != NC_MSG_RPC) {
		print_kept();
		fprintf(stderr, "mdcsctl: cannot send the request to rpd\n");
		goto out;
	}
	do
		r = nc_recv_reply(s, rpc, id, REPLY_MS, &envp, &op);
	while (r == NC_MSG_NOTIF);
	if (r != NC_MSG_REPLY) {
		print_kept();
		fprintf(stderr, "mdcsctl: no reply from rpd\n");
		goto out;
	}
	if (print_errors(envp))
		goto out;
	if (op)
		print_data(op);
	rc = 0;
out:
	lyd_free_all(envp);
	lyd_free_all(op);
	nc_rpc_free(rpc);
	return rc;
}

static char *read_file(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	size_t len = 0, cap = 4096;
	char *text = malloc(cap);

	if (!f || !text) {
		fprintf(stderr, "mdcsctl: %s: %m\n", path);
		free(text);
		return NULL;
	}
	for (size_t got; (got = fread(text + len, 1, cap - len - 1, f));) {
		char *more;

		len += got;
		if (len + 1 < cap)
			continue;
		cap *= 2;
		more = realloc(text, cap);
		if (!more) {
			free(text);
			text = NULL;
			break;
		}
		text = more;
	}
	if (text)
		text[len] = '\0';
	if (f != stdin)
		fclose(f);
	return text;
}

/*
 * YANG JSON, in the modules rpd announced, as the XML edit-config carries;
 * parsed only: rpd validates, and says what it refuses.
 */
static char *edit_content(struct nc_session *s, const char *path)
{
	const struct ly_ctx *ctx = nc_session_get_ctx(s);
	struct lyd_node *tree = NULL;
	char *text = read_file(path), *xml = NULL;

	if (!text)
		return NULL;
	if (lyd_parse_data_mem(ctx, text, LYD_JSON,
			       LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, &tree)) {
		const struct ly_err_item *e = ly_err_last(ctx);

		fprintf(stderr, "mdcsctl: %s: %s%s%s\n", path,
			e ? e->msg : "not YANG JSON",
			e && e->path ? " at " : "",
			e && e->path ? e->path : "");
	} else if (!tree) {
		fprintf(stderr, "mdcsctl: %s: no data\n", path);
	} else if (lyd_print_mem(&xml, tree, LYD_XML, LYD_PRINT_WITHSIBLINGS)) {
		fprintf(stderr, "mdcsctl: %s: cannot convert it\n", path);
		xml = NULL;
	}
	lyd_free_all(tree);
	free(text);
	return xml;
}

/* A request made, or the reason it was not (libnetconf2's memory). */
static struct nc_rpc *made(struct nc_rpc *rpc)
{
	if (!rpc)
		fprintf(stderr, "mdcsctl: cannot make the request\n");
	return rpc;
}

static struct nc_rpc *get(struct nc_session *s, NC_DATASTORE ds,
			  const char *xpath)
{
	(void)s;
	(void)ds;
	return made(nc_rpc_get(xpath, NC_WD_UNKNOWN, NC_PARAMTYPE_CONST));
}

static struct nc_rpc *get_config(struct nc_session *s, NC_DATASTORE ds,
				 const char *xpath)
{
	(void)s;
	return made(
		nc_rpc_getconfig(ds, xpath, NC_WD_UNKNOWN, NC_PARAMTYPE_CONST));
}

static struct nc_rpc *edit(struct nc_session *s, NC_DATASTORE ds,
			   const char *path)
{
	char *xml = edit_content(s, path);

	if (!xml)
		return NULL; /* edit_content said why */
	return made(nc_rpc_edit(
		ds, NC_RPC_EDIT_DFLTOP_MERGE, NC_RPC_EDIT_TESTOPT_UNKNOWN,
		NC_RPC_EDIT_ERROPT_UNKNOWN, xml, NC_PARAMTYPE_FREE));
}

static struct nc_rpc *validate(struct nc_session *s, NC_DATASTORE ds,
			       const char *operand)
{
	(void)s;
	(void)operand;
	return made(nc_rpc_validate(ds, NULL, NC_PARAMTYPE_CONST));
}

static struct nc_rpc *commit(struct nc_session *s, NC_DATASTORE ds,
			     const char *operand)
{
	(void)s;
	(void)ds;
	(void)operand;
	return made(nc_rpc_commit(0, 0, NULL, NULL, NC_PARAMTYPE_CONST));
}

static struct nc_rpc *discard(struct nc_session *s, NC_DATASTORE ds,
			      const char *operand)
{
	(void)s;
	(void)ds;
	(void)operand;
	return made(nc_rpc_discard());
}

enum operand { NONE, OPTIONAL, REQUIRED };

static const struct command {
	const char *name;
	enum operand operand;
	const char *datastore; /* the default of -d */
	struct nc_rpc *(*request)(struct nc_session *s, NC_DATASTORE ds,
				  const char *operand);
} commands[] = {
	{ "get", OPTIONAL, "running", get },
	{ "get-config", OPTIONAL, "running", get_config },
	{ "edit", REQUIRED, "running", edit },
	{ "validate", NONE, "candidate", validate },
	{ "commit", NONE, "running", commit },
	{ "discard", NONE, "running", discard },
};

static const struct command *command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

int netconf_is_command(const char *cmd)
{
	return command(cmd) != NULL;
}

int netconf_command(const char *socket_path, const char *datastore, int argc,
		    char **argv)
{
	const struct command *cmd = command(argv[0]);
	const char *operand = argc > 1 ? argv[1] : NULL;
	struct nc_rpc *rpc;
	struct nc_session *s;
	NC_DATASTORE ds;
	int rc = 1;

	if (argc > 2 || (cmd->operand == NONE && operand) ||
	    (cmd->operand == REQUIRED && !operand)) {
		fprintf(stderr,
			"mdcsctl: %s: wrong operands; see mdcsctl "
			"--help\n",
			cmd->name);
		return 2;
	}
	if (!socket_path) {
		fprintf(stderr, "mdcsctl: %s needs rpd's NETCONF socket (-s)\n",
			cmd->name);
		return 2;
	}
	if (parse_datastore(datastore ? datastore : cmd->datastore, &ds))
		return 2;
	nc_client_init();
	nc_set_print_clb_session(keep_message);
	nc_verbosity(NC_VERB_ERROR);
	s = nc_connect_unix(socket_path, NULL);
	if (!s) {
		print_kept();
		fprintf(stderr, "mdcsctl: no NETCONF session with rpd on %s\n",
			socket_path);
	} else {
		rpc = cmd->request(s, ds, operand);
		rc = rpc ? call(s, rpc) : 1;
		nc_session_free(s, NULL);
	}
	nc_client_destroy();
	return rc;
}
