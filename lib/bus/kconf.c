#include "bus/kconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bus/msk_iam.h"
#include "util/buf.h"
#include "util/log.h"

#define ENV_PREFIX "CELLSCAN_KAFKA_"
#define KPROP_NAME_MAX 256
#define KAFKA_ERRSTR_MAX 512

extern char **environ;

/* Variables of ours that share the prefix but are not librdkafka
 * properties. */
static const char *const own_vars[] = {
    "CELLSCAN_KAFKA_BROKERS", "CELLSCAN_KAFKA_PROPERTIES_FILE",
    "CELLSCAN_KAFKA_MSK_IAM", NULL,
};

static const char *const secret_words[] = {
    "password", "secret", "key.pem", "ssl_key", "oauthbearer.config", NULL,
};

int cs_kconf_is_secret(const char *name)
{
    for (int i = 0; secret_words[i]; i++)
        if (strcasestr(name, secret_words[i]))
            return 1;
    return 0;
}

int cs_kconf_env_property(const char *env_name, char *out, size_t outlen)
{
    size_t plen = strlen(ENV_PREFIX);
    size_t n;

    if (strncmp(env_name, ENV_PREFIX, plen) != 0)
        return 0;
    for (int i = 0; own_vars[i]; i++)
        if (strcmp(env_name, own_vars[i]) == 0)
            return 0;
    n = strlen(env_name + plen);
    if (n == 0 || n >= outlen)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = env_name[plen + i];
        out[i] = c == '_' ? '.' : (char)tolower((unsigned char)c);
    }
    out[n] = '\0';
    return 1;
}

/* Sets one property; where names its origin for the message. */
static cs_rc set_prop(rd_kafka_conf_t *conf, const char *name,
                      const char *value, const char *where,
                      struct cs_err *err)
{
    char errstr[KAFKA_ERRSTR_MAX];
    rd_kafka_conf_res_t res;

    res = rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr));
    if (res == RD_KAFKA_CONF_OK)
        return CS_OK;
    if (res == RD_KAFKA_CONF_UNKNOWN)
        return cs_err_set(err, CS_ERR_INVALID,
                          "%s: unknown Kafka property \"%s\"", where, name);
    /* librdkafka quotes the value in its message: not for secrets */
    if (cs_kconf_is_secret(name))
        return cs_err_set(err, CS_ERR_INVALID,
                          "%s: invalid value for Kafka property \"%s\" "
                          "(value not shown)", where, name);
    return cs_err_set(err, CS_ERR_INVALID, "%s: Kafka property \"%s\": %s",
                      where, name, errstr);
}

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

cs_rc cs_kconf_parse_properties(const char *text, size_t len,
                                const char *source,
                                cs_rc (*fn)(void *ud, const char *name,
                                            const char *value, int line,
                                            struct cs_err *err),
                                void *ud, struct cs_err *err)
{
    struct cs_buf line;
    size_t pos = 0;
    int lineno = 0;
    cs_rc rc = CS_OK;

    cs_buf_init_secret(&line, CS_MAX_KAFKA_PROPERTIES_FILE);

    while (pos < len && rc == CS_OK) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        char *eq;
        char *key;
        const char *value;

        lineno++;
        cs_buf_reset(&line);
        if (memchr(text + pos, '\0', n)) {
            rc = cs_err_set(err, CS_ERR_INVALID, "%s:%d: NUL byte in line",
                            source, lineno);
            break;
        }
        rc = cs_buf_append(&line, text + pos, n);
        if (rc != CS_OK) {
            cs_err_set(err, rc, "%s:%d: line too long", source, lineno);
            break;
        }
        pos += n + (nl != NULL);
        /* an append, even of 0 bytes, leaves ptr allocated */
        key = trim(line.ptr);
        if (*key == '\0' || *key == '#')
            continue;
        eq = strchr(key, '=');
        if (eq == NULL) {
            rc = cs_err_set(err, CS_ERR_INVALID,
                            "%s:%d: expected key=value", source, lineno);
            break;
        }
        *eq = '\0';
        value = trim(eq + 1);
        key = trim(key);
        if (*key == '\0') {
            rc = cs_err_set(err, CS_ERR_INVALID, "%s:%d: empty key before '='",
                            source, lineno);
            break;
        }
        rc = fn(ud, key, value, lineno, err);
    }
    cs_buf_free(&line);
    return rc;
}

struct file_ctx {
    rd_kafka_conf_t *conf;
    const char *path;
};

static cs_rc file_prop(void *ud, const char *name, const char *value,
                       int line, struct cs_err *err)
{
    struct file_ctx *fc = ud;
    char where[600];

    snprintf(where, sizeof(where), "%s:%d", fc->path, line);
    return set_prop(fc->conf, name, value, where, err);
}

