#include "embed/fleet.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/aggregator.h"
#include "aws/aws.h"
#include "bus/mock.h"
#include "bus/topics.h"
#include "dispatcher/dispatcher.h"
#include "store/store.h"
#include "worker/worker.h"

#define WORKER_ID_MAX 320

enum core_kind { CORE_AGGREGATOR, CORE_WORKER, CORE_DISPATCHER };

/* One core and the thread that runs it. */
struct core {
    enum core_kind kind;
    int index; /* worker number, from 1 */
    void *core;
    cs_embed_t *e;
    pthread_t thread;
    int started, joined;
    int rc;      /* what the run function returned */
    int exited;  /* atomic: the run function returned */
};

struct cs_embed_s {
    struct cs_config cfg; /* shallow copy of the caller's, see below */
    char *brokers;        /* owned: the cluster's bootstrap */
    char no_file[1];      /* "": no Kafka properties file */
    char *envp[1];        /* empty environment for the Kafka clients */
    cs_mock_kafka_t *mock;
    cs_metrics_t *metrics;
    struct cs_fleet_metrics fm;
    cs_aws_t *aws;
    cs_store_t *disp_store, *agg_store;
    struct core *cores; /* aggregator, workers, dispatcher */
    int ncores;
    volatile sig_atomic_t stop;
    int stopped;
};

static const char *core_name(const struct core *c, char *buf, size_t len)
{
    if (c->kind == CORE_WORKER)
        snprintf(buf, len, "worker %d", c->index);
    else
        snprintf(buf, len, "%s",
                 c->kind == CORE_AGGREGATOR ? "aggregator" : "dispatcher");
    return buf;
}

static void *core_main(void *arg)
{
    struct core *c = arg;

    switch (c->kind) {
    case CORE_AGGREGATOR:
        c->rc = cs_aggregator_run(c->core, &c->e->stop);
        break;
    case CORE_WORKER:
        c->rc = cs_worker_run(c->core, &c->e->stop);
        break;
    case CORE_DISPATCHER:
        c->rc = cs_dispatcher_run(c->core, &c->e->stop);
        break;
    }
    __atomic_store_n(&c->exited, 1, __ATOMIC_RELEASE);
    return NULL;
}

static const char *core_error(const struct core *c)
{
    switch (c->kind) {
    case CORE_WORKER:
        return cs_worker_error(c->core);
    case CORE_DISPATCHER:
        return cs_dispatcher_error(c->core);
    default:
        return "fatal Kafka error (see the log)";
    }
}

static void core_destroy(struct core *c)
{
    switch (c->kind) {
    case CORE_AGGREGATOR:
        cs_aggregator_destroy(c->core);
        break;
    case CORE_WORKER:
        cs_worker_destroy(c->core);
        break;
    case CORE_DISPATCHER:
        cs_dispatcher_destroy(c->core);
        break;
    }
    c->core = NULL;
}

/* Creates core c (its kind and index set) from e's configuration. */
static cs_rc core_new(cs_embed_t *e, struct core *c, struct cs_err *err)
{
    char name[32];

    if (c->kind == CORE_AGGREGATOR) {
        struct cs_aggregator_deps d = {0};
        d.metrics = e->metrics;
        d.fm = &e->fm;
        d.store = e->agg_store;
        d.envp = e->envp;
        c->core = cs_aggregator_new(&e->cfg, &d, err);
    } else if (c->kind == CORE_WORKER) {
        struct cs_worker_deps d = {0};
        char id[WORKER_ID_MAX];
        char *own = e->cfg.worker_id;
        d.metrics = e->metrics;
        d.fm = &e->fm;
        d.aws = e->aws;
        d.envp = e->envp;
        /* results name the worker that ran them; read during the call */
        snprintf(id, sizeof(id), "%s/w%d", own, c->index);
        e->cfg.worker_id = id;
        c->core = cs_worker_new(&e->cfg, &d, err);
        e->cfg.worker_id = own;
    } else {
        struct cs_dispatcher_deps d = {0};
        d.metrics = e->metrics;
        d.fm = &e->fm;
        d.store = e->disp_store;
        d.aws = e->aws;
        d.envp = e->envp;
        c->core = cs_dispatcher_new(&e->cfg, &d, err);
    }
    if (c->core == NULL) {
        cs_err_prefix(err, "%s", core_name(c, name, sizeof(name)));
        return err ? err->code : CS_ERR_INTERNAL;
    }
    return CS_OK;
}

static int default_partitions(int workers)
{
    int p = 2 * workers;

    if (p < CS_EMBED_MIN_PARTITIONS)
        p = CS_EMBED_MIN_PARTITIONS;
    return p > CS_EMBED_MAX_PARTITIONS ? CS_EMBED_MAX_PARTITIONS : p;
}

static cs_rc check_opts(const struct cs_embed_opts *o, struct cs_err *err)
{
    if (o == NULL || o->workers < 1 || o->workers > CS_EMBED_MAX_WORKERS)
        return cs_err_set(err, CS_ERR_INVALID, "workers must be 1..%d",
                          CS_EMBED_MAX_WORKERS);
    if (o->partitions < 0 || o->partitions > CS_EMBED_MAX_PARTITIONS)
        return cs_err_set(err, CS_ERR_INVALID, "partitions must be 0..%d",
                          CS_EMBED_MAX_PARTITIONS);
    return CS_OK;
}

/* The cluster with the fleet's topics, and the configuration pointed at
 * it. */
