/*
 * api_runtime.c -- mtcp_init, mtcp_destroy, mtcp_getconf, mtcp_setconf.
 *
 * One configuration per process.  The calls are serialised by a mutex so
 * that a program configuring from several threads sees a consistent state.
 */
#include "internal.h"
#include "runtime.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <mtcp_api.h>

#include "event.h"
#include "io.h"

static pthread_mutex_t runtime_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mos_config runtime_conf;
static bool runtime_loaded;
static struct mos_io runtime_io;
static bool runtime_io_open;

const struct mos_config *mos_runtime_config(void)
{
	return runtime_loaded ? &runtime_conf : NULL;
}

struct mos_config *mos_runtime_config_mut(void)
{
	return runtime_loaded ? &runtime_conf : NULL;
}

struct mos_io *mos_runtime_io(void)
{
	return runtime_io_open ? &runtime_io : NULL;
}

bool mos_runtime_contexts_exist(void)
{
	return mos_contexts_exist();
}

/* The I/O backend is opened with the configuration, as mOS did, so that a
 * missing port fails mtcp_init rather than a later call. */
static int open_io(void)
{
	int nctx = __builtin_popcountll(runtime_conf.cpu_mask);

	if (mos_config_check_host(&runtime_conf) < 0)
		return -1;	/* EINVAL, the mask named */
	if (mos_io_open(&runtime_io, &runtime_conf, nctx) < 0) {
		if (errno != ENOENT && errno != EACCES && errno != ENOMEM &&
		    errno != EINVAL)
			errno = ENODEV;
		return -1;
	}
	runtime_io_open = true;
	return 0;
}

MOS_EXPORT int mtcp_init(const char *config_file)
{
	int ret = -1;

	pthread_mutex_lock(&runtime_lock);
	if (runtime_loaded) {
		errno = EALREADY;
	} else if (mos_config_load(&runtime_conf, config_file) == 0) {
		/* the log, not stdout: program output stays clean */
		if (getenv("MOS_VERBOSE"))
			mos_config_print(&runtime_conf, stderr);
		if (open_io() == 0) {
			runtime_loaded = true;
			mos_signals_install();
			ret = 0;
		} else {
			int e = errno;

			mos_config_free(&runtime_conf);
			errno = e;
		}
	}
	pthread_mutex_unlock(&runtime_lock);
	return ret;
}

MOS_EXPORT int mtcp_destroy(void)
{
	pthread_mutex_lock(&runtime_lock);
	if (mos_contexts_release_all() < 0) {
		pthread_mutex_unlock(&runtime_lock);
		return -1;	/* EBUSY: a context still runs */
	}
	if (runtime_io_open)
		mos_io_close(&runtime_io);
	runtime_io_open = false;
	mos_ude_reset();
	mos_signals_restore();
	if (runtime_loaded) {
		mos_config_free(&runtime_conf);
		runtime_loaded = false;
	}
	pthread_mutex_unlock(&runtime_lock);
	return 0;
}

MOS_EXPORT int mtcp_getconf(struct mtcp_conf *conf)
{
	int ret = -1;

	if (!conf) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&runtime_lock);
	if (!runtime_loaded) {
		errno = EINVAL;
	} else {
		mos_config_to_mtcp(&runtime_conf, conf);
		ret = 0;
	}
	pthread_mutex_unlock(&runtime_lock);
	return ret;
}

MOS_EXPORT int mtcp_setconf(const struct mtcp_conf *conf)
{
	int ret = -1;

	if (!conf) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&runtime_lock);
	if (!runtime_loaded)
		errno = EINVAL;
	else if (mos_runtime_contexts_exist())
		errno = EBUSY;
	else
		ret = mos_config_from_mtcp(&runtime_conf, conf);
	pthread_mutex_unlock(&runtime_lock);
	return ret;
}
