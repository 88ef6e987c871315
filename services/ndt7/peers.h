/* Limits per client address, shared by all workers: how many connections
 * each address (an IPv6 /64) has pending (accepted, not yet upgraded) and
 * how many tests it runs. A table in shared memory, made before the
 * workers are forked; each worker counts in its own column, so a worker
 * that is restarted clears what its predecessor held. */
#ifndef NDT7_PEERS_H
#define NDT7_PEERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum peer_kind { PEER_PENDING, PEER_TEST, PEER_KINDS, PEER_NONE = PEER_KINDS };

/* An IPv4 address (v4-mapped) or an IPv6 /64: what one client holds. */
struct peer_key {
	uint8_t b[16];
};

struct peers;

/* The key of a client's address (AF_INET or AF_INET6). */
void peer_key_of(const struct sockaddr *sa, struct peer_key *k);

/* A table for up to max_conns connections of each of nworkers workers;
 * limits[kind] per address (0: none). NULL if out of memory (logged). */
struct peers *peers_new(int nworkers, int max_conns, const unsigned limits[PEER_KINDS]);

/* Bytes of shared memory peers_new maps for these sizes. */
size_t peers_size(int nworkers, int max_conns);

/* Count one more kind for k in worker's column unless the address is at
 * its limit for kind (all workers together): 0, or -1 refused. */
int peers_acquire(struct peers *p, int worker, const struct peer_key *k, enum peer_kind kind);

/* Count one less; the address leaves the table when it holds nothing. */
void peers_release(struct peers *p, int worker, const struct peer_key *k, enum peer_kind kind);

/* How many of kind k holds in all workers together. */
unsigned peers_count(struct peers *p, const struct peer_key *k, enum peer_kind kind);

/* Forget what worker held (it was restarted). */
void peers_worker_reset(struct peers *p, int worker);

#endif
