/* uploader: moves the measurement records ndt7 spools into the platform's
 * archive (or an operator's HTTPS server), at least once, every loss
 * counted. The event loop: signals, the spool's inotify events, the
 * metrics socket, and the core's timers (core.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "core.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "report.h"
#include "serve.h"

#define STATUS_EVERY_MS 10000
#define SETTLE_MS 200		/* spool events are gathered this long before a pass */
#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR)

void log_sink(enum log_level level, const char *line)
{
	fprintf(stderr, "uploader: %s%s\n", level <= LOG_ERR ? "error: " :
		level == LOG_WARN ? "warning: " : "", line);
}

static void write_status(const char *path, const char *line)
{
	char tmp[4200];
	int fd;

	if (!path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0)
		unlink(tmp);
}

/* Watch dir and its directories (records arrive by rename into day
 * directories made as the days go). */
static void watch_tree(int ifd, const char *dir, int depth)
{
	DIR *dp;
	struct dirent *d;

	if (inotify_add_watch(ifd, dir, WATCH_MASK) < 0 || depth == 0 || !(dp = opendir(dir)))
		return;
	while ((d = readdir(dp))) {
		char sub[4096];

		if (d->d_name[0] == '.' || d->d_type != DT_DIR ||
		    snprintf(sub, sizeof(sub), "%s/%s", dir, d->d_name) >= (int)sizeof(sub))
			continue;
		watch_tree(ifd, sub, depth - 1);
	}
	closedir(dp);
}

/* Drain the inotify events: 1 if a directory appeared (watch it too). */
static int drain(int ifd)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	int newdir = 0;

	while ((n = read(ifd, buf, sizeof(buf))) > 0) {
		const char *p = buf;

		while (p < buf + n) {
			const struct inotify_event *e = (const void *)p;

			if ((e->mask & IN_ISDIR) || (e->mask & IN_Q_OVERFLOW))
				newdir = 1;
			p += sizeof(*e) + e->len;
		}
	}
	return newdir;
}

static struct timespec wall_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t;
}

/* Wait for a signal at most ms: 1 if one asked to stop. */
static int wait_signal(int sfd, long ms)
{
	struct pollfd p = { sfd, POLLIN, 0 };
	struct signalfd_siginfo si;

	if (poll(&p, 1, (int)ms) > 0 && read(sfd, &si, sizeof(si)) == sizeof(si))
		return 1;
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf;

	if (!f)
		return NULL;
	buf = calloc(1, 65537);
	*len = buf ? fread(buf, 1, 65536, f) : 0;
	fclose(f);
	return buf;
}

/* The names bundles go under, and for gcs the bucket: from the options,
 * else the registration. 1 ready, 0 not yet (why says), -1 never. */
static int resolve(struct up_config *c, struct up_names *n, char *why, size_t cap)
{
	static struct registration reg;
	static char host[256];
	char err[256];
	size_t len;
	char *text;

	n->prefix = c->object_prefix;
	n->experiment = c->experiment;
	n->org = c->org;
	n->node = c->node;
	if (c->node && c->org && (c->target != UP_GCS || c->bucket))
		return 1;
	if (!(text = slurp(c->registration_file, &len))) {
		if (c->target == UP_PUT) {
			/* An operator's own server: no registration to wait for. */
			if (!n->node && gethostname(host, sizeof(host) - 1) == 0)
				n->node = host;
			if (!n->org)
				n->org = "local";
			return n->node ? 1 : -1;
		}
		snprintf(why, cap, "waiting for the registration (%s)", c->registration_file);
		return 0;
	}
	if (registration_parse(text, len, &reg, err, sizeof(err)) < 0) {
		free(text);
		snprintf(why, cap, "registration %s: %s", c->registration_file, err);
		return 0;
	}
	free(text);
	/* jostler's node part: MACHINE-SITE of an M-Lab name (naming.h). */
	if (!n->node)
		n->node = reg.names_ok ? reg.names.node : reg.hostname;
	if (!n->org && reg.names_ok)
		n->org = reg.names.org;
	if (!c->bucket && reg.names_ok)
		c->bucket = reg.names.bucket;
	if (!n->org || (c->target == UP_GCS && !c->bucket)) {
		snprintf(why, cap, "the registered name %s is not M-Lab's shape: give --org%s",
			 reg.hostname, c->bucket ? "" : " and --bucket");
		return 0;
	}
	return 1;
}

/* A credential others can read is one others can use: say so (once). */
static void check_private(const char *what, const char *path)
{
	struct stat st;

	if (path && stat(path, &st) == 0 && (st.st_mode & 0007))
		log_warn("%s %s is readable by others (mode %04o): chmod o-rwx %s", what, path,
			 (unsigned)(st.st_mode & 07777), path);
}

static struct target *open_target(const struct up_config *c, char *err, size_t cap)
{
	struct target_config tc = {
		.kind = c->target == UP_PUT ? TARGET_PUT : TARGET_GCS,
		.gcs_endpoint = c->gcs_endpoint ? c->gcs_endpoint : "https://storage.googleapis.com",
		.bucket = c->bucket, .service_account_file = c->service_account_file,
		.token_url = c->token_url, .put_url = c->put_url,
		.put_token_file = c->put_token_file, .ca_file = c->ca_file,
		.timeout_ms = c->timeout_s * 1000,
	};

