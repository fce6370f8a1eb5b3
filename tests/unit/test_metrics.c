/* lib/metrics: the exact Prometheus text of counters, gauges and
 * histograms (escaping included), argument errors, the cardinality cap,
 * concurrent updates, the fleet's fixed metric names, and the HTTP server
 * (/metrics, /healthz healthy and not, 404, 405, port 0, "off"), fetched
 * with libcurl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/fleet.h"
#include "metrics/registry.h"
#include "metrics/server.h"

static char *render(cs_metrics_t *m)
{
    struct cs_buf b = CS_BUF_INIT(CS_MAX_METRICS_TEXT);

    assert_int_equal(cs_metrics_render(m, &b, NULL), CS_OK);
    return cs_buf_take(&b, NULL);
}

static void exposition_text(void **state)
{
    cs_metrics_t *m = cs_metrics_new(NULL);
    const char *const cat[] = {"category", NULL};
    const double bounds[] = {0.5, 1, 2.5};
    struct cs_err err = CS_ERR_INIT;
    cs_metric_t *c, *g, *h;
    char *text;
    (void)state;

    c = cs_metrics_counter(m, "t_started_total", "Cells started.", cat, &err);
    g = cs_metrics_gauge(m, "t_in_flight", "Cells running.", NULL, &err);
    h = cs_metrics_histogram(m, "t_latency_seconds", "Latency.", NULL, bounds, 3,
                             &err);
    assert_non_null(c);
    assert_non_null(g);
    assert_non_null(h);
    assert_int_equal(cs_metric_add(c, (const char *[]){"ec2"}, 1, &err), CS_OK);
    assert_int_equal(cs_metric_add(c, (const char *[]){"s3"}, 2, &err), CS_OK);
    assert_int_equal(cs_metric_add(c, (const char *[]){"ec2"}, 2, &err), CS_OK);
    assert_int_equal(cs_metric_set(g, NULL, 7, &err), CS_OK);
    assert_int_equal(cs_metric_add(g, NULL, -2, &err), CS_OK);
    assert_int_equal(cs_metric_observe(h, NULL, 0.25, &err), CS_OK);
    assert_int_equal(cs_metric_observe(h, NULL, 1, &err), CS_OK);
    assert_int_equal(cs_metric_observe(h, NULL, 30, &err), CS_OK);
    text = render(m);
    assert_string_equal(text,
        "# HELP t_started_total Cells started.\n"
        "# TYPE t_started_total counter\n"
        "t_started_total{category=\"ec2\"} 3\n"
        "t_started_total{category=\"s3\"} 2\n"
        "# HELP t_in_flight Cells running.\n"
        "# TYPE t_in_flight gauge\n"
        "t_in_flight 5\n"
        "# HELP t_latency_seconds Latency.\n"
        "# TYPE t_latency_seconds histogram\n"
        "t_latency_seconds_bucket{le=\"0.5\"} 1\n"
        "t_latency_seconds_bucket{le=\"1\"} 2\n"
        "t_latency_seconds_bucket{le=\"2.5\"} 2\n"
        "t_latency_seconds_bucket{le=\"+Inf\"} 3\n"
        "t_latency_seconds_sum 31.25\n"
        "t_latency_seconds_count 3\n");
    free(text);
    cs_metrics_destroy(m);
}

static void escaping_and_values(void **state)
{
    cs_metrics_t *m = cs_metrics_new(NULL);
    const char *const lbl[] = {"topic", "reason", NULL};
    cs_metric_t *c, *g;
    double v = -1;
    char *text;
    (void)state;

    c = cs_metrics_counter(m, "t_dead_total", "Back\\slash and\nnewline.", lbl,
                           NULL);
    g = cs_metrics_gauge(m, "t_ratio", "A ratio.", NULL, NULL);
    assert_int_equal(cs_metric_add(c, (const char *[]){"a\"b", "x\\y\nz"}, 1, NULL),
                     CS_OK);
    assert_int_equal(cs_metric_set(g, NULL, 0.1, NULL), CS_OK);
    text = render(m);
    assert_string_equal(text,
        "# HELP t_dead_total Back\\\\slash and\\nnewline.\n"
        "# TYPE t_dead_total counter\n"
        "t_dead_total{topic=\"a\\\"b\",reason=\"x\\\\y\\nz\"} 1\n"
        "# HELP t_ratio A ratio.\n"
        "# TYPE t_ratio gauge\n"
        "t_ratio 0.1\n");
    free(text);
    assert_int_equal(cs_metric_value(g, NULL, &v, NULL), CS_OK);
    assert_true(v == 0.1);
    assert_int_equal(cs_metric_value(c, (const char *[]){"none", "none"}, &v, NULL),
                     CS_OK);
    assert_true(v == 0);
    cs_metric_clear(c);
    cs_metric_clear(g);
    text = render(m);
    assert_string_equal(text,
        "# HELP t_dead_total Back\\\\slash and\\nnewline.\n"
        "# TYPE t_dead_total counter\n"
        "# HELP t_ratio A ratio.\n"
        "# TYPE t_ratio gauge\n"
        "t_ratio 0\n");
    free(text);
    cs_metrics_destroy(m);
}

static void errors(void **state)
{
    cs_metrics_t *m = cs_metrics_new(NULL);
    const char *const one[] = {"service", NULL};
    const double bad_bounds[] = {1, 1};
    struct cs_err err = CS_ERR_INIT;
    char long_value[CS_METRICS_MAX_VALUE_LEN + 2];
    cs_metric_t *c, *h;
    (void)state;

    assert_null(cs_metrics_counter(m, "9bad", "x", NULL, &err));
    assert_string_equal(err.msg, "bad metric name \"9bad\"");
    assert_null(cs_metrics_counter(m, "ok", "x", (const char *[]){"a-b", NULL}, &err));
    assert_string_equal(err.msg, "metric ok: bad label name \"a-b\"");
    assert_null(cs_metrics_counter(m, "ok", "x", (const char *[]){"__x", NULL}, &err));
    assert_null(cs_metrics_histogram(m, "h", "x", (const char *[]){"le", NULL},
                                     NULL, 0, &err));
    assert_null(cs_metrics_histogram(m, "h", "x", NULL, bad_bounds, 2, &err));
    assert_non_null(strstr(err.msg, "strictly increasing"));
    c = cs_metrics_counter(m, "calls_total", "x", one, &err);
    assert_non_null(c);
    assert_null(cs_metrics_gauge(m, "calls_total", "x", NULL, &err));
    assert_string_equal(err.msg, "metric calls_total is registered already");
    assert_int_equal(cs_metric_add(c, (const char *[]){"sts"}, -1, &err),
                     CS_ERR_INVALID);
    assert_string_equal(err.msg, "counter calls_total can only go up");
    assert_int_equal(cs_metric_set(c, (const char *[]){"sts"}, 1, &err),
                     CS_ERR_INVALID);
    assert_string_equal(err.msg, "metric calls_total is a counter");
    assert_int_equal(cs_metric_add(c, NULL, 1, &err), CS_ERR_INVALID);
    assert_string_equal(err.msg, "metric calls_total: label service missing");
    memset(long_value, 'v', sizeof(long_value) - 1);
    long_value[sizeof(long_value) - 1] = '\0';
    assert_int_equal(cs_metric_add(c, (const char *[]){long_value}, 1, &err),
                     CS_ERR_INVALID);
    h = cs_metrics_histogram(m, "lat", "x", NULL, (const double[]){1}, 1, &err);
    assert_int_equal(cs_metric_add(h, NULL, 1, &err), CS_ERR_INVALID);
    assert_string_equal(err.msg, "metric lat is a histogram");
    /* the cardinality cap */
    for (int i = 0; i < CS_METRICS_MAX_SERIES; i++) {
        char v[16];
        snprintf(v, sizeof(v), "s%d", i);
        assert_int_equal(cs_metric_add(c, (const char *[]){v}, 1, NULL), CS_OK);
    }
    assert_int_equal(cs_metric_add(c, (const char *[]){"one-more"}, 1, &err),
                     CS_ERR_LIMIT);
    assert_string_equal(err.msg, "metric calls_total: more than 10000 series");
    /* an existing series still counts */
    assert_int_equal(cs_metric_add(c, (const char *[]){"s0"}, 1, NULL), CS_OK);
    cs_metrics_destroy(m);
    cs_metrics_destroy(NULL);
}

