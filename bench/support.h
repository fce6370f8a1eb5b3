/* support.h: what the benchmarks against the AWS simulator share: the
 * simulator as a child process (tests/support/proc.h, so it gets its own
 * process group and is stopped at exit whatever happens), the AWS
 * environment that points the process at it, and CPU clocks. Bench-only,
 * like tests/support: not part of any shipped program.
 *
 *   struct cs_bench_sim sim;
 *   if (cs_bench_sim_start(&sim, (const char *const[]){"--demo", NULL}) != 0)
 *       ...;
 *   cs_bench_aws_env(sim.aws.url);
 *   ... cs_config_load, cs_aws_new ...
 *   cs_bench_sim_cleanup(&sim, 0);
 */
#ifndef CS_BENCH_SUPPORT_H
#define CS_BENCH_SUPPORT_H

#include <sys/types.h>

#include "proc.h"

/* The example keys the simulator's static identity accepts. */
#define CS_BENCH_ACCESS_KEY "AKIAIOSFODNN7EXAMPLE"
#define CS_BENCH_SECRET_KEY "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
/* The external id the synthetic organization's member roles require. */
#define CS_BENCH_EXTERNAL_ID "cellscan-demo"

struct cs_bench_sim {
    struct cs_awssim aws; /* aws.url, aws.proc.pid */
    char tmpdir[512];     /* the simulator's log (awssim.log) is here */
};

/* Makes a temporary directory and starts tests/awssim/awssim.py on a free
 * loopback port with args (NULL-terminated, e.g. "--synthetic", spec),
 * waiting until it listens. Returns 0, or -1 with a message on stderr
 * (nothing left running). Free with cs_bench_sim_cleanup. */
int cs_bench_sim_start(struct cs_bench_sim *s, const char *const args[]);

/* Stops the simulator (SIGTERM, then SIGKILL to its process group). Safe
 * on a stopped simulator. */
void cs_bench_sim_stop(struct cs_bench_sim *s);

/* Stops the simulator if it runs and removes its directory, unless
 * keep_logs is set or CELLSCAN_KEEP_TMP is in the environment (then names
 * it on stderr). */
void cs_bench_sim_cleanup(struct cs_bench_sim *s, int keep_logs);

/* Points this process's AWS settings at the simulator at url: endpoint,
 * the example static keys, no instance metadata, region us-east-1 and the
 * external id of the simulator's roles (CELLSCAN_EXTERNAL_ID). Call before
 * cs_config_load. Cannot fail. */
void cs_bench_aws_env(const char *url);

/* The org-discovery role of the synthetic organization of seed S
 * (tests/awssim/synthetic.py: the management account is
 * 100000000000 + (S % 800) * 1000000), into out. Cannot fail. */
void cs_bench_synthetic_org_role(int seed, char *out, size_t len);

/* User + system CPU seconds of this process so far (getrusage). Cannot
 * fail. */
double cs_bench_cpu_s(void);

/* User + system CPU seconds of process pid so far (from /proc/pid/stat;
 * not counting its waited-for children), or -1 when it cannot be read. */
double cs_bench_pid_cpu_s(pid_t pid);

#endif
