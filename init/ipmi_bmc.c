/* The BMC helper: a child of PID 1 (/init re-executed as `/init bmc`)
 * that loads the IPMI drivers, waits for the BMC, reports to PID 1 and sets
 * the BMC's address. */
#define _GNU_SOURCE
#include "ipmi.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "init.h"
#include "log.h"
#include "lib/bootcfg/init_params.h"
#include "lib/clock.h"
#include "watch.h"

/* Setting the BMC's address: tries, the first retry after 1 s, doubling. */
#define LAN_TRIES 5

/* Loading ipmi_si probes the hardware, which can take seconds, and an
 * absent or slow BMC makes every request wait for the driver's timeout. So
 * all of it runs in a child of PID 1, /init executed again (nothing of PID
 * 1's is inherited), which writes one line on its stdout, a pipe to PID 1,
 * once it knows: "bmc" (/dev/ipmi0 is there) or "none". It is not
 * restarted: the work is done once per boot. */
static int helper_report_fd = -1;

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* /dev/ipmi0 within the bound. ipmi_si registers what it finds while it
 * loads and unloads itself when it finds nothing (likewise ipmi_ssif), so
 * once neither is loaded there is nothing to wait for. */
static int bmc_wait_device(void)
{
	long waited;

	for (waited = 0; waited < IPMI_DEVICE_WAIT_MS; waited += 100) {
		if (exists(IPMI_DEVICE))
			return 1;
		if (!exists("/sys/module/ipmi_si") && !exists("/sys/module/ipmi_ssif"))
			return 0;
		sleep_ms(100);
	}
	return exists(IPMI_DEVICE);
}

/* Whether the board ships any IPMI driver (IPMI_MODULES in board.conf). */
static int drivers_listed(void)
{
	char line[512];
	FILE *f = fopen(IPMI_MODULES_LIST, "re");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = line[0] != '#' && line[strspn(line, " \t\r\n")] != '\0';
	if (f)
		fclose(f);
	return found;
}

static void report(int fd, const char *line)
{
	if (write(fd, line, strlen(line)) < 0)
		log_err("ipmi: cannot tell init about the BMC: %s", strerror(errno));
	close(fd);
}

/* ipmi_lan.c's way to the BMC: /dev/ipmi0 (ctx: its fd). */
static ssize_t bmc_call(void *ctx, const struct ipmi_request *req, uint8_t *rsp, size_t size)
{
	static long msgid;

	return ipmi_call(*(int *)ctx, req, ++msgid, rsp, size, IPMI_REQUEST_TIMEOUT_MS);
}

/* fathom.drac.ipv4: read, and write only what differs; retried with a
 * growing delay while the failure may pass (busy, timeout). One line says
 * how it ended. */
static int bmc_set_address(const struct drac_ipv4 *d)
{
	struct ipmi_lan want, was;
	char target[64], before[64], why[256];
	long delay = 1000, started = monotonic_ms();
	int try, rc = 1, changed = 0, fd;

	ipmi_lan_static(&want, d->addr, d->prefixlen, d->gateway);
	ipmi_lan_describe(&want, 0, target, sizeof(target));
	for (try = 1; try <= LAN_TRIES; try++) {
		fd = ipmi_open(0);
		if (fd < 0) {
			snprintf(why, sizeof(why), "%s: %s", IPMI_DEVICE, strerror(errno));
			rc = 1;
		} else {
			rc = ipmi_lan_apply(bmc_call, &fd, &want, &was, &changed, why, sizeof(why));
			close(fd);
		}
		if (rc != 1 || try == LAN_TRIES)
			break;
		sleep_ms(delay);
		delay *= 2;
	}
	if (rc == 0 && !changed) {
		log_info("ipmi: BMC LAN channel %d: %s already set", IPMI_LAN_CHANNEL, target);
		return 0;
	}
	if (rc == 0) {
		ipmi_lan_describe(&was, 1, before, sizeof(before));
		log_info("ipmi: BMC LAN channel %d: %s set (was %s)", IPMI_LAN_CHANNEL, target, before);
		return 0;
	}
	if (try > 1)
		snprintf(before, sizeof(before), " after %d tries over %ld s", try,
			 (monotonic_ms() - started + 500) / 1000);
	else
		before[0] = '\0';
	log_err("ipmi: BMC LAN channel %d: could not set %s (fathom.drac.ipv4)%s: %s; check the "
		"BMC with `ipmitool lan print %d`, or set the address in its own settings "
		"(iDRAC: System Setup, iDRAC Settings, Network)",
		IPMI_LAN_CHANNEL, target, before, why, IPMI_LAN_CHANNEL);
	return 1;
}

