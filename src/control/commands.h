/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_CONTROL_COMMANDS_H
#define CROSVM_CONTROL_COMMANDS_H

#include <stdio.h>

/*
 * The subcommands that talk to a running VM (stop, suspend, resume, balloon,
 * balloon_stats, disk), through libcrosvm_control. argv[0] is the subcommand.
 * Returns the process exit status, or -1 when argv[0] is not one of them.
 */
int ctl_command(int argc, char **argv);
/* One line per subcommand for `crosvm --help`. */
void ctl_commands_usage(FILE *f);

#endif
