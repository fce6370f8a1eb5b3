#include "metrics/registry.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_COUNTER, K_GAUGE, K_HISTOGRAM };

static const char *const kind_names[] = {"counter", "gauge", "histogram"};

struct series {
    char **values; /* one per label */
    uint64_t hash;
    double value;  /* counter, gauge */
    uint64_t *buckets; /* histogram: per bound, not cumulative */
    uint64_t count;
    double sum;
};

struct cs_metric_s {
    cs_metrics_t *reg;
    enum kind kind;
    char *name, *help;
    char **labels;
    size_t nlabels;
    double *bounds;
    size_t nbounds;
    struct series *series;
    size_t nseries, capseries;
    cs_metric_t *next;
};

struct cs_metrics_s {
    pthread_mutex_t mu;
    cs_metric_t *first, *last;
};

cs_metrics_t *cs_metrics_new(struct cs_err *err)
{
    cs_metrics_t *m = calloc(1, sizeof(*m));

    if (m == NULL) {
        cs_err_set(err, CS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

static void free_series(cs_metric_t *f, struct series *s)
{
    for (size_t i = 0; s->values && i < f->nlabels; i++)
        free(s->values[i]);
    free(s->values);
    free(s->buckets);
}

static void free_family(cs_metric_t *f)
{
    for (size_t i = 0; i < f->nseries; i++)
        free_series(f, &f->series[i]);
    for (size_t i = 0; f->labels && i < f->nlabels; i++)
        free(f->labels[i]);
    free(f->labels);
    free(f->series);
    free(f->bounds);
    free(f->name);
    free(f->help);
    free(f);
}

void cs_metrics_destroy(cs_metrics_t *m)
{
    cs_metric_t *f, *next;

    if (m == NULL)
        return;
    for (f = m->first; f; f = next) {
        next = f->next;
        free_family(f);
    }
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static int name_ok(const char *s, int colon)
{
    if (s == NULL || !*s || (*s >= '0' && *s <= '9'))
        return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || (colon && c == ':')))
            return 0;
    }
    return 1;
}

static cs_rc check_family(cs_metrics_t *m, const char *name,
                          const char *const *labels, enum kind k,
                          size_t *nlabels, struct cs_err *err)
{
    size_t n = 0;

    if (!name_ok(name, 1))
        return cs_err_set(err, CS_ERR_INVALID, "bad metric name \"%.64s\"",
                          name ? name : "");
    for (cs_metric_t *f = m->first; f; f = f->next)
        if (strcmp(f->name, name) == 0)
            return cs_err_set(err, CS_ERR_INVALID,
                              "metric %s is registered already", name);
    for (; labels && labels[n]; n++) {
        if (!name_ok(labels[n], 0) || strncmp(labels[n], "__", 2) == 0 ||
            (k == K_HISTOGRAM && strcmp(labels[n], "le") == 0))
            return cs_err_set(err, CS_ERR_INVALID,
                              "metric %s: bad label name \"%.64s\"", name,
                              labels[n]);
        if (n == CS_METRICS_MAX_LABELS)
            return cs_err_set(err, CS_ERR_INVALID,
                              "metric %s: more than %d labels", name,
                              CS_METRICS_MAX_LABELS);
    }
    *nlabels = n;
    return CS_OK;
}

static cs_rc check_bounds(const char *name, const double *bounds, size_t n,
                          struct cs_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
            return cs_err_set(err, CS_ERR_INVALID,
                              "histogram %s: bounds must be finite and "
                              "strictly increasing", name);
    return CS_OK;
}

static struct series *add_series(cs_metric_t *f, const char *const *values,
                                 uint64_t hash, struct cs_err *err);
static uint64_t hash_values(const cs_metric_t *f, const char *const *values);

static cs_metric_t *new_family(cs_metrics_t *m, enum kind k, const char *name,
                               const char *help, const char *const *labels,
                               const double *bounds, size_t nbounds,
                               struct cs_err *err)
{
    cs_metric_t *f = NULL;
    size_t nlabels = 0;

    pthread_mutex_lock(&m->mu);
    if (check_family(m, name, labels, k, &nlabels, err) != CS_OK ||
        (k == K_HISTOGRAM && check_bounds(name, bounds, nbounds, err) != CS_OK))
        goto out;
    f = calloc(1, sizeof(*f));
    if (f == NULL)
        goto nomem;
    f->reg = m;
    f->kind = k;
    f->nlabels = nlabels;
    f->nbounds = nbounds;
    f->name = strdup(name);
    f->help = strdup(help ? help : "");
    f->labels = calloc(nlabels + 1, sizeof(*f->labels));
    f->bounds = calloc(nbounds + 1, sizeof(*f->bounds));
    if (!f->name || !f->help || !f->labels || !f->bounds)
        goto nomem;
    for (size_t i = 0; i < nlabels; i++)
        if ((f->labels[i] = strdup(labels[i])) == NULL)
            goto nomem;
    if (nbounds)
        memcpy(f->bounds, bounds, nbounds * sizeof(*bounds));
    /* an unlabelled counter or gauge exists, at 0, from the start */
    if (nlabels == 0 && k != K_HISTOGRAM &&
        add_series(f, NULL, hash_values(f, NULL), err) == NULL)
        goto fail;
    if (m->last)
        m->last->next = f;
    else
        m->first = f;
    m->last = f;
    goto out;
nomem:
    cs_err_set(err, CS_ERR_NOMEM, "out of memory");
fail:
    if (f)
        free_family(f);
    f = NULL;
out:
    pthread_mutex_unlock(&m->mu);
    return f;
}

cs_metric_t *cs_metrics_counter(cs_metrics_t *m, const char *name,
                                const char *help, const char *const *labels,
                                struct cs_err *err)
{
    return new_family(m, K_COUNTER, name, help, labels, NULL, 0, err);
}

cs_metric_t *cs_metrics_gauge(cs_metrics_t *m, const char *name,
                              const char *help, const char *const *labels,
                              struct cs_err *err)
{
    return new_family(m, K_GAUGE, name, help, labels, NULL, 0, err);
}

cs_metric_t *cs_metrics_histogram(cs_metrics_t *m, const char *name,
                                  const char *help, const char *const *labels,
                                  const double *bounds, size_t nbounds,
                                  struct cs_err *err)
{
    return new_family(m, K_HISTOGRAM, name, help, labels, bounds, nbounds, err);
}

/* FNV-1a over the values, NUL-separated. */
static uint64_t hash_values(const cs_metric_t *f, const char *const *values)
{
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < f->nlabels; i++) {
        for (const char *p = values[i]; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        h = (h ^ 0) * 1099511628211ULL;
    }
    return h;
}

static cs_rc check_values(const cs_metric_t *f, const char *const *values,
                          struct cs_err *err)
{
    for (size_t i = 0; i < f->nlabels; i++) {
        if (values == NULL || values[i] == NULL)
            return cs_err_set(err, CS_ERR_INVALID, "metric %s: label %s missing",
                              f->name, f->labels[i]);
        if (strlen(values[i]) > CS_METRICS_MAX_VALUE_LEN)
            return cs_err_set(err, CS_ERR_INVALID,
                              "metric %s: value of label %s is longer than %d",
                              f->name, f->labels[i], CS_METRICS_MAX_VALUE_LEN);
    }
    return CS_OK;
}

static struct series *find_series(cs_metric_t *f, const char *const *values,
                                  uint64_t hash)
{
    for (size_t i = 0; i < f->nseries; i++) {
        struct series *s = &f->series[i];
        size_t k = 0;
        if (s->hash != hash)
            continue;
        while (k < f->nlabels && strcmp(s->values[k], values[k]) == 0)
            k++;
        if (k == f->nlabels)
            return s;
    }
    return NULL;
}

static struct series *add_series(cs_metric_t *f, const char *const *values,
                                 uint64_t hash, struct cs_err *err)
{
    struct series *s;

    if (f->nseries == CS_METRICS_MAX_SERIES) {
        cs_err_set(err, CS_ERR_LIMIT, "metric %s: more than %d series", f->name,
                   CS_METRICS_MAX_SERIES);
        return NULL;
    }
    if (f->nseries == f->capseries) {
        size_t cap = f->capseries ? f->capseries * 2 : 4;
        struct series *ns = realloc(f->series, cap * sizeof(*ns));
        if (ns == NULL)
            goto nomem;
        f->series = ns;
        f->capseries = cap;
    }
    s = &f->series[f->nseries];
    memset(s, 0, sizeof(*s));
    s->hash = hash;
    s->values = calloc(f->nlabels + 1, sizeof(*s->values));
    if (s->values == NULL)
        goto nomem;
    if (f->kind == K_HISTOGRAM &&
        (s->buckets = calloc(f->nbounds + 1, sizeof(*s->buckets))) == NULL)
        goto nomem_series;
    for (size_t i = 0; i < f->nlabels; i++)
        if ((s->values[i] = strdup(values[i])) == NULL)
            goto nomem_series;
    f->nseries++;
    return s;
nomem_series:
    free_series(f, s);
nomem:
    cs_err_set(err, CS_ERR_NOMEM, "out of memory");
    return NULL;
}

/* Finds or creates the series of values, with the registry locked. */
static struct series *series_of(cs_metric_t *f, const char *const *values,
                                struct cs_err *err)
{
    uint64_t hash;
    struct series *s;

    if (check_values(f, values, err) != CS_OK)
        return NULL;
    hash = hash_values(f, values);
    s = find_series(f, values, hash);
    return s ? s : add_series(f, values, hash, err);
}

enum op { OP_ADD, OP_SET, OP_OBSERVE };

static cs_rc update(cs_metric_t *f, enum op op, const char *const *values,
                    double v, struct cs_err *err)
{
    struct cs_err local = CS_ERR_INIT;
    struct series *s;
    cs_rc rc = CS_OK;

    if ((op == OP_OBSERVE) != (f->kind == K_HISTOGRAM) ||
        (op == OP_SET && f->kind != K_GAUGE))
        return cs_err_set(err, CS_ERR_INVALID, "metric %s is a %s", f->name,
                          kind_names[f->kind]);
    if (f->kind == K_COUNTER && !(v >= 0))
        return cs_err_set(err, CS_ERR_INVALID,
                          "counter %s can only go up", f->name);
    pthread_mutex_lock(&f->reg->mu);
    s = series_of(f, values, &local);
    if (s == NULL) {
        rc = local.code;
        if (err)
            *err = local;
    } else if (op == OP_ADD) {
        s->value += v;
    } else if (op == OP_SET) {
        s->value = v;
    } else {
        size_t b = 0;
        while (b < f->nbounds && v > f->bounds[b])
            b++;
        s->buckets[b]++;
        s->count++;
        s->sum += v;
    }
    pthread_mutex_unlock(&f->reg->mu);
    return rc;
}

cs_rc cs_metric_add(cs_metric_t *f, const char *const *values, double v,
                    struct cs_err *err)
{
    return update(f, OP_ADD, values, v, err);
}

cs_rc cs_metric_set(cs_metric_t *f, const char *const *values, double v,
                    struct cs_err *err)
{
    return update(f, OP_SET, values, v, err);
}

cs_rc cs_metric_observe(cs_metric_t *f, const char *const *values, double v,
                        struct cs_err *err)
{
    return update(f, OP_OBSERVE, values, v, err);
}

cs_rc cs_metric_value(cs_metric_t *f, const char *const *values, double *out,
                      struct cs_err *err)
{
    struct series *s;
    cs_rc rc;

    *out = 0;
    if (f->kind == K_HISTOGRAM)
        return cs_err_set(err, CS_ERR_INVALID, "metric %s is a histogram",
                          f->name);
    rc = check_values(f, values, err);
    if (rc != CS_OK)
        return rc;
    pthread_mutex_lock(&f->reg->mu);
    s = find_series(f, values, hash_values(f, values));
    if (s)
        *out = s->value;
    pthread_mutex_unlock(&f->reg->mu);
    return CS_OK;
}

void cs_metric_clear(cs_metric_t *f)
{
    pthread_mutex_lock(&f->reg->mu);
    if (f->nlabels == 0 && f->kind != K_HISTOGRAM) {
        f->series[0].value = 0;
    } else {
        for (size_t i = 0; i < f->nseries; i++)
            free_series(f, &f->series[i]);
        f->nseries = 0;
    }
    pthread_mutex_unlock(&f->reg->mu);
}

/* ---- exposition ---- */

/* Shortest %g form that reads back as v; Prometheus spellings for
 * infinities and NaN. */
static void fmt_double(double v, char *out, size_t outlen)
{
    if (isnan(v)) {
        snprintf(out, outlen, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(out, outlen, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, outlen, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

/* Escapes for HELP text (backslash, newline) or label values (also the
 * double quote). */
static cs_rc append_escaped(struct cs_buf *out, const char *s, int quote)
{
    cs_rc rc = CS_OK;

    for (; *s && rc == CS_OK; s++) {
        if (*s == '\\')
            rc = cs_buf_appends(out, "\\\\");
        else if (*s == '\n')
            rc = cs_buf_appends(out, "\\n");
        else if (quote && *s == '"')
            rc = cs_buf_appends(out, "\\\"");
        else
            rc = cs_buf_appendc(out, *s);
    }
    return rc;
}

/* {a="x",b="y"[,le="..."]} or nothing at all. */
static cs_rc append_labels(struct cs_buf *out, const cs_metric_t *f,
                           const struct series *s, const char *le)
{
    cs_rc rc = CS_OK;

    if (f->nlabels == 0 && le == NULL)
        return CS_OK;
    rc = cs_buf_appendc(out, '{');
    for (size_t i = 0; i < f->nlabels && rc == CS_OK; i++) {
        rc = cs_buf_printf(out, "%s%s=\"", i ? "," : "", f->labels[i]);
        if (rc == CS_OK)
            rc = append_escaped(out, s->values[i], 1);
        if (rc == CS_OK)
            rc = cs_buf_appendc(out, '"');
    }
    if (rc == CS_OK && le)
        rc = cs_buf_printf(out, "%sle=\"%s\"", f->nlabels ? "," : "", le);
    if (rc == CS_OK)
        rc = cs_buf_appendc(out, '}');
    return rc;
}

static cs_rc append_sample(struct cs_buf *out, const cs_metric_t *f,
                           const char *suffix, const struct series *s,
                           const char *le, double v)
{
    char num[40];
    cs_rc rc = cs_buf_printf(out, "%s%s", f->name, suffix);

    if (rc == CS_OK)
        rc = append_labels(out, f, s, le);
    fmt_double(v, num, sizeof(num));
    if (rc == CS_OK)
        rc = cs_buf_printf(out, " %s\n", num);
    return rc;
}

static cs_rc render_histogram(struct cs_buf *out, const cs_metric_t *f,
                              const struct series *s)
{
    uint64_t cum = 0;
    char le[40];
    cs_rc rc = CS_OK;

    for (size_t b = 0; b <= f->nbounds && rc == CS_OK; b++) {
        cum += s->buckets[b];
        if (b < f->nbounds)
            fmt_double(f->bounds[b], le, sizeof(le));
        else
            snprintf(le, sizeof(le), "+Inf");
        rc = append_sample(out, f, "_bucket", s, le, (double)cum);
    }
    if (rc == CS_OK)
        rc = append_sample(out, f, "_sum", s, NULL, s->sum);
    if (rc == CS_OK)
        rc = append_sample(out, f, "_count", s, NULL, (double)s->count);
    return rc;
}

static cs_rc render_family(struct cs_buf *out, const cs_metric_t *f)
{
    cs_rc rc = cs_buf_printf(out, "# HELP %s ", f->name);

    if (rc == CS_OK)
        rc = append_escaped(out, f->help, 0);
    if (rc == CS_OK)
        rc = cs_buf_printf(out, "\n# TYPE %s %s\n", f->name, kind_names[f->kind]);
    for (size_t i = 0; i < f->nseries && rc == CS_OK; i++) {
        if (f->kind == K_HISTOGRAM)
            rc = render_histogram(out, f, &f->series[i]);
        else
            rc = append_sample(out, f, "", &f->series[i], NULL,
                               f->series[i].value);
    }
    return rc;
}

cs_rc cs_metrics_render(cs_metrics_t *m, struct cs_buf *out, struct cs_err *err)
{
    cs_rc rc = CS_OK;

    pthread_mutex_lock(&m->mu);
    for (cs_metric_t *f = m->first; f && rc == CS_OK; f = f->next)
        rc = render_family(out, f);
    pthread_mutex_unlock(&m->mu);
    if (rc != CS_OK)
        cs_err_set(err, rc, "metrics exposition does not fit");
    return rc;
}
