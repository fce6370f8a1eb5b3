#include "aws/profile.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/secret.h"

struct ini_entry {
    const char *section;
    const char *key;   /* NULL for a section marker */
    const char *value;
};

struct cs_aws_ini_s {
    char *text; /* secret copy, cut into NUL-terminated pieces */
    struct ini_entry *e;
    size_t n;
};

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

static cs_rc parse_line(cs_aws_ini_t *ini, char *line, size_t lineno,
                        const char **section, int *in_key, struct cs_err *err)
{
    char *s, *delim;

    if (*line == ' ' || *line == '\t') {
        /* continuation of a value (a nested block): part of the previous
         * key, which cellscan does not read */
        if (!*in_key && *trim(line) != '\0')
            return cs_err_set(err, CS_ERR_PARSE,
                              "line %zu: indented line without a key", lineno);
        return CS_OK;
    }
    s = trim(line);
    *in_key = 0;
    if (*s == '\0' || *s == '#' || *s == ';')
        return CS_OK;
    if (*s == '[') {
        char *close = strrchr(s, ']');
        if (close == NULL || close[1] != '\0')
            return cs_err_set(err, CS_ERR_PARSE,
                              "line %zu: section header without ']'", lineno);
        *close = '\0';
        *section = trim(s + 1);
        ini->e[ini->n++] = (struct ini_entry){*section, NULL, NULL};
        return CS_OK;
    }
    if (*section == NULL)
        return cs_err_set(err, CS_ERR_PARSE,
                          "line %zu: setting before any [section]", lineno);
    delim = strpbrk(s, "=:");
    if (delim == NULL || delim == s)
        return cs_err_set(err, CS_ERR_PARSE,
                          "line %zu: expected 'key = value'", lineno);
    *delim = '\0';
    char *key = trim(s);
    for (char *k = key; *k; k++)
        *k = (char)tolower((unsigned char)*k);
    ini->e[ini->n++] = (struct ini_entry){*section, key, trim(delim + 1)};
    *in_key = 1;
    return CS_OK;
}

cs_rc cs_aws_ini_parse(const char *text, size_t len, cs_aws_ini_t **out,
                       struct cs_err *err)
{
    cs_aws_ini_t *ini;
    const char *section = NULL;
    size_t lines = 1, lineno = 0;
    int in_key = 0;
    char *p;
    cs_rc rc = CS_OK;

    *out = NULL;
    if (len > CS_AWS_INI_MAX)
        return cs_err_set(err, CS_ERR_LIMIT, "file over %d bytes",
                          CS_AWS_INI_MAX);
    if (memchr(text, '\0', len))
        return cs_err_set(err, CS_ERR_PARSE, "file contains a NUL byte");
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    ini = calloc(1, sizeof(*ini));
    if (ini == NULL || (ini->text = cs_secret_strndup(text, len)) == NULL ||
        (ini->e = calloc(lines, sizeof(*ini->e))) == NULL) {
        cs_aws_ini_destroy(ini);
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    }
    p = ini->text;
    while (rc == CS_OK && p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        rc = parse_line(ini, p, ++lineno, &section, &in_key, err);
        p = nl ? nl + 1 : NULL;
    }
    if (rc != CS_OK) {
        cs_aws_ini_destroy(ini);
        return rc;
    }
    *out = ini;
    return CS_OK;
}

cs_rc cs_aws_ini_load(const char *path, cs_aws_ini_t **out,
                      struct cs_err *err)
{
    struct cs_buf b;
    char chunk[4096];
    FILE *f;
    size_t n;
    cs_rc rc = CS_OK;

    *out = NULL;
    f = fopen(path, "r");
    if (f == NULL)
        return cs_err_set(err, errno == ENOENT ? CS_ERR_NOTFOUND : CS_ERR_IO,
                          "%s: %s", path, strerror(errno));
    /* no stdio buffering of secrets beyond our own zeroed buffers */
    setvbuf(f, NULL, _IONBF, 0);
    cs_buf_init_secret(&b, CS_AWS_INI_MAX);
    while (rc == CS_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = cs_buf_append(&b, chunk, n);
    if (rc == CS_OK && ferror(f))
        rc = CS_ERR_IO;
    fclose(f);
    explicit_bzero(chunk, sizeof(chunk));
    if (rc != CS_OK)
        cs_err_set(err, rc, "%s: %s", path,
                   rc == CS_ERR_LIMIT ? "too large" : "cannot be read");
    else if ((rc = cs_aws_ini_parse(cs_buf_str(&b), b.len, out, err)) != CS_OK)
        cs_err_prefix(err, "%s", path);
    cs_buf_free(&b);
    return rc;
}

void cs_aws_ini_destroy(cs_aws_ini_t *ini)
{
    if (ini == NULL)
        return;
    cs_secret_strfree(ini->text);
    free(ini->e);
    free(ini);
}

int cs_aws_ini_has(const cs_aws_ini_t *ini, const char *section)
{
    for (size_t i = 0; ini && i < ini->n; i++)
        if (strcmp(ini->e[i].section, section) == 0)
            return 1;
    return 0;
}

const char *cs_aws_ini_get(const cs_aws_ini_t *ini, const char *section,
                           const char *key)
{
    const char *v = NULL;

    for (size_t i = 0; ini && i < ini->n; i++)
        if (ini->e[i].key && strcmp(ini->e[i].section, section) == 0 &&
            strcmp(ini->e[i].key, key) == 0)
            v = ini->e[i].value;
    return v;
}
