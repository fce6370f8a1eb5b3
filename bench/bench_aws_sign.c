/* bench_aws_sign: CPU microseconds per signed request (cellscan's SigV4
 * signer, with and without the signing-key cache), and botocore's on the
 * same request for comparison when /usr/bin/python3 has botocore.
 *
 *   build-x/bench/bench_aws_sign [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/sigv4.h"

static double cpu_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* An EC2 DescribeInstances page request as cs_aws_call sends it. */
static const char body[] =
    "Action=DescribeInstances&Version=2016-11-15&MaxResults=1000&NextToken="
    "eyJ2IjoxLCJjIjoiQWJDZEVmR2hJaktsTW5PcFFyU3RVdld4WXoiLCJvIjoxMDAwfQ%3D%3D";
static const char token[] =
    "FwoGZXIvYXdzEBYaDHk3NzU2Njg4NTkwMCKCAVhZWmFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6"
    "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU2Nzg5KysvL2FiY2RlZmdoaWprbG1ub3Bx"
    "cnN0dXZ3eHl6QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU2Nzg5KysvLw==";

static double bench(int n, int cached)
{
    struct cs_sigv4_header h[] = {
        {"Host", "ec2.eu-west-1.amazonaws.com"},
        {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
    };
    struct cs_sigv4_req req = {
        .method = "POST", .path = "/", .headers = h, .nheaders = 2,
        .body = body, .body_len = sizeof(body) - 1, .region = "eu-west-1",
        .service = "ec2", .amz_date = "20261125T220000Z",
    };
    struct cs_sigv4_creds cr = {"ASIAEXAMPLEEXAMPLE01",
                                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token};
    cs_sigv4_cache_t *cache = cached ? cs_sigv4_cache_new() : NULL;
    struct cs_sigv4_signed out;
    double t0;

    cs_sigv4_signed_init(&out);
    t0 = cpu_us();
    for (int i = 0; i < n; i++)
        if (cs_sigv4_sign(&req, &cr, cache, &out, NULL) != CS_OK)
            abort();
    t0 = (cpu_us() - t0) / n;
    cs_sigv4_signed_free(&out);
    cs_sigv4_cache_destroy(cache);
    return t0;
}

static const char botocore_script[] =
    "import time,botocore.auth,botocore.credentials\n"
    "from botocore.awsrequest import AWSRequest\n"
    "c=botocore.credentials.Credentials('ASIAEXAMPLEEXAMPLE01','wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY','%s')\n"
    "s=botocore.auth.SigV4Auth(c,'ec2','eu-west-1')\n"
    "n=%d\n"
    "t=time.process_time()\n"
    "for i in range(n):\n"
    "  r=AWSRequest(method='POST',url='https://ec2.eu-west-1.amazonaws.com/',data=b'%s',"
    "headers={'Content-Type':'application/x-www-form-urlencoded; charset=utf-8'})\n"
    "  s.add_auth(r)\n"
    "print('%%.2f'%%((time.process_time()-t)/n*1e6))\n";

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200000;
    char script[4096], cmd[4200], line[64] = "";
    FILE *f;

    bench(1000, 1); /* warm up */
    printf("sigv4 sign (EC2 page request with session token), %d iterations:\n", n);
    printf("  cellscan, signing-key cache:    %.2f CPU us/request\n", bench(n, 1));
    printf("  cellscan, key derived each time: %.2f CPU us/request\n", bench(n / 4, 0));
    snprintf(script, sizeof(script), botocore_script, token, 20000, body);
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c \"%s\" 2>/dev/null", script);
    f = popen(cmd, "r");
    if (f && fgets(line, sizeof(line), f) && line[0])
        printf("  botocore SigV4Auth.add_auth:     %.2f CPU us/request\n", atof(line));
    else
        printf("  botocore: not available\n");
    if (f)
        pclose(f);
    return 0;
}
