/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON keys: K(name) is the key "name" of keys.def; a misspelt one fails to
 * compile.  KU64(name) is a u64's key and its "_hex" twin (KT_KEY_U64), the
 * two arguments kt_json_ku64 takes; kt_reg_key(r) the key of a register. */
#ifndef KT_RENDER_KEYS_H
#define KT_RENDER_KEYS_H

enum kt_key {
#define KT_KEY(name) KT_K_##name,
#define KT_KEY_U64(name) KT_KEY(name) KT_KEY(name##_hex)
#define KT_REG_KEY(name, reg) KT_KEY(name)
#include "render/keys.def"
#undef KT_REG_KEY
#undef KT_KEY_U64
#undef KT_KEY
	KT_K_COUNT
};
extern const char *const kt_keys[KT_K_COUNT];
#define K(name) (kt_keys[KT_K_##name])
#define KU64(name) K(name), K(name##_hex)

/* The key of register reg (enum kt_reg), "?" out of range. */
const char *kt_reg_key(int reg);

#endif
