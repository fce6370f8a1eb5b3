#include "aws/xml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "util/buf.h"

struct rule {
    const char *seg[CS_XML_MAX_DEPTH]; /* into path; not NUL-terminated */
    size_t len[CS_XML_MAX_DEPTH];
    size_t nseg;
    int id;
    unsigned events;
};

struct cs_xml_s {
    XML_Parser p;
    struct rule *rules;
    size_t nrules;
    cs_xml_fn fn;
    void *ud;
    size_t depth;
    /* alive[d]: rules whose first d segments match the open elements;
     * here[d]: rules that match the element at depth d exactly */
    uint64_t alive[CS_XML_MAX_DEPTH + 1];
    uint64_t here[CS_XML_MAX_DEPTH + 1];
    size_t text_start[CS_XML_MAX_DEPTH + 1];
    struct cs_buf text;
    cs_rc rc;
    struct cs_err err;
    int done;
};

static int seg_match(const struct rule *r, size_t i, const char *name)
{
    size_t n = r->len[i];

    if (n == 1 && r->seg[i][0] == '*')
        return 1;
    return strncmp(r->seg[i], name, n) == 0 && name[n] == '\0';
}

static void stop(cs_xml_t *x, cs_rc rc)
{
    if (x->rc == CS_OK)
        x->rc = rc;
    XML_StopParser(x->p, XML_FALSE);
}

static uint64_t wanting(const cs_xml_t *x, uint64_t set, unsigned ev)
{
    uint64_t out = 0;

    for (size_t i = 0; i < x->nrules; i++)
        if ((set >> i & 1) && (x->rules[i].events & ev))
            out |= (uint64_t)1 << i;
    return out;
}

static void emit(cs_xml_t *x, uint64_t set, enum cs_xml_event ev,
                 const char *text, size_t len)
{
    for (size_t i = 0; i < x->nrules && x->rc == CS_OK; i++) {
        if (!(set >> i & 1) || !(x->rules[i].events & ev))
            continue;
        cs_rc rc = x->fn(x->ud, x->rules[i].id, ev, text, len, &x->err);
        if (rc != CS_OK) {
            if (x->err.code == CS_OK)
                cs_err_set(&x->err, rc, "XML: stopped by the caller");
            stop(x, rc);
        }
    }
}

static void XMLCALL on_start(void *ud, const XML_Char *name,
                             const XML_Char **attrs)
{
    cs_xml_t *x = ud;
    uint64_t alive = 0, here = 0;
    size_t d;

    (void)attrs;
    if (x->rc != CS_OK)
        return;
    if (x->depth >= CS_XML_MAX_DEPTH) {
        cs_err_set(&x->err, CS_ERR_LIMIT, "XML: deeper than %d elements",
                   CS_XML_MAX_DEPTH);
        stop(x, CS_ERR_LIMIT);
        return;
    }
    d = ++x->depth;
    for (size_t i = 0; i < x->nrules; i++) {
        const struct rule *r = &x->rules[i];
        if (!(x->alive[d - 1] >> i & 1) || r->nseg < d ||
            !seg_match(r, d - 1, name))
            continue;
        alive |= (uint64_t)1 << i;
        if (r->nseg == d)
            here |= (uint64_t)1 << i;
    }
    x->alive[d] = alive;
    x->here[d] = here;
    x->text_start[d] = x->text.len;
    if (here)
        emit(x, here, CS_XML_START, NULL, 0);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    cs_xml_t *x = ud;
    size_t d = x->depth;

    (void)name;
    if (x->rc != CS_OK || d == 0)
        return;
    if (x->here[d]) {
        const char *t = cs_buf_str(&x->text) + x->text_start[d];
        emit(x, x->here[d], CS_XML_TEXT, t, x->text.len - x->text_start[d]);
        emit(x, x->here[d], CS_XML_END, NULL, 0);
    }
    cs_buf_truncate(&x->text, x->text_start[d]);
    x->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    cs_xml_t *x = ud;
    size_t d = x->depth;

    if (x->rc != CS_OK || d == 0 || !wanting(x, x->here[d], CS_XML_TEXT))
        return;
    if (cs_buf_append(&x->text, s, (size_t)len) != CS_OK) {
        cs_err_set(&x->err, CS_ERR_LIMIT, "XML: element text over %d bytes",
                   CS_XML_MAX_TEXT);
        stop(x, CS_ERR_LIMIT);
    }
}

