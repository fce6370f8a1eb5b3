#include "aws/provider.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws/context.h"
#include "aws/metadata.h"
#include "aws/profile.h"
#include "aws/sts.h"
#include "util/clock.h"
#include "util/secret.h"

extern char **environ;

#define ECS_ENDPOINT "http://169.254.170.2"
#define IMDS_ENDPOINT "http://169.254.169.254"
#define CONTAINER_TIMEOUT_MS 2000
#define CONTAINER_ATTEMPTS 3
#define PROCESS_TIMEOUT_MS 60000
#define PROCESS_MAX_OUTPUT (64 * 1024)
#define TOKEN_FILE_MAX (64 * 1024)

/* The variables of the chain, read once. Secrets in secret memory. */
enum {
    V_AKID, V_SECRET, V_TOKEN, V_SECURITY_TOKEN, V_EXPIRATION,
    V_PROFILE, V_DEFAULT_PROFILE, V_CREDS_FILE, V_CONFIG_FILE, V_HOME,
    V_WEB_TOKEN_FILE, V_ROLE_ARN, V_ROLE_SESSION,
    V_REL_URI, V_FULL_URI, V_AUTH_TOKEN, V_AUTH_TOKEN_FILE, V_ECS_ENDPOINT,
    V_IMDS_DISABLED, V_IMDS_ENDPOINT, V_IMDS_TIMEOUT, V_IMDS_ATTEMPTS,
    V_COUNT
};

