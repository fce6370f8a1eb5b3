#include "proc.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TRACKED 64

static struct cs_proc *tracked[MAX_TRACKED];
static int atexit_set;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void stop_all(void)
{
    for (int i = 0; i < MAX_TRACKED; i++)
        if (tracked[i] && tracked[i]->pid > 0)
            cs_proc_stop(tracked[i], 2000);
}

static void track(struct cs_proc *p, int on)
{
    if (!atexit_set) {
        atexit(stop_all);
        atexit_set = 1;
    }
    for (int i = 0; i < MAX_TRACKED; i++) {
        if (on && tracked[i] == NULL) {
            tracked[i] = p;
            return;
        }
        if (!on && tracked[i] == p) {
            tracked[i] = NULL;
            return;
        }
    }
}

const char *cs_test_source_dir(void)
{
#ifdef CS_SOURCE_DIR
    return CS_SOURCE_DIR;
#else
    return ".";
#endif
}

const char *cs_test_binary_dir(void)
{
#ifdef CS_BINARY_DIR
    return CS_BINARY_DIR;
#else
    return "build";
#endif
}

int cs_proc_start(struct cs_proc *p, const char *name, char *const argv[],
                  char *const env[], int keep_stdout, const char *tmpdir)
{
    int pipefd[2] = {-1, -1};
    int logfd;
    pid_t pid;

    memset(p, 0, sizeof(*p));
    p->out_fd = -1;
    snprintf(p->name, sizeof(p->name), "%s", name);
    snprintf(p->log_path, sizeof(p->log_path), "%s/%s.log", tmpdir, name);
    logfd = open(p->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (logfd < 0) {
        fprintf(stderr, "proc %s: open %s: %s\n", name, p->log_path, strerror(errno));
        return -1;
    }
    if (keep_stdout && pipe2(pipefd, O_CLOEXEC) != 0) {
        close(logfd);
        return -1;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(logfd);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(keep_stdout ? pipefd[1] : logfd, 1);
        dup2(logfd, 2);
        for (int i = 0; env && env[i]; i++)
            putenv(env[i]);
        execvp(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    close(logfd);
    if (keep_stdout) {
        close(pipefd[1]);
        p->out_fd = pipefd[0];
    }
    p->pid = pid;
    track(p, 1);
    return 0;
}

static void dump_log(const struct cs_proc *p)
{
    FILE *f = fopen(p->log_path, "r");
    char line[1024];
    int n = 0;

    if (f == NULL)
        return;
    fprintf(stderr, "---- %s (%s) ----\n", p->name, p->log_path);
    while (fgets(line, sizeof(line), f) && n++ < 200)
        fputs(line, stderr);
    fclose(f);
}

int cs_proc_wait_line(struct cs_proc *p, const char *needle, char *line,
                      size_t linelen, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    size_t used = 0;

    if (p->out_fd < 0)
        return -1;
    while (now_ms() < deadline) {
        struct pollfd pfd = {p->out_fd, POLLIN, 0};
        int left = (int)(deadline - now_ms());
        char c;
        ssize_t n;

        if (poll(&pfd, 1, left > 0 ? left : 0) <= 0)
            continue;
        n = read(p->out_fd, &c, 1);
        if (n <= 0)
            break;
        if (c != '\n') {
            if (used + 1 < linelen)
                line[used++] = c;
            continue;
        }
        line[used] = '\0';
        if (strstr(line, needle))
            return 0;
        used = 0;
    }
    fprintf(stderr, "proc %s: no line with \"%s\" within %d ms\n", p->name,
            needle, timeout_ms);
    dump_log(p);
    return -1;
}

int cs_proc_wait_exit(struct cs_proc *p, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    int status;

    if (p->pid <= 0)
        return -1;
    for (;;) {
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid) {
            p->pid = 0;
            track(p, 0);
            if (p->out_fd >= 0)
                close(p->out_fd);
            p->out_fd = -1;
            if (WIFEXITED(status))
                return WEXITSTATUS(status);
            return 128 + WTERMSIG(status);
        }
        if (now_ms() >= deadline)
            return -1;
        usleep(10000);
    }
}

int cs_proc_stop(struct cs_proc *p, int grace_ms)
{
    int rc;

    if (p->pid <= 0)
        return -1;
    kill(-p->pid, SIGTERM);
    rc = cs_proc_wait_exit(p, grace_ms);
    if (rc < 0 && p->pid > 0) {
        kill(-p->pid, SIGKILL);
        rc = cs_proc_wait_exit(p, 5000);
    }
    return rc;
}

void cs_proc_kill9(struct cs_proc *p)
{
    if (p->pid <= 0)
        return;
    kill(-p->pid, SIGKILL);
    cs_proc_wait_exit(p, 5000);
}

int cs_tmpdir_make(const char *prefix, char *out, size_t outlen)
{
    const char *base = getenv("TMPDIR");

    snprintf(out, outlen, "%s/%s-XXXXXX", base && *base ? base : "/tmp", prefix);
    return mkdtemp(out) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void cs_tmpdir_remove(const char *path)
{
    if (path && *path && getenv("CELLSCAN_KEEP_TMP") == NULL)
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int cs_free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int port = -1;

    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* ---- the AWS simulator ---- */

int cs_awssim_start(struct cs_awssim *s, const char *tmpdir,
                    const char *const extra_args[])
{
    char script[1024];
    char *argv[CS_PROC_MAX_ARGS];
    char line[512];
    const char *p;
    int n = 0;

    memset(s, 0, sizeof(*s));
    snprintf(script, sizeof(script), "%s/tests/awssim/awssim.py", cs_test_source_dir());
    argv[n++] = "/usr/bin/python3";
    argv[n++] = script;
    argv[n++] = "--port";
    argv[n++] = "0";
    for (int i = 0; extra_args && extra_args[i] && n < CS_PROC_MAX_ARGS - 1; i++)
        argv[n++] = (char *)extra_args[i];
    argv[n] = NULL;
    if (cs_proc_start(&s->proc, "awssim", argv, NULL, 1, tmpdir) != 0)
        return -1;
    if (cs_proc_wait_line(&s->proc, "listening on http://127.0.0.1:", line,
                          sizeof(line), 30000) != 0) {
        cs_proc_stop(&s->proc, 1000);
        return -1;
    }
    p = strstr(line, "http://127.0.0.1:");
    s->port = atoi(p + strlen("http://127.0.0.1:"));
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
    return 0;
}

void cs_awssim_stop(struct cs_awssim *s)
{
    cs_proc_stop(&s->proc, 3000);
}

struct body {
    char *data;
    size_t len;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct body *b = ud;
    size_t n = size * nmemb;
    char *np = realloc(b->data, b->len + n + 1);

    if (np == NULL)
        return 0;
    b->data = np;
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

char *cs_awssim_admin(const struct cs_awssim *s, const char *method,
                      const char *path, const char *json_body)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    struct body b = {NULL, 0};
    char url[1024];
    CURLcode rc;

    if (c == NULL)
        return NULL;
    snprintf(url, sizeof(url), "%s%s", s->url, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    if (json_body) {
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
    }
    rc = curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        free(b.data);
        return NULL;
    }
    if (b.data == NULL)
        b.data = calloc(1, 1);
    return b.data;
}

char *cs_http_get(int port, const char *path, long *status)
{
    CURL *c = curl_easy_init();
    struct body b = {NULL, 0};
    char url[256];

    *status = 0;
    if (c == NULL)
        return NULL;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    return b.data;
}

/* ---- redis-server ---- */

static int redis_ping(int port)
{
    struct sockaddr_in a;
    char reply[64] = {0};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int ok = 0;

    if (fd < 0)
        return 0;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        write(fd, "PING\r\n", 6) == 6) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, 500) == 1 && read(fd, reply, sizeof(reply) - 1) > 0)
            ok = strncmp(reply, "+PONG", 5) == 0;
    }
    close(fd);
    return ok;
}

