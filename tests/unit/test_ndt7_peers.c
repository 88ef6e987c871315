/* Unit tests for services/ndt7/peers.c: limits per address across
 * workers, IPv6 /64 keys, the table under churn against a model, a
 * worker's reset, and two processes sharing it. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peers.h"
#include "tap.h"

static struct peer_key key(const char *addr)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct peer_key k;

	if (inet_pton(AF_INET, addr, &s4.sin_addr) == 1)
		peer_key_of((struct sockaddr *)&s4, &k);
	else {
		inet_pton(AF_INET6, addr, &s6.sin6_addr);
		peer_key_of((struct sockaddr *)&s6, &k);
	}
	return k;
}

static void test_limits(void)
{
	const unsigned limits[PEER_KINDS] = { 3, 1 };
	struct peers *p = peers_new(2, 10, limits);
	struct peer_key a = key("192.0.2.1"), b = key("192.0.2.10");
	struct peer_key m = key("::ffff:192.0.2.1");
	struct peer_key v1 = key("2001:db8:1:2::1"), v2 = key("2001:db8:1:2:ffff::9");
	struct peer_key v3 = key("2001:db8:1:3::1");

	CHECK(memcmp(&a, &m, sizeof(a)) == 0, "a v4-mapped address is the IPv4 address");
	CHECK(memcmp(&v1, &v2, sizeof(v1)) == 0 && memcmp(&v1, &v3, sizeof(v1)) != 0,
	      "IPv6 addresses count by /64");
	CHECK(peers_acquire(p, 0, &a, PEER_PENDING) == 0 && peers_acquire(p, 1, &a, PEER_PENDING) == 0 &&
	      peers_acquire(p, 1, &a, PEER_PENDING) == 0, "three pending from one address, two workers");
	CHECK(peers_acquire(p, 0, &a, PEER_PENDING) < 0 && peers_acquire(p, 1, &a, PEER_PENDING) < 0,
	      "the fourth is refused in either worker");
	CHECK(peers_acquire(p, 0, &b, PEER_PENDING) == 0, "another address is not affected");
	CHECK(peers_acquire(p, 0, &a, PEER_TEST) == 0 && peers_acquire(p, 1, &a, PEER_TEST) < 0,
	      "one test per address: the second is refused");
	peers_release(p, 1, &a, PEER_PENDING);
	CHECK(peers_count(p, &a, PEER_PENDING) == 2 && peers_acquire(p, 0, &a, PEER_PENDING) == 0,
	      "a release makes room");
	peers_worker_reset(p, 1);
	CHECK(peers_count(p, &a, PEER_PENDING) == 2 && peers_count(p, &a, PEER_TEST) == 1,
	      "a restarted worker's counts are forgotten, the others' kept");
	peers_worker_reset(p, 0);
	CHECK(peers_count(p, &a, PEER_PENDING) == 0 && peers_count(p, &b, PEER_PENDING) == 0,
	      "all gone once both are reset");
	peers_release(p, 0, &a, PEER_PENDING);
	CHECK(peers_count(p, &a, PEER_PENDING) == 0, "a release of nothing is ignored");
}

/* Random acquire/release of many addresses against a plain model: the
 * backward-shift deletion keeps every count findable. */
static void test_churn(void)
{
	enum { N = 300, W = 3 };
	const unsigned limits[PEER_KINDS] = { 4, 2 };
	static unsigned model[N][W][PEER_KINDS];
	struct peers *p = peers_new(W, 200, limits);
	int i, bad = 0, ops = 0;

	srand(7);
	for (i = 0; i < 200000; i++) {
		int a = rand() % N, w = rand() % W, kind = rand() % PEER_KINDS, t, x;
		char text[32];
		struct peer_key k;
		unsigned total = 0;

		snprintf(text, sizeof(text), "198.51.100.%d", a % 256);
		if (a >= 256)
			snprintf(text, sizeof(text), "2001:db8:%x::1", a);
		k = key(text);
		for (x = 0; x < W; x++)
			total += model[a][x][kind];
		if (rand() % 2) {
			t = peers_acquire(p, w, &k, (enum peer_kind)kind);
			bad += (t == 0) != (total < limits[kind]);
			model[a][w][kind] += t == 0;
		} else if (model[a][w][kind]) {
			peers_release(p, w, &k, (enum peer_kind)kind);
			model[a][w][kind]--;
		}
		ops++;
		if (i % 1000 == 0)
			for (x = 0; x < N; x += 37) {
				snprintf(text, sizeof(text), x >= 256 ? "2001:db8:%x::1" : "198.51.100.%d",
					 x >= 256 ? x : x % 256);
				k = key(text);
				bad += peers_count(p, &k, PEER_PENDING) !=
					model[x][0][0] + model[x][1][0] + model[x][2][0];
			}
	}
	CHECK(bad == 0, "%d random operations on %d addresses agree with the model (%d disagreements)",
	      ops, N, bad);
}

/* Two processes: the limit holds across them (the table is shared). */
static void test_shared(void)
{
	const unsigned limits[PEER_KINDS] = { 0, 5 };
	struct peers *p = peers_new(2, 10, limits);
	struct peer_key a = key("203.0.113.7");
	int i, status, got = 0;
	pid_t pid = fork();

	if (pid == 0) {
		for (i = 0; i < 3; i++)
			peers_acquire(p, 1, &a, PEER_TEST);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	for (i = 0; i < 5; i++)
		got += peers_acquire(p, 0, &a, PEER_TEST) == 0;
	CHECK(got == 2 && peers_count(p, &a, PEER_TEST) == 5,
	      "another process's 3 tests count: 2 more allowed here (%d)", got);
}

int main(void)
{
	test_limits();
	test_churn();
	test_shared();
	return tap_done();
}
