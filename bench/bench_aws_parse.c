/* bench_aws_parse: CPU microseconds per parsed response page with the
 * layer's helpers, as an extractor parses them: an EC2 DescribeInstances
 * page (streaming XML matcher: ids and tags) and a Resource Groups Tagging
 * GetResources page (jansson: ARNs and tags); botocore's parsers on the
 * same bodies for comparison when /usr/bin/python3 has botocore.
 *
 *   build-x/bench/bench_aws_parse [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/json.h"
#include "aws/xml.h"
#include "util/buf.h"

#define INSTANCES 1000
#define RESOURCES 100
#define TAGS 5

static double cpu_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void ec2_page(struct cs_buf *b)
{
    cs_buf_appends(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeInstancesResponse "
                      "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>"
                      "59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId><reservationSet>");
    for (int i = 0; i < INSTANCES; i++) {
        cs_buf_printf(b, "<item><reservationId>r-%017d</reservationId><ownerId>123456789012"
                         "</ownerId><instancesSet><item><instanceId>i-%017d</instanceId>"
                         "<imageId>ami-0abcdef1234567890</imageId><instanceState><code>16</code>"
                         "<name>running</name></instanceState><instanceType>t3.micro"
                         "</instanceType><launchTime>2024-01-01T00:00:00.000Z</launchTime>"
                         "<placement><availabilityZone>eu-west-1a</availabilityZone></placement>"
                         "<tagSet>", i, i);
        for (int t = 0; t < TAGS; t++)
            cs_buf_printf(b, "<item><key>Key%d</key><value>value-%d-%d</value></item>", t, i, t);
        cs_buf_appends(b, "</tagSet></item></instancesSet></item>");
    }
    cs_buf_appends(b, "</reservationSet><nextToken>eyJ2IjoxfQ==</nextToken>"
                      "</DescribeInstancesResponse>");
}

static void tagging_page(struct cs_buf *b)
{
    cs_buf_appends(b, "{\"PaginationToken\":\"eyJ2IjoxfQ==\",\"ResourceTagMappingList\":[");
    for (int i = 0; i < RESOURCES; i++) {
        cs_buf_printf(b, "%s{\"ResourceARN\":\"arn:aws:dynamodb:eu-west-1:123456789012:table/t%d\","
                         "\"Tags\":[", i ? "," : "", i);
        for (int t = 0; t < TAGS; t++)
            cs_buf_printf(b, "%s{\"Key\":\"Key%d\",\"Value\":\"value-%d-%d\"}", t ? "," : "", t, i, t);
        cs_buf_appends(b, "]}");
    }
    cs_buf_appends(b, "]}");
}

struct count {
    long fields;
};

static cs_rc on_ev(void *ud, int id, enum cs_xml_event ev, const char *text,
                   size_t len, struct cs_err *err)
{
    struct count *c = ud;

    (void)id;
    (void)ev;
    (void)text;
    (void)err;
    c->fields += (long)len > 0;
    return CS_OK;
}

static const struct cs_xml_rule rules[] = {
    {"DescribeInstancesResponse/reservationSet/item/instancesSet/item", 1, CS_XML_START | CS_XML_END},
    {"DescribeInstancesResponse/reservationSet/item/instancesSet/item/instanceId", 2, CS_XML_TEXT},
    {"DescribeInstancesResponse/reservationSet/item/instancesSet/item/instanceState/name", 3, CS_XML_TEXT},
    {"DescribeInstancesResponse/reservationSet/item/instancesSet/item/tagSet/item/key", 4, CS_XML_TEXT},
    {"DescribeInstancesResponse/reservationSet/item/instancesSet/item/tagSet/item/value", 5, CS_XML_TEXT},
    {"DescribeInstancesResponse/nextToken", 6, CS_XML_TEXT},
};

static long walk_json(json_t *j)
{
    json_t *list = cs_json_array(j, "ResourceTagMappingList"), *r, *t;
    size_t i, k;
    long n = 0;

    json_array_foreach(list, i, r) {
        n += cs_json_str(r, "ResourceARN") != NULL;
        json_array_foreach(cs_json_array(r, "Tags"), k, t)
            n += (cs_json_str(t, "Key") != NULL) + (cs_json_str(t, "Value") != NULL);
    }
    return n;
}

static void botocore(const char *path_xml, const char *path_json, int n)
{
    char cmd[2048], line[128];
    FILE *f;

    snprintf(cmd, sizeof(cmd),
             "/usr/bin/python3 - 2>/dev/null <<'EOF'\n"
             "import time, botocore.session, botocore.parsers as p\n"
             "s = botocore.session.get_session()\n"
             "def bench(svc, op, proto, path, n):\n"
             "    m = s.get_service_model(svc).operation_model(op)\n"
             "    body = open(path, 'rb').read()\n"
             "    parser = p.create_parser(proto)\n"
             "    t = time.process_time()\n"
             "    for i in range(n):\n"
             "        parser.parse({'body': body, 'headers': {}, 'status_code': 200}, m.output_shape)\n"
             "    return (time.process_time() - t) / n * 1e6\n"
             "print('%%.1f %%.1f' %% (bench('ec2', 'DescribeInstances', 'ec2', '%s', %d),\n"
             "                    bench('resourcegroupstaggingapi', 'GetResources', 'json', '%s', %d)))\n"
             "EOF",
             path_xml, n, path_json, n * 5);
    f = popen(cmd, "r");
    if (f && fgets(line, sizeof(line), f)) {
        double x = 0, j = 0;
        if (sscanf(line, "%lf %lf", &x, &j) == 2)
            printf("  botocore parsers: EC2 page %.1f CPU us, tagging page %.1f CPU us\n", x, j);
    } else {
        printf("  botocore: not available\n");
    }
    if (f)
        pclose(f);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    struct cs_buf x = CS_BUF_INIT(64 << 20), j = CS_BUF_INIT(64 << 20);
    struct count c = {0};
    char px[] = "/tmp/bench_aws_XXXXXX", pj[] = "/tmp/bench_aws_XXXXXX";
    double t0, per;
    FILE *f;

    ec2_page(&x);
    tagging_page(&j);
    t0 = cpu_us();
    for (int i = 0; i < n; i++)
        if (cs_xml_parse(rules, 6, on_ev, &c, x.ptr, x.len, NULL) != CS_OK)
            abort();
    per = (cpu_us() - t0) / n;
    printf("parse (CPU per page):\n  EC2 DescribeInstances, %d instances x %d tags, %zu KiB: "
           "%.1f us (%.2f us/instance)\n", INSTANCES, TAGS, x.len / 1024, per, per / INSTANCES);
    t0 = cpu_us();
    long fields = 0;
    for (int i = 0; i < n * 5; i++) {
        json_t *doc = NULL;
        if (cs_aws_json_parse(j.ptr, j.len, &doc, NULL) != CS_OK)
            abort();
        fields += walk_json(doc);
        json_decref(doc);
    }
    per = (cpu_us() - t0) / (n * 5);
    printf("  tagging GetResources, %d resources x %d tags, %zu KiB: %.1f us (%.2f us/resource)\n",
           RESOURCES, TAGS, j.len / 1024, per, per / RESOURCES);
    if (fields != (long)n * 5 * RESOURCES * (1 + 2 * TAGS) || c.fields == 0)
        abort();
    int fx = mkstemp(px), fj = mkstemp(pj);
    if (fx >= 0 && fj >= 0 && (f = fdopen(fx, "w")) != NULL) {
        fwrite(x.ptr, 1, x.len, f);
        fclose(f);
        f = fdopen(fj, "w");
        fwrite(j.ptr, 1, j.len, f);
        fclose(f);
        botocore(px, pj, n / 20 > 0 ? n / 20 : 1);
    }
    unlink(px);
    unlink(pj);
    cs_buf_free(&x);
    cs_buf_free(&j);
    return 0;
}