struct hammer {
    cs_metric_t *c;
    cs_metrics_t *m;
};

static void *hammer_main(void *arg)
{
    struct hammer *h = arg;

    for (int i = 0; i < 5000; i++) {
        cs_metric_add(h->c, (const char *[]){i % 2 ? "ec2" : "s3"}, 1, NULL);
        if (i % 500 == 0)
            free(render(h->m));
    }
    return NULL;
}

static void concurrent_updates(void **state)
{
    cs_metrics_t *m = cs_metrics_new(NULL);
    struct hammer h = {NULL, m};
    pthread_t th[4];
    double ec2 = 0, s3 = 0;
    (void)state;

    h.c = cs_metrics_counter(m, "n_total", "x", (const char *[]){"category", NULL},
                             NULL);
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, hammer_main, &h);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    cs_metric_value(h.c, (const char *[]){"ec2"}, &ec2, NULL);
    cs_metric_value(h.c, (const char *[]){"s3"}, &s3, NULL);
    assert_true(ec2 == 10000);
    assert_true(s3 == 10000);
    cs_metrics_destroy(m);
}

static void fleet_names(void **state)
{
    cs_metrics_t *m = cs_metrics_new(NULL);
    struct cs_fleet_metrics fm;
    struct cs_partition_lag lags[2];
    struct cs_err err = CS_ERR_INIT;
    char *text;
    static const char *const want[] = {
        "# TYPE cellscan_cells_started_total counter\n",
        "# TYPE cellscan_cells_finished_total counter\n",
        "# TYPE cellscan_cells_in_flight gauge\ncellscan_cells_in_flight 0\n",
        "# TYPE cellscan_aws_calls_total counter\n",
        "# TYPE cellscan_aws_retries_total counter\n",
        "# TYPE cellscan_aws_throttles_total counter\n",
        "# TYPE cellscan_assume_role_total counter\n",
        "# TYPE cellscan_consumer_lag gauge\n",
        "# TYPE cellscan_open_scans gauge\ncellscan_open_scans 0\n",
        "# TYPE cellscan_report_latency_seconds histogram\n",
        "# TYPE cellscan_dead_letters_total counter\n",
        "cellscan_cells_finished_total{category=\"ec2\",status=\"partial\"} 1\n",
        "cellscan_consumer_lag{group=\"cellscan.workers\",topic=\"cellscan.cell-jobs\",partition=\"3\"} 12\n",
        "cellscan_report_latency_seconds_bucket{le=\"5\"} 0\n"
        "cellscan_report_latency_seconds_bucket{le=\"10\"} 1\n",
        "cellscan_report_latency_seconds_bucket{le=\"3600\"} 1\n"
        "cellscan_report_latency_seconds_bucket{le=\"+Inf\"} 1\n"
        "cellscan_report_latency_seconds_sum 7.5\n"
        "cellscan_report_latency_seconds_count 1\n",
    };
    (void)state;

    assert_int_equal(cs_fleet_metrics_register(m, &fm, &err), CS_OK);
    assert_int_equal(cs_metric_add(fm.cells_finished,
                                   (const char *[]){"ec2", "partial"}, 1, &err),
                     CS_OK);
    assert_int_equal(cs_metric_observe(fm.report_latency, NULL, 7.5, &err), CS_OK);
    memset(lags, 0, sizeof(lags));
    snprintf(lags[0].topic, sizeof(lags[0].topic), "cellscan.cell-jobs");
    lags[0].partition = 3;
    lags[0].lag = 12;
    snprintf(lags[1].topic, sizeof(lags[1].topic), "cellscan.cell-jobs");
    lags[1].partition = 4;
    lags[1].lag = 1;
    assert_int_equal(cs_fleet_metrics_set_lag(&fm, "cellscan.workers", lags, 2, &err),
                     CS_OK);
    /* partition 4 revoked: its series goes */
    assert_int_equal(cs_fleet_metrics_set_lag(&fm, "cellscan.workers", lags, 1, &err),
                     CS_OK);
    text = render(m);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (strstr(text, want[i]) == NULL)
            fail_msg("missing:\n%s\nin:\n%s", want[i], text);
    assert_null(strstr(text, "partition=\"4\""));
    free(text);
    /* twice into one registry is refused */
    assert_int_equal(cs_fleet_metrics_register(m, &fm, &err), CS_ERR_INVALID);
    cs_metrics_destroy(m);
}

