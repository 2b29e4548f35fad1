/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_CONTROL_CLIENT_H
#define CROSVM_CONTROL_CLIENT_H

/*
 * The subcommands that talk to a running VM: stop, suspend, resume, balloon,
 * balloon_stats, disk. Returns the process exit status, or -1 when name is
 * not one of them.
 */
int ctl_command(const char *name, int argc, char **argv);

#endif
