/*
 * setup.h -- shared pieces of mos-setup: options, the part of mos.conf it
 * reads, and the file helpers that prefix every path with --root.
 */
#ifndef MOS_SETUP_H
#define MOS_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#define SETUP_MAX_PORTS 32
#define SETUP_MAX_HUGE 64
#define SETUP_PCI_LEN 16		/* "0000:03:00.0" + NUL, with room */
#define SETUP_LINE 256

struct setup_opts {
	const char *root;	/* "" on the live system, else the fake root */
	bool dry_run;
	bool force;
	bool verbose;
};
extern struct setup_opts setup_opt;

struct setup_huge {
	int node;
	long size_kb;
	long pages;
};

struct setup_port {
	char name[64];
	char pci[SETUP_PCI_LEN];	/* "" = not a PCI port */
};

struct setup_conf {
	int nhuge;
	struct setup_huge huge[SETUP_MAX_HUGE];
	char mount[256];		/* "" = do not mount */
	char driver[32];		/* "vfio-pci" or "uio_pci_generic" */
	int nports;
	struct setup_port ports[SETUP_MAX_PORTS];
};

/* setup_sys.c */
int setup_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void setup_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int setup_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool setup_exists(const char *path);
int setup_read_line(const char *path, char *buf, size_t len);
int setup_read_long(const char *path, long *val);
int setup_write(const char *path, const char *val);
int setup_link_name(const char *path, char *buf, size_t len);
int setup_mkdir_p(const char *path);

/* setup_conf.c */
int setup_conf_load(struct setup_conf *c, const char *file);
int setup_pci_normalize(const char *in, char *out, size_t len);

/* setup_huge.c */
int setup_hugepages(const struct setup_conf *c);
int setup_mount(const struct setup_conf *c);
int setup_huge_status(void);

/* setup_bind.c */
int setup_module(const struct setup_conf *c);
int setup_bind(const struct setup_conf *c);
int setup_undo(void);
int setup_port_status(const struct setup_conf *c);

#endif
