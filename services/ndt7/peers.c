/* Limits per client address (peers.h): an open-addressing hash table
 * (linear probing, deletion by backward shift) in one shared mapping,
 * under a process-shared robust mutex; taken at accept, upgrade and close
 * only, for a few hundred nanoseconds each. */
#define _GNU_SOURCE
#include "peers.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/rand.h>

#include "log.h"

struct slot {
	uint8_t used;
	struct peer_key key;
};

struct peers {
	pthread_mutex_t lock;
	uint64_t seed;			/* keyed hash: no chosen collisions */
	unsigned limits[PEER_KINDS];
	size_t nslots;			/* a power of two */
	int nworkers;
	struct slot *slots;		/* [nslots] */
	uint16_t *counts;		/* [nworkers][nslots][PEER_KINDS] */
};

void peer_key_of(const struct sockaddr *sa, struct peer_key *k)
{
	memset(k, 0, sizeof(*k));
	if (sa->sa_family == AF_INET) {
		k->b[10] = k->b[11] = 0xff;
		memcpy(k->b + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		memcpy(k->b, a, 16);
		if (!IN6_IS_ADDR_V4MAPPED(a))
			memset(k->b + 8, 0, 8);	/* one host, one /64 */
	}
}

static size_t slots_for(int nworkers, int max_conns)
{
	size_t want = 2 * (size_t)nworkers * (size_t)max_conns, n = 64;

	while (n < want)
		n *= 2;
	return n;
}

size_t peers_size(int nworkers, int max_conns)
{
	size_t n = slots_for(nworkers, max_conns);

	return sizeof(struct peers) + n * sizeof(struct slot) +
		n * (size_t)nworkers * PEER_KINDS * sizeof(uint16_t);
}

struct peers *peers_new(int nworkers, int max_conns, const unsigned limits[PEER_KINDS])
{
	size_t size = peers_size(nworkers, max_conns);
	pthread_mutexattr_t ma;
	struct peers *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		ndt7_log(LOG_ERR, "cannot map %zu bytes for the limits per address: %s "
			 "(lower --max-conns or --workers)", size, strerror(errno));
		return NULL;
	}
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&p->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	if (RAND_bytes((unsigned char *)&p->seed, sizeof(p->seed)) != 1)
		p->seed = (uint64_t)(uintptr_t)p ^ 0x9e3779b97f4a7c15ULL;
	memcpy(p->limits, limits, sizeof(p->limits));
	p->nslots = slots_for(nworkers, max_conns);
	p->nworkers = nworkers;
	p->slots = (struct slot *)(p + 1);
	p->counts = (uint16_t *)(p->slots + p->nslots);
	return p;
}

static void lock(struct peers *p)
{
	if (pthread_mutex_lock(&p->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&p->lock);	/* a worker died holding it */
}

static size_t hash(const struct peers *p, const struct peer_key *k)
{
	uint64_t h = p->seed, w;
	int i;

	for (i = 0; i < 16; i += 8) {
		memcpy(&w, k->b + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return (size_t)(h * 0xbf58476d1ce4e5b9ULL >> 17) & (p->nslots - 1);
}

static uint16_t *count(struct peers *p, int worker, size_t slot, enum peer_kind kind)
{
	return &p->counts[((size_t)worker * p->nslots + slot) * PEER_KINDS + kind];
}

/* k's slot, or the free one where it would go. */
static size_t find(struct peers *p, const struct peer_key *k)
{
	size_t i = hash(p, k);

	while (p->slots[i].used && memcmp(&p->slots[i].key, k, sizeof(*k)) != 0)
		i = (i + 1) & (p->nslots - 1);
	return i;
}

static unsigned total(struct peers *p, size_t slot, enum peer_kind kind)
{
	unsigned n = 0;
	int w;

	for (w = 0; w < p->nworkers; w++)
		n += *count(p, w, slot, kind);
	return n;
}

static int slot_empty(struct peers *p, size_t slot)
{
	int kind;

	for (kind = 0; kind < PEER_KINDS; kind++)
		if (total(p, slot, (enum peer_kind)kind))
			return 0;
	return 1;
}

static void slot_move(struct peers *p, size_t to, size_t from)
{
	int w;

	p->slots[to] = p->slots[from];
	for (w = 0; w < p->nworkers; w++)
		memcpy(count(p, w, to, 0), count(p, w, from, 0), PEER_KINDS * sizeof(uint16_t));
}

/* Empty slot i, moving back the entries after it that probed past it. */
static void slot_delete(struct peers *p, size_t i)
{
	size_t mask = p->nslots - 1, j = i;

	for (;;) {
		size_t home;
		int w;

		p->slots[i].used = 0;
		for (w = 0; w < p->nworkers; w++)
			memset(count(p, w, i, 0), 0, PEER_KINDS * sizeof(uint16_t));
		do {
			j = (j + 1) & mask;
			if (!p->slots[j].used)
				return;
			home = hash(p, &p->slots[j].key);
		} while (i <= j ? (i < home && home <= j) : (i < home || home <= j));
		slot_move(p, i, j);
		i = j;
	}
}

int peers_acquire(struct peers *p, int worker, const struct peer_key *k, enum peer_kind kind)
{
	size_t i;
	int rc = -1;

	lock(p);
	i = find(p, k);
	if (!p->slots[i].used) {
		p->slots[i].used = 1;
		p->slots[i].key = *k;
	}
	if ((!p->limits[kind] || total(p, i, kind) < p->limits[kind]) &&
	    *count(p, worker, i, kind) < UINT16_MAX) {
		++*count(p, worker, i, kind);
		rc = 0;
	} else if (slot_empty(p, i)) {
		slot_delete(p, i);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

void peers_release(struct peers *p, int worker, const struct peer_key *k, enum peer_kind kind)
{
	size_t i;

	lock(p);
	i = find(p, k);
	if (p->slots[i].used && *count(p, worker, i, kind)) {
		--*count(p, worker, i, kind);
		if (slot_empty(p, i))
			slot_delete(p, i);
	}
	pthread_mutex_unlock(&p->lock);
}

unsigned peers_count(struct peers *p, const struct peer_key *k, enum peer_kind kind)
{
	unsigned n = 0;
	size_t i;

	lock(p);
	i = find(p, k);
	if (p->slots[i].used)
		n = total(p, i, kind);
	pthread_mutex_unlock(&p->lock);
	return n;
}

void peers_worker_reset(struct peers *p, int worker)
{
	size_t i;

	lock(p);
	for (i = 0; i < p->nslots; i++)
		while (p->slots[i].used) {	/* a deletion may move another entry here */
			memset(count(p, worker, i, 0), 0, PEER_KINDS * sizeof(uint16_t));
			if (!slot_empty(p, i))
				break;
			slot_delete(p, i);
		}
	pthread_mutex_unlock(&p->lock);
}