/* ---- HTTP ---- */

struct fetched {
    long status;
    char type[128];
    struct cs_buf body;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct fetched *f = ud;

    return cs_buf_append(&f->body, p, size * n) == CS_OK ? size * n : 0;
}

static void fetch(int port, const char *method, const char *path,
                  struct fetched *f)
{
    CURL *c = curl_easy_init();
    char url[128];
    char *type = NULL;

    memset(f, 0, sizeof(*f));
    cs_buf_init(&f->body, 1 << 20);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
    snprintf(f->type, sizeof(f->type), "%s", type ? type : "");
    curl_easy_cleanup(c);
}

struct health_state {
    int healthy;
};

static int health(void *ud, char *reason, size_t len)
{
    struct health_state *h = ud;

    if (h->healthy)
        return 1;
    snprintf(reason, len, "kafka: consumer group not joined");
    return 0;
}

static void http_endpoints(void **state)
{
    cs_metrics_t *m = cs_metrics_new(NULL);
    struct cs_fleet_metrics fm;
    struct health_state hs = {1};
    struct cs_metrics_server_opts o = {"127.0.0.1:0", m, health, &hs};
    cs_metrics_server_t *srv = NULL;
    struct cs_err err = CS_ERR_INIT;
    struct fetched f;
    char *want;
    int port;
    (void)state;

    assert_int_equal(cs_fleet_metrics_register(m, &fm, &err), CS_OK);
    assert_int_equal(cs_metric_add(fm.cells_started, (const char *[]){"s3"}, 4, &err),
                     CS_OK);
    assert_int_equal(cs_metrics_server_start(&o, &srv, &err), CS_OK);
    assert_non_null(srv);
    port = cs_metrics_server_port(srv);
    assert_true(port > 0);

    fetch(port, "GET", "/metrics", &f);
    assert_int_equal(f.status, 200);
    assert_string_equal(f.type, "text/plain; version=0.0.4; charset=utf-8");
    want = render(m);
    assert_string_equal(cs_buf_str(&f.body), want);
    assert_non_null(strstr(cs_buf_str(&f.body),
                           "# HELP cellscan_cells_started_total Cells a worker "
                           "started, by category.\n"
                           "# TYPE cellscan_cells_started_total counter\n"
                           "cellscan_cells_started_total{category=\"s3\"} 4\n"));
    free(want);
    cs_buf_free(&f.body);

    fetch(port, "GET", "/healthz", &f);
    assert_int_equal(f.status, 200);
    assert_string_equal(cs_buf_str(&f.body), "ok\n");
    cs_buf_free(&f.body);
    hs.healthy = 0;
    fetch(port, "GET", "/healthz", &f);
    assert_int_equal(f.status, 503);
    assert_string_equal(cs_buf_str(&f.body), "kafka: consumer group not joined\n");
    cs_buf_free(&f.body);

    fetch(port, "GET", "/other", &f);
    assert_int_equal(f.status, 404);
    cs_buf_free(&f.body);
    fetch(port, "POST", "/metrics", &f);
    assert_int_equal(f.status, 405);
    cs_buf_free(&f.body);

    cs_metrics_server_stop(srv);
    cs_metrics_destroy(m);
}

