/* profile.h: the AWS shared credentials and config files (INI, as
 * botocore's configparser reads them): "[section]" headers, "key = value"
 * or "key: value" lines with keys lower-cased, '#' and ';' comment lines,
 * indented continuation lines (nested settings such as "s3 =" blocks,
 * which cellscan does not use and skips). The whole text is kept in
 * secret memory because it holds secret access keys.
 */
#ifndef CS_AWS_PROFILE_H
#define CS_AWS_PROFILE_H

#include <stddef.h>

#include "util/err.h"

#define CS_AWS_INI_MAX (1024 * 1024)

typedef struct cs_aws_ini_s cs_aws_ini_t;

/* Parses len bytes of text. CS_ERR_PARSE with the line number for a key
 * before any section, an unterminated section header or a line that is
 * neither; CS_ERR_LIMIT above CS_AWS_INI_MAX. On success *out holds the
 * parsed file; caller frees with cs_aws_ini_destroy. */
cs_rc cs_aws_ini_parse(const char *text, size_t len, cs_aws_ini_t **out,
                       struct cs_err *err);

/* Reads and parses a file. CS_ERR_NOTFOUND when it does not exist;
 * CS_ERR_IO when it cannot be read; else as cs_aws_ini_parse (err names the
 * file). */
cs_rc cs_aws_ini_load(const char *path, cs_aws_ini_t **out,
                      struct cs_err *err);

/* Zeroes and frees ini. NULL is a no-op. */
void cs_aws_ini_destroy(cs_aws_ini_t *ini);

/* 1 when section exists (even empty). ini may be NULL (0). Cannot fail. */
int cs_aws_ini_has(const cs_aws_ini_t *ini, const char *section);

/* The value of key (lower-case) in section, the last one when repeated,
 * or NULL. Borrowed: valid until cs_aws_ini_destroy. ini may be NULL.
 * Cannot fail. */
const char *cs_aws_ini_get(const cs_aws_ini_t *ini, const char *section,
                           const char *key);

#endif
