/* fathom-install: writing the disk. The partition table (lib/disk/gpt.c),
 * GRUB's BIOS boot code, the file systems (Debian's mkfs.fat and mke2fs),
 * and the ESP's slot A with GRUB's configuration and environment. */
#define _GNU_SOURCE
#include "install.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/file.h"

#define MIB 1048576

int run(const char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "install: %s: %s (is it in the image? board PACKAGES)\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n, len -= (size_t)n, off += n;
	}
	return 0;
}

/* Old tables and signatures at both ends go, so nothing stale is found. */
static int zero_ends(int fd, uint64_t size)
{
	static char zero[MIB];

	return pwrite_all(fd, zero, MIB, 0) < 0 || pwrite_all(fd, zero, MIB, (off_t)(size - MIB)) < 0
		       ? -1 : 0;
}

static int wait_node(const char *dev)
{
	int i;

	for (i = 0; i < 100; i++) {
		struct timespec t = { 0, 100000000 };

		if (access(dev, F_OK) == 0)
			return 0;
		nanosleep(&t, NULL);
	}
	return -1;
}

/* The table (and BIOS code when the stick has GRUB's i386-pc images),
 * then the kernel told to read it. */
static int write_table(const struct disk *d, const struct gpt_part *parts, int n, int bios)
{
	static unsigned char head[GPT_HEAD_BYTES], tail[GPT_TAIL_BYTES];
	char dev[64], *boot = NULL, *core = NULL;
	unsigned char code[440], *mbr_code = NULL;
	uint8_t guid[16];
	size_t boot_len = 0, core_len = 0;
	uint64_t sectors = d->size / GPT_SECTOR;
	int fd, rc = -1;

	snprintf(dev, sizeof(dev), "/dev/%s", d->name);
	if (bios && file_read_all(STICK_DIR "/boot/install/boot.img", &boot, &boot_len) == 0 &&
	    file_read_all(STICK_DIR "/boot/install/core.img", &core, &core_len) == 0 &&
	    boot_len == 512 && core_len <= (uint64_t)LAYOUT_BIOS_MIB * MIB &&
	    grub_bios_patch((unsigned char *)boot, code, (unsigned char *)core, core_len,
			    parts[1].first) == 0)
		mbr_code = code;
	else if (bios)
		say("no GRUB BIOS images on the stick (boot/install/): the disk boots on UEFI only");
	if (getrandom(guid, sizeof(guid), 0) != sizeof(guid) ||
	    gpt_build(sectors, guid, parts, n, mbr_code, head, tail) < 0) {
		say("%s: cannot lay out a partition table on %llu sectors", dev,
		    (unsigned long long)sectors);
		goto out;
	}
	fd = open(dev, O_RDWR | O_EXCL | O_CLOEXEC);
	if (fd < 0) {
		say("%s: %s; nothing written", dev, strerror(errno));
		goto out;
	}
	if (zero_ends(fd, d->size) < 0 || pwrite_all(fd, head, sizeof(head), 0) < 0 ||
	    pwrite_all(fd, tail, sizeof(tail), (off_t)(sectors - GPT_TAIL_BYTES / GPT_SECTOR) * GPT_SECTOR) < 0 ||
	    (mbr_code && pwrite_all(fd, core, core_len, (off_t)parts[1].first * GPT_SECTOR) < 0) ||
	    fsync(fd) < 0) {
		say("%s: writing the partition table: %s", dev, strerror(errno));
		close(fd);
		goto out;
	}
	if (ioctl(fd, BLKRRPART) < 0)
		say("%s: the kernel did not re-read the table (%s); continuing", dev, strerror(errno));
	close(fd);
	say("%s: GPT written: %d partitions%s", dev, n, mbr_code ? ", GRUB BIOS boot code" : "");
	rc = 0;
out:
	free(boot);
	free(core);
	return rc;
}

static int layout_guids(uint8_t guids[3][16])
{
	return getrandom(guids, 3 * 16, 0) == 3 * 16 ? 0 : -1;
}

