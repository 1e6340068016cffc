/* rpd's CLI socket: requests from FRR's pim6d module, framed as proto/cli.h. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cli_socket.h"
#include "log.h"
#include "proto/cli.h"

#define SEND_TIMEOUT_MS 5000 /* a client that does not read is dropped */

static void drop(struct cli_client *c)
{
	loop_unwatch(c->s->loop, c->fd);
	close(c->fd);
	free(c->buf);
	c->fd = -1;
	c->buf = NULL;
	c->len = c->cap = 0;
}

/* Send all of p before the deadline, however slowly the client reads. */
static int send_all(int fd, const char *p, size_t len, uint64_t deadline)
{
	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		uint64_t now = loop_now_ms();
		ssize_t n;

		if (now >= deadline ||
		    (poll(&pfd, 1, (int)(deadline - now)) < 0 &&
		     errno != EINTR))
			return -1;
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
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
	uint64_t deadline = loop_now_ms() + SEND_TIMEOUT_MS;

	return send_all(c->fd, text ? text : "", text ? strlen(text) : 0,
			deadline) ||
			       send_all(c->fd, tail, sizeof(tail), deadline)
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
	n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, MSG_DONTWAIT);
	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		drop(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	while (c->fd >= 0) {
		nul = memchr(c->buf, '\0', c->len);
		if ((nul ? (size_t)(nul - c->buf) : c->len) >
		    MDCS_CLI_MAX_REQUEST) {
			log_warn("CLI socket: a request over %u octets; "
				 "client dropped",
				 MDCS_CLI_MAX_REQUEST);
			reply(c, "request too long", MDCS_CLI_MALFORMED);
			drop(c);
		} else if (!nul) {
			break;
		} else if (answer(c, (size_t)(nul - c->buf))) {
			drop(c);
		}
	}
}

static void on_accept(void *arg)
{
	struct cli_socket *s = arg;
	int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
	struct cli_client *c = NULL;

	if (fd < 0)
		return;
	for (unsigned i = 0; i < CLI_MAX_CLIENTS && !c; i++)
		if (s->clients[i].fd < 0)
			c = &s->clients[i];
	if (!c || loop_watch(s->loop, fd, on_client, c)) {
		log_warn("CLI socket: a client refused (%s)",
			 c ? "cannot watch it" : "too many clients");
		close(fd);
		return;
	}
	c->fd = fd;
}

/*
 * Make way for the socket: a socket file no one listens on is a stale one
 * of an rpd gone; anything else at path is refused, not removed.
 */
static int clear_path(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		errno = EADDRINUSE; /* another rpd serves it */
		return -1;
	}
	return errno == ECONNREFUSED ? unlink(sun->sun_path) : -1;
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
	s->bound = s->path && s->fd >= 0 && !clear_path(&sun) &&
		   !bind(s->fd, (struct sockaddr *)&sun, sizeof(sun));
	if (!s->bound || chmod(path, 0660) || chown(path, (uid_t)-1, gid) ||
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
	}
	if (s->bound)
		unlink(s->path);
	free(s->path);
	s->path = NULL;
	s->fd = -1;
	s->loop = NULL;
}
