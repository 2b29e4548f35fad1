/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_UTIL_LOG_H
#define CROSVM_UTIL_LOG_H

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_set_level(enum log_level level);
/*
 * Also sends every line to syslog under tag (default "crosvm"), when a tag is
 * given or stderr is not a terminal (a VM run by a service manager).
 */
void log_init_syslog(const char *tag);
/* In a device process: lines start "[NAME LEVEL]" (NAME must stay valid); no syslog. */
void log_set_process(const char *name);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)   log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
