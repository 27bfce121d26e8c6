// SPDX-License-Identifier: GPL-2.0-or-later
/* Strict JSON validator (see jsoncheck.h): recursive descent, depth-bounded. */
#include <string.h>
#include "jsoncheck.h"

struct p { const char *s; size_t n, i; int depth; };

static void ws(struct p *p)
{
	while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]) && p->s[p->i])
		p->i++;
}

static int lit(struct p *p, const char *w)
{
	size_t l = strlen(w);
	if (p->n - p->i < l || memcmp(p->s + p->i, w, l))
		return -1;
	p->i += l;
	return 0;
}

static int isdig(char c) { return c >= '0' && c <= '9'; }

static int number(struct p *p)
{
	if (p->i < p->n && p->s[p->i] == '-')
		p->i++;
	if (p->i >= p->n || !isdig(p->s[p->i]))
		return -1;
	if (p->s[p->i] == '0')
		p->i++;
	else
		while (p->i < p->n && isdig(p->s[p->i]))
			p->i++;
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (p->i >= p->n || !isdig(p->s[p->i]))
			return -1;
		while (p->i < p->n && isdig(p->s[p->i]))
			p->i++;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (p->i >= p->n || !isdig(p->s[p->i]))
			return -1;
		while (p->i < p->n && isdig(p->s[p->i]))
			p->i++;
	}
	return 0;
}

static int string(struct p *p)
{
	if (p->i >= p->n || p->s[p->i] != '"')
		return -1;
	p->i++;
	while (p->i < p->n) {
		unsigned char c = (unsigned char)p->s[p->i++];
		if (c == '"')
			return 0;
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			if (p->i >= p->n)
				return -1;
			c = (unsigned char)p->s[p->i++];
			if (c == 'u') {
				for (int k = 0; k < 4; k++, p->i++)
					if (p->i >= p->n || !strchr("0123456789abcdefABCDEF", p->s[p->i]) ||
					    !p->s[p->i])
						return -1;
			} else if (!strchr("\"\\/bfnrt", c) || !c) {
				return -1;
			}
		}
	}
	return -1;
}

static int value(struct p *p);

static int container(struct p *p, char close, int is_obj)
{
	p->i++;
	if (++p->depth > 256)
		return -1;
	ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		p->depth--;
		return 0;
	}
	for (;;) {
		ws(p);
		if (is_obj) {
			if (string(p))
				return -1;
			ws(p);
			if (p->i >= p->n || p->s[p->i] != ':')
				return -1;
			p->i++;
		}
		if (value(p))
			return -1;
		ws(p);
		if (p->i >= p->n)
			return -1;
		if (p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->s[p->i] != close)
			return -1;
		p->i++;
		p->depth--;
		return 0;
	}
}

static int value(struct p *p)
{
	ws(p);
	if (p->i >= p->n)
		return -1;
	switch (p->s[p->i]) {
	case '{': return container(p, '}', 1);
	case '[': return container(p, ']', 0);
	case '"': return string(p);
	case 't': return lit(p, "true");
	case 'f': return lit(p, "false");
	case 'n': return lit(p, "null");
	default: return number(p);
	}
}

size_t json_check(const char *buf, size_t len)
{
	struct p p = { buf, len, 0, 0 };
	if (value(&p))
		return p.i + 1;
	ws(&p);
	return p.i == len ? 0 : p.i + 1;
}
