/* The lower bound for bench/boot: an init that only loads the NIC driver
 * modules in /m (file-name order), sets fathom.ipv4= on the first NIC and
 * waits. What the appliance does beyond this costs time to first ping. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MODULES_DIR "/m"

struct ipv4 {
	struct in_addr addr, mask, gw;
};

static void say(const char *what, const char *detail)
{
	dprintf(STDOUT_FILENO, "bare-init: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
}

/* CLOCK_MONOTONIC counts from the kernel's start: the guest-side time. */
static void ready(const char *nic)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	dprintf(STDOUT_FILENO, "bare-init: ready: %s at %ld ms\n", nic,
		(long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* fathom.ipv4=ADDR/PREFIX[,GATEWAY] from the kernel command line. */
static int ipv4_from_cmdline(struct ipv4 *ip)
{
	char cmdline[4096], *p, *slash, *comma;
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, cmdline, sizeof(cmdline) - 1) : -1;
	long prefix;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	cmdline[n] = '\0';
	p = strstr(cmdline, "fathom.ipv4=");
	if (!p)
		return -1;
	p += strlen("fathom.ipv4=");
	p[strcspn(p, " \n")] = '\0';
	slash = strchr(p, '/');
	if (!slash)
		return -1;
	*slash++ = '\0';
	comma = strchr(slash, ',');
	if (comma)
		*comma++ = '\0';
	prefix = strtol(slash, NULL, 10);
	if (inet_pton(AF_INET, p, &ip->addr) != 1 || prefix < 0 || prefix > 32)
		return -1;
	ip->mask.s_addr = prefix ? htonl(~0u << (32 - prefix)) : 0;
	ip->gw.s_addr = 0;
	return comma && inet_pton(AF_INET, comma, &ip->gw) != 1 ? -1 : 0;
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Load every module in MODULES_DIR; their names give the load order. */
static void modules_load(void)
{
	struct dirent **ents;
	char path[512];
	int i, fd, n = scandir(MODULES_DIR, &ents, not_hidden, alphasort);

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), MODULES_DIR "/%s", ents[i]->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST))
			say(path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

/* The first interface that is not loopback, waiting up to 5 s for it. */
static int nic_find(char *name)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct if_nameindex *ifs, *i;
	int tries;

	for (tries = 0; tries < 500; tries++) {
		ifs = if_nameindex();
		for (i = ifs; i && i->if_index; i++)
			if (strcmp(i->if_name, "lo") != 0) {
				snprintf(name, IFNAMSIZ, "%s", i->if_name);
				if_freenameindex(ifs);
				return 0;
			}
		if (ifs)
			if_freenameindex(ifs);
		nanosleep(&tick, NULL);
	}
	return -1;
}

static struct sockaddr sockaddr_of(struct in_addr a)
{
	struct sockaddr s;
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr = a };

	memcpy(&s, &in, sizeof(in));
	return s;
}

/* Address, netmask and up, then the default route: plain ioctls. */
static int ipv4_set(const char *nic, const struct ipv4 *ip)
{
	struct ifreq ifr = { 0 };
	struct rtentry rt = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", nic);
	ifr.ifr_addr = sockaddr_of(ip->addr);
	if (fd < 0 || ioctl(fd, SIOCSIFADDR, &ifr) < 0)
		return -1;
	ifr.ifr_netmask = sockaddr_of(ip->mask);
	if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return -1;
	if (ip->gw.s_addr) {
		rt.rt_dst = sockaddr_of((struct in_addr){ 0 });
		rt.rt_genmask = sockaddr_of((struct in_addr){ 0 });
		rt.rt_gateway = sockaddr_of(ip->gw);
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		if (ioctl(fd, SIOCADDRT, &rt) < 0)
			return -1;
	}
	close(fd);
	return 0;
}

int main(void)
{
	struct ipv4 ip;
	char nic[IFNAMSIZ];

	if (mount("proc", "/proc", "proc", 0, NULL) < 0)
		say("mount /proc", strerror(errno));
	modules_load();
	if (ipv4_from_cmdline(&ip) < 0)
		say("fathom.ipv4=ADDR/PREFIX[,GATEWAY]", "missing or malformed");
	else if (nic_find(nic) < 0)
		say("no network interface", "is the NIC driver in " MODULES_DIR "?");
	else if (ipv4_set(nic, &ip) < 0)
		say(nic, strerror(errno));
	else
		ready(nic);
	for (;;)
		pause();
}