	return target_open(&tc, err, cap);
}

/* Until ready or stopped: 1 ready, 0 stopped. */
static int prepare(struct up_config *c, struct up_names *n, struct target **t, int sfd)
{
	char why[512] = "", last[512] = "";

	for (;;) {
		int r = resolve(c, n, why, sizeof(why));

		if (r < 0) {
			snprintf(why, sizeof(why), "no node name: give --node");
		} else if (r == 1 && (*t = open_target(c, why, sizeof(why)))) {
			if (c->target == UP_PUT)
				check_private("the bearer token file", c->put_token_file);
			else
				check_private("the service-account key", c->service_account_file);
			return 1;
		}
		if (strcmp(why, last) != 0) {
			log_info("%s; trying again every 10 s", why);
			snprintf(last, sizeof(last), "%s", why);
		}
		/* Rewritten while waiting: fathom-status calls a stale line stopped. */
		write_status(c->status_file, why);
		if (wait_signal(sfd, 10000))
			return 0;
	}
}

static int run(struct core *core, const struct up_config *c, int sfd)
{
	int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int mfd = c->metrics_listen ? serve_listen(c->metrics_listen) : -1;
	long long next = 0, status_at = 0;
	char line[512];

	if (ifd < 0)
		log_warn("inotify: %s; looking at the spool every 30 s instead", strerror(errno));
	else
		watch_tree(ifd, c->spool_dir, QUEUE_DEPTH);
	for (;;) {
		struct pollfd p[3] = { { sfd, POLLIN, 0 }, { ifd, POLLIN, 0 }, { mfd, POLLIN, 0 } };
		long long now = monotonic_ms();
		long wait;

		if (now >= next) {
			struct timespec w = wall_now();
			int missing = core->spool_missing;

			next = now + core_step(core, now, &w);
			if (missing && !core->spool_missing && ifd >= 0)
				watch_tree(ifd, c->spool_dir, QUEUE_DEPTH);
			now = monotonic_ms();
			status_at = 0;
		}
		if (now >= status_at) {
			/* Every STATUS_EVERY_MS even unchanged: fathom-status
			 * calls a line not rewritten for 2 minutes stale. */
			status_line(line, sizeof(line), &core->st, time(NULL));
			write_status(c->status_file, line);
			status_at = now + STATUS_EVERY_MS;
		}
		wait = (long)((next < status_at ? next : status_at) - now);
		if (poll(p, 3, wait < 0 ? 0 : (int)wait) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents & POLLIN)
			return 0;
		if (p[1].revents & POLLIN) {
			if (drain(ifd))
				watch_tree(ifd, c->spool_dir, QUEUE_DEPTH);
			/* A pass soon, not at once: a burst of records makes one. */
			if (next > monotonic_ms() + SETTLE_MS && !core->have_inflight)
				next = monotonic_ms() + SETTLE_MS;
		}
		if (p[2].revents & POLLIN)
			serve_one(mfd, &core->st);
	}
}

int main(int argc, char **argv)
{
	struct up_config cfg;
	struct up_names names = { 0 };
	struct target *t = NULL;
	struct core core;
	char line[512];
	sigset_t set;
	int sfd, rc;

	config_defaults(&cfg);
	rc = config_parse(argc, argv, &cfg);
	if (rc != 0)
		return rc < 0 ? 2 : 0;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		log_err("signalfd: %s", strerror(errno));
		return 1;
	}
	umask(027);
	if (mkdir(cfg.state_dir, 0700) < 0 && errno != EEXIST)
		log_warn("--state-dir %s: %s (init's state= line makes it)", cfg.state_dir,
			 strerror(errno));
	if (cfg.target == UP_OFF) {
		log_info("--target off: not uploading; records stay in %s under ndt7's own bound",
			 cfg.spool_dir);
		write_status(cfg.status_file, "off (--target off): records stay in the spool");
		while (!wait_signal(sfd, 3600000))
			;
		return 0;
	}
	if (!prepare(&cfg, &names, &t, sfd))
		return 0;
	if (cfg.target == UP_PUT)
		log_info("uploading %s records to %s as %s/%s/... of node %s (bundles up to %llu "
			 "bytes or %ld s)", cfg.spool_dir, cfg.put_url, names.prefix, names.org,
			 names.node, (unsigned long long)cfg.bundle_max_bytes, cfg.bundle_max_age_s);
	else
		log_info("uploading %s records to gs://%s/%s/%s/... as node %s (bundles up to %llu "
			 "bytes or %ld s)", cfg.spool_dir, cfg.bucket, names.prefix, names.org,
			 names.node, (unsigned long long)cfg.bundle_max_bytes, cfg.bundle_max_age_s);
	core_init(&core, &cfg, &names, t);
	rc = run(&core, &cfg, sfd);
	if (rc == 0) {
		struct timespec w = wall_now();
		size_t sent = core_flush(&core, UPLOADER_FLUSH_MS, &w);

		log_info("stopping: %zu bundle%s sent in the final flush", sent, sent == 1 ? "" : "s");
	}
	status_line(line, sizeof(line), &core.st, time(NULL));
	write_status(cfg.status_file, line);
	core_free(&core);
	target_close(t);
	return rc;
}
