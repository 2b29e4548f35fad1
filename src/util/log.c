// SPDX-License-Identifier: BSD-3-Clause
/* The one place that formats log lines. */
#include "util/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static enum log_level max_level = LOG_LVL_INFO;
static bool to_syslog;
static const char *who = "crosvm"; /* "crosvm virtio-blk" in a device process */

void log_set_process(const char *name)
{
	who = name;
	/* A jailed process cannot reach /dev/log: its lines go to stderr only. */
	to_syslog = false;
}

void log_set_level(enum log_level level)
{
	max_level = level;
}

void log_init_syslog(const char *tag)
{
	if (!tag && isatty(STDERR_FILENO))
		return;
	/* syslog keeps the pointer: the tag must outlive the process's logging (argv does). */
	openlog(tag ? tag : "crosvm", LOG_PID, LOG_DAEMON);
	/*
	 * syslog() stamps each line with the local time: read the zone file now,
	 * before the seccomp filters, which let no thread open files later.
	 */
	tzset();
	to_syslog = true;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
	static const int prios[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	char line[1024];
	va_list ap;
	int n;

	if (level > max_level)
		return;
	n = snprintf(line, sizeof(line), "[%s %s] ", who, names[level]);
	va_start(ap, fmt);
	/* clang-tidy 14 false positive when this is not a run's first file (as in jail.c). */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap);
	va_end(ap);
	if (to_syslog)
		syslog(prios[level], "%s", line + n);
	/*
	 * One write per line so lines from several threads never interleave;
	 * "\r\n" because the terminal may be in raw mode.
	 */
	n = (int)strlen(line);
	line[n++] = '\r';
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
