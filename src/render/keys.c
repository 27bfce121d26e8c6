// SPDX-License-Identifier: GPL-2.0-or-later
/* The JSON keys, from keys.def. */
#include "render/keys.h"

const char *const kt_keys[KT_K_COUNT] = {
#define KT_KEY(name) [KT_K_##name] = #name,
#include "render/keys.def"
#undef KT_KEY
};