static int mkfs_data(const char *disk)
{
	char dev[64];
	const char *mke2fs[] = { "/sbin/mke2fs", "-q", "-F", "-t", "ext4", "-L", "fathom-data", dev, NULL };

	disk_part_name(disk, LAYOUT_DATA, dev + 5, sizeof(dev) - 5);
	memcpy(dev, "/dev/", 5);
	if (wait_node(dev) < 0 || run(mke2fs) != 0) {
		say("%s: mke2fs failed: the data partition is not usable", dev);
		return -1;
	}
	say("%s: ext4 fathom-data made", dev);
	return 0;
}

struct copy { const char *from, *to; int optional; };

/* Copy the files, saying the percent of bytes written at every 10 %. */
static int copy_files(const struct copy *c, int n)
{
	static char buf[MIB];
	uint64_t total = 0, done = 0;
	int i, shown = 0;
	struct stat st;

	for (i = 0; i < n; i++)
		if (stat(c[i].from, &st) == 0)
			total += (uint64_t)st.st_size;
	for (i = 0; i < n; i++) {
		int in = open(c[i].from, O_RDONLY | O_CLOEXEC), out;
		ssize_t r;

		if (in < 0 && c[i].optional)
			continue;
		out = open(c[i].to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (in < 0 || out < 0) {
			say("copying %s to %s: %s", c[i].from, c[i].to, strerror(errno));
			goto fail;
		}
		while ((r = read(in, buf, sizeof(buf))) > 0) {
			if (pwrite_all(out, buf, (size_t)r, lseek(out, 0, SEEK_CUR)) < 0 ||
			    lseek(out, r, SEEK_CUR) < 0)
				break;
			done += (uint64_t)r;
			if (total && done * 10 / total > (uint64_t)shown) {
				shown = (int)(done * 10 / total);
				say("writing slot A: %d%% (%llu of %llu MiB)", shown * 10,
				    (unsigned long long)(done >> 20), (unsigned long long)(total >> 20));
			}
		}
		if (r != 0 || fsync(out) < 0) {
			say("copying %s to %s: %s", c[i].from, c[i].to, strerror(errno ? errno : EIO));
			close(in), close(out);
			goto fail;
		}
		close(in);
		close(out);
	}
	return 0;
fail:
	return -1;
}

static int put(const char *path, const char *text)
{
	if (file_write_atomic(path, text, strlen(text), 0644) < 0) {
		say("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* GRUB's environment block: exactly 1024 bytes, '#'-padded. */
static void grubenv(char *out, const char *slot)
{
	int n = snprintf(out, 1025, "# GRUB Environment Block\nfathom_slot=%s\nfathom_try=\n", slot);

	memset(out + n, '#', 1024 - (size_t)n);
	out[1024] = '\0';
}

static int write_esp(const struct install_settings *s, const char *id)
{
	static char conf[16384], disk_conf[16384], cfg[8192], args[4096], env[1025];
	char version[128] = "", marker[128];
	long speed;
	int unit;
	const struct copy files[] = {
		{ STICK_DIR "/boot/vmlinuz", ESP_DIR "/fathom/A/vmlinuz", 0 },
		{ STICK_DIR "/boot/initramfs.cpio.zst", ESP_DIR "/fathom/A/initramfs.cpio.zst", 0 },
		{ STICK_DIR "/boot/media.cpio.zst", ESP_DIR "/fathom/A/media.cpio.zst", 1 },
		{ STICK_DIR "/boot/install/grubx64.efi", ESP_DIR "/EFI/BOOT/BOOTX64.EFI", 0 },
		{ STICK_DIR "/boot/install/grubx64.efi", ESP_DIR "/EFI/fathom/grubx64.efi", 0 },
	};
	static const char *const dirs[] = { "/fathom", "/fathom/A", "/fathom/B", "/EFI", "/EFI/BOOT",
					    "/EFI/fathom", "/boot", "/boot/grub" };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[128];

		snprintf(path, sizeof(path), ESP_DIR "%s", dirs[i]);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return say("%s: %s", path, strerror(errno)), -1;
	}
	if (copy_files(files, (int)(sizeof(files) / sizeof(files[0]))) < 0)
		return -1;
	if (file_read(STICK_DIR "/fathom.conf", conf, sizeof(conf)) < 0)
		conf[0] = '\0';
	conf_for_disk(conf, disk_conf, sizeof(disk_conf));
	if (file_read("/etc/fathom/version", version, sizeof(version)) < 0)
		snprintf(version, sizeof(version), "unknown\n");
	cmdline_for_disk(s->cmdline, args, sizeof(args));
	serial_for_grub(args, &unit, &speed);
	snprintf(cfg, sizeof(cfg),
		 "# Fathom installed on this disk (fathom-install). The same file for UEFI and BIOS.\n"
		 "# grubenv: fathom_slot (A|B, the default) and fathom_try (a slot to boot once).\n"
		 "serial --unit=%d --speed=%ld\n"
		 "terminal_input console serial\n"
		 "terminal_output console serial\n"
		 "set timeout=1\n"
		 "set fathom_slot=A\n"
		 "load_env fathom_slot fathom_try\n"
		 "if [ -n \"$fathom_try\" ]; then\n"
		 "\tset fathom_slot=\"$fathom_try\"\n"
		 "\tset fathom_try=\n"
		 "\tsave_env fathom_try\n"
		 "fi\n"
		 "menuentry \"Fathom (slot $fathom_slot)\" {\n"
		 "\tlinux /fathom/$fathom_slot/vmlinuz %s fathom.slot=$fathom_slot fathom.media=%s\n"
		 "\tinitrd /fathom/$fathom_slot/initramfs.cpio.zst /fathom/$fathom_slot/media.cpio.zst\n"
		 "}\n", unit, speed, args, id);
	grubenv(env, "A");
	snprintf(marker, sizeof(marker), ESP_DIR "/boot/fathom-%s", id);
	if (put(ESP_DIR "/fathom/A/fathom.conf", disk_conf) < 0 ||
	    put(ESP_DIR "/fathom/A/VERSION", version) < 0 ||
	    put(ESP_DIR "/boot/grub/grub.cfg", cfg) < 0 ||
	    put(ESP_DIR "/boot/grub/grubenv", env) < 0 || put(marker, id) < 0)
		return -1;
	return 0;
}

int install_to(const struct disk *d, const struct install_settings *s, char *esp_dev, size_t n,
	       char *id, size_t id_size)
{
	struct gpt_part parts[3];
	uint8_t guids[3][16], r[8];
	const char *mkfat[] = { "/sbin/mkfs.fat", "-F", "32", "-n", "FATHOM-ESP", esp_dev, NULL };
	int rc;

	if (layout_guids(guids) < 0 || getrandom(r, sizeof(r), 0) != sizeof(r) ||
	    gpt_fathom_layout(d->size / GPT_SECTOR, (const uint8_t(*)[16])guids, parts) < 0)
		return say("%s: no layout fits", d->name), -1;
	snprintf(id, id_size, "%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
		 r[6], r[7]);
	if (write_table(d, parts, 3, 1) < 0)
		return -1;
	memcpy(esp_dev, "/dev/", 5);
	disk_part_name(d->name, LAYOUT_ESP, esp_dev + 5, n - 5);
	if (wait_node(esp_dev) < 0 || run(mkfat) != 0)
		return say("%s: mkfs.fat failed", esp_dev), -1;
	if (mkfs_data(d->name) < 0)
		return -1;
	mkdir(ESP_DIR, 0700);
	if (mount(esp_dev, ESP_DIR, "vfat", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return say("%s: mount: %s", esp_dev, strerror(errno)), -1;
	rc = write_esp(s, id);
	sync();
	if (umount(ESP_DIR) < 0)
		say("%s: umount: %s", esp_dev, strerror(errno));
	if (rc == 0)
		efi_add_boot_entry(&parts[0]);
	return rc;
}

int format_data(const struct disk *d)
{
	struct gpt_part part;
	uint8_t guids[3][16];
	struct gpt_part parts[3];

	if (layout_guids(guids) < 0 ||
	    gpt_fathom_layout(d->size / GPT_SECTOR, (const uint8_t(*)[16])guids, parts) < 0)
		return say("%s: too small for a data partition", d->name), -1;
	/* The data partition where an installation has it: partition 3. */
	part = parts[2];
	memset(parts, 0, sizeof(parts));
	parts[2] = part;
	if (write_table(d, parts, 3, 0) < 0)
		return -1;
	return mkfs_data(d->name);
}
