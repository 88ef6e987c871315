/* mkcpio: write a newc initramfs from a manifest (format: see cpio.h). */
#include "cpio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/epoch.h"
#include "lib/file.h"

#define EXIT_USAGE 2

struct mkcpio_args {
	const char *output;	/* NULL = stdout */
	const char *basedir;
	const char *manifest;	/* "-" = stdin */
	const char *manifest_label;	/* for messages: "<stdin>" for "-" */
};

static void usage(FILE *to)
{
	fprintf(to,
		"usage: mkcpio [-o OUT] [-d BASEDIR] MANIFEST\n"
		"Write a newc cpio archive (initramfs) described by MANIFEST.\n"
		"  MANIFEST    manifest file, or - for stdin (format: image/cpio.h)\n"
		"  -o OUT      write to OUT atomically (temp file + rename);\n"
		"              default: stdout\n"
		"  -d BASEDIR  resolve relative host paths of file lines against\n"
		"              BASEDIR; default: . (the current directory)\n"
		"Every mtime is $SOURCE_DATE_EPOCH (decimal seconds, 0 if unset).\n"
		"Exit status: 0 ok, 1 error, 2 usage error.\n");
}

static int parse_args(int argc, char **argv, struct mkcpio_args *args)
{
	int opt;

	*args = (struct mkcpio_args){ .basedir = "." };
	while ((opt = getopt(argc, argv, "o:d:h")) != -1) {
		switch (opt) {
		case 'o':
			args->output = optarg;
			break;
		case 'd':
			args->basedir = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	args->manifest = argv[optind];
	args->manifest_label = strcmp(args->manifest, "-") ? args->manifest :
							     "<stdin>";
	return 0;
}

static int read_manifest(const char *path, const char *label, char **text, size_t *len)
{
	if (file_read_all(path, text, len) == 0)
		return 0;
	fprintf(stderr, "mkcpio: %s: cannot read: %s\n", label, strerror(errno));
	return -1;
}

static void report(const char *manifest, const char *output,
		   const struct cpio_error *err)
{
	if (err->line)
		fprintf(stderr, "mkcpio: %s:%u: %s\n", manifest, err->line,
			err->msg);
	else
		fprintf(stderr, "mkcpio: %s: %s\n", output, err->msg);
}

/* mkstemp creates 0600; give the archive the usual umask-based mode. */
static int open_temp_output(const char *output, char **temp_path, FILE **out)
{
	size_t size = strlen(output) + sizeof(".XXXXXX");
	mode_t mask = umask(0);
	int fd;

	umask(mask);
	*temp_path = malloc(size);
	if (!*temp_path)
		return -1;
	snprintf(*temp_path, size, "%s.XXXXXX", output);
	fd = mkstemp(*temp_path);
	if (fd < 0 || fchmod(fd, 0666 & ~mask) < 0 ||
	    !(*out = fdopen(fd, "wb"))) {
		fprintf(stderr, "mkcpio: %s: cannot create a temporary file next to it: %s\n",
			output, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(*temp_path);
		}
		free(*temp_path);
		return -1;
	}
	return 0;
}

/* Flush, sync and close the temp file, then move it over OUT. */
static int commit_output(FILE *out, const char *temp_path, const char *output)
{
	int rc = 0;

	if (fflush(out) != 0 || fsync(fileno(out)) != 0)
		rc = -1;
	if (fclose(out) != 0)
		rc = -1;
	if (rc == 0 && rename(temp_path, output) == 0)
		return 0;
	fprintf(stderr, "mkcpio: %s: cannot write: %s\n", output,
		strerror(errno));
	unlink(temp_path);
	return -1;
}

static int write_to_file(const struct mkcpio_args *args,
			 const struct cpio_manifest *m,
			 const struct cpio_write_options *opt)
{
	struct cpio_error err;
	char *temp_path;
	FILE *out;
	int rc;

	if (open_temp_output(args->output, &temp_path, &out) < 0)
		return -1;
	rc = cpio_write(m, opt, cpio_sink_stdio, out, &err);
	if (rc < 0) {
		report(args->manifest_label, args->output, &err);
		fclose(out);
		unlink(temp_path);
	} else {
		rc = commit_output(out, temp_path, args->output);
	}
	free(temp_path);
	return rc;
}

static int write_to_stdout(const struct mkcpio_args *args,
			   const struct cpio_manifest *m,
			   const struct cpio_write_options *opt)
{
	struct cpio_error err;

	if (cpio_write(m, opt, cpio_sink_stdio, stdout, &err) < 0) {
		report(args->manifest_label, "<stdout>", &err);
		return -1;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "mkcpio: <stdout>: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct mkcpio_args args;
	struct cpio_write_options opt;
	struct cpio_manifest m;
	struct cpio_error err;
	char *text;
	size_t len;
	int rc;

	if (parse_args(argc, argv, &args) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (source_date_epoch("mkcpio", &opt.mtime) < 0 ||
	    read_manifest(args.manifest, args.manifest_label, &text, &len) < 0)
		return 1;
	opt.basedir = args.basedir;
	rc = cpio_manifest_parse(&m, text, len, &err);
	free(text);
	if (rc < 0) {
		report(args.manifest_label, args.manifest_label, &err);
		return 1;
	}
	rc = args.output ? write_to_file(&args, &m, &opt) :
			   write_to_stdout(&args, &m, &opt);
	cpio_manifest_free(&m);
	return rc < 0 ? 1 : 0;
}