/* What the child does; its exit status. */
static int bmc_child(const struct init_config *cfg, int report_fd)
{
	int drivers = drivers_listed();

	modules_load_list(IPMI_MODULES_LIST);
	if (!bmc_wait_device()) {
		report(report_fd, "none\n");
		log_warn("ipmi: %s; %s%s%s", drivers ? "no BMC: " IPMI_DEVICE " did not appear after "
			 "loading the IPMI drivers (" IPMI_MODULES_LIST ")" : "no IPMI drivers in this "
			 "image (add them to the board's IPMI_MODULES)",
			 cfg->drac.set ? "the BMC's address (fathom.drac.ipv4) is not set" : "",
			 cfg->drac.set && cfg->watchdog_ipmi ? " and " : "",
			 cfg->watchdog_ipmi ? "running without a watchdog (fathom.watchdog=ipmi)" : "");
		return 0;
	}
	report(report_fd, "bmc\n");
	return cfg->drac.set ? bmc_set_address(&cfg->drac) : 0;
}

static void ignore_config_error(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;	/* PID 1 logged it already */
}

/* `/init bmc`: the helper's main. */
int bmc_helper_main(void)
{
	struct init_config cfg;
	char cmdline[4096];

	log_open();
	if (file_read("/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		cmdline[0] = '\0';
	init_config_parse(&cfg, cmdline, ignore_config_error, NULL);
	return bmc_child(&cfg, STDOUT_FILENO);
}

static void report_close(void)
{
	watch_remove(helper_report_fd);
	close(helper_report_fd);
	helper_report_fd = -1;
}

/* The helper's one line; the watchdog arms when there is a BMC. */
static void report_read(int fd, short revents, void *ctx)
{
	char buf[16];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	(void)revents;
	(void)ctx;
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	report_close();
	if (n > 0 && strncmp(buf, "bmc\n", 4) == 0)
		watchdog_bmc_found();
}

static void __attribute__((noreturn)) helper_exec(int out)
{
	char *const argv[] = { "/init", BMC_HELPER_ARG, NULL };
	char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(out, STDOUT_FILENO);
	child_close_fds();
	execve("/proc/self/exe", argv, env);
	dprintf(STDERR_FILENO, "fathom: ipmi: cannot run the BMC helper (/init %s): %s\n",
		BMC_HELPER_ARG, strerror(errno));
	_exit(127);
}

static pid_t helper_spawn(struct child *c)
{
	int fds[2] = { -1, -1 };
	pid_t pid = -1;

	(void)c;
	if (pipe2(fds, O_CLOEXEC) == 0)
		pid = fork();
	if (pid < 0) {
		log_err("ipmi: cannot start the BMC helper: %s; no BMC address, no IPMI watchdog",
			strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0)
		helper_exec(fds[1]);
	close(fds[1]);
	helper_report_fd = fds[0];
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	watch_add(fds[0], POLLIN, report_read, NULL);
	return pid;
}

static long helper_exited(struct child *c, int status, long now_ms)
{
	(void)c;
	(void)now_ms;
	if (WIFSIGNALED(status))
		log_err("ipmi: the BMC helper was killed by signal %d", WTERMSIG(status));
	return 0;
}

static struct child helper = { .name = "bmc", .spawn = helper_spawn, .exited = helper_exited };

void bmc_start(const struct init_config *cfg)
{
	if ((cfg->drac.set || cfg->watchdog_ipmi) && child_register(&helper) == 0)
		child_start(&helper);
}
