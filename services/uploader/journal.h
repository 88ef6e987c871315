/* The bundle in flight, kept in the state directory so that a crash at any
 * point re-uploads at most that bundle, under the same name:
 *   1. the bundle's bytes go to STATE/inflight.jsonl.gz, then its journal
 *      (object name, size, crc32, the spool paths it holds) to
 *      STATE/inflight.journal, each written whole (temporary file, fsync,
 *      rename): the journal's rename is the commit point;
 *   2. the upload; 3. once acknowledged, the spool paths are removed, then
 *      the journal, then the bytes.
 * A restart finding a journal re-uploads the same bytes under the same
 * name (the target overwrites), so no record is lost or duplicated. */
#ifndef UPLOADER_JOURNAL_H
#define UPLOADER_JOURNAL_H

#include <stddef.h>

#include "bundle.h"

/* The journal's text for b (malloc'd, NUL-terminated), or NULL. */
char *journal_format(const struct bundle *b);

/* Parse a journal's text into b's object, datatype, paths and n (paths
 * allocated), and *len, *crc of the bytes. 0, or -1 (b left empty). */
int journal_parse(const char *text, size_t len, struct bundle *b, size_t *data_len,
		  unsigned long *crc);

/* Write b (bytes, then journal) under dir. 0, or -1 (err says what). */
int journal_save(const char *dir, const struct bundle *b, char *err, size_t errlen);

/* Load the bundle in flight: 1 found (b filled, bytes checked), 0 none,
 * -1 unusable (err says why; the caller clears it and rebuilds from the
 * spool, where its records still are). */
int journal_load(const char *dir, struct bundle *b, char *err, size_t errlen);

/* Forget the bundle in flight (journal first, then the bytes). */
void journal_clear(const char *dir);

#endif
