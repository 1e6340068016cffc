/* rpd's CLI socket: the requests of FRR's pim6d module and their replies. */
#ifndef MDCS_PROTO_CLI_H
#define MDCS_PROTO_CLI_H

/*
 * A UNIX stream socket carries one request at a time, each answered before
 * the next is sent:
 *
 *	request = verb "\n" body NUL
 *	reply   = text NUL status
 *
 * The body and the text are lines of text without NUL; status is one octet.
 * docs/wire-format.md describes the verbs and the command lines they carry.
 */

#define MDCS_CLI_APPLY	"apply"	 /* body: config lines; one transaction */
#define MDCS_CLI_LOAD	"load"	 /* body: config lines; the whole config */
#define MDCS_CLI_CONFIG "config" /* no body; text: running as config lines */
#define MDCS_CLI_SHOW	"show"	 /* body: a "show mdcs ..." line */
#define MDCS_CLI_CLEAR	"clear"	 /* body: a "clear mdcs counters ..." line */

enum mdcs_cli_status {
	MDCS_CLI_DONE = 0,
	MDCS_CLI_REFUSED = 1,	/* the text says why */
	MDCS_CLI_MALFORMED = 2, /* unknown verb, or a request too long */
	/* config only: rpd started with no configuration file of any kind
	 * and has had no configuration since, so a client that holds one
	 * should send it. */
	MDCS_CLI_UNCONFIGURED = 3,
};

#define MDCS_CLI_MAX_REQUEST (16u << 20)

#endif