static void server_addresses(void **state)
{
    cs_metrics_t *m = cs_metrics_new(NULL);
    struct cs_metrics_server_opts o = {"off", m, NULL, NULL};
    cs_metrics_server_t *a = NULL, *b = NULL;
    struct cs_err err = CS_ERR_INIT;
    char addr[64];
    struct fetched f;
    (void)state;

    assert_int_equal(cs_metrics_server_start(&o, &a, &err), CS_OK);
    assert_null(a);
    o.addr = "";
    assert_int_equal(cs_metrics_server_start(&o, &a, &err), CS_OK);
    assert_null(a);
    o.addr = "nonsense";
    assert_int_equal(cs_metrics_server_start(&o, &a, &err), CS_ERR_INVALID);
    assert_string_equal(err.msg,
                        "CELLSCAN_METRICS_ADDR=nonsense: expected host:port or off");
    o.addr = "127.0.0.1:0";
    assert_int_equal(cs_metrics_server_start(&o, &a, &err), CS_OK);
    /* the same port twice cannot be bound */
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", cs_metrics_server_port(a));
    o.addr = addr;
    assert_int_equal(cs_metrics_server_start(&o, &b, &err), CS_ERR_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "cannot listen there"));
    /* no health callback: always healthy */
    fetch(cs_metrics_server_port(a), "GET", "/healthz", &f);
    assert_int_equal(f.status, 200);
    cs_buf_free(&f.body);
    cs_metrics_server_stop(a);
    cs_metrics_server_stop(NULL);
    cs_metrics_destroy(m);
}

static int setup(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exposition_text),
        cmocka_unit_test(escaping_and_values),
        cmocka_unit_test(errors),
        cmocka_unit_test(concurrent_updates),
        cmocka_unit_test(fleet_names),
        cmocka_unit_test(http_endpoints),
        cmocka_unit_test(server_addresses),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
