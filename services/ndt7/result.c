/* The result record as JSON and its path in the spool (result.h). */
#include "result.h"

#include <stdio.h>
#include <string.h>

void ndt7_rfc3339(char *out, size_t cap, const struct timespec *t)
{
	struct tm tm;
	char date[32];

	gmtime_r(&t->tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, cap, "%s.%09ldZ", date, t->tv_nsec);
}

static const char *test_name(enum ndt7_test t)
{
	return t == TEST_UPLOAD ? "upload" : "download";
}

void ndt7_result_path(char *out, size_t cap, const struct ndt7_result *r, int gzip)
{
	struct tm tm;
	char day[16], date[32];

	gmtime_r(&r->test_end.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y/%m/%d", &tm);
	strftime(date, sizeof(date), "%Y%m%dT%H%M%S", &tm);
	snprintf(out, cap, "ndt7/%s/ndt7-%s-%s.%09ldZ.%s.json%s", day, test_name(r->test), date,
		 r->test_end.tv_nsec, r->uuid, gzip ? ".gz" : "");
}

int ndt7_client_meta_kept(const char *name)
{
	return name[0] && strncmp(name, "server_", 7) != 0 && strcmp(name, "access_token") != 0;
}

static void meta_json(struct json *j, const struct ndt7_meta *m, int n)
{
	int i;

	json_lit(j, "[");
	for (i = 0; i < n; i++) {
		json_lit(j, i ? ",{\"Name\":" : "{\"Name\":");
		json_str(j, m[i].name, strlen(m[i].name));
		json_lit(j, ",\"Value\":");
		json_str(j, m[i].value, strlen(m[i].value));
		json_lit(j, "}");
	}
	json_lit(j, "]");
}

static void time_field(struct json *j, const char *key, const struct timespec *t)
{
	char buf[64];

	ndt7_rfc3339(buf, sizeof(buf), t);
	json_printf(j, "\"%s\":\"%s\"", key, buf);
}

static void str_field(struct json *j, const char *key, const char *s)
{
	json_printf(j, "\"%s\":", key);
	json_str(j, s ? s : "", s ? strlen(s) : 0);
}

/* Upstream's fields in upstream's order (data.NDT7Result,
 * model.ArchivalData); its omitted-when-empty metadata lists are written
 * as [] here, which the pipeline's schema reads the same. */
void ndt7_result_json(struct json *j, const struct ndt7_result *r)
{
	json_lit(j, "{");
	str_field(j, "GitShortCommit", r->git_commit);
	json_lit(j, ",");
	str_field(j, "Version", r->version);
	json_lit(j, ",");
	str_field(j, "ServerIP", r->server_ip);
	json_printf(j, ",\"ServerPort\":%u,", r->server_port);
	str_field(j, "ClientIP", r->client_ip);
	json_printf(j, ",\"ClientPort\":%u,", r->client_port);
	time_field(j, "StartTime", &r->conn_start);
	json_lit(j, ",");
	time_field(j, "EndTime", &r->test_end);
	json_printf(j, ",\"%s\":{", r->test == TEST_UPLOAD ? "Upload" : "Download");
	str_field(j, "UUID", r->uuid);
	json_lit(j, ",");
	time_field(j, "StartTime", &r->test_start);
	json_lit(j, ",");
	time_field(j, "EndTime", &r->test_end);
	json_lit(j, ",\"ServerMeasurements\":[");
	json_lit(j, r->server_measurements);
	json_lit(j, "],\"ClientMeasurements\":[");
	json_lit(j, r->client_measurements);
	json_lit(j, "],\"ClientMetadata\":");
	meta_json(j, r->client_meta, r->n_client_meta);
	json_lit(j, ",\"ServerMetadata\":");
	meta_json(j, r->server_meta, r->n_server_meta);
	json_lit(j, "}}\n");
}