/* Entities and DTDs are how XML reaches the network or blows up memory;
 * AWS never sends them, so any DOCTYPE ends the parse. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name,
                               const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal)
{
    cs_xml_t *x = ud;

    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal;
    cs_err_set(&x->err, CS_ERR_PARSE, "XML: DOCTYPE is not allowed");
    stop(x, CS_ERR_PARSE);
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int param,
                                   const XML_Char *value, int vlen,
                                   const XML_Char *base, const XML_Char *sysid,
                                   const XML_Char *pubid,
                                   const XML_Char *notation)
{
    (void)name;
    (void)param;
    (void)value;
    (void)vlen;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    on_doctype(ud, NULL, NULL, NULL, 0);
}

static cs_rc compile_rule(struct rule *r, const struct cs_xml_rule *in,
                          struct cs_err *err)
{
    const char *p = in->path;

    if (p == NULL || *p == '\0')
        return cs_err_set(err, CS_ERR_INVALID, "XML rule %d: empty path",
                          in->id);
    r->id = in->id;
    r->events = in->events;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0 || r->nseg == CS_XML_MAX_DEPTH)
            return cs_err_set(err, CS_ERR_INVALID,
                              "XML rule %d: bad path '%.100s'", in->id,
                              in->path);
        r->seg[r->nseg] = p;
        r->len[r->nseg++] = n;
        p += n;
        if (*p == '/' && *++p == '\0')
            return cs_err_set(err, CS_ERR_INVALID,
                              "XML rule %d: path ends with '/'", in->id);
    }
    return CS_OK;
}

cs_xml_t *cs_xml_new(const struct cs_xml_rule *rules, size_t nrules,
                     cs_xml_fn fn, void *ud, struct cs_err *err)
{
    cs_xml_t *x;

    if (nrules > CS_XML_MAX_RULES || fn == NULL) {
        cs_err_set(err, CS_ERR_INVALID, "XML: at most %d rules and a callback",
                   CS_XML_MAX_RULES);
        return NULL;
    }
    x = calloc(1, sizeof(*x));
    if (x == NULL || (x->rules = calloc(nrules ? nrules : 1,
                                        sizeof(*x->rules))) == NULL) {
        free(x);
        cs_err_set(err, CS_ERR_NOMEM, "XML: out of memory");
        return NULL;
    }
    x->nrules = nrules;
    for (size_t i = 0; i < nrules; i++) {
        if (compile_rule(&x->rules[i], &rules[i], err) != CS_OK) {
            cs_xml_destroy(x);
            return NULL;
        }
    }
    x->fn = fn;
    x->ud = ud;
    x->alive[0] = nrules == 64 ? UINT64_MAX : (((uint64_t)1 << nrules) - 1);
    /* element text may be a secret (AssumeRole answers): zeroed on free */
    cs_buf_init_secret(&x->text, CS_XML_MAX_TEXT);
    cs_err_clear(&x->err);
    x->p = XML_ParserCreate(NULL);
    if (x->p == NULL) {
        cs_xml_destroy(x);
        cs_err_set(err, CS_ERR_NOMEM, "XML: out of memory");
        return NULL;
    }
    XML_SetUserData(x->p, x);
    XML_SetElementHandler(x->p, on_start, on_end);
    XML_SetCharacterDataHandler(x->p, on_text);
    XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
    XML_SetEntityDeclHandler(x->p, on_entity_decl);
    XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
    return x;
}

void cs_xml_destroy(cs_xml_t *x)
{
    if (x == NULL)
        return;
    if (x->p)
        XML_ParserFree(x->p);
    cs_buf_free(&x->text);
    free(x->rules);
    free(x);
}

cs_rc cs_xml_feed(cs_xml_t *x, const char *data, size_t len, int final,
                  struct cs_err *err)
{
    if (x->done)
        return cs_err_set(err, x->rc ? x->rc : CS_ERR_INVALID,
                          "XML: the document is already finished");
    while (x->rc == CS_OK) {
        /* expat takes an int length; feed huge inputs in slices */
        int n = len > (size_t)(1 << 30) ? 1 << 30 : (int)len;
        int last = final && (size_t)n == len;
        if (XML_Parse(x->p, data, n, last) == XML_STATUS_ERROR &&
            x->rc == CS_OK) {
            cs_err_set(&x->err, CS_ERR_PARSE, "XML line %lu column %lu: %s",
                       (unsigned long)XML_GetCurrentLineNumber(x->p),
                       (unsigned long)XML_GetCurrentColumnNumber(x->p),
                       XML_ErrorString(XML_GetErrorCode(x->p)));
            x->rc = CS_ERR_PARSE;
        }
        data += n;
        len -= (size_t)n;
        if (len == 0)
            break;
    }
    if (x->rc != CS_OK || final)
        x->done = 1;
    if (x->rc != CS_OK && err)
        *err = x->err;
    return x->rc;
}

cs_rc cs_xml_parse(const struct cs_xml_rule *rules, size_t nrules,
                   cs_xml_fn fn, void *ud, const char *data, size_t len,
                   struct cs_err *err)
{
    cs_xml_t *x = cs_xml_new(rules, nrules, fn, ud, err);
    cs_rc rc;

    if (x == NULL)
        return err ? err->code : CS_ERR_INVALID;
    rc = cs_xml_feed(x, data, len, 1, err);
    cs_xml_destroy(x);
    return rc;
}