int cs_redis_start(struct cs_redis *r, const char *tmpdir, int appendonly)
{
    char portstr[16];
    char *argv[20];
    int n = 0;
    int64_t deadline;

    memset(r, 0, sizeof(*r));
    r->port = cs_free_port();
    if (r->port < 0)
        return -1;
    snprintf(portstr, sizeof(portstr), "%d", r->port);
    argv[n++] = "redis-server";
    argv[n++] = "--port";
    argv[n++] = portstr;
    argv[n++] = "--bind";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--dir";
    argv[n++] = (char *)tmpdir;
    argv[n++] = "--save";
    argv[n++] = "";
    argv[n++] = "--appendonly";
    argv[n++] = appendonly ? "yes" : "no";
    argv[n++] = "--daemonize";
    argv[n++] = "no";
    argv[n] = NULL;
    if (cs_proc_start(&r->proc, "redis", argv, NULL, 0, tmpdir) != 0)
        return -1;
    deadline = now_ms() + 10000;
    while (now_ms() < deadline) {
        if (redis_ping(r->port)) {
            snprintf(r->url, sizeof(r->url), "redis://127.0.0.1:%d/0", r->port);
            return 0;
        }
        usleep(20000);
    }
    dump_log(&r->proc);
    cs_proc_stop(&r->proc, 1000);
    return -1;
}

void cs_redis_stop(struct cs_redis *r)
{
    cs_proc_stop(&r->proc, 3000);
}
