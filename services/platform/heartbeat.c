/* Locate's heartbeat over a WebSocket (lib/net/wsclient.h): the
 * registration first, then {"Health":{"Score":N}} every interval; Locate
 * drops a connection that is silent for 30 s. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "health.h"
#include "lib/net/wsclient.h"

/* The host part of a URL for the log line (no path, no query). */
static void url_host(const char *url, char *out, size_t cap)
{
	struct url u;
	const char *why;

	if (url_parse(url, &u, &why) == 0)
		snprintf(out, cap, "%s", u.host);
	else
		snprintf(out, cap, "%s", "the heartbeat URL");
}

static int send_health(struct agent *a, struct wsc *c, char *err, size_t errlen)
{
	char why[512], msg[64];
	int score = health_score(a->cfg, why, sizeof(why));
	int n = hb_health_msg(score, msg, sizeof(msg));

	if (score != a->score)
		fprintf(stderr, "platform: health %d: %s\n", score, why);
	a->score = score;
	/* metrics: health score sent */
	return wsc_send_text(c, msg, (size_t)n, err, errlen);
}

int heartbeat_run(struct agent *a)
{
	const struct platform_config *cfg = a->cfg;
	struct https_opts o = { 0 };
	char auth[AJ_TOKEN_MAX + 32], err[512], host[256], buf[4096];
	const char *headers[2] = { auth, NULL };
	struct wsc *c;
	size_t n;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", a->token);
	o.ca_file = cfg->ca_file;
	o.timeout_ms = 15000;
	url_host(cfg->heartbeat_url, host, sizeof(host));
	a->hb_up = 0;
	agent_blocking = 1;
	c = agent_stop ? NULL : wsc_connect(cfg->heartbeat_url, headers, &o, err, sizeof(err));
	agent_blocking = 0;
	if (agent_stop) {
		wsc_close(c, 1001);
		return 0;
	}
	memset(auth, 0, sizeof(auth));
	if (!c) {
		snprintf(a->hb_error, sizeof(a->hb_error), "to %.100s failed: %.280s", host, err);
		agent_change(a, ST_HEARTBEAT_FAILED, "heartbeat to %s failed: %s; retrying", host,
			     err);
		return -1;
	}
	if (wsc_send_text(c, a->reg_msg, strlen(a->reg_msg), err, sizeof(err)) < 0)
		goto broken;
	a->hb_up = 1;
	agent_change(a, ST_HEARTBEAT, "heartbeat connected to %s", host);
	while (!agent_stop) {
		time_t next = agent_now() + cfg->heartbeat_interval;

		if (send_health(a, c, err, sizeof(err)) < 0)
			goto broken;
		a->hb_sent_at = agent_now();
		a->hb_error[0] = '\0';
		agent_status(a);	/* one small file a beat */
		if (agent_now() >= a->register_due) {
			wsc_close(c, 1000);
			return 1;
		}
		/* Until the next beat: answer pings, notice a close. */
		while (!agent_stop && agent_now() < next) {
			int r = wsc_recv(c, 500, buf, sizeof(buf), &n, err, sizeof(err));

			if (r < 0)
				goto broken;
		}
	}
	hb_health_msg(0, buf, sizeof(buf));
	wsc_send_text(c, buf, strlen(buf), err, sizeof(err));
	wsc_close(c, 1000);
	return 0;
broken:
	wsc_close(c, 1001);
	snprintf(a->hb_error, sizeof(a->hb_error), "to %.100s lost: %.280s", host, err);
	agent_change(a, ST_HEARTBEAT_FAILED, "heartbeat to %s lost: %s; reconnecting", host, err);
	return -1;
}
