/*
 * The markers a guest program stores (64-bit, anywhere in its memory) to
 * delimit a measurement of the raminate-writes plugin.
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef RAMINATE_WRITES_H
#define RAMINATE_WRITES_H

#define RAMINATE_WRITES_START 0x2154524154535752ULL /* "RWSTART!" */
#define RAMINATE_WRITES_STOP 0x2121504f54535752ULL  /* "RWSTOP!!" */

#endif
