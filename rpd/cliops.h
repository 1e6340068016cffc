/* The CLI socket's requests (proto/cli.h) on rpd's datastores and state. */
#ifndef RPD_CLIOPS_H
#define RPD_CLIOPS_H

/*
 * Answer one request as cli_request_fn does; arg is a struct ncops, whose
 * datastores and hooks (state, actions) serve NETCONF as well.  Edits go to
 * running, like NETCONF's writable-running, as the session that holds no
 * lock: a NETCONF lock on running refuses them.
 */
int cliops_answer(void *arg, const char *verb, const char *body, char **text);

#endif
