#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define SIM_STOP_GRACE_MS 3000

int cs_bench_sim_start(struct cs_bench_sim *s, const char *const args[])
{
    memset(s, 0, sizeof(*s));
    if (cs_tmpdir_make("cellscan-bench", s->tmpdir, sizeof(s->tmpdir)) != 0) {
        perror("bench: temporary directory");
        return -1;
    }
    if (cs_awssim_start(&s->aws, s->tmpdir, args) != 0) {
        fprintf(stderr, "bench: the simulator did not start (log: %s/awssim.log)\n",
                s->tmpdir);
        return -1;
    }
    return 0;
}

void cs_bench_sim_stop(struct cs_bench_sim *s)
{
    if (s->aws.proc.pid > 0)
        cs_proc_stop(&s->aws.proc, SIM_STOP_GRACE_MS);
}

void cs_bench_sim_cleanup(struct cs_bench_sim *s, int keep_logs)
{
    cs_bench_sim_stop(s);
    if (keep_logs || getenv("CELLSCAN_KEEP_TMP") != NULL)
        fprintf(stderr, "bench: logs kept in %s\n", s->tmpdir);
    else
        cs_tmpdir_remove(s->tmpdir);
}

void cs_bench_aws_env(const char *url)
{
    setenv("AWS_ENDPOINT_URL", url, 1);
    setenv("AWS_ACCESS_KEY_ID", CS_BENCH_ACCESS_KEY, 1);
    setenv("AWS_SECRET_ACCESS_KEY", CS_BENCH_SECRET_KEY, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("CELLSCAN_EXTERNAL_ID", CS_BENCH_EXTERNAL_ID, 1);
}

void cs_bench_synthetic_org_role(int seed, char *out, size_t len)
{
    snprintf(out, len, "arn:aws:iam::%012lld:role/CellScanOrgDiscovery",
             100000000000LL + (long long)(seed % 800) * 1000000LL);
}

double cs_bench_cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

double cs_bench_pid_cpu_s(pid_t pid)
{
    char path[64], line[1024];
    unsigned long long ut, st;
    const char *p;
    FILE *f;
    int ok;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    ok = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    /* the command name (field 2) may hold spaces: count from its ')' */
    p = ok ? strrchr(line, ')') : NULL;
    if (p == NULL ||
        sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}
