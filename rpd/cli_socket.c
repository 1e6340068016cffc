/* rpd's CLI socket: requests from FRR's pim6d module, framed as proto/cli.h. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cli_socket.h"
#include "log.h"
#include "proto/cli.h"

#define SEND_TIMEOUT_S 5 /* a client that stops reading is dropped */

static void drop(struct cli_client *c)
{
	loop_unwatch(c->s->loop, c->fd);
	close(c->fd);
	free(c->buf);
	c->fd = -1;
	c->buf = NULL;
	c->len = c->cap = 0;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int reply(struct cli_client *c, const char *text, int status)
{
	char tail[2] = { '\0', (char)status };

	return send_all(c->fd, text ? text : "", text ? strlen(text) : 0) ||
			       send_all(c->fd, tail, sizeof(tail))
		       ? -1
		       : 0;
}

/* Answer the request that ends at the NUL at buf[end]. */
static int answer(struct cli_client *c, size_t end)
{
	char *verb = c->buf, *body = strchr(verb, '\n'), *text = NULL;
	int status, rc;

	if (body)
		*body++ = '\0';
	else
		body = verb + end;
	status = c->s->answer(c->s->arg, verb, body, &text);
	rc = reply(c, text, status);
	free(text);
	memmove(c->buf, c->buf + end + 1, c->len - end - 1);
	c->len -= end + 1;
	return rc;
}

static void on_client(void *arg)
{
	struct cli_client *c = arg;
	char *nul;
	ssize_t n;

	if (c->cap - c->len < 4096) {
		size_t cap = c->cap ? c->cap * 2 : 65536;
		char *buf = realloc(c->buf, cap);

		if (!buf) {
			drop(c);
			return;
		}
		c->buf = buf;
		c->cap = cap;
	}
	n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
	if (n <= 0) {
		if (n < 0 && errno == EINTR)
			return;
		drop(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	while (c->fd >= 0 && (nul = memchr(c->buf, '\0', c->len)))
		if (answer(c, (size_t)(nul - c->buf)))
			drop(c);
	if (c->fd >= 0 && c->len > MDCS_CLI_MAX_REQUEST) {
		log_warn("CLI socket: a request over %u octets; "
			 "client dropped",
			 MDCS_CLI_MAX_REQUEST);
		reply(c, "request too long", MDCS_CLI_MALFORMED);
		drop(c);
	}
}

static void on_accept(void *arg)
{
	struct cli_socket *s = arg;
	struct timeval tv = { .tv_sec = SEND_TIMEOUT_S };
	int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
	struct cli_client *c = NULL;

	if (fd < 0)
		return;
	for (unsigned i = 0; i < CLI_MAX_CLIENTS && !c; i++)
		if (s->clients[i].fd < 0)
			c = &s->clients[i];
	if (!c || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    loop_watch(s->loop, fd, on_client, c)) {
		log_warn("CLI socket: a client refused (%s)",
			 c ? "cannot watch it" : "too many clients");
		close(fd);
		return;
	}
	c->fd = fd;
}

int cli_socket_open(struct cli_socket *s, struct loop *loop, const char *path,
		    gid_t gid, cli_request_fn answer_fn, void *arg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	for (unsigned i = 0; i < CLI_MAX_CLIENTS; i++)
		s->clients[i] = (struct cli_client){ .s = s, .fd = -1 };
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("CLI socket %s: path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	s->loop = loop;
	s->answer = answer_fn;
	s->arg = arg;
	s->path = strdup(path);
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	unlink(path);
	if (!s->path || s->fd < 0 ||
	    bind(s->fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(path, 0660) || chown(path, (uid_t)-1, gid) ||
	    listen(s->fd, CLI_MAX_CLIENTS) ||
	    loop_watch(loop, s->fd, on_accept, s)) {
		log_err("CLI socket %s: %m", path);
		cli_socket_close(s);
		return -1;
	}
	log_notice("CLI requests on %s", path);
	return 0;
}

void cli_socket_close(struct cli_socket *s)
{
	if (!s->loop)
		return; /* never opened */
	for (unsigned i = 0; i < CLI_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			drop(&s->clients[i]);
	if (s->fd >= 0) {
		loop_unwatch(s->loop, s->fd);
		close(s->fd);
		if (s->path)
			unlink(s->path);
	}
	free(s->path);
	s->path = NULL;
	s->fd = -1;
	s->loop = NULL;
}
