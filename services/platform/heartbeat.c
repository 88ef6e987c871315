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

/* Score 0 and a close: the platform must not send users here. */
static void goodbye(struct wsc *c)
{
	char msg[64], err[256];

	hb_health_msg(0, msg, sizeof(msg));
	wsc_send_text(c, msg, strlen(msg), err, sizeof(err));
	wsc_close(c, 1000);
}

/* Re-registration due on an open connection: the new Registration message
 * on it (upstream does so, no reconnect). 0 (also when it failed and is
 * retried later: the old registration still stands), -1 the connection
 * broke (err), HB_REFUSED (score 0 sent, closed). */
static int reregister(struct agent *a, struct wsc *c, const char *host, char *err,
		      size_t errlen)
{
	int r = agent_register(a);

	if (r == -2) {
		goodbye(c);
		snprintf(a->hb_error, sizeof(a->hb_error), "closed (score 0 sent): %s",
			 a->state == ST_KEY_REFUSED ? "registration refused" : "not registered");
		agent_status(a);
		return HB_REFUSED;
	}
	if (r < 0)
		return 0;
	if (wsc_send_text(c, a->reg_msg, strlen(a->reg_msg), err, errlen) < 0)
		return -1;
	/* metrics: re-registration sent on the heartbeat */
	agent_change(a, ST_HEARTBEAT, "heartbeat to %s: registration renewed", host);
	return 0;
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
	if (!c && (strcmp(err, "upgrade refused: 401") == 0 ||
		   strcmp(err, "upgrade refused: 403") == 0)) {
		/* metrics: heartbeat token refused */
		snprintf(a->hb_error, sizeof(a->hb_error), "to %.100s refused the token: %.40s",
			 host, err);
		agent_change(a, ST_HEARTBEAT_FAILED, "heartbeat to %s refused the token (%s); "
			     "checking the key", host, err + 17);
		return HB_AUTH;
	}
	if (!c) {
		snprintf(a->hb_error, sizeof(a->hb_error), "to %.100s failed: %.280s", host, err);
		agent_change(a, ST_HEARTBEAT_FAILED, "heartbeat to %s failed: %s; retrying", host,
			     err);
		return HB_FAILED;
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
			int r = reregister(a, c, host, err, sizeof(err));

			if (r == HB_REFUSED)
				return r;
			if (r < 0)
				goto broken;
		}
		/* Until the next beat: answer pings, notice a close. */
		while (!agent_stop && agent_now() < next) {
			int r = wsc_recv(c, 500, buf, sizeof(buf), &n, err, sizeof(err));

			if (r < 0)
				goto broken;
		}
	}
	goodbye(c);
	return HB_STOP;
broken:
	wsc_close(c, 1001);
	snprintf(a->hb_error, sizeof(a->hb_error), "to %.100s lost: %.280s", host, err);
	agent_change(a, ST_HEARTBEAT_FAILED, "heartbeat to %s lost: %s; reconnecting", host, err);
	return HB_FAILED;
}
