/*
 * The frame tag: 32 bytes a guest test program writes into a page to name
 * the guest-physical frame it sits in, so the host can find the page in the
 * backing files.  Written by tests/guest/{pagetag,memcheck}.c, read by
 * tests/host/layout-check.c.
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef RAMINATE_FRAME_TAG_H
#define RAMINATE_FRAME_TAG_H

#include <stdint.h>

#define FRAME_TAG_MAGIC 0x52414d494e415445ULL   /* "RAMINATE" */

static inline void frame_tag_write(uint64_t *t, uint64_t nonce, uint64_t pfn)
{
	t[0] = FRAME_TAG_MAGIC;
	t[1] = nonce;
	t[2] = pfn;
	t[3] = ~pfn ^ nonce;
}

static inline int frame_tag_ok(const uint64_t *t, uint64_t nonce, uint64_t pfn)
{
	return t[0] == FRAME_TAG_MAGIC && t[1] == nonce && t[2] == pfn &&
	       t[3] == (~pfn ^ nonce);
}

#endif