static cs_rc start_cluster(cs_embed_t *e, int partitions, struct cs_err *err)
{
    struct cs_topic_spec specs[CS_TOPIC_COUNT];
    cs_rc rc = cs_topic_specs_fleet(e->cfg.topic_prefix, partitions, 1, specs, err);

    if (rc != CS_OK)
        return rc;
    e->mock = cs_mock_kafka_new(1, specs, CS_TOPIC_COUNT, err);
    if (e->mock == NULL)
        return err ? err->code : CS_ERR_UNAVAILABLE;
    e->brokers = strdup(cs_mock_kafka_bootstrap(e->mock));
    if (e->brokers == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    e->cfg.kafka_brokers = e->brokers;
    e->cfg.kafka_properties_file = e->no_file;
    e->cfg.kafka_msk_iam = 0; /* the embedded cluster takes no SASL */
    return CS_OK;
}

static cs_rc start_shared(cs_embed_t *e, const struct cs_embed_opts *o,
                          struct cs_err *err)
{
    e->metrics = cs_metrics_new(err);
    if (e->metrics == NULL)
        return err ? err->code : CS_ERR_NOMEM;
    if (cs_fleet_metrics_register(e->metrics, &e->fm, err) != CS_OK)
        return err ? err->code : CS_ERR_INTERNAL;
    e->aws = cs_aws_new(&e->cfg, err);
    if (e->aws == NULL)
        return err ? err->code : CS_ERR_INVALID;
    if (!o->redis)
        return CS_OK;
    /* one connection per thread that uses it (store.h) */
    e->disp_store = cs_store_new(&e->cfg, err);
    if (e->disp_store != NULL)
        e->agg_store = cs_store_new(&e->cfg, err);
    if (e->agg_store == NULL)
        return err ? err->code : CS_ERR_UNAVAILABLE;
    return CS_OK;
}

static cs_rc start_cores(cs_embed_t *e, int workers, struct cs_err *err)
{
    e->cores = calloc((size_t)workers + 2, sizeof(*e->cores));
    if (e->cores == NULL)
        return cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    /* the aggregator first: it is listening when the first result comes */
    for (int i = 0; i < workers + 2; i++) {
        struct core *c = &e->cores[i];
        char name[32];
        cs_rc rc;

        c->e = e;
        c->kind = i == 0 ? CORE_AGGREGATOR
                  : i <= workers ? CORE_WORKER : CORE_DISPATCHER;
        c->index = i;
        rc = core_new(e, c, err);
        if (rc != CS_OK)
            return rc;
        e->ncores = i + 1;
        if (pthread_create(&c->thread, NULL, core_main, c) != 0)
            return cs_err_set(err, CS_ERR_INTERNAL, "%s: cannot start a thread",
                              core_name(c, name, sizeof(name)));
        c->started = 1;
    }
    return CS_OK;
}

cs_embed_t *cs_embed_start(const struct cs_config *cfg,
                           const struct cs_embed_opts *o, struct cs_err *err)
{
    cs_embed_t *e;

    if (check_opts(o, err) != CS_OK)
        return NULL;
    e = calloc(1, sizeof(*e));
    if (e == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    /* borrowed strings: never cs_config_free this copy */
    e->cfg = *cfg;
    if (e->cfg.drain_timeout_s > CS_EMBED_DRAIN_S)
        e->cfg.drain_timeout_s = CS_EMBED_DRAIN_S;
    if (start_cluster(e, o->partitions ? o->partitions
                                       : default_partitions(o->workers),
                      err) != CS_OK ||
        start_shared(e, o, err) != CS_OK ||
        start_cores(e, o->workers, err) != CS_OK) {
        cs_embed_destroy(e);
        return NULL;
    }
    return e;
}

const struct cs_config *cs_embed_config(const cs_embed_t *e)
{
    return &e->cfg;
}

char *const *cs_embed_envp(const cs_embed_t *e)
{
    return e->envp;
}

const char *cs_embed_bootstrap(const cs_embed_t *e)
{
    return e->brokers;
}

cs_metrics_t *cs_embed_metrics(const cs_embed_t *e)
{
    return e->metrics;
}

const struct cs_fleet_metrics *cs_embed_fleet_metrics(const cs_embed_t *e)
{
    return &e->fm;
}

int cs_embed_failed(cs_embed_t *e, char *reason, size_t len)
{
    for (int i = 0; i < e->ncores; i++) {
        struct core *c = &e->cores[i];
        char name[32];

        if (!c->started || !__atomic_load_n(&c->exited, __ATOMIC_ACQUIRE))
            continue;
        snprintf(reason, len, "%s stopped: %s", core_name(c, name, sizeof(name)),
                 c->rc != 0 ? core_error(c) : "ended early");
        return 1;
    }
    return 0;
}

cs_rc cs_embed_stop(cs_embed_t *e, struct cs_err *err)
{
    cs_rc rc = CS_OK;

    e->stop = 1;
    for (int i = 0; i < e->ncores; i++) {
        struct core *c = &e->cores[i];
        char name[32];

        if (!c->started || c->joined)
            continue;
        pthread_join(c->thread, NULL);
        c->joined = 1;
        if (c->rc != 0 && rc == CS_OK)
            rc = cs_err_set(err, CS_ERR_UNAVAILABLE, "%s: %s",
                            core_name(c, name, sizeof(name)), core_error(c));
    }
    e->stopped = 1;
    return rc;
}

void cs_embed_destroy(cs_embed_t *e)
{
    if (e == NULL)
        return;
    if (!e->stopped)
        cs_embed_stop(e, NULL);
    /* the dispatcher first: it is the one that creates work */
    for (int i = e->ncores - 1; i >= 0; i--)
        core_destroy(&e->cores[i]);
    free(e->cores);
    cs_store_destroy(e->disp_store);
    cs_store_destroy(e->agg_store);
    cs_aws_destroy(e->aws);
    cs_metrics_destroy(e->metrics);
    /* after every client of it is gone */
    cs_mock_kafka_destroy(e->mock);
    free(e->brokers);
    free(e);
}
