/*
 * io_dpdk.h -- private helpers of the DPDK backend (io_dpdk_argv.c).
 *
 * The backend itself is reached through mos_io_dpdk_ops (io.h).  The EAL
 * command line is built by a separate function so that tests can check it
 * without starting the EAL, which a process can do only once.  No DPDK
 * type appears here: this header is included by code built without
 * DPDK's compiler flags.
 */
#ifndef MOS_IO_DPDK_H
#define MOS_IO_DPDK_H

#include <stddef.h>

struct mos_config;

/*
 * The EAL command line for CFG: "mos", -l (cores of cpu_mask), -n,
 * --file-prefix, --proc-type, memory (--no-huge -m, or --socket-mem / -m /
 * --huge-dir), --vdev per vdev port, -a per PCI port (--no-pci if none),
 * a default --log-level=error unless eal_args set one, then eal_args.
 * *ARGVP receives a NULL-terminated array of heap strings.  Returns argc,
 * or -1 with errno ENOMEM, or EINVAL (empty cpu_mask).
 */
int mos_dpdk_eal_argv(const struct mos_config *cfg, char ***argvp);
void mos_dpdk_argv_free(char **argv);

/*
 * Why DPDK found no device at PCI address PCI, told from sysfs (SYSFS is
 * "/sys" but for tests): absent, bound to no driver or to a kernel driver
 * rather than DRIVER (mos.setup.driver), or bound right but not taken.
 * One phrase into BUF.
 */
void mos_dpdk_pci_why(const char *sysfs, const char *pci, const char *driver,
		      char *buf, size_t size);

#endif
