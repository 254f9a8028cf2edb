/*
 * setup_huge.c -- hugepages per NUMA node and the optional hugetlbfs mount.
 *
 * Pages somebody else reserved (dpdk.service, the kernel command line) are
 * never lowered: a count at or above the request is reported and left.
 */
#include "mos_build.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "setup.h"

/* "2M", "1G": the spelling of the kernel's hugepagesz= parameter. */
static void size_name(long kb, char *buf, size_t len)
{
	if (kb % (1024 * 1024) == 0)
		snprintf(buf, len, "%ldG", kb / (1024 * 1024));
	else if (kb % 1024 == 0)
		snprintf(buf, len, "%ldM", kb / 1024);
	else
		snprintf(buf, len, "%ldK", kb);
}

/* The nr_hugepages file of one node and size; machines without NUMA
 * support only have the global one, which counts as node 0. */
static int huge_dir(const struct setup_huge *h, char *buf, size_t len)
{
	char nodes[PATH_MAX];

	if (setup_path(nodes, sizeof(nodes), "/sys/devices/system/node") < 0)
		return -1;
	if (setup_exists(nodes)) {
		if (setup_path(buf, len, "/sys/devices/system/node/node%d",
			       h->node) < 0)
			return -1;
		if (!setup_exists(buf))
			return setup_fail("NUMA node %d does not exist (%s)",
					  h->node, buf);
		if (setup_path(buf, len,
			       "/sys/devices/system/node/node%d/hugepages/hugepages-%ldkB",
			       h->node, h->size_kb) < 0)
			return -1;
	} else {
		if (h->node != 0)
			return setup_fail("NUMA node %d does not exist (no %s)",
					  h->node, nodes);
		if (setup_path(buf, len,
			       "/sys/kernel/mm/hugepages/hugepages-%ldkB",
			       h->size_kb) < 0)
			return -1;
	}
	if (!setup_exists(buf))
		return setup_fail("%ldkB hugepages are not supported on node %d (no %s)",
				  h->size_kb, h->node, buf);
	return 0;
}

