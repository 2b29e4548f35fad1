// SPDX-License-Identifier: BSD-3-Clause
#include "util/term.h"

#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static volatile int saved_valid;

void term_restore(void)
{
	if (saved_valid) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		saved_valid = 0;
	}
}

bool term_stdin_usable(void)
{
	/* Reading or configuring a terminal from the background would stop us (SIGTTIN/SIGTTOU). */
	return !isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) == getpgrp();
}

int term_set_raw(void)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO))
		return 0;
	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return -1;
	raw = saved;
	/* Keyboard input goes to the guest untouched (Ctrl-C included); output keeps OPOST. */
	raw.c_iflag &=
		~(unsigned)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	raw.c_lflag &= ~(unsigned)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	raw.c_cflag &= ~(unsigned)(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
		return -1;
	saved_valid = 1;
	atexit(term_restore);
	return 0;
}
