/*
 * rwmark: start or stop a measurement of the raminate-writes plugin.
 *
 *   rwmark start|stop
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "raminate-writes.h"

/* Where the marker is stored: anywhere will do. */
volatile uint64_t marker;

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "start")) {
		marker = RAMINATE_WRITES_START;
	} else if (argc == 2 && !strcmp(argv[1], "stop")) {
		marker = RAMINATE_WRITES_STOP;
	} else {
		fprintf(stderr, "usage: rwmark start|stop\n");
		return 2;
	}
	return 0;
}
