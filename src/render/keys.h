/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON keys: K(name) is the key "name" of keys.def; a misspelt one fails to compile. */
#ifndef KT_RENDER_KEYS_H
#define KT_RENDER_KEYS_H

enum kt_key {
#define KT_KEY(name) KT_K_##name,
#include "render/keys.def"
#undef KT_KEY
	KT_K_COUNT
};
extern const char *const kt_keys[KT_K_COUNT];
#define K(name) (kt_keys[KT_K_##name])

#endif
