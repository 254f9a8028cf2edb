/*
 * runtime.h -- process-wide state set up by mtcp_init (api_runtime.c).
 */
#ifndef MOS_RUNTIME_H
#define MOS_RUNTIME_H

#include <stdbool.h>

#include "config.h"

/* The configuration loaded by mtcp_init, or NULL before/after it. */
const struct mos_config *mos_runtime_config(void);
struct mos_config *mos_runtime_config_mut(void);

/*
 * True once a context has been created; mtcp_setconf then fails with
 * EBUSY.  Returns false until contexts exist (wired by the context code).
 */
bool mos_runtime_contexts_exist(void);

struct mos_io;
/* The open I/O backend, or NULL. */
struct mos_io *mos_runtime_io(void);

/* api_context.c */
bool mos_contexts_exist(void);
int mos_contexts_release_all(void);
void mos_signals_install(void);
void mos_signals_restore(void);

#endif