static const struct {
    const char *name;
    int secret;
} vars[V_COUNT] = {
    {"AWS_ACCESS_KEY_ID", 0}, {"AWS_SECRET_ACCESS_KEY", 1},
    {"AWS_SESSION_TOKEN", 1}, {"AWS_SECURITY_TOKEN", 1},
    {"AWS_CREDENTIAL_EXPIRATION", 0},
    {"AWS_PROFILE", 0}, {"AWS_DEFAULT_PROFILE", 0},
    {"AWS_SHARED_CREDENTIALS_FILE", 0}, {"AWS_CONFIG_FILE", 0}, {"HOME", 0},
    {"AWS_WEB_IDENTITY_TOKEN_FILE", 0}, {"AWS_ROLE_ARN", 0},
    {"AWS_ROLE_SESSION_NAME", 0},
    {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", 0},
    {"AWS_CONTAINER_CREDENTIALS_FULL_URI", 0},
    {"AWS_CONTAINER_AUTHORIZATION_TOKEN", 1},
    {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", 0},
    {"CELLSCAN_CONTAINER_CREDENTIALS_ENDPOINT", 0},
    {"AWS_EC2_METADATA_DISABLED", 0}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", 0},
    {"AWS_METADATA_SERVICE_TIMEOUT", 0}, {"AWS_METADATA_SERVICE_NUM_ATTEMPTS", 0},
};

struct cs_aws_chain_s {
    char *v[V_COUNT]; /* NULL when unset or empty */
    long imds_timeout_ms;
    int imds_attempts;
};

static const char *var(const cs_aws_chain_t *c, int i)
{
    return c->v[i];
}

/* botocore accepts these FULL_URI hosts over plain http: loopback and the
 * ECS and EKS credential agents. */
static int full_uri_allowed(const char *uri)
{
    static const char *const hosts[] = {
        "http://127.", "http://localhost:", "http://localhost/",
        "http://[::1]", "http://169.254.170.2:", "http://169.254.170.2/",
        "http://169.254.170.23:", "http://169.254.170.23/",
        "http://[fd00:ec2::23]", NULL};

    if (strncmp(uri, "https://", 8) == 0)
        return 1;
    for (int i = 0; hosts[i]; i++)
        if (strncmp(uri, hosts[i], strlen(hosts[i])) == 0)
            return 1;
    return strcmp(uri, "http://localhost") == 0;
}

static int parse_positive(const char *s, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

static cs_rc check_vars(cs_aws_chain_t *c, struct cs_err *err)
{
    long v;

    c->imds_timeout_ms = 1000;
    c->imds_attempts = 1;
    if (var(c, V_IMDS_TIMEOUT)) {
        if (parse_positive(var(c, V_IMDS_TIMEOUT), 3600, &v) != 0)
            return cs_err_set(err, CS_ERR_INVALID,
                              "AWS_METADATA_SERVICE_TIMEOUT must be 1..3600 "
                              "seconds");
        c->imds_timeout_ms = v * 1000;
    }
    if (var(c, V_IMDS_ATTEMPTS)) {
        if (parse_positive(var(c, V_IMDS_ATTEMPTS), 10, &v) != 0)
            return cs_err_set(err, CS_ERR_INVALID,
                              "AWS_METADATA_SERVICE_NUM_ATTEMPTS must be 1..10");
        c->imds_attempts = (int)v;
    }
    if (var(c, V_FULL_URI) && !full_uri_allowed(var(c, V_FULL_URI)))
        return cs_err_set(err, CS_ERR_INVALID,
                          "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https:// "
                          "or http:// to a loopback or ECS/EKS agent address");
    if (var(c, V_REL_URI) && var(c, V_REL_URI)[0] != '/')
        return cs_err_set(err, CS_ERR_INVALID,
                          "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start "
                          "with '/'");
    return CS_OK;
}

cs_aws_chain_t *cs_aws_chain_new(struct cs_err *err)
{
    cs_aws_chain_t *c = calloc(1, sizeof(*c));

    if (c == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "credentials: out of memory");
        return NULL;
    }
    for (int i = 0; i < V_COUNT; i++) {
        const char *v = getenv(vars[i].name);
        if (v == NULL || v[0] == '\0')
            continue;
        c->v[i] = vars[i].secret ? cs_secret_strdup(v) : strdup(v);
        if (c->v[i] == NULL) {
            cs_err_set(err, CS_ERR_NOMEM, "credentials: out of memory");
            cs_aws_chain_destroy(c);
            return NULL;
        }
    }
    if (check_vars(c, err) != CS_OK) {
        cs_aws_chain_destroy(c);
        return NULL;
    }
    return c;
}

void cs_aws_chain_destroy(cs_aws_chain_t *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < V_COUNT; i++) {
        if (vars[i].secret)
            cs_secret_strfree(c->v[i]);
        else
            free(c->v[i]);
    }
    free(c);
}

/* Reads a small file (a token) into secret memory, trailing newline
 * dropped. Caller frees with cs_secret_strfree. */
static cs_rc read_secret_file(const char *path, char **out,
                              struct cs_err *err)
{
    struct cs_buf b;
    char chunk[4096];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    cs_rc rc = CS_OK;

    *out = NULL;
    if (fd < 0)
        return cs_err_set(err, CS_ERR_IO, "%s: %s", path, strerror(errno));
    cs_buf_init_secret(&b, TOKEN_FILE_MAX);
    while (rc == CS_OK && (n = read(fd, chunk, sizeof(chunk))) > 0)
        rc = cs_buf_append(&b, chunk, (size_t)n);
    close(fd);
    cs_memzero(chunk, sizeof(chunk));
    while (rc == CS_OK && b.len > 0 &&
           (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == '\r'))
        cs_buf_truncate(&b, b.len - 1);
    if (rc == CS_OK && b.len == 0)
        rc = cs_err_set(err, CS_ERR_INVALID, "%s is empty", path);
    else if (rc != CS_OK)
        cs_err_set(err, rc, "%s: too large or unreadable", path);
    else if ((*out = cs_secret_strndup(b.ptr, b.len)) == NULL)
        rc = cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    cs_buf_free(&b);
    return rc;
}

/* ---- 1. environment ---- */

static cs_rc from_env(cs_aws_chain_t *c, cs_aws_creds_t **out, char *detail,
                      size_t dlen, struct cs_err *err)
{
    const char *akid = var(c, V_AKID), *secret = var(c, V_SECRET);
    const char *token = var(c, V_TOKEN) ? var(c, V_TOKEN)
                                        : var(c, V_SECURITY_TOKEN);
    int64_t exp = 0;

    if (akid == NULL && secret == NULL)
        return cs_err_set(err, CS_ERR_NOTFOUND,
                          "env: unset");
    if (akid == NULL || secret == NULL)
        return cs_err_set(err, CS_ERR_INVALID,
                          "%s is set but %s is not", akid ? "AWS_ACCESS_KEY_ID"
                          : "AWS_SECRET_ACCESS_KEY", akid ? "AWS_SECRET_ACCESS_KEY"
                          : "AWS_ACCESS_KEY_ID");
    if (var(c, V_EXPIRATION) &&
        cs_parse_rfc3339(var(c, V_EXPIRATION), &exp) != 0)
        return cs_err_set(err, CS_ERR_INVALID,
                          "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time");
    *out = cs_aws_creds_new(akid, secret, token, exp, CS_AWS_SRC_ENV, err);
    snprintf(detail, dlen, "env");
    return *out ? CS_OK : err->code;
}

/* ---- 2. shared files ---- */

struct profile_files {
    const char *name;
    char creds_path[1024], config_path[1024];
    char creds_section[256], config_section[256];
    cs_aws_ini_t *creds, *config;
};

static const char *profile_get(const struct profile_files *p, const char *key)
{
    const char *v = cs_aws_ini_get(p->creds, p->creds_section, key);

    return v ? v : cs_aws_ini_get(p->config, p->config_section, key);
}

static cs_rc load_profile_file(const char *path, cs_aws_ini_t **ini,
                               struct cs_err *err)
{
    cs_rc rc = cs_aws_ini_load(path, ini, err);

    return rc == CS_ERR_NOTFOUND ? CS_OK : rc;
}

/* Runs a credential_process command through /bin/sh, its stdout (at most
 * PROCESS_MAX_OUTPUT bytes) into out, a secret buffer. */
static cs_rc run_process(const char *command, struct cs_buf *out,
                         struct cs_err *err)
{
    posix_spawn_file_actions_t fa;
    char *argv[] = {"/bin/sh", "-c", (char *)command, NULL};
    int64_t deadline = cs_mono_ms() + PROCESS_TIMEOUT_MS;
    int fds[2], status = 0;
    pid_t pid;
    cs_rc rc = CS_OK;

    if (pipe2(fds, O_CLOEXEC) != 0)
        return cs_err_set(err, CS_ERR_IO, "credential_process: pipe: %s",
                          strerror(errno));
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    int e = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (e != 0) {
        close(fds[0]);
        return cs_err_set(err, CS_ERR_IO, "credential_process: %s",
                          strerror(e));
    }
    for (;;) {
        struct pollfd p = {fds[0], POLLIN, 0};
        char chunk[4096];
        int64_t left = deadline - cs_mono_ms();
        if (left <= 0) {
            rc = cs_err_set(err, CS_ERR_TIMEOUT,
                            "credential_process: no answer within %d s",
                            PROCESS_TIMEOUT_MS / 1000);
            kill(pid, SIGKILL);
            break;
        }
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        ssize_t n = read(fds[0], chunk, sizeof(chunk));
        if (n <= 0)
            break;
        if (cs_buf_append(out, chunk, (size_t)n) != CS_OK) {
            rc = cs_err_set(err, CS_ERR_LIMIT,
                            "credential_process: output over %d bytes",
                            PROCESS_MAX_OUTPUT);
            kill(pid, SIGKILL);
            break;
        }
        cs_memzero(chunk, sizeof(chunk));
    }
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc == CS_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        rc = cs_err_set(err, CS_ERR_IO,
                        "credential_process exited with status %d",
                        WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
                        WTERMSIG(status));
    return rc;
}

static cs_rc web_identity(cs_aws_client_t *cl, const char *role_arn,
                          const char *token_file, const char *session,
                          cs_aws_creds_t **out, struct cs_err *err)
{
    char *token = NULL;
    char name[80];
    cs_rc rc = read_secret_file(token_file, &token, err);

    if (rc != CS_OK)
        return rc;
    if (session == NULL)
        session = cs_aws_session_name("web-identity",
                                      (long long)(cs_wall_ms() / 1000), name);
    rc = cs_aws_sts_web_identity(cl, cl->aws->region, role_arn, session, token,
                                 out, NULL, NULL, err);
    cs_secret_strfree(token);
    if (rc != CS_OK)
        cs_err_prefix(err, "web identity (%.200s)", role_arn);
    return rc;
}

static cs_rc from_profile_values(cs_aws_client_t *cl, struct profile_files *p,
                                 cs_aws_creds_t **out, struct cs_err *err)
{
    const char *akid = profile_get(p, "aws_access_key_id");
    const char *secret = profile_get(p, "aws_secret_access_key");
    const char *process = profile_get(p, "credential_process");
    const char *role_arn = profile_get(p, "role_arn");
    const char *token_file = profile_get(p, "web_identity_token_file");
    struct cs_buf output;
    cs_rc rc;

    if (akid && secret) {
        const char *token = profile_get(p, "aws_session_token");
        if (token == NULL)
            token = profile_get(p, "aws_security_token");
        *out = cs_aws_creds_new(akid, secret, token, 0, CS_AWS_SRC_PROFILE,
                                err);
        return *out ? CS_OK : err->code;
    }
    if (role_arn && token_file)
        return web_identity(cl, role_arn, token_file,
                            profile_get(p, "role_session_name"), out, err);
    if (role_arn)
        return cs_err_set(err, CS_ERR_INVALID,
                          "profile '%s' assumes role_arn with source_profile "
                          "or credential_source (role chaining), which "
                          "cellscan does not do for base credentials",
                          p->name);
    if (process) {
        cs_buf_init_secret(&output, PROCESS_MAX_OUTPUT);
        rc = run_process(process, &output, err);
        if (rc == CS_OK)
            rc = cs_aws_parse_credential_json(output.ptr, output.len,
                                              CS_AWS_SRC_PROCESS, 1, out, err);
        cs_buf_free(&output);
        if (rc != CS_OK)
            cs_err_prefix(err, "profile '%s'", p->name);
        return rc;
    }
    if (akid || secret)
        return cs_err_set(err, CS_ERR_INVALID,
                          "profile '%s' has only one of aws_access_key_id and "
                          "aws_secret_access_key", p->name);
    return cs_err_set(err, CS_ERR_NOTFOUND, "profile '%s': no credentials",
                      p->name);
}

static cs_rc from_profile(cs_aws_chain_t *c, cs_aws_client_t *cl,
                          cs_aws_creds_t **out, char *detail, size_t dlen,
                          struct cs_err *err)
{
    struct profile_files p;
    const char *home = var(c, V_HOME) ? var(c, V_HOME) : "";
    int explicit = var(c, V_PROFILE) || var(c, V_DEFAULT_PROFILE);
    cs_rc rc;

    memset(&p, 0, sizeof(p));
    p.name = var(c, V_PROFILE) ? var(c, V_PROFILE)
             : var(c, V_DEFAULT_PROFILE) ? var(c, V_DEFAULT_PROFILE)
                                         : "default";
    snprintf(p.creds_path, sizeof(p.creds_path), "%s",
             var(c, V_CREDS_FILE) ? var(c, V_CREDS_FILE) : "");
    if (!var(c, V_CREDS_FILE))
        snprintf(p.creds_path, sizeof(p.creds_path), "%s/.aws/credentials", home);
    snprintf(p.config_path, sizeof(p.config_path), "%s",
             var(c, V_CONFIG_FILE) ? var(c, V_CONFIG_FILE) : "");
    if (!var(c, V_CONFIG_FILE))
        snprintf(p.config_path, sizeof(p.config_path), "%s/.aws/config", home);
    snprintf(p.creds_section, sizeof(p.creds_section), "%s", p.name);
    snprintf(p.config_section, sizeof(p.config_section), "%s%s",
             strcmp(p.name, "default") ? "profile " : "", p.name);
    rc = load_profile_file(p.creds_path, &p.creds, err);
    if (rc == CS_OK)
        rc = load_profile_file(p.config_path, &p.config, err);
    if (rc != CS_OK)
        goto cleanup;
    if (!cs_aws_ini_has(p.creds, p.creds_section) &&
        !cs_aws_ini_has(p.config, p.config_section) &&
        !(strcmp(p.name, "default") == 0 &&
          cs_aws_ini_has(p.config, "profile default"))) {
        if (explicit)
            rc = cs_err_set(err, CS_ERR_INVALID,
                            "profile '%s' is in neither %s nor %s", p.name,
                            p.creds_path, p.config_path);
        else
            rc = cs_err_set(err, CS_ERR_NOTFOUND, "profile '%s': none",
                            p.name);
        goto cleanup;
    }
    if (!cs_aws_ini_has(p.config, p.config_section))
        snprintf(p.config_section, sizeof(p.config_section), "profile %s",
                 p.name);
    rc = from_profile_values(cl, &p, out, err);
    if (rc == CS_OK)
        snprintf(detail, dlen, "profile '%s' (%s%s%s)", p.name,
                 cs_aws_ini_has(p.creds, p.creds_section) ? p.creds_path : "",
                 cs_aws_ini_has(p.creds, p.creds_section) &&
                         cs_aws_ini_has(p.config, p.config_section)
                     ? ", "
                     : "",
                 cs_aws_ini_has(p.config, p.config_section) ? p.config_path
                                                            : "");
cleanup:
    cs_aws_ini_destroy(p.creds);
    cs_aws_ini_destroy(p.config);
    return rc;
}

/* ---- 3. web identity from the environment ---- */

static cs_rc from_web_identity(cs_aws_chain_t *c, cs_aws_client_t *cl,
                               cs_aws_creds_t **out, char *detail, size_t dlen,
                               struct cs_err *err)
{
    cs_rc rc;

    if (!var(c, V_WEB_TOKEN_FILE) || !var(c, V_ROLE_ARN))
        return cs_err_set(err, CS_ERR_NOTFOUND, "web identity: unset");
    rc = web_identity(cl, var(c, V_ROLE_ARN), var(c, V_WEB_TOKEN_FILE),
                      var(c, V_ROLE_SESSION), out, err);
    if (rc == CS_OK)
        snprintf(detail, dlen, "web identity (%.200s)", var(c, V_ROLE_ARN));
    return rc;
}

/* ---- 4. container ---- */

static cs_rc from_container(cs_aws_chain_t *c, cs_aws_client_t *cl,
                            cs_aws_creds_t **out, char *detail, size_t dlen,
                            struct cs_err *err)
{
    struct cs_buf url = CS_BUF_INIT(4096);
    char *token = NULL;
    cs_rc rc = CS_OK;

    if (var(c, V_REL_URI))
        rc = cs_buf_printf(&url, "%s%s",
                           var(c, V_ECS_ENDPOINT) ? var(c, V_ECS_ENDPOINT)
                                                  : ECS_ENDPOINT,
                           var(c, V_REL_URI));
    else if (var(c, V_FULL_URI))
        rc = cs_buf_appends(&url, var(c, V_FULL_URI));
    else
        return cs_err_set(err, CS_ERR_NOTFOUND, "container: unset");
    if (rc == CS_OK && var(c, V_AUTH_TOKEN_FILE))
        rc = read_secret_file(var(c, V_AUTH_TOKEN_FILE), &token, err);
    else if (rc == CS_OK && var(c, V_AUTH_TOKEN) &&
             (token = cs_secret_strdup(var(c, V_AUTH_TOKEN))) == NULL)
        rc = cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    if (rc == CS_OK)
        rc = cs_aws_container_creds(cl, cs_buf_str(&url), token,
                                    CONTAINER_TIMEOUT_MS, CONTAINER_ATTEMPTS,
                                    out, err);
    if (rc == CS_OK)
        snprintf(detail, dlen, "container (%.200s)", cs_buf_str(&url));
    else
        cs_err_prefix(err, "container credentials");
    cs_secret_strfree(token);
    cs_buf_free(&url);
    return rc;
}

/* ---- 5. IMDS ---- */

static cs_rc from_imds(cs_aws_chain_t *c, cs_aws_client_t *cl,
                       cs_aws_creds_t **out, char *detail, size_t dlen,
                       struct cs_err *err)
{
    const char *ep = var(c, V_IMDS_ENDPOINT) ? var(c, V_IMDS_ENDPOINT)
                                             : IMDS_ENDPOINT;
    char base[512];
    size_t n;
    cs_rc rc;

    if (var(c, V_IMDS_DISABLED) &&
        strcasecmp(var(c, V_IMDS_DISABLED), "true") == 0)
        return cs_err_set(err, CS_ERR_NOTFOUND, "imds: disabled");
    snprintf(base, sizeof(base), "%s", ep);
    n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        base[--n] = '\0';
    rc = cs_aws_imds_creds(cl, base, c->imds_timeout_ms, c->imds_attempts, out,
                           err);
    if (rc == CS_OK)
        snprintf(detail, dlen, "imds (%.200s)", base);
    else
        cs_err_prefix(err, "imds");
    return rc;
}

cs_rc cs_aws_chain_resolve(cs_aws_chain_t *c, cs_aws_client_t *cl,
                           cs_aws_creds_t **out, char *detail,
                           size_t detail_len, struct cs_err *err)
{
    char scratch[CS_AWS_DETAIL_MAX];
    struct cs_buf tried = CS_BUF_INIT(CS_ERR_MSG_MAX * 6);
    struct cs_err e = CS_ERR_INIT;
    cs_rc rc;
    int i;

    *out = NULL;
    if (detail == NULL) {
        detail = scratch;
        detail_len = sizeof(scratch);
    }
    for (i = 0; i < 5; i++) {
        cs_err_clear(&e);
        switch (i) {
        case 0: rc = from_env(c, out, detail, detail_len, &e); break;
        case 1: rc = from_profile(c, cl, out, detail, detail_len, &e); break;
        case 2: rc = from_web_identity(c, cl, out, detail, detail_len, &e); break;
        case 3: rc = from_container(c, cl, out, detail, detail_len, &e); break;
        default: rc = from_imds(c, cl, out, detail, detail_len, &e); break;
        }
        if (rc != CS_ERR_NOTFOUND)
            break;
        cs_buf_printf(&tried, "%s%s", tried.len ? "; " : "", e.msg);
    }
    if (rc == CS_ERR_NOTFOUND)
        cs_err_set(err, rc, "no AWS credentials found: %s", cs_buf_str(&tried));
    else if (rc != CS_OK && err)
        *err = e;
    cs_buf_free(&tried);
    return rc;
}
