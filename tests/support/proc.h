/* proc.h: test-only helpers to run the services tests need (the AWS
 * simulator, redis-server, cellscan daemons) as child processes on
 * loopback, and to stop them for sure. Not part of any shipped program.
 *
 * Every child gets its own process group; cs_proc_stop sends SIGTERM, waits
 * up to a bound, then SIGKILLs the group, so a test never leaves a server
 * behind. An atexit hook stops whatever is still running.
 */
#ifndef CS_TEST_PROC_H
#define CS_TEST_PROC_H

#include <stdint.h>
#include <sys/types.h>

#define CS_PROC_MAX_ARGS 64

struct cs_proc {
    pid_t pid;        /* 0 when not running */
    int out_fd;       /* read end of the child's stdout, -1 if not kept */
    char name[64];
    char log_path[512]; /* child's stderr (and stdout when not kept) */
};

/* Starts argv[0] (searched in PATH) with argv and extra environment
 * entries env ("NAME=value", NULL-terminated; may be NULL). stdout is kept
 * readable through p->out_fd when keep_stdout is set, else it goes to the
 * log file with stderr. The log file is <tmpdir>/<name>.log. Returns 0,
 * or -1 (message on stderr). */
int cs_proc_start(struct cs_proc *p, const char *name, char *const argv[],
                  char *const env[], int keep_stdout, const char *tmpdir);

/* Reads the child's stdout line by line until a line contains needle, or
 * timeout_ms passes. Copies the line (without newline) into line. Returns
 * 0, or -1 on timeout/EOF (the log is printed to stderr to help). */
int cs_proc_wait_line(struct cs_proc *p, const char *needle, char *line,
                      size_t linelen, int timeout_ms);

/* SIGTERM, wait up to grace_ms, then SIGKILL the process group. Returns
 * the exit status as from waitpid (or -1). Safe on a stopped process. */
int cs_proc_stop(struct cs_proc *p, int grace_ms);

/* SIGKILL now (for crash tests), reaps. */
void cs_proc_kill9(struct cs_proc *p);

/* Waits up to timeout_ms for the child to exit by itself; returns its
 * exit code (0..255), 128+signal, or -1 on timeout. */
int cs_proc_wait_exit(struct cs_proc *p, int timeout_ms);

/* Makes a fresh temporary directory under $TMPDIR (or /tmp) and writes its
 * path into out. Returns 0 or -1. Removed by cs_tmpdir_remove. */
int cs_tmpdir_make(const char *prefix, char *out, size_t outlen);
void cs_tmpdir_remove(const char *path);

/* A free TCP port on 127.0.0.1 (bound and released; racy but fine for
 * tests). Returns the port or -1. */
int cs_free_port(void);

/* The repo root (compiled in) and the build dir, for finding programs and
 * fixtures. */
const char *cs_test_source_dir(void);
const char *cs_test_binary_dir(void);

/* ---- services ---- */

struct cs_awssim {
    struct cs_proc proc;
    char url[128];   /* http://127.0.0.1:PORT */
    int port;
};

/* Starts tests/awssim/awssim.py with extra arguments (e.g. "--fixture",
 * path, or "--demo"; NULL-terminated) and waits until it listens. */
int cs_awssim_start(struct cs_awssim *s, const char *tmpdir,
                    const char *const extra_args[]);
void cs_awssim_stop(struct cs_awssim *s);

/* Sends an admin request (method GET/POST/DELETE, path under the
 * simulator, optional JSON body) and returns the response body (caller
 * frees) or NULL. */
char *cs_awssim_admin(const struct cs_awssim *s, const char *method,
                      const char *path, const char *json_body);

/* GET http://127.0.0.1:port/path (3 s at most): the body (caller frees;
 * NULL when nothing answered or the body was empty) and the HTTP status
 * in *status (0 when nothing answered). */
char *cs_http_get(int port, const char *path, long *status);

struct cs_redis {
    struct cs_proc proc;
    int port;
    char url[128];   /* redis://127.0.0.1:PORT/0 */
};

/* Starts redis-server on a free loopback port with its files in tmpdir
 * (no persistence unless appendonly is set), waits until it answers. */
int cs_redis_start(struct cs_redis *r, const char *tmpdir, int appendonly);
void cs_redis_stop(struct cs_redis *r);

#endif
