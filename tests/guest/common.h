/*
 * What the guest test programs share: a monotonic clock in seconds and the
 * xorshift64 generator their page contents and random choices come from.
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef RAMINATE_GUEST_COMMON_H
#define RAMINATE_GUEST_COMMON_H

#include <stdint.h>
#include <time.h>

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The next value of the xorshift64 sequence in *x (never 0 from non-0). */
static inline uint64_t xorshift64(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

#endif
