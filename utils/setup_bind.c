/*
 * setup_bind.c -- moving the configured PCI ports to vfio-pci (or
 * uio_pci_generic) and back.
 *
 * Binding uses the kernel's driver_override mechanism: write the target
 * driver's name to the device's driver_override, write the address to the
 * old driver's unbind, then to drivers_probe, and the kernel hands the
 * device to the target.  Before touching a device its previous driver (and
 * previous driver_override, which driverctl may have set) is written to a
 * state file, so --undo can put things back and leave no trace.
 *
 * Every check runs for every port before anything is written, so a refused
 * port never leaves the others half done.
 */
#include "mos_build.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "setup.h"

#define STATE_DIR "/run/mos"
#define STATE_FILE STATE_DIR "/bind.state"
#define NAME_LEN 64

extern char **environ;

struct bind_entry {
	char pci[SETUP_PCI_LEN];
	char bound[NAME_LEN];	/* driver mos-setup moved it to */
	char prev[NAME_LEN];	/* driver before, "-" = none */
	char prev_ov[NAME_LEN];	/* driver_override before, "-" = none */
};

struct bind_state {
	int n;
	struct bind_entry e[SETUP_MAX_PORTS * 2];
};

/* Drivers that share the NIC with the kernel: DPDK uses them in place. */
static const char *const bifurcated[] = { "mlx4_core", "mlx5_core", NULL };

/* Drivers that do not make an IOMMU group unusable for vfio. */
static const char *const group_ok[] = {
	"vfio-pci", "pci-stub", "pcieport", NULL
};

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* Current driver of a PCI device, "" when unbound; -1 if no device. */
static int dev_driver(const char *pci, char *buf, size_t len)
{
	char path[PATH_MAX];

	if (setup_path(path, sizeof(path), "/sys/bus/pci/devices/%s", pci) < 0)
		return -1;
	if (!setup_exists(path)) {
		errno = ENODEV;
		return -1;
	}
	if (setup_path(path, sizeof(path), "/sys/bus/pci/devices/%s/driver",
		       pci) < 0)
		return -1;
	if (setup_link_name(path, buf, len) < 0) {
		if (errno != ENOENT)
			return setup_fail("cannot read %s: %s", path,
					  strerror(errno));
		buf[0] = '\0';
	}
	return 0;
}

static int dev_attr(const char *pci, const char *attr, char *path, size_t len)
{
	return setup_path(path, len, "/sys/bus/pci/devices/%s/%s", pci, attr);
}

/* ------------------------------------------------------------ state file */

static int state_load(struct bind_state *st)
{
	char path[PATH_MAX], line[SETUP_LINE];
	int lineno = 0;
	FILE *f;

	st->n = 0;
	if (setup_path(path, sizeof(path), STATE_FILE) < 0)
		return -1;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		return setup_fail("cannot read %s: %s", path, strerror(errno));
	}
	while (fgets(line, sizeof(line), f)) {
		struct bind_entry *e = &st->e[st->n];
		char tail;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (st->n == (int)(sizeof(st->e) / sizeof(st->e[0])) ||
		    sscanf(line, "%15s %63s %63s %63s %c", e->pci, e->bound,
			   e->prev, e->prev_ov, &tail) != 4) {
			fclose(f);
			return setup_fail("%s:%d: unreadable entry (remove the file if the ports were rebound by hand)",
					  path, lineno);
		}
		st->n++;
	}
	fclose(f);
	return 0;
}

static int state_save(const struct bind_state *st)
{
	char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	if (setup_opt.dry_run)
		return 0;
	if (setup_path(dir, sizeof(dir), STATE_DIR) < 0 ||
	    setup_path(path, sizeof(path), STATE_FILE) < 0)
		return -1;
	if (st->n == 0) {
		if (unlink(path) < 0 && errno != ENOENT)
			return setup_fail("cannot remove %s: %s", path,
					  strerror(errno));
		return 0;
	}
	if (setup_mkdir_p(dir) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f)
		return setup_fail("cannot write %s: %s", tmp, strerror(errno));
	fprintf(f, "# mos-setup: pci bound-driver previous-driver previous-override\n");
	for (int i = 0; i < st->n; i++)
		fprintf(f, "%s %s %s %s\n", st->e[i].pci, st->e[i].bound,
			st->e[i].prev, st->e[i].prev_ov);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return setup_fail("cannot write %s: %s", path, strerror(e));
	}
	return 0;
}

static struct bind_entry *state_find(struct bind_state *st, const char *pci)
{
	for (int i = 0; i < st->n; i++)
		if (!strcmp(st->e[i].pci, pci))
			return &st->e[i];
	return NULL;
}

