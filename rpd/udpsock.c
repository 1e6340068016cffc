/* UDP sockets on the RP's tunnel address: control, probes and relaying. */
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>

#include "udpsock.h"

int udp_socket(const struct in6_addr *addr, uint16_t port)
{
	struct sockaddr_in6 sa = {
		.sin6_family = AF_INET6,
		.sin6_addr = *addr,
		.sin6_port = htons(port),
	};
	int one = 1;
	int s = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -1;
	/* The tunnel address may still be tentative when rpd starts. */
	if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ||
	    setsockopt(s, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(s);
		errno = e;
		return -1;
	}
	return s;
}

uint16_t udp_port(int sock)
{
	struct sockaddr_in6 sa;
	socklen_t len = sizeof(sa);

	if (getsockname(sock, (struct sockaddr *)&sa, &len) ||
	    len != sizeof(sa))
		return 0;
	return ntohs(sa.sin6_port);
}
