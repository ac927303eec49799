/* plan.h - the INIT plan: from what the kernel's INIT offers and the command's options, how each
 * kind of request is served, settled once (plan.c) and only read afterwards. */
#ifndef SHMFS_PLAN_H
#define SHMFS_PLAN_H

#include "fs_state.h"

/* Settles PLAN from OPTS and OFFER, the knobs, and what this process may do (CAP_SYS_ADMIN, the
 * pipe size it can have): no other input, no side effect. */
void fs_plan_settle(const struct fs_options *opts, const struct fs_offer *offer,
		    struct fs_plan *plan);
/* Logs PLAN, the data mode through SETTLED(ARG, ...) (the mount's first line; NULL: none), and the
 * rest where the mount is not refused. */
void fs_plan_log(const struct fs_plan *plan, fs_settled_fn *settled, void *arg);
/* The init operation (fs.c): settles fs->plan from what CONN's INIT offers, asks libfuse for it,
 * has the layer under the session write the rest, logs it; ends the session when refused. */
void fs_plan_init(struct fs *fs, struct fuse_conn_info *conn);

#endif
