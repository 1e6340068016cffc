/* The overlay link: a tun device whose far end is rpd, pim6d's neighbor. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>

#include "log.h"
#include "netlink.h"
#include "overlay.h"

/* The overlay routes: copies it forwards to rpd go to the tunnel. */
static int enable_forwarding(const char *name)
{
	char path[96];
	int fd, rc;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding",
		 name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = write(fd, "1", 1) == 1 ? 0 : -1;
	close(fd);
	return rc;
}

int overlay_open(struct overlay *o, const char *name, unsigned mtu)
{
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };

	snprintf(o->name, sizeof(o->name), "%s", name);
	o->ifindex = 0;
	o->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (o->fd < 0) {
		log_err("/dev/net/tun: %m");
		return -1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(o->fd, TUNSETIFF, &ifr) || ioctl(o->fd, TUNSETPERSIST, 1)) {
		log_err("overlay %s: %m", name);
		goto fail;
	}
	o->ifindex = nl_link_index(name);
	if (!o->ifindex || nl_link_up(o->ifindex, mtu) ||
	    enable_forwarding(name)) {
		log_err("overlay %s: cannot set it up", name);
		goto fail;
	}
	return 0;
fail:
	close(o->fd);
	o->fd = -1;
	return -1;
}

void overlay_close(struct overlay *o, bool remove)
{
	if (o->fd < 0)
		return;
	if (remove && ioctl(o->fd, TUNSETPERSIST, 0))
		log_warn("overlay %s: cannot remove it: %m", o->name);
	close(o->fd);
	o->fd = -1;
}

ssize_t overlay_read(struct overlay *o, void *buf, size_t cap)
{
	return read(o->fd, buf, cap);
}

int overlay_write(struct overlay *o, const void *pkt, size_t len)
{
	ssize_t n = write(o->fd, pkt, len);

	if (n != (ssize_t)len) {
		log_warn("overlay %s: write: %m", o->name);
		return -1;
	}
	return 0;
}
