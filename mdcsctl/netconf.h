/* mdcsctl's NETCONF client: rpd's YANG data over its UNIX socket. */
#ifndef MDCSCTL_NETCONF_H
#define MDCSCTL_NETCONF_H

/*
 * Run one of get, get-config, edit, validate, commit and discard on rpd's
 * NETCONF UNIX socket: args are the command and its operands, datastore
 * the -d option (NULL: the command's default).  Data is printed as YANG
 * JSON on stdout; a refused request prints the rpc-error on stderr.
 * Returns the process's exit status: 0 done, 1 refused or failed, 2 usage.
 */
int netconf_command(const char *socket_path, const char *datastore, int argc,
		    char **argv);

/* Whether cmd is one of netconf_command's commands. */
int netconf_is_command(const char *cmd);

#endif