static void state_drop(struct bind_state *st, struct bind_entry *e)
{
	int i = (int)(e - st->e);

	memmove(&st->e[i], &st->e[i + 1], (size_t)(st->n - i - 1) * sizeof(*e));
	st->n--;
}

/* ------------------------------------------------------------ module */

static void module_name(const char *driver, char *buf, size_t len)
{
	snprintf(buf, len, "%s", driver);
	for (char *p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
}

static int driver_present(const char *driver)
{
	char path[PATH_MAX], mod[NAME_LEN];

	module_name(driver, mod, sizeof(mod));
	if (setup_path(path, sizeof(path), "/sys/bus/pci/drivers/%s",
		       driver) < 0)
		return -1;
	if (setup_exists(path))
		return 1;
	if (setup_path(path, sizeof(path), "/sys/module/%s", mod) < 0)
		return -1;
	return setup_exists(path);
}

static int run_modprobe(const char *driver)
{
	char *argv[] = { "modprobe", (char *)driver, NULL };
	int status, err;
	pid_t pid;

	err = posix_spawnp(&pid, "modprobe", NULL, NULL, argv, environ);
	if (err)
		return setup_fail("cannot run modprobe %s: %s", driver,
				  strerror(err));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return setup_fail("modprobe %s: %s", driver,
					  strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return setup_fail("modprobe %s failed (exit %d): is the module installed for this kernel?",
				  driver, WIFEXITED(status) ?
				  WEXITSTATUS(status) : -1);
	return 0;
}

int setup_module(const struct setup_conf *c)
{
	int r = driver_present(c->driver);

	if (r < 0)
		return -1;
	if (r) {
		if (setup_opt.verbose)
			setup_note("driver %s is loaded", c->driver);
		return 0;
	}
	if (setup_opt.dry_run || setup_opt.root[0]) {
		setup_note("would run: modprobe %s", c->driver);
		return 0;
	}
	if (run_modprobe(c->driver) < 0)
		return -1;
	r = driver_present(c->driver);
	if (r <= 0)
		return r < 0 ? -1 :
		       setup_fail("modprobe %s succeeded but no driver %s appeared",
				  c->driver, c->driver);
	setup_note("loaded module %s", c->driver);
	return 0;
}

/* ------------------------------------------------------------ checks */

static bool configured(const struct setup_conf *c, const char *pci)
{
	for (int i = 0; i < c->nports; i++)
		if (!strcmp(c->ports[i].pci, pci))
			return true;
	return false;
}

/* vfio needs the whole IOMMU group: every other member unbound, on a
 * driver vfio tolerates, or about to be bound with this port. */
static int check_group(const struct setup_conf *c, const struct setup_port *p)
{
	char path[PATH_MAX], group[NAME_LEN], drv[NAME_LEN];
	struct dirent *d;
	DIR *dir;
	int ret = 0;

	if (dev_attr(p->pci, "iommu_group", path, sizeof(path)) < 0)
		return -1;
	if (setup_link_name(path, group, sizeof(group)) < 0)
		return setup_fail("port %s (%s) has no IOMMU group: enable the IOMMU (intel_iommu=on or amd_iommu=on) or set mos.setup.driver = \"uio_pci_generic\"",
				  p->name, p->pci);
	if (dev_attr(p->pci, "iommu_group/devices", path, sizeof(path)) < 0)
		return -1;
	dir = opendir(path);
	if (!dir)
		return setup_fail("cannot read %s: %s", path, strerror(errno));
	while (ret == 0 && (d = readdir(dir))) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, p->pci))
			continue;
		if (dev_driver(d->d_name, drv, sizeof(drv)) < 0) {
			if (errno == ENODEV)
				continue;
			ret = -1;
			break;
		}
		if (!drv[0] || in_list(drv, group_ok) ||
		    configured(c, d->d_name))
			continue;
		if (setup_opt.force) {
			setup_note("port %s (%s): IOMMU group %s also holds %s on %s: going on (--force)",
				   p->name, p->pci, group, d->d_name, drv);
			continue;
		}
		ret = setup_fail("port %s (%s): IOMMU group %s also holds %s on %s: add it to mos.ports, unbind it, or use --force",
				 p->name, p->pci, group, d->d_name, drv);
	}
	closedir(dir);
	return ret;
}

