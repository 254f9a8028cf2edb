/*
 * mos-setup -- prepare a host for libmos programs from mos.conf: reserve
 * hugepages, mount hugetlbfs, load vfio-pci and bind the configured PCI
 * ports to it; --undo gives the ports back to their previous drivers.
 * See mos-setup(8).
 */
#include "mos_build.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setup.h"

#ifndef MOS_SYSCONFDIR
#define MOS_SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONF MOS_SYSCONFDIR "/mos/mos.conf"

enum {
	DO_HUGE = 1, DO_BIND = 2, DO_UNDO = 4, DO_STATUS = 8,
};

enum { OPT_ROOT = 256, OPT_HUGE, OPT_BIND, OPT_UNDO, OPT_STATUS, OPT_FORCE };

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'f' },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "hugepages", no_argument, NULL, OPT_HUGE },
	{ "bind", no_argument, NULL, OPT_BIND },
	{ "unbind", no_argument, NULL, OPT_UNDO },
	{ "undo", no_argument, NULL, OPT_UNDO },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mos-setup [-f FILE] [--root DIR] [-n] [-v] [--force]\n"
		"                 [--hugepages] [--bind] [--undo] [--status]\n"
		"Prepare hugepages and NIC drivers for libmos from mos.conf.\n"
		"\n"
		"  -f, --config FILE  configuration (default %s)\n"
		"      --hugepages    reserve hugepages, mount hugetlbfs\n"
		"      --bind         load the driver module, bind the ports\n"
		"      --undo, --unbind\n"
		"                     give the ports back to their previous drivers\n"
		"      --status       show hugepages and each port's driver\n"
		"  -n, --dry-run      print what would be written, change nothing\n"
		"      --force        unbind interfaces that are up, share IOMMU groups\n"
		"      --root DIR     work on a fake /sys, /proc and /run under DIR\n"
		"  -v, --verbose      print every write\n"
		"  -h, --help         this text\n"
		"Without an action: --hugepages then --bind.\n",
		DEFAULT_CONF);
}

static int set_root(const char *dir)
{
	static char root[PATH_MAX];

	if (!realpath(dir, root))
		return setup_fail("--root %s: %s", dir, strerror(errno));
	if (!strcmp(root, "/"))
		root[0] = '\0';
	setup_opt.root = root;
	return 0;
}

static int run(int actions, const char *file)
{
	static struct setup_conf conf;

	/* --undo works from the state file alone, config or not. */
	if ((actions & ~DO_UNDO) && setup_conf_load(&conf, file) < 0)
		return -1;
	if (actions & DO_HUGE) {
		if (setup_hugepages(&conf) < 0 || setup_mount(&conf) < 0)
			return -1;
	}
	if ((actions & DO_BIND) && setup_bind(&conf) < 0)
		return -1;
	if ((actions & DO_UNDO) && setup_undo() < 0)
		return -1;
	if (actions & DO_STATUS) {
		if (setup_huge_status() < 0 || setup_port_status(&conf) < 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *file = DEFAULT_CONF;
	int c, actions = 0;

	opterr = 0;	/* one line of our own per error */
	while ((c = getopt_long(argc, argv, ":f:nvhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case OPT_ROOT:
			if (set_root(optarg) < 0)
				return 1;
			break;
		case OPT_HUGE:
			actions |= DO_HUGE;
			break;
		case OPT_BIND:
			actions |= DO_BIND;
			break;
		case OPT_UNDO:
			actions |= DO_UNDO;
			break;
		case OPT_STATUS:
			actions |= DO_STATUS;
			break;
		case 'n':
			setup_opt.dry_run = true;
			break;
		case OPT_FORCE:
			setup_opt.force = true;
			break;
		case 'v':
			setup_opt.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mos-setup (%s) %s\n", PACKAGE_NAME,
			       PACKAGE_VERSION);
			return 0;
		case ':':
			setup_fail("option '%s' needs an argument (try --help)",
				   argv[optind - 1]);
			return 1;
		default:
			setup_fail("unknown option '%s' (try --help)",
				   argv[optind - 1]);
			return 1;
		}
	}
	if (optind < argc) {
		setup_fail("unexpected argument '%s' (try --help)", argv[optind]);
		return 1;
	}
	if ((actions & DO_BIND) && (actions & DO_UNDO)) {
		setup_fail("--bind and --undo contradict each other");
		return 1;
	}
	if (!actions)
		actions = DO_HUGE | DO_BIND;
	if (run(actions, file) < 0)
		return 1;
	if (fflush(stdout) != 0) {
		setup_fail("cannot write output: %s", strerror(errno));
		return 1;
	}
	return 0;
}
