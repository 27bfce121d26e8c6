// SPDX-License-Identifier: GPL-2.0-or-later
/* The JSON keys, from keys.def. */
#include "kvmtimer/regs.h"
#include "render/keys.h"

const char *const kt_keys[KT_K_COUNT] = {
#define KT_KEY(name) [KT_K_##name] = #name,
#define KT_KEY_U64(name) KT_KEY(name) KT_KEY(name##_hex)
#define KT_REG_KEY(name, reg) KT_KEY(name)
#include "render/keys.def"
#undef KT_REG_KEY
#undef KT_KEY_U64
#undef KT_KEY
};

/* Register -> key: every register has one (counted below), none twice
 * (a repeated designator is an error under -Werror=override-init). */
static const enum kt_key reg_keys[KT_NREGS] = {
#define KT_KEY(name)
#define KT_KEY_U64(name)
#define KT_REG_KEY(name, reg) [KT_##reg] = KT_K_##name,
#include "render/keys.def"
#undef KT_REG_KEY
#undef KT_KEY_U64
#undef KT_KEY
};
enum {
#define KT_KEY(name)
#define KT_KEY_U64(name)
#define KT_REG_KEY(name, reg) KT_REG_KEYS_##reg,
#include "render/keys.def"
#undef KT_REG_KEY
#undef KT_KEY_U64
#undef KT_KEY
	KT_NREG_KEYS
};
_Static_assert((int)KT_NREG_KEYS == (int)KT_NREGS, "keys.def: one KT_REG_KEY per register of enum kt_reg");

const char *kt_reg_key(int reg)
{
	return reg >= 0 && reg < KT_NREGS ? kt_keys[reg_keys[reg]] : "?";
}