/* A kernel interface on the device that is up is in use by Linux. */
static int check_in_use(const struct setup_port *p)
{
	char net[PATH_MAX], path[PATH_MAX + 300], name[NAME_LEN], state[32];
	struct dirent *d;
	DIR *dir;
	int ret = 0;

	if (setup_path(net, sizeof(net), "/sys/class/net") < 0)
		return -1;
	dir = opendir(net);
	if (!dir)
		return 0;	/* no network class: nothing can be in use */
	while (ret == 0 && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/device", net, d->d_name);
		if (setup_link_name(path, name, sizeof(name)) < 0 ||
		    strcmp(name, p->pci))
			continue;
		snprintf(path, sizeof(path), "%s/%s/operstate", net, d->d_name);
		if (setup_read_line(path, state, sizeof(state)) < 0 ||
		    strcmp(state, "up"))
			continue;
		if (setup_opt.force) {
			setup_note("port %s (%s) is interface %s, which is up: unbinding anyway (--force)",
				   p->name, p->pci, d->d_name);
			continue;
		}
		ret = setup_fail("port %s (%s) is interface %s, which is up: take it down (ip link set %s down) or use --force",
				 p->name, p->pci, d->d_name, d->d_name);
	}
	closedir(dir);
	return ret;
}

/* 1 = needs binding, 0 = leave it, -1 = refused. */
static int bind_check(const struct setup_conf *c, const struct setup_port *p,
		      char *cur, size_t len)
{
	if (dev_driver(p->pci, cur, len) < 0) {
		if (errno == ENODEV)
			return setup_fail("port %s: PCI device %s not found (see lspci -D)",
					  p->name, p->pci);
		return -1;
	}
	if (!strcmp(cur, c->driver)) {
		setup_note("port %s (%s): already on %s: nothing to do",
			   p->name, p->pci, c->driver);
		return 0;
	}
	if (in_list(cur, bifurcated)) {
		setup_note("port %s (%s): stays on %s: a bifurcated driver, DPDK uses the device through it",
			   p->name, p->pci, cur);
		return 0;
	}
	if (!strcmp(c->driver, "vfio-pci") && check_group(c, p) < 0)
		return -1;
	if (cur[0] && check_in_use(p) < 0)
		return -1;
	return 1;
}

/* ------------------------------------------------------------ bind */

static int bind_one(const struct setup_conf *c, const struct setup_port *p,
		    const char *cur)
{
	char path[PATH_MAX], now[NAME_LEN];

	if (dev_attr(p->pci, "driver_override", path, sizeof(path)) < 0 ||
	    setup_write(path, c->driver) < 0)
		return -1;
	if (cur[0]) {
		if (setup_path(path, sizeof(path),
			       "/sys/bus/pci/drivers/%s/unbind", cur) < 0 ||
		    setup_write(path, p->pci) < 0)
			return -1;
	}
	if (setup_path(path, sizeof(path), "/sys/bus/pci/drivers_probe") < 0 ||
	    setup_write(path, p->pci) < 0)
		return -1;
	if (setup_opt.dry_run)
		return 0;
	/* A fake root has no kernel to move the driver link: no read-back. */
	if (!setup_opt.root[0]) {
		if (dev_driver(p->pci, now, sizeof(now)) < 0)
			return setup_fail("port %s: PCI device %s vanished while binding",
					  p->name, p->pci);
		if (strcmp(now, c->driver))
			return setup_fail("port %s (%s): %s did not take the device (now on %s); see dmesg",
					  p->name, p->pci, c->driver,
					  now[0] ? now : "no driver");
	}
	setup_note("port %s (%s): %s -> %s", p->name, p->pci,
		   cur[0] ? cur : "no driver", c->driver);
	return 0;
}

/* driver_override as the kernel shows it; "(null)" means unset. */
static int read_override(const char *pci, char *buf, size_t len)
{
	char path[PATH_MAX];

	if (dev_attr(pci, "driver_override", path, sizeof(path)) < 0)
		return -1;
	if (setup_read_line(path, buf, len) < 0)
		return setup_fail("cannot read %s: %s (kernel too old for driver_override?)",
				  path, strerror(errno));
	if (!buf[0] || !strcmp(buf, "(null)"))
		snprintf(buf, len, "-");
	return 0;
}

int setup_bind(const struct setup_conf *c)
{
	char cur[SETUP_MAX_PORTS][NAME_LEN];
	bool todo[SETUP_MAX_PORTS] = { false };
	static struct bind_state st;
	int r, n = 0, changed = 0;

	for (int i = 0; i < c->nports; i++) {
		if (!c->ports[i].pci[0])
			continue;
		n++;
		r = bind_check(c, &c->ports[i], cur[i], sizeof(cur[i]));
		if (r < 0)
			return -1;
		todo[i] = r;
	}
	if (n == 0)
		setup_note("no port in mos.ports has a pci address: nothing to bind");
	for (int i = 0; i < c->nports; i++)
		changed += todo[i];
	if (!changed)
		return 0;
	if (setup_module(c) < 0 || state_load(&st) < 0)
		return -1;
	/* Remember first, so that an interrupted run can still be undone.
	 * An entry left by an interrupted run keeps the original driver. */
	for (int i = 0; i < c->nports; i++) {
		struct bind_entry *e;

		if (!todo[i] || state_find(&st, c->ports[i].pci))
			continue;
		e = &st.e[st.n];
		memset(e, 0, sizeof(*e));
		snprintf(e->pci, sizeof(e->pci), "%s", c->ports[i].pci);
		snprintf(e->bound, sizeof(e->bound), "%s", c->driver);
		strcpy(e->prev, cur[i][0] ? cur[i] : "-");	/* same size */
		if (read_override(e->pci, e->prev_ov, sizeof(e->prev_ov)) < 0)
			return -1;
		st.n++;
	}
	if (state_save(&st) < 0)
		return -1;
	for (int i = 0; i < c->nports; i++)
		if (todo[i] && bind_one(c, &c->ports[i], cur[i]) < 0)
			return -1;
	return 0;
}

