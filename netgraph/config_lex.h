/*
 * netgraph/config_lex.h — private to the configuration parser
 * (netgraph/config.c, netgraph/config_lex.c): the lexer that splits a line
 * into tokens, the string storage of a parsed configuration, and the value
 * parsers shared by the keywords. See netgraph/config.h for the language.
 */
#ifndef SPINDLE_NETGRAPH_CONFIG_LEX_H
#define SPINDLE_NETGRAPH_CONFIG_LEX_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include "netgraph/config.h"

/** One token of a line: raw bytes as written, quotes and escapes still in. */
struct token {
    const char *raw;
    size_t rawlen;
    unsigned col; /* 1-based byte column */
    size_t eq;    /* index of the first unquoted '=' in raw, or rawlen if none */
};

/** The lexer's state: the whole text and the current line's bounds. */
struct lexer {
    const char *text;
    size_t len;
    size_t line_start; /* offset of the current line's first byte */
    size_t line_end;   /* offset just past its content (before \r\n or \n) */
    size_t next_line;  /* offset of the following line */
    size_t pos;        /* scan position within the line */
    unsigned line;     /* 1-based */
    unsigned end_col;  /* column just past the last token returned */
};

/** The parse in progress. */
struct parser {
    struct lexer lx;
    struct config *cfg;
    struct config_error *err;
    unsigned cap_if, cap_addr, cap_route, cap_ext, cap_line;
};

/** cfg_lx_pos - the position of column @col of the current line. */
struct cfg_pos cfg_lx_pos(const struct lexer *lx, unsigned col);
/** cfg_lx_next_line - advance to the next line; false at the end of the text. */
bool cfg_lx_next_line(struct lexer *lx);
/** cfg_perr - record an error at column @col of the current line; returns -KE_INVAL. */
int cfg_perr(struct parser *ps, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/**
 * cfg_token - the next token of the current line into *@t. Returns 1, 0 at
 * the end of the line (or a comment), or -KE_INVAL (unterminated quote, NUL).
 */
int cfg_token(struct parser *ps, struct token *t);
/** cfg_tok_is - true when token @t is exactly @word. */
bool cfg_tok_is(const struct token *t, const char *word);
/** cfg_tok_has_eq - true when @t holds an unquoted '=' (a key=value). */
bool cfg_tok_has_eq(const struct token *t);
/** cfg_tok_show - the raw token, shortened to @size, for messages. */
const char *cfg_tok_show(const struct token *t, char *buf, size_t size);
/** cfg_store - copy [@s, @s+@n) (unquoted when @unq) into @cfg's string storage. */
const char *cfg_store(struct config *cfg, const char *s, size_t n, bool unq);
/** cfg_grow - room for one more element of @elem bytes in *@arr (*@cap elements): 0 or -KE_NOMEM. */
int cfg_grow(void **arr, unsigned n, unsigned *cap, size_t elem);
/** cfg_parse_prefix - "A.B.C.D/LEN" token @t into @addr, @plen; @what names it in errors. */
int cfg_parse_prefix(struct parser *ps, const struct token *t, const char *what, uint32_t *addr,
                     uint8_t *plen);
/** cfg_take_name - word @t as a name of [A-Za-z0-9_.-], at most @size - 1 bytes, into @dst. */
int cfg_take_name(struct parser *ps, const struct token *t, const char *what, char *dst,
                  size_t size);
/** cfg_need_word - the next token, which must be a word: the @what of a @keyword line. */
int cfg_need_word(struct parser *ps, struct token *t, const char *keyword, const char *what);
/** cfg_no_more_tokens - 0 when the line has no more tokens, else an error. */
int cfg_no_more_tokens(struct parser *ps, const char *keyword);
/** cfg_parse_params - the rest of the line as key=value parameters into @p, positions into @pp. */
int cfg_parse_params(struct parser *ps, const char *keyword, struct kparams *p, struct cfg_pos *pp);
/** cfg_find_interface - the interface line named @name so far, or NULL. */
const struct cfg_interface *cfg_find_interface(const struct config *cfg, const char *name);
/** cfg_need_interface - @t names an interface declared on an earlier line, copied to @dst. */
int cfg_need_interface(struct parser *ps, const struct token *t, const char *keyword, char *dst);

#endif
