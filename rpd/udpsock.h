/* UDP sockets on the RP's tunnel address: control, probes and relaying. */
#ifndef RPD_UDPSOCK_H
#define RPD_UDPSOCK_H

#include <stdint.h>
#include <netinet/in.h>

/* A non-blocking UDP socket bound to addr and port (0: any), which may not
 * be configured yet; -1 if it cannot be had, with errno set. */
int udp_socket(const struct in6_addr *addr, uint16_t port);

/* The port a socket is bound to; 0 if it cannot be told. */
uint16_t udp_port(int sock);

#endif