/* ------------------------------------------------------------ undo */

static int undo_one(const struct bind_entry *e)
{
	char path[PATH_MAX], now[NAME_LEN];
	const char *ov = strcmp(e->prev_ov, "-") ? e->prev_ov : "";

	if (dev_driver(e->pci, now, sizeof(now)) < 0)
		return -1;
	if (dev_attr(e->pci, "driver_override", path, sizeof(path)) < 0 ||
	    setup_write(path, ov) < 0)
		return -1;
	if (now[0]) {
		if (setup_path(path, sizeof(path),
			       "/sys/bus/pci/drivers/%s/unbind", now) < 0 ||
		    setup_write(path, e->pci) < 0)
			return -1;
	}
	if (!strcmp(e->prev, "-")) {
		setup_note("%s: released from %s, left unbound as it was",
			   e->pci, e->bound);
		return 0;
	}
	if (setup_path(path, sizeof(path), "/sys/bus/pci/drivers_probe") < 0 ||
	    setup_write(path, e->pci) < 0)
		return -1;
	if (setup_opt.dry_run)
		return 0;
	if (!setup_opt.root[0]) {
		if (dev_driver(e->pci, now, sizeof(now)) < 0)
			return setup_fail("%s vanished while restoring it",
					  e->pci);
		if (strcmp(now, e->prev))
			return setup_fail("%s: re-probed, but it is on %s instead of %s; see dmesg",
					  e->pci, now[0] ? now : "no driver",
					  e->prev);
	}
	setup_note("%s: %s -> %s", e->pci, e->bound, e->prev);
	return 0;
}

int setup_undo(void)
{
	static struct bind_state st;
	char now[NAME_LEN];

	if (state_load(&st) < 0)
		return -1;
	if (st.n == 0) {
		setup_note("no port bound by mos-setup: nothing to undo");
		return 0;
	}
	while (st.n > 0) {
		struct bind_entry *e = &st.e[0];

		if (dev_driver(e->pci, now, sizeof(now)) < 0) {
			if (errno != ENODEV)
				return -1;
			setup_note("%s: device is gone: forgetting it", e->pci);
		} else if (now[0] && strcmp(now, e->bound)) {
			setup_note("%s: now on %s, not on %s: left as it is",
				   e->pci, now, e->bound);
		} else if (undo_one(e) < 0) {
			return -1;
		}
		/* Saved after each device, so an error keeps the rest;
		 * under --dry-run nothing is saved. */
		state_drop(&st, e);
		if (state_save(&st) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ status */

static void status_line(const char *name, const char *pci,
			const struct bind_state *st)
{
	char drv[NAME_LEN];
	const struct bind_entry *e = NULL;

	for (int i = 0; i < st->n; i++)
		if (!strcmp(st->e[i].pci, pci))
			e = &st->e[i];
	if (dev_driver(pci, drv, sizeof(drv)) < 0)
		snprintf(drv, sizeof(drv), "(device not found)");
	else if (!drv[0])
		snprintf(drv, sizeof(drv), "(no driver)");
	printf("  %-12s %-14s %s", name, pci, drv);
	if (e)
		printf("  (bound by mos-setup, was %s)",
		       strcmp(e->prev, "-") ? e->prev : "unbound");
	putchar('\n');
}

int setup_port_status(const struct setup_conf *c)
{
	static struct bind_state st;

	if (state_load(&st) < 0)
		return -1;
	printf("ports (driver %s):\n", c->driver);
	for (int i = 0; i < c->nports; i++) {
		if (c->ports[i].pci[0])
			status_line(c->ports[i].name, c->ports[i].pci, &st);
		else
			printf("  %-12s %-14s (not a PCI device)\n",
			       c->ports[i].name, "-");
	}
	for (int i = 0; i < st.n; i++)
		if (!configured(c, st.e[i].pci))
			status_line("(not in config)", st.e[i].pci, &st);
	return 0;
}