static int huge_one(const struct setup_huge *h)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], val[32], sz[32];
	long cur, got;

	if (huge_dir(h, dir, sizeof(dir)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/nr_hugepages", dir);
	if (setup_read_long(path, &cur) < 0)
		return -1;
	if (cur >= h->pages) {
		setup_note("node %d: %ld %ldkB pages reserved, %ld wanted: nothing to do",
			   h->node, cur, h->size_kb, h->pages);
		return 0;
	}
	snprintf(val, sizeof(val), "%ld", h->pages);
	if (setup_write(path, val) < 0)
		return -1;
	if (setup_opt.dry_run)
		return 0;
	/* The kernel reserves what it can and says nothing: read back. */
	if (setup_read_long(path, &got) < 0)
		return -1;
	if (got < h->pages) {
		size_name(h->size_kb, sz, sizeof(sz));
		return setup_fail("reserved %ld of %ld %ldkB pages on node %d: free memory or reserve at boot (kernel command line: hugepagesz=%s hugepages=%ld)",
				  got, h->pages, h->size_kb, h->node, sz,
				  h->pages);
	}
	setup_note("node %d: reserved %ld %ldkB pages (were %ld)", h->node,
		   got, h->size_kb, cur);
	return 0;
}

int setup_hugepages(const struct setup_conf *c)
{
	if (c->nhuge == 0)
		setup_note("no hugepages requested in mos.setup");
	for (int i = 0; i < c->nhuge; i++)
		if (huge_one(&c->huge[i]) < 0)
			return -1;
	return 0;
}

/* Undo the octal escapes of /proc/mounts ("\040" for a space). */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/* Type of the file system mounted on DIR ("" = none); the last one wins,
 * as a later mount hides an earlier one. */
static int mounted_type(const char *dir, char *type, size_t len)
{
	char path[PATH_MAX], line[1024];
	FILE *f;

	if (setup_path(path, sizeof(path), "/proc/mounts") < 0)
		return -1;
	f = fopen(path, "re");
	if (!f)
		return setup_fail("cannot read %s: %s", path, strerror(errno));
	type[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char *save, *src, *mnt, *fs;

		src = strtok_r(line, " \t\n", &save);
		mnt = src ? strtok_r(NULL, " \t\n", &save) : NULL;
		fs = mnt ? strtok_r(NULL, " \t\n", &save) : NULL;
		if (!fs)
			continue;
		unescape(mnt);
		if (!strcmp(mnt, dir))
			snprintf(type, len, "%s", fs);
	}
	fclose(f);
	return 0;
}

/* With one page size asked for, the mount serves that size. */
static void mount_options(const struct setup_conf *c, char *buf, size_t len)
{
	char sz[32];

	buf[0] = '\0';
	for (int i = 1; i < c->nhuge; i++)
		if (c->huge[i].size_kb != c->huge[0].size_kb)
			return;
	if (c->nhuge == 0)
		return;
	size_name(c->huge[0].size_kb, sz, sizeof(sz));
	snprintf(buf, len, "pagesize=%s", sz);
}

int setup_mount(const struct setup_conf *c)
{
	char type[64], opts[64], dir[PATH_MAX];

	if (!c->mount[0])
		return 0;
	if (mounted_type(c->mount, type, sizeof(type)) < 0)
		return -1;
	if (!strcmp(type, "hugetlbfs")) {
		setup_note("hugetlbfs already mounted on %s: nothing to do",
			   c->mount);
		return 0;
	}
	if (type[0])
		return setup_fail("%s is already a %s mount, not hugetlbfs",
				  c->mount, type);
	mount_options(c, opts, sizeof(opts));
	if (setup_path(dir, sizeof(dir), "%s", c->mount) < 0)
		return -1;
	if (setup_opt.dry_run) {
		setup_note("would mount hugetlbfs on %s (%s)", dir,
			   opts[0] ? opts : "default page size");
		return 0;
	}
	if (setup_mkdir_p(dir) < 0)
		return -1;
	if (setup_opt.root[0]) {
		/* A fake root has no kernel behind it. */
		setup_note("would mount hugetlbfs on %s (%s): not done under --root",
			   dir, opts[0] ? opts : "default page size");
		return 0;
	}
	if (mount("hugetlbfs", dir, "hugetlbfs", MS_NOSUID | MS_NODEV,
		  opts[0] ? opts : NULL) < 0)
		return setup_fail("cannot mount hugetlbfs on %s: %s", dir,
				  strerror(errno));
	setup_note("mounted hugetlbfs on %s (%s)", dir,
		   opts[0] ? opts : "default page size");
	return 0;
}

static int status_sizes(const char *dir, const char *label)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, versionsort);

	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		char p1[PATH_MAX + 300], p2[PATH_MAX + 300];
		long nr = -1, fr = -1, kb;

		if (sscanf(ents[i]->d_name, "hugepages-%ldkB", &kb) == 1) {
			snprintf(p1, sizeof(p1), "%s/%s/nr_hugepages", dir,
				 ents[i]->d_name);
			snprintf(p2, sizeof(p2), "%s/%s/free_hugepages", dir,
				 ents[i]->d_name);
			if (setup_read_long(p1, &nr) == 0 &&
			    setup_read_long(p2, &fr) == 0)
				printf("  %-8s %8ldkB  nr %6ld  free %6ld\n",
				       label, kb, nr, fr);
		}
		free(ents[i]);
	}
	free(ents);
	return 0;
}

int setup_huge_status(void)
{
	char nodes[PATH_MAX], dir[PATH_MAX + 300], label[300];
	struct dirent **ents;
	int n;

	printf("hugepages:\n");
	if (setup_path(nodes, sizeof(nodes), "/sys/devices/system/node") < 0)
		return -1;
	n = scandir(nodes, &ents, NULL, versionsort);
	if (n < 0) {
		if (setup_path(nodes, sizeof(nodes), "/sys/kernel/mm/hugepages") < 0)
			return -1;
		return status_sizes(nodes, "global");
	}
	for (int i = 0; i < n; i++) {
		int node;

		if (sscanf(ents[i]->d_name, "node%d", &node) == 1) {
			snprintf(dir, sizeof(dir), "%s/%s/hugepages", nodes,
				 ents[i]->d_name);
			snprintf(label, sizeof(label), "node %d", node);
			status_sizes(dir, label);
		}
		free(ents[i]);
	}
	free(ents);
	return 0;
}