static cs_rc read_file(const char *path, struct cs_buf *out,
                       struct cs_err *err)
{
    FILE *f = fopen(path, "rb");
    char chunk[4096];
    size_t n;
    cs_rc rc = CS_OK;

    if (f == NULL)
        return cs_err_set(err, CS_ERR_IO,
                          "CELLSCAN_KAFKA_PROPERTIES_FILE: cannot open %s: %s",
                          path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        rc = cs_buf_append(out, chunk, n);
        if (rc != CS_OK) {
            cs_err_set(err, rc,
                       "CELLSCAN_KAFKA_PROPERTIES_FILE: %s is larger than %d bytes",
                       path, CS_MAX_KAFKA_PROPERTIES_FILE);
            break;
        }
    }
    if (rc == CS_OK && ferror(f))
        rc = cs_err_set(err, CS_ERR_IO,
                        "CELLSCAN_KAFKA_PROPERTIES_FILE: cannot read %s", path);
    fclose(f);
    return rc;
}

static cs_rc apply_file(rd_kafka_conf_t *conf, const char *path,
                        struct cs_err *err)
{
    struct cs_buf text;
    struct file_ctx fc = {conf, path};
    cs_rc rc;

    /* the file may hold passwords: zeroed when freed */
    cs_buf_init_secret(&text, CS_MAX_KAFKA_PROPERTIES_FILE);
    rc = read_file(path, &text, err);
    if (rc == CS_OK)
        rc = cs_kconf_parse_properties(cs_buf_str(&text), text.len, path,
                                       file_prop, &fc, err);
    cs_buf_free(&text);
    return rc;
}

static cs_rc apply_env(rd_kafka_conf_t *conf, char *const *envp,
                       struct cs_err *err)
{
    for (int i = 0; envp && envp[i]; i++) {
        const char *eq = strchr(envp[i], '=');
        char var[KPROP_NAME_MAX];
        char prop[KPROP_NAME_MAX];
        size_t vlen;
        cs_rc rc;

        if (eq == NULL)
            continue;
        vlen = (size_t)(eq - envp[i]);
        if (vlen >= sizeof(var))
            continue;
        memcpy(var, envp[i], vlen);
        var[vlen] = '\0';
        if (!cs_kconf_env_property(var, prop, sizeof(prop)))
            continue;
        rc = set_prop(conf, prop, eq + 1, var, err);
        if (rc != CS_OK)
            return rc;
    }
    return CS_OK;
}

/* librdkafka log lines (syslog levels) into our JSON lines; cs_log
 * redacts anything secret-looking. Called from librdkafka's threads. */
static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf)
{
    static const struct cs_log_ctx ctx = {"kafka", NULL, NULL};
    enum cs_log_level lvl = level <= 3   ? CS_LOG_ERROR
                            : level == 4 ? CS_LOG_WARN
                            : level <= 6 ? CS_LOG_INFO
                                         : CS_LOG_DEBUG;

    cs_log(&ctx, lvl, "%s: %s: %s", rd_kafka_name(rk), fac, buf);
}

cs_rc cs_kconf_new(const struct cs_config *cfg, char *const *envp,
                   const struct cs_kprop *defaults, size_t ndefaults,
                   rd_kafka_conf_t **out, struct cs_err *err)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    cs_rc rc;

    *out = NULL;
    if (conf == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rc = set_prop(conf, "bootstrap.servers", cfg->kafka_brokers,
                  "CELLSCAN_KAFKA_BROKERS", err);
    if (rc == CS_OK)
        rc = set_prop(conf, "client.id", "cellscan", "default", err);
    for (size_t i = 0; rc == CS_OK && i < ndefaults; i++)
        rc = set_prop(conf, defaults[i].name, defaults[i].value, "default",
                      err);
    if (rc == CS_OK && cfg->kafka_properties_file &&
        cfg->kafka_properties_file[0])
        rc = apply_file(conf, cfg->kafka_properties_file, err);
    if (rc == CS_OK)
        rc = apply_env(conf, envp ? envp : environ, err);
    if (rc == CS_OK)
        rc = cs_msk_iam_setup(cfg, conf, err);
    if (rc != CS_OK) {
        rd_kafka_conf_destroy(conf);
        return rc;
    }
    *out = conf;
    return CS_OK;
}

cs_rc cs_kconf_require(rd_kafka_conf_t *conf, const char *name,
                       const char *required, const char *why,
                       struct cs_err *err)
{
    char value[KPROP_NAME_MAX] = "";
    size_t size = sizeof(value);

    if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK)
        return cs_err_set(err, CS_ERR_INVALID, "unknown Kafka property \"%s\"",
                          name);
    if (strcmp(value, required) != 0)
        return cs_err_set(err, CS_ERR_INVALID,
                          "Kafka property %s=%s is not allowed: %s", name,
                          value, why);
    return CS_OK;
}
